"""Settings kept in the database, and which road file a deployment routes on.

The road file used to be chosen only by ``LANYAN_ROAD_FILE``, which no document named; without it a
new city's stations were silently routed on the demo's roads (snapped 6,700 km away, 0 % coverage).
Now ``lanyan init --roads FILE`` stores the file in the database, every process reads it from there,
and the environment variable only overrides it (a test machine, a one-off rebuild). A database with
no road file registered refuses to route, with a message saying how to register one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.config import Settings
from lanyan.core.errors import Conflict
from lanyan.core.permissions import Action
from lanyan.system.models import SystemSetting

ROAD_FILE = "road_file"
"""Key of the city's OSM extract (an absolute path on the server)."""


def get_setting(session: Session, key: str) -> str | None:
    """The stored value of ``key``, or ``None``."""
    return session.scalar(select(SystemSetting.value).where(SystemSetting.key == key))


def set_setting(session: Session, *, actor: Actor, key: str, value: str) -> None:
    """Store ``value`` under ``key`` (audited; administrators and the system only)."""
    actor.require(Action.ORG_WRITE)
    row = session.get(SystemSetting, key)
    before = None if row is None else {"key": key, "value": row.value}
    if row is None:
        session.add(SystemSetting(key=key, value=value))
    elif row.value == value:
        return
    else:
        row.value = value
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity="system_setting",
        entity_id=key,
        before=before,
        after={"key": key, "value": value},
    )


@dataclass(frozen=True)
class RoadFileChoice:
    """Which road file applies and why (shown by ``lanyan status`` and ``/api/health``)."""

    path: Path | None
    source: str
    """``environment`` (LANYAN_ROAD_FILE), ``database`` (lanyan init) or ``unset``."""

    def as_dict(self) -> dict[str, object]:
        """For health and status: the file's name, not the server's directory layout."""
        return {
            "file": None if self.path is None else self.path.name,
            "source": self.source,
            "exists": self.path is not None and self.path.is_file(),
        }


def road_file_choice(session: Session, settings: Settings) -> RoadFileChoice:
    """The road file of this deployment: the environment's override, else the database's."""
    if settings.road_file is not None:
        return RoadFileChoice(settings.road_file, "environment")
    stored = get_setting(session, ROAD_FILE)
    if stored:
        return RoadFileChoice(Path(stored), "database")
    return RoadFileChoice(None, "unset")


def require_road_file(session: Session, settings: Settings) -> Path:
    """The road file to route on; a clear refusal when none is registered or it is missing."""
    choice = road_file_choice(session, settings)
    if choice.path is None:
        raise Conflict(
            "尚未登记本市路网文件：请先运行 lanyan init --roads 城市路网.osm.pbf",
            "no road file registered for this city: run `lanyan init --roads CITY.osm.pbf` first",
        )
    if not choice.path.is_file():
        raise Conflict(
            f"路网文件不存在：{choice.path}（来源：{choice.source}）",
            f"the road file {choice.path} ({choice.source}) does not exist",
        )
    return choice.path
