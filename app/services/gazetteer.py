"""Where an imported event happened: its district, its border sector, and its place.

Datasets name districts as the press did at the time ("Bajaur agency", "FR Kohat", "Killa
Abdullah district", "Bajaur Agency [Federally Administered Tribal Areas]"), and describe places in
free text ("Kumsham, 22 miles south of Miram Shah", "Mir Ali town"). Names are compared through
one key (`name_key`); districts are found by the file's admin names first and by the nearest
district seat second; places are reused only when both the name and the position agree.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import District, Place
from app.models.vocab import COUNTRY_NAMES

# Words that say what kind of unit a name is, not which: dropped before comparing names.
# ("FR", a Frontier Region, stays: FR Kohat is not Kohat.)
UNIT_WORDS = frozenset(
    [
        "agency",
        "district",
        "tehsil",
        "province",
        "subdivision",
        "division",
        "town",
        "city",
        "village",
        "area",
    ]
)
# A district seat is at most this far from the events located to its district by coordinates.
NEAREST_SEAT_KM = 45.0
# An imported place reuses a gazetteer place of the same name only this close.
SAME_PLACE_KM = 20.0


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """The comparable form of a name: accents, case, brackets, punctuation and unit words off.

    "Bajaur Agency [Federally Administered Tribal Areas]" and "bajaur" have the same key; so do
    "F.R. Kohat", "FR Kohat" and "Frontier Region Kohat".
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text)
    text = re.sub(r"\bf\.\s?r\.|\bfrontier region\b", "fr ", text)
    words = re.findall(r"\w+", text)
    kept = [w for w in words if w not in UNIT_WORDS]
    return " ".join(kept or words)


def clean_location(text: str) -> str:
    """A place's name from a dataset's description of it.

    "Mir Ali town" -> "Mir Ali"; "Kumsham, 22 miles south of Miram Shah, North Waziristan" ->
    "Kumsham"; "Bajaur Agency [Federally Administered Tribal Areas]," -> "Bajaur Agency".
    """
    text = re.sub(r"\[[^\]]*\]", " ", text)
    first = text.split(",")[0]
    first = re.sub(r"\s+(town|village|city|area|bazaar)$", "", first.strip(), flags=re.IGNORECASE)
    first = re.sub(r"^(the\s+)?(village|town|city)\s+of\s+", "", first, flags=re.IGNORECASE)
    return " ".join(first.split()).strip(" .;:-")


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371 * 2 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Located:
    """What the gazetteer makes of an event's admin names and coordinates."""

    district: District | None
    how: str  # "name", "coordinates" or "" (not found)


class DistrictIndex:
    """Every district by the keys of its name and aliases, per country, and by its seat."""

    def __init__(self, districts: Iterable[District]) -> None:
        self.by_key: dict[tuple[str, str], District] = {}
        # (latitude, longitude, country, district): plain values, read thousands of times.
        self.seats: list[tuple[float, float, str, District]] = []
        for district in districts:
            for name in (district.name, *(a.alias for a in district.aliases)):
                self.by_key.setdefault((district.country, name_key(name)), district)
            if district.latitude is not None and district.longitude is not None:
                self.seats.append(
                    (district.latitude, district.longitude, district.country, district)
                )

    @classmethod
    def load(cls, session: Session) -> DistrictIndex:
        return cls(session.scalars(select(District).options(selectinload(District.aliases))))

    def by_name(self, country: str | None, *names: str) -> District | None:
        for name in names:
            key = name_key(name) if name else ""
            if not key:
                continue
            for code in (country,) if country else tuple(COUNTRY_NAMES):
                found = self.by_key.get((code or "", key))
                if found is not None:
                    return found
        return None

    def nearest(self, country: str | None, point: tuple[float, float]) -> District | None:
        best: tuple[float, District] | None = None
        # A degree of latitude is 111 km, of longitude at least 80 km here: seats outside this
        # box are too far, and are not measured.
        box_lat, box_lon = NEAREST_SEAT_KM / 111, NEAREST_SEAT_KM / 80
        for latitude, longitude, seat_country, district in self.seats:
            if country and seat_country != country:
                continue
            if abs(latitude - point[0]) > box_lat or abs(longitude - point[1]) > box_lon:
                continue
            km = distance_km(point, (latitude, longitude))
            if km <= NEAREST_SEAT_KM and (best is None or km < best[0]):
                best = (km, district)
        return best[1] if best else None

    def locate(
        self,
        country: str | None,
        admin_names: Iterable[str],
        point: tuple[float, float] | None,
    ) -> Located:
        found = self.by_name(country, *admin_names)
        if found is not None:
            return Located(found, "name")
        if point is not None:
            near = self.nearest(country, point)
            if near is not None:
                return Located(near, "coordinates")
        return Located(None, "")


class PlaceIndex:
    """Gazetteer places by name key, for reusing a place only where name and position agree."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.by_key: dict[str, list[Place]] = {}
        self.slugs: set[str] = set()
        for place in places:
            self.add(place)

    @classmethod
    def load(cls, session: Session) -> PlaceIndex:
        return cls(session.scalars(select(Place).options(selectinload(Place.aliases))))

    def add(self, place: Place) -> None:
        self.slugs.add(place.slug)
        for name in (place.name, *(a.alias for a in place.aliases)):
            key = name_key(name)
            if key and place not in self.by_key.get(key, []):
                self.by_key.setdefault(key, []).append(place)

    def find(
        self, name: str, country: str | None, point: tuple[float, float] | None
    ) -> Place | None:
        """The place called `name` near `point` (anywhere in the country without a point)."""
        candidates = [
            p for p in self.by_key.get(name_key(name), []) if not country or p.country == country
        ]
        if point is None:
            return candidates[0] if len(candidates) == 1 else None
        located = [
            (distance_km(point, (p.latitude, p.longitude)), p)
            for p in candidates
            if p.latitude is not None and p.longitude is not None
        ]
        close = [item for item in located if item[0] <= SAME_PLACE_KM]
        return min(close, key=lambda item: item[0])[1] if close else None
