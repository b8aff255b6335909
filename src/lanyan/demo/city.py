"""Build the demo city: a whole detachment on Liechtenstein's real map, deterministically.

``lanyan demo load`` (and the test suite) call :func:`load_demo`. It reads the OSM extract
(:mod:`lanyan.demo.osm`), *plans* every record from the facts and the seed alone (pure, so the
same seed always gives the same city), then *writes* the plan through the domain service
functions acting as :data:`lanyan.core.actor.SYSTEM`, so every row is validated and audited like
any user's write. Each record carries a stable ``external_id`` ("demo:station:osm-n441289865",
"demo:hydrant:0001"); records already present are skipped, so loading twice never duplicates.

What is real: the six fire stations and their positions, villages, streets, addresses, buildings
and their names, the Rhine. What is invented: the Chinese organization tree, fleets, hydrant
positions (on real road nodes), contacts, phone numbers and pre-plan notes.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import MultiPoint, Point, box, mapping
from shapely.ops import unary_union, voronoi_diagram
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.config import get_settings
from lanyan.core.db import transaction
from lanyan.demo import names
from lanyan.demo.osm import Bounds, OsmExtract, Place, PremisesCandidate, RoadNode, read_extract
from lanyan.dispatch.aliases import add_aliases, read_alias_table
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgGrade, OrgKind, UnitType, WaterSourceKind, WaterSourceState
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.forces.schemas import OrganizationCreate, UnitCreate, WaterSourceCreate
from lanyan.prevention import service as prevention
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType
from lanyan.prevention.models import Premises
from lanyan.prevention.schemas import PremisesCreate
from lanyan.system.city import init_city
from lanyan.system.settings import ROAD_FILE, get_setting, set_setting

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as the load advances, for the CLI's progress bar."""

ROOT_EXTERNAL_ID = "demo:corps"
DETACHMENT_EXTERNAL_ID = "demo:detachment"
PREFIX = "demo:"

HYDRANT_SPACING_M = 110.0
"""Municipal hydrants stand at most 120 m apart along a street (GB 50974-2014 §7.2.5)."""
BUILT_UP_RADIUS_M = 90.0
"""A road node counts as built-up when an address or premises lies this close."""
MAX_HYDRANTS = 600
SETTLEMENT_KINDS = frozenset({"town", "village", "hamlet"})


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a load did.

    ``counts`` are the demo records of each kind in the database after the load; ``created`` the
    ones this load added (all zero on a repeated load).
    """

    counts: dict[str, int]
    created: dict[str, int]
    elapsed_s: float
    osm_read_s: float


@dataclass(slots=True)
class _OrgPlan:
    external_id: str
    name: str
    kind: OrgKind
    parent: str | None
    lon: float | None = None
    lat: float | None = None
    grade: OrgGrade | None = None
    address: str | None = None
    phone: str | None = None
    contact_person: str | None = None
    jurisdiction: dict[str, Any] | None = None
    short: str = ""
    """Call-sign prefix of the organization's units ("沙恩特勤")."""
    village: str = ""
    region: str = ""


@dataclass(slots=True)
class _UnitPlan:
    external_id: str
    station: str
    call_sign: str
    type: UnitType
    plate_number: str
    crew_on_duty: int
    water_l: int | None = None
    foam_l: int | None = None
    ladder_height_m: float | None = None
    pump_flow_lps: float | None = None


@dataclass(slots=True)
class _WaterPlan:
    external_id: str
    name: str
    kind: WaterSourceKind
    state: WaterSourceState
    keeper: str
    lon: float
    lat: float
    address: str | None = None
    flow_lps: float | None = None
    pressure_mpa: float | None = None
    capacity_m3: float | None = None
    notes: str | None = None


@dataclass(slots=True)
class _PremisesPlan:
    external_id: str
    fields: dict[str, Any]
    supervisor: str


@dataclass(slots=True)
class _Plan:
    orgs: list[_OrgPlan] = field(default_factory=list)
    units: list[_UnitPlan] = field(default_factory=list)
    waters: list[_WaterPlan] = field(default_factory=list)
    premises: list[_PremisesPlan] = field(default_factory=list)


class _Plane:
    """A local equirectangular projection in metres: good to a few metres over 25 km."""

    def __init__(self, bounds: Bounds) -> None:
        self.lon0 = (bounds.min_lon + bounds.max_lon) / 2
        self.lat0 = (bounds.min_lat + bounds.max_lat) / 2
        self.kx = 111_320.0 * math.cos(math.radians(self.lat0))
        self.ky = 110_574.0

    def xy(self, lon: Any, lat: Any) -> Any:
        """Projected metres of lon/lat (scalars or arrays)."""
        return np.column_stack(
            (
                (np.asarray(lon, dtype=float) - self.lon0) * self.kx,
                (np.asarray(lat, dtype=float) - self.lat0) * self.ky,
            )
        )

    def tree(self, items: Sequence[Any]) -> cKDTree:
        """A KD-tree over items with ``lon`` and ``lat``."""
        return cKDTree(self.xy([i.lon for i in items], [i.lat for i in items]))

    def distance_m(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """Straight-line distance between two lon/lat points."""
        return math.hypot((a[0] - b[0]) * self.kx, (a[1] - b[1]) * self.ky)


def _rng(seed: int, key: str) -> random.Random:
    """A generator for one record: its facts do not depend on how many records came before."""
    return random.Random(f"{seed}:{key}")  # noqa: S311 - demo data, not secrets


def _round_geometry(geom: Any) -> dict[str, Any]:
    """GeoJSON of a (Multi)Polygon with coordinates rounded to ~0.1 m and lists, not tuples."""
    geom = shapely.set_precision(geom, 1e-6)
    if not geom.is_valid:
        geom = geom.buffer(0)
    if geom.geom_type == "GeometryCollection":
        geom = unary_union([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    data = mapping(geom)

    def listify(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [listify(v) for v in value]
        return value

    return {"type": data["type"], "coordinates": listify(data["coordinates"])}


def _voronoi_regions(
    points: Sequence[tuple[float, float]], groups: Sequence[str], bounds: Bounds, plane: _Plane
) -> dict[str, Any]:
    """Union of the Voronoi cells of the points of each group, clipped to ``bounds`` (lon/lat).

    Cells are computed on the local metric plane so that "nearest" means nearest on the ground.
    """
    frame = box(
        (bounds.min_lon - plane.lon0) * plane.kx,
        (bounds.min_lat - plane.lat0) * plane.ky,
        (bounds.max_lon - plane.lon0) * plane.kx,
        (bounds.max_lat - plane.lat0) * plane.ky,
    )
    xy = plane.xy([p[0] for p in points], [p[1] for p in points])
    cells = voronoi_diagram(MultiPoint([tuple(p) for p in xy]), envelope=frame.buffer(5_000))
    by_group: dict[str, list[Any]] = {}
    for cell in cells.geoms:
        for (x, y), group in zip(xy, groups, strict=True):
            if cell.contains(Point(x, y)):
                by_group.setdefault(group, []).append(cell)
                break
    result: dict[str, Any] = {}
    for group, group_cells in by_group.items():
        metric = unary_union(group_cells).intersection(frame)

        def to_lonlat(xy: Any) -> Any:
            return np.column_stack(
                (xy[:, 0] / plane.kx + plane.lon0, xy[:, 1] / plane.ky + plane.lat0)
            )

        result[group] = shapely.transform(metric, to_lonlat)
    return result


# --- planning ----------------------------------------------------------------------------------


class _Planner:
    """Turns the OSM facts and the seed into plans for every record (no database here)."""

    def __init__(self, extract: OsmExtract, seed: int) -> None:
        self.x = extract
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.bounds = extract.bounds
        self.plane = _Plane(extract.bounds)
        self.plan = _Plan()
        self.settlements = sorted(
            (
                p
                for p in extract.places
                if p.kind in SETTLEMENT_KINDS and extract.bounds.contains(p.lon, p.lat)
            ),
            key=lambda p: p.osm_id,
        )
        self.villages = [p for p in self.settlements if p.kind in ("town", "village")]
        self.settlement_tree = self.plane.tree(self.settlements)
        self.village_tree = self.plane.tree(self.villages)
        self.addresses = [a for a in extract.addresses if self.bounds.contains(a.lon, a.lat)]
        self.address_tree = self.plane.tree(self.addresses)
        self.brigade_geoms: dict[str, Any] = {}
        self.responders: list[_OrgPlan] = []
        """Stations and full-time teams: they keep hydrants and answer pre-plans."""

    # helpers -----------------------------------------------------------------------------------

    def nearest_settlement(self, lon: float, lat: float) -> Place:
        _, i = self.settlement_tree.query(self.plane.xy(lon, lat)[0])
        return self.settlements[int(i)]

    def locality(self, lon: float, lat: float) -> str:
        """Name of the place a point belongs to: a hamlet in the valley counts as its
        municipality (Ebenholz is Vaduz), mountain hamlets keep their own name (Malbun)."""
        dists, idx = self.settlement_tree.query(self.plane.xy(lon, lat)[0], k=4)
        # a mountain village's centre sits up the slope: a point in the valley about as far
        # from it as from a valley village belongs to the valley (Hilti's plant is in Schaan)
        weighted = [
            (
                float(d)
                * (1.5 if self.settlements[int(i)].name in names.MOUNTAIN_SETTLEMENTS else 1),
                int(i),
            )
            for d, i in zip(dists, idx, strict=True)
        ]
        place = self.settlements[min(weighted)[1]]
        if place.kind == "hamlet" and place.name not in names.MOUNTAIN_SETTLEMENTS:
            return names.MUNICIPALITY.get(place.name, place.name)
        return place.name

    def unique_short(self, short: str) -> str:
        """A call-sign prefix no other organization uses (two supermarkets in one village)."""
        taken = {o.short for o in self.plan.orgs}
        if short not in taken:
            return short
        n = 2
        while f"{short}{_CHINESE_NUMERALS[n]}" in taken:
            n += 1
        return f"{short}{_CHINESE_NUMERALS[n]}"

    def nearest_village(self, lon: float, lat: float) -> Place:
        _, i = self.village_tree.query(self.plane.xy(lon, lat)[0])
        return self.villages[int(i)]

    def region(self, lon: float, lat: float) -> str:
        point = Point(lon, lat)
        for key, geom in self.brigade_geoms.items():
            if geom.covers(point):
                return key
        place = self.nearest_settlement(lon, lat)
        return names.region_of(place.name, place.lat)

    def address_near(self, lon: float, lat: float, *, within_m: float = 120.0) -> str | None:
        dist, i = self.address_tree.query(self.plane.xy(lon, lat)[0])
        if dist > within_m:
            return None
        a = self.addresses[int(i)]
        village = names.place_zh(self.locality(a.lon, a.lat))
        return f"{village} {a.street} {a.housenumber}"

    def contacts(self, key: str) -> tuple[str, str, str]:
        r = _rng(self.seed, key + ":contact")
        return names.person_name(r), names.mobile_phone(r), names.duty_phone(r)

    # organizations -----------------------------------------------------------------------------

    def organizations(self) -> None:
        det_lon, det_lat = 9.5215, 47.1410  # Vaduz centre: the detachment headquarters
        vaduz = next((v for v in self.villages if v.name == "Vaduz"), None)
        if vaduz is not None:
            det_lon, det_lat = vaduz.lon, vaduz.lat
        person, _, duty = self.contacts(DETACHMENT_EXTERNAL_ID)
        self.plan.orgs.append(
            _OrgPlan(ROOT_EXTERNAL_ID, names.CORPS_NAME, OrgKind.CORPS, None, phone="0710-119")
        )
        self.plan.orgs.append(
            _OrgPlan(
                DETACHMENT_EXTERNAL_ID,
                names.DETACHMENT_NAME,
                OrgKind.DETACHMENT,
                ROOT_EXTERNAL_ID,
                lon=det_lon,
                lat=det_lat,
                address=self.address_near(det_lon, det_lat) or names.DETACHMENT_ADDRESS,
                phone=duty,
                contact_person=person,
                jurisdiction=_round_geometry(
                    box(
                        self.bounds.min_lon,
                        self.bounds.min_lat,
                        self.bounds.max_lon,
                        self.bounds.max_lat,
                    )
                ),
            )
        )
        self.brigades()
        self.stations()
        self.teams()

    def brigades(self) -> None:
        groups = [names.region_of(p.name, p.lat) for p in self.settlements]
        self.brigade_geoms = _voronoi_regions(
            [(p.lon, p.lat) for p in self.settlements], groups, self.bounds, self.plane
        )
        for key, (name, _en) in names.BRIGADES.items():
            members = [p for p, g in zip(self.settlements, groups, strict=True) if g == key]
            seat = max(members, key=lambda p: names.POPULATION.get(p.name, 0))
            ext = f"demo:brigade:{key}"
            person, _, duty = self.contacts(ext)
            self.plan.orgs.append(
                _OrgPlan(
                    ext,
                    name,
                    OrgKind.BRIGADE,
                    DETACHMENT_EXTERNAL_ID,
                    lon=seat.lon,
                    lat=seat.lat,
                    address=self.address_near(seat.lon, seat.lat),
                    phone=duty,
                    contact_person=person,
                    jurisdiction=_round_geometry(self.brigade_geoms[key]),
                    region=key,
                )
            )

    def _station_village(self, name: str | None, lon: float, lat: float) -> Place:
        if name:
            known = sorted((v for v in self.villages if v.name in name), key=lambda v: -len(v.name))
            if known:
                return known[0]
        return self.nearest_village(lon, lat)

    def stations(self) -> None:
        real = sorted(
            (s for s in self.x.fire_stations if self.bounds.contains(s.lon, s.lat)),
            key=lambda s: s.osm_id,
        )
        if not real:
            return

        # the 特勤站 is the station of the most populous municipality (Schaan, by the capital)
        def population(s: Any) -> int:
            village = self._station_village(s.name, s.lon, s.lat)
            return names.POPULATION.get(names.MUNICIPALITY.get(village.name, village.name), 0)

        special_id = max(real, key=lambda s: (population(s), s.osm_id)).osm_id
        plans: list[_OrgPlan] = []
        for s in real:
            village = self._station_village(s.name, s.lon, s.lat)
            special = s.osm_id == special_id
            municipality = names.MUNICIPALITY.get(village.name, village.name)
            big = names.POPULATION.get(municipality, 0) >= 4000
            ext = f"demo:station:osm-{s.osm_id}"
            person, _, duty = self.contacts(ext)
            region = self.region(s.lon, s.lat)
            plans.append(
                _OrgPlan(
                    ext,
                    names.station_name(village.name, special=special),
                    OrgKind.SPECIAL_STATION if special else OrgKind.STATION,
                    f"demo:brigade:{region}",
                    lon=s.lon,
                    lat=s.lat,
                    grade=OrgGrade.LEVEL1 if special or big else OrgGrade.LEVEL2,
                    address=self.address_near(s.lon, s.lat, within_m=150)
                    or names.place_zh(village.name),
                    phone=duty,
                    contact_person=person,
                    short=names.place_zh(village.name) + ("特勤" if special else ""),
                    village=village.name,
                    region=region,
                )
            )
        # each station's district: its Voronoi cell among the stations, inside its brigade
        cells = _voronoi_regions(
            [(p.lon or 0.0, p.lat or 0.0) for p in plans],
            [p.external_id for p in plans],
            self.bounds,
            self.plane,
        )
        for p in plans:
            area = cells[p.external_id].intersection(self.brigade_geoms[p.region])
            if not area.is_empty and area.geom_type in ("Polygon", "MultiPolygon"):
                p.jurisdiction = _round_geometry(area)
        self.plan.orgs.extend(plans)
        self.responders.extend(plans)

    def teams(self) -> None:
        covered = {names.MUNICIPALITY.get(o.village, o.village) for o in self.responders}
        # government full-time teams in the larger villages that have no station
        for v in self.villages:
            municipality = names.MUNICIPALITY.get(v.name)
            if (
                municipality is None
                or municipality != v.name
                or municipality in covered
                or v.name in names.MOUNTAIN_SETTLEMENTS
            ):
                continue
            covered.add(municipality)
            ext = f"demo:gov-team:osm-{v.osm_id}"
            person, _, duty = self.contacts(ext)
            region = names.region_of(v.name, v.lat)
            org = _OrgPlan(
                ext,
                names.gov_team_name(v.name),
                OrgKind.GOV_TEAM,
                f"demo:brigade:{region}",
                lon=v.lon,
                lat=v.lat,
                grade=OrgGrade.LEVEL2
                if names.POPULATION.get(v.name, 0) >= 4000
                else OrgGrade.SMALL,
                address=self.address_near(v.lon, v.lat) or names.place_zh(v.name),
                phone=duty,
                contact_person=person,
                short=names.place_zh(v.name) + "专职",
                village=v.name,
                region=region,
            )
            self.plan.orgs.append(org)
            self.responders.append(org)
        # volunteer teams in the mountain villages
        for p in self.settlements:
            if p.name not in ("Malbun", "Steg", "Planken"):
                continue
            ext = f"demo:volunteer:osm-{p.osm_id}"
            person, phone, _ = self.contacts(ext)
            region = names.region_of(p.name, p.lat)
            self.plan.orgs.append(
                _OrgPlan(
                    ext,
                    names.volunteer_team_name(p.name),
                    OrgKind.VOLUNTEER_TEAM,
                    f"demo:brigade:{region}",
                    lon=p.lon,
                    lat=p.lat,
                    address=self.address_near(p.lon, p.lat) or names.place_zh(p.name),
                    phone=phone,
                    contact_person=person,
                    short=names.place_zh(p.name) + "志愿",
                    village=p.name,
                    region=region,
                )
            )
        # an enterprise full-time team at the largest named industrial site
        industrial = [
            c
            for c in self.x.premises
            if c.value == "industrial" and c.name and self.bounds.contains(c.lon, c.lat)
        ]
        if industrial:
            site = max(industrial, key=lambda c: (c.footprint_m2 or 0.0, c.osm_id))
            ext = f"demo:enterprise:osm-{site.osm_id}"
            person, phone, _ = self.contacts(ext)
            village_name = self.locality(site.lon, site.lat)
            region = self.region(site.lon, site.lat)
            org = _OrgPlan(
                ext,
                names.enterprise_team_name(site.name or ""),
                OrgKind.ENTERPRISE_TEAM,
                f"demo:brigade:{region}",
                lon=site.lon,
                lat=site.lat,
                grade=OrgGrade.SMALL,
                address=self.address_near(site.lon, site.lat, within_m=600)
                or names.place_zh(village_name),
                phone=phone,
                contact_person=person,
                short=(site.name or "企业").split()[0] + "企业",
                village=village_name,
                region=region,
            )
            self.plan.orgs.append(org)
        self.micro_stations()

    def micro_stations(self) -> None:
        picks: list[tuple[str, str, str, float, float]] = []  # (key, label, short, lon, lat)
        cands = [c for c in self.x.premises if c.name and self.bounds.contains(c.lon, c.lat)]
        wanted = (
            ("hospital", 1),
            ("university", 1),
            ("school", 2),
            ("supermarket", 2),
            ("hotel", 1),
        )
        for value, how_many in wanted:
            chosen = sorted(
                (c for c in cands if c.value == value), key=lambda c: (c.name or "", c.osm_id)
            )
            self.rng.shuffle(chosen)
            for c in chosen[:how_many]:
                village_zh = names.place_zh(self.locality(c.lon, c.lat))
                short = village_zh + names.premises_descriptor(c.key, c.value)
                label = f"{c.name}（{village_zh}）" if c.name else short
                picks.append((f"osm-{c.osm_id}", label, short, c.lon, c.lat))
        # village centres far from any station or team
        org_xy = [(o.lon or 0.0, o.lat or 0.0) for o in self.plan.orgs if o.lon is not None]
        for v in self.villages:
            near = min(self.plane.distance_m((v.lon, v.lat), p) for p in org_xy)
            if near > 1_200:
                label = names.place_zh(v.name) + "社区"
                picks.append((f"osm-{v.osm_id}", label, label, v.lon, v.lat))
        for key, label, short, lon, lat in picks:
            ext = f"demo:micro:{key}"
            person, phone, _ = self.contacts(ext)
            region = self.region(lon, lat)
            village = self.locality(lon, lat)
            self.plan.orgs.append(
                _OrgPlan(
                    ext,
                    names.micro_station_name(label)[:120],
                    OrgKind.MICRO_STATION,
                    f"demo:brigade:{region}",
                    lon=lon,
                    lat=lat,
                    address=self.address_near(lon, lat) or names.place_zh(village),
                    phone=phone,
                    contact_person=person,
                    short=self.unique_short(short + "微站"),
                    village=village,
                    region=region,
                )
            )

    # units -------------------------------------------------------------------------------------

    def units(self) -> None:
        for org in self.plan.orgs:
            if not org.kind.responds:
                continue
            r = _rng(self.seed, org.external_id + ":fleet")
            fleet = self._fleet(org, r)
            counters: dict[UnitType, int] = {}
            for i, (unit_type, facts) in enumerate(fleet, start=1):
                counters[unit_type] = counters.get(unit_type, 0) + 1
                self.plan.units.append(
                    _UnitPlan(
                        external_id=f"demo:unit:{org.external_id.removeprefix(PREFIX)}:{i}",
                        station=org.external_id,
                        call_sign=names.call_sign(org.short, counters[unit_type], unit_type.zh),
                        type=unit_type,
                        plate_number=names.plate_number(r),
                        **facts,
                    )
                )

    @staticmethod
    def _fleet(org: _OrgPlan, r: random.Random) -> list[tuple[UnitType, dict[str, Any]]]:
        def water(lo: int = 6000, hi: int = 12000) -> dict[str, Any]:
            return {
                "water_l": r.randrange(lo, hi + 1, 500),
                "pump_flow_lps": float(r.choice((30, 40, 50, 60))),
                "crew_on_duty": r.randint(5, 6),
            }

        def foam() -> dict[str, Any]:
            return {
                "water_l": r.randrange(4000, 6001, 500),
                "foam_l": r.randrange(2000, 4001, 500),
                "pump_flow_lps": float(r.choice((60, 80))),
                "crew_on_duty": r.randint(4, 5),
            }

        def aerial(heights: Sequence[float]) -> dict[str, Any]:
            return {"ladder_height_m": r.choice(heights), "crew_on_duty": 3}

        def crew(lo: int, hi: int) -> dict[str, Any]:
            return {"crew_on_duty": r.randint(lo, hi)}

        kind = org.kind
        if kind == OrgKind.SPECIAL_STATION:
            return [
                (UnitType.WATER_TENDER, water(8000, 12000)),
                (UnitType.WATER_TENDER, water(8000, 12000)),
                (UnitType.FOAM, foam()),
                (UnitType.AERIAL_PLATFORM, aerial((53.0, 54.0))),
                (UnitType.RESCUE, crew(5, 6)),
                (UnitType.COMMAND, crew(2, 3)),
                (UnitType.HAZMAT, crew(4, 5)),
                (UnitType.SMOKE_EXHAUST, crew(2, 3)),
            ]
        if kind == OrgKind.STATION and org.grade == OrgGrade.LEVEL1:
            fleet = [
                (UnitType.WATER_TENDER, water()),
                (UnitType.WATER_TENDER, water()),
                (UnitType.FOAM, foam()),
                (r.choice((UnitType.LADDER, UnitType.AERIAL_PLATFORM)), aerial((32.0, 42.0, 53.0))),
                (UnitType.RESCUE, crew(5, 6)),
            ]
            if r.random() < 0.5:
                fleet.append(
                    (
                        UnitType.WATER_SUPPLY,
                        {"water_l": r.randrange(15000, 20001, 1000), "crew_on_duty": 2},
                    )
                )
            return fleet
        if kind == OrgKind.STATION:
            fleet = [
                (UnitType.WATER_TENDER, water()),
                (UnitType.WATER_TENDER, water(4000, 8000)),
                (UnitType.RESCUE, crew(4, 5)),
            ]
            if r.random() < 0.5:
                fleet.append((UnitType.FOAM, foam()))
            return fleet
        if kind == OrgKind.GOV_TEAM:
            fleet = [(UnitType.WATER_TENDER, water(5000, 8000))]
            if org.grade == OrgGrade.LEVEL2:
                fleet.append((UnitType.RESCUE, crew(4, 5)))
            return fleet
        if kind == OrgKind.ENTERPRISE_TEAM:
            return [(UnitType.FOAM, foam()), (UnitType.WATER_TENDER, water(6000, 8000))]
        if kind == OrgKind.VOLUNTEER_TEAM:
            return [(UnitType.WATER_TENDER, water(2000, 4000) | {"crew_on_duty": r.randint(3, 4)})]
        # micro fire station: a motorcycle or a small water tender
        if r.random() < 0.5:
            return [
                (
                    UnitType.MOTORCYCLE,
                    {"water_l": 100, "pump_flow_lps": 2.0, "crew_on_duty": 2},
                )
            ]
        return [(UnitType.WATER_TENDER, water(1500, 2500) | {"crew_on_duty": r.randint(2, 3)})]

    # water sources -----------------------------------------------------------------------------

    def water_sources(self) -> None:
        keepers = self.responders
        keeper_tree = self.plane.tree([_LonLat(o.lon or 0.0, o.lat or 0.0) for o in keepers])

        def keeper_of(lon: float, lat: float) -> _OrgPlan:
            _, i = keeper_tree.query(self.plane.xy(lon, lat)[0])
            return keepers[int(i)]

        for n, node in enumerate(self._hydrant_nodes(), start=1):
            ext = f"demo:hydrant:{n:04d}"
            r = _rng(self.seed, ext)
            roll = r.random()
            if roll < 0.04:
                state, pressure = WaterSourceState.DAMAGED, None
            elif roll < 0.08:
                state, pressure = WaterSourceState.LOW_PRESSURE, round(r.uniform(0.05, 0.1), 2)
            else:
                state, pressure = WaterSourceState.OK, round(r.uniform(0.2, 0.45), 2)
            village = self.locality(node.lon, node.lat)
            where = node.street or ""
            self.plan.waters.append(
                _WaterPlan(
                    external_id=ext,
                    name=f"市政消火栓{n:04d}" + (f"（{node.street}）" if node.street else ""),
                    kind=WaterSourceKind.HYDRANT,
                    state=state,
                    keeper=keeper_of(node.lon, node.lat).external_id,
                    lon=node.lon,
                    lat=node.lat,
                    address=f"{names.place_zh(village)} {where}".strip()[:200],
                    flow_lps=float(r.choice((10, 15, 15, 20))),
                    pressure_mpa=pressure,
                    notes="地上式室外消火栓，DN100"
                    if r.random() < 0.7
                    else "地下式室外消火栓，DN100",
                )
            )
        self._cranes(keeper_of)
        self._natural_sources(keeper_of)
        self._pools(keeper_of)

    def _hydrant_nodes(self) -> list[RoadNode]:
        nodes = [n for n in self.x.road_nodes if self.bounds.contains(n.lon, n.lat)]
        built = [(a.lon, a.lat) for a in self.addresses] + [
            (c.lon, c.lat) for c in self.x.premises if self.bounds.contains(c.lon, c.lat)
        ]
        built_tree = cKDTree(self.plane.xy([b[0] for b in built], [b[1] for b in built]))
        xy = self.plane.xy([n.lon for n in nodes], [n.lat for n in nodes])
        dist, _ = built_tree.query(xy, distance_upper_bound=BUILT_UP_RADIUS_M)
        candidates = [i for i in range(len(nodes)) if math.isfinite(float(dist[i]))]
        order = sorted(candidates, key=lambda i: nodes[i].node_id)
        self.rng.shuffle(order)
        spacing = HYDRANT_SPACING_M
        while True:
            chosen = _thin(xy, order, spacing)
            if len(chosen) <= MAX_HYDRANTS:
                break
            spacing *= 1.1
        picked = [nodes[i] for i in chosen]
        return sorted(picked, key=lambda n: (-round(n.lat, 4), n.lon))

    def _cranes(self, keeper_of: Callable[[float, float], _OrgPlan]) -> None:
        primary = [
            n
            for n in self.x.road_nodes
            if n.highway in ("primary", "secondary") and self.bounds.contains(n.lon, n.lat)
        ]
        if not primary:
            return
        tree = self.plane.tree(primary)
        anchors = [
            o
            for o in self.responders
            if o.kind == OrgKind.SPECIAL_STATION or o.grade == OrgGrade.LEVEL1
        ]
        for k, org in enumerate(anchors, start=1):
            _, i = tree.query(self.plane.xy(org.lon, org.lat)[0])
            node = primary[int(i)]
            ext = f"demo:crane:{k:02d}"
            r = _rng(self.seed, ext)
            self.plan.waters.append(
                _WaterPlan(
                    ext,
                    f"消防水鹤{k:02d}（{node.street or names.place_zh(org.village)}）",
                    WaterSourceKind.CRANE,
                    WaterSourceState.OK,
                    keeper_of(node.lon, node.lat).external_id,
                    node.lon,
                    node.lat,
                    address=f"{names.place_zh(org.village)} {node.street or ''}".strip(),
                    flow_lps=float(r.choice((30, 35, 40))),
                    pressure_mpa=round(r.uniform(0.3, 0.5), 2),
                    notes="DN200 消防水鹤，供消防车快速加水",
                )
            )

    def _natural_sources(self, keeper_of: Callable[[float, float], _OrgPlan]) -> None:
        rhine = [
            pt
            for w in self.x.waters
            if w.name == "Rhein" and w.kind == "river"
            for pt in w.points
            if self.bounds.contains(*pt)
        ]
        rhine.sort(key=lambda pt: -pt[1])
        chosen: list[tuple[str, str, float, float]] = []
        last: tuple[float, float] | None = None
        for pt in rhine:
            if last is None or self.plane.distance_m(pt, last) >= 3_000:
                chosen.append(("莱茵河", "莱茵河取水点", pt[0], pt[1]))
                last = pt
        lakes = sorted(
            (w for w in self.x.waters if w.kind == "lake" and w.name),
            key=lambda w: w.osm_id,
        )
        for w in lakes:
            lon, lat = w.points[0]
            if self.bounds.contains(lon, lat):
                chosen.append((w.name or "", f"{w.name}取水点", lon, lat))
        for k, (source, label, lon, lat) in enumerate(chosen, start=1):
            ext = f"demo:natural:{k:02d}"
            r = _rng(self.seed, ext)
            village = self.locality(lon, lat)
            self.plan.waters.append(
                _WaterPlan(
                    ext,
                    f"{label}{k:02d}"[:120],
                    WaterSourceKind.NATURAL,
                    WaterSourceState.OK,
                    keeper_of(lon, lat).external_id,
                    round(lon, 7),
                    round(lat, 7),
                    address=f"{names.place_zh(village)} {source}附近",
                    flow_lps=float(r.choice((40, 60, 80))) if source == "莱茵河" else None,
                    capacity_m3=None
                    if source == "莱茵河"
                    else float(r.randrange(2000, 20001, 500)),
                    notes="天然水源，设有消防车取水平台；枯水期水位下降，需使用吸水管"
                    if source == "莱茵河"
                    else "天然水源（湖塘），冬季可能结冰",
                )
            )

    def _pools(self, keeper_of: Callable[[float, float], _OrgPlan]) -> None:
        mountain = [p for p in self.settlements if p.name in names.MOUNTAIN_SETTLEMENTS]
        roads = [n for n in self.x.road_nodes if self.bounds.contains(n.lon, n.lat)]
        tree = self.plane.tree(roads)
        k = 0
        for p in mountain:
            for j in range(2):
                k += 1
                ext = f"demo:pool:{k:02d}"
                r = _rng(self.seed, ext)
                angle = r.uniform(0, 2 * math.pi)
                offset_m = 150.0 + 250.0 * j
                lon = p.lon + offset_m * math.cos(angle) / self.plane.kx
                lat = p.lat + offset_m * math.sin(angle) / self.plane.ky
                _, i = tree.query(self.plane.xy(lon, lat)[0])
                node = roads[int(i)]
                self.plan.waters.append(
                    _WaterPlan(
                        ext,
                        f"{names.place_zh(p.name)}消防水池{j + 1}号",
                        WaterSourceKind.POOL,
                        WaterSourceState.OK if r.random() < 0.9 else WaterSourceState.LOW_PRESSURE,
                        keeper_of(node.lon, node.lat).external_id,
                        node.lon,
                        node.lat,
                        address=f"{names.place_zh(p.name)} {node.street or ''}".strip(),
                        capacity_m3=float(r.randrange(100, 501, 50)),
                        notes="山区消防水池，冬季注意防冻，取水口需配合吸水管使用",
                    )
                )

    # premises ----------------------------------------------------------------------------------

    def premises(self) -> None:
        hydrants = [w for w in self.plan.waters if w.kind == WaterSourceKind.HYDRANT]
        hydrant_tree = self.plane.tree(hydrants) if hydrants else None
        responder_tree = self.plane.tree(
            [_LonLat(o.lon or 0.0, o.lat or 0.0) for o in self.responders]
        )
        for c in _dedupe(self.x.premises, self.plane, self.bounds):
            ext = f"demo:premises:osm-{c.osm_id}"
            r = _rng(self.seed, ext)
            kind = _classify(c)
            descriptor = names.premises_descriptor(c.key, c.value)
            village_zh = names.place_zh(self.locality(c.lon, c.lat))
            address = self._premises_address(c, village_zh)
            fallback = address.removeprefix(f"{village_zh} ")
            floors = c.levels or r.randint(*kind.floors)
            height = round(floors * 3.2, 1)
            if kind.venue == VenueType.HERITAGE and c.value in ("church", "place_of_worship"):
                height = round(r.uniform(18, 45), 1)  # the tower
            level = kind.level
            use = descriptor
            if kind.category == PremisesCategory.KEY_UNIT and height > 24:
                use = f"{descriptor}（高层公共建筑）"
                if level in (None, ControlLevel.LEVEL3):
                    level = ControlLevel.LEVEL2
            footprint = c.footprint_m2 or r.uniform(*kind.footprint)
            person, phone, _ = self.contacts(ext)
            manager, manager_phone, _ = self.contacts(ext + ":manager")
            fields: dict[str, Any] = {
                "external_id": ext,
                "name": names.premises_name(c.name, descriptor, fallback=fallback),
                "category": kind.category,
                "venue_type": kind.venue,
                "control_level": level if kind.category == PremisesCategory.KEY_UNIT else None,
                "address": address,
                "lon": c.lon,
                "lat": c.lat,
                "height_m": height,
                "floors_above": floors,
                "floors_below": r.choice((0, 0, 1, 1, 2)) if floors > 2 else 0,
                "floor_area_m2": round(footprint * floors, 1),
                "building_use": use,
                "occupants": r.randint(*kind.occupants),
                "responsible_person": person,
                "responsible_phone": phone,
                "manager_person": manager,
                "manager_phone": manager_phone,
            }
            if kind.category == PremisesCategory.KEY_UNIT:
                fields["preplan_notes"] = self._preplan(
                    c, fields, hydrants, hydrant_tree, responder_tree
                )
            self.plan.premises.append(
                _PremisesPlan(ext, fields, f"demo:brigade:{self.region(c.lon, c.lat)}")
            )

    def _premises_address(self, c: PremisesCandidate, village_zh: str) -> str:
        """The premises' own address, else the nearest address point, else its street."""
        if c.street and c.housenumber:
            return f"{village_zh} {c.street} {c.housenumber}"
        near = self.address_near(c.lon, c.lat, within_m=60)
        if near is not None:
            return near
        return f"{village_zh} {c.street}" if c.street else village_zh

    def _preplan(
        self,
        c: PremisesCandidate,
        fields: dict[str, Any],
        hydrants: Sequence[_WaterPlan],
        hydrant_tree: cKDTree | None,
        responder_tree: cKDTree,
    ) -> str:
        xy = self.plane.xy(c.lon, c.lat)[0]
        d_resp, i_resp = responder_tree.query(xy)
        station = self.responders[int(i_resp)]
        lines = [
            f"【基本情况】{fields['venue_type'].zh}，地上{fields['floors_above']}层"
            + (f"、地下{fields['floors_below']}层" if fields["floors_below"] else "")
            + f"，建筑高度约{fields['height_m']}米，"
            f"建筑面积约{round(fields['floor_area_m2'])}平方米，"
            f"日常人员约{fields['occupants']}人。",
            f"【责任力量】{station.name}，直线距离约{round(float(d_resp))}米。",
        ]
        if hydrant_tree is not None:
            dists, idx = hydrant_tree.query(xy, k=min(2, len(hydrants)))
            near = [
                f"{hydrants[int(i)].name}（约{round(float(d))}米）"
                for d, i in zip(np.atleast_1d(dists), np.atleast_1d(idx), strict=True)
            ]
            lines.append(f"【消防水源】最近消火栓：{'；'.join(near)}。")
        lines.append(
            f"【处置要点】{_HAZARD_NOTES.get(fields['venue_type'], _HAZARD_NOTES[VenueType.OTHER])}"
        )
        if fields["height_m"] > 24:
            lines.append(
                "【登高作业】建筑高度超过24米，首车出动应编入举高消防车，提前确定登高作业面。"
            )
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _LonLat:  # a bare position, for KD-trees over organizations
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class _Kind:
    category: PremisesCategory
    venue: VenueType
    level: ControlLevel | None
    occupants: tuple[int, int]
    floors: tuple[int, int]
    footprint: tuple[float, float]


_CHINESE_NUMERALS = "〇一二三四五六七八九十"
_KEY = PremisesCategory.KEY_UNIT
_SMALL = PremisesCategory.SMALL_VENUE
_L1, _L2, _L3 = ControlLevel.LEVEL1, ControlLevel.LEVEL2, ControlLevel.LEVEL3

_KINDS: dict[str, _Kind] = {
    "hospital": _Kind(_KEY, VenueType.HOSPITAL, _L1, (200, 800), (3, 7), (1500, 6000)),
    "clinic": _Kind(_SMALL, VenueType.CLINIC, None, (5, 40), (1, 3), (80, 400)),
    "elderly": _Kind(_KEY, VenueType.ELDERLY_CARE, _L1, (40, 160), (2, 4), (600, 2500)),
    "school": _Kind(_KEY, VenueType.SCHOOL, _L2, (150, 1200), (2, 4), (1200, 5000)),
    "kindergarten": _Kind(_KEY, VenueType.KINDERGARTEN, _L2, (30, 150), (1, 2), (300, 1200)),
    "restaurant": _Kind(_SMALL, VenueType.RESTAURANT, None, (10, 120), (1, 2), (80, 400)),
    "entertainment": _Kind(_KEY, VenueType.ENTERTAINMENT, _L2, (100, 600), (1, 3), (400, 2000)),
    "fuel": _Kind(_KEY, VenueType.HAZMAT, _L1, (3, 15), (1, 1), (150, 600)),
    "church": _Kind(_KEY, VenueType.HERITAGE, _L3, (30, 400), (1, 2), (150, 1200)),
    "public": _Kind(_KEY, VenueType.OFFICE, _L3, (40, 400), (2, 5), (400, 2500)),
    "assembly": _Kind(_KEY, VenueType.PUBLIC_ASSEMBLY, _L3, (80, 500), (1, 3), (500, 3000)),
    "museum": _Kind(_KEY, VenueType.HERITAGE, _L2, (20, 300), (1, 3), (300, 2000)),
    "hotel": _Kind(_KEY, VenueType.HOTEL, _L2, (30, 300), (3, 6), (300, 2000)),
    "small_hotel": _Kind(_SMALL, VenueType.HOTEL, None, (2, 30), (1, 3), (60, 300)),
    "supermarket": _Kind(_KEY, VenueType.SHOPPING, _L3, (50, 500), (1, 2), (600, 4000)),
    "shop": _Kind(_SMALL, VenueType.SHOPPING, None, (2, 30), (1, 2), (40, 300)),
    "workshop": _Kind(_SMALL, VenueType.WORKSHOP, None, (2, 20), (1, 2), (80, 500)),
    "factory": _Kind(_KEY, VenueType.FACTORY, _L2, (30, 600), (1, 3), (600, 8000)),
    "warehouse": _Kind(_KEY, VenueType.WAREHOUSE, _L2, (3, 40), (1, 2), (300, 3000)),
    "office": _Kind(_KEY, VenueType.OFFICE, _L3, (30, 300), (2, 6), (300, 2000)),
    "transport": _Kind(_KEY, VenueType.TRANSPORT, _L3, (50, 500), (1, 2), (200, 1500)),
    "post": _Kind(_SMALL, VenueType.OFFICE, None, (3, 20), (1, 2), (100, 400)),
}

_VALUE_KIND: dict[str, str] = {
    "hospital": "hospital",
    "clinic": "clinic",
    "doctors": "clinic",
    "physician": "clinic",
    "nursing_home": "elderly",
    "social_facility": "elderly",
    "school": "school",
    "university": "school",
    "college": "school",
    "kindergarten": "kindergarten",
    "childcare": "kindergarten",
    "preschool": "kindergarten",
    "restaurant": "restaurant",
    "cafe": "restaurant",
    "fast_food": "restaurant",
    "bar": "restaurant",
    "pub": "restaurant",
    "nightclub": "entertainment",
    "theatre": "entertainment",
    "cinema": "entertainment",
    "arts_centre": "entertainment",
    "fuel": "fuel",
    "pharmacy": "shop",
    "place_of_worship": "church",
    "church": "church",
    "chapel": "church",
    "cathedral": "church",
    "townhall": "public",
    "public_building": "public",
    "public": "public",
    "bank": "office",
    "post_office": "post",
    "library": "assembly",
    "community_centre": "assembly",
    "swimming_pool": "assembly",
    "gym": "assembly",
    "museum": "museum",
    "hotel": "hotel",
    "hostel": "small_hotel",
    "guest_house": "small_hotel",
    "motel": "small_hotel",
    "chalet": "small_hotel",
    "alpine_hut": "small_hotel",
    "supermarket": "supermarket",
    "department_store": "supermarket",
    "mall": "supermarket",
    "retail": "supermarket",
    "car_repair": "workshop",
    "sawmill": "factory",
    "carpenter": "workshop",
    "metal_construction": "workshop",
    "industrial": "factory",
    "warehouse": "warehouse",
    "commercial": "office",
    "office": "office",
    "train_station": "transport",
}


def _classify(c: PremisesCandidate) -> _Kind:
    name = _VALUE_KIND.get(c.value)
    if name is None:
        name = {"shop": "shop", "office": "office", "craft": "workshop"}.get(c.key, "shop")
    return _KINDS[name]


_HAZARD_NOTES: dict[VenueType, str] = {
    VenueType.HOSPITAL: "住院病人行动不便，优先疏散重症监护和手术区域；注意医用氧气和化学试剂。",
    VenueType.ELDERLY_CARE: "老人行动迟缓，夜间值守人员少，需按楼层逐间搜索、背抬转移。",
    VenueType.SCHOOL: "上课时段人员高度密集，按班级组织疏散并清点人数；实验室存放化学试剂。",
    VenueType.KINDERGARTEN: "幼儿无自救能力，优先疏散午休室，疏散后逐一核对名单。",
    VenueType.HOTEL: "夜间住客熟睡，逐层逐间敲门搜索；防止烟气经楼梯间和管井蔓延。",
    VenueType.ENTERTAINMENT: "人员密集、疏散通道复杂，注意吊顶及装修材料燃烧产生的有毒烟气。",
    VenueType.HAZMAT: "油罐区禁止用直流水冲击，优先使用泡沫覆盖；设警戒区，关闭加油机电源。",
    VenueType.HERITAGE: "木结构屋架和钟楼火势蔓延快，优先转移文物，防止屋顶坍塌。",
    VenueType.SHOPPING: "商品可燃物多、营业时人员密集，注意防火卷帘落下后的内攻路线。",
    VenueType.FACTORY: "生产车间跨度大，注意原料及成品火灾荷载，断电后内攻，防止钢结构坍塌。",
    VenueType.WAREHOUSE: "库房火灾荷载大、易阴燃复燃，排烟后分段堵截，防止货架倒塌。",
    VenueType.OFFICE: "办公区隔间多，逐层搜索被困人员；保护档案和机房。",
    VenueType.PUBLIC_ASSEMBLY: "大空间场所人员集中，确保各安全出口畅通，注意大跨度屋盖。",
    VenueType.TRANSPORT: "客流集中，协调运营方停止列车进站，组织旅客向站外疏散。",
    VenueType.OTHER: "到场后查明被困人员和燃烧物质，按预案展开。",
}


def _dedupe(
    candidates: Iterable[PremisesCandidate], plane: _Plane, bounds: Bounds
) -> list[PremisesCandidate]:
    """One premises per place: the same name within 80 m, or an unnamed building of the same
    use right next to a named POI, is the same premises mapped twice."""
    inside = sorted(
        (c for c in candidates if bounds.contains(c.lon, c.lat)),
        key=lambda c: (c.name is None, c.osm_id),
    )
    kept: list[PremisesCandidate] = []
    for c in inside:
        family = _VALUE_KIND.get(c.value, c.key)
        duplicate = False
        for k in kept:
            d = plane.distance_m((c.lon, c.lat), (k.lon, k.lat))
            same_name = bool(c.name) and c.name == k.name and d < 80
            same_use = c.name is None and _VALUE_KIND.get(k.value, k.key) == family and d < 60
            if same_name or same_use:
                duplicate = True
                break
        if not duplicate:
            kept.append(c)
    return kept


def _thin(xy: Any, order: Sequence[int], spacing_m: float) -> list[int]:
    """Greedy: take points in ``order``, skipping any closer than ``spacing_m`` to one taken."""
    cell = spacing_m
    grid: dict[tuple[int, int], list[int]] = {}
    chosen: list[int] = []
    for i in order:
        x, y = float(xy[i][0]), float(xy[i][1])
        cx, cy = int(x // cell), int(y // cell)
        clash = False
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for j in grid.get((gx, gy), ()):
                    if math.hypot(x - xy[j][0], y - xy[j][1]) < spacing_m:
                        clash = True
                        break
                if clash:
                    break
            if clash:
                break
        if not clash:
            grid.setdefault((cx, cy), []).append(i)
            chosen.append(i)
    return chosen


def _plan_city(extract: OsmExtract, *, seed: int) -> _Plan:
    """Plan every record of the demo city from the OSM facts and the seed (no database)."""
    planner = _Planner(extract, seed)
    planner.organizations()
    planner.units()
    planner.water_sources()
    planner.premises()
    return planner.plan


# --- writing -----------------------------------------------------------------------------------


def _existing(session: Session, model: Any) -> dict[str, int]:
    rows = session.execute(
        select(model.external_id, model.id).where(model.external_id.startswith(PREFIX))
    )
    return {ext: ident for ext, ident in rows}


def _write_orgs(
    session: Session,
    plans: Sequence[_OrgPlan],
    report: Progress,
    *,
    road_file: Path,
    cache_dir: Path,
) -> int:
    ids = _existing(session, Organization)
    created = 0
    for done, p in enumerate(plans, start=1):
        if p.external_id not in ids:
            fields: dict[str, Any] = {
                "grade": p.grade,
                "lon": p.lon,
                "lat": p.lat,
                "address": p.address,
                "phone": p.phone,
                "contact_person": p.contact_person,
                "jurisdiction": p.jurisdiction,
            }
            if p.parent is None:  # the same set-up path as `lanyan init` for a real city
                org, _graph = init_city(
                    session,
                    actor=SYSTEM,
                    external_id=p.external_id,
                    name=p.name,
                    kind=p.kind,
                    road_file=road_file,
                    cache_dir=cache_dir,
                    **{k: v for k, v in fields.items() if v is not None},
                )
            else:
                data = OrganizationCreate(
                    external_id=p.external_id,
                    name=p.name,
                    kind=p.kind,
                    parent_id=ids[p.parent],
                    **fields,
                )
                org = forces.create_organization(session, actor=SYSTEM, data=data)
            ids[p.external_id] = org.id
            created += 1
        report("organizations", done, len(plans))
    return created


def _write_units(session: Session, plans: Sequence[_UnitPlan], report: Progress) -> int:
    orgs = _existing(session, Organization)
    have = _existing(session, Unit)
    created = 0
    for done, p in enumerate(plans, start=1):
        if p.external_id not in have:
            data = UnitCreate(
                external_id=p.external_id,
                call_sign=p.call_sign,
                type=p.type,
                station_id=orgs[p.station],
                plate_number=p.plate_number,
                water_l=p.water_l,
                foam_l=p.foam_l,
                ladder_height_m=p.ladder_height_m,
                pump_flow_lps=p.pump_flow_lps,
                crew_on_duty=p.crew_on_duty,
            )
            forces.create_unit(session, actor=SYSTEM, data=data)
            created += 1
        report("units", done, len(plans))
    return created


def _write_waters(session: Session, plans: Sequence[_WaterPlan], report: Progress) -> int:
    orgs = _existing(session, Organization)
    have = _existing(session, WaterSource)
    created = 0
    for done, p in enumerate(plans, start=1):
        if p.external_id not in have:
            data = WaterSourceCreate(
                external_id=p.external_id,
                name=p.name,
                kind=p.kind,
                state=p.state,
                org_id=orgs[p.keeper],
                lon=p.lon,
                lat=p.lat,
                address=p.address,
                flow_lps=p.flow_lps,
                pressure_mpa=p.pressure_mpa,
                capacity_m3=p.capacity_m3,
                notes=p.notes,
            )
            forces.create_water_source(session, actor=SYSTEM, data=data)
            created += 1
        if done % 50 == 0 or done == len(plans):
            report("water_sources", done, len(plans))
    return created


def _write_premises(session: Session, plans: Sequence[_PremisesPlan], report: Progress) -> int:
    orgs = _existing(session, Organization)
    have = _existing(session, Premises)
    created = 0
    for done, p in enumerate(plans, start=1):
        if p.external_id not in have:
            data = PremisesCreate(**p.fields, org_id=orgs[p.supervisor])
            prevention.create_premises(session, actor=SYSTEM, data=data)
            created += 1
        if done % 50 == 0 or done == len(plans):
            report("premises", done, len(plans))
    return created


def _count(session: Session, model: Any) -> int:
    stmt = select(func.count()).select_from(model).where(model.external_id.startswith(PREFIX))
    return int(session.scalar(stmt) or 0)


def load_demo(
    session_factory: sessionmaker[Session],
    *,
    osm_file: Path,
    seed: int,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
) -> DemoSummary:
    """Build (or complete) the demo detachment in the database, deterministically from ``seed``.

    Parameters
    ----------
    session_factory
        Sessions on a migrated database.
    osm_file
        The OSM extract the city is built on (``data/demo/liechtenstein.osm.pbf``).
    seed
        Seed of every random choice: the same file and seed always plan the same city.
    progress
        Called as ``progress(stage, done, total)`` while the load advances.
    cache_dir
        Where the road graph cache lives (the settings' ``cache_dir`` by default).

    Returns
    -------
    DemoSummary
        Demo records per kind in the database, the ones this call created, and timings.

    Notes
    -----
    Records are written through the domain services as :data:`~lanyan.core.actor.SYSTEM`, so
    each one is validated and audited. One transaction per kind of record (organizations, units,
    water sources, premises). Records whose ``external_id`` already exists are skipped, so a
    second load adds nothing and a load interrupted half-way is completed by the next one.
    """
    started = time.perf_counter()
    cache_dir = cache_dir or get_settings().cache_dir
    report: Progress = progress or (lambda _stage, _done, _total: None)
    report("osm", 0, 1)
    extract = read_extract(osm_file)
    osm_read_s = time.perf_counter() - started
    report("osm", 1, 1)
    plan = _plan_city(extract, seed=seed)
    report("plan", 1, 1)
    created: dict[str, int] = {}
    with transaction(session_factory) as session:
        created["organization"] = _write_orgs(
            session, plan.orgs, report, road_file=osm_file, cache_dir=cache_dir
        )
        if get_setting(session, ROAD_FILE) is None:  # a demo database from before `init`
            set_setting(session, actor=SYSTEM, key=ROAD_FILE, value=str(osm_file.resolve()))
        # the villages' Chinese names, then the streets' and landmarks' (a shipped alias file)
        zh_names = resources.files("lanyan.dispatch") / "data" / "liechtenstein_zh.csv"
        street_pairs = read_alias_table(zh_names.name, zh_names.read_bytes())
        add_aliases(session, actor=SYSTEM, pairs=[*names.PLACE_ZH.items(), *street_pairs])
    with transaction(session_factory) as session:
        created["unit"] = _write_units(session, plan.units, report)
    with transaction(session_factory) as session:
        created["water_source"] = _write_waters(session, plan.waters, report)
    with transaction(session_factory) as session:
        created["premises"] = _write_premises(session, plan.premises, report)
    with session_factory() as session:
        counts = {
            "organization": _count(session, Organization),
            "unit": _count(session, Unit),
            "water_source": _count(session, WaterSource),
            "premises": _count(session, Premises),
        }
    return DemoSummary(
        counts=counts,
        created=created,
        elapsed_s=round(time.perf_counter() - started, 3),
        osm_read_s=round(osm_read_s, 3),
    )
