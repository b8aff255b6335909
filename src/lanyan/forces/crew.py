"""How many people a vehicle needs, and the dispatch screen that reads it (issue 20, duty).

It lives with the forces registry, not in :mod:`lanyan.duty`, because dispatch reads it: the duty
package itself runs drills through dispatch, and packages never import each other.

A unit's minimum crew comes from the standards table by its type (``crew_min_<type>``, else
``crew_min_default``) unless the unit has its own row in ``duty_crew_minimum``. The day's
declaration writes the crew on each vehicle to ``unit.crew_on_duty``; a plan line that says
``full_crew`` passes over a vehicle whose crew is below its minimum, and the unit chosen instead
carries the reason, so the dispatcher sees why the nearer vehicle was not recommended.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from lanyan.core import jurisdiction
from lanyan.core.db import Base
from lanyan.core.standards import standards
from lanyan.forces.choices import UnitType
from lanyan.forces.models import Unit

_AERIAL = (UnitType.LADDER, UnitType.AERIAL_PLATFORM, UnitType.WATER_CANNON)
_CACHE_KEY = "duty.crew_minimum"


class CrewMinimum(Base):
    """A unit's own minimum crew and seats, overriding the standards table for its type."""

    __tablename__ = "duty_crew_minimum"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    min_crew: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))


jurisdiction.register(
    CrewMinimum, via=CrewMinimum.unit_id, parent=Unit, label=("最低执勤人数", "crew minimum")
)


class _HasUnit(Protocol):
    @property
    def unit(self) -> Unit: ...


C = TypeVar("C", bound=_HasUnit)


def type_minimum(unit_type: UnitType) -> int:
    """The standards table's minimum crew for a vehicle type."""
    table = standards()
    key = "crew_min_ladder" if unit_type in _AERIAL else f"crew_min_{unit_type.value}"
    try:
        return int(table[key])
    except KeyError:
        return int(table["crew_min_default"])


def full_seats() -> int:
    """Seats of a vehicle whose unit sets none (建标152-2017: 6 per vehicle)."""
    return int(standards()["crew_full_per_vehicle"])


def overrides(session: Session) -> dict[int, tuple[int, int]]:
    """Per-unit (min_crew, seats), read once per session (the table is small)."""
    cached = session.info.get(_CACHE_KEY)
    if cached is None:
        rows = session.execute(select(CrewMinimum.unit_id, CrewMinimum.min_crew, CrewMinimum.seats))
        cached = {uid: (int(m), int(s)) for uid, m, s in rows}
        session.info[_CACHE_KEY] = cached
    return dict(cached)


def forget(session: Session) -> None:
    """Drop the session's cached overrides (after one changed)."""
    session.info.pop(_CACHE_KEY, None)


def minimum_of(unit: Unit, session: Session | None = None) -> int:
    """The unit's minimum crew: its own override, else its type's."""
    session = session or object_session(unit)
    own = overrides(session).get(unit.id) if session is not None else None
    return own[0] if own else type_minimum(unit.type)


def seats_of(unit: Unit, session: Session | None = None) -> int:
    """The unit's seats: its own override, else the full crew of the standards table."""
    session = session or object_session(unit)
    own = overrides(session).get(unit.id) if session is not None else None
    return own[1] if own else max(full_seats(), type_minimum(unit.type))


def short_of_crew(unit: Unit) -> bool:
    """Whether the unit's crew on duty is below its minimum."""
    return unit.crew_on_duty < minimum_of(unit)


def screen(req: dict[str, Any], suitable: Sequence[C]) -> tuple[list[C], str]:
    """For a line requiring a full crew: the candidates with enough crew, and a note naming the
    faster ones passed over (empty when nothing was passed over or the line does not ask)."""
    if not req.get("full_crew"):
        return list(suitable), ""
    kept: list[C] = []
    passed: list[str] = []
    for cand in suitable:
        unit = cand.unit
        if short_of_crew(unit):
            if not kept:  # only those ahead of the choice matter to the dispatcher
                passed.append(f"{unit.call_sign}执勤{unit.crew_on_duty}人/最低{minimum_of(unit)}人")
            continue
        kept.append(cand)
    if not passed:
        return kept, ""
    return kept, f"；{'、'.join(passed)}，执勤人数不足，本级调派要求满编，未推荐"
