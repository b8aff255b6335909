"""Working days in mainland China: weekends, public holidays and the make-up working days (调休).

Deadlines of 公安部令第120号 (消防监督检查规定) count working days, so "3 working days" across the
Spring Festival is weeks, not days. The calendar below is the State Council's published schedule
for 2025 and 2026; a deployment adds later years (or corrects these) with a JSON file named by
``LANYAN_HOLIDAYS_FILE``: ``{"holidays": ["2027-01-01", ...], "workdays": ["2027-02-06", ...]}``.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from lanyan.core.clock import LOCAL_TZ


def _span(first: str, last: str) -> set[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return {start + timedelta(days=i) for i in range((end - start).days + 1)}


# 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)
HOLIDAYS_2025 = (
    _span("2025-01-01", "2025-01-01")
    | _span("2025-01-28", "2025-02-04")
    | _span("2025-04-04", "2025-04-06")
    | _span("2025-05-01", "2025-05-05")
    | _span("2025-05-31", "2025-06-02")
    | _span("2025-10-01", "2025-10-08")
)
WORKDAYS_2025 = {
    date.fromisoformat(d)
    for d in ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11")
}
# 国务院办公厅关于2026年部分节假日安排的通知 (published 2025-11) [check against the notice]
HOLIDAYS_2026 = (
    _span("2026-01-01", "2026-01-03")
    | _span("2026-02-15", "2026-02-23")
    | _span("2026-04-04", "2026-04-06")
    | _span("2026-05-01", "2026-05-05")
    | _span("2026-06-19", "2026-06-21")
    | _span("2026-09-25", "2026-09-27")
    | _span("2026-10-01", "2026-10-07")
)
WORKDAYS_2026 = {
    date.fromisoformat(d)
    for d in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")
}


class WorkCalendar:
    """Which local dates are working days."""

    def __init__(self, holidays: set[date], workdays: set[date]) -> None:
        self.holidays = holidays
        self.workdays = workdays

    def is_workday(self, day: date) -> bool:
        """Monday–Friday unless a holiday; a make-up working weekend day counts."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_workdays(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
        if count < 0:
            raise ValueError("count must be ≥ 0")
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                count -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        return sum(
            self.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )

    def deadline_after(self, moment: datetime, count: int) -> datetime:
        """End of the ``count``-th working day after ``moment``'s local date, as UTC-aware time.

        "限期 N 个工作日" means the unit has until the end of that day, Asia/Shanghai time.
        """
        local_day = moment.astimezone(LOCAL_TZ).date()
        last = self.add_workdays(local_day, count)
        end = datetime.combine(last, time(23, 59, 59), tzinfo=LOCAL_TZ)
        return end.astimezone(moment.tzinfo or LOCAL_TZ)


@lru_cache(maxsize=1)
def calendar() -> WorkCalendar:
    """The configured calendar (built-in years plus ``LANYAN_HOLIDAYS_FILE``)."""
    holidays = set(HOLIDAYS_2025 | HOLIDAYS_2026)
    workdays = set(WORKDAYS_2025 | WORKDAYS_2026)
    path = os.environ.get("LANYAN_HOLIDAYS_FILE")
    if path:
        extra = json.loads(Path(path).read_text(encoding="utf-8"))
        holidays |= {date.fromisoformat(d) for d in extra.get("holidays", [])}
        workdays |= {date.fromisoformat(d) for d in extra.get("workdays", [])}
    return WorkCalendar(holidays, workdays)
