"""Two years of demo history: calls and prevention work, so every 同比 has a real value.

On the demo city (per backend): a few calls of 2024 and 2025 replayed, then a year of prevention
work recorded for each through the real services. Both years then have patrols, hazards found,
rectified and rejected, listings and inspections; the 2025 report's 防火监督 paragraph prints
them and its year-on-year changes are numbers, not "—".
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DemoCity

from lanyan.core.actor import SYSTEM
from lanyan.demo.history import load_history
from lanyan.demo.prevention_history import PreventionSummary, load_prevention_history
from lanyan.planning.network import RoadNetwork
from lanyan.stats.periods import Period
from lanyan.stats.queries import compare, compute_figures
from lanyan.stats.report import render_text, yearly_content

YEARS = (2024, 2025)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
PREVENTION_KEYS = (
    "patrol.visits",
    "patrol.tasks_planned",
    "patrol.inspections",
    "hazards.found",
    "hazards.rectified",
    "listings.listed",
    "listings.delisted",
)


def _factory(client: TestClient) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = client.app.state.sessionmaker  # type: ignore[attr-defined]
    return factory


@pytest.fixture(scope="module")
def work(app_client: TestClient, demo_city: DemoCity) -> dict[int, PreventionSummary]:
    del demo_city
    factory = _factory(app_client)
    network: RoadNetwork = app_client.app.state.network  # type: ignore[attr-defined]
    out = {}
    for year in YEARS:
        load_history(factory, network, seed=119, year=year, calls=40)
        out[year] = load_prevention_history(factory, seed=119, year=year, now=NOW)
    return out


def test_each_year_has_every_kind_of_record(work: dict[int, PreventionSummary]) -> None:
    for year, summary in work.items():
        assert not summary.skipped, year
        assert summary.visits > 100 and summary.inspections > 30, year
        assert summary.hazards > 20 and summary.listings >= 2, year
        # closed after the re-check, rejected as untrue, and some still standing
        assert {"closed", "rejected"} <= set(summary.hazards_by_status), summary
        assert summary.patrol_tasks > summary.visits  # some tasks were missed


def test_every_prevention_change_year_on_year_is_a_number(
    app_client: TestClient, work: dict[int, PreventionSummary]
) -> None:
    del work
    with _factory(app_client)() as s:
        cur = compute_figures(s, actor=SYSTEM, period=Period.year(2025), now=NOW)
        prev = compute_figures(s, actor=SYSTEM, period=Period.year(2024), now=NOW)
        text = render_text(yearly_content(s, actor=SYSTEM, year=2025, org_id=None))
    changes = compare(cur, prev)
    for key in (*PREVENTION_KEYS, "incidents.total"):
        assert cur[key] and prev[key], key
        assert changes[key].pct is not None or changes[key].direction == "持平", key
    assert cur["hazards.major"] < cur["hazards.found"]
    assert "全年开展防火巡查" in text and "相关数据暂缺" not in text
    assert f"发现火灾隐患{cur['hazards.found']}处" in text


def test_a_second_load_skips(app_client: TestClient, work: dict[int, PreventionSummary]) -> None:
    del work
    again = load_prevention_history(_factory(app_client), seed=119, year=2025, now=NOW)
    assert again.skipped
