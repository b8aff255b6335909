"""Setting a city up from nothing: the detachment at the root and the city's road file.

On an empty database nothing else can create the first organization (an import needs a parent
for every row, the API needs a user, a user needs an organization). ``lanyan init`` calls
:func:`init_city`; the demo loader calls the same function for its own detachment, so the path a
real city takes is the one the demo and its tests exercise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.errors import Conflict, Invalid
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.routing import GraphBuildError, RoadGraph, load_or_build
from lanyan.system.settings import ROAD_FILE, set_setting

ROOT_KINDS = (OrgKind.DETACHMENT, OrgKind.CORPS)
"""What the first organization may be: a detachment (the usual deployment) or a corps."""


def check_road_file(road_file: Path, cache_dir: Path) -> RoadGraph:
    """Build (or load from cache) the road graph of ``road_file``; refuse a file with no roads."""
    if not road_file.is_file():
        raise Invalid(f"路网文件不存在：{road_file}", f"the road file {road_file} does not exist")
    try:
        graph = load_or_build(road_file, cache_dir)
    except GraphBuildError as exc:
        raise Invalid(exc.detail, exc.detail_en) from exc
    if graph.n_nodes == 0 or graph.n_edges == 0:
        raise Invalid(
            f"路网文件 {road_file.name} 中没有可通行车辆的道路",
            f"{road_file.name} holds no drivable road",
        )
    return graph


def init_city(
    session: Session,
    *,
    actor: Actor,
    name: str,
    external_id: str,
    road_file: Path,
    cache_dir: Path,
    kind: OrgKind = OrgKind.DETACHMENT,
    **fields: Any,
) -> tuple[Organization, RoadGraph]:
    """Create the root organization of an empty database and register the city's road file.

    Parameters
    ----------
    session
        A session on a migrated database; the caller commits.
    actor
        :data:`~lanyan.core.actor.SYSTEM` (only the system may create a root).
    name, external_id, kind
        The detachment (or corps) at the root of the tree.
    road_file
        The city's OSM extract; its graph is built (and cached) now, so a bad file fails here.
    cache_dir
        Where the graph cache lives.
    fields
        Other organization fields (lon, lat, address, phone, jurisdiction …).

    Raises
    ------
    Conflict
        When the database already holds organizations (set-up is for an empty database).
    Invalid
        For a missing or unreadable road file, or a root kind that is not a detachment or corps.
    """
    existing = session.scalar(select(func.count()).select_from(Organization)) or 0
    if existing:
        raise Conflict(
            f"数据库中已有 {existing} 个组织机构：lanyan init 只用于空数据库，"
            "其余组织机构请用 lanyan import organizations 导入",
            f"the database already holds {existing} organizations: init is for an empty database;"
            " import the rest with `lanyan import organizations`",
        )
    if kind not in ROOT_KINDS:
        raise Invalid(
            "顶级组织机构只能是支队或总队", "the root organization must be a detachment or corps"
        )
    graph = check_road_file(road_file, cache_dir)
    org = forces.create_root_organization(
        session, actor=actor, external_id=external_id, name=name, kind=kind, **fields
    )
    set_setting(session, actor=actor, key=ROAD_FILE, value=str(road_file.resolve()))
    return org, graph
