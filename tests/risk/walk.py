"""Risk records of one side of the jurisdiction walk (tests/test_jurisdiction_walk.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lanyan.core.clock import utcnow
from lanyan.risk import cells as h3cells
from lanyan.risk.choices import RiskLevel, WarningRule, WarningStatus
from lanyan.risk.indicators import CELL_RESOLUTION
from lanyan.risk.models import CellRisk, PremisesRisk, RiskWarning


def risk_walk_records(
    session: Session, *, org_id: int, premises_id: int, tag: str, lon: float, lat: float
) -> dict[str, int]:
    """The premises' score, a cell of the side's own and an open warning carrying ``tag``."""
    now = utcnow()
    cell = h3cells.cell_of(lon, lat, CELL_RESOLUTION)
    session.add(
        PremisesRisk(
            premises_id=premises_id,
            cell=cell,
            score=45.0,
            level=RiskLevel.ELEVATED,
            factors={"hazards_open": [1, 2.0], "venue_type": ["shopping", 12.0]},
            travel_s=200.0,
            stale_at=None,
            computed_at=now,
        )
    )
    session.add(
        CellRisk(
            cell=cell,
            org_id=org_id,
            township_grid_id=None,
            lon=lon,
            lat=lat,
            score=30.0,
            level=RiskLevel.MEDIUM,
            inputs={"premises_scores": [45.0], "fires": 1, "note": f"{tag}"},
            groups={"hazard_sources": 45.0},
            computed_at=now,
        )
    )
    warning = RiskWarning(
        rule=WarningRule.LEVEL_UP,
        key=f"walk:{premises_id}",
        status=WarningStatus.OPEN,
        level=RiskLevel.ELEVATED,
        org_id=org_id,
        premises_id=premises_id,
        cell=cell,
        assignee_id=None,
        title=f"{tag}风险预警",
        detail=f"{tag}详情",
        raised_at=now,
        note=f"{tag}处置",
    )
    session.add(warning)
    session.flush()
    return {"warning_id": warning.id}
