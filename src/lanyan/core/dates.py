"""The calendar days Lanyan accepts as input, and one type that enforces them.

Every date a user sends (a statistics period, a patrol day, a campaign) is a local Asia/Shanghai
day between :data:`FIRST_DAY` and :data:`LAST_DAY`. The bound is not a business rule about which
years matter: it keeps every conversion that follows (local midnight to UTC, "the same period a
year earlier", "the period before") far from the ends of the calendar, where ``date`` arithmetic
overflows. A day outside is refused as invalid input (422) with a message a dispatcher can read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

FIRST_DAY = date(2000, 1, 1)
"""The earliest day accepted as input."""
LAST_DAY = date(2100, 12, 31)
"""The latest day accepted as input."""

OUT_OF_RANGE_ZH = f"日期须在 {FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()} 之间"
OUT_OF_RANGE_EN = f"a date must lie between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"


def in_range(day: date) -> bool:
    """Whether ``day`` is a day Lanyan accepts as input."""
    return FIRST_DAY <= day <= LAST_DAY


def _check_day(day: date) -> date:
    if not in_range(day):
        raise PydanticCustomError("date_out_of_range", f"{OUT_OF_RANGE_ZH}（{OUT_OF_RANGE_EN}）")
    return day


Day = Annotated[date, AfterValidator(_check_day)]
"""A calendar day within :data:`FIRST_DAY` .. :data:`LAST_DAY`, for schemas and query parameters
(``Annotated[Day, Query(alias="from")]``)."""
