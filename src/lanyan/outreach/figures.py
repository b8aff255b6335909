"""Public-education figures for the yearly report (chapter 防火监督), traceable row by row.

Every figure is one aggregate over ``edu_activity`` (by the day it was held, in the subtree) or
over the volunteers serving at the period's end; its trace lists exactly the records behind it
(for a sum, the records with their ``value``), so "受众 M 人次" can be checked activity by activity:

- ``outreach.activities``: activities held; ``outreach.by_kind.<kind>``: by kind;
- ``outreach.audience``: people present (人次) at activities on site;
- ``outreach.materials``: leaflets and booklets handed out (份);
- ``outreach.articles`` / ``outreach.live_streams``: media articles, live streams;
  ``outreach.views``: their on-line views;
- ``outreach.base_visits`` / ``outreach.base_visitors``: visits to education bases and visitors;
- ``outreach.volunteers`` / ``outreach.volunteer_teams``: volunteers serving and teams existing at
  the period's end (stocks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Invalid
from lanyan.outreach.choices import ActivityKind
from lanyan.outreach.models import EducationActivity, Volunteer, VolunteerTeam
from lanyan.outreach.people import serving_on
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, Scope, org_in_scope
from lanyan.stats.sections import Section, Value

A = EducationActivity

SUMS: dict[str, Any] = {
    "outreach.audience": A.audience,
    "outreach.materials": A.materials,
    "outreach.views": A.views,
}
BY_KIND: dict[str, ActivityKind] = {
    "outreach.articles": ActivityKind.MEDIA_ARTICLE,
    "outreach.live_streams": ActivityKind.LIVE_STREAM,
    "outreach.base_visits": ActivityKind.BASE_VISIT,
    "outreach.trainings": ActivityKind.TRAINING,
}

LABELS = {
    "outreach.activities": "宣传教育培训活动",
    "outreach.audience": "受众（人次）",
    "outreach.materials": "发放宣传资料（份）",
    "outreach.articles": "媒体宣传稿件",
    "outreach.live_streams": "网络直播",
    "outreach.views": "线上浏览/观看量",
    "outreach.trainings": "消防安全培训",
    "outreach.base_visits": "科普教育基地参观",
    "outreach.base_visitors": "基地参观人次",
    "outreach.volunteers": "消防志愿者（人）",
    "outreach.volunteer_teams": "志愿者队伍",
}


def _held(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(A.held_on >= period.start, A.held_on < period.end, org_in_scope(A.org_id, scope))


def _teams_at(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(
        or_(
            VolunteerTeam.founded_on < period.end,
            and_(VolunteerTeam.founded_on.is_(None), VolunteerTeam.created_at < period.utc_end),
        ),
        org_in_scope(VolunteerTeam.org_id, scope),
    )


def compute(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    """Every outreach figure of the period and subtree (three queries)."""
    held = _held(scope, period)
    by_kind: dict[ActivityKind, int] = {
        k: int(n)
        for k, n in session.execute(select(A.kind, func.count()).where(held).group_by(A.kind))
    }
    sums = session.execute(
        select(
            func.coalesce(func.sum(A.audience), 0),
            func.coalesce(func.sum(A.materials), 0),
            func.coalesce(func.sum(A.views), 0),
            func.coalesce(func.sum(A.audience).filter(A.kind == ActivityKind.BASE_VISIT), 0),
        ).where(held)
    ).one()
    volunteers = session.scalar(
        select(func.count())
        .select_from(Volunteer)
        .where(serving_on(period.end), org_in_scope(Volunteer.org_id, scope))
    )
    teams = session.scalar(
        select(func.count()).select_from(VolunteerTeam).where(_teams_at(scope, period))
    )
    out: dict[str, Value] = {
        "outreach.activities": int(sum(by_kind.values())),
        "outreach.audience": int(sums[0]),
        "outreach.materials": int(sums[1]),
        "outreach.views": int(sums[2]),
    }
    for key, kind in BY_KIND.items():
        out[key] = int(by_kind.get(kind, 0))
    out["outreach.base_visitors"] = int(sums[3])
    out["outreach.volunteers"] = int(volunteers or 0)
    out["outreach.volunteer_teams"] = int(teams or 0)
    for kind in ActivityKind:
        out[f"outreach.by_kind.{kind.value}"] = int(by_kind.get(kind, 0))
    return out


def _activities(cond: ColumnElement[bool], value: Any = None) -> Any:
    columns = [
        A.id,
        A.held_on,
        A.kind,
        A.title,
        A.place,
        A.org_id,
    ]
    if value is not None:
        columns.append(value.label("value"))
    return select(*columns).where(cond).order_by(A.held_on, A.id)


def trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    """The records behind ``key`` (for sums, the records that add to it, with their value)."""
    held = _held(scope, period)
    if key == "outreach.activities":
        return _activities(held)
    if key in SUMS:
        return _activities(and_(held, SUMS[key] > 0), SUMS[key])
    if key in BY_KIND:
        return _activities(and_(held, A.kind == BY_KIND[key]))
    if key == "outreach.base_visitors":
        cond = and_(held, A.kind == ActivityKind.BASE_VISIT, A.audience > 0)
        return _activities(cond, A.audience)
    if key.startswith("outreach.by_kind."):
        value = key.removeprefix("outreach.by_kind.")
        if value not in ActivityKind._value2member_map_:
            raise Invalid(f"未知的统计指标：{key}", f"unknown figure key: {key}")
        return _activities(and_(held, A.kind == ActivityKind(value)))
    if key == "outreach.volunteers":
        return (
            select(
                Volunteer.id,
                Volunteer.name,
                Volunteer.team_id,
                Volunteer.joined_on,
                Volunteer.left_on,
                Volunteer.org_id,
            )
            .where(serving_on(period.end), org_in_scope(Volunteer.org_id, scope))
            .order_by(Volunteer.id)
        )
    if key == "outreach.volunteer_teams":
        return (
            select(
                VolunteerTeam.id,
                VolunteerTeam.name,
                VolunteerTeam.founded_on,
                VolunteerTeam.org_id,
            )
            .where(_teams_at(scope, period))
            .order_by(VolunteerTeam.id)
        )
    raise Invalid(f"未知的统计指标：{key}", f"unknown figure key: {key}")


def _label(key: str) -> str | None:
    value = key.removeprefix("outreach.by_kind.")
    if value != key and value in ActivityKind._value2member_map_:
        return ActivityKind(value).zh
    return None


def _n(figures: Figures, key: str) -> int:
    return int(figures.values.get(key) or 0)


def paragraph(current: Figures, previous: Figures) -> str | None:
    """全年开展宣传教育培训活动N次，受众M人次… (``None`` when nothing was recorded)."""
    activities = _n(current, "outreach.activities")
    volunteers = _n(current, "outreach.volunteers")
    if not activities and not volunteers:
        return None
    parts = [
        f"全年开展宣传教育培训活动{activities:,}次，受众{_n(current, 'outreach.audience'):,}人次"
    ]
    before = _n(previous, "outreach.activities")
    if before:
        change = (activities - before) / before * 100
        parts[0] += f"（活动次数同比{'增长' if change >= 0 else '下降'}{abs(change):.1f}%）"
    if _n(current, "outreach.trainings"):
        parts.append(f"其中消防安全培训{_n(current, 'outreach.trainings'):,}次")
    if _n(current, "outreach.materials"):
        parts.append(f"发放宣传资料{_n(current, 'outreach.materials'):,}份")
    online = _n(current, "outreach.articles") + _n(current, "outreach.live_streams")
    if online:
        parts.append(
            f"刊发媒体宣传稿件{_n(current, 'outreach.articles'):,}篇、"
            f"开展网络直播{_n(current, 'outreach.live_streams'):,}场，"
            f"线上浏览观看{_n(current, 'outreach.views'):,}次"
        )
    if _n(current, "outreach.base_visits"):
        parts.append(
            f"组织参观消防科普教育基地{_n(current, 'outreach.base_visits'):,}批次、"
            f"{_n(current, 'outreach.base_visitors'):,}人次"
        )
    if volunteers:
        parts.append(
            f"年末在册消防志愿者{volunteers:,}人"
            f"（{_n(current, 'outreach.volunteer_teams'):,}支队伍）"
        )
    return "，".join(parts) + "。"


SECTION = Section(
    prefix="outreach",
    compute=compute,
    trace=trace,
    labels=LABELS,
    dynamic_label=_label,
    kinds={
        "outreach.audience": "people",
        "outreach.materials": "people",
        "outreach.views": "people",
        "outreach.base_visitors": "people",
    },
    stock_prefixes=("outreach.volunteers", "outreach.volunteer_teams"),
    report_title="宣传教育培训",
    report_chapter="prevention",
    paragraph=paragraph,
)
