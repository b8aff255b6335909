"""What the risk pages, the map layers and the report read: every read through the jurisdiction.

- :func:`explain` — one premises' score as a list of factors, largest first ("why is it red");
- :func:`premises_layer` / :func:`cells_layer` — GeoJSON for the one map;
- :func:`area_summary` — brigades or townships: the mean of their cells' scores, counts by level;
- :func:`risk_coverage` — the share of *risk* (sum of premises scores) within the 5-minute
  travel budget, beside the share of premises and of cells (area).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.choices import Choice
from lanyan.core.jurisdiction import get_visible, visible_condition
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.forces.models import Organization
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType
from lanyan.prevention.models import Grid, Premises
from lanyan.risk import cells as h3cells
from lanyan.risk.choices import RiskLevel
from lanyan.risk.indicators import GROUPS, risk_table
from lanyan.risk.models import CellRisk, PremisesRisk


def ranking(actor: Actor, level: RiskLevel | None = None) -> Select[PremisesRisk, str, int]:
    """Scored premises in the jurisdiction, riskiest first."""
    actor.require(Action.READ)
    stmt = (
        select(PremisesRisk, Premises.name, Premises.org_id)
        .join(Premises, Premises.id == PremisesRisk.premises_id)
        .where(visible_condition(actor, PremisesRisk))
    )
    if level is not None:
        stmt = stmt.where(PremisesRisk.level == level)
    return stmt.order_by(PremisesRisk.score.desc(), PremisesRisk.premises_id)


CATEGORICAL: dict[str, type[Choice]] = {
    "venue_type": VenueType,
    "category": PremisesCategory,
    "control_level": ControlLevel,
}
"""Indicators whose input is a choice: shown by its Chinese label."""


def _shown(key: str, value: Any) -> Any:
    choice = CATEGORICAL.get(key)
    if choice is None or value is None:
        return value
    try:
        return choice(value).zh
    except ValueError:
        return value


def factor_list(factors: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Factors of a score row with their labels, units and sources, largest points first."""
    table = risk_table()
    out = []
    for ind in table.indicators:
        value, points = factors.get(ind.key, [None, 0.0])
        out.append(
            {
                "key": ind.key,
                "label": ind.label,
                "value_zh": _shown(ind.key, value),
                "group": ind.group,
                "group_zh": GROUPS[ind.group],
                "value": value,
                "unit": ind.unit,
                "points": float(points),
                "source": ind.source,
            }
        )
    out.sort(key=lambda f: (-float(f["points"]), str(f["key"])))
    return out


def explain(session: Session, actor: Actor, premises_id: int) -> dict[str, Any]:
    """One premises' score, level and every factor (404 outside the jurisdiction or unscored)."""
    actor.require(Action.READ)
    row = get_visible(session, actor, PremisesRisk, premises_id)
    premises = session.get(Premises, premises_id)
    assert premises is not None
    return {
        "premises_id": premises_id,
        "name": premises.name,
        "score": row.score,
        "level": row.level,
        "cell": row.cell,
        "travel_s": row.travel_s,
        "computed_at": row.computed_at,
        "factors": factor_list(row.factors),
    }


def premises_layer(session: Session, actor: Actor) -> dict[str, Any]:
    """Scored premises as GeoJSON points (property ``level`` and its colour)."""
    actor.require(Action.READ)
    rows = session.execute(
        select(
            PremisesRisk.premises_id,
            PremisesRisk.score,
            PremisesRisk.level,
            Premises.name,
            Premises.lon,
            Premises.lat,
            PremisesRisk.factors,
        )
        .join(Premises, Premises.id == PremisesRisk.premises_id)
        .where(visible_condition(actor, PremisesRisk))
        .order_by(PremisesRisk.score)
    ).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": pid,
                    "name": name,
                    "score": score,
                    "level": level.value,
                    "level_zh": level.zh,
                    "color": level.color,
                    "listed": bool((factors.get("listing_open") or [0])[0]),
                    "hazards_open": (factors.get("hazards_open") or [0])[0],
                },
            }
            for pid, score, level, name, lon, lat, factors in rows
        ],
    }


def cells_layer(session: Session, actor: Actor) -> dict[str, Any]:
    """Cells as GeoJSON hexagons with their score, level, colour and group sub-scores."""
    actor.require(Action.READ)
    rows = session.scalars(
        select(CellRisk).where(visible_condition(actor, CellRisk)).order_by(CellRisk.cell)
    ).all()
    features = []
    for c in rows:
        ring = [list(p) for p in h3cells.cell_boundary(c.cell)]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": c.cell,
                    "score": c.score,
                    "level": c.level.value,
                    "level_zh": c.level.zh,
                    "color": c.level.color,
                    "groups": c.groups,
                    "premises": len(c.inputs.get("premises_scores", [])),
                    "fires": c.inputs.get("fires", 0),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def area_summary(session: Session, actor: Actor, by: str = "brigade") -> list[dict[str, Any]]:
    """Per brigade (``by="brigade"``) or township grid (``"township"``): the mean score of its
    cells (the area's score), its level, the worst cell and how many premises at each level."""
    actor.require(Action.READ)
    from lanyan.risk.indicators import level_of

    key_col = CellRisk.org_id if by == "brigade" else CellRisk.township_grid_id
    cells = session.execute(
        select(key_col, CellRisk.score, CellRisk.cell, CellRisk.groups).where(
            visible_condition(actor, CellRisk), key_col.is_not(None)
        )
    ).all()
    grouped: dict[int, list[tuple[float, str, dict[str, float]]]] = defaultdict(list)
    for key, score, cell, groups in cells:
        grouped[int(key)].append((float(score), cell, groups))
    if by == "brigade":
        names = dict(
            session.execute(
                select(Organization.id, Organization.name).where(Organization.id.in_(grouped))
            ).all()
        )
    else:
        names = dict(session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(grouped))).all())
    levels = _premises_levels(session, actor, by)
    out: list[dict[str, Any]] = []
    for key, members in grouped.items():
        mean = round(sum(m[0] for m in members) / len(members), 2)
        worst = max(members)
        group_means = {
            g: round(sum(m[2].get(g, 0.0) for m in members) / len(members), 2) for g in GROUPS
        }
        out.append(
            {
                "id": key,
                "name": names.get(key, str(key)),
                "score": mean,
                "level": level_of(mean),
                "cells": len(members),
                "worst_cell": worst[1],
                "worst_cell_score": worst[0],
                "groups": group_means,
                "premises_by_level": levels.get(key, {lv.value: 0 for lv in RiskLevel}),
            }
        )
    out.sort(key=lambda a: (-float(a["score"]), str(a["name"])))
    return out


def _premises_levels(session: Session, actor: Actor, by: str) -> dict[int, dict[str, int]]:
    from lanyan.risk.areas import township_of_grids
    from lanyan.risk.inputs import brigade_of_orgs

    rows = session.execute(
        select(Premises.org_id, Premises.grid_id, PremisesRisk.level)
        .join(Premises, Premises.id == PremisesRisk.premises_id)
        .where(visible_condition(actor, PremisesRisk))
    ).all()
    mapping: dict[int, int | None]
    mapping = brigade_of_orgs(session) if by == "brigade" else township_of_grids(session)
    out: dict[int, dict[str, int]] = {}
    for org_id, grid_id, level in rows:
        key = mapping.get(int(org_id if by == "brigade" else (grid_id or 0)))
        if key is None:
            continue
        counts = out.setdefault(key, {lv.value: 0 for lv in RiskLevel})
        counts[level.value] += 1
    return out


def risk_coverage(session: Session, actor: Actor) -> dict[str, Any]:
    """Share of risk within the 5-minute travel budget, against shares of premises and of area.

    Risk is the sum of premises scores; a premises counts as covered when its stored travel time
    from the nearest station is within the urban travel budget (the 5-minute standard less the
    turnout allowance, from the standards table). Area is the share of cells whose centre is.
    """
    actor.require(Action.READ)
    table = standards()
    budget = table["urban_arrival_s"] - table["station_turnout_s"]
    rows = session.execute(
        select(PremisesRisk.score, PremisesRisk.travel_s).where(
            visible_condition(actor, PremisesRisk)
        )
    ).all()
    cells = session.execute(
        select(CellRisk.inputs).where(visible_condition(actor, CellRisk))
    ).scalars()
    risk_total = sum(float(s) for s, _t in rows)
    risk_in = sum(float(s) for s, t in rows if t is not None and t <= budget)
    n_in = sum(1 for _s, t in rows if t is not None and t <= budget)
    cell_times = [c.get("travel_s") for c in cells]
    area_in = sum(1 for t in cell_times if t is not None and t <= budget)
    return {
        "budget_s": budget,
        "risk_share": round(risk_in / risk_total, 4) if risk_total else None,
        "premises_share": round(n_in / len(rows), 4) if rows else None,
        "area_share": round(area_in / len(cell_times), 4) if cell_times else None,
        "risk_total": round(risk_total, 1),
        "risk_covered": round(risk_in, 1),
        "premises": len(rows),
        "cells": len(cell_times),
    }
