"""Read the facts the demo city is built from out of an OpenStreetMap extract (.osm.pbf).

The demo city is a real place (Liechtenstein as mapped on 2015-07-27) so that dispatch, coverage
and the geocoder are exercised on a real road network with real fire stations, villages,
addresses and buildings. This module only *reads*: one pass over the file with pyosmium, node
locations kept so that ways get a position (the centroid of a closed way), and the result returned
as plain frozen dataclasses. Everything Chinese, random or database-related lives in
:mod:`lanyan.demo.names` and :mod:`lanyan.demo.city`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import osmium

DRIVABLE_HIGHWAYS = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "primary_link",
        "secondary_link",
        "tertiary_link",
    }
)
"""Road classes on which a hydrant may stand (tracks and paths are left out: no mains there)."""

PLACE_KINDS = frozenset({"town", "village", "hamlet", "suburb", "locality", "neighbourhood"})

PREMISES_TAGS: Mapping[str, frozenset[str] | None] = {
    "amenity": frozenset(
        {
            "school",
            "university",
            "college",
            "kindergarten",
            "childcare",
            "preschool",
            "hospital",
            "clinic",
            "doctors",
            "nursing_home",
            "social_facility",
            "restaurant",
            "cafe",
            "fast_food",
            "bar",
            "pub",
            "nightclub",
            "fuel",
            "pharmacy",
            "place_of_worship",
            "townhall",
            "public_building",
            "post_office",
            "bank",
            "theatre",
            "cinema",
            "arts_centre",
            "library",
            "community_centre",
            "swimming_pool",
            "gym",
        }
    ),
    "tourism": frozenset(
        {"hotel", "hostel", "guest_house", "motel", "chalet", "alpine_hut", "museum"}
    ),
    "shop": None,
    "office": None,
    "craft": None,
    "building": frozenset(
        {
            "industrial",
            "commercial",
            "retail",
            "warehouse",
            "church",
            "chapel",
            "cathedral",
            "school",
            "hospital",
            "hotel",
            "train_station",
            "public",
            "office",
            "supermarket",
        }
    ),
}
"""Tags that make a node or building a premises candidate (``None``: any value of the key)."""

_EARTH_M_PER_DEG_LAT = 110_574.0
_EARTH_M_PER_DEG_LON_EQ = 111_320.0


@dataclass(frozen=True, slots=True)
class Bounds:
    """A lon/lat box (WGS84 degrees)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point lies inside the box (edges included)."""
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


@dataclass(frozen=True, slots=True)
class FireStation:
    """A real fire station (``amenity=fire_station``) as a node or a building."""

    osm_id: str
    """``n123`` for a node, ``w123`` for a way."""
    name: str | None
    lon: float
    lat: float
    housenumber: str | None = None
    street: str | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """A named settlement node (``place=village`` and smaller)."""

    osm_id: str
    name: str
    kind: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class AddressPoint:
    """A node or building way with ``addr:street`` and ``addr:housenumber``."""

    osm_id: str
    street: str
    housenumber: str
    lon: float
    lat: float
    postcode: str | None = None
    city: str | None = None


@dataclass(frozen=True, slots=True)
class Street:
    """A named road, with the position of a node in its middle."""

    name: str
    highway: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class PremisesCandidate:
    """A POI or building whose use suggests a premises the fire service supervises."""

    osm_id: str
    key: str
    """The tag that qualified it (``amenity``, ``shop``, ``tourism``, ``building``, ...)."""
    value: str
    name: str | None
    lon: float
    lat: float
    levels: int | None = None
    footprint_m2: float | None = None
    street: str | None = None
    housenumber: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RoadNode:
    """A node of a drivable road (a candidate hydrant position)."""

    node_id: int
    lon: float
    lat: float
    highway: str
    street: str | None


@dataclass(frozen=True, slots=True)
class WaterFeature:
    """A river, stream, canal or lake, with a few of its points (natural water sources)."""

    osm_id: str
    name: str | None
    kind: str
    """``river``, ``stream``, ``canal`` or ``lake``."""
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class OsmExtract:
    """Everything the demo loader takes from the extract."""

    bounds: Bounds
    fire_stations: list[FireStation]
    places: list[Place]
    addresses: list[AddressPoint]
    streets: list[Street]
    premises: list[PremisesCandidate]
    road_nodes: list[RoadNode]
    waters: list[WaterFeature]


def _levels(tags: Mapping[str, str]) -> int | None:
    raw = tags.get("building:levels")
    if raw is None:
        return None
    try:
        value = int(float(raw.split(";")[0].strip()))
    except ValueError:
        return None
    return value if 0 < value < 200 else None


def _premises_tag(tags: Mapping[str, str]) -> tuple[str, str] | None:
    for key, values in PREMISES_TAGS.items():
        value = tags.get(key)
        if value is None or value in ("no", "vacant"):
            continue
        if values is None or value in values:
            return key, value
    return None


def _ring_centroid_area(coords: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Centroid (lon, lat) and area in m² of a closed ring, on a local equirectangular plane."""
    lat0 = sum(c[1] for c in coords) / len(coords)
    lon0 = sum(c[0] for c in coords) / len(coords)
    kx = _EARTH_M_PER_DEG_LON_EQ * math.cos(math.radians(lat0))
    ky = _EARTH_M_PER_DEG_LAT
    pts = [((lon - lon0) * kx, (lat - lat0) * ky) for lon, lat in coords]
    area2 = 0.0
    cx = 0.0
    cy = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area2 += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area2) < 1e-9:
        return lon0, lat0, 0.0
    cx /= 3.0 * area2
    cy /= 3.0 * area2
    return lon0 + cx / kx, lat0 + cy / ky, abs(area2) / 2.0


def _way_coords(way: Any) -> list[tuple[float, float]]:
    coords: list[tuple[float, float]] = []
    for ref in way.nodes:
        loc = ref.location
        if loc.valid():
            coords.append((loc.lon, loc.lat))
    return coords


def _file_bounds(path: Path) -> Bounds | None:
    reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
    try:
        box = reader.header().box()
    finally:
        reader.close()
    if not box.valid():
        return None
    return Bounds(box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def _sample(points: list[tuple[float, float]], every: int) -> tuple[tuple[float, float], ...]:
    return tuple(points[:: max(1, every)])


def read_extract(path: Path) -> OsmExtract:
    """Read an OSM extract once and return the demo city's raw facts.

    Parameters
    ----------
    path
        An ``.osm.pbf`` (or any format osmium reads) file.

    Returns
    -------
    OsmExtract
        Fire stations, places, address points, named streets, premises candidates, drivable road
        nodes and water features, each with a lon/lat position; closed ways are placed at their
        centroid. ``bounds`` is the file header's box, or the box of every node read.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    """
    if not path.is_file():
        raise FileNotFoundError(path)
    stations: list[FireStation] = []
    places: list[Place] = []
    addresses: list[AddressPoint] = []
    streets: dict[str, Street] = {}
    premises: list[PremisesCandidate] = []
    road_nodes: dict[int, RoadNode] = {}
    waters: list[WaterFeature] = []
    min_lon = min_lat = math.inf
    max_lon = max_lat = -math.inf

    for obj in osmium.FileProcessor(str(path)).with_locations():
        tags: dict[str, str] = dict(obj.tags) if len(obj.tags) else {}
        if isinstance(obj, osmium.osm.Node):
            loc = obj.location
            if not loc.valid():
                continue
            lon, lat = loc.lon, loc.lat
            min_lon, max_lon = min(min_lon, lon), max(max_lon, lon)
            min_lat, max_lat = min(min_lat, lat), max(max_lat, lat)
            if not tags:
                continue
            osm_id = f"n{obj.id}"
            _collect_feature(osm_id, tags, lon, lat, None, stations, places, addresses, premises)
            if tags.get("natural") == "water":
                waters.append(WaterFeature(osm_id, tags.get("name"), "lake", ((lon, lat),)))
        elif isinstance(obj, osmium.osm.Way):
            if not tags:
                continue
            coords = _way_coords(obj)
            if not coords:
                continue
            osm_id = f"w{obj.id}"
            highway = tags.get("highway")
            if highway in DRIVABLE_HIGHWAYS:
                street_name = tags.get("name")
                for ref in obj.nodes:
                    if ref.location.valid() and ref.ref not in road_nodes:
                        road_nodes[ref.ref] = RoadNode(
                            ref.ref, ref.location.lon, ref.location.lat, highway, street_name
                        )
                if street_name and street_name not in streets:
                    mid = coords[len(coords) // 2]
                    streets[street_name] = Street(street_name, highway, mid[0], mid[1])
            waterway = tags.get("waterway")
            if waterway in ("river", "stream", "canal"):
                waters.append(WaterFeature(osm_id, tags.get("name"), waterway, _sample(coords, 5)))
            closed = len(coords) >= 4 and obj.is_closed()
            if closed:
                lon, lat, area = _ring_centroid_area(coords[:-1])
            else:
                lon, lat = coords[len(coords) // 2]
                area = 0.0
            if tags.get("natural") == "water" and closed:
                waters.append(WaterFeature(osm_id, tags.get("name"), "lake", ((lon, lat),)))
            if closed or "amenity" in tags:
                _collect_feature(
                    osm_id, tags, lon, lat, area or None, stations, places, addresses, premises
                )

    bounds = _file_bounds(path) or Bounds(min_lon, min_lat, max_lon, max_lat)
    return OsmExtract(
        bounds=bounds,
        fire_stations=stations,
        places=places,
        addresses=addresses,
        streets=sorted(streets.values(), key=lambda s: s.name),
        premises=premises,
        road_nodes=sorted(road_nodes.values(), key=lambda n: n.node_id),
        waters=waters,
    )


def _collect_feature(
    osm_id: str,
    tags: Mapping[str, str],
    lon: float,
    lat: float,
    area_m2: float | None,
    stations: list[FireStation],
    places: list[Place],
    addresses: list[AddressPoint],
    premises: list[PremisesCandidate],
) -> None:
    name = tags.get("name") or tags.get("name:de")
    street = tags.get("addr:street")
    housenumber = tags.get("addr:housenumber")
    if tags.get("amenity") == "fire_station":
        stations.append(FireStation(osm_id, name, lon, lat, housenumber, street))
        return
    place = tags.get("place")
    if osm_id.startswith("n") and place in PLACE_KINDS and name:
        places.append(Place(osm_id, name, place, lon, lat))
    if street and housenumber:
        addresses.append(
            AddressPoint(
                osm_id,
                street,
                housenumber,
                lon,
                lat,
                tags.get("addr:postcode"),
                tags.get("addr:city") or tags.get("addr:place"),
            )
        )
    qualified = _premises_tag(tags)
    if qualified is not None:
        premises.append(
            PremisesCandidate(
                osm_id=osm_id,
                key=qualified[0],
                value=qualified[1],
                name=name,
                lon=lon,
                lat=lat,
                levels=_levels(tags),
                footprint_m2=area_m2 if "building" in tags else None,
                street=street,
                housenumber=housenumber,
                tags=dict(tags),
            )
        )


def in_bounds(items: Iterable[Any], bounds: Bounds) -> list[Any]:
    """The items (anything with ``lon`` and ``lat``) that lie inside ``bounds``."""
    return [item for item in items if bounds.contains(item.lon, item.lat)]
