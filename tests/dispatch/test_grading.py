"""Fire grades on their boundaries: "以上" includes the number, "以下" excludes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lanyan.core.standards import standards
from lanyan.dispatch.grading import FireGrade, fire_grade

G = FireGrade
CASES = [
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


@pytest.mark.parametrize(("deaths", "injuries", "loss", "grade"), CASES)
def test_grade_boundaries(deaths: int, injuries: int, loss: int, grade: FireGrade) -> None:
    assert fire_grade(deaths=deaths, serious_injuries=injuries, direct_loss_cny=loss) is grade


def test_negative_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        fire_grade(deaths=-1, serious_injuries=0, direct_loss_cny=0)


def test_thresholds_come_from_the_standards_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    override = tmp_path / "standards.json"
    override.write_text(json.dumps({"grade_larger_deaths": 4}), encoding="utf-8")
    monkeypatch.setenv("LANYAN_STANDARDS_FILE", str(override))
    standards.cache_clear()
    try:
        assert fire_grade(deaths=3, serious_injuries=0, direct_loss_cny=0) is G.ORDINARY
        assert "local override" in standards().get("grade_larger_deaths").source
    finally:
        monkeypatch.delenv("LANYAN_STANDARDS_FILE")
        standards.cache_clear()
    assert fire_grade(deaths=3, serious_injuries=0, direct_loss_cny=0) is G.LARGER
