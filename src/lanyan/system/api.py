"""Health and reference data: what a load balancer and the UI ask before anything else."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from lanyan import __version__
from lanyan.core.permissions import Role
from lanyan.forces.choices import (
    OrgGrade,
    OrgKind,
    UnitStatus,
    UnitType,
    WaterSourceKind,
    WaterSourceState,
)
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType

router = APIRouter(tags=["system 系统"])

CHOICES = {
    "role": Role,
    "org_kind": OrgKind,
    "org_grade": OrgGrade,
    "unit_type": UnitType,
    "unit_status": UnitStatus,
    "water_source_kind": WaterSourceKind,
    "water_source_state": WaterSourceState,
    "premises_category": PremisesCategory,
    "venue_type": VenueType,
    "control_level": ControlLevel,
}


@router.get("/api/health")
def health(request: Request) -> JSONResponse:
    """Whether the database answers, which one it is, and the version running."""
    engine = request.app.state.engine
    body: dict[str, Any] = {"version": __version__, "database": engine.dialect.name}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        body |= {"status": "ok", "database_ok": True, "schema_revision": revision}
        return JSONResponse(body)
    except Exception as exc:
        body |= {"status": "error", "database_ok": False, "error": type(exc).__name__}
        return JSONResponse(body, status_code=503)


@router.get("/api/meta/choices")
def choices() -> dict[str, list[dict[str, Any]]]:
    """Every choice list with its Chinese and English labels and colours (for the UI)."""
    return {name: enum.describe() for name, enum in CHOICES.items()}
