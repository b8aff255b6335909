"""The forms values take in Chinese departments' spreadsheets, read into one canonical form.

Rosters and registers arrive as XLSX typed by hand: phone lists written "58825029、68620029" or
"0571-8888 1234；13800000000", digits typed full-width (１３８…), 是/否 for yes/no, dates as
2025/5/20, 2025年5月20日 or 2025.5.20. The importer and the API accept all of these and store one
form; anything else is refused with a reason a clerk can act on.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

_SEPARATORS = re.compile(r"[、,，;；/|\n\r\t]+")
_PHONE = re.compile(r"^\+?[0-9(][0-9()\- ]*[0-9)](?:(?:转|ext\.?|x)[0-9]{1,6})?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")

PHONE_SEPARATOR = ", "
"""How a list of numbers is stored (the Phone field allows it)."""

_TRUE = {"是", "有", "在", "启用", "正常", "true", "yes", "y", "1", "√", "✓", "t"}
_FALSE = {"否", "无", "不", "停用", "false", "no", "n", "0", "×", "✗", "f"}


def halfwidth(text: str) -> str:
    """Full-width digits, letters and ASCII punctuation as their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def normalize_phone_list(value: Any) -> Any:
    """One phone number or a list of them, in the stored form ``"58825029, 68620029"``.

    Separators 、，,;；/| and line breaks split numbers; spaces split them too when every part is a
    whole number on its own ("58825029 68620029"), and otherwise stay inside one number
    ("0571 8888 1234"). 转 / ext marks an extension. Raises ``ValueError`` naming the part that is
    not a phone number.
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str):
        return value
    text = halfwidth(value).strip()
    if not text:
        return None
    numbers: list[str] = []
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        pieces = part.split()
        if len(pieces) > 1 and all(_digits(p) >= 7 for p in pieces):
            numbers.extend(pieces)
        else:
            numbers.append(" ".join(pieces))
    for number in numbers:
        if not _PHONE.match(number) or not 3 <= _digits(number) <= 20:
            raise ValueError(f"电话号码「{number}」格式不正确（多个号码可用顿号、逗号或分号分隔）")
    return PHONE_SEPARATOR.join(numbers)


def parse_bool_zh(value: Any) -> Any:
    """是/否 (and 有/无, √/×, yes/no, 1/0) as a bool; other values are left for the schema."""
    if isinstance(value, str):
        key = halfwidth(value).strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    return value


def parse_date_zh(value: Any) -> Any:
    """2025-05-20, 2025/5/20, 2025.5.20, 2025年5月20日 and 20250520 as a date.

    A datetime (as openpyxl reads a date cell) becomes its date. Text that looks like a date but
    is not one (2025/2/30) raises ``ValueError``; other values are left for the schema.
    """
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, str):
        return value
    text = halfwidth(value).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        return value
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"日期「{value}」不存在") from exc


def parse_number(value: Any) -> Any:
    """A number typed with full-width digits or thousands separators ("１,２００") as plain text
    the schema can read ("1200"); other values unchanged."""
    if not isinstance(value, str):
        return value
    text = halfwidth(value).strip().replace(",", "")
    return text if text else None
