"""What the premises indicators read, gathered with a handful of grouped SQL queries.

Each query aggregates one source table per premises (``GROUP BY premises_id``), restricted to a
set of premises for an incremental run, so scoring 20,000 premises costs a few scans, never a
query per premises. The results land in numpy arrays aligned with the premises order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from lanyan.dispatch.choices import IncidentType
from lanyan.dispatch.models import Incident
from lanyan.forces.models import Organization
from lanyan.iot.choices import AlarmStatus
from lanyan.iot.models import Device, DeviceAlarm
from lanyan.prevention.choices import HazardSeverity, HazardStatus, ListingStatus
from lanyan.prevention.models import (
    Hazard,
    Inspection,
    PatrolVisit,
    Premises,
    SupervisedListing,
)
from lanyan.risk.indicators import WINDOWS

T = TypeVar("T")

CHUNK = 5000
"""Ids per ``IN (...)`` list (well under SQLite's parameter limit)."""

OPEN_HAZARD = (
    HazardStatus.REPORTED,
    HazardStatus.VERIFIED,
    HazardStatus.ORDERED,
    HazardStatus.RECTIFIED,
)
LISTING_OPEN = (ListingStatus.LISTED, ListingStatus.RECTIFYING)

FloatArray = npt.NDArray[np.float64]

REPEAT_DAYS = 7
"""Window of the repeated-alarms warning (:mod:`lanyan.risk.warnings`), counted here too."""


def chunks(ids: Sequence[T]) -> Iterable[list[T]]:
    """``ids`` in lists of at most :data:`CHUNK`."""
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


@dataclass
class PremisesInputs:
    """Per premises (aligned arrays): the master data and every aggregated input."""

    ids: npt.NDArray[np.int64]
    org_id: list[int]
    grid_id: list[int | None]
    officer_id: list[int | None]
    control_level: list[str | None]
    names: list[str]
    lon: FloatArray
    lat: FloatArray
    categorical: dict[str, list[str | None]] = field(default_factory=dict)
    numeric: dict[str, FloatArray] = field(default_factory=dict)
    """Indicator key → value (``nan`` unknown)."""
    next_change: list[datetime | None] = field(default_factory=list)
    """The earliest future instant at which a windowed or dated input changes by itself."""

    def __len__(self) -> int:
        return len(self.ids)


def _grouped(session: Session, key: Any, ids: Sequence[int] | None, stmt: Any) -> list[Any]:
    """Rows of ``stmt`` (grouped by ``key``) restricted to premises ``ids`` (all when None)."""
    if ids is None:
        return list(session.execute(stmt).all())
    rows: list[Any] = []
    for part in chunks(ids):
        rows.extend(session.execute(stmt.where(key.in_(part))).all())
    return rows


def _as_of(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def gather(session: Session, ids: Sequence[int] | None, now: datetime) -> PremisesInputs:
    """Every input of the premises ``ids`` (all premises when ``None``) as of ``now``."""
    base = select(
        Premises.id,
        Premises.org_id,
        Premises.grid_id,
        Premises.officer_id,
        Premises.name,
        Premises.category,
        Premises.venue_type,
        Premises.control_level,
        Premises.occupants,
        Premises.height_m,
        Premises.floors_below,
        Premises.lon,
        Premises.lat,
    ).order_by(Premises.id)
    rows = _grouped(session, Premises.id, ids, base)
    rows.sort(key=lambda r: r[0])
    n = len(rows)
    index = {int(r[0]): i for i, r in enumerate(rows)}
    data = PremisesInputs(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        org_id=[int(r[1]) for r in rows],
        grid_id=[r[2] for r in rows],
        officer_id=[r[3] for r in rows],
        control_level=[r[7].value if r[7] is not None else None for r in rows],
        names=[r[4] for r in rows],
        lon=np.array([r[11] for r in rows], dtype=np.float64),
        lat=np.array([r[12] for r in rows], dtype=np.float64),
    )
    data.categorical = {
        "venue_type": [r[6].value for r in rows],
        "category": [r[5].value for r in rows],
        "control_level": data.control_level,
    }

    def column(values: Iterable[Any]) -> FloatArray:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)

    numeric: dict[str, FloatArray] = {
        "occupants": column(r[8] for r in rows),
        "height_m": column(r[9] for r in rows),
        "floors_below": column(r[10] for r in rows),
    }
    for key in (
        "hazards_open",
        "hazards_major_open",
        "hazards_overdue",
        "listing_open",
        "fires_3y",
        "alarms_90d",
        "devices_fault",
        "devices_offline",
        "major_overdue",
        "alarms_7d",
    ):
        numeric[key] = np.zeros(n, dtype=np.float64)
    numeric["inspection_age_days"] = np.full(n, np.nan)
    numeric["patrol_age_days"] = np.full(n, np.nan)
    changes: list[datetime | None] = [None] * n

    def soonest(i: int, moment: datetime | None) -> None:
        current = changes[i]
        if moment is not None and moment > now and (current is None or moment < current):
            changes[i] = moment

    is_open = Hazard.status.in_(OPEN_HAZARD)
    ordered_later = and_(Hazard.status == HazardStatus.ORDERED, Hazard.deadline_at >= now)
    hazards = (
        select(
            Hazard.premises_id,
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((and_(is_open, Hazard.severity == HazardSeverity.MAJOR), 1), else_=0)),
            func.sum(
                case(
                    (and_(Hazard.status == HazardStatus.ORDERED, Hazard.deadline_at < now), 1),
                    else_=0,
                )
            ),
            func.min(case((ordered_later, Hazard.deadline_at), else_=None)),
            func.sum(
                case(
                    (
                        and_(
                            Hazard.status == HazardStatus.ORDERED,
                            Hazard.deadline_at < now,
                            Hazard.severity == HazardSeverity.MAJOR,
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(Hazard.premises_id.is_not(None), is_open)
        .group_by(Hazard.premises_id)
    )
    for pid, n_open, n_major, n_overdue, next_deadline, major_overdue in _grouped(
        session, Hazard.premises_id, ids, hazards
    ):
        i = index.get(int(pid))
        if i is None:
            continue
        numeric["hazards_open"][i] = n_open or 0
        numeric["hazards_major_open"][i] = n_major or 0
        numeric["hazards_overdue"][i] = n_overdue or 0
        numeric["major_overdue"][i] = major_overdue or 0
        soonest(i, next_deadline)

    listings = (
        select(Hazard.premises_id, func.count(SupervisedListing.id))
        .join(Hazard, Hazard.id == SupervisedListing.hazard_id)
        .where(SupervisedListing.status.in_(LISTING_OPEN), Hazard.premises_id.is_not(None))
        .group_by(Hazard.premises_id)
    )
    for pid, count in _grouped(session, Hazard.premises_id, ids, listings):
        if (i := index.get(int(pid))) is not None:
            numeric["listing_open"][i] = count

    since_fires = now - timedelta(days=365.25 * WINDOWS["fires_years"])
    # coalesce(): keep SQLite on the premises index, not the time index (see areas.scan_window)
    fires = (
        select(Incident.premises_id, func.count(Incident.id), func.min(Incident.received_at))
        .where(
            Incident.premises_id.is_not(None),
            Incident.type == IncidentType.FIRE,
            Incident.is_drill.is_(False),  # a 拉动演练 is no fire
            func.coalesce(Incident.received_at, Incident.received_at) >= since_fires,
            func.coalesce(Incident.received_at, Incident.received_at) < now,
        )
        .group_by(Incident.premises_id)
    )
    fire_window = timedelta(days=365.25 * WINDOWS["fires_years"])
    for pid, count, oldest in _grouped(session, Incident.premises_id, ids, fires):
        if (i := index.get(int(pid))) is not None:
            numeric["fires_3y"][i] = count
            soonest(i, oldest + fire_window if oldest else None)

    alarm_window = timedelta(days=WINDOWS["alarms_days"])
    recent = DeviceAlarm.opened_at >= now - timedelta(days=REPEAT_DAYS)
    alarms = (
        select(
            DeviceAlarm.premises_id,
            func.count(DeviceAlarm.id),
            func.min(DeviceAlarm.opened_at),
            func.sum(case((recent, 1), else_=0)),
        )
        .where(
            DeviceAlarm.status != AlarmStatus.TEST,
            DeviceAlarm.opened_at >= now - alarm_window,
            DeviceAlarm.opened_at < now,
        )
        .group_by(DeviceAlarm.premises_id)
    )
    for pid, count, oldest, last_week in _grouped(session, DeviceAlarm.premises_id, ids, alarms):
        if (i := index.get(int(pid))) is not None:
            numeric["alarms_90d"][i] = count
            numeric["alarms_7d"][i] = last_week or 0
            soonest(i, oldest + alarm_window if oldest else None)

    devices = select(
        Device.premises_id,
        func.sum(case((Device.fault_since.is_not(None), 1), else_=0)),
        func.sum(case((Device.online.is_(False), 1), else_=0)),
    ).group_by(Device.premises_id)
    for pid, faulty, offline in _grouped(session, Device.premises_id, ids, devices):
        if (i := index.get(int(pid))) is not None:
            numeric["devices_fault"][i] = faulty or 0
            numeric["devices_offline"][i] = offline or 0

    inspections = select(Inspection.premises_id, func.max(Inspection.inspected_on)).group_by(
        Inspection.premises_id
    )
    for pid, last in _grouped(session, Inspection.premises_id, ids, inspections):
        if (i := index.get(int(pid))) is not None and last is not None:
            numeric["inspection_age_days"][i] = (now.date() - last).days
            _next_step(soonest, i, _as_of(last), (180, 365), now)

    visits = select(PatrolVisit.premises_id, func.max(PatrolVisit.at)).group_by(
        PatrolVisit.premises_id
    )
    for pid, last in _grouped(session, PatrolVisit.premises_id, ids, visits):
        if (i := index.get(int(pid))) is not None and last is not None:
            numeric["patrol_age_days"][i] = (now - last).total_seconds() / 86400.0
            _next_step(soonest, i, last, (30, 90), now)

    data.numeric = numeric
    data.next_change = changes
    return data


def _next_step(
    soonest: Callable[[int, datetime | None], None],
    i: int,
    last: datetime | None,
    days: tuple[int, ...],
    now: datetime,
) -> None:
    if last is None:
        return
    for d in days:
        moment = last + timedelta(days=d)
        if moment > now:
            soonest(i, moment)
            return


def brigade_of_orgs(session: Session) -> dict[int, int | None]:
    """Every organization → the brigade above it (itself for a brigade; None above brigades)."""
    from lanyan.forces.choices import OrgKind

    rows = session.execute(select(Organization.id, Organization.path, Organization.kind)).all()
    brigade_by_path = {path: oid for oid, path, kind in rows if kind == OrgKind.BRIGADE}
    out: dict[int, int | None] = {}
    for oid, path, _kind in rows:
        out[int(oid)] = next(
            (bid for bpath, bid in brigade_by_path.items() if path.startswith(bpath)), None
        )
    return out
