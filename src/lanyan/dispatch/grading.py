"""Fire grades (火灾等级) from a closing report's figures, by the rules in force on the fire's day.

Two editions apply. Fires before 2025-05-01 keep the 公安部 2007 notice on adjusting fire grade
criteria (deaths, serious injuries, direct loss). From 2025-05-01 the 《火灾统计管理规定》
(消防〔2025〕17号) governs: higher loss thresholds, households affected (受灾户) as a
criterion again, and a 轻微火灾 class inside 一般 (no casualties and a direct loss below a small
amount). A fire takes the highest grade any of its figures reaches; "以上" includes the
boundary number and "以下" excludes it, so 3 deaths is 较大 and 2 deaths is 一般. Every
threshold is read from :mod:`lanyan.core.standards` under an edition-keyed name
(``grade_2025_larger_loss_cny``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lanyan.core.choices import Choice
from lanyan.core.clock import as_local, utcnow
from lanyan.core.standards import Standards, standards


class FireGrade(Choice):
    """The four national fire grades, mildest first."""

    ORDINARY = ("ordinary", "一般火灾", "Ordinary fire", "#9e9e9e")
    LARGER = ("larger", "较大火灾", "Larger fire", "#fbc02d")
    MAJOR = ("major", "重大火灾", "Major fire", "#ef6c00")
    ESPECIALLY_MAJOR = ("especially_major", "特别重大火灾", "Especially major fire", "#b71c1c")


class GradingEdition(Choice):
    """The rules a fire was graded by; the value is the year the rules were issued."""

    MPS_2007 = ("2007", "公安部关于调整火灾等级标准的通知（2007）", "MPS fire grade notice (2007)")
    NFRA_2025 = (
        "2025",
        "火灾统计管理规定（消防〔2025〕17号）",
        "Fire statistics regulations (NFRA 2025 No. 17)",
    )


EDITION_2025_FROM = date(2025, 5, 1)
"""The day 消防〔2025〕17号 took effect; the 2007 thresholds govern the days before."""

_ORDER = [FireGrade.ESPECIALLY_MAJOR, FireGrade.MAJOR, FireGrade.LARGER]
_KEYS = {
    FireGrade.ESPECIALLY_MAJOR: "especially_major",
    FireGrade.MAJOR: "major",
    FireGrade.LARGER: "larger",
}


@dataclass(frozen=True, slots=True)
class Grading:
    """A fire's grade, whether it is 轻微, and the rules that decided both."""

    grade: FireGrade
    slight: bool
    edition: GradingEdition


def edition_on(occurred_on: date) -> GradingEdition:
    """The edition of the grading rules in force on that (local, Asia/Shanghai) day."""
    return GradingEdition.NFRA_2025 if occurred_on >= EDITION_2025_FROM else GradingEdition.MPS_2007


def fire_grade(
    *,
    deaths: int,
    serious_injuries: int,
    direct_loss_cny: float,
    households: int = 0,
    occurred_on: date | None = None,
    table: Standards | None = None,
) -> FireGrade:
    """The grade of a fire with these figures, by the rules in force on ``occurred_on``.

    Parameters
    ----------
    deaths, serious_injuries
        People killed and seriously injured (deaths counted within 7 days of the fire under the
        2007 rules, within 30 days under the 2025 rules).
    direct_loss_cny
        Direct property loss in yuan.
    households
        Households affected (受灾户); a criterion from 2025-05-01 only.
    occurred_on
        The local (Asia/Shanghai) day the fire happened; today's rules when omitted.
    table
        Standards to read the thresholds from (the configured ones by default).
    """
    return grade_fire(
        deaths=deaths,
        serious_injuries=serious_injuries,
        minor_injuries=0,
        direct_loss_cny=direct_loss_cny,
        households=households,
        occurred_on=occurred_on,
        table=table,
    ).grade


def is_slight_fire(
    *,
    deaths: int,
    injuries: int,
    direct_loss_cny: float,
    occurred_on: date | None = None,
    table: Standards | None = None,
) -> bool:
    """Whether a fire is 轻微火灾: no one killed or injured and a direct loss below the limit.

    ``injuries`` counts every injured person, serious or not. Before 2025-05-01 no such class
    existed, so an earlier fire is never 轻微.
    """
    _check(deaths, injuries, direct_loss_cny)
    edition = edition_on(occurred_on or _today())
    if edition is not GradingEdition.NFRA_2025:
        return False
    t = table or standards()
    return deaths == 0 and injuries == 0 and direct_loss_cny < t["grade_2025_slight_loss_cny"]


def grade_fire(
    *,
    deaths: int,
    serious_injuries: int,
    minor_injuries: int,
    direct_loss_cny: float,
    households: int,
    occurred_on: date | None,
    table: Standards | None = None,
) -> Grading:
    """Grade, 轻微 class and edition together, as the closing report records them."""
    _check(deaths, serious_injuries, direct_loss_cny)
    if min(minor_injuries, households) < 0:
        raise ValueError("figures cannot be negative")
    edition = edition_on(occurred_on or _today())
    t = table or standards()
    prefix = f"grade_{edition.value}"
    grade = FireGrade.ORDINARY
    for candidate in _ORDER:
        key = f"{prefix}_{_KEYS[candidate]}"
        if (
            deaths >= t[f"{key}_deaths"]
            or serious_injuries >= t[f"{key}_injuries"]
            or direct_loss_cny >= t[f"{key}_loss_cny"]
            or (edition is GradingEdition.NFRA_2025 and households >= t[f"{key}_households"])
        ):
            grade = candidate
            break
    slight = grade is FireGrade.ORDINARY and is_slight_fire(
        deaths=deaths,
        injuries=serious_injuries + minor_injuries,
        direct_loss_cny=direct_loss_cny,
        occurred_on=occurred_on or _today(),
        table=t,
    )
    return Grading(grade=grade, slight=slight, edition=edition)


def _today() -> date:
    """Today in Asia/Shanghai, where the rules apply."""
    return as_local(utcnow()).date()


def _check(deaths: int, injuries: int, direct_loss_cny: float) -> None:
    if min(deaths, injuries, direct_loss_cny) < 0:
        raise ValueError("figures cannot be negative")
