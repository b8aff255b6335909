"""Demo content of duty strength, training and unit management (issue 20).

For every station and full-time team of the demo city: a roster (commanders, drivers,
firefighters, a communicator; micro stations get a few members), a daily routine, and over the
two history years the month's training plan, the sessions held with their attendees, the
detachment's monthly assessments (published, with each person's result against its standard)
and two competitions a year, a 拉动演练 a quarter per brigade with its measured times, a 督察 of
each station a quarter with its findings (the old ones rectified and closed), weekly duty
declarations, and the 四级安全网格. Today every station but two has declared (those two show
flagged on the console), with roll calls and a handover on record.

Records of the past are written in bulk (as the stations would have entered them); today's
declarations go through the real service, so the vehicles' crews on duty follow them.
Idempotent: the roster's presence marks the demo as loaded.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import LOCAL_TZ, utcnow
from lanyan.demo.names import person_name
from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentType
from lanyan.dispatch.models import Assignment, Incident
from lanyan.duty import declarations
from lanyan.duty.choices import (
    AssessmentKind,
    AssessmentStatus,
    Employment,
    FindingState,
    GridLevel,
    LogKind,
    Measure,
    Order,
    Post,
    Seat,
    Subject,
)
from lanyan.duty.drills import DRILL_PREFIX
from lanyan.duty.models import (
    Assessment,
    AssessmentResult,
    Declaration,
    DeclaredSeat,
    DeclaredVehicle,
    DutyLog,
    Person,
    RoutineTemplate,
    SafetyGridNode,
    Supervision,
    SupervisionFinding,
    TrainingAttendance,
    TrainingPlan,
    TrainingSession,
)
from lanyan.duty.schemas import DeclarationIn, SeatIn, VehicleIn
from lanyan.duty.training import passes
from lanyan.forces import crew as crew_rules
from lanyan.forces.choices import OrgKind, UnitStatus
from lanyan.forces.models import Organization, Unit

Progress = Callable[[str, int, int], None]

ROUTINE = (
    ("06:30", "起床、整理内务"),
    ("07:00", "早操"),
    ("07:40", "早餐"),
    ("08:00", "交接班、车辆器材检查"),
    ("08:30", "业务训练"),
    ("11:30", "午餐"),
    ("12:00", "午休"),
    ("14:30", "体能训练"),
    ("17:30", "晚餐"),
    ("19:00", "政治教育/学习"),
    ("21:30", "点名"),
    ("22:00", "就寝"),
)
ITEMS: dict[Subject, tuple[str, Measure, float, float, float, str]] = {
    Subject.FITNESS: ("5000米跑", Measure.TIME, 1380, 900, 3000, "消防救援队伍体能训练考核标准"),
    Subject.SKILL: ("绳索救援技术", Measure.SCORE, 60, 0, 100, "消防救援队伍专业技能考核标准"),
    Subject.DRILL: ("两盘水带连接操", Measure.TIME, 30, 12, 120, "消防救援队伍灭火救援操法"),
    Subject.TACTICS: ("高层建筑火灾扑救战术", Measure.SCORE, 70, 0, 100, "支队战术训练大纲"),
}
SESSION_TITLES: dict[Subject, tuple[str, ...]] = {
    Subject.FITNESS: ("体能训练（长跑）", "体能训练（力量）", "负重登楼训练"),
    Subject.SKILL: ("破拆器材操作", "绳索救援", "空气呼吸器佩戴"),
    Subject.DRILL: ("水带连接操", "单杠梯操", "挂钩梯操"),
    Subject.TACTICS: ("高层建筑灭火战术", "地下建筑灭火战术", "化工火灾处置"),
}
FINDINGS: dict[Order, tuple[str, ...]] = {
    Order.READINESS: ("车辆器材未按规定摆放", "空气呼吸器气瓶压力不足", "出动时间超过规定"),
    Order.TRAINING: ("训练计划未按月落实", "训练记录不完整"),
    Order.WORK: ("执勤日志记录不规范", "值班员脱岗"),
    Order.LIFE: ("内务卫生不达标", "就寝后未按时熄灯"),
}


def _local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=LOCAL_TZ).astimezone(UTC)


def _stations(session: Session) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.kind.in_(declarations.DECLARING_KINDS))
            .order_by(Organization.path)
        )
    )


def _roster(session: Session, rng: random.Random) -> dict[int, list[Person]]:
    """People of every declaring station (about 1.3 per seat) and of micro stations."""
    out: dict[int, list[Person]] = {}
    employment = {
        OrgKind.STATION: Employment.PROFESSIONAL,
        OrgKind.SPECIAL_STATION: Employment.PROFESSIONAL,
        OrgKind.GOV_TEAM: Employment.GOVERNMENT,
        OrgKind.ENTERPRISE_TEAM: Employment.ENTERPRISE,
    }
    for station in _stations(session):
        units = session.scalars(select(Unit).where(Unit.station_id == station.id)).all()
        size = max(6, min(40, round(sum(max(u.crew_on_duty, 3) for u in units) * 1.3)))
        people = []
        for i in range(size):
            post = (
                Post.COMMANDER
                if i < 2
                else Post.DRIVER
                if i < 2 + len(units)
                else Post.COMMUNICATOR
                if i == 2 + len(units)
                else Post.FIREFIGHTER
            )
            quals = []
            if post == Post.DRIVER:
                expiry = date(2026 + rng.randint(0, 4), rng.randint(1, 12), 1)
                quals.append({"name": "消防车驾驶证(A2)", "expires_on": expiry.isoformat()})
            if rng.random() < 0.3:
                quals.append({"name": rng.choice(["绳索救援技术", "水域救援", "化学救援"])})
            people.append(
                Person(
                    external_id=f"demo:duty:{station.id}:{i}",
                    name=person_name(rng),
                    org_id=station.id,
                    post=post,
                    employment=employment.get(station.kind, Employment.PROFESSIONAL),
                    phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                    qualifications=quals,
                )
            )
        session.add_all(people)
        out[station.id] = people
    micro = session.scalars(
        select(Organization).where(Organization.kind == OrgKind.MICRO_STATION).limit(20)
    ).all()
    for org in micro:
        session.add_all(
            Person(
                external_id=f"demo:duty:{org.id}:{i}",
                name=person_name(rng),
                org_id=org.id,
                post=Post.FIREFIGHTER if i else Post.COMMANDER,
                employment=Employment.MICRO_STATION,
            )
            for i in range(3)
        )
    session.flush()
    return out


def _yesterday() -> date:
    return declarations.local_day(utcnow()) - timedelta(days=1)


def _months(years: Sequence[int]) -> list[date]:
    """The months of the history years and of this year up to this month (the desk opens on
    the current month, so it has content too)."""
    this_year = declarations.local_day(utcnow()).year
    spans = sorted({*years, this_year})
    return [date(y, m, 1) for y in spans for m in range(1, 13) if date(y, m, 1) <= _yesterday()]


def _upto(day: date) -> date:
    """``day``, or yesterday when it lies ahead (nothing is recorded in the future)."""
    return min(day, _yesterday())


def _ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one statement and return their ids in order (bulk: the demo writes
    tens of thousands of rows, which one ORM object each would take half a minute for)."""
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def _training(
    session: Session, rng: random.Random, roster: dict[int, list[Person]], years: Sequence[int]
) -> int:
    detachment = session.scalars(
        select(Organization).where(Organization.kind == OrgKind.DETACHMENT)
    ).first()
    everyone = [p for people in roster.values() for p in people]
    now = utcnow()
    plans: list[dict[str, Any]] = []
    for first in _months(years):
        for station_id in roster:
            for subject in Subject:
                plans.append(
                    {
                        "org_id": station_id,
                        "month": f"{first:%Y-%m}",
                        "subject": subject,
                        "title": f"{subject.zh}训练",
                        "sessions_planned": 2,
                        "created_at": now,
                        "updated_at": now,
                        "_first": first,
                    }
                )
    plan_ids = _ids(
        session, TrainingPlan, [{k: v for k, v in p.items() if k != "_first"} for p in plans]
    )
    sessions: list[dict[str, Any]] = []
    attendees: list[list[int]] = []
    for plan, plan_id in zip(plans, plan_ids, strict=True):
        people = roster[plan["org_id"]]
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            sessions.append(
                {
                    "org_id": plan["org_id"],
                    "plan_id": plan_id,
                    "subject": plan["subject"],
                    "title": rng.choice(SESSION_TITLES[plan["subject"]]),
                    "held_on": _upto(plan["_first"] + timedelta(days=rng.randint(0, 27))),
                    "hours": rng.choice((1.5, 2.0, 2.5, 3.0)),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            k = max(3, int(len(people) * rng.uniform(0.5, 0.9)))
            attendees.append([p.id for p in rng.sample(people, k=k)])
    session_ids = _ids(session, TrainingSession, sessions)
    session.execute(
        insert(TrainingAttendance),
        [
            {"session_id": sid, "person_id": pid}
            for sid, people_ids in zip(session_ids, attendees, strict=True)
            for pid in people_ids
        ],
    )
    if detachment is not None:
        for first in _months(years):
            subject = list(Subject)[first.month % 4]
            held = _upto(first + timedelta(days=24))
            _assessment(session, rng, detachment.id, held, subject, everyone)
            if first.month in (5, 11) and first + timedelta(days=15) <= _yesterday():
                best = rng.sample(everyone, k=min(24, len(everyone)))
                _assessment(
                    session,
                    rng,
                    detachment.id,
                    first + timedelta(days=15),
                    Subject.DRILL,
                    best,
                    AssessmentKind.COMPETITION,
                )
    return len(sessions)


def _assessment(
    session: Session,
    rng: random.Random,
    org_id: int,
    day: date,
    subject: Subject,
    people: list[Person],
    kind: AssessmentKind = AssessmentKind.MONTHLY,
) -> None:
    item, measure, pass_value, lo, hi, source = ITEMS[subject]
    now = utcnow()
    [assessment_id] = _ids(
        session,
        Assessment,
        [
            {
                "org_id": org_id,
                "kind": kind,
                "month": f"{day:%Y-%m}",
                "held_on": day,
                "subject": subject,
                "item": item if kind == AssessmentKind.MONTHLY else f"支队比武：{item}",
                "measure": measure,
                "pass_value": pass_value,
                "min_value": lo,
                "max_value": hi,
                "standard_source": source,
                "status": AssessmentStatus.PUBLISHED,
                "published_at": _local(_upto(day + timedelta(days=2)), 9),
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    results = []
    for person in people:
        if measure == Measure.TIME:
            value = round(min(hi, max(lo, rng.gauss(pass_value * 0.9, pass_value * 0.1))), 1)
        else:
            value = round(min(hi, max(lo, rng.gauss(pass_value + 12, 10))), 0)
        results.append(
            {
                "assessment_id": assessment_id,
                "person_id": person.id,
                "value": value,
                "passed": passes(measure, value, pass_value),
            }
        )
    session.execute(insert(AssessmentResult), results)


def _drills(session: Session, rng: random.Random, years: Sequence[int]) -> int:
    brigades = session.scalars(
        select(Organization).where(Organization.kind == OrgKind.BRIGADE)
    ).all()
    made = 0
    for first in _months(years):
        if first.month % 3 != 1:
            continue
        for brigade in brigades:
            units = session.scalars(
                select(Unit)
                .join(Organization, Organization.id == Unit.station_id)
                .where(Organization.path.startswith(brigade.path), Unit.lon.is_(None))
                .limit(3)
            ).all()
            station = units[0].station if units else None
            if station is None or station.lon is None or station.lat is None:
                continue
            day = _upto(first + timedelta(days=rng.randint(3, 25)))
            received = _local(day, rng.choice((2, 10, 15, 21)), rng.randint(0, 59))
            assigned = received + timedelta(seconds=rng.randint(30, 70))
            en_route = assigned + timedelta(seconds=rng.randint(40, 110))
            on_scene = en_route + timedelta(seconds=rng.randint(180, 420))
            made += 1
            incident = Incident(
                number=f"YL{day:%Y%m%d}{made:03d}",
                status=IncidentStatus.CLOSED,
                type=IncidentType.FIRE,
                level=1,
                address_text=f"{station.name}辖区",
                lon=station.lon + 0.004,
                lat=station.lat + 0.003,
                brigade_id=brigade.id,
                description=f"{DRILL_PREFIX}{brigade.name}{day.month}月拉动演练",
                received_at=received,
                registered_at=received,
                closed_at=on_scene + timedelta(minutes=40),
                first_assigned_at=assigned,
                first_en_route_at=en_route,
                first_on_scene_at=on_scene,
                # what lanyan.dispatch.first_response.refresh_response would count
                turnout_stations=len({u.station_id for u in units}),
                turnout_units=len(units),
                turnout_people=sum(u.crew_on_duty for u in units),
                is_drill=True,
            )
            incident.assignments = [
                Assignment(
                    unit_id=u.id,
                    status=AssignmentStatus.IN_QUARTERS,
                    crew_sent=u.crew_on_duty,
                    assigned_at=assigned,
                    en_route_at=en_route + timedelta(seconds=10 * i),
                    on_scene_at=on_scene + timedelta(seconds=30 * i),
                    returning_at=on_scene + timedelta(minutes=30),
                    in_quarters_at=on_scene + timedelta(minutes=40),
                )
                for i, u in enumerate(units)
            ]
            session.add(incident)
            session.flush()
            incident.first_assignment_id = incident.assignments[0].id if units else None
    return made


def _supervisions(
    session: Session, rng: random.Random, roster: dict[int, list[Person]], years: Sequence[int]
) -> int:
    count = 0
    last = _yesterday()
    for first in _months(years):
        if first.month % 3 != 2:
            continue
        for station_id in roster:
            day = _upto(first + timedelta(days=rng.randint(0, 27)))
            row = Supervision(
                org_id=station_id,
                inspected_on=day,
                inspector=rng.choice(("支队督察组", "支队战训科", "支队政治处")),
                online=rng.random() < 0.4,
                summary="围绕“四个秩序”检查执勤战备、训练、工作和生活秩序。",
            )
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                order = rng.choice(list(Order))
                finding = SupervisionFinding(
                    order=order,
                    description=rng.choice(FINDINGS[order]),
                    deadline=day + timedelta(days=7),
                )
                if (last - day).days > 40 or rng.random() < 0.5:
                    finding.state = FindingState.CLOSED
                    finding.rectification = "已整改，附整改照片"
                    finding.rectified_at = _local(day + timedelta(days=rng.randint(1, 6)), 16)
                    finding.closed_at = finding.rectified_at + timedelta(days=1)
                elif rng.random() < 0.5:
                    finding.state = FindingState.RECTIFYING
                    finding.rectification = "正在整改"
                    finding.rectified_at = _local(day + timedelta(days=3), 16)
                else:
                    finding.state = FindingState.OPEN
                row.findings.append(finding)
            session.add(row)
            count += 1
    return count


def _weekly_declarations(
    session: Session, rng: random.Random, roster: dict[int, list[Person]], years: Sequence[int]
) -> int:
    """A declaration of every station each week of the history years (bulk-inserted)."""
    units_of = {
        sid: list(session.scalars(select(Unit).where(Unit.station_id == sid).order_by(Unit.id)))
        for sid in roster
    }
    decls: list[dict[str, Any]] = []
    day = date(min(years), 1, 1)
    while day <= _yesterday():
        for station_id, people in roster.items():
            late = timedelta(hours=2) if rng.random() < 0.08 else timedelta()
            decls.append(
                {
                    "station_id": station_id,
                    "day": day,
                    "officer_id": people[0].id,
                    "declared_at": _local(day, 7, rng.randint(0, 59)) + late,
                    "carried_over": rng.random() < 0.2,
                }
            )
        day += timedelta(days=7)
    decl_ids = _ids(session, Declaration, decls)
    vehicles: list[dict[str, Any]] = []
    crews: list[list[int]] = []
    for decl, decl_id in zip(decls, decl_ids, strict=True):
        free = [p.id for p in roster[decl["station_id"]]]
        rng.shuffle(free)
        for unit in units_of[decl["station_id"]]:
            out = rng.random() < 0.04
            seats = crew_rules.seats_of(unit, session)
            n = 0 if out else min(seats, max(1, unit.crew_on_duty), len(free))
            crews.append([free.pop() for _ in range(n)])
            vehicles.append(
                {
                    "declaration_id": decl_id,
                    "unit_id": unit.id,
                    "in_service": not out,
                    "out_reason": "维修保养" if out else None,
                    "seats": seats,
                    "min_crew": crew_rules.minimum_of(unit, session),
                    "crew": n,
                }
            )
    vehicle_ids = _ids(session, DeclaredVehicle, vehicles)
    kinds = (Seat.DRIVER, Seat.COMMANDER)
    session.execute(
        insert(DeclaredSeat),
        [
            {
                "declaration_id": vehicle["declaration_id"],
                "vehicle_id": vehicle_id,
                "person_id": pid,
                "seat": kinds[i] if i < 2 else Seat.FIREFIGHTER,
            }
            for vehicle, vehicle_id, crew in zip(vehicles, vehicle_ids, crews, strict=True)
            for i, pid in enumerate(crew)
        ],
    )
    return len(decls)


def _today(session: Session, roster: dict[int, list[Person]], rng: random.Random) -> int:
    """Today's declarations through the service (all stations but the last two), roll calls."""
    # declared at 07:30 (before the set time) when the demo loads later in the day
    now = min(utcnow(), _local(declarations.local_day(utcnow()), 7, 30))
    stations = list(roster)
    done = 0
    for station_id in stations[:-2] if len(stations) > 2 else stations:
        people = list(roster[station_id])
        vehicles = []
        for unit in session.scalars(
            select(Unit).where(Unit.station_id == station_id).order_by(Unit.id)
        ):
            if unit.status not in (UnitStatus.AVAILABLE, UnitStatus.OUT_OF_SERVICE):
                continue  # on a call: its crew is the one it went with
            n = min(crew_rules.seats_of(unit, session), max(1, unit.crew_on_duty), len(people))
            take, people = people[:n], people[n:]
            vehicles.append(
                VehicleIn(
                    unit_id=unit.id,
                    crew=[
                        SeatIn(
                            person_id=p.id,
                            seat="driver" if i == 0 else "commander" if i == 1 else "firefighter",
                        )
                        for i, p in enumerate(take)
                    ],
                )
            )
        declarations.declare(
            session,
            actor=SYSTEM,
            data=DeclarationIn(
                station_id=station_id, officer_id=roster[station_id][0].id, vehicles=vehicles
            ),
            now=now,
        )
        session.add(
            DutyLog(
                org_id=station_id,
                kind=LogKind.ROLL_CALL,
                at=now - timedelta(hours=1),
                present=len(roster[station_id]) - 1,
                absent=[f"{roster[station_id][-1].name}（休假）"],
            )
        )
        session.add(
            DutyLog(
                org_id=station_id,
                kind=LogKind.HANDOVER,
                at=now - timedelta(hours=2),
                handed_over_by=roster[station_id][1].name,
                taken_over_by=roster[station_id][0].name,
                note="车辆器材完好，无遗留警情",
            )
        )
        done += 1
    return done


def _grid(session: Session, roster: dict[int, list[Person]]) -> int:
    detachment = session.scalars(
        select(Organization).where(Organization.kind == OrgKind.DETACHMENT)
    ).first()
    if detachment is None:
        return 0
    root = SafetyGridNode(
        org_id=detachment.id,
        level=GridLevel.DETACHMENT,
        name=f"{detachment.name}安全网格",
        responsible="支队长",
        duties="对支队安全工作负总责",
    )
    session.add(root)
    session.flush()
    count = 1
    for brigade in session.scalars(
        select(Organization).where(Organization.kind == OrgKind.BRIGADE)
    ):
        bnode = SafetyGridNode(
            parent_id=root.id,
            org_id=brigade.id,
            level=GridLevel.BRIGADE,
            name=f"{brigade.name}网格",
            responsible="大队长",
            duties="对大队安全工作负直接责任",
        )
        session.add(bnode)
        session.flush()
        count += 1
        for station_id, people in roster.items():
            station = session.get(Organization, station_id)
            if station is None or not station.path.startswith(brigade.path):
                continue
            snode = SafetyGridNode(
                parent_id=bnode.id,
                org_id=station_id,
                level=GridLevel.STATION,
                name=f"{station.name}网格",
                responsible=people[0].name,
                person_id=people[0].id,
                duties="站长：对本站人员、车辆、营区安全负责",
            )
            session.add(snode)
            session.flush()
            count += 1
            for i, (label, leader) in enumerate(
                (("一班", people[1]), ("二班", people[min(2, len(people) - 1)]))
            ):
                session.add(
                    SafetyGridNode(
                        parent_id=snode.id,
                        org_id=station_id,
                        level=GridLevel.SQUAD,
                        name=f"{station.name}{label}",
                        responsible=leader.name,
                        person_id=leader.id,
                        duties="班长：对本班人员日常安全负责"
                        if i == 0
                        else "班长：对本班车辆器材安全负责",
                    )
                )
                count += 1
    session.flush()
    return count


def load(
    factory: sessionmaker[Session], *, seed: int, years: Sequence[int], progress: Progress
) -> list[str]:
    """Load the duty demo content for ``years`` (skipped when the roster is already there)."""
    rng = random.Random(f"duty:{seed}")  # noqa: S311 - demo content, not secrets
    with factory() as session:
        if session.scalar(select(func.count()).select_from(Person)):
            return ["执勤实力与练兵：已有演示数据，跳过"]
        progress("执勤实力与练兵", 0, 6)
        roster = _roster(session, rng)
        for station_id in roster:
            session.add(
                RoutineTemplate(
                    org_id=station_id, items=[{"at": at, "activity": a} for at, a in ROUTINE]
                )
            )
        progress("执勤实力与练兵", 1, 6)
        sessions = _training(session, rng, roster, years)
        progress("执勤实力与练兵", 2, 6)
        drills = _drills(session, rng, years)
        supervisions = _supervisions(session, rng, roster, years)
        progress("执勤实力与练兵", 3, 6)
        weekly = _weekly_declarations(session, rng, roster, years)
        progress("执勤实力与练兵", 4, 6)
        today = _today(session, roster, rng)
        cells = _grid(session, roster)
        session.commit()
        progress("执勤实力与练兵", 6, 6)
    people = sum(len(p) for p in roster.values())
    return [
        f"执勤实力与练兵：花名册 {people} 人，训练 {sessions} 次，拉动演练 {drills} 次，"
        f"督察 {supervisions} 次，执勤实力申报 {weekly} 份（历史每周）+ 今日 {today} 站，"
        f"安全网格 {cells} 格"
    ]
