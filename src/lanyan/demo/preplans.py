"""Demo digital pre-plans and scene reports for the history years.

Every key premises (重点单位) of the demo city gets a structured pre-plan built from its own facts
(floors, height, use, occupants), the two nearest registered hydrants as water supply, fire
systems and access typical of its height and use, special hazards of its use, an attack plan, and
a drawn floor plan (a PNG stored like any upload, one per building shape). The first version is
written and approved in the first history year; about half are revised in the second (some
waiting for review, some sent back); a few were never reviewed again and are past their review
date (the overdue flag and figure have something to show); a few key premises have none yet.
Fires at key premises in the history get one or two scene reports (some asking for
reinforcement), acknowledged by the commander a few minutes later. Premises that already have a
plan and incidents that already have reports are skipped, so ``lanyan demo`` may run again.
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.command.preplan_models import PrePlan, PreplanStatus, PrePlanVersion
from lanyan.command.preplans import default_interval_days, local_today
from lanyan.command.scene_models import SceneReport, SceneReportStatus
from lanyan.core.clock import LOCAL_TZ
from lanyan.core.config import get_settings
from lanyan.core.db import transaction
from lanyan.dispatch.choices import IncidentType
from lanyan.dispatch.models import Incident
from lanyan.forces.models import WaterSource
from lanyan.prevention.choices import PremisesCategory, VenueType
from lanyan.prevention.models import Premises, Upload

Progress = Callable[[str, int, int], None]

HAZARDS: dict[VenueType, list[str]] = {
    VenueType.SHOPPING: ["营业区可燃商品集中，火灾荷载大", "地下车库电动车集中停放"],
    VenueType.HOTEL: ["夜间住宿人员多、疏散慢", "厨房燃气管道"],
    VenueType.HOSPITAL: ["住院病人行动不便", "医用氧气汇流排间"],
    VenueType.ELDERLY_CARE: ["卧床老人需逐个转移"],
    VenueType.SCHOOL: ["学生宿舍人员集中", "实验室化学试剂"],
    VenueType.HIGH_RISE: ["竖井烟囱效应，火势向上蔓延快", "外墙保温材料"],
    VenueType.FACTORY: ["生产线可燃粉尘", "锂电池成品仓库"],
    VenueType.WAREHOUSE: ["高架仓库货物堆垛高，易坍塌", "叉车充电区"],
    VenueType.HAZMAT: ["液化石油气储罐，禁止直流水冲击罐体", "泄漏时设置警戒区"],
    VenueType.ENTERTAINMENT: ["包间多、通道曲折", "装修材料燃烧产生有毒烟气"],
    VenueType.PUBLIC_ASSEMBLY: ["人员密集，防止踩踏"],
    VenueType.HERITAGE: ["木结构古建筑，耐火等级低", "文物须优先转移"],
    VenueType.TRANSPORT: ["候车厅人员密集", "地下空间排烟困难"],
}
REPORTS = [
    ("{floor}层东侧浓烟，内攻组已进入，暂未发现被困人员", False, None),
    ("消防控制室确认{floor}层报警，喷淋已动作，正在铺设水带", False, None),
    ("{floor}层有人员被困，已组织搜救", True, "举高车1辆、救援组1个"),
    ("供水不足，需要增加供水车辆", True, "水罐车2辆"),
    ("火势已控制，正在清理残火", False, None),
]


def _png(width: int, height: int, pixels: np.ndarray[Any, Any]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def floor_plan_png(rooms: int, *, seed: int) -> bytes:
    """A schematic floor plan: outer walls, a corridor, rooms, two stairs (green) and the
    fire-control room (red), drawn in a 480×320 image."""
    w, h = 480, 320
    img = np.full((h, w, 3), 250, dtype=np.uint8)
    dark = np.array([40, 50, 60], dtype=np.uint8)

    def rect(x0: int, y0: int, x1: int, y1: int, colour: Any, fill: bool = False) -> None:
        if fill:
            img[y0:y1, x0:x1] = colour
            return
        img[y0 : y0 + 3, x0:x1] = colour
        img[y1 - 3 : y1, x0:x1] = colour
        img[y0:y1, x0 : x0 + 3] = colour
        img[y0:y1, x1 - 3 : x1] = colour

    rng = random.Random(seed)  # noqa: S311 - demo drawing
    rect(20, 20, w - 20, h - 20, dark)
    rect(20, 140, w - 20, 180, dark)  # corridor walls
    img[143:177, 23 : w - 23] = (225, 235, 245)
    width = (w - 40) // rooms
    for i in range(rooms):
        x0 = 20 + i * width
        rect(x0, 20, x0 + width + 3, 143, dark)
        rect(x0, 177, x0 + width + 3, h - 20, dark)
        door = x0 + rng.randint(10, max(11, width - 20))
        img[140:146, door : door + 14] = 250
        img[174:180, door : door + 14] = 250
    rect(26, 146, 70, 174, (46, 160, 67), fill=True)  # stair 1
    rect(w - 70, 146, w - 26, 174, (46, 160, 67), fill=True)  # stair 2
    rect(26, 26, 80, 70, (211, 47, 47), fill=True)  # fire-control room
    return _png(w, h, img)


def _store(session: Session, content: bytes, org_id: int, root: Any, at: datetime) -> int:
    digest = hashlib.sha256(content).hexdigest()
    path = root / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    upload = Upload(
        sha256=digest,
        media_type="image/png",
        size_bytes=len(content),
        original_name="平面图.png",
        org_id=org_id,
        uploaded_by_id=None,
        uploaded_at=at,
    )
    session.add(upload)
    session.flush()
    return upload.id


def _at(day: date, rng: random.Random) -> datetime:
    moment = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), LOCAL_TZ)
    return moment.astimezone(UTC)


def _content(p: Premises, hydrants: list[WaterSource], rng: random.Random) -> dict[str, Any]:
    floors = p.floors_above or 1
    height = p.height_m or floors * 3.5
    occupants = p.occupants or 100
    content: dict[str, Any] = {
        "building": {
            "floors_above": floors,
            "floors_below": p.floors_below or 0,
            "height_m": round(height, 1),
            "area_m2": round(p.floor_area_m2 or floors * 800.0),
            "structure": "钢筋混凝土框架"
            if height > 24
            else rng.choice(["砖混", "钢筋混凝土框架"]),
            "use": p.building_use or p.venue_type.zh,
            "occupants_day": occupants,
            "occupants_night": max(5, occupants // (2 if p.venue_type is VenueType.HOTEL else 8)),
        },
        "systems": {
            "control_room": f"一层{rng.choice(['东', '西', '南', '北'])}侧，值班电话见单位信息",
            "sprinklers": "湿式系统，全楼覆盖" if height > 24 or floors > 3 else "无",
            "pump_connectors": [
                f"{rng.choice(['北门', '南门', '东侧'])}外墙（{n}号）" for n in (1, 2)
            ][: 2 if height > 24 else 1],
            "inside_hydrants": "每层楼梯间前室",
            "alarm": "集中报警系统",
            "smoke_control": "楼梯间加压送风、走道机械排烟" if height > 24 else "自然排烟",
        },
        "water_supply": [
            {"name": h.name, "kind": h.kind.zh, "water_source_id": h.id} for h in hydrants
        ],
        "access": {
            "fire_lanes": "环形消防车道，宽4米" if height > 24 else "单侧消防车道",
            "aerial_sites": "南侧登高操作场地 15×10 米" if height > 24 else "无需登高场地",
            "entrances": "主入口（南）、次入口（东），内攻经两部疏散楼梯",
        },
        "hazards": HAZARDS.get(p.venue_type, ["电气线路老化"]),
        "attack_plan": (
            "第一出动：辖区站水罐车两辆、抢险救援车一辆"
            + ("、登高平台车一辆" if height > 24 else "")
            + "。内攻组经楼梯间逐层搜索，水枪阵地设在着火层下一层楼梯间；"
            + "利用水泵接合器向室内管网补水，外围设供水线路。"
        ),
        "floor_plans": [],
        "photos": [],
    }
    return content


def _version(plan: PrePlan, content: dict[str, Any], note: str, who: str, at: datetime) -> Any:
    plan.version += 1
    return PrePlanVersion(
        preplan_id=plan.id,
        version=plan.version,
        content=content,
        source="edit",
        note=note,
        saved_by_name=who,
        saved_at=at,
    )


def _approve(plan: PrePlan, day: date, interval: int, rng: random.Random) -> None:
    plan.status = PreplanStatus.PUBLISHED
    plan.published_version = plan.version
    plan.reviewed_on = day
    plan.review_due_on = day + timedelta(days=interval)
    plan.published_at = _at(day, rng)


def _day_in(year: int, rng: random.Random, today: date) -> date:
    return min(date(year, rng.randint(1, 11), rng.randint(1, 28)), today)


def _plans(session: Session, seed: int, years: Sequence[int]) -> dict[str, int]:
    counts = {"plans": 0, "versions": 0, "overdue": 0, "pending": 0, "without": 0}
    root = get_settings().data_dir / "uploads"
    today = local_today()
    interval = default_interval_days()
    hydrants = list(session.scalars(select(WaterSource)))
    points = np.array([[w.lon, w.lat] for w in hydrants]) if hydrants else None
    premises = session.scalars(
        select(Premises)
        .where(Premises.category == PremisesCategory.KEY_UNIT)
        .where(~Premises.id.in_(select(PrePlan.premises_id)))
        .order_by(Premises.id)
    ).all()
    drawn: dict[tuple[int, int], int] = {}
    for p in premises:
        # one generator per premises: the same premises gets the same story on every run
        rng = random.Random(f"preplans:{seed}:{p.external_id}")  # noqa: S311 - demo data
        if rng.random() < 0.06:  # a few key premises still have no pre-plan
            counts["without"] += 1
            continue
        near: list[WaterSource] = []
        if points is not None:
            d = (points[:, 0] - p.lon) ** 2 + ((points[:, 1] - p.lat) * 1.4) ** 2
            near = [hydrants[int(i)] for i in np.argsort(d)[:2]]
        content = _content(p, near, rng)
        first_day = _day_in(years[0], rng, today)
        saved = _at(first_day, rng)
        shape = (p.org_id, min(6, max(3, (p.floors_above or 3))))
        if shape not in drawn:  # one drawing per brigade and building shape
            image = floor_plan_png(shape[1], seed=shape[1])
            drawn[shape] = _store(session, image, p.org_id, root, saved)
        content["floor_plans"] = [{"upload_id": drawn[shape], "title": "首层平面图"}]
        plan = PrePlan(
            premises_id=p.id,
            status=PreplanStatus.DRAFT,
            version=0,
            review_interval_days=interval,
            submitted_at=saved,
            created_at=saved,
            updated_at=saved,
        )
        session.add(plan)
        session.flush()
        session.add(_version(plan, content, "首次编制", "演示防火监督员", saved))
        _approve(plan, min(first_day + timedelta(days=rng.randint(3, 20)), today), interval, rng)
        counts["plans"] += 1
        counts["versions"] += 1
        # revised after a familiarisation drill (熟悉演练) in each later year, most re-approved;
        # one in sixteen is left alone and falls past its review date
        for year in [*years[1:], today.year]:
            roll = rng.random()
            if roll < 0.06:
                break
            day = _day_in(year, rng, today)
            revised = dict(content)
            revised["attack_plan"] = (
                f"{content['attack_plan']}{year}年熟悉演练后补充：夜间优先疏散住宿区。"
            )
            session.add(
                _version(plan, revised, f"{year}年度复核修订", "演示特勤站执勤员", _at(day, rng))
            )
            counts["versions"] += 1
            if year == today.year and roll > 0.92:
                plan.status = PreplanStatus.PENDING
                plan.submitted_at = _at(day, rng)
                counts["pending"] += 1
            elif year == today.year and roll > 0.88:
                plan.status = PreplanStatus.DRAFT
                plan.review_note = "退回：供水点缺少流量数据"
            else:
                _approve(plan, min(day + timedelta(days=rng.randint(2, 10)), today), interval, rng)
        if (
            plan.status is PreplanStatus.PUBLISHED
            and plan.review_due_on is not None
            and plan.review_due_on < today
            and rng.random() < 0.5
        ):
            plan.status = PreplanStatus.NEEDS_REVIEW
            plan.review_note = "超过复核周期，自动标记需复核"
        if plan.review_due_on is not None and plan.review_due_on < today:
            counts["overdue"] += 1
    return counts


def _reports(session: Session, rng: random.Random, years: Sequence[int]) -> tuple[int, int]:
    start = datetime(years[0], 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    fires = session.scalars(
        select(Incident)
        .where(
            Incident.type == IncidentType.FIRE,
            Incident.premises_id.is_not(None),
            Incident.received_at >= start,
            ~Incident.id.in_(select(SceneReport.incident_id)),
        )
        .order_by(Incident.received_at)
    ).all()
    sent = reinforcement = 0
    for incident in fires:
        arrived = [a for a in incident.assignments if a.on_scene_at is not None]
        if not arrived:
            continue
        first = min(arrived, key=lambda a: a.on_scene_at or incident.received_at)
        assert first.on_scene_at is not None
        floors = (incident.premises.floors_above if incident.premises else None) or 2
        for k in range(rng.choice((1, 1, 2))):
            text, needs_more, needs = REPORTS[rng.randrange(len(REPORTS))]
            at = first.on_scene_at + timedelta(minutes=2 + 6 * k + rng.randint(0, 3))
            acknowledged = at + timedelta(seconds=rng.randint(20, 240))
            session.add(
                SceneReport(
                    incident_id=incident.id,
                    unit_id=first.unit_id,
                    call_sign=first.unit.call_sign,
                    sender_name=f"{first.unit.station.name}执勤员",
                    sender_org_path=first.unit.station.path,
                    sent_at=at,
                    text=text.format(floor=rng.randint(1, max(1, floors))),
                    photo_ids=[],
                    needs_reinforcement=needs_more,
                    needs=needs,
                    status=SceneReportStatus.RESOLVED
                    if needs_more
                    else SceneReportStatus.ACKNOWLEDGED,
                    acknowledged_at=acknowledged,
                    acknowledged_by="演示值班指挥员",
                    resolved_at=acknowledged + timedelta(minutes=rng.randint(3, 12))
                    if needs_more
                    else None,
                    reply="已调派" if needs_more else None,
                )
            )
            sent += 1
            reinforcement += int(needs_more)
    return sent, reinforcement


def load(
    factory: sessionmaker[Session], *, seed: int, years: Sequence[int], progress: Progress
) -> list[str]:
    """Pre-plans of the key premises and scene reports of the history's fires."""
    if not years:
        return []
    rng = random.Random(f"scene-reports:{seed}")  # noqa: S311 - demo data, seeded
    progress("灭火救援预案", 1, 2)
    with transaction(factory) as session:
        c = _plans(session, seed, sorted(years))
    progress("现场报告", 2, 2)
    with transaction(factory) as session:
        sent, reinforcement = _reports(session, rng, sorted(years))
    return [
        f"灭火救援预案：新建 {c['plans']} 份（{c['versions']} 个版本，待审核 {c['pending']} 份，"
        f"超期未复核 {c['overdue']} 份；{c['without']} 家重点单位暂无预案）",
        f"现场报告：{sent} 条（请求增援 {reinforcement} 条）",
    ]
