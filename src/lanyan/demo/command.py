"""Demo content of issue 19 (command after the first dispatch) over the history years.

- Combat units (作战编成): every station with a water tender, a rescue truck and an aerial
  appliance keeps a 灭火攻坚编成 of the three; stations with two water tenders a 供水编成. A plan
  row for second-level high-rise fires asks for one 灭火攻坚编成 beside an aerial appliance, so
  the recommendation shows a whole combat unit being sent.
- 信息报送: the detachment's rules (deaths ≥ 1, 较大 and above, crowded or special venues,
  hazardous materials, trapped ≥ 3, media attention) with the corps and the detachment as
  recipients; every history incident a rule fires for gets its item, raised a few minutes after
  the call, its 首报 (mostly on time, some late), a 终报 and the recipients' receipts.
- 战评: the largest fires of each year (by level and loss) get a published review, the case
  library's content; reinforcement requests to the corps for the biggest ones.

Everything goes through the command services (their audit rows included); what is already there
is skipped, so ``lanyan demo`` may run again.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.command import reports, reviews
from lanyan.command.combat_models import (
    CombatUnit,
    CombatUnitMember,
    IncidentFacts,
    IncidentReview,
    InfoReport,
    ReinforcementRequest,
    ReportRule,
    ReportStage,
    RequestStatus,
    ReviewStatus,
    RuleKind,
)
from lanyan.command.combat_schemas import FactsIn, ReviewIn, ReviewStatusIn, RuleCreate, SendIn
from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.audit import record, snapshot
from lanyan.core.db import transaction
from lanyan.core.permissions import Role
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.dispatch.models import Incident, ResponsePlanRule
from lanyan.forces.choices import OrgKind, UnitType
from lanyan.forces.models import Organization, Unit

Progress = Callable[[str, int, int], None]

AERIAL = {UnitType.LADDER, UnitType.AERIAL_PLATFORM, UnitType.WATER_CANNON}
WATER = {UnitType.WATER_TENDER, UnitType.FOAM}
PLAN_NAME = "高层建筑火灾（二级，作战编成）"
LESSONS = [
    "到场后第一时间进入消防控制室，利用消防设施控制火势效果明显",
    "内攻前须查明被困人员位置，搜救组与灭火组同步推进",
    "供水干线应尽早铺设，利用室外消火栓接力供水，避免中途断水",
    "登高车停靠位置受限，应在预案中明确登高操作场地",
    "夜间火灾疏散人员多，应提前调派排烟和照明力量",
]


def _combat_units(session: Session) -> int:
    if session.scalar(select(func.count()).select_from(CombatUnit)):
        return 0
    made = 0
    stations = session.scalars(
        select(Organization)
        .where(Organization.kind.in_([OrgKind.STATION, OrgKind.SPECIAL_STATION]))
        .order_by(Organization.id)
    ).all()
    for station in stations:
        units = session.scalars(
            select(Unit).where(Unit.station_id == station.id).order_by(Unit.id)
        ).all()
        water = [u for u in units if u.type in WATER]
        rescue = [u for u in units if u.type == UnitType.RESCUE]
        aerial = [u for u in units if u.type in AERIAL]
        groups = []
        if water and rescue and aerial:
            groups.append(
                (
                    "灭火攻坚编成",
                    [(water[0], "主战车"), (rescue[0], "攻坚车"), (aerial[0], "举高车")],
                )
            )
        if len(water) >= 2:
            groups.append(("供水编成", [(water[-1], "供水车"), (water[0], "接力车")]))
        for kind, members in groups:
            group = CombatUnit(
                station_id=station.id, kind=kind, name=f"{station.name}{kind}", is_active=True
            )
            group.members = [
                CombatUnitMember(unit_id=u.id, role=role, position=i)
                for i, (u, role) in enumerate(members)
            ]
            session.add(group)
            session.flush()
            record(
                session,
                actor=SYSTEM,
                action="create",
                entity="combat_unit",
                entity_id=group.id,
                after=snapshot(group),
            )
            made += 1
    if made and not session.scalar(
        select(ResponsePlanRule.id).where(ResponsePlanRule.name == PLAN_NAME)
    ):
        rule = ResponsePlanRule(
            name=PLAN_NAME,
            incident_type=IncidentType.FIRE,
            subtype=IncidentSubtype.HIGH_RISE_FIRE,
            level=2,
            requirements=[
                {
                    "label": "灭火攻坚编成",
                    "combat_unit": "灭火攻坚编成",
                    "unit_types": [],
                    "count": 1,
                },
                {
                    "label": "举高车（不低于建筑高度）",
                    "unit_types": ["ladder", "aerial_platform", "water_cannon"],
                    "count": 1,
                    "ladder_from_building": True,
                },
                {"label": "水罐/泡沫车", "unit_types": ["water_tender", "foam"], "count": 2},
            ],
            source="“3+N”作战单元编成（演示数据，可由管理员修改）",
            is_active=True,
        )
        session.add(rule)
        session.flush()
        record(
            session,
            actor=SYSTEM,
            action="create",
            entity="response_plan_rule",
            entity_id=rule.id,
            after=snapshot(rule),
        )
    return made


def _rules(session: Session) -> list[ReportRule]:
    existing = list(session.scalars(select(ReportRule).order_by(ReportRule.id)))
    if existing:
        return existing
    det = session.scalars(
        select(Organization)
        .where(Organization.kind == OrgKind.DETACHMENT)
        .order_by(Organization.id)
    ).first()
    if det is None:
        return []
    top = session.scalars(
        select(Organization).where(Organization.parent_id.is_(None)).order_by(Organization.id)
    ).first()
    recipients = sorted({det.id, top.id if top else det.id})
    for kind, name, threshold in (
        (RuleKind.DEATHS, "亡人事故", 1),
        (RuleKind.FIRE_GRADE, "较大及以上火灾", None),
        (RuleKind.VENUE, "人员密集或特殊场所", None),
        (RuleKind.HAZMAT, "危险化学品事故", None),
        (RuleKind.TRAPPED, "被困3人以上", 3),
        (RuleKind.MEDIA, "舆情关注", None),
    ):
        reports.create_rule(
            session,
            actor=SYSTEM,
            data=RuleCreate(
                org_id=det.id,
                name=name,
                kind=kind,
                threshold=threshold,
                recipient_org_ids=recipients,
            ),
        )
    return list(session.scalars(select(ReportRule).order_by(ReportRule.id)))


def _history(session: Session, years: Sequence[int]) -> list[Incident]:
    start = datetime(min(years), 1, 1, tzinfo=UTC) - timedelta(hours=8)
    end = datetime(max(years) + 1, 1, 1, tzinfo=UTC) - timedelta(hours=8)
    return list(
        session.scalars(
            select(Incident)
            .where(Incident.received_at >= start, Incident.received_at < end)
            .order_by(Incident.received_at)
        )
    )


def _reports(session: Session, rng: random.Random, incidents: list[Incident]) -> tuple[int, int]:
    done = set(session.scalars(select(InfoReport.incident_id)))
    done |= set(session.scalars(select(IncidentFacts.incident_id)))  # the commander's own
    commander = Actor(
        user_id=None, username="值班指挥员", role=Role.ADMIN, org_id=None, org_path="/"
    )
    items = late = 0
    for incident in incidents:
        if incident.id in done or incident.brigade_id is None:
            continue
        deaths = incident.deaths or 0
        hazmat = incident.subtype in (IncidentSubtype.HAZMAT_LEAK, IncidentSubtype.CHEMICAL_FIRE)
        trapped = rng.choice([0, 0, 0, 3, 5]) if incident.level >= 3 else 0
        media = incident.level >= 3 and rng.random() < 0.3
        venue = incident.premises is not None and incident.type == IncidentType.FIRE
        graded = incident.fire_grade in reports.LARGER_OR_ABOVE
        if not (deaths or hazmat or trapped or media or graded or (venue and incident.level >= 2)):
            continue
        at = incident.received_at + timedelta(minutes=rng.randint(5, 25))
        _, report = reports.record_facts(
            session,
            actor=commander,
            incident_id=incident.id,
            data=FactsIn(
                deaths=deaths,
                injured=incident.serious_injuries or 0,
                trapped=trapped,
                hazmat=hazmat,
                media_attention=media,
            ),
            at=at,
        )
        if report is None:
            continue
        items += 1
        first_after = rng.choice([8, 12, 15, 20, 25, 28, 40])  # a few first reports are late
        late += first_after > 30
        reports.send(
            session,
            actor=commander,
            report_id=report.id,
            data=SendIn(stage=ReportStage.FIRST),
            at=at + timedelta(minutes=first_after),
        )
        reports.send(
            session,
            actor=commander,
            report_id=report.id,
            data=SendIn(stage=ReportStage.FINAL),
            at=at + timedelta(hours=rng.randint(3, 20)),
        )
        for message in report.messages:
            for receipt in message.receipts:
                receipt.acknowledged_at = message.sent_at + timedelta(minutes=rng.randint(2, 30))
                receipt.acknowledged_by = "总队指挥中心值班员"
    return items, late


def _reviews(session: Session, rng: random.Random, incidents: list[Incident]) -> tuple[int, int]:
    fires = [i for i in incidents if i.type == IncidentType.FIRE and i.closed_at is not None]
    by_year: dict[int, list[Incident]] = {}
    for incident in fires:
        by_year.setdefault(incident.received_at.year, []).append(incident)
    written = asked = 0
    reviewed = set(session.scalars(select(IncidentReview.incident_id)))
    asked_for = set(session.scalars(select(ReinforcementRequest.incident_id)))
    top = session.scalars(
        select(Organization).where(Organization.parent_id.is_(None)).order_by(Organization.id)
    ).first()
    for year_fires in by_year.values():
        year_fires.sort(key=lambda i: (i.level, i.direct_loss_cny or 0), reverse=True)
        for incident in year_fires[:12]:
            closed = incident.closed_at
            if incident.id in reviewed or closed is None:
                continue
            place = incident.premises.name if incident.premises else (incident.address_text or "")
            kind = incident.subtype.zh if incident.subtype else incident.type.zh
            units = len(incident.assignments)
            lessons = "；".join(rng.sample(LESSONS, 2))
            title = f"{place}{kind}"[:150] or f"{incident.number}火灾"
            reviews.save_review(
                session,
                actor=SYSTEM,
                incident_id=incident.id,
                data=ReviewIn(
                    title=title,
                    summary=f"{incident.level}级调派，出动车辆{units}辆；"
                    f"{incident.summary or '火势在首批力量到场后得到控制'}。",
                    lessons=lessons,
                ),
                at=closed,
            )
            reviews.set_status(
                session,
                actor=SYSTEM,
                incident_id=incident.id,
                data=ReviewStatusIn(status=ReviewStatus.PUBLISHED),
                at=closed + timedelta(days=rng.randint(3, 10)),
            )
            written += 1
            if incident.level >= 3 and top is not None and incident.id not in asked_for:
                asked += _request(session, rng, incident, top)
    return written, asked


def _request(session: Session, rng: random.Random, incident: Incident, corps: Organization) -> int:
    """A request of the detachment to the corps on a big fire (answered as it was)."""
    assert incident.brigade is not None
    det_ids = [int(p) for p in incident.brigade.path.strip("/").split("/") if p.isdigit()]
    det = session.scalars(
        select(Organization).where(
            Organization.id.in_(det_ids), Organization.kind == OrgKind.DETACHMENT
        )
    ).first()
    if det is None:
        return 0
    at = incident.received_at + timedelta(minutes=rng.randint(15, 40))
    status = rng.choice([RequestStatus.REFUSED, RequestStatus.CANCELLED])
    request = ReinforcementRequest(
        incident_id=incident.id,
        from_org_id=det.id,
        to_org_id=corps.id,
        status=status,
        needs=[{"label": "举高车", "unit_types": ["ladder", "aerial_platform"], "count": 1}],
        note="火势向上层蔓延，请求总队调派举高车",
        incident_summary=f"{incident.number} {incident.level}级 {incident.address_text or ''}",
        lon=incident.lon,
        lat=incident.lat,
        requested_by="值班指挥员",
        requested_at=at,
        decided_by="总队指挥中心",
        decided_at=at + timedelta(minutes=rng.randint(3, 10)),
        decision_note="本支队力量已控制火势"
        if status == RequestStatus.CANCELLED
        else "邻近支队举高车正执行其他任务",
        assignment_ids=[],
    )
    session.add(request)
    session.flush()
    record(
        session,
        actor=SYSTEM,
        action="create",
        entity="reinforcement_request",
        entity_id=request.id,
        after=snapshot(request),
    )
    return 1


def load(
    factory: sessionmaker[Session], *, seed: int, years: Sequence[int], progress: Progress
) -> list[str]:
    """Combat units, 信息报送 items and 战评 records of the history years."""
    if not years:
        return []
    rng = random.Random(f"command:{seed}")  # noqa: S311 - demo data, seeded
    progress("作战编成", 1, 3)
    with transaction(factory) as session:
        groups = _combat_units(session)
    progress("信息报送", 2, 3)
    with transaction(factory) as session:
        _rules(session)
        incidents = _history(session, years)
        items, late = _reports(session, rng, incidents)
    progress("战评与案例库", 3, 3)
    with transaction(factory) as session:
        written, asked = _reviews(session, rng, _history(session, years))
    return [
        f"作战编成：新建 {groups} 个",
        f"信息报送：{items} 起（首报超时 {late} 起）",
        f"战评：发布 {written} 篇典型战例；跨区域增援请求 {asked} 起",
    ]
