"""Supervised-listing figures by kind and by who lists (a :mod:`lanyan.stats.sections` section,
prefix ``listing``); the older ``listings.*`` figures (listed, open, delisted, all kinds
together) stay where they are.

- ``listing.listed.<kind>``: listings of that kind (major / 突出 / area) listed in the period;
- ``listing.units.<kind>`` / ``listing.hazards.<kind>``: the units (家) and hazards (处)
  those listings cover — 1 and 1 for a hazard, the area's counts for an area (sums; the trace
  carries each listing's ``value``);
- ``listing.by_lister.<level>.<lister>``: listings listed in the period by 省/市/县 and by the
  people's government or the fire-rescue agency;
- ``listing.open.<kind>``: under supervision at the period's end (a stock).

It lives in :mod:`lanyan.stats` for the same reason as :mod:`lanyan.stats.campaign_figures`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Invalid
from lanyan.prevention.campaign_choices import ListingKind, ListingLister
from lanyan.prevention.choices import ListingLevel
from lanyan.prevention.definitions import listing_open_as_of
from lanyan.prevention.listing import listed_by_zh
from lanyan.prevention.models import Hazard, SupervisedListing
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, Scope, org_in_scope
from lanyan.stats.sections import Kind, Section, Value

PREFIX = "listing"
_SUMS = {"units": SupervisedListing.unit_count, "hazards": SupervisedListing.hazard_count}


def _listed(period: Period, scope: Scope) -> Any:
    return (
        (SupervisedListing.listed_at >= period.utc_start)
        & (SupervisedListing.listed_at < period.utc_end)
        & org_in_scope(SupervisedListing.org_id, scope)
    )


def _as_of(period: Period, now: datetime) -> datetime:
    return min(now, period.utc_end)


def compute(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    """Listings listed in the period by kind (count, 家, 处) and by lister; open at its end."""
    rows = session.execute(
        select(
            SupervisedListing.kind,
            SupervisedListing.level,
            SupervisedListing.lister,
            func.count(),
            func.sum(SupervisedListing.unit_count),
            func.sum(SupervisedListing.hazard_count),
        )
        .where(_listed(period, scope))
        .group_by(SupervisedListing.kind, SupervisedListing.level, SupervisedListing.lister)
    ).all()
    out: dict[str, int] = {}
    for kind in ListingKind:
        for part in ("listed", "units", "hazards"):
            out[f"{PREFIX}.{part}.{kind.value}"] = 0
    for level in ListingLevel:
        for lister in ListingLister:
            out[f"{PREFIX}.by_lister.{level.value}.{lister.value}"] = 0
    for kind, level, lister, n, units, hazards in rows:
        out[f"{PREFIX}.listed.{kind.value}"] += int(n)
        out[f"{PREFIX}.units.{kind.value}"] += int(units or 0)
        out[f"{PREFIX}.hazards.{kind.value}"] += int(hazards or 0)
        out[f"{PREFIX}.by_lister.{level.value}.{lister.value}"] += int(n)
    open_rows = dict(
        session.execute(
            select(SupervisedListing.kind, func.count())
            .where(
                org_in_scope(SupervisedListing.org_id, scope),
                listing_open_as_of(_as_of(period, now)),
            )
            .group_by(SupervisedListing.kind)
        ).all()
    )
    for kind in ListingKind:
        out[f"{PREFIX}.open.{kind.value}"] = int(open_rows.get(kind, 0))
    return dict(out)


def trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    """The listings behind a key (``value`` = units or hazards for the sums)."""
    parts = key.split(".")
    value: Any = literal(1)
    if len(parts) == 3 and parts[1] in ("listed", "units", "hazards", "open"):
        kind = ListingKind(parts[2]) if parts[2] in ListingKind._value2member_map_ else None
        if kind is None:
            raise Invalid(f"没有这个统计项：{key}", f"no such figure: {key}")
        condition: Any = SupervisedListing.kind == kind
        if parts[1] == "open":
            condition &= org_in_scope(SupervisedListing.org_id, scope) & listing_open_as_of(
                _as_of(period, now)
            )
        else:
            condition &= _listed(period, scope)
        if parts[1] in _SUMS:
            value = _SUMS[parts[1]]
    elif len(parts) == 4 and parts[1] == "by_lister":
        try:
            level, lister = ListingLevel(parts[2]), ListingLister(parts[3])
        except ValueError as exc:
            raise Invalid(f"没有这个统计项：{key}", f"no such figure: {key}") from exc
        condition = (
            _listed(period, scope)
            & (SupervisedListing.level == level)
            & (SupervisedListing.lister == lister)
        )
    else:
        raise Invalid(f"没有这个统计项：{key}", f"no such figure: {key}")
    return (
        select(
            SupervisedListing.id,
            SupervisedListing.kind,
            func.coalesce(Hazard.title, SupervisedListing.area_name).label("title"),
            SupervisedListing.org_id,
            SupervisedListing.level,
            SupervisedListing.lister,
            SupervisedListing.status,
            SupervisedListing.listed_at,
            value.label("value"),
        )
        .outerjoin(Hazard, Hazard.id == SupervisedListing.hazard_id)
        .where(condition)
        .order_by(SupervisedListing.listed_at, SupervisedListing.id)
    )


def _label(key: str) -> str | None:
    parts = key.split(".")
    if len(parts) == 3 and parts[2] in ListingKind._value2member_map_:
        kind = ListingKind(parts[2]).zh
        return {
            "listed": f"挂牌督办·{kind}",
            "units": f"挂牌督办·{kind}（家）",
            "hazards": f"挂牌督办·{kind}（处）",
            "open": f"期末在督·{kind}",
        }.get(parts[1])
    if len(parts) == 4 and parts[1] == "by_lister":
        try:
            return listed_by_zh(ListingLevel(parts[2]), ListingLister(parts[3]))
        except ValueError:
            return None
    return None


class _SumKinds(dict[str, Kind]):
    """Units and hazards are sums over listings (``value`` in the trace): the ``people`` kind is
    the registry's "sum over records"; the others are counts."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.split(".")[1:2] in (["units"], ["hazards"])

    def __missing__(self, key: str) -> Kind:
        if key in self:
            return "people"
        raise KeyError(key)


def paragraph(current: Figures, previous: Figures) -> str | None:
    """The yearly report's sentence on listing by kind, in units and hazards."""
    v = current.values
    parts = []
    for kind in ListingKind:
        n = int(v.get(f"{PREFIX}.listed.{kind.value}") or 0)
        if n:
            units = int(v.get(f"{PREFIX}.units.{kind.value}") or 0)
            hazards = int(v.get(f"{PREFIX}.hazards.{kind.value}") or 0)
            parts.append(f"{kind.zh}{n}项（{units}家单位、{hazards}处隐患）")
    if not parts:
        return None
    return "挂牌督办" + "、".join(parts) + "。"


SECTION = Section(
    prefix=PREFIX,
    compute=compute,
    trace=trace,
    dynamic_label=_label,
    kinds=_SumKinds(),
    stock_prefixes=(f"{PREFIX}.open.",),
    report_title="挂牌督办",
    report_chapter="prevention",
    paragraph=paragraph,
)
