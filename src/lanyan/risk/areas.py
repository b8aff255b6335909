"""Cell risk: the premises, fires and travel time of each H3 cell, aggregated by indicator group.

A cell exists where a premises stands or a fire was recorded in the look-back window. Its inputs
are kept on the row (``inputs``) beside the group sub-scores (``groups``) and the score, so the
aggregation (:func:`lanyan.risk.indicators.cell_groups`, :func:`~lanyan.risk.indicators.cell_score`)
can be checked from the row alone. Brigade and township areas are summaries of their cells
(:func:`area_summary`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, and_, delete, func, insert, select
from sqlalchemy.orm import Session

from lanyan.dispatch.choices import IncidentType
from lanyan.dispatch.models import Incident
from lanyan.prevention.choices import GridLevel
from lanyan.prevention.models import Grid
from lanyan.risk import cells as h3cells
from lanyan.risk.indicators import (
    CELL_RESOLUTION,
    WINDOWS,
    RiskTable,
    cell_groups,
    cell_score,
    level_of,
)
from lanyan.risk.inputs import chunks
from lanyan.risk.models import CellRisk
from lanyan.risk.scoring import TravelFn


@dataclass
class Member:
    """A premises as a cell sees it."""

    premises_id: int
    cell: str
    score: float
    category: str
    unpatrolled: bool
    overdue: int
    brigade_id: int | None
    township_id: int | None


@dataclass
class CellDraft:
    """What a cell gathers before it is scored."""

    members: list[Member] = field(default_factory=list)
    fires: int = 0
    fire_brigades: Counter[int] = field(default_factory=Counter)


def township_of_grids(session: Session) -> dict[int, int | None]:
    """Every grid → the township grid (乡镇（街道）网格) it lies in (itself for a township)."""
    rows = {
        gid: (parent, level)
        for gid, parent, level in session.execute(select(Grid.id, Grid.parent_id, Grid.level))
    }
    out: dict[int, int | None] = {}
    for gid in rows:
        current: int | None = gid
        seen = 0
        while current is not None and seen < 10:
            parent, level = rows[current]
            if level == GridLevel.TOWNSHIP:
                break
            current = parent
            seen += 1
        out[gid] = (
            current if current is not None and rows[current][1] == GridLevel.TOWNSHIP else None
        )
    return out


def fire_window_start(now: datetime) -> datetime:
    """Start of the cells' fire look-back (the same window as the premises' fires)."""
    return now - timedelta(days=365.25 * WINDOWS["fires_years"])


FIRE_BIN_DEG = 1e-4
"""Fires are counted per 0.0001° bin (about 11 m) before their bins are put in cells: one H3
look-up per place instead of one per incident; a bin straddles a cell edge only within 11 m."""


def scan_window(column: Any) -> Any:
    """``column`` wrapped so the planner does not pick its index: for a window covering most of
    the table, SQLite would walk the time index and fetch every row at random (7 s instead of
    0.3 s for a million incidents); PostgreSQL scans either way."""
    return func.coalesce(column, column)


def count_fires(
    session: Session, drafts: dict[str, CellDraft], now: datetime, cells: Iterable[str] | None
) -> None:
    """Add the fires of the look-back window to the drafts (of ``cells`` only, when given:
    then only the incidents inside those cells' bounding box are read)."""
    received = scan_window(Incident.received_at)
    stmt = select(Incident.lon, Incident.lat, Incident.brigade_id).where(
        Incident.type == IncidentType.FIRE,
        Incident.is_drill.is_(False),  # a 拉动演练 is no fire
        received >= fire_window_start(now),
        received < now,
    )
    wanted: set[str] | None = None
    if cells is not None:
        wanted = set(cells)
        if not wanted:
            return
        lons: list[float] = []
        lats: list[float] = []
        for cell in wanted:
            for lon, lat in h3cells.cell_boundary(cell):
                lons.append(lon)
                lats.append(lat)
        stmt = stmt.where(
            and_(
                Incident.lon.between(min(lons), max(lons)),
                Incident.lat.between(min(lats), max(lats)),
            )
        )
    rows = session.execute(stmt).all()
    if not rows:
        return
    data = np.array(
        [(r[0], r[1], -1 if r[2] is None else r[2]) for r in rows], dtype=np.float64
    ).reshape(-1, 3)
    # one key per (bin, brigade): bins of ~11 m, counted with numpy, looked up in H3 once each
    keys = np.round(data[:, :2] / FIRE_BIN_DEG).astype(np.int64)
    triples = np.column_stack([keys, data[:, 2].astype(np.int64)])
    unique, counts = np.unique(triples, axis=0, return_counts=True)
    bins, where = np.unique(unique[:, :2], axis=0, return_inverse=True)
    bin_cells = h3cells.cells_of(
        bins[:, 0].astype(np.float64) * FIRE_BIN_DEG,
        bins[:, 1].astype(np.float64) * FIRE_BIN_DEG,
        CELL_RESOLUTION,
    )
    for (_x, _y, brigade), count, b in zip(
        unique.tolist(), counts.tolist(), where.ravel().tolist(), strict=True
    ):
        cell = bin_cells[b]
        if wanted is not None and cell not in wanted:
            continue
        draft = drafts.setdefault(cell, CellDraft())
        draft.fires += int(count)
        if brigade >= 0:
            draft.fire_brigades[int(brigade)] += int(count)


def _majority(values: Iterable[int | None]) -> int | None:
    counts = Counter(v for v in values if v is not None)
    return min(counts, key=lambda k: (-counts[k], k)) if counts else None


def build_rows(
    drafts: dict[str, CellDraft],
    *,
    table: RiskTable,
    travel: TravelFn,
    now: datetime,
) -> list[dict[str, Any]]:
    """The ``risk_cell`` rows of the drafts: inputs, group sub-scores, score and level."""
    names = sorted(drafts)
    if not names:
        return []
    centres = [h3cells.cell_center(c) for c in names]
    seconds = travel(
        np.array([c[0] for c in centres], dtype=np.float64),
        np.array([c[1] for c in centres], dtype=np.float64),
    )
    rows = []
    for i, name in enumerate(names):
        draft = drafts[name]
        members = draft.members
        t = float(seconds[i])
        inputs: dict[str, Any] = {
            "premises_scores": [round(m.score, 2) for m in members],
            "key_units": sum(1 for m in members if m.category == "key_unit"),
            "small_venues": sum(1 for m in members if m.category == "small_venue"),
            "general": sum(1 for m in members if m.category not in ("key_unit", "small_venue")),
            "travel_s": None if np.isnan(t) else round(t, 1),
            "fires": draft.fires,
            "fire_brigades": {str(k): v for k, v in draft.fire_brigades.items()},
            "unpatrolled": sum(1 for m in members if m.unpatrolled),
            "overdue": sum(m.overdue for m in members),
        }
        groups = cell_groups(inputs, table)
        score = cell_score(groups, table)
        brigade = _majority(m.brigade_id for m in members)
        if brigade is None and draft.fire_brigades:
            brigade = _majority(draft.fire_brigades.elements())
        rows.append(
            {
                "cell": name,
                "org_id": brigade,
                "township_grid_id": _majority(m.township_id for m in members),
                "lon": centres[i][0],
                "lat": centres[i][1],
                "score": score,
                "level": level_of(score, table.level_cuts),
                "inputs": inputs,
                "groups": groups,
                "computed_at": now,
            }
        )
    return rows


def replace_cells(
    session: Session, rows: Sequence[dict[str, Any]], cells: Sequence[str] | None
) -> None:
    """Write ``rows``, replacing ``cells`` (every cell when ``None``)."""
    if cells is None:
        session.execute(delete(CellRisk))
    else:
        for part in chunks(list(cells)):
            session.execute(delete(CellRisk).where(CellRisk.cell.in_(part)))
    if rows:
        session.execute(insert(cast(Table, CellRisk.__table__)), list(rows))


def stored_fires(session: Session, cells: Sequence[str]) -> dict[str, CellDraft]:
    """Drafts carrying the fires stored on the cells' rows (cells whose incidents did not change
    keep their count until the next full run)."""
    out: dict[str, CellDraft] = {}
    for part in chunks(list(cells)):
        for cell, inputs in session.execute(
            select(CellRisk.cell, CellRisk.inputs).where(CellRisk.cell.in_(part))
        ):
            draft = out.setdefault(cell, CellDraft())
            draft.fires = int(inputs.get("fires", 0))
            draft.fire_brigades = Counter(
                {int(k): int(v) for k, v in (inputs.get("fire_brigades") or {}).items()}
            )
    return out


def members_by_cell(members: Iterable[Member]) -> dict[str, list[Member]]:
    """Members grouped by their cell."""
    out: dict[str, list[Member]] = defaultdict(list)
    for m in members:
        out[m.cell].append(m)
    return out
