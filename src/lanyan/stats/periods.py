"""Reporting periods: ranges of local (Asia/Shanghai) dates and the UTC bounds the queries use.

Reports speak in local calendar terms ("2025年", "第三季度", "3月"), while every timestamp is stored
in UTC. A :class:`Period` is a half-open range of local dates ``[start, end)``; its UTC bounds are
what the SQL compares stored timestamps with, so an incident at 23:30 on 31 December Shanghai time
(15:30 UTC) belongs to December. A period also knows its two comparison periods: the previous one
(环比, period-on-period) and the same period one year earlier (同比, year-on-year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from lanyan.core.clock import LOCAL_TZ
from lanyan.core.dates import OUT_OF_RANGE_EN, OUT_OF_RANGE_ZH, in_range
from lanyan.core.errors import Invalid

PeriodKind = Literal["year", "quarter", "month", "custom"]

MAX_PERIOD_DAYS = 5 * 366
"""The longest period a query may ask for (five years)."""


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Asia/Shanghai."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """Local dates ``[start, end)``; ``kind`` decides what "the previous period" means."""

    start: date
    end: date
    kind: PeriodKind = "custom"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise Invalid(
                "统计截止日期必须晚于起始日期",
                f"the period must end after it starts ({self.start} .. {self.end})",
            )

    # --- constructors --------------------------------------------------------------------------

    @classmethod
    def year(cls, year: int) -> Period:
        """A calendar year."""
        return cls(date(year, 1, 1), date(year + 1, 1, 1), "year")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Quarter 1–4 of a year."""
        if not 1 <= quarter <= 4:
            raise Invalid("季度应为1至4", f"quarter must be 1..4, not {quarter}")
        start = date(year, 3 * (quarter - 1) + 1, 1)
        return cls(start, _add_months(start, 3), "quarter")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """A calendar month."""
        if not 1 <= month <= 12:
            raise Invalid("月份应为1至12", f"month must be 1..12, not {month}")
        start = date(year, month, 1)
        return cls(start, _add_months(start, 1), "month")

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        """Any range of local dates, ``end`` exclusive; at most :data:`MAX_PERIOD_DAYS` long."""
        if (end - start).days > MAX_PERIOD_DAYS:
            raise Invalid("统计时段不能超过5年", "a period may span at most 5 years")
        return cls(start, end, "custom")

    @classmethod
    def inclusive(cls, first: date, last: date) -> Period:
        """The dates ``first`` to ``last`` both included (how people write a range), each within
        the days Lanyan accepts (:mod:`lanyan.core.dates`): at the ends of the calendar the UTC
        bounds and the comparison periods could not be computed."""
        if not (in_range(first) and in_range(last)):
            raise Invalid(f"统计时段有误：{OUT_OF_RANGE_ZH}", f"invalid period: {OUT_OF_RANGE_EN}")
        if last < first:
            raise Invalid(
                "统计截止日期不能早于起始日期",
                f"the period ends ({last}) before it starts ({first})",
            )
        return cls.custom(first, last + timedelta(days=1))

    @classmethod
    def of_dates(cls, first: date, last: date) -> Period:
        """The period from ``first`` to ``last`` inclusive, recognized as a calendar year,
        quarter or month when it is one (so that "the previous period" means what users expect)."""
        period = cls.inclusive(first, last)
        if first.day == 1:
            for candidate in (
                cls.year(first.year),
                cls.quarter(first.year, (first.month - 1) // 3 + 1),
                cls.month(first.year, first.month),
            ):
                if candidate.start == period.start and candidate.end == period.end:
                    return candidate
        return period

    # --- what the queries use ------------------------------------------------------------------

    @property
    def utc_start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return local_midnight_utc(self.start)

    @property
    def utc_end(self) -> datetime:
        """The first instant after the period, in UTC."""
        return local_midnight_utc(self.end)

    @property
    def days(self) -> int:
        """Length in days."""
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        """The last date inside the period."""
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        """How a report names the period."""
        if self.kind == "year":
            return f"{self.start.year}年"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.isoformat()}至{self.last_day.isoformat()}"

    def months(self) -> list[tuple[str, datetime, datetime]]:
        """The local calendar months the period touches: ``("2025-03", utc_from, utc_to)``,
        clipped to the period, in order."""
        out: list[tuple[str, datetime, datetime]] = []
        cursor = date(self.start.year, self.start.month, 1)
        while cursor < self.end:
            following = _add_months(cursor, 1)
            lo, hi = max(cursor, self.start), min(following, self.end)
            out.append(
                (
                    f"{cursor.year:04d}-{cursor.month:02d}",
                    local_midnight_utc(lo),
                    local_midnight_utc(hi),
                )
            )
            cursor = following
        return out

    # --- comparison periods --------------------------------------------------------------------

    def previous(self) -> Period:
        """The period just before (环比): last month, last quarter, last year, or the same number
        of days immediately before a custom range."""
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        if self.kind == "quarter":
            return Period(_add_months(self.start, -3), self.start, "quarter")
        if self.kind == "month":
            return Period(_add_months(self.start, -1), self.start, "month")
        return Period(self.start - (self.end - self.start), self.start, "custom")

    def same_last_year(self) -> Period:
        """The same dates one year earlier (同比)."""
        start = _shift_years(self.start, -1)
        end = _shift_years(self.end, -1)
        if end <= start:
            end = start + timedelta(days=1)
        return Period(start, end, self.kind)
