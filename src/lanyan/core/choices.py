"""Base for choice enums: each member carries a Chinese label, an English label and a colour.

Defined once, used by the API (``/api/meta/choices``), the UI and the reports.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self


class Choice(StrEnum):
    """A string enum whose members are declared as ``(value, zh, en[, colour])``."""

    zh: str
    en: str
    color: str

    def __new__(cls, value: str, zh: str = "", en: str = "", color: str = "#607d8b") -> Self:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh
        obj.en = en
        obj.color = color
        return obj

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """Every member with its labels, for the UI and the API."""
        return [{"value": m.value, "zh": m.zh, "en": m.en, "color": m.color} for m in cls]

    @classmethod
    def former_labels(cls) -> dict[str, str]:
        """Labels a member was known by before (label → value), still read on input."""
        return {}

    @classmethod
    def parse(cls, text: str) -> Self:
        """Accept the value, the Chinese or English label (case-insensitive), or a former label."""
        needle = text.strip()
        for member in cls:
            if needle in (member.value, member.zh) or needle.lower() == member.en.lower():
                return member
        former = {label.lower(): value for label, value in cls.former_labels().items()}
        if needle.lower() in former:
            return cls(former[needle.lower()])
        raise ValueError(needle)
