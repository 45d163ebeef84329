"""The incident list: one filter, its results, its facet counts and its total.

Every condition comes from one function, so the list, the facets, the exports and the API agree
on what a filter means. Within a parameter the values are alternatives (actor=a&actor=b: either);
across parameters they all apply.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, union
from sqlalchemy.orm import Session

from app.i18n import N_, gettext, ngettext
from app.models import Actor, ActorName, Claim, District, Incident, IncidentActor, Sector
from app.models.vocab import COUNTRY_NAMES, EVENT_TYPES, ClaimStatus, ReviewState
from app.schemas.filters import DEFAULT_SORT, IncidentFilter, Problem
from app.services.coverage import REPORTERS, reported_by_condition, reporter_counts
from app.services.facet_index import Criteria, Selection, index_for
from app.services.incidents import IncidentListItem, list_items_by_id
from app.services.names import names, remembered
from app.services.search import escape_like, search_words, text_match_condition
from app.services.visibility import READER, Viewer

PAGE_SIZE = 50
FACET_PARAMETERS = (
    *("actor", "status", "sector", "province", "district", "type", "country", "reported_by"),
)
ACTOR_FACET_SIZE = 15
# What a filter chip says for the parameters that are not facets (marked here, translated where
# the chip is shown, as the facets' titles are).
CHIP_TITLES = {"from": N_("From"), "to": N_("To"), "q": N_("Text")}
DISTRICT_FACET_SIZE = 15
Answer = TypeVar("Answer")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    parameter: str
    title: str  # in English, marked for translation: the page translates it where shown
    values: list[FacetValue]


@dataclass
class BrowseResult:
    filter: IncidentFilter
    items: list[IncidentListItem]
    total: int
    facets: dict[str, Facet]
    notices: list[Problem] = field(default_factory=list)
    page_size: int = PAGE_SIZE

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def chips(self) -> list[tuple[str, str, str]]:
        """(what, the value as readers know it, the link without it) for each active filter:
        names where the link has slugs and codes."""
        titles = {parameter: facet.title for parameter, facet in self.facets.items()}
        labels = {
            (parameter, value.value): value.label
            for parameter, facet in self.facets.items()
            for value in facet.values
        }
        return [
            (
                titles.get(parameter, CHIP_TITLES.get(parameter, parameter)),
                labels.get((parameter, value), value),
                href,
            )
            for parameter, value, href in self.filter.removal_links()
        ]


def resolve_filter(
    session: Session, wanted: IncidentFilter, *, viewer: Viewer = READER
) -> tuple[IncidentFilter, list[Problem]]:
    """Actors by slug, name or alias become slugs; unknown actors and sectors are dropped with a
    notice, so an old shared link still opens."""
    resolved, notices = remembered(
        session,
        ("resolved", wanted, viewer),
        lambda: _resolve(session, wanted, viewer),
    )
    return resolved, list(notices)


def _resolve(
    session: Session, wanted: IncidentFilter, viewer: Viewer
) -> tuple[IncidentFilter, list[Problem]]:
    notices: list[Problem] = []
    actors: list[str] = []
    book = names(session)
    for given in wanted.actors:
        slug = (
            (given if given in book.actor_ids else None)
            or book.actors_by_name.get(given.lower())
            or book.actors_by_alias.get(given.lower())
        )
        if slug is None:
            slug, problem = _actor_by_partial_name(session, given)
            if problem:
                notices.append(problem)
        if slug is not None and slug not in actors:
            actors.append(slug)
    sectors = _known(book.sector_ids, wanted.sectors, "sector", notices)
    districts = _known(book.district_ids, wanted.districts, "district", notices)
    provinces = _known(book.province_districts, wanted.provinces, "province", notices)
    q = wanted.q
    if q and not search_words(q):
        notices.append(Problem("q", gettext("the search text has no words to look for; ignored")))
        q = ""
    states = wanted.states
    if states and not viewer.sees_unpublished:
        notices.append(
            Problem("state", gettext("only editors see drafts and archived incidents; ignored"))
        )
        states = ()
    return replace(
        wanted,
        actors=tuple(actors),
        sectors=sectors,
        districts=districts,
        provinces=provinces,
        q=q,
        states=states,
    ), notices


def _known(
    known: Collection[str], given: tuple[str, ...], parameter: str, notices: list[Problem]
) -> tuple[str, ...]:
    """The given slugs that exist; each other one is named in a notice and dropped, so an old
    shared link still opens."""
    messages = {
        "sector": gettext("no sector is called “%(slug)s”; ignored"),
        "district": gettext("no district is called “%(slug)s”; ignored"),
        "province": gettext("no province is called “%(slug)s”; ignored"),
    }
    for slug in given:
        if slug not in known:
            notices.append(Problem(parameter, messages[parameter] % {"slug": slug}))
    return tuple(s for s in given if s in known)


def actor_and_members(slugs: tuple[str, ...]) -> Select[tuple[int]]:
    """The ids of these actors and of their members, two levels down (Pakistan's state forces,
    the Frontier Corps; a movement, its factions): a group's filter includes its members."""
    chosen = select(Actor.id).where(Actor.slug.in_(slugs))
    members = select(Actor.id).where(Actor.member_of_id.in_(chosen))
    grand = select(Actor.id).where(Actor.member_of_id.in_(members))
    return union(chosen, members, grand)  # type: ignore[return-value]


def _actor_by_partial_name(session: Session, given: str) -> tuple[str | None, Problem | None]:
    """Part of a name or alias ("Fitna") is enough when it fits one actor only."""
    pattern = f"%{escape_like(given.lower())}%"
    slugs = set(
        session.scalars(
            select(Actor.slug)
            .outerjoin(ActorName, ActorName.actor_id == Actor.id)
            .where(
                or_(
                    func.lower(Actor.name).like(pattern, escape="\\"),
                    func.lower(ActorName.name).like(pattern, escape="\\"),
                )
            )
            .limit(6)
        )
    )
    shown = given[:60]
    if len(slugs) == 1:
        return slugs.pop(), None
    if not slugs:
        message = gettext("no actor is called “%(name)s”; ignored")
        return None, Problem("actor", message % {"name": shown})
    message = gettext("“%(name)s” fits several actors; choose one from the list")
    return None, Problem("actor", message % {"name": shown})


def filter_conditions(
    wanted: IncidentFilter, dialect: str, *, skip: str | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a filter; `skip` leaves one parameter out (for its facet)."""
    conditions: list[ColumnElement[bool]] = [
        Incident.review_state.in_(wanted.states)
        if wanted.states
        else Incident.review_state == ReviewState.PUBLISHED
    ]
    if wanted.date_from:
        conditions.append(Incident.date_end >= wanted.date_from)
    if wanted.date_to:
        conditions.append(Incident.date_start <= wanted.date_to)
    if wanted.actors and skip != "actor":
        involved = select(IncidentActor.incident_id).where(
            IncidentActor.actor_id.in_(actor_and_members(wanted.actors))
        )
        conditions.append(Incident.id.in_(involved))
    if wanted.statuses and skip != "status":
        claimed = select(Claim.incident_id).where(Claim.status.in_(wanted.statuses))
        conditions.append(Incident.id.in_(claimed))
    if wanted.sectors and skip != "sector":
        conditions.append(
            Incident.sector_id.in_(select(Sector.id).where(Sector.slug.in_(wanted.sectors)))
        )
    if wanted.districts and skip != "district":
        conditions.append(
            Incident.district_id.in_(select(District.id).where(District.slug.in_(wanted.districts)))
        )
    if wanted.provinces and skip != "province":
        conditions.append(
            Incident.district_id.in_(
                select(District.id).where(District.province_slug.in_(wanted.provinces))
            )
        )
    if wanted.types and skip != "type":
        conditions.append(Incident.event_type.in_(wanted.types))
    if wanted.countries and skip != "country":
        conditions.append(Incident.country.in_(wanted.countries))
    if wanted.reported_by and skip != "reported_by":
        conditions.append(reported_by_condition(wanted.reported_by))
    if wanted.q:
        matched = text_match_condition(wanted.q, dialect)
        if matched is not None:
            conditions.append(matched)
    return conditions


def _ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort == "date":
        return query.order_by(Incident.date_start.asc(), Incident.id.asc())
    if sort == "-killed":
        return query.order_by(
            Incident.max_claimed_killed.desc().nulls_last(),
            Incident.date_start.desc(),
            Incident.id.desc(),
        )
    if sort == "-updated":
        return query.order_by(Incident.updated_at.desc(), Incident.id.desc())
    return query.order_by(Incident.date_start.desc(), Incident.id.desc())


def count_incidents(session: Session, wanted: IncidentFilter) -> int:
    dialect = session.get_bind().dialect.name
    query = select(func.count()).select_from(Incident).where(*filter_conditions(wanted, dialect))
    return session.scalar(query) or 0


def _with_chosen(
    values: list[FacetValue],
    chosen: tuple[str, ...],
    labels_of: Callable[[list[str]], dict[str, str]],
) -> list[FacetValue]:
    """Chosen values stay in their facet even when nothing matches, so they can be unchosen."""
    missing = [c for c in chosen if c not in {v.value for v in values}]
    if not missing:
        return values
    labels = labels_of(missing)
    return values + [FacetValue(c, labels.get(c, c), 0, True) for c in missing]


@dataclass
class FacetRows:
    """Each facet's counts with their labels, as SQL or the facet index found them."""

    actors: list[tuple[str, str, int]]  # (slug, name, incidents), busiest first
    statuses: dict[str, int]
    sectors: list[tuple[str, str, int]]  # in the sectors' order, south to north
    districts: list[tuple[str, str, int]]  # busiest first
    provinces: list[tuple[str, str, int]]  # busiest first
    types: dict[str, int]
    countries: list[tuple[str, int]]  # by code
    reporters: dict[str, int]


def _counted_in_sql(session: Session, wanted: IncidentFilter, dialect: str) -> FacetRows:
    def where(parameter: str) -> list[ColumnElement[bool]]:
        return filter_conditions(wanted, dialect, skip=parameter)

    actors = session.execute(
        select(Actor.slug, Actor.name, func.count(func.distinct(IncidentActor.incident_id)))
        .join(IncidentActor, IncidentActor.actor_id == Actor.id)
        .join(Incident, Incident.id == IncidentActor.incident_id)
        .where(*where("actor"))
        .group_by(Actor.slug, Actor.name)
        .order_by(func.count(func.distinct(IncidentActor.incident_id)).desc(), Actor.name)
    ).all()
    statuses = session.execute(
        select(Claim.status, func.count(func.distinct(Claim.incident_id)))
        .join(Incident, Incident.id == Claim.incident_id)
        .where(*where("status"))
        .group_by(Claim.status)
    ).all()
    sectors = session.execute(
        select(Sector.slug, Sector.name, func.count(Incident.id))
        .join(Incident, Incident.sector_id == Sector.id)
        .where(*where("sector"))
        .group_by(Sector.slug, Sector.name, Sector.position)
        .order_by(Sector.position)
    ).all()
    districts = session.execute(
        select(District.slug, District.name, func.count(Incident.id))
        .join(Incident, Incident.district_id == District.id)
        .where(*where("district"))
        .group_by(District.slug, District.name)
        .order_by(func.count(Incident.id).desc(), District.name)
    ).all()
    provinces = session.execute(
        select(District.province_slug, District.province, func.count(Incident.id))
        .join(Incident, Incident.district_id == District.id)
        .where(*where("province"))
        .group_by(District.province_slug, District.province)
        .order_by(func.count(Incident.id).desc(), District.province)
    ).all()
    types = session.execute(
        select(Incident.event_type, func.count(Incident.id))
        .where(*where("type"))
        .group_by(Incident.event_type)
    ).all()
    countries = session.execute(
        select(Incident.country, func.count(Incident.id))
        .where(*where("country"), Incident.country.is_not(None))
        .group_by(Incident.country)
        .order_by(Incident.country)
    ).all()
    return FacetRows(
        actors=[(slug, name, n) for slug, name, n in actors],
        statuses={status: n for status, n in statuses},
        sectors=[(slug, name, n) for slug, name, n in sectors],
        districts=[(slug, name, n) for slug, name, n in districts],
        provinces=[(slug, name, n) for slug, name, n in provinces],
        types={event_type: n for event_type, n in types},
        countries=[(code, n) for code, n in countries if code is not None],
        reporters=reporter_counts(session, where("reported_by")),
    )


def _counted_in_index(session: Session, counts: dict[str, dict[Any, int]]) -> FacetRows:
    """The index counts by id; the names come from the name book, ordered as SQL orders. An id
    the book does not know is of a row written after this transaction began: SQL, reading
    in the same transaction, would not have counted it either."""
    book = names(session)
    actors = sorted(
        (
            (book.actors[actor_id].slug, book.actors[actor_id].name, n)
            for actor_id, n in counts["actor"].items()
            if actor_id in book.actors
        ),
        key=lambda row: (-row[2], row[1]),
    )
    sectors = [
        (entry.slug, entry.name, n)
        for entry, n in sorted(
            ((book.sectors[i], n) for i, n in counts["sector"].items() if i in book.sectors),
            key=lambda pair: pair[0].position,
        )
    ]
    districts = [
        (book.districts[district_id].slug, book.districts[district_id].name, n)
        for district_id, n in counts["district"].items()
        if district_id in book.districts
    ]
    by_province: dict[tuple[str, str], int] = defaultdict(int)
    for district_id, n in counts["province"].items():
        if district_id in book.districts:
            district = book.districts[district_id]
            by_province[district.province_slug, district.province] += n
    return FacetRows(
        actors=actors,
        statuses=counts["status"],
        sectors=sectors,
        districts=sorted(districts, key=lambda row: (-row[2], row[1])),
        provinces=sorted(
            ((slug, name, n) for (slug, name), n in by_province.items()),
            key=lambda row: (-row[2], row[1]),
        ),
        types=counts["type"],
        countries=sorted(counts["country"].items()),
        reporters={r: counts["reported_by"].get(r, 0) for r in REPORTERS},
    )


def _facets(session: Session, wanted: IncidentFilter, rows: FacetRows) -> dict[str, Facet]:
    book = names(session)
    shown = [r for i, r in enumerate(rows.actors) if i < ACTOR_FACET_SIZE or r[0] in wanted.actors]
    actors = _with_chosen(
        [FacetValue(slug, name, n, slug in wanted.actors) for slug, name, n in shown],
        wanted.actors,
        lambda chosen: {c: book.actors[book.actor_ids[c]].name for c in chosen},
    )
    statuses = [
        FacetValue(
            s.value, s.value.capitalize(), rows.statuses.get(s.value, 0), s.value in wanted.statuses
        )
        for s in ClaimStatus
    ]
    sectors = _with_chosen(
        [FacetValue(slug, name, n, slug in wanted.sectors) for slug, name, n in rows.sectors],
        wanted.sectors,
        lambda chosen: {c: book.sectors[book.sector_ids[c]].name for c in chosen},
    )
    shown_districts = [
        r
        for i, r in enumerate(rows.districts)
        if i < DISTRICT_FACET_SIZE or r[0] in wanted.districts
    ]
    districts = _with_chosen(
        [FacetValue(s, name, n, s in wanted.districts) for s, name, n in shown_districts],
        wanted.districts,
        lambda chosen: {c: book.districts[book.district_ids[c]].name for c in chosen},
    )
    provinces = _with_chosen(
        [FacetValue(s, name, n, s in wanted.provinces) for s, name, n in rows.provinces],
        wanted.provinces,
        lambda chosen: {c: book.districts[book.province_districts[c][0]].province for c in chosen},
    )
    types = [
        FacetValue(slug, label, rows.types.get(slug, 0), slug in wanted.types)
        for slug, (label, _) in EVENT_TYPES.items()
        if rows.types.get(slug) or slug in wanted.types
    ]
    countries = _with_chosen(
        [
            FacetValue(code, COUNTRY_NAMES.get(code, code), n, code in wanted.countries)
            for code, n in rows.countries
        ],
        wanted.countries,
        lambda chosen: {code: COUNTRY_NAMES.get(code, code) for code in chosen},
    )
    reported_by = [
        FacetValue(value, label, rows.reporters[value], value in wanted.reported_by)
        for value, label in REPORTERS.items()
    ]
    return {
        "actor": Facet("actor", N_("Actor"), actors),
        "status": Facet("status", N_("Claim status"), statuses),
        "sector": Facet("sector", N_("Sector"), sectors),
        "province": Facet("province", N_("Province"), provinces),
        "district": Facet("district", N_("District"), districts),
        "type": Facet("type", N_("Event type"), types),
        "country": Facet("country", N_("Country side"), countries),
        "reported_by": Facet("reported_by", N_("Reported by"), reported_by),
    }


def list_items(
    session: Session,
    conditions: list[ColumnElement[bool]],
    *,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> list[IncidentListItem]:
    """One page of incidents with what a list row shows, in a fixed number of queries."""
    return list_items_by_id(session, _page_ids(session, conditions, sort, page, page_size))


def _page_ids(
    session: Session, conditions: list[ColumnElement[bool]], sort: str, page: int, page_size: int
) -> list[int]:
    ids = session.scalars(
        _ordered(select(Incident.id).where(*conditions), sort)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return list(ids)


def criteria_of(session: Session, wanted: IncidentFilter) -> Criteria:
    """A resolved filter in the facet index's terms: the same conditions as filter_conditions,
    with slugs looked up as ids (the index reads the text search's matches itself)."""
    book = names(session)
    return Criteria(
        states=wanted.states or (ReviewState.PUBLISHED.value,),
        day_from=wanted.date_from.toordinal() if wanted.date_from else None,
        day_to=wanted.date_to.toordinal() if wanted.date_to else None,
        actor_ids=book.actor_and_members(wanted.actors) if wanted.actors else None,
        statuses=wanted.statuses or None,
        sector_ids=tuple(book.sector_ids[s] for s in wanted.sectors if s in book.sector_ids)
        if wanted.sectors
        else None,
        district_ids=tuple(book.district_ids[d] for d in wanted.districts if d in book.district_ids)
        if wanted.districts
        else None,
        province_district_ids=tuple(
            district_id
            for province in wanted.provinces
            for district_id in book.province_districts.get(province, ())
        )
        if wanted.provinces
        else None,
        types=wanted.types or None,
        countries=wanted.countries or None,
        reported_by=wanted.reported_by or None,
        text_words=tuple(search_words(wanted.q)) or None,
    )


def ask_index(
    session: Session, resolved: IncidentFilter, ask: Callable[[Selection], Answer]
) -> Answer | None:
    """`ask` of the facet index's selection for a resolved filter; None where the app keeps no
    index (then the caller counts in SQL). The index is locked while `ask` runs, so `ask` only
    reads the selection: names and rows are looked up after."""
    index = index_for(session)
    if index is None:
        return None
    criteria = remembered(session, ("criteria", resolved), lambda: criteria_of(session, resolved))
    with index.current() as current:
        return None if current is None else ask(current.select(criteria))


def facet_rows(session: Session, wanted: IncidentFilter) -> FacetRows:
    """Every facet's counts for a filter, as the list shows them (a reader's view)."""
    resolved, _ = resolve_filter(session, wanted)
    counts = ask_index(session, resolved, _facet_counts)
    if counts is not None:
        return _counted_in_index(session, counts)
    return _counted_in_sql(session, resolved, session.get_bind().dialect.name)


def _facet_counts(selection: Selection) -> dict[str, dict[Any, int]]:
    return {parameter: selection.counts(parameter) for parameter in FACET_PARAMETERS}


def counts_in_windows(
    session: Session,
    wanted: IncidentFilter,
    windows: list[tuple[date, date]],
    *,
    viewer: Viewer = READER,
) -> list[int]:
    """How many incidents the filter would match with each of these date windows in place of
    its own (the quick ranges say what they hold before they are chosen)."""
    resolved, _ = resolve_filter(session, wanted, viewer=viewer)
    undated = replace(resolved, date_from=None, date_to=None, page=1)
    days = tuple((first.toordinal(), last.toordinal()) for first, last in windows)
    counted = ask_index(session, undated, lambda selection: selection.overlapping(days))
    if counted is not None:
        return list(counted)
    dialect = session.get_bind().dialect.name
    return [
        session.scalar(
            select(func.count())
            .select_from(Incident)
            .where(*filter_conditions(replace(undated, date_from=first, date_to=last), dialect))
        )
        or 0
        for first, last in windows
    ]


@dataclass(frozen=True)
class IncidentPage:
    """One page of a filter's incidents in its sort order, and how many match: the list without
    its facets, as the API's list gives it."""

    filter: IncidentFilter  # resolved
    notices: list[Problem]
    total: int
    ids: list[int]


def incident_page(
    session: Session,
    wanted: IncidentFilter,
    *,
    page_size: int = PAGE_SIZE,
    viewer: Viewer = READER,
) -> IncidentPage:
    resolved, notices = resolve_filter(session, wanted, viewer=viewer)
    offset = (resolved.page - 1) * page_size
    counted = ask_index(
        session,
        resolved,
        lambda selection: (selection.total, selection.page_ids(resolved.sort, offset, page_size)),
    )
    if counted is None:
        counted = _page_in_sql(session, resolved, page_size)
    total, ids = counted
    return IncidentPage(resolved, notices, total, list(ids))


def _page_in_sql(
    session: Session, resolved: IncidentFilter, page_size: int
) -> tuple[int, list[int]]:
    """The total and one page's ids where the app keeps no facet index."""
    conditions = filter_conditions(resolved, session.get_bind().dialect.name)
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    return total, _page_ids(session, conditions, resolved.sort, resolved.page, page_size)


def browse_incidents(
    session: Session,
    wanted: IncidentFilter,
    *,
    page_size: int = PAGE_SIZE,
    viewer: Viewer = READER,
) -> BrowseResult:
    """Resolve the filter, then its page of incidents, the total and the facet counts: from the
    facet index where the app keeps one (services/facet_index.py), otherwise in SQL."""
    resolved, notices = resolve_filter(session, wanted, viewer=viewer)
    offset = (resolved.page - 1) * page_size
    counted = ask_index(
        session,
        resolved,
        lambda selection: (
            selection.total,
            selection.page_ids(resolved.sort, offset, page_size),
            _facet_counts(selection),
        ),
    )
    if counted is not None:
        total, page_ids, counts = counted
        items = list_items_by_id(session, page_ids)
        rows = _counted_in_index(session, counts)
        return _result(session, resolved, notices, items, total, rows, page_size)
    total, page_ids = _page_in_sql(session, resolved, page_size)
    items = list_items_by_id(session, page_ids)
    rows = _counted_in_sql(session, resolved, session.get_bind().dialect.name)
    return _result(session, resolved, notices, items, total, rows, page_size)


def _result(
    session: Session,
    resolved: IncidentFilter,
    notices: list[Problem],
    items: list[IncidentListItem],
    total: int,
    rows: FacetRows,
    page_size: int,
) -> BrowseResult:
    page_count = max(1, -(-total // page_size))
    if resolved.page > page_count:
        there = ngettext(
            "there is only %(num)s page; showing none",
            "there are only %(num)s pages; showing none",
            page_count,
        )
        notices.append(Problem("page", there % {"num": page_count}))
    return BrowseResult(
        filter=resolved,
        items=items,
        total=total,
        facets=_facets(session, resolved, rows),
        notices=notices,
        page_size=page_size,
    )
