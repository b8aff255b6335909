"""Fire grades (火灾等级) from a closing report's figures.

A fire takes the highest grade that any of its figures reaches (公安部 2007 notice on adjusting fire
grade criteria). "以上" includes the boundary number and "以下" excludes it, so 3 deaths is 较大 and
2 deaths is 一般. Thresholds come from :mod:`lanyan.core.standards`.
"""

from __future__ import annotations

from lanyan.core.choices import Choice
from lanyan.core.standards import Standards, standards


class FireGrade(Choice):
    """The four national fire grades, mildest first."""

    ORDINARY = ("ordinary", "一般火灾", "Ordinary fire", "#9e9e9e")
    LARGER = ("larger", "较大火灾", "Larger fire", "#fbc02d")
    MAJOR = ("major", "重大火灾", "Major fire", "#ef6c00")
    ESPECIALLY_MAJOR = ("especially_major", "特别重大火灾", "Especially major fire", "#b71c1c")


_ORDER = [FireGrade.ESPECIALLY_MAJOR, FireGrade.MAJOR, FireGrade.LARGER]
_KEYS = {
    FireGrade.ESPECIALLY_MAJOR: "grade_especially_major",
    FireGrade.MAJOR: "grade_major",
    FireGrade.LARGER: "grade_larger",
}


def fire_grade(
    *, deaths: int, serious_injuries: int, direct_loss_cny: float, table: Standards | None = None
) -> FireGrade:
    """The grade of a fire with these figures.

    Parameters
    ----------
    deaths, serious_injuries
        People killed and seriously injured.
    direct_loss_cny
        Direct property loss in yuan.
    table
        Standards to read the thresholds from (the configured ones by default).
    """
    if min(deaths, serious_injuries, direct_loss_cny) < 0:
        raise ValueError("figures cannot be negative")
    t = table or standards()
    for grade in _ORDER:
        key = _KEYS[grade]
        if (
            deaths >= t[f"{key}_deaths"]
            or serious_injuries >= t[f"{key}_injuries"]
            or direct_loss_cny >= t[f"{key}_loss_cny"]
        ):
            return grade
    return FireGrade.ORDINARY
