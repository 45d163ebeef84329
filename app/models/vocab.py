"""The controlled vocabularies of the domain. Stored as plain strings guarded by CHECK constraints,
so the schema stays portable and a new value is one migration away."""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


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
    "side_a": N_("Side A"),
    "side_b": N_("Side B"),
    "associated": N_("Associated"),
    "suspected_perpetrator": N_("Suspected perpetrator"),
    "target": N_("Target"),
}


# The two sides of the border, by ISO 3166-1 alpha-3 code, as readers know them.
COUNTRY_NAMES = {"PAK": N_("Pakistan"), "AFG": N_("Afghanistan")}


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
    "A": N_("completely reliable"),
    "B": N_("usually reliable"),
    "C": N_("fairly reliable"),
    "D": N_("not usually reliable"),
    "E": N_("unreliable"),
    "F": N_("reliability cannot be judged"),
}

# Admiralty scale for the information itself (an editor's grade of a claim).
CREDIBILITY_LABELS = {
    1: N_("confirmed by other sources"),
    2: N_("probably true"),
    3: N_("possibly true"),
    4: N_("doubtful"),
    5: N_("improbable"),
    6: N_("truth cannot be judged"),
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
    1: N_("the place itself"),
    2: N_("near the place, or part of its district"),
    3: N_("the wider region"),
}

# ACLED event types and their sub-types, as slugs with display names.
EVENT_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "battles": (
        N_("Battles"),
        {
            "armed-clash": N_("Armed clash"),
            "government-regains-territory": N_("Government regains territory"),
            "non-state-actor-overtakes-territory": N_("Non-state actor overtakes territory"),
        },
    ),
    "explosions-remote-violence": (
        N_("Explosions/Remote violence"),
        {
            "chemical-weapon": N_("Chemical weapon"),
            "air-drone-strike": N_("Air/drone strike"),
            "suicide-bomb": N_("Suicide bomb"),
            "shelling-artillery-missile-attack": N_("Shelling/artillery/missile attack"),
            "remote-explosive-landmine-ied": N_("Remote explosive/landmine/IED"),
            "grenade": N_("Grenade"),
        },
    ),
    "violence-against-civilians": (
        N_("Violence against civilians"),
        {
            "sexual-violence": N_("Sexual violence"),
            "attack": N_("Attack"),
            "abduction-forced-disappearance": N_("Abduction/forced disappearance"),
        },
    ),
    "protests": (
        N_("Protests"),
        {
            "peaceful-protest": N_("Peaceful protest"),
            "protest-with-intervention": N_("Protest with intervention"),
            "excessive-force-against-protesters": N_("Excessive force against protesters"),
        },
    ),
    "riots": (
        N_("Riots"),
        {"violent-demonstration": N_("Violent demonstration"), "mob-violence": N_("Mob violence")},
    ),
    "strategic-developments": (
        N_("Strategic developments"),
        {
            "agreement": N_("Agreement"),
            "arrests": N_("Arrests"),
            "change-to-group-activity": N_("Change to group/activity"),
            "disrupted-weapons-use": N_("Disrupted weapons use"),
            "headquarters-or-base-established": N_("Headquarters or base established"),
            "looting-property-destruction": N_("Looting/property destruction"),
            "non-violent-transfer-of-territory": N_("Non-violent transfer of territory"),
            "other": N_("Other"),
        },
    ),
}

# Other vocabularies' values as pages show them: a label to translate for each.
VALUE_LABELS = {
    # claim statuses; "no-claims" is the status filter's value for an incident without any
    # Translators: a claim's status, said of a party's assertion, never of a fact. Unverified:
    # nobody has confirmed or refuted it yet (not "false", not "alleged").
    "unverified": N_("Unverified"),
    # Translators: other independent sources say the same; still a claim, not "proven".
    "corroborated": N_("Corroborated"),
    # Translators: another party or a source says otherwise; neutral, not "false" or "a lie".
    "disputed": N_("Disputed"),
    # Translators: the party named in the claim says it did not happen; report the denial
    # without judging it.
    "denied": N_("Denied"),
    # Translators: the claimant itself withdrew the claim.
    "retracted": N_("Retracted"),
    # Translators: an incident with at least one disputed or denied claim; the parties disagree.
    "contested": N_("Contested"),
    "no-claims": N_("No claims"),
    # claim kinds
    "casualties": N_("Casualties"),
    "responsibility": N_("Responsibility"),
    "territorial": N_("Territorial"),
    "damage": N_("Damage"),
    "denial": N_("Denial"),
    # actor kinds
    "state-forces": N_("State forces"),
    "rebel-group": N_("Rebel group"),
    "civilians": N_("Civilians"),
    "dataset": N_("Dataset"),
    "other": N_("Other"),
    # whose losses, and what befell them
    "all": N_("All"),
    "combatants": N_("Combatants"),
    "unknown": N_("Unknown"),
    "killed": N_("Killed"),
    "wounded": N_("Wounded"),
    "captured": N_("Captured"),
    "missing": N_("Missing"),
    # review states and changes
    "draft": N_("Draft"),
    "published": N_("Published"),
    "archived": N_("Archived"),
    "create": N_("Create"),
    "update": N_("Update"),
    "publish": N_("Publish"),
    "delete": N_("Delete"),
    "restore": N_("Restore"),
    "merge": N_("Merge"),
    "open": N_("Open"),
    "later": N_("Later"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "editor": N_("Editor"),
    "admin": N_("Admin"),
    # place kinds
    "city": N_("City"),
    "town": N_("Town"),
    "district-centre": N_("District centre"),
    "crossing": N_("Crossing"),
    "pass": N_("Pass"),
    "valley": N_("Valley"),
    "village": N_("Village"),
    # date precision, time buckets
    "day": N_("Day"),
    "week": N_("Week"),
    "month": N_("Month"),
    "year": N_("Year"),
}

SUB_EVENT_TYPES = {sub for _, subs in EVENT_TYPES.values() for sub in subs}


def event_type_label(slug: str) -> str:
    return EVENT_TYPES[slug][0] if slug in EVENT_TYPES else slug


def sub_event_type_label(event_type: str, sub: str) -> str:
    return EVENT_TYPES.get(event_type, ("", {}))[1].get(sub, sub)
