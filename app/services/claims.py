"""Rules about claims: when an incident is contested, and how claimed figures are shown."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import ColumnElement, and_

from app.display_names import display_name
from app.i18n import N_, format_number, gettext
from app.models import CasualtyFigure, Claim
from app.models.vocab import CONTESTING_STATUSES


def contesting_status_condition() -> ColumnElement[bool]:
    """A claim that makes its incident contested (one disputed or denied), as SQL over the
    claims table."""
    return Claim.status.in_(sorted(CONTESTING_STATUSES))


def adds_to_killed() -> ColumnElement[bool]:
    """A casualty figure that adds to a claim's killed, as SQL (killed_in is the same rule in
    Python): a figure of the killed that is not a part of a total already counted."""
    return and_(CasualtyFigure.outcome == "killed", CasualtyFigure.part_of_total.is_(False))


def format_range(low: int, high: int | None, best: int | None = None) -> str:
    """15 -> "15"; 15..20 -> "15–20"; over 100 (no upper bound) -> "100+"; with a best
    estimate, "best 146 (141–150)": in the reader's language and digits."""
    if best is not None and (best != low or high not in (None, low)):
        return gettext("best %(best)s (%(range)s)") % {
            "best": format_number(best),
            "range": format_range(low, high),
        }
    if high is None:
        return f"{format_number(low)}+"
    if high == low:
        return format_number(low)
    return f"{format_number(low)}–{format_number(high)}"


def figure_subject(figure: CasualtyFigure) -> str:
    """Whose losses, as a reader says it: "Civilians (Afghanistan)", "Pakistan Army", "Unknown"."""
    if figure.actor is not None:
        return display_name("actor", figure.actor.slug, figure.actor.name)
    return gettext(LOSS_PARTIES.get(figure.party, LOSS_PARTIES["unknown"]))


# Whose losses a figure without an actor counts, as the comparison's rows name them.
LOSS_PARTIES = {
    "all": N_("Everyone"),
    "civilians": N_("Civilians"),
    "combatants": N_("Combatants (unidentified)"),
    "unknown": N_("Unknown"),
}


def claimed_killed(claim: Claim) -> int | None:
    """The most killed this claim asserts, all victims together; None when it gives no figure."""
    return killed_in(claim.figures)


class FigureLike(Protocol):
    outcome: str
    low: int
    high: int | None
    part_of_total: bool


def killed_in(figures: Iterable[FigureLike]) -> int | None:
    """The most killed a set of figures asserts; an open-ended one ("over 100") counts as its
    lower bound. A part of a total (UCDP's deaths per side) is in the total already and is not
    added again. None when no figure is of the killed."""
    killed = [
        f.high if f.high is not None else f.low
        for f in figures
        if f.outcome == "killed" and not f.part_of_total
    ]
    return sum(killed) if killed else None
