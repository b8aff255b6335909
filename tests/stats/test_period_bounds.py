"""Dates at the ends of the calendar: 422 with a readable message, never a 500.

The probe sent ``from=0001-01-01`` / ``to=9999-12-31`` to the statistics and got 500 with the
keep-alive connection dropped (an OverflowError computing the UTC bounds and the comparison
periods). Every route that takes a date is walked from the OpenAPI document, so a new one is
covered without being listed here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import World

from lanyan.core.dates import FIRST_DAY, LAST_DAY
from lanyan.core.errors import Invalid
from lanyan.stats.periods import Period

EXTREMES = [
    {"from": "0001-01-01", "to": "2025-12-31"},
    {"from": "2025-01-01", "to": "9999-12-31"},
    {"from": "0001-01-01", "to": "9999-12-31"},
    {"from": "0001-01-01", "to": "0001-01-01"},
    {"from": "9999-12-31", "to": "9999-12-31"},
    {"from": "1999-12-31", "to": "2000-01-01"},
    {"from": "2100-12-31", "to": "2101-01-01"},
]
STATS_ROUTES = [
    ("/api/stats/summary", {}),
    ("/api/stats/trace", {"key": "incidents.total"}),
    ("/api/stats/response-distribution", {}),
]
FILLERS: dict[str, Any] = {"key": "incidents.total"}
"""Values for required parameters other than dates when walking every dated route."""


@pytest.mark.parametrize("dates", EXTREMES, ids=lambda d: f"{d['from']}..{d['to']}")
@pytest.mark.parametrize(("path", "extra"), STATS_ROUTES, ids=lambda v: str(v))
def test_stats_extreme_dates_are_422(
    app_client: TestClient, world: World, path: str, extra: dict[str, str], dates: dict[str, str]
) -> None:
    response = app_client.get(path, params=dates | extra, headers=world.headers("leader"))
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert "日期须在 2000-01-01 至 2100-12-31 之间" in body["detail"]
    assert "2000-01-01" in body["detail_en"]
    assert {e["field"] for e in body["errors"]} <= {"from", "to"}
    # the connection and the server are fine: the next request is answered
    assert app_client.get("/api/health").status_code == 200


@pytest.mark.parametrize(
    "dates",
    [
        {"from": "2000-01-01", "to": "2000-12-31"},  # its 同比 and 环比 fall in 1999
        {"from": "2100-01-01", "to": "2100-12-31"},
        {"from": "2096-01-01", "to": "2100-12-31"},  # five years, the longest period
    ],
)
@pytest.mark.parametrize(("path", "extra"), STATS_ROUTES, ids=lambda v: str(v))
def test_stats_dates_at_the_bounds_are_answered(
    app_client: TestClient, world: World, path: str, extra: dict[str, str], dates: dict[str, str]
) -> None:
    response = app_client.get(path, params=dates | extra, headers=world.headers("leader"))
    assert response.status_code == 200, response.text[:300]


def _date_params(operation: dict[str, Any]) -> list[dict[str, Any]]:
    def is_date(schema: dict[str, Any]) -> bool:
        options = schema.get("anyOf", [schema])
        return any(o.get("format") == "date" for o in options)

    return [
        p for p in operation.get("parameters", []) if p["in"] == "query" and is_date(p["schema"])
    ]


def test_every_route_taking_a_date_refuses_the_ends_of_the_calendar(
    app_client: TestClient, world: World
) -> None:
    paths: dict[str, dict[str, Any]] = app_client.app.openapi()["paths"]  # type: ignore[attr-defined]
    dated = [
        (path, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method == "get" and "{" not in path and _date_params(operation)
    ]
    assert {p for p, _ in dated} >= {s for s, _ in STATS_ROUTES}
    headers = world.headers("leader")
    for path, operation in dated:
        params = _date_params(operation)
        base = {p["name"]: "2025-01-01" for p in params}
        for p in operation.get("parameters", []):
            if p["required"] and p["name"] not in base:
                base[p["name"]] = FILLERS[p["name"]]
        for param in params:
            for extreme in ("0001-01-01", "9999-12-31"):
                response = app_client.get(
                    path, params=base | {param["name"]: extreme}, headers=headers
                )
                assert response.status_code == 422, (path, param["name"], extreme, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(1, 1, 1), date(2025, 1, 1)),
        (date(2025, 1, 1), date(9999, 12, 31)),
        (date(9999, 12, 31), date(9999, 12, 31)),
        (date(1, 1, 1), date(1, 1, 1)),
    ],
)
def test_period_refuses_days_outside_the_accepted_range(first: date, last: date) -> None:
    """Callers other than the API (the CLI, reports) get the same readable refusal."""
    with pytest.raises(Invalid) as refused:
        Period.of_dates(first, last)
    assert refused.value.detail == "统计时段有误：日期须在 2000-01-01 至 2100-12-31 之间"


def test_period_at_the_bounds_computes_its_comparisons() -> None:
    first = Period.of_dates(FIRST_DAY, date(2000, 12, 31))
    assert first.kind == "year"
    assert first.previous() == Period.year(1999)
    assert first.same_last_year().utc_start.year == 1998  # 1999-01-01 local is 1998-12-31 UTC
    last = Period.of_dates(date(2096, 1, 1), LAST_DAY)
    assert last.utc_end.year == 2100
    assert last.previous().start == date(2091, 1, 1)
