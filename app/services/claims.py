"""Rules about claims: when an incident is contested, and how claimed figures are shown."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement

from app.models import CasualtyFigure, Claim
from app.models.vocab import CONTESTING_STATUSES


def is_contested(statuses: Iterable[str]) -> bool:
    """An incident is contested when any of its claims is disputed or denied."""
    return any(status in CONTESTING_STATUSES for status in statuses)


def contesting_status_condition() -> ColumnElement[bool]:
    """The same rule as is_contested, as SQL over the claims table."""
    return Claim.status.in_(sorted(CONTESTING_STATUSES))


def format_range(low: int, high: int | None) -> str:
    """15 -> "15"; 15..20 -> "15–20"; over 100 (no upper bound) -> "100+"."""
    if high is None:
        return f"{low}+"
    if high == low:
        return str(low)
    return f"{low}–{high}"


def figure_subject(figure: CasualtyFigure) -> str:
    """Whose losses, as a reader says it: "Civilians (Afghanistan)", "Pakistan Army", "Unknown"."""
    if figure.actor is not None:
        return figure.actor.name
    return {"civilians": "Civilians", "combatants": "Combatants (unidentified)"}.get(
        figure.party, "Unknown"
    )


def claimed_killed(claim: Claim) -> int | None:
    """The most killed this claim asserts, all victims together; None when it gives no figure.

    An open-ended figure ("over 100") counts as its lower bound.
    """
    killed = [
        f.high if f.high is not None else f.low for f in claim.figures if f.outcome == "killed"
    ]
    return sum(killed) if killed else None
