"""The dispatch screen of :mod:`lanyan.forces.crew` on its boundaries, without a database: a
vehicle with exactly its minimum crew goes, one person fewer is passed over on a full-crew line
(and named in the note), and a line that does not ask for a full crew takes it anyway."""

from __future__ import annotations

from dataclasses import dataclass

from lanyan.core.standards import standards
from lanyan.forces import crew
from lanyan.forces.choices import UnitType
from lanyan.forces.models import Unit


@dataclass(frozen=True)
class Cand:
    unit: Unit


def _unit(uid: int, kind: UnitType, people: int) -> Unit:
    return Unit(id=uid, call_sign=f"车{uid}", type=kind, station_id=1, crew_on_duty=people)


def test_minimums_come_from_the_standards_table_by_type() -> None:
    table = standards()
    assert crew.type_minimum(UnitType.WATER_TENDER) == table["crew_min_default"] == 4
    assert crew.type_minimum(UnitType.COMMAND) == table["crew_min_command"] == 2
    assert crew.type_minimum(UnitType.MOTORCYCLE) == table["crew_min_motorcycle"] == 1
    for aerial in (UnitType.LADDER, UnitType.AERIAL_PLATFORM, UnitType.WATER_CANNON):
        assert crew.type_minimum(aerial) == table["crew_min_ladder"] == 3
    assert crew.full_seats() == table["crew_full_per_vehicle"] == 6


def test_a_full_crew_line_passes_over_a_vehicle_one_short() -> None:
    short = Cand(_unit(1, UnitType.WATER_TENDER, 3))
    exact = Cand(_unit(2, UnitType.WATER_TENDER, 4))
    later = Cand(_unit(3, UnitType.WATER_TENDER, 2))
    kept, note = crew.screen({"full_crew": True}, [short, exact, later])
    assert kept == [exact]
    assert "车1执勤3人/最低4人" in note and "执勤人数不足" in note
    assert "车3" not in note  # behind the choice: not why the choice was made
    assert crew.screen({"full_crew": True}, [exact]) == ([exact], "")
    assert crew.screen({}, [short, exact]) == ([short, exact], "")
