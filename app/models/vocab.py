"""The controlled vocabularies of the domain. Stored as plain strings guarded by CHECK constraints,
so the schema stays portable and a new value is one migration away."""

from __future__ import annotations

from enum import StrEnum


class DatePrecision(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class ReviewState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ActorRole(StrEnum):
    SIDE_A = "side_a"
    SIDE_B = "side_b"
    ASSOCIATED = "associated"
    SUSPECTED_PERPETRATOR = "suspected_perpetrator"
    TARGET = "target"


ROLE_LABELS = {
    "side_a": "Side A",
    "side_b": "Side B",
    "associated": "Associated",
    "suspected_perpetrator": "Suspected perpetrator",
    "target": "Target",
}


# The two sides of the border, by ISO 3166-1 alpha-3 code, as readers know them.
COUNTRY_NAMES = {"PAK": "Pakistan", "AFG": "Afghanistan"}


class ActorKind(StrEnum):
    STATE_FORCES = "state-forces"
    REBEL_GROUP = "rebel-group"
    CIVILIANS = "civilians"
    # ACLED and UCDP as claimants: their figures are their claims, beside the parties'.
    DATASET = "dataset"
    OTHER = "other"


class ClaimKind(StrEnum):
    CASUALTIES = "casualties"
    RESPONSIBILITY = "responsibility"
    TERRITORIAL = "territorial"
    DAMAGE = "damage"
    DENIAL = "denial"


class ClaimStatus(StrEnum):
    UNVERIFIED = "unverified"
    CORROBORATED = "corroborated"
    DISPUTED = "disputed"
    DENIED = "denied"
    RETRACTED = "retracted"


# A claim in one of these states makes its incident contested.
CONTESTING_STATUSES = frozenset({ClaimStatus.DISPUTED, ClaimStatus.DENIED})


class LossParty(StrEnum):
    """Whose losses a casualty figure counts; the actor, when known, is on the figure too."""

    # Everyone killed, whoever they were: a dataset's total, with its parts beside it.
    ALL = "all"
    CIVILIANS = "civilians"
    COMBATANTS = "combatants"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    KILLED = "killed"
    WOUNDED = "wounded"
    CAPTURED = "captured"
    MISSING = "missing"


class Reliability(StrEnum):
    """Admiralty scale for a source."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


RELIABILITY_LABELS = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}

# Admiralty scale for the information itself (an editor's grade of a claim).
CREDIBILITY_LABELS = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}


class UserRole(StrEnum):
    EDITOR = "editor"
    ADMIN = "admin"


class ProposalState(StrEnum):
    OPEN = "open"
    LATER = "later"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    PUBLISH = "publish"
    DELETE = "delete"
    RESTORE = "restore"


GEO_PRECISION_LABELS = {
    1: "the place itself",
    2: "near the place, or part of its district",
    3: "the wider region",
}

# ACLED event types and their sub-types, as slugs with display names.
EVENT_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "battles": (
        "Battles",
        {
            "armed-clash": "Armed clash",
            "government-regains-territory": "Government regains territory",
            "non-state-actor-overtakes-territory": "Non-state actor overtakes territory",
        },
    ),
    "explosions-remote-violence": (
        "Explosions/Remote violence",
        {
            "chemical-weapon": "Chemical weapon",
            "air-drone-strike": "Air/drone strike",
            "suicide-bomb": "Suicide bomb",
            "shelling-artillery-missile-attack": "Shelling/artillery/missile attack",
            "remote-explosive-landmine-ied": "Remote explosive/landmine/IED",
            "grenade": "Grenade",
        },
    ),
    "violence-against-civilians": (
        "Violence against civilians",
        {
            "sexual-violence": "Sexual violence",
            "attack": "Attack",
            "abduction-forced-disappearance": "Abduction/forced disappearance",
        },
    ),
    "protests": (
        "Protests",
        {
            "peaceful-protest": "Peaceful protest",
            "protest-with-intervention": "Protest with intervention",
            "excessive-force-against-protesters": "Excessive force against protesters",
        },
    ),
    "riots": (
        "Riots",
        {"violent-demonstration": "Violent demonstration", "mob-violence": "Mob violence"},
    ),
    "strategic-developments": (
        "Strategic developments",
        {
            "agreement": "Agreement",
            "arrests": "Arrests",
            "change-to-group-activity": "Change to group/activity",
            "disrupted-weapons-use": "Disrupted weapons use",
            "headquarters-or-base-established": "Headquarters or base established",
            "looting-property-destruction": "Looting/property destruction",
            "non-violent-transfer-of-territory": "Non-violent transfer of territory",
            "other": "Other",
        },
    ),
}

SUB_EVENT_TYPES = {sub for _, subs in EVENT_TYPES.values() for sub in subs}


def event_type_label(slug: str) -> str:
    return EVENT_TYPES[slug][0] if slug in EVENT_TYPES else slug


def sub_event_type_label(event_type: str, sub: str) -> str:
    return EVENT_TYPES.get(event_type, ("", {}))[1].get(sub, sub)
