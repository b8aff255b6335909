"""Fire grades on their boundaries, by the rules in force on the fire's day.

"以上" includes the number, "以下" excludes it. Fires before 2025-05-01 keep the 2007 thresholds;
from that day 消防〔2025〕17号 applies (higher losses, households affected, 轻微火灾).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lanyan.core.standards import standards
from lanyan.dispatch.grading import (
    FireGrade,
    GradingEdition,
    edition_on,
    fire_grade,
    grade_fire,
    is_slight_fire,
)

G = FireGrade
BEFORE = date(2025, 4, 30)  # the last day of the 2007 rules
FROM = date(2025, 5, 1)  # the first day of the 2025 rules

CASES_2007 = [
    # deaths, serious injuries, direct loss (yuan), grade
    (0, 0, 0, G.ORDINARY),
    (2, 9, 9_999_999, G.ORDINARY),
    (3, 0, 0, G.LARGER),
    (0, 10, 0, G.LARGER),
    (0, 0, 10_000_000, G.LARGER),
    (9, 49, 49_999_999, G.LARGER),
    (10, 0, 0, G.MAJOR),
    (0, 50, 0, G.MAJOR),
    (0, 0, 50_000_000, G.MAJOR),
    (29, 99, 99_999_999, G.MAJOR),
    (30, 0, 0, G.ESPECIALLY_MAJOR),
    (0, 100, 0, G.ESPECIALLY_MAJOR),
    (0, 0, 100_000_000, G.ESPECIALLY_MAJOR),
    (1, 0, 100_000_000, G.ESPECIALLY_MAJOR),  # the highest figure decides
]

CASES_2025 = [
    # deaths, serious injuries, households, direct loss (yuan), grade
    (0, 0, 0, 0, G.ORDINARY),
    (2, 9, 29, 29_999_999, G.ORDINARY),
    (3, 0, 0, 0, G.LARGER),
    (0, 10, 0, 0, G.LARGER),
    (0, 0, 30, 0, G.LARGER),
    (0, 0, 0, 30_000_000, G.LARGER),
    (9, 49, 99, 99_999_999, G.LARGER),
    (10, 0, 0, 0, G.MAJOR),
    (0, 50, 0, 0, G.MAJOR),
    (0, 0, 100, 0, G.MAJOR),
    (0, 0, 0, 100_000_000, G.MAJOR),
    (29, 99, 299, 299_999_999, G.MAJOR),
    (30, 0, 0, 0, G.ESPECIALLY_MAJOR),
    (0, 100, 0, 0, G.ESPECIALLY_MAJOR),
    (0, 0, 300, 0, G.ESPECIALLY_MAJOR),
    (0, 0, 0, 300_000_000, G.ESPECIALLY_MAJOR),
    (1, 0, 0, 300_000_000, G.ESPECIALLY_MAJOR),  # the highest figure decides
]


@pytest.mark.parametrize(("deaths", "injuries", "loss", "grade"), CASES_2007)
def test_grade_boundaries_before_2025_05_01(
    deaths: int, injuries: int, loss: int, grade: FireGrade
) -> None:
    got = fire_grade(
        deaths=deaths, serious_injuries=injuries, direct_loss_cny=loss, occurred_on=BEFORE
    )
    assert got is grade


@pytest.mark.parametrize(("deaths", "injuries", "households", "loss", "grade"), CASES_2025)
def test_grade_boundaries_from_2025_05_01(
    deaths: int, injuries: int, households: int, loss: int, grade: FireGrade
) -> None:
    got = fire_grade(
        deaths=deaths,
        serious_injuries=injuries,
        direct_loss_cny=loss,
        households=households,
        occurred_on=FROM,
    )
    assert got is grade


@pytest.mark.parametrize(
    ("loss", "before", "from_"),
    [
        (9_999_999, G.ORDINARY, G.ORDINARY),
        (10_000_000, G.LARGER, G.ORDINARY),  # 较大 under 2007, still 一般 under 2025
        (29_999_999, G.LARGER, G.ORDINARY),
        (30_000_000, G.LARGER, G.LARGER),
        (50_000_000, G.MAJOR, G.LARGER),
        (99_999_999, G.MAJOR, G.LARGER),
        (100_000_000, G.ESPECIALLY_MAJOR, G.MAJOR),
        (299_999_999, G.ESPECIALLY_MAJOR, G.MAJOR),
        (300_000_000, G.ESPECIALLY_MAJOR, G.ESPECIALLY_MAJOR),
    ],
)
def test_the_same_loss_on_either_side_of_the_change(
    loss: int, before: FireGrade, from_: FireGrade
) -> None:
    for day, grade in ((BEFORE, before), (FROM, from_)):
        got = fire_grade(deaths=0, serious_injuries=0, direct_loss_cny=loss, occurred_on=day)
        assert got is grade, day


def test_households_count_only_from_2025_05_01() -> None:
    for households in (30, 100, 300, 10_000):
        got = fire_grade(
            deaths=0,
            serious_injuries=0,
            direct_loss_cny=0,
            households=households,
            occurred_on=BEFORE,
        )
        assert got is G.ORDINARY
    assert (
        fire_grade(deaths=0, serious_injuries=0, direct_loss_cny=0, households=30, occurred_on=FROM)
        is G.LARGER
    )


def test_edition_changes_at_midnight_of_2025_05_01() -> None:
    assert edition_on(BEFORE) is GradingEdition.MPS_2007
    assert edition_on(FROM) is GradingEdition.NFRA_2025
    assert edition_on(date(2010, 1, 1)) is GradingEdition.MPS_2007
    assert edition_on(date(2026, 11, 30)) is GradingEdition.NFRA_2025


@pytest.mark.parametrize(
    ("deaths", "injuries", "loss", "slight"),
    [
        (0, 0, 0, True),
        (0, 0, 999, True),
        (0, 0, 999.99, True),
        (0, 0, 1000, False),  # "低于1000元": 1000 itself is not 轻微
        (0, 1, 0, False),  # a minor injury is a casualty
        (1, 0, 0, False),
    ],
)
def test_slight_fire_boundaries(deaths: int, injuries: int, loss: float, slight: bool) -> None:
    assert (
        is_slight_fire(deaths=deaths, injuries=injuries, direct_loss_cny=loss, occurred_on=FROM)
        is slight
    )
    # no such class before 2025-05-01
    assert not is_slight_fire(
        deaths=deaths, injuries=injuries, direct_loss_cny=loss, occurred_on=BEFORE
    )


def test_grading_records_grade_class_and_edition() -> None:
    slight = grade_fire(
        deaths=0,
        serious_injuries=0,
        minor_injuries=0,
        direct_loss_cny=500,
        households=0,
        occurred_on=FROM,
    )
    assert (slight.grade, slight.slight, slight.edition) == (
        G.ORDINARY,
        True,
        GradingEdition.NFRA_2025,
    )
    hurt = grade_fire(
        deaths=0,
        serious_injuries=0,
        minor_injuries=1,
        direct_loss_cny=500,
        households=0,
        occurred_on=FROM,
    )
    assert (hurt.grade, hurt.slight) == (G.ORDINARY, False)
    old = grade_fire(
        deaths=0,
        serious_injuries=0,
        minor_injuries=0,
        direct_loss_cny=500,
        households=0,
        occurred_on=BEFORE,
    )
    assert (old.grade, old.slight, old.edition) == (G.ORDINARY, False, GradingEdition.MPS_2007)


def test_negative_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        fire_grade(deaths=-1, serious_injuries=0, direct_loss_cny=0)
    with pytest.raises(ValueError, match="negative"):
        fire_grade(deaths=0, serious_injuries=0, direct_loss_cny=0, households=-1)
    with pytest.raises(ValueError, match="negative"):
        is_slight_fire(deaths=0, injuries=-1, direct_loss_cny=0)


def test_thresholds_come_from_the_standards_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    override = tmp_path / "standards.json"
    override.write_text(
        json.dumps(
            {
                "grade_2007_larger_deaths": 4,
                "grade_2025_larger_households": 50,
                "grade_2025_slight_loss_cny": 500,
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("LANYAN_STANDARDS_FILE", str(override))
    standards.cache_clear()
    try:
        got = fire_grade(deaths=3, serious_injuries=0, direct_loss_cny=0, occurred_on=BEFORE)
        assert got is G.ORDINARY
        assert "local override" in standards().get("grade_2007_larger_deaths").source
        got = fire_grade(
            deaths=0, serious_injuries=0, direct_loss_cny=0, households=49, occurred_on=FROM
        )
        assert got is G.ORDINARY
        assert not is_slight_fire(deaths=0, injuries=0, direct_loss_cny=500, occurred_on=FROM)
    finally:
        monkeypatch.delenv("LANYAN_STANDARDS_FILE")
        standards.cache_clear()
    assert fire_grade(deaths=3, serious_injuries=0, direct_loss_cny=0, occurred_on=BEFORE) is (
        G.LARGER
    )
    got = fire_grade(
        deaths=0, serious_injuries=0, direct_loss_cny=0, households=49, occurred_on=FROM
    )
    assert got is G.LARGER


def test_every_2025_household_threshold_is_marked_unconfirmed() -> None:
    # the households numbers were not found in any text read; they must say so where they live
    for grade in ("larger", "major", "especially_major"):
        assert "[U]" in standards().get(f"grade_2025_{grade}_households").note


def test_without_a_day_todays_rules_apply() -> None:
    # 1000万元 was 较大 under the 2007 rules; today (after 2025-05-01) it is 一般
    assert fire_grade(deaths=0, serious_injuries=0, direct_loss_cny=10_000_000) is G.ORDINARY
    assert is_slight_fire(deaths=0, injuries=0, direct_loss_cny=0)
