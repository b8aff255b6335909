"""Statistics API: the figures of a period with their year-on-year and period-on-period changes,
and the records behind any figure (``/api/stats``).

Thin, like every router: parse and bound the inputs, let :mod:`lanyan.stats.queries` check the role
and the jurisdiction, serialize. Dashboards and the yearly report read the same functions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from lanyan.api.deps import CurrentActor, SessionDep
from lanyan.core.dates import Day
from lanyan.stats.periods import Period
from lanyan.stats.queries import (
    Figures,
    compare,
    figures_for_scope,
    kind,
    label,
    resolve_scope,
)
from lanyan.stats.trace import trace, trace_count

router = APIRouter(prefix="/api/stats", tags=["stats 统计"])

FromDate = Annotated[
    Day, Query(alias="from", description="first local date (YYYY-MM-DD, 2000-01-01 or later)")
]
ToDate = Annotated[
    Day, Query(alias="to", description="last local date, included (YYYY-MM-DD, 2100-12-31 at most)")
]
OrgId = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="organization subtree (default: your own)")
]
FigureKey = Annotated[
    str,
    Query(
        min_length=3, max_length=80, pattern=r"^[a-z0-9_.\-]+$", description="figure key to trace"
    ),
]


def _period_json(period: Period) -> dict[str, Any]:
    return {
        "from": period.start.isoformat(),
        "to": period.last_day.isoformat(),
        "kind": period.kind,
        "label": period.label,
    }


def _figures_json(f: Figures) -> dict[str, Any]:
    return {
        "period": _period_json(f.period),
        "values": f.values,
    }


@router.get("/summary", summary="Figures of a period with YoY (同比) and PoP (环比) changes")
def summary(
    session: SessionDep,
    actor: CurrentActor,
    first: FromDate,
    last: ToDate,
    org_id: OrgId = None,
) -> dict[str, Any]:
    """Every figure of the period for the subtree, the same figures one year earlier and one
    period earlier, and each change as reports state it ("下降4.81%", "—" when undefined)."""
    period = Period.of_dates(first, last)
    scope = resolve_scope(session, actor, org_id)
    current = figures_for_scope(session, scope=scope, period=period)
    yoy = figures_for_scope(
        session, scope=scope, period=period.same_last_year(), now=current.computed_at
    )
    before = period.previous()
    # of a whole year the period before is the year before: computed once (a second or more of a
    # million calls)
    pop = (
        yoy
        if before == yoy.period
        else figures_for_scope(session, scope=scope, period=before, now=current.computed_at)
    )
    return {
        "org": {"id": scope.org_id, "name": scope.org_name},
        "period": _period_json(period),
        "computed_at": current.computed_at.isoformat(),
        "values": current.values,
        "labels": {k: current.label(k) for k in current.values},
        "kinds": {k: kind(k) for k in current.values},
        "yoy": _figures_json(yoy)
        | {"changes": {k: c.as_dict() for k, c in compare(current, yoy).items()}},
        "pop": _figures_json(pop)
        | {"changes": {k: c.as_dict() for k, c in compare(current, pop).items()}},
    }


@router.get("/trace", summary="The records a figure counts")
def trace_figure(
    session: SessionDep,
    actor: CurrentActor,
    key: FigureKey,
    first: FromDate,
    last: ToDate,
    org_id: OrgId = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """The records behind ``key`` for the period and subtree, oldest first, a page at a time."""
    period = Period.of_dates(first, last)
    total = trace_count(session, actor, key, period, org_id)
    items = trace(session, actor, key, period, org_id, limit=limit, offset=offset)
    return {
        "key": key,
        "label": label(key),
        "kind": kind(key),
        "period": _period_json(period),
        "total": total,
        "items": items,
    }
