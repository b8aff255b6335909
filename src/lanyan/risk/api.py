"""Risk API (风险感知与预警): scores and why, map layers, areas, coverage, warnings, the report."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from lanyan.api.deps import CurrentActor, Limit, Offset, SessionDep, id_path
from lanyan.api.paging import Page, count
from lanyan.core.permissions import Action
from lanyan.planning.api import NetworkDep
from lanyan.risk import report, service, views
from lanyan.risk import warnings as rules
from lanyan.risk.choices import RiskLevel, WarningRule, WarningStatus
from lanyan.risk.schemas import (
    AreaRisk,
    PremisesRiskDetail,
    PremisesRiskRow,
    RiskCoverage,
    RunPublic,
    ScoreRequest,
    WarningMove,
    WarningPublic,
)

router = APIRouter(prefix="/api/risk", tags=["risk 风险感知与预警"])
PremisesId = Annotated[int, id_path("premises id")]
WarningId = Annotated[int, id_path("warning id")]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.post("/score", response_model=RunPublic)
def score(body: ScoreRequest, actor: CurrentActor, session: SessionDep, network: NetworkDep) -> Any:
    """Recompute the scores (only what changed unless ``full``) and raise the warnings due.

    Travel times come from the road network when it is loaded, else from a straight-line
    estimate (see docs/risk.md)."""
    actor.require(Action.RISK_SCORE)
    travel = None
    if network.describe().get("loaded"):
        travel = service.network_travel(network.current(session))
    result = service.run_scoring(session, actor=actor, full=body.full, travel=travel)
    session.commit()
    return result.as_dict()


@router.get("/premises", response_model=Page[PremisesRiskRow])
def list_premises(
    actor: CurrentActor,
    session: SessionDep,
    level: RiskLevel | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PremisesRiskRow]:
    """Scored premises in your jurisdiction, riskiest first."""
    stmt = views.ranking(actor, level)
    items = []
    for row, name, _org in session.execute(stmt.limit(limit).offset(offset)).all():
        factors = views.factor_list(row.factors)
        items.append(
            PremisesRiskRow(
                premises_id=row.premises_id,
                name=name,
                score=row.score,
                level=row.level,
                level_zh=row.level.zh,
                color=row.level.color,
                cell=row.cell,
                travel_s=row.travel_s,
                computed_at=row.computed_at,
                drivers=[
                    {"label": f["label"], "points": f["points"], "value": f["value"]}
                    for f in factors[:3]
                    if f["points"] > 0
                ],
            )
        )
    return Page[PremisesRiskRow](
        items=items,
        total=count(session, stmt),  # type: ignore[arg-type]
        limit=limit,
        offset=offset,
    )


@router.get("/premises/{premises_id}", response_model=PremisesRiskDetail)
def explain(premises_id: PremisesId, actor: CurrentActor, session: SessionDep) -> Any:
    """Why a premises has its score: every indicator's input, points and reason."""
    return views.explain(session, actor, premises_id)


@router.get("/layers/premises")
def premises_layer(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """GeoJSON points: scored premises coloured by level (one-map layer)."""
    return views.premises_layer(session, actor)


@router.get("/layers/cells")
def cells_layer(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """GeoJSON hexagons: the cell choropleth (one-map layer)."""
    return views.cells_layer(session, actor)


@router.get("/areas", response_model=list[AreaRisk])
def areas(
    actor: CurrentActor,
    session: SessionDep,
    by: Literal["brigade", "township"] = "brigade",
) -> Any:
    """Brigades or townships by risk: mean of their cells, premises by level."""
    return views.area_summary(session, actor, by)


@router.get("/coverage", response_model=RiskCoverage)
def coverage(actor: CurrentActor, session: SessionDep) -> Any:
    """Risk-weighted coverage: the share of risk (not of area) within 5 minutes."""
    return views.risk_coverage(session, actor)


@router.get("/warnings", response_model=Page[WarningPublic])
def list_warnings(
    actor: CurrentActor,
    session: SessionDep,
    status: WarningStatus | None = None,
    rule: WarningRule | None = None,
    open_only: bool = False,
    mine: bool = False,
    premises_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[WarningPublic]:
    """Early warnings in your jurisdiction (``mine``: those routed to you)."""
    stmt = rules.query_warnings(
        actor=actor,
        status=status,
        rule=rule,
        open_only=open_only,
        mine=mine,
        premises_id=premises_id,
    )
    rows = session.scalars(stmt.limit(limit).offset(offset)).unique().all()
    return Page[WarningPublic](
        items=[WarningPublic.model_validate(r) for r in rows],
        total=count(session, stmt),
        limit=limit,
        offset=offset,
    )


def _move(
    session: SessionDep, actor: CurrentActor, warning_id: int, to: WarningStatus, body: WarningMove
) -> WarningPublic:
    warning = rules.move_warning(session, actor=actor, warning_id=warning_id, to=to, note=body.note)
    session.commit()
    return WarningPublic.model_validate(warning)


@router.post("/warnings/{warning_id}/acknowledge", response_model=WarningPublic)
def acknowledge(
    warning_id: WarningId, body: WarningMove, actor: CurrentActor, session: SessionDep
) -> WarningPublic:
    """Sign for a warning (签收)."""
    return _move(session, actor, warning_id, WarningStatus.ACKNOWLEDGED, body)


@router.post("/warnings/{warning_id}/handle", response_model=WarningPublic)
def handle(
    warning_id: WarningId, body: WarningMove, actor: CurrentActor, session: SessionDep
) -> WarningPublic:
    """Start handling a warning (处置中)."""
    return _move(session, actor, warning_id, WarningStatus.HANDLING, body)


@router.post("/warnings/{warning_id}/close", response_model=WarningPublic)
def close(
    warning_id: WarningId, body: WarningMove, actor: CurrentActor, session: SessionDep
) -> WarningPublic:
    """Close a warning with what was done (办结)."""
    return _move(session, actor, warning_id, WarningStatus.CLOSED, body)


@router.get("/report.docx", response_class=Response)
def assessment_report(actor: CurrentActor, session: SessionDep) -> Response:
    """The city fire-risk assessment (消防安全风险评估报告) as a Word document."""
    actor.require(Action.EXPORT)
    data = report.build_report(session, actor)
    return Response(
        content=data,
        media_type=DOCX,
        headers={"Content-Disposition": 'attachment; filename="risk-assessment.docx"'},
    )
