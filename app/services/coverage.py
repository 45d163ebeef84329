"""Who reported an incident: ACLED, UCDP, editors' own sources; and, for any filter, how many
incidents only one dataset has, both have, or neither (editors' own)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, case, func, or_, select
from sqlalchemy.orm import Session

from app.i18n import N_, format_number, gettext, ngettext
from app.importers import DATASET_LABELS
from app.models import ExternalId, Incident
from app.models.vocab import ActorKind

# The values of the reported_by filter, in the order the facet lists them (the labels are marked
# here and translated where the facet shows them).
REPORTERS = {"acled": "ACLED", "ucdp": "UCDP", "editors": N_("Editors only")}


def _in_dataset(dataset: str) -> ColumnElement[bool]:
    return (
        select(ExternalId.id)
        .where(ExternalId.incident_id == Incident.id, ExternalId.dataset == dataset)
        .exists()
    )


def _in_no_dataset() -> ColumnElement[bool]:
    """Editors' own: no ACLED or UCDP record (the demo's and native imports' ids are theirs)."""
    return ~(
        select(ExternalId.id)
        .where(ExternalId.incident_id == Incident.id, ExternalId.dataset.in_(DATASET_LABELS))
        .exists()
    )


def reported_by_condition(values: Iterable[str]) -> ColumnElement[bool]:
    """Incidents any of the reporters has: a dataset's own record, or (editors) none at all."""
    return or_(*(_in_no_dataset() if v == "editors" else _in_dataset(v) for v in values))


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def reporter_counts(session: Session, conditions: list[ColumnElement[bool]]) -> dict[str, int]:
    """How many of the filtered incidents each reporter has, in one query."""
    row = session.execute(
        select(*(_count_where(reported_by_condition([r])) for r in REPORTERS)).where(*conditions)
    ).one()
    return dict(zip(REPORTERS, row, strict=True))


@dataclass(frozen=True)
class Coverage:
    only_acled: int
    only_ucdp: int
    both: int
    neither: int

    @property
    def total(self) -> int:
        return self.only_acled + self.only_ucdp + self.both + self.neither

    def rows(self) -> list[tuple[str, str, int]]:
        """(label, the reported_by values that select it, count) for the table and chart. The
        labels are marked here and translated where they are shown."""
        return [
            (N_("Only ACLED"), "acled", self.only_acled),
            (N_("Only UCDP"), "ucdp", self.only_ucdp),
            (N_("Both ACLED and UCDP"), "", self.both),
            (N_("Neither: editors' own"), "editors", self.neither),
        ]


def coverage(session: Session, conditions: list[ColumnElement[bool]]) -> Coverage:
    acled, ucdp = _in_dataset("acled"), _in_dataset("ucdp")
    row = session.execute(
        select(
            _count_where(acled & ~ucdp),
            _count_where(ucdp & ~acled),
            _count_where(acled & ucdp),
            _count_where(~acled & ~ucdp),
        ).where(*conditions)
    ).one()
    return Coverage(*row)


def reported_by_text(incident: Incident) -> str:
    """ "ACLED, UCDP, 2 news sources": the datasets holding a record of the incident, and the
    other sources its claims cite."""
    datasets: dict[str, int] = {}
    for ref in incident.external_ids:
        if ref.dataset in DATASET_LABELS:
            datasets[ref.dataset] = datasets.get(ref.dataset, 0) + 1
    parts = []
    for dataset, n in sorted(datasets.items()):
        name = DATASET_LABELS.get(dataset, dataset).split()[0]
        events = gettext("%(dataset)s (%(num)s events)")
        parts.append(events % {"dataset": name, "num": format_number(n)} if n > 1 else name)
    sources = {
        source.id
        for claim in incident.claims
        if not (claim.claimant is not None and claim.claimant.kind == ActorKind.DATASET)
        for source in claim.sources
    }
    if sources:
        count = len(sources)
        news = ngettext("%(num)s news source", "%(num)s news sources", count)
        parts.append(news % {"num": format_number(count)})
    return ", ".join(parts) or gettext("no source yet")
