"""A year of demo incidents, replayed through the real dispatch engine.

Statistics, dashboards and the yearly report are only convincing on data that looks like a real
year, and only trustworthy if that data went through the same code as a live call. So the history
is made in two steps:

1. :func:`plan_calls` *plans* every call from the seed alone (pure, no database): type by the 2025
   national shares (STANDARDS.md, "Incidents"), subtype, day of the year (fires peak in winter and
   around the Spring Festival), hour of the day (a night minimum), place (weighted toward built-up
   road nodes and premises), level, escalation, how long the scene lasts and the closing report's
   figures (mostly nothing; a heavy tail of losses, so a 较大 fire happens, rarely).
2. :func:`load_history` *replays* the plan in time order through :mod:`lanyan.dispatch.service`
   (``create_incident`` → ``recommend`` → ``assign_units`` → milestones → ``set_incident_status``
   → ``close_incident``), passing ``at=`` so the timeline carries the simulated times. Every timed
   step sits in one heap, so the database always holds the state "as of" the step being replayed:
   a unit still on scene when the next call comes in is busy and is not recommended.

Which units go, and so every ETA, is the engine's decision; the plan only adds the human noise
(call handling, turnout, driving slower or faster than the table).
"""

from __future__ import annotations

import heapq
import math
import random
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.accounts.models import User
from lanyan.accounts.service import actor_for
from lanyan.core import events
from lanyan.core.actor import Actor
from lanyan.core.clock import LOCAL_TZ
from lanyan.core.db import transaction
from lanyan.core.errors import NotFound
from lanyan.core.permissions import Role
from lanyan.dispatch import recommend as rec
from lanyan.dispatch import service
from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentSubtype, IncidentType
from lanyan.dispatch.models import Assignment, Incident
from lanyan.dispatch.schemas import (
    AssignmentStatusChange,
    ClosingReport,
    EscalateRequest,
    IncidentCreate,
)
from lanyan.forces.models import Organization
from lanyan.planning.coverage import Zone
from lanyan.planning.network import NetworkState, ProgressFn, RoadNetwork
from lanyan.prevention.choices import VenueType
from lanyan.prevention.models import Premises

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``, as in :func:`lanyan.demo.city.load_demo`."""

DEFAULT_CALLS = 1200
"""Calls in a demo year: ~3 a day. Deliberately more than the demo city's ~40,000 inhabitants
would make (China averages about 1.7 calls per 1,000 people a year: 244.4万 for 1.4 billion, so
~70): that is the load of a county-sized detachment, enough for the dashboards to draw and for
units to be busy now and then, and still small enough to replay in about half a minute."""

YEAR_ON_YEAR = 1.036
"""How the national call count grew from 2024 to 2025 (244.4万 incidents, +3.6%, 国家消防救援局
press conference of 2026-03-17): the demo's year before last has that many fewer calls, so its
同比 is a change, not a copy."""


def calls_in(year: int, last_year: int, calls: int) -> int:
    """Calls to plan for ``year`` when ``last_year`` has ``calls`` (fewer for each year before)."""
    return round(calls / YEAR_ON_YEAR ** (last_year - year))


DISPATCHER_USERNAME = "demo_dispatcher"
DETACHMENT_EXTERNAL_ID = "demo:detachment"

TYPE_SHARES: dict[IncidentType, float] = {
    IncidentType.FIRE: 83.7,
    IncidentType.RESCUE: 44.2,
    IncidentType.SOCIAL: 85.8,
    IncidentType.DUTY: 14.3,
    IncidentType.FALSE_ALARM: 16.4,
}
"""2025 national counts in 万 (国家消防救援局, 2026-03): 244.4万 in all, 虚假警 counted inside."""

SUBTYPE_WEIGHTS: dict[IncidentType, dict[IncidentSubtype | None, float]] = {
    IncidentType.FIRE: {
        IncidentSubtype.RESIDENTIAL_FIRE: 30,
        IncidentSubtype.OTHER_FIRE: 22,  # rubbish, grass verges, sheds
        IncidentSubtype.VEHICLE_FIRE: 17,
        IncidentSubtype.FACTORY_WAREHOUSE_FIRE: 8,
        IncidentSubtype.CROWDED_PLACE_FIRE: 6,
        IncidentSubtype.HIGH_RISE_FIRE: 6,
        IncidentSubtype.FOREST_FIRE: 6,
        IncidentSubtype.UNDERGROUND_FIRE: 3,
        IncidentSubtype.CHEMICAL_FIRE: 2,
    },
    IncidentType.RESCUE: {
        IncidentSubtype.TRAFFIC_ACCIDENT: 38,
        IncidentSubtype.PERSON_TRAPPED: 25,
        IncidentSubtype.WATER_RESCUE: 12,
        IncidentSubtype.NATURAL_DISASTER: 10,
        IncidentSubtype.HAZMAT_LEAK: 8,
        IncidentSubtype.BUILDING_COLLAPSE: 7,
    },
    IncidentType.SOCIAL: {
        IncidentSubtype.ELEVATOR_TRAPPED: 35,
        IncidentSubtype.DOOR_OPENING: 30,
        IncidentSubtype.ANIMAL_RESCUE: 25,
        IncidentSubtype.WATER_SUPPLY: 10,
    },
    IncidentType.DUTY: {IncidentSubtype.SECURITY_DUTY: 1},
    IncidentType.FALSE_ALARM: {None: 1},
}
"""Subtypes within a type: a plausible mix for a small city (residential and vehicle fires, lifts
and locked doors lead in Chinese city statistics); not a national figure."""

HOURLY: tuple[float, ...] = (
    # 00    01   02   03   04   05   06   07   08   09   10   11
    2.0, 1.6, 1.3, 1.1, 1.0, 1.1, 1.6, 2.6, 3.6, 4.3, 4.6, 4.7,
    # 12    13   14   15   16   17   18   19   20   21   22   23
    4.6, 4.5, 4.6, 4.6, 4.6, 4.5, 4.4, 4.2, 3.9, 3.5, 3.0, 2.5,
)  # fmt: skip
"""Relative calls per local hour: busy from mid-morning to evening, a minimum around 04:00 (the
shape of published Chinese fire-call statistics; our own weights, not a national table)."""

DUTY_HOURLY: tuple[float, ...] = tuple((3.0 if 8 <= h < 20 else 0.2) for h in range(24))
"""Security duty (安保勤务) is planned work: daytime and evening events."""

SPRING_FESTIVAL: dict[int, date] = {
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
}
"""春节 (first day of the lunar year); fireworks make the eve, the first days and 元宵 peaks."""

PREMISES_FOR: dict[IncidentSubtype, frozenset[VenueType]] = {
    IncidentSubtype.HIGH_RISE_FIRE: frozenset({VenueType.HIGH_RISE}),
    IncidentSubtype.CROWDED_PLACE_FIRE: frozenset(
        {
            VenueType.SHOPPING,
            VenueType.HOTEL,
            VenueType.ENTERTAINMENT,
            VenueType.PUBLIC_ASSEMBLY,
            VenueType.HOSPITAL,
            VenueType.ELDERLY_CARE,
            VenueType.SCHOOL,
            VenueType.RESTAURANT,
        }
    ),
    IncidentSubtype.FACTORY_WAREHOUSE_FIRE: frozenset(
        {VenueType.FACTORY, VenueType.WAREHOUSE, VenueType.WORKSHOP}
    ),
    IncidentSubtype.CHEMICAL_FIRE: frozenset({VenueType.HAZMAT, VenueType.FACTORY}),
    IncidentSubtype.UNDERGROUND_FIRE: frozenset({VenueType.SHOPPING, VenueType.TRANSPORT}),
    IncidentSubtype.HAZMAT_LEAK: frozenset({VenueType.HAZMAT, VenueType.FACTORY}),
    IncidentSubtype.RESIDENTIAL_FIRE: frozenset({VenueType.RESIDENTIAL, VenueType.HIGH_RISE}),
    IncidentSubtype.ELEVATOR_TRAPPED: frozenset(
        {VenueType.HIGH_RISE, VenueType.SHOPPING, VenueType.HOTEL, VenueType.HOSPITAL}
    ),
}
"""Where a subtype happens when it happens at a premises (else: on a road node)."""

AT_PREMISES_SHARE: dict[IncidentSubtype, float] = {
    IncidentSubtype.HIGH_RISE_FIRE: 1.0,
    IncidentSubtype.CROWDED_PLACE_FIRE: 1.0,
    IncidentSubtype.FACTORY_WAREHOUSE_FIRE: 1.0,
    IncidentSubtype.CHEMICAL_FIRE: 1.0,
    IncidentSubtype.UNDERGROUND_FIRE: 1.0,
    IncidentSubtype.HAZMAT_LEAK: 0.6,
    IncidentSubtype.RESIDENTIAL_FIRE: 0.3,
    IncidentSubtype.ELEVATOR_TRAPPED: 0.7,
}

SCENE_MINUTES: dict[IncidentType, tuple[float, float]] = {
    IncidentType.FIRE: (30, 120),
    IncidentType.RESCUE: (20, 90),
    IncidentType.SOCIAL: (10, 40),
    IncidentType.DUTY: (90, 300),
    IncidentType.FALSE_ALARM: (5, 15),
}
"""Time on scene from the first arrival (minutes, min–max of a skewed draw); large fires last
longer (×1.5–2.5)."""

WATER_UNITS = frozenset({"water_tender", "foam", "water_cannon"})
"""Unit types whose 出水 is recorded."""


# --- the plan (pure) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A premises a call can happen at."""

    premises_id: int
    lon: float
    lat: float
    venue_type: VenueType
    label: str


@dataclass(frozen=True)
class CallSites:
    """Where calls can happen: road nodes with a weight, and the premises.

    Build it with :func:`call_sites` from the road network, or by hand in tests.
    """

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    weight: npt.NDArray[np.float64]
    premises: tuple[Site, ...] = ()


@dataclass(frozen=True)
class PlannedCall:
    """Everything about a call that does not depend on which units the engine sends."""

    index: int
    received_at: datetime
    type: IncidentType
    subtype: IncidentSubtype | None
    level: int
    lon: float
    lat: float
    premises_id: int | None
    address_text: str | None
    caller_number: str
    description: str
    severity: str
    """``small``, ``medium`` or ``large`` (fires); ``small`` otherwise."""
    handling_s: float
    """Call handling: from the call to the dispatch order (接警 → 调派)."""
    escalate_to: int | None
    scene_s: float
    water_on: bool
    report: ClosingReport
    noise_seed: int
    """Seed of the per-unit noise (turnout, driving) drawn when the engine has chosen units."""


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The local (Asia/Shanghai) calendar year as a UTC interval [start, end)."""
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    return start, end


def _quotas(total: int) -> list[tuple[IncidentType, int]]:
    """Calls per type by the national shares (largest remainder, so they add up to ``total``)."""
    whole = sum(TYPE_SHARES.values())
    raw = {t: total * share / whole for t, share in TYPE_SHARES.items()}
    counts = {t: math.floor(v) for t, v in raw.items()}
    for t in sorted(raw, key=lambda t: raw[t] - counts[t], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[t] += 1
    return list(counts.items())


def _day_weights(kind: IncidentType, year: int) -> list[float]:
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    festival = SPRING_FESTIVAL.get(year, date(year, 2, 1))
    out = []
    for doy in range(days):
        day = date(year, 1, 1) + timedelta(days=doy)
        if kind == IncidentType.FIRE:
            w = 1 + 0.35 * math.cos(2 * math.pi * (doy - 20) / days)  # heating season, dry winter
            offset = (day - festival).days
            if offset == -1:
                w *= 2.5  # 除夕 fireworks
            elif offset == 0:
                w *= 2.0
            elif 1 <= offset <= 6:
                w *= 1.4
            elif offset == 14:
                w *= 1.8  # 元宵
        elif kind == IncidentType.RESCUE:
            w = 1 + 0.25 * math.cos(2 * math.pi * (doy - 200) / days)  # summer storms, swimming
        elif kind == IncidentType.SOCIAL:
            w = 1 + 0.1 * math.cos(2 * math.pi * (doy - 200) / days)
        else:
            w = 1.0
        out.append(w)
    return out


def _skewed(rng: random.Random, low: float, high: float) -> float:
    """A draw in [low, high] with most mass in the lower third (durations are skewed)."""
    return rng.triangular(low, high, low + (high - low) * 0.25)


def _loss(rng: random.Random, median: float, sigma: float) -> float:
    return float(round(median * math.exp(rng.gauss(0, sigma)), -2))


def _report(
    rng: random.Random, kind: IncidentType, sub: IncidentSubtype | None, severity: str
) -> ClosingReport:
    """Closing figures: mostly zero; losses with a heavy tail; a large fire is rarely 较大."""

    def maybe(p: float, low: int, high: int) -> int:
        return rng.randint(low, high) if rng.random() < p else 0

    rescued = evacuated = deaths = serious = minor = 0
    loss = protected = 0.0
    if kind == IncidentType.FIRE:
        people = sub in (
            IncidentSubtype.RESIDENTIAL_FIRE,
            IncidentSubtype.HIGH_RISE_FIRE,
            IncidentSubtype.CROWDED_PLACE_FIRE,
            IncidentSubtype.UNDERGROUND_FIRE,
        )
        if severity == "large":
            loss = _loss(rng, 4_000_000, 1.0)
            deaths = maybe(0.25, 1, 4)
            serious = maybe(0.4, 1, 6)
            minor = maybe(0.6, 1, 8)
            rescued = maybe(0.7, 2, 20) if people else 0
            evacuated = rng.randint(30, 300) if people else maybe(0.5, 5, 50)
        elif severity == "medium":
            loss = _loss(rng, 80_000, 1.2)
            deaths = maybe(0.02, 1, 2)
            serious = maybe(0.05, 1, 2)
            minor = maybe(0.15, 1, 3)
            rescued = maybe(0.4, 1, 5) if people else 0
            evacuated = maybe(0.8, 10, 80) if people else 0
        else:
            median = (
                300 if sub in (IncidentSubtype.OTHER_FIRE, IncidentSubtype.FOREST_FIRE) else 3000
            )
            loss = _loss(rng, median, 1.3)
            deaths = maybe(0.002, 1, 1)
            serious = maybe(0.005, 1, 1)
            minor = maybe(0.02, 1, 2)
            rescued = maybe(0.1, 1, 2) if people else 0
            evacuated = maybe(0.3, 2, 20) if people else 0
        protected = float(round(loss * rng.uniform(3, 15) + rng.uniform(5_000, 200_000), -2))
    elif sub == IncidentSubtype.TRAFFIC_ACCIDENT:
        rescued, deaths = maybe(0.5, 1, 3), maybe(0.03, 1, 1)
        serious, minor = maybe(0.1, 1, 2), maybe(0.3, 1, 3)
        protected = float(round(rng.uniform(20_000, 300_000), -2))
    elif sub == IncidentSubtype.PERSON_TRAPPED:
        rescued, deaths, minor = maybe(0.9, 1, 2), maybe(0.02, 1, 1), maybe(0.2, 1, 1)
    elif sub == IncidentSubtype.WATER_RESCUE:
        rescued, deaths = maybe(0.6, 1, 2), maybe(0.15, 1, 1)
    elif sub == IncidentSubtype.NATURAL_DISASTER:
        rescued, evacuated = maybe(0.4, 1, 5), maybe(0.7, 5, 60)
        protected = float(round(rng.uniform(10_000, 500_000), -2))
    elif sub == IncidentSubtype.BUILDING_COLLAPSE:
        rescued, deaths, serious = maybe(0.6, 1, 4), maybe(0.05, 1, 2), maybe(0.2, 1, 3)
    elif sub == IncidentSubtype.HAZMAT_LEAK:
        evacuated, minor = maybe(0.7, 10, 200), maybe(0.1, 1, 4)
        protected = float(round(rng.uniform(50_000, 2_000_000), -2))
    elif sub == IncidentSubtype.ELEVATOR_TRAPPED:
        rescued = rng.randint(1, 4)
    elif sub == IncidentSubtype.DOOR_OPENING:
        rescued = maybe(0.3, 1, 1)
    return ClosingReport(
        rescued=rescued,
        evacuated=evacuated,
        deaths=deaths,
        serious_injuries=serious,
        minor_injuries=minor,
        property_protected_cny=protected,
        direct_loss_cny=loss,
        summary=None,
    )


def plan_calls(
    sites: CallSites, *, seed: int, year: int, calls: int = DEFAULT_CALLS
) -> list[PlannedCall]:
    """Plan a year of calls, sorted by time; pure and deterministic from ``seed`` and ``year``.

    Parameters
    ----------
    sites
        Where calls can happen (see :func:`call_sites`).
    seed, year
        The same pair always gives the same plan.
    calls
        How many calls; types follow the 2025 national shares exactly (largest remainder).
    """
    rng = random.Random(f"lanyan-history:{seed}:{year}")  # noqa: S311 - demo data, seeded
    local_start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
    cum_node = list(accumulate(sites.weight.tolist()))
    by_venue: dict[VenueType, list[Site]] = {}
    for known in sites.premises:
        by_venue.setdefault(known.venue_type, []).append(known)
    kd = (
        cKDTree(np.array([[s.lon, s.lat * 1.5] for s in sites.premises]))
        if sites.premises
        else None
    )
    types = [t for t, n in _quotas(calls) for _ in range(n)]
    rng.shuffle(types)
    day_cum = {t: list(accumulate(_day_weights(t, year))) for t in TYPE_SHARES}
    hour_cum = list(accumulate(HOURLY))
    duty_cum = list(accumulate(DUTY_HOURLY))
    callers: list[str] = []
    drafts: list[tuple[datetime, int, dict[str, Any]]] = []
    for i, kind in enumerate(types):
        subs = SUBTYPE_WEIGHTS[kind]
        sub = rng.choices(list(subs), weights=list(subs.values()))[0]
        dc = day_cum[kind]
        doy = bisect_right(dc, rng.random() * dc[-1])
        hc = duty_cum if kind == IncidentType.DUTY else hour_cum
        hour = bisect_right(hc, rng.random() * hc[-1])
        local = local_start + timedelta(
            days=doy, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60)
        )
        received = local.astimezone(UTC)
        # place: a premises of the right kind, or a road node weighted by demand
        site: Site | None = None
        venues = PREMISES_FOR.get(sub) if sub else None
        if sub and venues and rng.random() < AT_PREMISES_SHARE.get(sub, 0.0):
            pool = [s for v in sorted(venues, key=lambda v: v.value) for s in by_venue.get(v, [])]
            if pool:
                site = rng.choice(pool)
        if site is not None:
            lon, lat, premises_id, address = site.lon, site.lat, site.premises_id, site.label
        else:
            node = bisect_right(cum_node, rng.random() * cum_node[-1])
            node = min(node, len(sites.lon) - 1)
            # a few metres off the road node: callers are beside the road, not on its axis
            lon = float(sites.lon[node]) + rng.uniform(-1.5e-4, 1.5e-4)
            lat = float(sites.lat[node]) + rng.uniform(-1e-4, 1e-4)
            premises_id, address = None, None
            if kd is not None:
                dist, j = kd.query([lon, lat * 1.5])
                if float(dist) < 0.004:  # ~300 m
                    address = f"{sites.premises[int(j)].label}附近"
        severity = "small"
        level = 1
        escalate_to: int | None = None
        if kind == IncidentType.FIRE:
            roll = rng.random()
            big_venue = sub in (
                IncidentSubtype.FACTORY_WAREHOUSE_FIRE,
                IncidentSubtype.CHEMICAL_FIRE,
                IncidentSubtype.CROWDED_PLACE_FIRE,
                IncidentSubtype.HIGH_RISE_FIRE,
            )
            if roll < (0.04 if big_venue else 0.006):
                severity, level = "large", 2
                escalate_to = 3 if rng.random() < 0.7 else None
            elif roll < (0.25 if big_venue else 0.10):
                severity = "medium"
                level = 2 if rng.random() < 0.3 else 1
                escalate_to = 2 if level == 1 and rng.random() < 0.35 else None
        elif kind == IncidentType.RESCUE and rng.random() < 0.03:
            escalate_to = 2
        low, high = SCENE_MINUTES[kind]
        scene_min = _skewed(rng, low, high)
        if severity == "large":
            scene_min *= rng.uniform(1.5, 2.5)
        elif severity == "medium":
            scene_min *= rng.uniform(1.1, 1.5)
        if rng.random() < 0.05 and callers:
            caller = rng.choice(callers)  # a repeat caller: the intake screen shows the history
        else:
            caller = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            callers.append(caller)
        what = sub.zh if sub else "报警后核实无警情"
        drafts.append(
            (
                received,
                i,
                {
                    "type": kind,
                    "subtype": sub,
                    "level": level,
                    "lon": round(lon, 6),
                    "lat": round(lat, 6),
                    "premises_id": premises_id,
                    "address_text": address,
                    "caller_number": caller,
                    "description": f"{what}（演示历史数据）",
                    "severity": severity,
                    "handling_s": rng.uniform(40, 100),
                    "escalate_to": escalate_to,
                    "scene_s": scene_min * 60,
                    "water_on": kind == IncidentType.FIRE
                    and (severity != "small" or rng.random() < 0.85),
                    "report": _report(rng, kind, sub, severity),
                    "noise_seed": rng.randrange(2**31),
                },
            )
        )
    drafts.sort(key=lambda d: (d[0], d[1]))
    return [
        PlannedCall(index=n, received_at=at, **fields) for n, (at, _, fields) in enumerate(drafts)
    ]


# --- inputs from the database ------------------------------------------------------------------


def _label(name: str, address: str | None) -> str:
    """How a caller names a premises: its address and name, without saying the village twice."""
    text = name if not address or name.startswith(address) else f"{address} {name}"
    return text[:190]


def call_sites(session: Session, network: RoadNetwork) -> CallSites:
    """Road nodes weighted by demand (built-up nodes ×3, nodes outside every brigade left out)
    and the premises, in a stable order."""
    state = network.current(session)
    weight = state.demand * np.where(state.zone == Zone.URBAN, 3.0, 1.0)
    weight = np.where(state.brigade_of_node > 0, weight, 0.0)
    if not weight.any():
        weight = np.ones(state.graph.n_nodes)
    premises = tuple(
        Site(p.id, p.lon, p.lat, p.venue_type, _label(p.name, p.address))
        for p in session.scalars(select(Premises).order_by(Premises.id))
    )
    return CallSites(
        lon=np.asarray(state.graph.lon, dtype=np.float64),
        lat=np.asarray(state.graph.lat, dtype=np.float64),
        weight=weight.astype(np.float64),
        premises=premises,
    )


def history_actor(session: Session) -> Actor:
    """The demo dispatcher when that account exists, else a dispatcher at the detachment."""
    user = session.scalar(select(User).where(User.username == DISPATCHER_USERNAME))
    if user is not None:
        return actor_for(user)
    detachment = session.scalar(
        select(Organization).where(Organization.external_id == DETACHMENT_EXTERNAL_ID)
    )
    if detachment is None:
        raise NotFound(
            "演示城市尚未加载，请先运行 lanyan demo",
            "the demo city is not loaded; run `lanyan demo` first",
        )
    return Actor(
        user_id=None,
        username=DISPATCHER_USERNAME,
        role=Role.DISPATCHER,
        org_id=detachment.id,
        org_path=detachment.path,
    )


# --- the replay --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistorySummary:
    """What :func:`load_history` did."""

    year: int
    seed: int
    skipped: bool
    """``True`` when the year already had incidents and nothing was written."""
    incidents: int
    """Incidents received in the year (all of them when skipped)."""
    by_type: dict[str, int]
    assignments: int
    escalations: int
    fire_grades: dict[str, int]
    deferred: int
    """Dispatches that had to wait for a unit to come back (nothing was free)."""
    elapsed_s: float


@dataclass
class _Scene:
    """A running incident. Holding ``incident`` keeps it (and through it its assignments and
    units) in the session's identity map, so the many steps of one call do not reload it."""

    call: PlannedCall
    incident: Incident
    rng: random.Random
    first_on_scene: datetime | None = None
    end: datetime | None = None
    last_back: datetime | None = None
    close_generation: int = 0
    unit_types: list[str] = field(default_factory=list)


_Action = tuple[datetime, int, str, tuple[Any, ...]]


class _FrozenNetwork(RoadNetwork):
    """The road network as it is when the replay starts.

    :meth:`RoadNetwork.current` re-reads every station to notice one that moved; nothing moves
    during a replay (it runs in one transaction), and the check costs more than some steps.
    """

    def __init__(self, network: RoadNetwork, state: NetworkState) -> None:
        super().__init__(network.road_file, network.cache_dir)
        self._frozen = state

    def current(self, session: Session, *, progress: ProgressFn | None = None) -> NetworkState:
        """The state built when the replay started."""
        return self._frozen


class _Replay:
    """The heap of timed steps and the service calls that carry them out."""

    def __init__(self, session: Session, actor: Actor, network: RoadNetwork) -> None:
        self.session = session
        self.actor = actor
        self.network = network
        self.heap: list[_Action] = []
        self.seq = 0
        self.scenes: dict[int, _Scene] = {}
        self.assignments = 0
        self.escalations = 0
        self.deferred = 0

    def push(self, at: datetime, kind: str, *args: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, args))

    def run_until(self, until: datetime | None) -> None:
        """Carry out every step due before ``until`` (all of them when ``None``), in time order."""
        while self.heap and (until is None or self.heap[0][0] <= until):
            at, _, kind, args = heapq.heappop(self.heap)
            getattr(self, f"_do_{kind}")(at, *args)
            self.session.flush()

    # the steps ---------------------------------------------------------------------------------

    def _do_call(self, at: datetime, call: PlannedCall) -> None:
        incident = service.create_incident(
            self.session,
            actor=self.actor,
            network=self.network,
            data=IncidentCreate(
                caller_number=call.caller_number,
                address_text=call.address_text,
                lon=call.lon,
                lat=call.lat,
                type=call.type,
                subtype=call.subtype,
                level=call.level,
                premises_id=call.premises_id,
                description=call.description,
            ),
            at=at,
        )
        scene = _Scene(call, incident, random.Random(call.noise_seed))  # noqa: S311
        self.scenes[incident.id] = scene
        self.push(at + timedelta(seconds=call.handling_s), "dispatch", incident.id, 0)

    def _do_dispatch(self, at: datetime, incident_id: int, attempt: int) -> None:
        scene = self.scenes[incident_id]
        recommendation = service.recommend(
            self.session,
            actor=self.actor,
            network=self.network,
            incident_id=incident_id,
            with_routes=False,
        )
        picks = self._new_picks(recommendation, scene)
        if not picks:
            if scene.unit_types:
                return  # an escalation the units already there cover
            if attempt < 120:  # nothing free: try again each minute as units come back
                self.deferred += attempt == 0
                self.push(at + timedelta(seconds=60), "dispatch", incident_id, attempt + 1)
            else:  # two hours without a unit: never on the demo city; close rather than hang
                self._do_close(at, incident_id, scene.close_generation)
            return
        etas = self._candidates(picks)
        created = service.assign_units(
            self.session,
            actor=self.actor,
            network=self.network,
            incident_id=incident_id,
            unit_ids=list(etas),
            at=at,
            etas=etas,
        ).created
        self.assignments += len(created)
        eta = {unit_id: cand.eta_s for unit_id, cand in etas.items()}
        self._schedule_units(
            at, scene, [(a.id, a.unit_id, a.unit.type.value) for a in created], eta
        )

    def _candidates(self, picks: list[rec.Pick]) -> dict[int, rec.Candidate]:
        """The recommendation's own figures for the picked units (to 0.1 s / 0.1 m, as the API
        shows them), so ``assign_units`` records them without ranking the units a second time."""
        return {
            p.candidate.unit.id: replace(
                p.candidate,
                eta_s=round(p.candidate.eta_s, 1),
                straight_m=round(p.candidate.straight_m, 1),
                away=False,
            )
            for p in picks
        }

    def _new_picks(self, recommendation: rec.Recommendation, scene: _Scene) -> list[rec.Pick]:
        """The recommendation minus what is already there (an escalation adds the difference)."""
        there = Counter(scene.unit_types)
        types_of = {f.label: f.unit_types for f in recommendation.fills}
        out = []
        for pick in recommendation.picks:
            have = next((t for t in types_of.get(pick.requirement, []) if there[t] > 0), None)
            if have is not None:
                there[have] -= 1
                continue
            out.append(pick)
        return out

    def _schedule_units(
        self,
        assigned_at: datetime,
        scene: _Scene,
        units: Sequence[tuple[int, int, str]],
        eta: dict[int, float],
    ) -> None:
        call, rng = scene.call, scene.rng
        arrivals: list[tuple[int, str, datetime, datetime]] = []
        for assignment_id, unit_id, unit_type in units:
            turnout = timedelta(seconds=rng.uniform(60, 120))
            drive = eta.get(unit_id, 300.0) * min(max(rng.lognormvariate(0.05, 0.15), 0.8), 1.6)
            en_route = assigned_at + turnout
            on_scene = en_route + timedelta(seconds=max(drive, 20.0))
            arrivals.append((assignment_id, unit_type, en_route, on_scene))
            scene.unit_types.append(unit_type)
        first = min(a[3] for a in arrivals)
        if scene.first_on_scene is None:
            scene.first_on_scene = first
            scene.end = first + timedelta(seconds=call.scene_s)
            if call.type == IncidentType.FIRE:
                self.push(
                    first + timedelta(seconds=call.scene_s * 0.35),
                    "incident",
                    scene.incident.id,
                    IncidentStatus.CONTROLLED,
                )
                self.push(
                    first + timedelta(seconds=call.scene_s * 0.7),
                    "incident",
                    scene.incident.id,
                    IncidentStatus.EXTINGUISHED,
                )
            if call.escalate_to is not None:
                delay = timedelta(seconds=rng.uniform(180, min(600, call.scene_s * 0.3)))
                self.push(first + delay, "escalate", scene.incident.id, call.escalate_to)
        assert scene.end is not None
        for assignment_id, unit_type, en_route, on_scene in arrivals:
            self.push(en_route, "status", assignment_id, AssignmentStatus.EN_ROUTE)
            self.push(on_scene, "status", assignment_id, AssignmentStatus.ON_SCENE)
            last = on_scene
            if call.water_on and unit_type in WATER_UNITS:
                last = on_scene + timedelta(seconds=rng.uniform(60, 240))
                self.push(last, "status", assignment_id, AssignmentStatus.WATER_ON)
            leave = scene.end - timedelta(seconds=call.scene_s * rng.uniform(0, 0.2))
            leave = max(leave, last + timedelta(minutes=5))
            back = leave + (on_scene - en_route) * rng.uniform(1.05, 1.4)  # no hurry home
            self.push(leave, "status", assignment_id, AssignmentStatus.RETURNING)
            self.push(back, "status", assignment_id, AssignmentStatus.IN_QUARTERS)
            if scene.last_back is None or back > scene.last_back:
                scene.last_back = back
        assert scene.last_back is not None
        scene.close_generation += 1
        close_at = scene.last_back + timedelta(seconds=rng.uniform(60, 900))
        self.push(close_at, "close", scene.incident.id, scene.close_generation)

    def _do_status(self, at: datetime, assignment_id: int, status: AssignmentStatus) -> None:
        assignment = self.session.get(Assignment, assignment_id)
        if assignment is None or not assignment.status.is_active:
            return  # the engine sent the unit on from the road to a new call (改派)
        # the scene's position while there and on the way back: a returning unit is ranked from
        # where it is, as the live engine does with AVL positions
        here = {}
        if status in (AssignmentStatus.ON_SCENE, AssignmentStatus.RETURNING):
            here = {"lon": assignment.incident.lon, "lat": assignment.incident.lat}
        service.set_assignment_status(
            self.session,
            actor=self.actor,
            assignment_id=assignment_id,
            data=AssignmentStatusChange(status=status, **here),
            at=at,
        )

    def _do_incident(self, at: datetime, incident_id: int, status: IncidentStatus) -> None:
        service.set_incident_status(
            self.session, actor=self.actor, incident_id=incident_id, status=status, at=at
        )

    def _do_escalate(self, at: datetime, incident_id: int, level: int) -> None:
        service.escalate(
            self.session,
            actor=self.actor,
            incident_id=incident_id,
            data=EscalateRequest(level=level, reason="现场火势扩大，追加力量"),
            at=at,
        )
        self.escalations += 1
        self._do_dispatch(at, incident_id, 0)

    def _do_close(self, at: datetime, incident_id: int, generation: int) -> None:
        scene = self.scenes.get(incident_id)
        if scene is None or generation != scene.close_generation:
            return  # an escalation sent more units; a later close replaces this one
        call = scene.call
        minutes = round((at - call.received_at).total_seconds() / 60)
        summary = (
            f"{call.subtype.zh if call.subtype else call.type.zh}，"
            f"出动{len(scene.unit_types)}车，历时{minutes}分钟"
        )
        service.close_incident(
            self.session,
            actor=self.actor,
            incident_id=incident_id,
            report=call.report.model_copy(update={"summary": summary}),
            at=at,
        )
        del self.scenes[incident_id]


def _year_count(session: Session, year: int) -> int:
    start, end = year_bounds(year)
    stmt = (
        select(func.count())
        .select_from(Incident)
        .where(Incident.received_at >= start, Incident.received_at < end)
    )
    return int(session.scalar(stmt) or 0)


def _summarize(session: Session, year: int) -> tuple[dict[str, int], dict[str, int]]:
    start, end = year_bounds(year)
    in_year = (Incident.received_at >= start, Incident.received_at < end)
    by_type = {
        t.value: n
        for t, n in session.execute(
            select(Incident.type, func.count()).where(*in_year).group_by(Incident.type)
        ).all()
    }
    grades = {
        g.value if g is not None else "": n
        for g, n in session.execute(
            select(Incident.fire_grade, func.count())
            .where(*in_year, Incident.fire_grade.is_not(None))
            .group_by(Incident.fire_grade)
        ).all()
    }
    return by_type, grades


def load_history(
    session_factory: sessionmaker[Session],
    network: RoadNetwork,
    *,
    seed: int,
    year: int,
    calls: int | None = None,
    progress: Progress | None = None,
) -> HistorySummary:
    """Replay a planned year of calls through the dispatch engine (skip if the year has any).

    Parameters
    ----------
    session_factory
        Sessions on a database where :func:`lanyan.demo.city.load_demo` has run.
    network
        The road network the engine recommends on (the app's, or a new one on the same files).
    seed, year
        The plan's seed and the local calendar year; the same pair gives the same history.
    calls
        How many calls (default :data:`DEFAULT_CALLS`).
    progress
        ``progress(stage, done, total)`` while the replay advances.

    Notes
    -----
    One transaction for the whole year: a year is there completely or not at all, which is what
    makes "skip when the year has incidents" a safe idempotency check. Live events queued by the
    engine are dropped before the commit: a replayed year must not flood open consoles.
    """
    started = time.perf_counter()
    total = DEFAULT_CALLS if calls is None else calls
    stage = f"历史警情 history {year}"
    report: Progress = progress or (lambda _stage, _done, _total: None)
    with session_factory() as session:
        existing = _year_count(session, year)
        if existing:
            by_type, grades = _summarize(session, year)
            report(stage, total, total)
            return HistorySummary(
                year, seed, True, existing, by_type, 0, 0, grades, 0,
                round(time.perf_counter() - started, 3),
            )  # fmt: skip
    with transaction(session_factory) as session:
        actor = history_actor(session)
        plan = plan_calls(call_sites(session, network), seed=seed, year=year, calls=total)
        frozen = _FrozenNetwork(network, network.current(session))
        replay = _Replay(session, actor, frozen)
        report(stage, 0, len(plan))
        for done, call in enumerate(plan, start=1):
            replay.run_until(call.received_at)
            replay.push(call.received_at, "call", call)
            replay.run_until(call.received_at)
            if done % 25 == 0 or done == len(plan):
                report(stage, done, len(plan))
        replay.run_until(None)
        session.flush()
        session.info.pop(events.PENDING_KEY, None)
        session.expunge_all()
        by_type, grades = _summarize(session, year)
        incidents = _year_count(session, year)
    return HistorySummary(
        year=year,
        seed=seed,
        skipped=False,
        incidents=incidents,
        by_type=by_type,
        assignments=replay.assignments,
        escalations=replay.escalations,
        fire_grades=grades,
        deferred=replay.deferred,
        elapsed_s=round(time.perf_counter() - started, 3),
    )
