"""信息报送, 战评 and the 初战控火 figures (issue 19, acceptance 1 and 3), through the services
on both databases: an incident with 3 deaths raises an item due within the configured minutes
whose 首报 names the premises, time and units; a unit at 出水 after 6 minutes shows in the
water-on figure; every machine tried pair by pair; bad input refused with nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.command import reports, reviews
from lanyan.command.combat_models import (
    REPORT_TRANSITIONS,
    REVIEW_TRANSITIONS,
    STAGE_STATUS,
    IncidentFacts,
    InfoReport,
    ReportRule,
    ReportStage,
    ReportStatus,
    ReviewStatus,
    RuleKind,
)
from lanyan.command.combat_schemas import (
    FactsIn,
    ReviewIn,
    ReviewStatusIn,
    RuleCreate,
    SendIn,
    WithdrawIn,
)
from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.audit import AuditLog
from lanyan.core.clock import as_local
from lanyan.core.errors import Conflict, Forbidden, Invalid, NotFound
from lanyan.core.permissions import Role
from lanyan.core.standards import standards
from lanyan.dispatch import service as dispatch
from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentSubtype, IncidentType
from lanyan.dispatch.models import Incident
from lanyan.dispatch.schemas import AssignmentStatusChange
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind, UnitType
from lanyan.forces.models import Organization
from lanyan.forces.schemas import OrganizationCreate, UnitCreate
from lanyan.prevention import service as prevention
from lanyan.prevention.choices import PremisesCategory, VenueType
from lanyan.prevention.schemas import PremisesCreate
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures
from lanyan.stats.trace import trace

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
NUMBERS = count(1)


@dataclass
class Tree:
    corps: Organization
    det: Organization
    brigade: Organization
    station_id: int
    unit_ids: list[int]
    premises_id: int
    commander: Actor
    corps_leader: Actor
    det_leader: Actor


@pytest.fixture(scope="module")
def tree(session_factory: sessionmaker[Session]) -> Tree:
    with session_factory() as s:
        corps = forces.create_root_organization(
            s, actor=SYSTEM, external_id="rp:corps", name="报送总队", kind=OrgKind.CORPS
        )

        def org(ext: str, name: str, kind: OrgKind, parent: int) -> Organization:
            return forces.create_organization(
                s,
                actor=SYSTEM,
                data=OrganizationCreate(
                    external_id=ext, name=name, kind=kind, parent_id=parent, lon=9.52, lat=47.14
                ),
            )

        det = org("rp:det", "报送支队", OrgKind.DETACHMENT, corps.id)
        brigade = org("rp:brigade", "城东大队", OrgKind.BRIGADE, det.id)
        station = org("rp:station", "城东站", OrgKind.STATION, brigade.id)
        unit_ids = [
            forces.create_unit(
                s,
                actor=SYSTEM,
                data=UnitCreate(
                    external_id=f"rp:unit:{i}",
                    call_sign=f"城东{i}号水罐车",
                    type=UnitType.WATER_TENDER,
                    station_id=station.id,
                    crew_on_duty=5,
                ),
            ).id
            for i in range(1, 4)
        ]
        premises = prevention.create_premises(
            s,
            actor=SYSTEM,
            data=PremisesCreate(
                external_id="rp:premises",
                name="城东百货大楼",
                category=PremisesCategory.KEY_UNIT,
                venue_type=VenueType.SHOPPING,
                org_id=brigade.id,
                lon=9.522,
                lat=47.142,
            ),
        )
        s.commit()

        def actor(role: Role, at: Organization, name: str) -> Actor:
            return Actor(user_id=None, username=name, role=role, org_id=at.id, org_path=at.path)

        return Tree(
            corps=corps,
            det=det,
            brigade=brigade,
            station_id=station.id,
            unit_ids=unit_ids,
            premises_id=premises.id,
            commander=actor(Role.COMMANDER, det, "指挥员"),
            corps_leader=actor(Role.LEADER, corps, "总队领导"),
            det_leader=actor(Role.LEADER, det, "支队领导"),
        )


def _incident(s: Session, tree: Tree, *, received: datetime = T0, **extra: Any) -> Incident:
    values: dict[str, Any] = {
        "status": IncidentStatus.RECEIVED,
        "type": IncidentType.FIRE,
        "subtype": IncidentSubtype.CROWDED_PLACE_FIRE,
        "level": 2,
        "address_text": "东大街1号",
        "lon": 9.522,
        "lat": 47.142,
        "brigade_id": tree.brigade.id,
        "premises_id": tree.premises_id,
        "received_at": received,
    }
    incident = Incident(number=f"RP{next(NUMBERS):06d}", **(values | extra))
    s.add(incident)
    s.flush()
    return incident


def _rules(s: Session, tree: Tree) -> None:
    if s.scalar(select(func.count()).select_from(ReportRule)):
        return
    admin = Actor(
        user_id=None, username="管理员", role=Role.ADMIN, org_id=tree.det.id, org_path=tree.det.path
    )
    for kind, name, threshold in (
        (RuleKind.DEATHS, "亡人火灾", 1),
        (RuleKind.FIRE_GRADE, "较大以上火灾", None),
    ):
        reports.create_rule(
            s,
            actor=admin,
            data=RuleCreate(
                org_id=tree.det.id,
                name=name,
                kind=kind,
                threshold=threshold,
                recipient_org_ids=[tree.corps.id],
            ),
        )


def _audits(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(AuditLog)) or 0)


def test_three_deaths_raise_an_item_due_in_time_whose_first_report_names_premises_time_units(
    session_factory: sessionmaker[Session], tree: Tree
) -> None:
    with session_factory() as s:
        _rules(s, tree)
        incident = _incident(s, tree)
        dispatch.assign_units(
            s,
            actor=SYSTEM,
            network=None,  # type: ignore[arg-type]  # ETAs given: no road network needed
            incident_id=incident.id,
            unit_ids=tree.unit_ids[:2],
            at=T0 + timedelta(minutes=1),
            etas={},
        )
        at = T0 + timedelta(minutes=12)
        facts, report = reports.record_facts(
            s, actor=tree.commander, incident_id=incident.id, data=FactsIn(deaths=3), at=at
        )
        assert facts.deaths == 3
        assert report is not None and report.status == ReportStatus.PENDING
        limit = timedelta(minutes=standards()["info_report_first_min"])
        assert report.first_due_at == at + limit
        assert {t["name"] for t in report.triggers} == {"亡人火灾", "较大以上火灾"}
        view = reports.public(s, report, now=at)
        assert view.draft is not None and not view.overdue
        sent = reports.send(
            s,
            actor=tree.commander,
            report_id=report.id,
            data=SendIn(stage=ReportStage.FIRST),
            at=at + timedelta(minutes=20),
        )
        message = sent.messages[0]
        assert message.on_time and message.due_at == at + limit
        received = as_local(T0).strftime("%Y年%m月%d日%H时%M分")
        for text in ("城东百货大楼", received, "城东1号水罐车", "城东2号水罐车", "死亡3人"):
            assert text in message.body, (text, message.body)
        (receipt,) = message.receipts
        assert receipt.recipient_org_id == tree.corps.id
        with pytest.raises(Forbidden):
            reports.acknowledge(s, actor=tree.det_leader, receipt_id=receipt.id)
        reports.acknowledge(s, actor=tree.corps_leader, receipt_id=receipt.id)
        assert receipt.acknowledged_by == "总队领导"
        with pytest.raises(Conflict):
            reports.acknowledge(s, actor=tree.corps_leader, receipt_id=receipt.id)
        s.commit()


def _item(s: Session, tree: Tree) -> InfoReport:
    _rules(s, tree)
    incident = _incident(s, tree)
    _, report = reports.record_facts(
        s, actor=tree.commander, incident_id=incident.id, data=FactsIn(deaths=1), at=T0
    )
    assert report is not None
    return report


ROUTE = {
    ReportStatus.PENDING: [],
    ReportStatus.FIRST_SENT: [ReportStage.FIRST],
    ReportStatus.FOLLOWUP_SENT: [ReportStage.FIRST, ReportStage.FOLLOWUP],
    ReportStatus.FINAL_SENT: [ReportStage.FIRST, ReportStage.FINAL],
    ReportStatus.WITHDRAWN: ["withdraw"],
}


def _act(s: Session, tree: Tree, report: InfoReport, step: Any) -> None:
    if step == "withdraw":
        reports.withdraw(
            s, actor=tree.commander, report_id=report.id, data=WithdrawIn(reason="误报")
        )
    else:
        reports.send(s, actor=tree.commander, report_id=report.id, data=SendIn(stage=step))


def test_every_pair_of_the_report_machine(
    session_factory: sessionmaker[Session], tree: Tree
) -> None:
    targets: dict[Any, ReportStatus] = {**STAGE_STATUS, "withdraw": ReportStatus.WITHDRAWN}
    with session_factory() as s:
        for start in ReportStatus:
            for step, target in targets.items():
                report = _item(s, tree)
                for earlier in ROUTE[start]:
                    _act(s, tree, report, earlier)
                assert report.status == start
                audits = _audits(s)
                if target in REPORT_TRANSITIONS[start]:
                    _act(s, tree, report, step)
                    assert report.status == target
                    assert _audits(s) == audits + 1
                else:
                    with pytest.raises(Conflict):
                        _act(s, tree, report, step)
                    assert report.status == start and _audits(s) == audits
        s.rollback()


def test_bad_input_is_refused_and_nothing_written(
    session_factory: sessionmaker[Session], tree: Tree
) -> None:
    with pytest.raises(ValidationError):
        FactsIn(deaths=-1)
    with pytest.raises(ValidationError):
        SendIn(stage="second")  # type: ignore[arg-type]
    with session_factory() as s:
        rules = s.scalar(select(func.count()).select_from(ReportRule))
        admin = Actor(user_id=None, username="管理员", role=Role.ADMIN, org_id=None, org_path="/")
        for data in (
            RuleCreate(
                org_id=tree.det.id, name="无人数", kind=RuleKind.DEATHS, recipient_org_ids=[1]
            ),
            RuleCreate(org_id=tree.det.id, name="无接收方", kind=RuleKind.MEDIA),
            RuleCreate(
                org_id=tree.det.id, name="坏接收方", kind=RuleKind.MEDIA, recipient_org_ids=[99999]
            ),
        ):
            with pytest.raises(Invalid):
                reports.create_rule(s, actor=admin, data=data)
        s.rollback()
        assert s.scalar(select(func.count()).select_from(ReportRule)) == rules
        incident = _incident(s, tree)
        s.commit()
        # a neighbour's commander cannot record facts on an incident it does not see
        other = Actor(
            user_id=None,
            username="x",
            role=Role.COMMANDER,
            org_id=tree.station_id,
            org_path="/9999/",
        )
        with pytest.raises(NotFound):
            reports.record_facts(s, actor=other, incident_id=incident.id, data=FactsIn(deaths=5))
        s.rollback()
        assert (
            s.scalars(select(IncidentFacts).where(IncidentFacts.incident_id == incident.id)).first()
            is None
        )


def test_review_machine_pair_by_pair_and_the_case_library(
    session_factory: sessionmaker[Session], tree: Tree
) -> None:
    with session_factory() as s:
        incident = _incident(s, tree)
        with pytest.raises(Conflict):  # nothing written yet
            reviews.set_status(
                s,
                actor=tree.commander,
                incident_id=incident.id,
                data=ReviewStatusIn(status=ReviewStatus.PUBLISHED),
            )
        review = reviews.save_review(
            s, actor=tree.commander, incident_id=incident.id, data=ReviewIn(title="百货大楼火灾")
        )
        with pytest.raises(Invalid):  # published only with its summary and lessons
            reviews.set_status(
                s,
                actor=tree.commander,
                incident_id=incident.id,
                data=ReviewStatusIn(status=ReviewStatus.PUBLISHED),
            )
        assert review.status == ReviewStatus.DRAFT
        reviews.save_review(
            s,
            actor=tree.commander,
            incident_id=incident.id,
            data=ReviewIn(title="百货大楼火灾", summary="三层起火", lessons="内攻前须查明被困人员"),
        )
        for start in ReviewStatus:
            for target in ReviewStatus:
                if review.status != start:
                    reviews.set_status(
                        s,
                        actor=tree.commander,
                        incident_id=incident.id,
                        data=ReviewStatusIn(status=start),
                    )
                audits = _audits(s)
                data = ReviewStatusIn(status=target)
                if target in REVIEW_TRANSITIONS[start]:
                    reviews.set_status(s, actor=tree.commander, incident_id=incident.id, data=data)
                    assert review.status == target and _audits(s) == audits + 1
                else:
                    with pytest.raises(Conflict):
                        reviews.set_status(
                            s, actor=tree.commander, incident_id=incident.id, data=data
                        )
                    assert _audits(s) == audits
        if review.status != ReviewStatus.PUBLISHED:
            reviews.set_status(
                s,
                actor=tree.commander,
                incident_id=incident.id,
                data=ReviewStatusIn(status=ReviewStatus.PUBLISHED),
            )
        with pytest.raises(Conflict):  # a published review is taken back to draft first
            reviews.save_review(
                s, actor=tree.commander, incident_id=incident.id, data=ReviewIn(title="改")
            )
        s.commit()

        def found(**filters: Any) -> list[int]:
            stmt = reviews.query_cases(actor=tree.commander, **filters)
            return [r.id for r in s.scalars(stmt)]

        assert review.id in found(incident_type=IncidentType.FIRE, venue_type=VenueType.SHOPPING)
        assert review.id in found(q="被困")
        assert review.id not in found(venue_type=VenueType.HOTEL)
        assert review.id not in found(incident_type=IncidentType.RESCUE)
        outsider = Actor(
            user_id=None, username="y", role=Role.LEADER, org_id=None, org_path="/9999/"
        )
        assert review.id not in [r.id for r in s.scalars(reviews.query_cases(actor=outsider))]


def test_water_on_after_six_minutes_shows_in_the_figures(
    session_factory: sessionmaker[Session], tree: Tree
) -> None:
    with session_factory() as s:
        incident = _incident(s, tree, received=T0 + timedelta(days=5))
        assigned = incident.received_at + timedelta(minutes=1)
        done = dispatch.assign_units(
            s,
            actor=SYSTEM,
            network=None,  # type: ignore[arg-type]
            incident_id=incident.id,
            unit_ids=[tree.unit_ids[2]],
            at=assigned,
            etas={},
        )
        (assignment,) = done.created
        for minutes, status in ((1, "en_route"), (4, "on_scene"), (6, "water_on")):
            dispatch.set_assignment_status(
                s,
                actor=SYSTEM,
                assignment_id=assignment.id,
                data=AssignmentStatusChange(status=AssignmentStatus(status)),
                at=assigned + timedelta(minutes=minutes),
            )
        dispatch.set_incident_status(
            s,
            actor=SYSTEM,
            incident_id=incident.id,
            status=IncidentStatus.CONTROLLED,
            at=assigned + timedelta(minutes=15),
        )
        s.commit()
        period = Period.year(2026)
        now = T0 + timedelta(days=30)
        figures = compute_figures(s, actor=SYSTEM, period=period, org_id=tree.det.id, now=now)
        assert figures["response.water_on.n"] == 1
        assert figures["response.water_on.p50"] == 360.0
        assert figures["response.controlled.p50"] == 900.0
        assert figures["command.controlled_by_first"] == 1
        assert figures["command.controlled_by_first_pct"] == 100.0
        assert figures.label("response.water_on.p50") == "首车出水时间·中位数(秒)"
        assert figures.label("response.response.p50").startswith("到场时间")
        rows = trace(s, SYSTEM, "response.water_on.p50", period, tree.det.id, now=now)
        assert [(r["id"], r["value"]) for r in rows] == [(incident.id, 360.0)]
        # the report items of the other tests, traced one for one
        total = figures["reports.total"]
        assert total is not None and total >= 1
        assert len(trace(s, SYSTEM, "reports.total", period, tree.det.id, now=now)) == total
        on_time = trace(s, SYSTEM, "reports.on_time", period, tree.det.id, now=now)
        assert len(on_time) == figures["reports.on_time"]


def test_the_demo_content_loads_through_the_services_and_twice_adds_nothing(
    session_factory: sessionmaker[Session], tree: Tree
) -> None:
    from lanyan.demo import command as demo

    with session_factory() as s:
        for day, level, deaths in ((20, 3, 2), (40, 1, 0), (60, 3, 0)):
            incident = _incident(
                s,
                tree,
                received=T0 + timedelta(days=day),
                level=level,
                deaths=deaths,
                status=IncidentStatus.CLOSED,
                closed_at=T0 + timedelta(days=day, hours=3),
                summary="三层商铺起火",
            )
            assert incident.id
        s.commit()
    quiet = lambda *_: None  # noqa: E731
    first = demo.load(session_factory, seed=7, years=[2026], progress=quiet)
    assert first[0] == "作战编成：新建 1 个"  # three water tenders: a 供水编成, no 攻坚编成
    assert "战评：发布" in first[2]
    with session_factory() as s:
        published = s.scalars(reviews.query_cases(actor=tree.commander)).all()
        assert any(r.title.startswith("城东百货大楼") for r in published)
        items = s.scalar(select(func.count()).select_from(InfoReport))
    again = demo.load(session_factory, seed=7, years=[2026], progress=quiet)
    assert again[0] == "作战编成：新建 0 个"
    assert again[1].startswith("信息报送：0 起") and again[2].startswith("战评：发布 0 篇")
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(InfoReport)) == items


def test_each_kind_of_rule_fires_on_its_own_fact() -> None:
    from lanyan.command.reports import _why
    from lanyan.prevention.models import Premises

    hotel = Premises(name="江畔宾馆", venue_type=VenueType.HOTEL)
    incident = Incident(
        type=IncidentType.RESCUE,
        subtype=IncidentSubtype.HAZMAT_LEAK,
        received_at=T0,
        premises=hotel,
        deaths=None,
    )
    facts = IncidentFacts(deaths=0, injured=0, trapped=4, hazmat=False, media_attention=True)

    def rule(kind: RuleKind, threshold: int | None = None, venues: list[str] | None = None) -> Any:
        return ReportRule(kind=kind, threshold=threshold, venue_types=venues or [])

    assert _why(rule(RuleKind.TRAPPED, 4), incident, facts) == "被困4人（达到4人）"
    assert _why(rule(RuleKind.TRAPPED, 5), incident, facts) is None
    assert _why(rule(RuleKind.MEDIA), incident, facts) == "引发舆情关注"
    assert _why(rule(RuleKind.HAZMAT), incident, facts) == "涉及危险化学品"
    assert _why(rule(RuleKind.VENUE), incident, facts) == "发生在宾馆饭店（江畔宾馆）"
    assert _why(rule(RuleKind.VENUE, venues=["school"]), incident, facts) is None
    assert _why(rule(RuleKind.DEATHS, 1), incident, facts) is None
    assert _why(rule(RuleKind.FIRE_GRADE), incident, facts) is None  # not a fire


def test_a_general_rule_merges_combat_lines_by_their_kind() -> None:
    from lanyan.dispatch.plans import merge_requirements

    assault = {"label": "攻坚", "combat_unit": "灭火攻坚编成", "unit_types": [], "count": 1}
    supply = {"label": "供水", "combat_unit": "供水编成", "unit_types": [], "count": 2}
    water = {"label": "水罐", "unit_types": ["water_tender"], "count": 2}
    merged = merge_requirements([assault], [supply, {**assault, "count": 2}, water])
    assert [(m["label"], m["count"]) for m in merged] == [("攻坚", 2), ("供水", 2), ("水罐", 2)]
