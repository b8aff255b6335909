"""Duty records of one side of the jurisdiction walk (tests/test_jurisdiction_walk.py): a person,
today's declaration with the person on the side's vehicle, a training session, an assessment
with the person's result, a 督察 finding, a roll call, a routine and a grid cell — every text
field carrying ``tag``."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from lanyan.core.clock import utcnow
from lanyan.duty.choices import (
    AssessmentKind,
    Employment,
    GridLevel,
    LogKind,
    Measure,
    Order,
    Post,
    Seat,
    Subject,
)
from lanyan.duty.declarations import local_day
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
    TrainingSession,
)


def duty_walk_records(session: Session, *, org_id: int, unit_id: int, tag: str) -> dict[str, int]:
    """The records, at the station ``org_id`` with its vehicle ``unit_id``."""
    now = utcnow()
    day = date(now.year, 1, 3)
    person = Person(
        external_id=f"walk:{tag.encode().hex()[:40]}",
        name=f"{tag}队员"[:60],
        org_id=org_id,
        post=Post.DRIVER,
        employment=Employment.PROFESSIONAL,
        qualifications=[{"name": f"{tag}驾驶证"}],
    )
    session.add(person)
    session.flush()
    declaration = Declaration(
        station_id=org_id,
        day=local_day(now),
        officer_id=person.id,
        declared_at=now,
        note=f"{tag}申报",
    )
    vehicle = DeclaredVehicle(unit_id=unit_id, in_service=True, seats=6, min_crew=4, crew=1)
    vehicle.people = [DeclaredSeat(person_id=person.id, seat=Seat.DRIVER, declaration=declaration)]
    declaration.vehicles.append(vehicle)
    assessment = Assessment(
        org_id=org_id,
        kind=AssessmentKind.MONTHLY,
        month=f"{day:%Y-%m}",
        held_on=day,
        subject=Subject.FITNESS,
        item=f"{tag}考核",
        measure=Measure.TIME,
        pass_value=60,
        min_value=10,
        max_value=300,
        standard_source=f"{tag}标准",
    )
    assessment.results.append(AssessmentResult(person_id=person.id, value=55, passed=True))
    supervision = Supervision(
        org_id=org_id, inspected_on=day, inspector=f"{tag}督察员", summary=f"{tag}督察"
    )
    supervision.findings.append(SupervisionFinding(order=Order.LIFE, description=f"{tag}问题"))
    training = TrainingSession(
        org_id=org_id,
        subject=Subject.SKILL,
        title=f"{tag}训练",
        held_on=day,
        attendees=[TrainingAttendance(person_id=person.id)],
    )
    session.add_all(
        [
            declaration,
            assessment,
            supervision,
            training,
            DutyLog(org_id=org_id, kind=LogKind.ROLL_CALL, at=now, absent=[f"{tag}缺勤"]),
            RoutineTemplate(org_id=org_id, items=[{"at": "06:30", "activity": f"{tag}起床"}]),
            SafetyGridNode(
                org_id=org_id, level=GridLevel.SQUAD, name=f"{tag}班", responsible=f"{tag}班长"
            ),
        ]
    )
    session.flush()
    return {
        "person_id": person.id,
        "assessment_id": assessment.id,
        "finding_id": supervision.findings[0].id,
    }
