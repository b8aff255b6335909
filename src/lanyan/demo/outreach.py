"""Demo content of public education and of grassroots governance (issue 17).

For each brigade of the demo city: a fire-science education base, two volunteer teams whose
volunteers joined (and some left) over the years, and a realistic mix of education activities —
trainings, lectures, 七进 visits, base visits, live streams, articles, drill guidance, leaflets —
through the two history years and the current year up to yesterday, recorded through the real
service (some from the phone by the demo grid worker and the stations). For the 上区 brigade it
also lays out a four-level grid over its premises with the demo grid worker on one cell, and
generates the patrol tasks due from the patrol plans (``lanyan prevention tick``), so the grid
worker has tasks today.

Idempotent: a part already there (an activity in a year, the base, the teams, the grid) is kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.accounts.models import User
from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.permissions import Role
from lanyan.demo.names import person_name
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.outreach import activities, people
from lanyan.outreach.choices import ActivityKind, BaseLevel, OutreachTarget
from lanyan.outreach.models import EducationActivity, EducationBase, VolunteerTeam
from lanyan.outreach.schemas import ActivityCreate, BaseCreate, TeamCreate, VolunteerCreate
from lanyan.prevention.choices import GridLevel
from lanyan.prevention.cli import tick
from lanyan.prevention.governance_schemas import GridCreate
from lanyan.prevention.grids import add_member, assign_premises_to_grids, create_grid
from lanyan.prevention.models import Grid, Premises

Progress = Callable[[str, int, int], None]

KINDS: tuple[tuple[ActivityKind, float], ...] = (
    (ActivityKind.OUTREACH, 0.30),
    (ActivityKind.LECTURE, 0.16),
    (ActivityKind.TRAINING, 0.16),
    (ActivityKind.DRILL_GUIDANCE, 0.10),
    (ActivityKind.MATERIALS, 0.08),
    (ActivityKind.BASE_VISIT, 0.08),
    (ActivityKind.MEDIA_ARTICLE, 0.08),
    (ActivityKind.LIVE_STREAM, 0.04),
)
TITLES: dict[ActivityKind, tuple[str, ...]] = {
    ActivityKind.OUTREACH: (
        "消防安全宣传",
        "“119”消防宣传月活动",
        "冬春火灾防控宣传",
        "电动自行车安全宣传",
    ),
    ActivityKind.LECTURE: ("消防安全知识讲座", "家庭火灾预防讲座", "老年人防火安全讲座"),
    ActivityKind.TRAINING: ("消防安全管理人培训", "员工消防安全培训", "微型消防站队员培训"),
    ActivityKind.DRILL_GUIDANCE: ("指导开展灭火和应急疏散演练", "校园疏散演练指导"),
    ActivityKind.MATERIALS: ("发放消防安全提示", "入户发放宣传资料"),
    ActivityKind.BASE_VISIT: ("组织参观消防科普教育基地",),
    ActivityKind.MEDIA_ARTICLE: ("消防安全提示稿件", "火灾案例警示稿件"),
    ActivityKind.LIVE_STREAM: ("消防安全直播课", "“消防员带你看火场”直播"),
}
AUDIENCE: dict[ActivityKind, tuple[int, int]] = {
    ActivityKind.OUTREACH: (20, 300),
    ActivityKind.LECTURE: (30, 200),
    ActivityKind.TRAINING: (15, 120),
    ActivityKind.DRILL_GUIDANCE: (50, 800),
    ActivityKind.BASE_VISIT: (15, 60),
}
TARGET_PLACE: dict[OutreachTarget, str] = {
    OutreachTarget.COMMUNITY: "社区活动中心",
    OutreachTarget.VILLAGE: "村委会广场",
    OutreachTarget.FAMILY: "居民家中",
    OutreachTarget.SCHOOL: "学校礼堂",
    OutreachTarget.ENTERPRISE: "企业会议室",
    OutreachTarget.VENUE: "商场中庭",
    OutreachTarget.AGENCY: "机关会议室",
    OutreachTarget.WEBSITE: "支队官方网站",
}


def _actor(user: User | None, org: Organization, role: Role, name: str) -> Actor:
    return Actor(
        user_id=user.id if user else None,
        username=user.username if user else name,
        role=role,
        org_id=org.id,
        org_path=org.path,
        display_name=user.display_name if user else name,
    )


def _brigades(session: Session) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.kind == OrgKind.BRIGADE, Organization.external_id.like("demo:%"))
            .order_by(Organization.external_id)
        )
    )


def _stations(session: Session, brigade: Organization) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(
                Organization.path.startswith(brigade.path),
                Organization.id != brigade.id,
                Organization.kind == OrgKind.STATION,
            )
            .order_by(Organization.id)
        )
    )


def _base(session: Session, officer: Actor, brigade: Organization, n: int) -> EducationBase:
    name = f"{brigade.name.removesuffix('消防救援大队')}消防科普教育馆"
    found = session.scalar(select(EducationBase).where(EducationBase.name == name))
    if found is not None:
        return found
    return people.create_base(
        session,
        actor=officer,
        data=BaseCreate(
            name=name,
            level=BaseLevel.MUNICIPAL if n == 0 else BaseLevel.COUNTY,
            org_id=brigade.id,
            address=brigade.address,
            lon=brigade.lon,
            lat=brigade.lat,
            opened_on=date(2019 + n, 11, 9),
            note="免费开放，设火灾逃生、灭火器使用、烟雾逃生等体验区",
        ),
    )


def _volunteers(
    session: Session, officer: Actor, brigade: Organization, rng: random.Random, first: date
) -> int:
    short = brigade.name.removesuffix("消防救援大队")
    made = 0
    for suffix in ("消防志愿者服务队", "社区消防宣传志愿队"):
        name = f"{short}{suffix}"
        if session.scalar(select(VolunteerTeam.id).where(VolunteerTeam.name == name)):
            continue
        team = people.create_team(
            session,
            actor=officer,
            data=TeamCreate(
                name=name,
                org_id=brigade.id,
                leader=person_name(rng),
                phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                founded_on=first,
            ),
        )
        today = activities.local_today()
        for _ in range(rng.randint(18, 36)):
            joined = first + timedelta(days=rng.randint(0, (today - first).days - 1))
            volunteer = people.create_volunteer(
                session,
                actor=officer,
                data=VolunteerCreate(
                    name=person_name(rng),
                    phone=f"13{rng.randint(100_000_000, 999_999_999)}",
                    team_id=team.id,
                    joined_on=joined,
                ),
            )
            made += 1
            if rng.random() < 0.15 and (today - joined).days > 60:
                left = joined + timedelta(days=rng.randint(30, (today - joined).days - 1))
                people.move_volunteer(
                    session, actor=officer, volunteer_id=volunteer.id, move="leave", on=left
                )
    return made


def _activity(
    rng: random.Random, kind: ActivityKind, day: date, base_id: int, place: str
) -> ActivityCreate:
    target = None
    values: dict[str, Any] = {"audience": 0, "views": 0, "materials": 0}
    if kind == ActivityKind.OUTREACH:
        target = rng.choice(list(OutreachTarget))
        place = TARGET_PLACE[target]
    if kind in AUDIENCE:
        low, high = AUDIENCE[kind]
        values["audience"] = rng.randint(low, high)
    if kind in (ActivityKind.LIVE_STREAM, ActivityKind.MEDIA_ARTICLE):
        values["views"] = rng.randint(800, 120_000 if kind == ActivityKind.LIVE_STREAM else 30_000)
        place = "网络平台"
    if kind in (ActivityKind.OUTREACH, ActivityKind.LECTURE, ActivityKind.MATERIALS):
        values["materials"] = rng.randint(50, 800) if rng.random() < 0.8 else 0
    if kind == ActivityKind.MATERIALS:
        values["materials"] = max(values["materials"], rng.randint(100, 1500))
    title = rng.choice(TITLES[kind])
    return ActivityCreate(
        kind=kind,
        target=target,
        title=title,
        held_on=day,
        place=place,
        base_id=base_id if kind == ActivityKind.BASE_VISIT else None,
        **values,
    )


def _activities_year(
    session: Session,
    *,
    rng: random.Random,
    year: int,
    until: date,
    brigade: Organization,
    base: EducationBase,
    recorders: Sequence[Actor],
) -> int:
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    made = 0
    for month in range(1, 13):
        # more in the 119 month (November) and before the Spring Festival (January)
        count = rng.randint(6, 10) + (6 if month == 11 else 3 if month == 1 else 0)
        for _ in range(count):
            day = date(year, month, rng.randint(1, 28))
            if day > until:
                continue
            kind = rng.choices(kinds, weights)[0]
            recorder = rng.choice(recorders)
            data = _activity(rng, kind, day, base.id, brigade.address or brigade.name)
            data.via_phone = recorder.role in (Role.GRID, Role.STATION)
            activities.record_activity(session, actor=recorder, data=data)
            made += 1
    return made


def _grids(session: Session, brigade: Organization, worker: User | None) -> int:
    """A four-level grid over the brigade's premises (quadrants), the worker on one cell."""
    if session.scalar(select(Grid.id).where(Grid.external_id.like(f"demo:grid:{brigade.id}:%"))):
        return 0
    rows = session.execute(
        select(Premises.lon, Premises.lat)
        .join(Organization, Organization.id == Premises.org_id)
        .where(Organization.path.startswith(brigade.path))
    ).all()
    if len(rows) < 4:
        return 0
    lons = sorted(r[0] for r in rows)
    lats = sorted(r[1] for r in rows)
    pad = 0.002
    west, east, south, north = lons[0] - pad, lons[-1] + pad, lats[0] - pad, lats[-1] + pad
    mid_lon, mid_lat = lons[len(lons) // 2], lats[len(lats) // 2]

    def box(w: float, s: float, e: float, n: float) -> dict[str, Any]:
        ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
        return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}

    short = brigade.name.removesuffix("消防救援大队")
    ext = f"demo:grid:{brigade.id}"
    county = create_grid(
        session,
        actor=SYSTEM,
        data=GridCreate(
            external_id=f"{ext}:county",
            name=f"{short}县级网格",
            level=GridLevel.COUNTY,
            org_id=brigade.id,
            polygon=box(west, south, east, north),
        ),
    )
    made = 1
    halves = (("西片", west, mid_lon), ("东片", mid_lon, east))
    cells: list[Grid] = []
    for i, (half, w, e) in enumerate(halves):
        township = create_grid(
            session,
            actor=SYSTEM,
            data=GridCreate(
                external_id=f"{ext}:t{i}",
                name=f"{short}{half}乡镇网格",
                level=GridLevel.TOWNSHIP,
                parent_id=county.id,
                org_id=brigade.id,
                polygon=box(w, south, e, north),
            ),
        )
        for j, (part, s, n) in enumerate((("南", south, mid_lat), ("北", mid_lat, north))):
            village = create_grid(
                session,
                actor=SYSTEM,
                data=GridCreate(
                    external_id=f"{ext}:v{i}{j}",
                    name=f"{short}{half}{part}村社网格",
                    level=GridLevel.VILLAGE,
                    parent_id=township.id,
                    org_id=brigade.id,
                    polygon=box(w, s, e, n),
                ),
            )
            cells.append(
                create_grid(
                    session,
                    actor=SYSTEM,
                    data=GridCreate(
                        external_id=f"{ext}:g{i}{j}",
                        name=f"{short}{half}{part}第一网格",
                        level=GridLevel.GRID,
                        parent_id=village.id,
                        org_id=brigade.id,
                        polygon=box(w, s, e, n),
                    ),
                )
            )
            made += 2
        made += 1
    if worker is not None:
        add_member(session, actor=SYSTEM, grid_id=cells[0].id, user_id=worker.id)
    assign_premises_to_grids(session, actor=SYSTEM, org_id=brigade.id)
    return made


def load(
    factory: sessionmaker[Session],
    *,
    seed: int,
    years: tuple[int, ...],
    progress: Progress,
) -> list[str]:
    """Education bases, volunteers, activities, the 上区 grid and today's patrol tasks."""
    today = as_local(utcnow()).date()
    yesterday = today - timedelta(days=1)
    all_years = tuple(sorted({*years, today.year}))
    lines: list[str] = []
    totals = {"activities": 0, "volunteers": 0, "grids": 0}
    with factory() as session:
        brigades = _brigades(session)
        users = {
            u.username: u for u in session.scalars(select(User).where(User.username.like("demo_%")))
        }
        for n, brigade in enumerate(brigades):
            rng = random.Random(f"outreach:{seed}:{brigade.external_id}")  # noqa: S311 - demo
            progress(f"宣传教育 {brigade.name}", n, len(brigades))
            officer = _actor(
                users.get("demo_prevention"), brigade, Role.PREVENTION, "演示防火监督员"
            )
            base = _base(session, officer, brigade, n)
            totals["volunteers"] += _volunteers(
                session, officer, brigade, rng, date(min(all_years), 3, 1)
            )
            grid_user = users.get("demo_grid")
            recorders = [officer] + [
                _actor(None, station, Role.STATION, f"{station.name}执勤员")
                for station in _stations(session, brigade)[:4]
            ]
            if grid_user is not None and grid_user.organization_id == brigade.id:
                recorders.append(_actor(grid_user, brigade, Role.GRID, "演示网格员"))
            for year in all_years:
                held = session.scalar(
                    select(func.count())
                    .select_from(EducationActivity)
                    .where(
                        EducationActivity.org_id.in_([r.org_id for r in recorders]),
                        EducationActivity.held_on >= date(year, 1, 1),
                        EducationActivity.held_on < date(year + 1, 1, 1),
                    )
                )
                if held:
                    continue
                totals["activities"] += _activities_year(
                    session,
                    rng=random.Random(f"outreach:{seed}:{brigade.external_id}:{year}"),  # noqa: S311
                    year=year,
                    until=yesterday,
                    brigade=brigade,
                    base=base,
                    recorders=recorders,
                )
            if grid_user is not None and grid_user.organization_id == brigade.id:
                totals["grids"] += _grids(session, brigade, grid_user)
            session.commit()
        progress("宣传教育", len(brigades), len(brigades))
    lines.append(
        f"宣传教育：活动 {totals['activities']} 次，志愿者 {totals['volunteers']} 人，"
        f"网格 {totals['grids']} 个"
    )
    progress("巡查任务", 0, 1)
    result = tick(factory)
    progress("巡查任务", 1, 1)
    lines.append(f"防火巡查：{result.summary()}")
    return lines
