"""Chinese spreadsheet forms: phone lists, full-width digits, 是/否, dates — and clear refusals."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from lanyan.core.cellforms import (
    halfwidth,
    normalize_phone_list,
    parse_bool_zh,
    parse_date_zh,
    parse_number,
)
from lanyan.core.schemas import Phone

PHONE = TypeAdapter(Phone)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("58825029、68620029", "58825029, 68620029"),
        ("58825029，68620029", "58825029, 68620029"),
        ("58825029;68620029", "58825029, 68620029"),
        ("58825029；68620029", "58825029, 68620029"),
        ("58825029/68620029", "58825029, 68620029"),
        ("58825029 68620029", "58825029, 68620029"),
        ("0571 8888 1234", "0571 8888 1234"),
        ("0571-88881234转8001", "0571-88881234转8001"),
        ("１３８００１３８０００", "13800138000"),
        ("（0571）88881234", "(0571)88881234"),
        ("+86 138 0013 8000", "+86 138 0013 8000"),
        ("119", "119"),
        (13800138000, "13800138000"),
    ],
)
def test_phone_lists_are_read_in_every_common_form(given: object, stored: str) -> None:
    assert normalize_phone_list(given) == stored
    assert PHONE.validate_python(given) == stored


@pytest.mark.parametrize("bad", ["请联系张三", "58825029、电话待补", "12", "138-", "a1234567"])
def test_malformed_phone_lists_are_refused_with_the_part_named(bad: str) -> None:
    with pytest.raises(ValueError, match="电话号码"):
        normalize_phone_list(bad)
    with pytest.raises(ValidationError):
        PHONE.validate_python(bad)


def test_too_many_numbers_for_the_column_are_refused() -> None:
    with pytest.raises(ValidationError):
        PHONE.validate_python("、".join(["13800138000"] * 5))


@pytest.mark.parametrize(
    ("given", "value"),
    [("是", True), ("否", False), ("有", True), ("无", False), ("√", True), ("×", False),
     ("YES", True), ("０", False), ("maybe", "maybe"), (True, True)],
)  # fmt: skip
def test_yes_no(given: object, value: object) -> None:
    assert parse_bool_zh(given) == value


@pytest.mark.parametrize(
    "given",
    ["2025-05-20", "2025/5/20", "2025年5月20日", "2025.5.20", "20250520", "２０２５年５月２０日",
     datetime(2025, 5, 20, 0, 0)],
)  # fmt: skip
def test_dates(given: object) -> None:
    assert parse_date_zh(given) == date(2025, 5, 20)


def test_impossible_date_is_refused() -> None:
    with pytest.raises(ValueError, match="不存在"):
        parse_date_zh("2025年2月30日")
    assert parse_date_zh("下周一") == "下周一"  # left for the schema to refuse


def test_numbers_and_halfwidth() -> None:
    assert parse_number("１,２００") == "1200"
    assert parse_number(" ") is None
    assert parse_number(3.5) == 3.5
    assert halfwidth("ＡＢ１２") == "AB12"
