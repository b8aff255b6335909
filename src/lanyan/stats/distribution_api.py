"""Distributions behind the dashboard's charts (same figures as the report, finer grained)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from lanyan.api.deps import CurrentActor, SessionDep
from lanyan.core.standards import standards
from lanyan.stats.api import FromDate, ToDate
from lanyan.stats.periods import Period
from lanyan.stats.queries import resolve_scope
from lanyan.stats.report import response_distribution

router = APIRouter(prefix="/api/stats", tags=["stats 统计"])


@router.get("/response-distribution")
def response_histogram(
    session: SessionDep,
    actor: CurrentActor,
    first: FromDate,
    last: ToDate,
    org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    width_s: Annotated[int, Query(ge=10, le=300)] = 60,
) -> dict[str, Any]:
    """First-response times (调派至首车到场) of the period in bins, with the standard."""
    period = Period.of_dates(first, last)
    scope = resolve_scope(session, actor, org_id)
    buckets, counts = response_distribution(session, scope, period, width_s=width_s)
    return {
        "bucket_s": buckets,
        "counts": counts,
        "standard_s": standards()["urban_arrival_s"],
        "width_s": width_s,
    }
