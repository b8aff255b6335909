"""执勤实力: each station declares the day's duty, and dispatch reads it.

One declaration per station and local day. Declaring again the same day replaces it (a crew
change at noon). The declaration writes each vehicle's crew to ``unit.crew_on_duty`` and takes a
vehicle declared out of service off the board (``OUT_OF_SERVICE``) or puts it back, so the
recommendation (:mod:`lanyan.forces.crew`) and 人次 (``assignment.crew_sent``) follow it with no
change to dispatch. A station that has not confirmed its duty by the set time
(``duty_declare_by_min`` in the standards table) is flagged on the dispatcher's board; opening
the phone page offers yesterday's declaration, and one tap carries it over.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core import audit, events
from lanyan.core.actor import Actor
from lanyan.core.clock import LOCAL_TZ, as_local, utcnow
from lanyan.core.errors import Conflict, Invalid, NotFound
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.duty.choices import Seat
from lanyan.duty.models import Declaration, DeclaredSeat, DeclaredVehicle, Person
from lanyan.duty.schemas import (
    DeclarationIn,
    DeclarationPublic,
    SeatIn,
    SeatPublic,
    StrengthBoard,
    StrengthRow,
    VehicleIn,
    VehiclePublic,
)
from lanyan.forces import crew as crew_rules
from lanyan.forces.choices import OrgKind, UnitStatus
from lanyan.forces.models import Organization, Unit

DECLARING_KINDS = (
    OrgKind.STATION,
    OrgKind.SPECIAL_STATION,
    OrgKind.GOV_TEAM,
    OrgKind.ENTERPRISE_TEAM,
)
"""Organizations that declare a daily duty (micro stations and volunteers do not)."""


def local_day(moment: datetime) -> date:
    """The Asia/Shanghai day of a UTC moment."""
    return as_local(moment).date()


def declare_by(day: date) -> datetime:
    """The moment (UTC) by which ``day``'s declaration is due."""
    minutes = int(standards()["duty_declare_by_min"])
    local = datetime.combine(day, time(0), tzinfo=LOCAL_TZ) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


def declare_by_text() -> str:
    """The set time as HH:MM."""
    minutes = int(standards()["duty_declare_by_min"])
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _station(session: Session, actor: Actor, station_id: int) -> Organization:
    station = get_visible(session, actor, Organization, station_id)
    if station.kind not in DECLARING_KINDS:
        raise Invalid(
            f"{station.name}不是消防救援站或专职队，无需申报执勤实力",
            f"{station.name} does not declare a daily duty",
        )
    return station


def get_declaration(
    session: Session, actor: Actor, station_id: int, day: date
) -> Declaration | None:
    """The station's declaration for ``day`` (``None`` when there is none)."""
    _station(session, actor, station_id)
    return session.scalars(
        visible(actor, Declaration).where(
            Declaration.station_id == station_id, Declaration.day == day
        )
    ).one_or_none()


def latest_before(session: Session, actor: Actor, station_id: int, day: date) -> Declaration | None:
    """The station's most recent declaration before ``day`` (what carries over)."""
    return session.scalars(
        visible(actor, Declaration)
        .where(Declaration.station_id == station_id, Declaration.day < day)
        .order_by(Declaration.day.desc())
        .limit(1)
    ).one_or_none()


def _check_people(session: Session, actor: Actor, data: DeclarationIn) -> dict[int, Person]:
    wanted = [s.person_id for v in data.vehicles for s in v.crew]
    if data.officer_id is not None:
        wanted.append(data.officer_id)
    found = {
        p.id: p for p in session.scalars(visible(actor, Person).where(Person.id.in_(set(wanted))))
    }
    unknown = sorted({pid for pid in wanted if pid not in found})
    if unknown:
        raise Invalid(
            f"人员不存在或不在您的辖区内：{'、'.join(map(str, unknown))}",
            f"unknown people: {unknown}",
            errors=[{"field": "person_id", "value": pid} for pid in unknown],
        )
    inactive = [found[pid].name for pid in set(wanted) if not found[pid].active]
    if inactive:
        raise Invalid(f"{'、'.join(inactive)}已不在岗（停用）", "inactive people listed")
    seats = Counter(s.person_id for v in data.vehicles for s in v.crew)
    twice = [found[pid].name for pid, n in seats.items() if n > 1]
    if twice:
        raise Invalid(
            f"{'、'.join(twice)}同时被排在两个车位上，每人只能在一辆车上",
            f"on two seats at once: {', '.join(twice)}",
        )
    return found


def _check_vehicle(vehicle: VehicleIn, unit: Unit, people: dict[int, Person]) -> None:
    if not vehicle.in_service:
        if not vehicle.out_reason:
            raise Invalid(
                f"{unit.call_sign}不在执勤状态，请填写原因（如：维修保养）",
                f"{unit.call_sign} is out of service: give the reason",
            )
        if vehicle.crew:
            raise Invalid(
                f"{unit.call_sign}不在执勤状态，不能安排人员", f"{unit.call_sign} is out of service"
            )
    seats = crew_rules.seats_of(unit)
    if len(vehicle.crew) > seats:
        raise Invalid(
            f"{unit.call_sign}只有{seats}个座位，安排了{len(vehicle.crew)}人",
            f"{unit.call_sign} has {seats} seats",
        )
    for kind in (Seat.DRIVER, Seat.COMMANDER):
        if sum(1 for s in vehicle.crew if s.seat == kind) > 1:
            raise Invalid(
                f"{unit.call_sign}只能有一名{kind.zh}", f"{unit.call_sign}: one {kind.en} only"
            )


def declare(
    session: Session, *, actor: Actor, data: DeclarationIn, now: datetime | None = None
) -> Declaration:
    """Write today's duty of a station (replacing an earlier one of the same day).

    Refused with nothing written (422) for an unknown person, a person on two vehicles, a
    vehicle of another station or listed twice, more people than seats, an out-of-service
    vehicle without a reason; 409 for a vehicle out of service while it is on an incident.
    """
    actor.require(Action.DUTY_DECLARE)
    now = now or utcnow()
    station = _station(session, actor, data.station_id)
    unit_ids = [v.unit_id for v in data.vehicles]
    if len(set(unit_ids)) != len(unit_ids):
        raise Invalid("同一辆车申报了两次", "a vehicle is listed twice")
    units = {u.id: u for u in session.scalars(visible(actor, Unit).where(Unit.id.in_(unit_ids)))}
    for uid in unit_ids:
        unit = units.get(uid)
        if unit is None or unit.station_id != station.id:
            raise Invalid(
                f"车辆{uid}不属于{station.name}", f"unit {uid} is not a unit of {station.name}"
            )
    people = _check_people(session, actor, data)
    for vehicle in data.vehicles:
        _check_vehicle(vehicle, units[vehicle.unit_id], people)
        unit = units[vehicle.unit_id]
        if not vehicle.in_service and unit.status not in (
            UnitStatus.AVAILABLE,
            UnitStatus.OUT_OF_SERVICE,
        ):
            raise Conflict(
                f"{unit.call_sign}正在执行任务（{unit.status.zh}），不能申报为不在执勤",
                f"{unit.call_sign} is on an incident",
            )
    day = local_day(now)
    existing = session.scalars(
        select(Declaration).where(Declaration.station_id == station.id, Declaration.day == day)
    ).one_or_none()
    before = summary(existing) if existing is not None else None
    if existing is not None:
        session.delete(existing)
        session.flush()
    decl = Declaration(
        station_id=station.id,
        day=day,
        officer_id=data.officer_id,
        declared_at=now,
        declared_by_id=actor.user_id,
        carried_over=False,
        note=data.note,
    )
    session.add(decl)
    _fill(decl, data.vehicles, units)
    session.flush()
    _apply_to_units(session, decl, units, now=now, station=station)
    audit.record(
        session,
        actor=actor,
        action="declare",
        entity="duty_declaration",
        entity_id=decl.id,
        before=before,
        after=summary(decl),
    )
    events.queue(
        session,
        events.Event(
            "duty.declared",
            {"station_id": station.id, "day": day.isoformat()},
            station.path,
        ),
    )
    return decl


def _fill(decl: Declaration, vehicles: list[VehicleIn], units: dict[int, Unit]) -> None:
    for vehicle in vehicles:
        unit = units[vehicle.unit_id]
        row = DeclaredVehicle(
            unit=unit,
            in_service=vehicle.in_service,
            out_reason=vehicle.out_reason if not vehicle.in_service else None,
            seats=crew_rules.seats_of(unit),
            min_crew=crew_rules.minimum_of(unit),
            crew=len(vehicle.crew),
        )
        row.people = [_seat(decl, s) for s in vehicle.crew]
        decl.vehicles.append(row)


def _seat(decl: Declaration, seat: SeatIn) -> DeclaredSeat:
    return DeclaredSeat(person_id=seat.person_id, seat=seat.seat, declaration=decl)


def _apply_to_units(
    session: Session,
    decl: Declaration,
    units: dict[int, Unit],
    *,
    now: datetime,
    station: Organization,
) -> None:
    """Crew on duty and in/out of service, as declared (a unit on an incident keeps its status)."""
    for row in decl.vehicles:
        unit = units[row.unit_id]
        unit.crew_on_duty = row.crew
        target = None
        if not row.in_service and unit.status == UnitStatus.AVAILABLE:
            target = UnitStatus.OUT_OF_SERVICE
        elif row.in_service and unit.status == UnitStatus.OUT_OF_SERVICE:
            target = UnitStatus.AVAILABLE
        if target is not None:
            unit.status = target
            unit.status_changed_at = now
            events.queue(
                session,
                events.Event(
                    "unit.status",
                    {"unit_id": unit.id, "call_sign": unit.call_sign, "status": target.value},
                    station.path,
                ),
            )
        unit.updated_at = now
    session.flush()


def summary(decl: Declaration) -> dict[str, object]:
    """The declaration as the audit row keeps it."""
    return {
        "station_id": decl.station_id,
        "day": decl.day.isoformat(),
        "officer_id": decl.officer_id,
        "carried_over": decl.carried_over,
        "vehicles": [
            {
                "unit_id": v.unit_id,
                "in_service": v.in_service,
                "out_reason": v.out_reason,
                "crew": [[s.person_id, s.seat.value] for s in v.people],
            }
            for v in decl.vehicles
        ],
    }


def carry_over(
    session: Session, *, actor: Actor, station_id: int, now: datetime | None = None
) -> Declaration:
    """Confirm yesterday's (the latest) declaration for today unchanged (沿用昨日)."""
    actor.require(Action.DUTY_DECLARE)
    now = now or utcnow()
    day = local_day(now)
    _station(session, actor, station_id)
    previous = latest_before(session, actor, station_id, day)
    if previous is None:
        raise NotFound("本站还没有申报过执勤实力，请先申报", "no earlier declaration to carry over")
    data = DeclarationIn(
        station_id=station_id,
        officer_id=previous.officer_id,
        note=previous.note,
        vehicles=[
            VehicleIn(
                unit_id=v.unit_id,
                in_service=v.in_service,
                out_reason=v.out_reason,
                crew=[SeatIn(person_id=s.person_id, seat=s.seat) for s in v.people],
            )
            for v in previous.vehicles
        ],
    )
    decl = declare(session, actor=actor, data=data, now=now)
    decl.carried_over = True
    session.flush()
    return decl


def declaration_public(decl: Declaration, station_name: str) -> DeclarationPublic:
    """The declaration for the API and the pages."""
    vehicles = [
        VehiclePublic(
            unit_id=v.unit_id,
            call_sign=v.unit.call_sign,
            unit_type_zh=v.unit.type.zh,
            in_service=v.in_service,
            out_reason=v.out_reason,
            seats=v.seats,
            min_crew=v.min_crew,
            crew=v.crew,
            short=v.in_service and v.crew < v.min_crew,
            people=[
                SeatPublic(person_id=s.person_id, name=s.person.name, seat=s.seat) for s in v.people
            ],
        )
        for v in decl.vehicles
    ]
    return DeclarationPublic(
        id=decl.id,
        station_id=decl.station_id,
        station_name=station_name,
        day=decl.day,
        officer_id=decl.officer_id,
        officer_name=decl.officer.name if decl.officer else None,
        declared_at=decl.declared_at,
        carried_over=decl.carried_over,
        on_time=decl.declared_at <= declare_by(decl.day),
        note=decl.note,
        vehicles=vehicles,
        people=sum(v.crew for v in vehicles if v.in_service),
        vehicles_in_service=sum(1 for v in vehicles if v.in_service),
    )


def strength_board(session: Session, *, actor: Actor, now: datetime | None = None) -> StrengthBoard:
    """Every declaring station in the jurisdiction with today's declared strength or a flag."""
    actor.require(Action.READ)
    now = now or utcnow()
    day = local_day(now)
    overdue = now > declare_by(day)
    stations = list(
        session.scalars(
            visible(actor, Organization)
            .where(Organization.kind.in_(DECLARING_KINDS))
            .order_by(Organization.path)
        )
    )
    decls = {
        d.station_id: d
        for d in session.scalars(visible(actor, Declaration).where(Declaration.day == day))
    }
    rows = []
    for station in stations:
        decl = decls.get(station.id)
        if decl is None:
            rows.append(
                StrengthRow(
                    station_id=station.id,
                    station_name=station.name,
                    declared=False,
                    carried_over=False,
                    late=overdue,
                    on_time=False,
                    officer_name=None,
                    people=0,
                    vehicles_in_service=0,
                    vehicles_out=0,
                    short_vehicles=[],
                    summary="未申报" + ("（已过申报时间）" if overdue else ""),
                )
            )
            continue
        pub = declaration_public(decl, station.name)
        short = [v.call_sign for v in pub.vehicles if v.short]
        out = sum(1 for v in pub.vehicles if not v.in_service)
        text = f"在岗{pub.people}人 · 执勤车{pub.vehicles_in_service}辆"
        if out:
            text += f" · 停用{out}辆"
        if short:
            text += f" · 缺员：{'、'.join(short)}"
        rows.append(
            StrengthRow(
                station_id=station.id,
                station_name=station.name,
                declared=True,
                carried_over=decl.carried_over,
                late=not pub.on_time,
                on_time=pub.on_time,
                officer_name=pub.officer_name,
                people=pub.people,
                vehicles_in_service=pub.vehicles_in_service,
                vehicles_out=out,
                short_vehicles=short,
                summary=text,
            )
        )
    return StrengthBoard(day=day, declare_by=declare_by_text(), stations=rows)
