"""Readable differences between two snapshots of an incident, for its history and for the
conflict page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.i18n import N_, gettext
from app.models import Change
from app.models.vocab import ChangeAction
from app.services.snapshots import is_incident_snapshot

# The labels are marked here and translated when a difference is shown (at request time).
FIELD_LABELS = {
    "title": N_("Title"),
    "summary": N_("Summary"),
    "date_start": N_("Start date"),
    "date_end": N_("End date"),
    "date_precision": N_("Date precision"),
    "location": N_("Location as reported"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "geo_precision": N_("Location precision"),
    "country": N_("Country side"),
    "event_type": N_("Event type"),
    "sub_event_type": N_("Sub-type"),
    "assessed_killed_low": N_("Assessed killed, low"),
    "assessed_killed_best": N_("Assessed killed, best"),
    "assessed_killed_high": N_("Assessed killed, high"),
    "assessed_wounded_low": N_("Assessed wounded, low"),
    "assessed_wounded_high": N_("Assessed wounded, high"),
    "assessment_note": N_("Assessment note"),
    "notes": N_("Editors' notes"),
    "review_state": N_("Review state"),
    "place": N_("Place"),
    "sector": N_("Sector"),
}
CLAIM_LABELS = {
    "claimant": N_("claimant"),
    "spokesperson": N_("spokesperson"),
    "spokesperson_role": N_("office"),
    "claimed_on": N_("date"),
    "kind": N_("kind"),
    "statement": N_("statement"),
    "statement_language": N_("language"),
    "translation": N_("translation"),
    "status": N_("status"),
    "credibility": N_("credibility"),
    "responds_to_id": N_("responds to claim"),
    "note": N_("note"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeView:
    change: Change
    differences: list[FieldChange]
    # A full version of the incident, which can be restored (not a deletion, nor a row logged in
    # another shape before every origin recorded the snapshot).
    restorable: bool


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def _actors(snapshot: dict[str, Any]) -> str:
    return ", ".join(f"{a['actor']} ({a['role']})" for a in snapshot.get("actors", [])) or "—"


def _figures(claim: dict[str, Any]) -> str:
    parts = []
    for f in claim.get("figures", []):
        span = f"{f['low']}" if f["high"] == f["low"] else f"{f['low']}–{f['high'] or ''}"
        parts.append(f"{span} {f['outcome']} ({f['actor'] or f['party']})")
    return "; ".join(parts) or "—"


def claim_summary(claim: dict[str, Any]) -> str:
    who = claim.get("claimant") or claim.get("spokesperson_role") or claim.get("spokesperson")
    statement = (claim.get("statement") or "")[:90]
    return f"{who}: {claim['kind']}, {claim['status']}. “{statement}”"


def diff_snapshots(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[FieldChange]:
    before, after = before or {}, after or {}
    changes = [
        FieldChange(gettext(label), _show(before.get(name)), _show(after.get(name)))
        for name, label in FIELD_LABELS.items()
        if before.get(name) != after.get(name)
    ]
    if _actors(before) != _actors(after):
        changes.append(FieldChange(gettext("Actors"), _actors(before), _actors(after)))
    old = {c["id"]: c for c in before.get("claims", [])}
    new = {c["id"]: c for c in after.get("claims", [])}
    for claim_id in sorted(old.keys() - new.keys()):
        label = gettext("Claim %(id)s removed") % {"id": claim_id}
        changes.append(FieldChange(label, claim_summary(old[claim_id]), "—"))
    for claim_id in sorted(new.keys() - old.keys()):
        label = gettext("Claim %(id)s added") % {"id": claim_id}
        changes.append(FieldChange(label, "—", claim_summary(new[claim_id])))
    for claim_id in sorted(old.keys() & new.keys()):
        a, b = old[claim_id], new[claim_id]
        for name, label in CLAIM_LABELS.items():
            if a.get(name) != b.get(name):
                said = gettext("Claim %(id)s: %(field)s")
                said %= {"id": claim_id, "field": gettext(label)}
                changes.append(FieldChange(said, _show(a.get(name)), _show(b.get(name))))
        if _figures(a) != _figures(b):
            label = gettext("Claim %(id)s: figures") % {"id": claim_id}
            changes.append(FieldChange(label, _figures(a), _figures(b)))
        if a.get("sources") != b.get("sources"):
            changes.append(
                FieldChange(
                    gettext("Claim %(id)s: sources") % {"id": claim_id},
                    ", ".join(a.get("sources", [])) or "—",
                    ", ".join(b.get("sources", [])) or "—",
                )
            )
    return changes


def history_views(changes: list[Change]) -> list[ChangeView]:
    """The differences each change made. An import's update records no `before` (the bulk
    writer leaves it to the log): it is compared with the incident's previous version in the
    log, so it shows what the new file changed, not every field as new."""
    previous: dict[int, dict[str, Any]] = {}
    views: dict[int, ChangeView] = {}
    for change in sorted(changes, key=lambda c: c.id):
        before = change.before
        if before is None and change.action != ChangeAction.CREATE:
            before = previous.get(change.entity_id)
        differences = diff_snapshots(before, change.after)
        views[change.id] = ChangeView(change, differences, is_incident_snapshot(change.after))
        if is_incident_snapshot(change.after):
            previous[change.entity_id] = change.after
    return [views[change.id] for change in changes]
