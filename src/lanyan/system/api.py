"""Health and reference data: what a load balancer and the UI ask before anything else."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from lanyan import __version__
from lanyan.core.permissions import Role
from lanyan.dispatch.choices import (
    TYPE_OF,
    AssignmentStatus,
    EventKind,
    IncidentStatus,
    IncidentSubtype,
    IncidentType,
)
from lanyan.dispatch.grading import FireGrade, GradingEdition
from lanyan.forces.choices import (
    OrgGrade,
    OrgKind,
    UnitStatus,
    UnitType,
    WaterSourceKind,
    WaterSourceState,
)
from lanyan.prevention.choices import (
    ControlLevel,
    GridLevel,
    HazardSeverity,
    HazardStatus,
    InspectionOutcome,
    ListingLevel,
    ListingStatus,
    PremisesCategory,
    VenueType,
)
from lanyan.system.settings import road_file_choice

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
    "incident_type": IncidentType,
    "incident_status": IncidentStatus,
    "assignment_status": AssignmentStatus,
    "event_kind": EventKind,
    "fire_grade": FireGrade,
    "fire_grade_edition": GradingEdition,
    "grid_level": GridLevel,
    "hazard_severity": HazardSeverity,
    "hazard_status": HazardStatus,
    "listing_level": ListingLevel,
    "listing_status": ListingStatus,
    "inspection_outcome": InspectionOutcome,
}


@router.get("/api/health")
def health(request: Request) -> JSONResponse:
    """Whether the database answers, which one it is, the version running and the road file."""
    engine = request.app.state.engine
    body: dict[str, Any] = {"version": __version__, "database": engine.dialect.name}
    try:
        with Session(engine) as session:
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            road = road_file_choice(session, request.app.state.settings).as_dict()
        body |= {
            "status": "ok",
            "database_ok": True,
            "schema_revision": revision,
            "road_file": road,
        }
        return JSONResponse(body)
    except Exception as exc:
        body |= {"status": "error", "database_ok": False, "error": type(exc).__name__}
        return JSONResponse(body, status_code=503)


@router.get("/api/meta/choices")
def choices() -> dict[str, list[dict[str, Any]]]:
    """Every choice list with its Chinese and English labels and colours (for the UI)."""
    out = {name: enum.describe() for name, enum in CHOICES.items()}
    out["incident_subtype"] = [
        {**item, "type": TYPE_OF[IncidentSubtype(item["value"])].value}
        for item in IncidentSubtype.describe()
    ]
    return out


ATTRIBUTION = (
    "地图数据 © OpenStreetMap contributors（ODbL 1.0） Map data © OpenStreetMap contributors"
)

_INDEX = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>蓝焰 Lanyan</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:3rem;color:#222}}
h1{{color:#1565c0}} footer{{margin-top:3rem;color:#666;font-size:.9rem}}</style></head>
<body><h1>蓝焰 Lanyan</h1>
<p>消防救援支队接处警调度、一张图与防火监督平台。</p>
<ul><li><a href="/docs">API 文档（OpenAPI）</a></li><li><a href="/api/health">系统状态</a></li></ul>
<footer>{ATTRIBUTION}</footer></body></html>"""


@router.get("/", include_in_schema=False)
def index() -> HTMLResponse:
    """A start page until the web console lands; it carries the map data attribution."""
    return HTMLResponse(_INDEX)


@router.get("/api/meta/attribution")
def attribution() -> dict[str, str]:
    """The credit every map view must show for the OpenStreetMap data."""
    return {"attribution": ATTRIBUTION, "licence": "ODbL-1.0"}
