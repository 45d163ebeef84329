"""All mapped classes, imported here so the metadata is complete for Alembic and the app."""

from app.models.actor import Actor, ActorName
from app.models.base import Base
from app.models.cache import DataVersion, IncidentChange
from app.models.change import Change
from app.models.claim import CasualtyFigure, Claim, ClaimSource, Source
from app.models.district import District, DistrictAlias
from app.models.geography import Place, PlaceAlias, Sector
from app.models.incident import ExternalId, Incident, IncidentActor
from app.models.matching import MatchProposal, Merge
from app.models.provenance import ActorMapping, ImportRun, UnmappedName
from app.models.search import IncidentSearch
from app.models.user import ApiToken, LoginAttempt, SiteSetting, User, UserSession

__all__ = [
    "Actor",
    "ActorMapping",
    "ActorName",
    "ApiToken",
    "Base",
    "CasualtyFigure",
    "Change",
    "Claim",
    "ClaimSource",
    "DataVersion",
    "District",
    "DistrictAlias",
    "ExternalId",
    "ImportRun",
    "Incident",
    "IncidentActor",
    "IncidentChange",
    "IncidentSearch",
    "LoginAttempt",
    "MatchProposal",
    "Merge",
    "Place",
    "PlaceAlias",
    "Sector",
    "SiteSetting",
    "Source",
    "UnmappedName",
    "User",
    "UserSession",
]
