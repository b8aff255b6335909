"""Scoring runs: which premises changed, their new scores, their cells, and the warnings raised.

:func:`run_scoring` is the one write of the scores (API, CLI, demo and bench call it). A full run
rescores every premises and cell; an incremental run (the default) rescores only

- premises changed since the last run (``updated_at`` of the premises, its hazards, listings,
  inspections, devices and alarms; new patrol check-ins and new incidents by id — an edit of an
  old incident, e.g. its type corrected, reaches the scores at the next full run),
- premises never scored, and
- premises whose ``stale_at`` has come (a deadline passed, a visit or a fire aged past a step),

then the cells those premises leave or enter and the cells with changed fire incidents. Cells
whose fires only aged out of the window keep their count until the next full run (run
``lanyan risk score --full`` nightly). A run writes one audit row (``risk_run``) and one per
warning raised, in the same transaction.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, delete, func, insert, select, text, union
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.permissions import Action
from lanyan.dispatch.choices import IncidentType
from lanyan.dispatch.models import Incident
from lanyan.forces.models import Organization
from lanyan.iot.models import Device, DeviceAlarm
from lanyan.prevention.models import (
    Hazard,
    Inspection,
    PatrolVisit,
    Premises,
    SupervisedListing,
)
from lanyan.risk import areas
from lanyan.risk import cells as h3cells
from lanyan.risk import warnings as rules
from lanyan.risk.choices import RiskLevel
from lanyan.risk.indicators import CELL_RESOLUTION, risk_table
from lanyan.risk.inputs import FloatArray, brigade_of_orgs, chunks, gather
from lanyan.risk.models import CellRisk, PremisesRisk, RiskRun
from lanyan.risk.scoring import TravelFn, all_factors, score_inputs

WATERMARK_MARGIN = timedelta(seconds=2)
"""Overlap with the previous run: a write stamped just before it but committed after it is
still seen (rescoring a premises twice is harmless)."""

UNPATROLLED_DAYS_KEY = "patrol_age_days"

RUN_LOCK_KEY = 18_0001
"""PostgreSQL advisory lock held by a scoring run's transaction."""


@dataclass
class RunResult:
    """What one run did."""

    full: bool
    premises_scored: int
    cells_scored: int
    warnings_raised: int
    duration_ms: float
    run_id: int

    def as_dict(self) -> dict[str, Any]:
        """For the API and the CLI."""
        return {
            "full": self.full,
            "premises_scored": self.premises_scored,
            "cells_scored": self.cells_scored,
            "warnings_raised": self.warnings_raised,
            "duration_ms": round(self.duration_ms, 1),
            "run_id": self.run_id,
        }


# ---- travel time -----------------------------------------------------------------------------

ESTIMATE_DETOUR = 1.4
ESTIMATE_SPEED_MPS = 30 / 3.6
"""Without a road network: straight line × 1.4 (a usual road detour factor) at 30 km/h (a fire
engine's urban average); the factor's value says 估算 in the API."""


def estimated_travel(session: Session) -> TravelFn:
    """Seconds from the nearest responding organization, estimated from straight-line distance."""
    from lanyan.forces.choices import OrgKind

    kinds = [k for k in OrgKind if k.responds]
    stations = np.array(
        session.execute(
            select(Organization.lon, Organization.lat).where(
                Organization.kind.in_(kinds),
                Organization.lon.is_not(None),
                Organization.lat.is_not(None),
            )
        ).all(),
        dtype=np.float64,
    ).reshape(-1, 2)

    def travel(lon: FloatArray, lat: FloatArray) -> FloatArray:
        if len(stations) == 0 or len(lon) == 0:
            return np.full(len(lon), np.nan)
        lat0 = math.radians(float(np.mean(stations[:, 1])))
        kx, ky = 111_320.0 * math.cos(lat0), 110_540.0
        best = np.full(len(lon), np.inf)
        for slon, slat in stations:
            d = np.hypot((lon - slon) * kx, (lat - slat) * ky)
            np.minimum(best, d, out=best)
        return best * ESTIMATE_DETOUR / ESTIMATE_SPEED_MPS

    return travel


def network_travel(state: Any) -> TravelFn:
    """Seconds by road from the fastest station (``state``: a planning ``NetworkState``)."""
    from lanyan.planning.coverage import best_seconds
    from lanyan.routing.trees import UNREACHABLE_U16

    best = state.derived.get("risk_best_seconds")
    if best is None:
        best = best_seconds(state.table.station_major).astype(np.float64)
        best[best >= UNREACHABLE_U16] = np.nan
        state.derived["risk_best_seconds"] = best

    def travel(lon: FloatArray, lat: FloatArray) -> FloatArray:
        if len(lon) == 0:
            return np.zeros(0)
        snapped = state.snapper.snap_many(lon, lat)
        out: FloatArray = best[snapped.nodes].astype(np.float64)
        return out

    return travel


def road_travel(session: Session) -> TravelFn | None:
    """Travel by road when the city's road file is registered (``lanyan init --roads``), else
    ``None`` (the caller falls back to :func:`estimated_travel`)."""
    from lanyan.core.config import get_settings
    from lanyan.core.errors import DomainError
    from lanyan.planning.network import RoadNetwork
    from lanyan.system.settings import require_road_file

    settings = get_settings()
    try:
        road_file = require_road_file(session, settings)
    except DomainError:
        return None
    network = RoadNetwork(road_file, settings.cache_dir)
    return network_travel(network.current(session))


# ---- which premises changed ------------------------------------------------------------------


def changed_premises(
    session: Session, since: datetime, last_visit_id: int, last_incident_id: int, now: datetime
) -> list[int]:
    """Premises whose inputs changed since ``since`` (see the module docstring)."""
    parts = [
        select(Premises.id).where(Premises.updated_at >= since),
        select(Premises.id).where(~Premises.id.in_(select(PremisesRisk.premises_id))),
        select(PremisesRisk.premises_id).where(PremisesRisk.stale_at <= now),
        select(Hazard.premises_id).where(
            Hazard.updated_at >= since, Hazard.premises_id.is_not(None)
        ),
        select(Hazard.premises_id)
        .join(SupervisedListing, SupervisedListing.hazard_id == Hazard.id)
        .where(SupervisedListing.updated_at >= since, Hazard.premises_id.is_not(None)),
        select(Inspection.premises_id).where(Inspection.updated_at >= since),
        select(PatrolVisit.premises_id).where(PatrolVisit.id > last_visit_id),
        select(Device.premises_id).where(Device.updated_at >= since),
        select(DeviceAlarm.premises_id).where(DeviceAlarm.updated_at >= since),
        select(Incident.premises_id).where(
            Incident.id > last_incident_id, Incident.premises_id.is_not(None)
        ),
    ]
    return sorted({int(x) for x in session.scalars(union(*parts)) if x is not None})


def changed_fire_cells(session: Session, last_incident_id: int) -> set[str]:
    """Cells of fire incidents recorded since the last run (by id: the incident table's update
    stamp has no index, and a 1M-row scan would cost more than the whole incremental run)."""
    rows = session.execute(
        select(Incident.lon, Incident.lat).where(
            Incident.id > last_incident_id,
            Incident.type == IncidentType.FIRE,
            Incident.is_drill.is_(False),
        )
    ).all()
    if not rows:
        return set()
    return set(
        h3cells.cells_of(
            np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), CELL_RESOLUTION
        )
    )


# ---- the run ---------------------------------------------------------------------------------


def _rose(was: RiskLevel | None, level: RiskLevel) -> bool:
    return was is not None and was.rank < level.rank


def _drivers(factors: dict[str, list[object]], top: int = 3) -> str:
    table = risk_table()
    ranked = sorted(
        ((float(pts), key) for key, (_v, pts) in factors.items() if float(pts) > 0),  # type: ignore[arg-type]
        reverse=True,
    )[:top]
    return "、".join(f"{table.indicator(k).label} +{p:g}" for p, k in ranked) or "无"


def run_scoring(
    session: Session,
    *,
    actor: Actor,
    full: bool = False,
    now: datetime | None = None,
    travel: TravelFn | None = None,
    spikes: Sequence[dict[str, Any]] | None = None,
    seasonal: bool = True,
) -> RunResult:
    """Rescore what changed (or everything with ``full``), write scores, cells and warnings.

    ``travel`` gives seconds from the nearest station (the road network's when the caller has
    one, else :func:`estimated_travel`); ``spikes`` are the forecast's spike cells (each with
    ``cell``, ``expected``, ``usual``, ``ratio``, ``origin``) for the forecast-spike rule.
    """
    actor.require(Action.RISK_SCORE)
    started = time.perf_counter()
    if session.get_bind().dialect.name == "postgresql":
        # one run at a time: two would delete and insert the same rows (SQLite serializes writers)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RUN_LOCK_KEY})
    now = now or utcnow()
    table = risk_table()
    travel = travel or estimated_travel(session)
    last = session.scalars(select(RiskRun).order_by(RiskRun.id.desc()).limit(1)).first()
    if last is None:
        full = True
    last_visit_id = int(session.scalar(select(func.max(PatrolVisit.id))) or 0)
    last_incident_id = int(session.scalar(select(func.max(Incident.id))) or 0)

    ids: list[int] | None = None
    fire_cells: set[str] = set()
    if not full:
        assert last is not None
        since = last.started_at - WATERMARK_MARGIN
        ids = changed_premises(session, since, last.last_visit_id, last.last_incident_id, now)
        fire_cells = changed_fire_cells(session, last.last_incident_id)

    data = gather(session, ids, now)
    data.numeric["travel_s"] = travel(data.lon, data.lat) if len(data) else np.zeros(0)
    scored = score_inputs(data, table)
    k_travel = scored.keys.index("travel_s")
    cells = h3cells.cells_of(data.lon, data.lat, CELL_RESOLUTION) if len(data) else []

    # previous levels and cells of the premises rescored (for level_up and the cells they leave)
    previous: dict[int, RiskLevel] = {}
    old_cells: set[str] = set()
    if ids is None:
        previous = {
            int(p): lv
            for p, lv in session.execute(select(PremisesRisk.premises_id, PremisesRisk.level))
        }
        session.execute(delete(PremisesRisk))
    else:
        for part in chunks(ids):
            for pid, level, cell in session.execute(
                select(PremisesRisk.premises_id, PremisesRisk.level, PremisesRisk.cell).where(
                    PremisesRisk.premises_id.in_(part)
                )
            ):
                previous[int(pid)] = level
                old_cells.add(cell)
            session.execute(delete(PremisesRisk).where(PremisesRisk.premises_id.in_(part)))

    rows = []
    factors_of = all_factors(scored)
    for i in range(len(data)):
        factors = factors_of[i]
        rows.append(
            {
                "premises_id": int(data.ids[i]),
                "cell": cells[i],
                "score": float(scored.score[i]),
                "level": scored.levels[i],
                "factors": factors,
                "travel_s": scored.values[k_travel][i],
                "stale_at": data.next_change[i],
                "computed_at": now,
            }
        )
    if rows:
        session.execute(insert(cast(Table, PremisesRisk.__table__)), rows)

    n_cells = _score_cells(
        session,
        full=ids is None,
        touched=old_cells | set(cells) | fire_cells,
        fire_cells=fire_cells,
        table=table,
        travel=travel,
        now=now,
    )

    # warnings
    routed = rules.assignees(
        session,
        [(int(data.ids[i]), data.officer_id[i], data.grid_id[i]) for i in range(len(data))],
    )
    drafts = rules.premises_drafts(
        rows=[
            {
                "premises_id": int(data.ids[i]),
                "org_id": data.org_id[i],
                "name": data.names[i],
                "score": float(scored.score[i]),
                "level": scored.levels[i],
                "control_level": data.control_level[i],
                "major_overdue": float(data.numeric["major_overdue"][i]),
                "alarms_7d": float(data.numeric["alarms_7d"][i]),
                # what drives the score: only worded for a premises whose level rose
                "drivers": _drivers(factors_of[i])
                if _rose(previous.get(int(data.ids[i])), scored.levels[i])
                else "",
            }
            for i in range(len(data))
        ],
        previous=previous,
        routed=routed,
    )
    if seasonal:
        drafts.extend(rules.season_drafts(session, now))
    if spikes:
        drafts.extend(rules.spike_drafts(session, spikes))
    raised = rules.insert_new(session, actor=actor, drafts=drafts, now=now)

    duration_ms = (time.perf_counter() - started) * 1000.0
    run = RiskRun(
        started_at=now,
        finished_at=utcnow(),
        full=ids is None,
        premises_scored=len(data),
        cells_scored=n_cells,
        warnings_raised=raised,
        last_visit_id=last_visit_id,
        last_incident_id=last_incident_id,
        duration_ms=duration_ms,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="score",
        entity="risk_run",
        entity_id=run.id,
        after=audit.snapshot(run),
    )
    return RunResult(ids is None, len(data), n_cells, raised, duration_ms, run.id)


def _score_cells(
    session: Session,
    *,
    full: bool,
    touched: set[str],
    fire_cells: set[str],
    table: Any,
    travel: TravelFn,
    now: datetime,
) -> int:
    if not full and not touched:
        return 0
    brigade_of = brigade_of_orgs(session)
    township_of = areas.township_of_grids(session)
    stmt = select(
        PremisesRisk.premises_id,
        PremisesRisk.cell,
        PremisesRisk.score,
        PremisesRisk.factors,
        Premises.org_id,
        Premises.grid_id,
        Premises.category,
    ).join(Premises, Premises.id == PremisesRisk.premises_id)
    results: list[Any] = []
    if full:
        results = list(session.execute(stmt).all())
    else:
        for part in chunks(sorted(touched)):
            results.extend(session.execute(stmt.where(PremisesRisk.cell.in_(part))).all())
    unpatrolled_days = table.cell["unpatrolled_days"]
    drafts: dict[str, areas.CellDraft]
    if full:
        drafts = {}
        areas.count_fires(session, drafts, now, None)
    else:
        keep = sorted(touched - fire_cells)
        drafts = areas.stored_fires(session, keep)
        for cell in keep:
            drafts.setdefault(cell, areas.CellDraft())
        recount = {c: areas.CellDraft() for c in fire_cells}
        areas.count_fires(session, recount, now, fire_cells)
        for cell in fire_cells:
            drafts[cell] = recount[cell]
    for pid, cell, score, factors, org_id, grid_id, category in results:
        patrol = factors.get(UNPATROLLED_DAYS_KEY, [None])[0]
        drafts.setdefault(cell, areas.CellDraft()).members.append(
            areas.Member(
                premises_id=int(pid),
                cell=cell,
                score=float(score),
                category=category.value,
                unpatrolled=patrol is None or float(patrol) >= unpatrolled_days,
                overdue=int(factors.get("hazards_overdue", [0])[0] or 0),
                brigade_id=brigade_of.get(int(org_id)),
                township_id=township_of.get(int(grid_id)) if grid_id is not None else None,
            )
        )
    # a cell left empty (no premises, no fire) disappears
    drafts = {c: d for c, d in drafts.items() if d.members or d.fires}
    cell_rows = areas.build_rows(drafts, table=table, travel=travel, now=now)
    areas.replace_cells(session, cell_rows, None if full else sorted(touched))
    return len(cell_rows)


def forecast_spikes(session: Session, today: date | None = None) -> list[dict[str, Any]]:
    """The 7-day forecast's spike cells from the incident history (:mod:`lanyan.risk.forecast`)."""
    from lanyan.risk.calls import history_from_db
    from lanyan.risk.forecast import forecast_cells

    history = history_from_db(session)
    if len(history) == 0:
        return []
    origin = today or (utcnow() + timedelta(hours=8)).date()
    forecast = forecast_cells(history, origin=origin, horizon=7, resolution=CELL_RESOLUTION)
    spikes = forecast.spikes(ratio=rules.SPIKE_RATIO, min_expected=rules.SPIKE_MIN_CALLS)
    return [{**s, "origin": origin.isoformat()} for s in spikes]


def previous_cells(session: Session) -> int:
    """How many cells are stored (for the CLI's summary)."""
    return int(session.scalar(select(func.count()).select_from(CellRisk)) or 0)
