"""Claims side by side: one column per claimant, one row per whose-losses and outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.i18n import N_, format_number, gettext
from app.models import CasualtyFigure, Claim, Incident
from app.models.vocab import VALUE_LABELS, Outcome
from app.services.claims import LOSS_PARTIES, figure_subject, format_range

OUTCOME_ORDER = {outcome.value: i for i, outcome in enumerate(Outcome)}


@dataclass
class ClaimantColumn:
    label: str
    actor_slug: str | None
    claims: list[Claim] = field(default_factory=list)


@dataclass
class FigureRow:
    subject: str
    outcome: str
    # Claimed ranges per claimant column, in column order; None where that claimant gave no figure.
    cells: list[list[str] | None]
    spread: str

    @property
    def label(self) -> str:
        return f"{self.subject}: {self.outcome}"


@dataclass
class ClaimComparison:
    # One column per claimant (the party, or the office quoted when no party speaks).
    columns: list[ClaimantColumn]
    rows: list[FigureRow]
    # The claims grouped by party, voices that are not a party last: the side-by-side reading.
    parties: list[ClaimantColumn]


# Marked here, translated where the column is shown.
OTHER_VOICES = N_("Other voices (not a party)")


def claimant_key(claim: Claim) -> str:
    return claim.claimant.slug if claim.claimant is not None else f"~{claim.claimant_label}"


def spread(figures: list[CasualtyFigure]) -> str:
    """Lowest claimed to highest claimed; "+" when the highest is open-ended ("over 100")."""
    lowest = min(f.low for f in figures)
    highest = max(f.high if f.high is not None else f.low for f in figures)
    open_ended = any(f.high is None and f.low >= highest for f in figures)
    plus = "+" if open_ended else ""
    if lowest == highest:
        return f"{format_number(lowest)}{plus}"
    return gettext("%(lowest)s to %(highest)s") % {
        "lowest": format_number(lowest),
        "highest": f"{format_number(highest)}{plus}",
    }


def compare_claims(incident: Incident) -> ClaimComparison:
    columns: dict[str, ClaimantColumn] = {}
    for claim in incident.claims:  # already in time order
        key = claimant_key(claim)
        if key not in columns:
            columns[key] = ClaimantColumn(
                label=claim.claimant_label,
                actor_slug=claim.claimant.slug if claim.claimant else None,
            )
        columns[key].claims.append(claim)
    ordered = list(columns)

    by_row: dict[tuple[str, str], dict[str, list[CasualtyFigure]]] = {}
    for claim in incident.claims:
        for figure in claim.figures:
            row = by_row.setdefault((figure_subject(figure), figure.outcome), {})
            row.setdefault(claimant_key(claim), []).append(figure)

    rows = []
    everyone = gettext(LOSS_PARTIES["all"])
    for (subject, outcome), per_claimant in sorted(
        # A total ("Everyone", as datasets give it) before its parts.
        by_row.items(),
        key=lambda item: (
            OUTCOME_ORDER.get(item[0][1], 99),
            item[0][0] != everyone,
            item[0][0],
        ),
    ):
        cells = [
            [format_range(f.low, f.high, f.best) for f in per_claimant[key]]
            if key in per_claimant
            else None
            for key in ordered
        ]
        all_figures = [f for figures in per_claimant.values() for f in figures]
        rows.append(FigureRow(subject, outcome, cells, spread(all_figures)))
    return ClaimComparison(columns=list(columns.values()), rows=rows, parties=_by_party(incident))


def _by_party(incident: Incident) -> list[ClaimantColumn]:
    parties: dict[str, ClaimantColumn] = {}
    others = ClaimantColumn(label=OTHER_VOICES, actor_slug=None)
    for claim in incident.claims:
        if claim.claimant is None:
            others.claims.append(claim)
            continue
        column = parties.setdefault(
            claim.claimant.slug,
            ClaimantColumn(label=claim.claimant.name, actor_slug=claim.claimant.slug),
        )
        column.claims.append(claim)
    return [*parties.values(), *([others] if others.claims else [])]


def spread_summary(comparison: ClaimComparison, per_outcome: int = 2) -> str:
    """The disagreement in one line, for link previews: "Killed: Pakistan Army 2 to 50; ..."."""
    sentences = []
    for outcome in Outcome:
        rows = [r for r in comparison.rows if r.outcome == outcome.value][:per_outcome]
        if rows:
            listed = "; ".join(f"{r.subject} {r.spread}" for r in rows)
            sentences.append(f"{gettext(VALUE_LABELS[outcome.value])}: {listed}")
    return ". ".join(sentences)
