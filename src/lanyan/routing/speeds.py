"""Speed table for fire apparatus, per OSM road class, urban and rural.

Travel times must be those of a loaded fire engine under emergency driving, not of a car: a
15–20 t pump accelerates slowly, brakes early and takes corners and narrow lanes at walking pace,
but it may pass red lights and does not queue. The figures below are *assumptions* until the
detachment calibrates them from its own AVL tracks (replace the table, the cache key follows).

Sources and reasoning behind the numbers:

* RAND Fire Project response-time model (Kolesar 1975, RAND R-1697; used by ISO's PPC schedule):
  ``T_min = 0.65 + 1.7 * D_miles`` — apparatus average ≈ 57 km/h on long runs *including* the time
  to reach that speed, and well under 40 km/h on runs below 2 km. Arterial figures stay below 60.
* Road Traffic Safety Law of the PRC, art. 53: a fire engine on an emergency call is not bound by
  route, direction, speed or signals; we still respect one-way streets by default (a 10 m vehicle
  against traffic is slow and crews avoid it) and let the posted limit cap only urban roads
  where it reflects real traffic conditions (see :meth:`SpeedTable.speed_kmh`).
* 建标152-2017 writes no travel-speed assumption (STANDARDS.md); the 5-minute district sizes are
  consistent with ≈ 30 km/h average urban apparatus speed, which the urban rows reproduce for a
  mix of tertiary/residential roads.

Urban vs rural: OSM has no reliable per-way "urban" tag, so :func:`default_is_urban` reads the
implicit-limit tags (``source:maxspeed=CN:urban``, ``maxspeed:type=DE:rural`` …), then a numeric
``maxspeed`` (≤ 50 km/h → urban), then the class (residential, living_street, service → urban).
Pass another callable to the graph builder to use land-use polygons or a city boundary instead.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: A rule deciding from a way's tags whether it lies in an urban area.
ZoneRule = Callable[[Mapping[str, str]], bool]

# Urban speeds (km/h): stop-and-go, junctions every 100–300 m, parked cars, pedestrians.
_URBAN_KMH: dict[str, float] = {
    "motorway": 70.0,  # assumption: urban expressway, heavy vehicle, ramps and merges
    "motorway_link": 40.0,  # assumption: ramps taken slowly by a high-centre-of-gravity truck
    "trunk": 55.0,  # assumption: urban arterial with signals passed under siren
    "trunk_link": 35.0,  # assumption: ~0.65 of the parent class, as for all links
    "primary": 45.0,  # assumption: RAND short-run average (< 40) plus priority at lights
    "primary_link": 30.0,  # assumption: ~0.65 of parent
    "secondary": 40.0,  # assumption
    "secondary_link": 25.0,  # assumption
    "tertiary": 35.0,  # assumption: ≈ the 30 km/h urban mean implied by 建标152 districts
    "tertiary_link": 25.0,  # assumption
    "unclassified": 30.0,  # assumption
    "residential": 25.0,  # assumption: narrow, parked cars both sides
    "living_street": 10.0,  # assumption: shared space, walking pace legally (≈ 7–20 km/h)
    "service": 15.0,  # assumption: yards, parking aisles, estate roads
    "track": 10.0,  # assumption: unpaved; rare in town, kept for completeness
}

# Rural speeds (km/h): fewer junctions, but grades and bends on mountain roads.
_RURAL_KMH: dict[str, float] = {
    "motorway": 85.0,  # assumption: below the 100 km/h truck limit (交通安全法实施条例 art. 78)
    "motorway_link": 45.0,  # assumption
    "trunk": 70.0,  # assumption
    "trunk_link": 45.0,  # assumption
    "primary": 60.0,  # assumption: RAND long-run asymptote ≈ 57 km/h
    "primary_link": 40.0,  # assumption
    "secondary": 50.0,  # assumption
    "secondary_link": 35.0,  # assumption
    "tertiary": 45.0,  # assumption
    "tertiary_link": 30.0,  # assumption
    "unclassified": 35.0,  # assumption: village roads, often one lane
    "residential": 30.0,  # assumption
    "living_street": 10.0,  # assumption
    "service": 20.0,  # assumption
    "track": 15.0,  # assumption: farm/forest track, low speed but sometimes the only way in
}

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")


def parse_maxspeed_kmh(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h.

    Parameters
    ----------
    value
        The tag value, e.g. ``"50"``, ``"30 mph"``; ``None`` when the tag is absent.

    Returns
    -------
    float or None
        The limit in km/h, or ``None`` for symbolic values (``"walk"``, ``"CN:urban"``, ``"none"``)
        and anything unparsable.
    """
    if not value:
        return None
    first = value.split(";")[0]
    match = _NUMBER.match(first)
    if match is None:
        return None
    speed = float(match.group(1))
    if match.group(2) == "mph":
        speed *= 1.609344
    return speed if speed > 0 else None


_ZONE_TAGS = ("maxspeed:type", "source:maxspeed", "zone:maxspeed", "zone:traffic", "maxspeed")
_URBAN_CLASSES = frozenset({"residential", "living_street", "service"})


def default_is_urban(tags: Mapping[str, str]) -> bool:
    """Decide from a way's tags whether it is urban (see the module docstring for the rule).

    Parameters
    ----------
    tags
        The way's OSM tags.

    Returns
    -------
    bool
        ``True`` for urban.
    """
    for key in _ZONE_TAGS:
        value = tags.get(key, "").lower()
        if value.endswith(":urban"):
            return True
        if value.endswith((":rural", ":motorway", ":trunk")):
            return False
    limit = parse_maxspeed_kmh(tags.get("maxspeed"))
    if limit is not None:
        return limit <= 50.0
    return tags.get("highway", "") in _URBAN_CLASSES


@dataclass(frozen=True)
class SpeedTable:
    """Apparatus speeds in km/h per OSM ``highway`` class, urban and rural.

    Attributes
    ----------
    urban_kmh, rural_kmh
        Speed per class; a class missing from the table is not drivable.
    cap_by_maxspeed
        When true, a numeric ``maxspeed`` tag lowers the class speed (a 30 zone on a secondary road
        is slow for a fire engine too); it never raises it.
    maxspeed_floor_kmh
        The cap never goes below this, so ``maxspeed=5`` on a yard does not make it impassable.
    """

    urban_kmh: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(_URBAN_KMH))
    rural_kmh: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(_RURAL_KMH))
    cap_by_maxspeed: bool = True
    maxspeed_floor_kmh: float = 10.0

    def __post_init__(self) -> None:
        for name, table in (("urban_kmh", self.urban_kmh), ("rural_kmh", self.rural_kmh)):
            for road_class, kmh in table.items():
                if not kmh > 0:
                    raise ValueError(f"{name}[{road_class!r}] must be > 0 km/h, got {kmh}")

    @property
    def drivable_classes(self) -> frozenset[str]:
        """Road classes with a speed in either table."""
        return frozenset(self.urban_kmh) | frozenset(self.rural_kmh)

    @property
    def max_kmh(self) -> float:
        """Highest speed any edge can get; travel time is never below distance / this."""
        return max(*self.urban_kmh.values(), *self.rural_kmh.values())

    def speed_kmh(self, road_class: str, *, urban: bool, maxspeed: str | None = None) -> float:
        """Speed of a fire engine on one way.

        Parameters
        ----------
        road_class
            The ``highway`` tag value; must be one of :attr:`drivable_classes`.
        urban
            Whether the way is urban (picks the table; falls back to the other one if the class is
            only in one).
        maxspeed
            The raw ``maxspeed`` tag, if any.

        Returns
        -------
        float
            Speed in km/h.
        """
        primary, secondary = (
            (self.urban_kmh, self.rural_kmh) if urban else (self.rural_kmh, self.urban_kmh)
        )
        kmh = primary.get(road_class, secondary.get(road_class))
        if kmh is None:
            raise KeyError(road_class)
        if self.cap_by_maxspeed:
            limit = parse_maxspeed_kmh(maxspeed)
            if limit is not None:
                kmh = min(kmh, max(limit, self.maxspeed_floor_kmh))
        return float(kmh)

    def fingerprint(self) -> str:
        """A sha256 of every number in the table, used in the graph cache key."""
        payload = json.dumps(
            {
                "urban": sorted(self.urban_kmh.items()),
                "rural": sorted(self.rural_kmh.items()),
                "cap": self.cap_by_maxspeed,
                "floor": self.maxspeed_floor_kmh,
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


#: The default apparatus speed table.
DEFAULT_SPEEDS = SpeedTable()
