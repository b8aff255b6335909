"""A domain's figure section (lanyan.stats.sections) appears in the figures, their labels, kinds,
traces and the yearly report's text, without touching the stats modules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.forces.schemas import OrganizationCreate
from lanyan.stats import sections as registry
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, Scope, compute_figures, is_stock, kind, label
from lanyan.stats.report import yearly_content
from lanyan.stats.trace import trace, trace_count

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _created_in(period: Period) -> Any:
    return (Organization.created_at >= period.utc_start) & (
        Organization.created_at < period.utc_end
    )


def _compute(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Any]:
    in_scope = Organization.path.startswith(scope.path, autoescape=True)
    count = session.scalar(
        select(func.count()).select_from(Organization).where(in_scope, _created_in(period))
    )
    return {"orgtest.created": int(count or 0), "orgtest.share_pct": 12.5}


def _trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    in_scope = Organization.path.startswith(scope.path, autoescape=True)
    return (
        select(Organization.id, Organization.name)
        .where(in_scope, _created_in(period))
        .order_by(Organization.id)
    )


def _paragraph(current: Figures, previous: Figures) -> str | None:
    made = current.values["orgtest.created"]
    return f"全年新建组织{made}个。" if made else None


SECTION = registry.Section(
    prefix="orgtest",
    compute=_compute,
    trace=_trace,
    labels={"orgtest.created": "新建组织"},
    kinds={"orgtest.share_pct": "percent"},
    stock_prefixes=("orgtest.share",),
    report_title="组织建设",
    report_chapter="forces",
    paragraph=_paragraph,
)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(registry, "SECTION_MODULES", (__name__,))
    registry.sections.cache_clear()
    yield
    registry.sections.cache_clear()


def test_a_section_is_computed_traced_labelled_and_reported(
    session_factory: sessionmaker[Session], registered: None
) -> None:
    with session_factory() as s:
        root = forces.create_root_organization(
            s, actor=SYSTEM, external_id="sec:root", name="分区总队", kind=OrgKind.CORPS
        )
        forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="sec:det", name="分区支队", kind=OrgKind.DETACHMENT, parent_id=root.id
            ),
        )
        s.commit()
        year = datetime.now(UTC).year
        figures = compute_figures(s, actor=SYSTEM, period=Period.year(year), org_id=root.id)
        assert figures["orgtest.created"] == 2
        assert label("orgtest.created") == "新建组织"
        assert kind("orgtest.share_pct") == "percent" and kind("orgtest.created") == "count"
        assert is_stock("orgtest.share_pct") and not is_stock("orgtest.created")
        rows = trace(s, SYSTEM, "orgtest.created", Period.year(year), root.id)
        assert [r["name"] for r in rows] == ["分区总队", "分区支队"]
        assert trace_count(s, SYSTEM, "orgtest.created", Period.year(year), root.id) == 2
        text = yearly_content(s, actor=SYSTEM, year=year, org_id=root.id)
        assert text.context["sections"]["forces"] == [
            {"title": "组织建设", "text": "全年新建组织2个。"}
        ]
        before = yearly_content(s, actor=SYSTEM, year=year - 1, org_id=root.id)
        assert before.context["sections"]["forces"] == []
