"""Fill a response plan with the fastest suitable units, and say why each was chosen.

Travel times come from the road network (lanyan.planning.network): units in quarters from their
station's precomputed tree, units away from quarters (returning, with a position) from one
bounded reverse search from the incident. Units of the incident's own brigade are preferred while
they arrive within the standard; when they cannot, the fastest unit from another brigade is
offered as cross-brigade reinforcement (跨大队增援). Requirements nothing can fill are listed.

Micro fire stations (微型消防站: a hospital's, a school's, a community's) respond in 1 minute and
arrive in 3, with a small appliance and a few people: they are the first responders beside the
graded response, not its main force. A plan line takes them only when it says so
(``allow_micro_station``); otherwise the plan is filled with station and full-time team (专职队)
appliances and the nearest micro station within its arrival standard is added as 先期处置.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lanyan.core.standards import standards
from lanyan.dispatch.models import Incident, ResponsePlanRule
from lanyan.forces import crew
from lanyan.forces.choices import OrgKind, UnitStatus, UnitType
from lanyan.forces.models import Unit
from lanyan.planning.coverage import CoverageThresholds, Zone
from lanyan.planning.network import NetworkState
from lanyan.routing import SnapResult, UnitPositions, haversine_m, rank_units


@dataclass(frozen=True)
class Candidate:
    """A unit that could go, with its travel time to the incident."""

    unit: Unit
    eta_s: float
    straight_m: float
    brigade_id: int | None
    away: bool


@dataclass
class Pick:
    """A unit chosen for a requirement."""

    candidate: Candidate
    requirement: str
    cross_brigade: bool
    reason: str
    first_responder: bool = False
    """A micro station sent beside the plan (先期处置), not one of its slots."""


@dataclass
class Fill:
    """The outcome of one requirement."""

    label: str
    unit_types: list[str]
    count: int
    picks: list[Pick] = field(default_factory=list)

    @property
    def missing(self) -> int:
        """Slots nothing could fill."""
        return self.count - len(self.picks)


@dataclass(frozen=True, slots=True)
class RouteShape:
    """The road route of a chosen unit: its length and its line (a GeoJSON Feature)."""

    distance_m: float
    feature: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Units to send for an incident's plan, with what the dispatcher is shown about each."""

    incident: Incident
    zone: Zone
    rule: ResponsePlanRule | None
    snap: SnapResult
    fills: list[Fill]
    first_responders: list[Pick]
    """Micro stations added beside the plan (先期处置), not counted in its lines."""
    ranked: list[Candidate]
    """Every dispatchable unit in the jurisdiction, fastest first (the alternatives)."""
    routes: dict[int, RouteShape]
    """By unit id, for the chosen units (empty when routes were not asked for)."""
    brigade_names: dict[int, str]

    @property
    def picks(self) -> list[Pick]:
        """The units the plan's lines chose, requirement by requirement (without the first
        responders: the demo history replays the plan itself)."""
        return [pick for fill in self.fills for pick in fill.picks]


def fmt_eta(seconds: float) -> str:
    """Seconds as m分ss秒 for dispatchers."""
    total = round(seconds)
    return f"{total // 60}分{total % 60:02d}秒"


def candidates(
    state: NetworkState,
    units: list[Unit],
    node: int | SnapResult,
    lon: float,
    lat: float,
    brigade_of_org: dict[int, int | None],
) -> list[Candidate]:
    """Dispatchable units ranked by road travel time to ``node`` (fastest first); a
    :class:`SnapResult` ranks to the road point beside the incident."""
    usable = [u for u in units if u.status.dispatchable and u.station_id in state.row_of_org]
    if not usable:
        return []
    away_nodes = np.full(len(usable), -1, dtype=np.int32)
    for i, unit in enumerate(usable):
        if unit.lon is not None and unit.lat is not None and unit.status != UnitStatus.AVAILABLE:
            away_nodes[i] = state.snapper.snap(unit.lon, unit.lat).node
    positions = UnitPositions(
        station=np.array([state.row_of_org[u.station_id] for u in usable], dtype=np.int32),
        node=away_nodes,
        available=np.ones(len(usable), dtype=np.bool_),
    )
    ranking = rank_units(
        state.table, positions, node, k=len(usable), reverse=state.graph.transpose()
    )
    out = []
    for index, eta in zip(ranking.units.tolist(), ranking.eta_s.tolist(), strict=True):
        unit = usable[index]
        if away_nodes[index] >= 0 and unit.lon is not None and unit.lat is not None:
            ulon, ulat = unit.lon, unit.lat
        else:
            station = state.stations[state.row_of_org[unit.station_id]]
            ulon, ulat = station.lon, station.lat
        out.append(
            Candidate(
                unit=unit,
                eta_s=float(eta),
                straight_m=float(haversine_m(ulon, ulat, lon, lat)),
                brigade_id=brigade_of_org.get(unit.station_id),
                away=bool(away_nodes[index] >= 0),
            )
        )
    return out


def is_micro_station(candidate: Candidate) -> bool:
    """Whether the unit belongs to a micro fire station (微型消防站)."""
    return candidate.unit.station.kind == OrgKind.MICRO_STATION


def _fits(candidate: Candidate, req: dict[str, Any], building_height_m: float | None) -> bool:
    unit = candidate.unit
    if unit.type.value not in req["unit_types"]:
        return False
    if is_micro_station(candidate) and not req.get("allow_micro_station"):
        return False
    min_ladder = req.get("min_ladder_m")
    if req.get("ladder_from_building") and building_height_m:
        min_ladder = max(float(min_ladder or 0), building_height_m)
    if min_ladder and (unit.ladder_height_m or 0) < float(min_ladder):
        return False
    min_water = req.get("min_water_l")
    return not (min_water and (unit.water_l or 0) < float(min_water))


def _reason(
    pick_index: int,
    req: dict[str, Any],
    cand: Candidate,
    building_height_m: float | None,
    cross: bool,
    threshold_s: float,
) -> str:
    parts = [
        f"{req['label']}第{pick_index}辆",
        f"预计{fmt_eta(cand.eta_s)}到场",
        f"直线{cand.straight_m / 1000:.1f}公里",
    ]
    if req.get("ladder_from_building") and building_height_m and cand.unit.ladder_height_m:
        parts.append(f"举高{cand.unit.ladder_height_m:g}米≥建筑{building_height_m:g}米")
    if cand.away:
        parts.append("车辆在返回途中，按实时位置计算")
    if cross:
        parts.append(f"本大队无可用车辆能在{fmt_eta(threshold_s)}内到场，跨大队增援")
    return "；".join(parts)


def fill_plan(
    requirements: list[dict[str, Any]],
    ranked: list[Candidate],
    *,
    own_brigade_id: int | None,
    zone: Zone,
    building_height_m: float | None,
) -> list[Fill]:
    """Choose units for each requirement in order; no unit is used twice."""
    table = standards()
    # the standard counts from the turnout order; the ETA is road travel: compare with the budget
    threshold_s = CoverageThresholds.from_standards(table).per_zone()[zone]
    used: set[int] = set()
    fills = []
    for req in requirements:
        fill = Fill(req["label"], list(req["unit_types"]), int(req["count"]))
        for slot in range(1, fill.count + 1):
            suitable = [
                c for c in ranked if c.unit.id not in used and _fits(c, req, building_height_m)
            ]
            # issue 20 (duty): a line requiring a full crew passes over vehicles short of crew
            suitable, crew_note = crew.screen(req, suitable)
            if not suitable:
                break
            own = [c for c in suitable if own_brigade_id is None or c.brigade_id == own_brigade_id]
            choice = own[0] if own and own[0].eta_s <= threshold_s else suitable[0]
            cross = own_brigade_id is not None and choice.brigade_id != own_brigade_id
            used.add(choice.unit.id)
            fill.picks.append(
                Pick(
                    choice,
                    req["label"],
                    cross,
                    _reason(slot, req, choice, building_height_m, cross, threshold_s) + crew_note,
                )
            )
        fills.append(fill)
    return fills


FIRST_RESPONDER_LABEL = "微型消防站（先期处置）"


def first_responders(
    fills: list[Fill], ranked: list[Candidate], *, micro_arrival_s: float | None = None
) -> list[Pick]:
    """The nearest micro station's fastest unit, beside the plan, when it arrives in time.

    Nothing is added when a plan line already took a micro station (the plan allows it) or when
    the nearest one cannot arrive within the micro-station arrival standard (3 minutes by
    default: ``micro_station_arrival_s``), where it would only come after the main force.
    """
    if any(is_micro_station(p.candidate) for f in fills for p in f.picks):
        return []
    budget = (
        float(standards()["micro_station_arrival_s"])
        if micro_arrival_s is None
        else micro_arrival_s
    )
    for cand in ranked:  # fastest first
        if not is_micro_station(cand):
            continue
        if cand.eta_s > budget:
            return []
        reason = "；".join(
            [
                "就近微型消防站先期处置（不占等级调派主力车位）",
                f"预计{fmt_eta(cand.eta_s)}到场",
                f"直线{cand.straight_m / 1000:.1f}公里",
            ]
        )
        return [Pick(cand, FIRST_RESPONDER_LABEL, False, reason, first_responder=True)]
    return []


def unit_type_zh(value: str) -> str:
    """Chinese label of a unit type code."""
    return UnitType(value).zh


# --- issue 19 (command): plan lines another domain fills (作战编成) ----------------------------

LineFiller = Callable[..., Fill]
"""``filler(session, req, ranked, used, *, own_brigade_id, zone, building_height_m) -> Fill``:
fills one plan line, adding the units it takes to ``used``."""

LINE_FILLERS: dict[str, LineFiller] = {}
"""Fillers of plan lines carrying a key (``combat_unit``: lanyan.command.combat_fill), registered
by the domain that owns the key, so that dispatch imports no later domain."""


def fill_lines(
    session: Any,
    requirements: list[dict[str, Any]],
    ranked: list[Candidate],
    *,
    own_brigade_id: int | None,
    zone: Zone,
    building_height_m: float | None,
) -> list[Fill]:
    """:func:`fill_plan`, the lines a registered filler owns filled first (a combat unit is
    taken whole before single-vehicle lines could split it), the fills in the plan's order."""
    owned = {i: key for i, req in enumerate(requirements) for key in LINE_FILLERS if req.get(key)}
    kwargs: dict[str, Any] = {
        "own_brigade_id": own_brigade_id,
        "zone": zone,
        "building_height_m": building_height_m,
    }
    if not owned:
        return fill_plan(requirements, ranked, **kwargs)
    used: set[int] = set()
    fills: dict[int, Fill] = {}
    for i, key in owned.items():
        fills[i] = LINE_FILLERS[key](session, requirements[i], ranked, used, **kwargs)
    rest = [i for i in range(len(requirements)) if i not in owned]
    free = [c for c in ranked if c.unit.id not in used]
    plain = fill_plan([requirements[i] for i in rest], free, **kwargs)
    fills.update(zip(rest, plain, strict=True))
    return [fills[i] for i in range(len(requirements))]
