"""Statistics against hand-computed figures on a small fixed data set (issue 7, acceptance 1).

Eight incidents over 2024 and 2025 with assignments at known times, four hazards, a listing,
patrol tasks and visits; every expected number below was worked out by hand from the table in
``city``. Runs on SQLite and on PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.errors import Invalid, NotFound
from lanyan.core.permissions import Role
from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentSubtype, IncidentType
from lanyan.dispatch.first_response import refresh_response
from lanyan.dispatch.grading import FireGrade
from lanyan.dispatch.models import Assignment, Incident
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind, UnitType
from lanyan.forces.models import Organization
from lanyan.forces.schemas import OrganizationCreate, UnitCreate
from lanyan.prevention.choices import (
    ControlLevel,
    HazardSeverity,
    HazardStatus,
    InspectionOutcome,
    ListingLevel,
    ListingStatus,
    PatrolTaskStatus,
    PremisesCategory,
    VenueType,
)
from lanyan.prevention.models import (
    Hazard,
    HazardOrder,
    Inspection,
    PatrolTask,
    PatrolVisit,
    Premises,
    SupervisedListing,
)
from lanyan.stats.periods import Period
from lanyan.stats.queries import (
    compare,
    compute_figures,
    kind,
    nearest_rank,
)
from lanyan.stats.trace import trace, trace_count

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 1, tzinfo=UTC)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Shanghai wall-clock time."""
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@dataclass
class City:
    detachment: int
    brigade_a: int
    brigade_b: int
    station_a: int
    path_a: str
    path_det: str
    ids: dict[str, int]


def _org(s: Session, ext: str, name: str, kind_: OrgKind, parent: int) -> Organization:
    return forces.create_organization(
        s,
        actor=SYSTEM,
        data=OrganizationCreate(external_id=ext, name=name, kind=kind_, parent_id=parent),
    )


def _incident(
    s: Session,
    number: str,
    received: datetime,
    type_: IncidentType,
    subtype: IncidentSubtype | None,
    brigade: int | None,
    unit: int,
    spans: list[tuple[int, int | None, int | None]] = (),  # type: ignore[assignment]
    **closing: object,
) -> int:
    """An incident; each span is (assigned after call s, en route after assigned s, on scene
    after en route s)."""
    inc = Incident(
        number=number,
        status=IncidentStatus.CLOSED,
        type=type_,
        subtype=subtype,
        level=1,
        lon=9.5,
        lat=47.1,
        brigade_id=brigade,
        received_at=received,
        address_text=f"{number}号路",
        **closing,
    )
    s.add(inc)
    s.flush()
    for call_s, turnout_s, travel_s in spans:
        assigned = received + timedelta(seconds=call_s)
        en_route = assigned + timedelta(seconds=turnout_s) if turnout_s is not None else None
        on_scene = (
            en_route + timedelta(seconds=travel_s)
            if en_route is not None and travel_s is not None
            else None
        )
        s.add(
            Assignment(
                incident_id=inc.id,
                unit_id=unit,
                status=AssignmentStatus.IN_QUARTERS,
                crew_sent=4,
                assigned_at=assigned,
                en_route_at=en_route,
                on_scene_at=on_scene,
            )
        )
    refresh_response(s, inc)
    return inc.id


@pytest.fixture(scope="module")
def city(session_factory: sessionmaker[Session]) -> City:
    with session_factory() as s:
        root = forces.create_root_organization(
            s, actor=SYSTEM, external_id="s:corps", name="统计总队", kind=OrgKind.CORPS
        )
        det = _org(s, "s:det", "统计支队", OrgKind.DETACHMENT, root.id)
        a = _org(s, "s:a", "甲大队", OrgKind.BRIGADE, det.id)
        b = _org(s, "s:b", "乙大队", OrgKind.BRIGADE, det.id)
        st = _org(s, "s:a:st", "甲站", OrgKind.STATION, a.id)
        unit = forces.create_unit(
            s,
            actor=SYSTEM,
            data=UnitCreate(
                external_id="s:u", call_sign="甲1", type=UnitType.WATER_TENDER, station_id=st.id
            ),
        ).id
        ids: dict[str, int] = {}
        fire, rescue = IncidentType.FIRE, IncidentType.RESCUE
        # ---- 2025 ----
        ids["i1"] = _incident(
            s, "I1", local(2025, 3, 10, 8), fire, IncidentSubtype.RESIDENTIAL_FIRE, a.id, unit,
            [(60, 45, 200), (120, 10, 10)],  # the second assignment must not count
            deaths=1, serious_injuries=2, minor_injuries=3, direct_loss_cny=10_000.0,
            rescued=2, evacuated=10, property_protected_cny=50_000.0,
            fire_grade=FireGrade.ORDINARY,
        )  # fmt: skip
        # 23:30 on 31 Dec in Shanghai is 15:30 UTC: December 2025, hour 23
        ids["i2"] = _incident(
            s, "I2", local(2025, 12, 31, 23, 30), fire, IncidentSubtype.VEHICLE_FIRE, b.id, unit,
            [(30, 60, 300)], deaths=3, direct_loss_cny=20_000_000.0, fire_grade=FireGrade.LARGER,
        )  # fmt: skip
        # 00:10 on 1 Jan in Shanghai is still 2024 in UTC: January 2025, hour 0
        ids["i3"] = _incident(
            s, "I3", local(2025, 1, 1, 0, 10), rescue, IncidentSubtype.TRAFFIC_ACCIDENT, a.id, unit,
            [(20, 40, 260)], rescued=1,
        )  # fmt: skip
        ids["i4"] = _incident(
            s, "I4", local(2025, 7, 15, 14), IncidentType.FALSE_ALARM, None, a.id, unit
        )
        ids["i5"] = _incident(
            s, "I5", local(2025, 7, 15, 14, 59), IncidentType.SOCIAL,
            IncidentSubtype.ELEVATOR_TRAPPED, b.id, unit, [(90, 70, None)],
        )  # fmt: skip
        # midnight of 1 Jan 2026 local is 2025 in UTC but not in the 2025 statistics
        _incident(s, "I9", local(2026, 1, 1), rescue, None, a.id, unit, [(10, 10, 10)])
        # ---- 2024 ----
        _incident(
            s, "I6", local(2024, 5, 1, 10), fire, IncidentSubtype.OTHER_FIRE, a.id, unit,
            [(40, 50, 150)], deaths=5, fire_grade=FireGrade.LARGER,
        )  # fmt: skip
        _incident(s, "I7", local(2024, 12, 31, 23, 59), fire, None, b.id, unit, deaths=0)
        _incident(s, "I8", local(2024, 6, 1, 9), rescue, None, a.id, unit)
        # ---- prevention ----
        premises = Premises(
            external_id="s:p",
            name="甲商场",
            category=PremisesCategory.KEY_UNIT,
            venue_type=VenueType.SHOPPING,
            control_level=ControlLevel.LEVEL1,
            org_id=st.id,
            lon=9.5,
            lat=47.1,
        )
        s.add(premises)
        s.flush()

        def hazard(org: int, found: datetime, **kw: object) -> int:
            h = Hazard(org_id=org, title="隐患", found_at=found, premises_id=premises.id, **kw)
            s.add(h)
            s.flush()
            return h.id

        general, major = HazardSeverity.GENERAL, HazardSeverity.MAJOR
        ids["h1"] = hazard(
            st.id, local(2025, 2, 1), severity=general, status=HazardStatus.CLOSED,
            closed_at=local(2025, 3, 1),
        )  # fmt: skip
        ids["h2"] = hazard(
            a.id, local(2025, 5, 1), severity=major, status=HazardStatus.ORDERED,
            deadline_at=local(2025, 6, 1),
        )  # fmt: skip
        # its order as the hazard service keeps it (the overdue figure is told from the orders)
        s.add(
            HazardOrder(
                hazard_id=ids["h2"], ordered_at=local(2025, 5, 2), deadline_at=local(2025, 6, 1)
            )
        )
        ids["h3"] = hazard(
            a.id, local(2024, 11, 1), severity=general, status=HazardStatus.CLOSED,
            closed_at=local(2025, 1, 5),
        )  # fmt: skip
        ids["h4"] = hazard(
            b.id, local(2025, 12, 31, 23), severity=general, status=HazardStatus.REPORTED
        )
        s.add(
            SupervisedListing(
                hazard_id=ids["h2"],
                level=ListingLevel.COUNTY,
                status=ListingStatus.RECTIFYING,
                proposed_at=local(2025, 5, 5),
                listed_at=local(2025, 5, 10),
            )
        )
        tasks = {}
        for due, status in (
            (date(2025, 4, 1), PatrolTaskStatus.DONE),
            (date(2025, 5, 1), PatrolTaskStatus.MISSED),
            (date(2026, 1, 1), PatrolTaskStatus.PENDING),
        ):
            task = PatrolTask(premises_id=premises.id, org_id=st.id, due_on=due, status=status)
            s.add(task)
            s.flush()
            tasks[due] = task.id
        s.add(
            PatrolVisit(
                premises_id=premises.id, org_id=st.id, at=local(2025, 4, 1, 10),
                lon=9.5, lat=47.1, distance_m=5.0, task_id=tasks[date(2025, 4, 1)],
            )
        )  # fmt: skip
        s.add(
            Inspection(
                premises_id=premises.id, org_id=a.id, inspected_on=date(2025, 6, 1),
                outcome=InspectionOutcome.PASSED,
            )
        )  # fmt: skip
        s.commit()
        return City(det.id, a.id, b.id, st.id, a.path, det.path, ids)


def leader(city: City, org_id: int | None = None, path: str | None = None) -> Actor:
    return Actor(
        user_id=None,
        username="leader",
        role=Role.LEADER,
        org_id=org_id or city.detachment,
        org_path=path or city.path_det,
    )


def test_yearly_figures_by_hand(city: City, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        f = compute_figures(s, actor=leader(city), period=Period.year(2025), now=NOW)
    v = f.values
    assert v["incidents.total"] == 5
    assert f.group("incidents.by_type") == {
        "fire": 2,
        "rescue": 1,
        "social": 1,
        "duty": 0,
        "false_alarm": 1,
    }
    assert v["incidents.false_alarms"] == 1
    assert v["incidents.by_subtype.residential_fire"] == 1
    assert v["incidents.by_subtype.unspecified"] == 1
    assert sum(f.group("incidents.by_subtype").values()) == 5
    months = f.group("incidents.by_month")
    assert list(months) == [f"2025-{m:02d}" for m in range(1, 13)]
    assert {k: n for k, n in months.items() if n} == {
        "2025-01": 1,
        "2025-03": 1,
        "2025-07": 2,
        "2025-12": 1,
    }
    hours = f.group("incidents.by_hour")
    assert {k: n for k, n in hours.items() if n} == {"00": 1, "08": 1, "14": 2, "23": 1}
    assert v[f"incidents.by_brigade.{city.brigade_a}"] == 3
    assert v[f"incidents.by_brigade.{city.brigade_b}"] == 2
    assert f.label(f"incidents.by_brigade.{city.brigade_b}") == "乙大队"
    # first assignments only: call [60, 30, 20, 90], turnout [45, 60, 40, 70],
    # travel [200, 300, 260], response [245, 360, 300]
    assert v["response.call_handling.n"] == 4
    assert v["response.turnout.n"] == 4
    assert v["response.travel.n"] == 3
    assert v["response.response.n"] == 3
    assert v["response.call_handling.mean"] == 50.0
    assert v["response.response.mean"] == pytest.approx(301.7, abs=0.05)
    assert v["response.within_standard"] == 2  # 245 s and exactly 300 s
    assert v["response.within_standard_pct"] == 66.67
    exact = {"response": [245, 300, 360], "travel": [200, 260, 300], "turnout": [40, 45, 60, 70]}
    for metric, values in exact.items():
        for q in (50, 90):
            nearest_rank = sorted(values)[math.ceil(q / 100 * len(values)) - 1]
            assert v[f"response.{metric}.p{q}"] == nearest_rank, (metric, q)
    # 队次 / 辆次 / 人次: I1 sent one station's unit twice (one 队次, two 辆次), I2, I3, I5 one
    # each; every unit went with a crew of 4
    assert (v["turnouts.stations"], v["turnouts.units"], v["turnouts.people"]) == (4, 5, 20)
    assert v["people.rescued"] == 3
    assert v["people.evacuated"] == 10
    assert v["property.protected_cny"] == 50_000.0
    assert v["fires.total"] == 2
    assert v["fires.deaths"] == 4
    assert v["fires.serious_injuries"] == 2
    assert v["fires.minor_injuries"] == 3
    assert v["fires.direct_loss_cny"] == 20_010_000.0
    assert f.group("fires.by_grade") == {
        "ordinary": 1,
        "larger": 1,
        "major": 0,
        "especially_major": 0,
    }
    assert v["hazards.found"] == 3
    assert v["hazards.major"] == 1
    assert v["hazards.rectified"] == 2
    assert v["hazards.overdue"] == 1
    assert (v["listings.listed"], v["listings.open"], v["listings.delisted"]) == (1, 1, 0)
    assert (v["patrol.tasks_planned"], v["patrol.tasks_done"], v["patrol.tasks_missed"]) == (
        2,
        1,
        1,
    )
    assert v["patrol.visits"] == 1
    assert v["patrol.inspections"] == 1
    assert v["premises.controlled.total"] == 1
    assert v["premises.controlled.level1"] == 1


def test_year_on_year(city: City, session_factory: sessionmaker[Session]) -> None:
    period = Period.year(2025)
    with session_factory() as s:
        cur = compute_figures(s, actor=leader(city), period=period, now=NOW)
        prev = compute_figures(s, actor=leader(city), period=period.same_last_year(), now=NOW)
    assert prev["incidents.total"] == 3
    assert prev["incidents.by_month.2024-12"] == 1  # 23:59 on 31 Dec 2024 local
    changes = compare(cur, prev)
    total = changes["incidents.total"]
    assert (total.pct, total.direction, total.text) == (66.67, "上升", "上升66.67%")
    assert changes["fires.total"].text == "持平"
    assert changes["fires.total"].pct == 0.0
    deaths = changes["fires.deaths"]  # 4 against 5
    assert (deaths.pct, deaths.text, deaths.pct_text) == (-20.0, "下降20%", "20%")
    found = changes["hazards.found"]  # 3 against 1
    assert found.text == "上升200%"
    rectified = changes["hazards.rectified"]  # 2 against 0: no division by zero
    assert (rectified.pct, rectified.pct_text, rectified.direction) == (None, "—", "上升")
    # months are compared position by position: 2025-12 (1) against 2024-12 (1)
    assert changes["incidents.by_month.2025-12"].previous == 1
    assert changes["incidents.by_month.2025-12"].text == "持平"


def test_empty_period_gives_zeros_and_dashes(
    city: City, session_factory: sessionmaker[Session]
) -> None:
    period = Period.year(2019)
    with session_factory() as s:
        cur = compute_figures(s, actor=leader(city), period=period, now=NOW)
        prev = compute_figures(s, actor=leader(city), period=period.previous(), now=NOW)
    assert cur["incidents.total"] == 0
    assert cur["response.response.p90"] is None
    assert cur["response.within_standard_pct"] is None
    assert cur["fires.direct_loss_cny"] == 0
    changes = compare(cur, prev)
    assert changes["incidents.total"].text == "持平"
    assert changes["incidents.total"].pct_text == "—"
    assert changes["response.response.p90"].text == "—"
    snapshots = ("premises.", "hazards.overdue", "listings.open")  # stocks at the period's end
    assert all(c.pct is None for k, c in changes.items() if not k.startswith(snapshots))


def test_local_boundaries_of_custom_periods(
    city: City, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        dec31 = compute_figures(
            s, actor=leader(city), period=Period.inclusive(date(2025, 12, 31), date(2025, 12, 31))
        )
        jan1 = compute_figures(
            s, actor=leader(city), period=Period.inclusive(date(2026, 1, 1), date(2026, 1, 1))
        )
        quarter = compute_figures(s, actor=leader(city), period=Period.quarter(2025, 1))
    assert dec31["incidents.total"] == 1
    assert dec31["incidents.by_hour.23"] == 1
    assert jan1["incidents.total"] == 1
    assert jan1["incidents.by_hour.00"] == 1
    assert list(quarter.group("incidents.by_month")) == ["2025-01", "2025-02", "2025-03"]
    assert quarter["incidents.total"] == 2


def test_every_count_figure_traces_to_as_many_records(
    city: City, session_factory: sessionmaker[Session]
) -> None:
    period = Period.year(2025)
    actor = leader(city)
    with session_factory() as s:
        f = compute_figures(s, actor=actor, period=period, now=NOW)
        for key in f.values:
            records = trace(s, actor, key, period, now=NOW)
            if kind(key) == "count":
                assert len(records) == f[key], key
                assert trace_count(s, actor, key, period, now=NOW) == f[key], key
        fires = trace(s, actor, "incidents.by_type.fire", period)
        assert [r["number"] for r in fires] == ["I1", "I2"]
        assert fires[1]["received_at"] == "2025-12-31T23:30:00+08:00"
        assert fires[1]["type"] == "fire"
        within = trace(s, actor, "response.within_standard", period)
        assert {r["number"]: r["value"] for r in within} == {"I3": 300.0, "I1": 245.0}
        crews = trace(s, actor, "turnouts.people", period)
        assert sum(r["value"] for r in crews) == f["turnouts.people"]
        stations = trace(s, actor, "turnouts.stations", period)
        assert [(r["number"], r["units"]) for r in stations] == [
            ("I3", 1),
            ("I1", 2),
            ("I5", 1),
            ("I2", 1),
        ]
        deaths = trace(s, actor, "fires.deaths", period)
        assert sum(r["value"] for r in deaths) == f["fires.deaths"]
        rectified = trace(s, actor, "hazards.rectified", period)
        assert {r["id"] for r in rectified} == {city.ids["h1"], city.ids["h3"]}
        page = trace(s, actor, "incidents.total", period, limit=2, offset=1)
        assert [r["number"] for r in page] == ["I1", "I4"]
        with pytest.raises(Invalid):
            trace(s, actor, "incidents.by_colour.red", period)
        with pytest.raises(Invalid):
            trace(s, actor, "incidents.by_month.2024-01", period)


def test_jurisdiction_bounds_the_figures(
    city: City, session_factory: sessionmaker[Session]
) -> None:
    period = Period.year(2025)
    brigade_a = leader(city, city.brigade_a, city.path_a)
    with session_factory() as s:
        own = compute_figures(s, actor=brigade_a, period=period, now=NOW)
        assert own["incidents.total"] == 3
        assert own["hazards.found"] == 2  # h1 (its station) and h2; h4 is brigade b's
        assert own.keys().count(f"incidents.by_brigade.{city.brigade_b}") == 0
        station = compute_figures(s, actor=brigade_a, period=period, org_id=city.station_a)
        assert station["incidents.total"] == 0
        assert station["hazards.found"] == 1
        assert station["premises.controlled.total"] == 1
        for outside in (city.brigade_b, city.detachment, 2**31 - 1):
            with pytest.raises(NotFound):
                compute_figures(s, actor=brigade_a, period=period, org_id=outside)
            with pytest.raises(NotFound):
                trace(s, brigade_a, "incidents.total", period, org_id=outside)
        detachment = compute_figures(s, actor=leader(city), period=period, org_id=city.brigade_b)
        assert detachment["incidents.total"] == 2


def test_periods() -> None:
    assert Period.year(2025).previous() == Period.year(2024)
    assert Period.month(2025, 1).previous() == Period.month(2024, 12)
    assert Period.quarter(2025, 1).same_last_year() == Period.quarter(2024, 1)
    leap = Period.inclusive(date(2024, 2, 29), date(2024, 3, 1))
    assert leap.same_last_year().start == date(2023, 2, 28)
    custom = Period.inclusive(date(2025, 3, 1), date(2025, 3, 10))
    assert custom.previous() == Period(date(2025, 2, 19), date(2025, 3, 1))
    assert Period.year(2025).utc_start == datetime(2024, 12, 31, 16, tzinfo=UTC)
    assert Period.year(2025).label == "2025年"
    with pytest.raises(Invalid):
        Period.inclusive(date(2025, 3, 2), date(2025, 3, 1))
    with pytest.raises(Invalid):
        Period.inclusive(date(2015, 1, 1), date(2025, 1, 1))


def test_nearest_rank_percentiles() -> None:
    values = sorted([3.0, 7.5, 12.0, 12.5, 100.0, 240.0, 241.0, 299.9, 300.0, 333.3, 600.0])
    # ranks ⌈q/100 × 11⌉: 10 → 2, 50 → 6, 90 → 10, 100 → 11
    assert [nearest_rank(values, q) for q in (10, 50, 90, 100)] == [7.5, 240.0, 333.3, 600.0]
    assert nearest_rank([42.04], 50) == 42.0
    assert nearest_rank([], 90) is None


def test_report_prints_the_prevention_figures(
    city: City, session_factory: sessionmaker[Session]
) -> None:
    """The 防火监督 paragraph reads the figures, never zeros where records exist (the demo's
    zeros were a year without prevention records, which the text now says)."""
    from lanyan.stats.report import render_text, yearly_content

    with session_factory() as s:
        content = yearly_content(s, actor=leader(city), year=2025, org_id=None)
        text = render_text(content)
        empty = render_text(yearly_content(s, actor=leader(city), year=2019, org_id=None))
    assert "全年开展防火巡查1次、监督检查1次，发现火灾隐患3处" in text
    assert "年末逾期未改1处" in text and "年末仍在督办1处" in text
    assert "整改销案2处" in text
    assert "挂牌督办重大火灾隐患" in text
    assert "发现火灾隐患0处" not in empty and "相关数据暂缺" in empty
    assert "志愿消防队" in text
