"""GB 35181 major-hazard helper: worked cases written from the standard's text.

Clause numbers are those of GB 35181-2017 (kept because the 2025 sub-clause numbering could not be
confirmed; see docs/gb35181.md). Each test names the clause it rests on.
"""

from __future__ import annotations

import json

import pytest

from lanyan.core.errors import Invalid
from lanyan.prevention.gb35181 import (
    CATALOGUE,
    COMPOSITE_RULES,
    EDITION_IN_FORCE,
    CriterionGroup,
    CrowdedKind,
    Exemption,
    Facts,
    Gb35181Error,
    SiteCategory,
    assess,
    criteria_for,
    from_observations,
)

CROWDED = SiteCategory.CROWDED
HAZMAT = SiteCategory.HAZMAT
OTHER = SiteCategory.OTHER


def _detail(info: pytest.ExceptionInfo[Exception]) -> str:
    """The Chinese message a dispatcher reads (``DomainError.detail``)."""
    assert isinstance(info.value, Gb35181Error)
    return info.value.detail


# -- direct determination ------------------------------------------------------------------------


def test_crowded_site_with_one_direct_criterion_is_major() -> None:
    """2017 6.5: a shop whose exits are short of 80% of the code width is major by itself."""
    result = assess(CROWDED, direct={"6.5"}, composite=set())
    assert result.is_major
    assert result.recommend_listing
    assert result.basis == ["直接判定 6.5"]
    assert result.threshold is None
    assert result.counted == 1
    assert "6.5" in result.clauses_cited
    assert "直接判定为重大火灾隐患" in result.explanation_zh
    assert "挂牌督办" in result.explanation_zh
    assert result.edition == EDITION_IN_FORCE


def test_hazmat_direct_criterion_siting() -> None:
    """2017 6.1: a hazmat depot not on the city edge or in an isolated safe area is major."""
    result = assess(HAZMAT, direct={"6.1"}, composite={"7.1.1"})
    assert result.is_major
    assert result.basis == ["直接判定 6.1"]


# -- composite determination ---------------------------------------------------------------------


def test_crowded_site_one_below_threshold_is_not_major() -> None:
    """2017 8.1 [U]: a crowded place needs 3 of 7.3.1-7.3.9, 7.5, 7.9.3; 2 is not enough."""
    result = assess(CROWDED, direct=set(), composite={"7.3.2", "7.3.9"})
    assert not result.is_major
    assert not result.recommend_listing
    assert result.rule == "8.1"
    assert result.counted == 2
    assert result.threshold == 3
    assert result.basis == []
    assert "未达到 3 项" in result.explanation_zh


def test_crowded_site_at_threshold_is_major() -> None:
    """2017 8.1 [U]: 3 elements from the 8.1 pool (7.3.2, 7.3.9, 7.5) make a crowded place major."""
    result = assess(CROWDED, direct=set(), composite={"7.3.2", "7.3.9", "7.5"})
    assert result.is_major
    assert result.recommend_listing
    assert result.rule == "8.1"
    assert result.counted == 3
    assert result.threshold == 3
    assert result.counted_ids == ["7.3.2", "7.3.9", "7.5"]
    assert result.basis == ["综合判定 8.1: 7.3.2, 7.3.9, 7.5 (3 ≥ 3)"]
    assert {"8.1", "7.3.2", "7.3.9", "7.5"} <= set(result.clauses_cited)


def test_crowded_site_elements_outside_pool_use_the_any_element_rule() -> None:
    """2017 8.1 and 8.3 [U]: 3 elements outside the 8.1 pool do not count there; 4 of any do."""
    three = assess(CROWDED, direct=set(), composite={"7.1.1", "7.6.1", "7.7.2"})
    assert not three.is_major
    assert three.rule == "8.3"  # one short of 4, closer than 8.1 (0 of 3)
    assert three.counted == 3
    four = assess(CROWDED, direct=set(), composite={"7.1.1", "7.6.1", "7.7.2", "7.8.2"})
    assert four.is_major
    assert four.rule == "8.3"
    assert four.threshold == 4


def test_hazmat_site_composite_rule() -> None:
    """2017 8.2 [U]: a hazmat site with 3 of 7.1.1-7.1.3, 7.4.5, 7.4.6 (7.9.2) is major."""
    below = assess(HAZMAT, direct=set(), composite={"7.1.1", "7.4.6", "7.3.6"})
    assert not below.is_major
    assert below.rule == "8.2"
    assert below.counted == 2
    major = assess(HAZMAT, direct=set(), composite={"7.1.1", "7.1.2", "7.4.6"})
    assert major.is_major
    assert major.rule == "8.2"
    assert major.threshold == 3


def test_other_site_threshold() -> None:
    """2017 8.4 [U]: any other site needs 6 composite elements of chapter 7; 5 is not enough."""
    five = {"7.1.1", "7.2.2", "7.3.3", "7.4.3", "7.6.2"}
    below = assess(OTHER, direct=set(), composite=five)
    assert not below.is_major
    assert (below.rule, below.counted, below.threshold) == ("8.4", 5, 6)
    major = assess(OTHER, direct=set(), composite=five | {"7.7.2"})
    assert major.is_major
    assert (major.rule, major.counted, major.threshold) == ("8.4", 6, 6)


def test_new_2025_categories_follow_the_crowded_rule() -> None:
    """2025 ch. 3 adds 儿童活动场所 and 老年人照料设施; we apply 2017 8.1 to them [U]."""
    for category in (SiteCategory.CHILDREN, SiteCategory.ELDERLY_CARE):
        result = assess(category, direct=set(), composite={"7.3.2", "7.3.8", "7.5"})
        assert result.is_major, category
        assert result.rule == "8.1"


# -- exemptions ----------------------------------------------------------------------------------


def test_exemptions_lower_the_count_below_threshold() -> None:
    """2017 5.1 / 2025 4.2 [U]: a finding that can be fixed on the spot is not counted."""
    result = assess(
        CROWDED,
        direct=set(),
        composite={"7.3.2", "7.3.9", "7.5"},
        not_counted={"7.3.9": Exemption.FIXABLE_ON_SPOT},
    )
    assert not result.is_major
    assert result.counted == 2
    assert result.excluded == {"7.3.9": "可以立即改正"}
    assert "7.3.9 因“可以立即改正”不计入" in result.explanation_zh


def test_exempted_direct_criterion_falls_back_to_composite() -> None:
    """2025 4.2 [U]: an element caused only by a later revision of the code is not a basis."""
    result = assess(
        CROWDED,
        direct={"6.9"},
        composite={"7.3.2"},
        not_counted={"6.9": "standard_revised"},
    )
    assert not result.is_major
    assert result.rule == "8.1"
    assert result.excluded == {"6.9": Exemption.STANDARD_REVISED.zh}


def test_site_out_of_use_is_not_judged_major() -> None:
    """2017 5.1.3 b): a site that has stopped operating is not judged a major hazard."""
    result = assess(CROWDED, direct={"6.5"}, composite=set(), site_exemption=Exemption.OUT_OF_USE)
    assert not result.is_major
    assert not result.recommend_listing
    assert result.threshold is None
    assert result.basis == ["不予判定: 已停产停业或停止使用"]


def test_exemption_scope_is_checked() -> None:
    """2017 5.1.3: 停产停业 exempts a site, not one element; an exemption needs a finding."""
    with pytest.raises(Gb35181Error):
        assess(CROWDED, direct={"6.5"}, composite=set(), not_counted={"6.5": "out_of_use"})
    with pytest.raises(Gb35181Error):
        assess(CROWDED, direct=set(), composite=set(), site_exemption=Exemption.FIXABLE_ON_SPOT)
    with pytest.raises(Gb35181Error, match=r"7\.3\.9"):
        assess(CROWDED, direct=set(), composite={"7.5"}, not_counted={"7.3.9": "fixable_on_spot"})


# -- input checks --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["6.11", "7.10.1", "8.1", "9", ""])
def test_unknown_criterion_ids_are_rejected(bad: str) -> None:
    """Chapters 6 and 7 (2017) list the only criteria; anything else is a typo."""
    with pytest.raises(ValueError, match="unknown criterion id") as info:
        assess(CROWDED, direct={bad}, composite=set())
    assert "未知的判定要素编号" in _detail(info)
    with pytest.raises(ValueError, match="unknown criterion id"):
        assess(CROWDED, direct=set(), composite={bad})


def test_wrong_group_is_rejected() -> None:
    """2017 ch. 6 vs ch. 7: a direct criterion ticked as composite (or back) is rejected."""
    with pytest.raises(Gb35181Error) as info:
        assess(CROWDED, direct=set(), composite={"6.5"})
    assert _detail(info) == "6.5 属于直接判定要素,不是综合判定要素"
    with pytest.raises(Gb35181Error) as info:
        assess(CROWDED, direct={"7.3.2"}, composite=set())
    assert _detail(info) == "7.3.2 属于综合判定要素,不是直接判定要素"


def test_criteria_not_applicable_to_the_category_are_rejected() -> None:
    """2017 6.1 names hazmat sites and 7.5 names crowded/high-rise/underground: rejected elsewhere.

    Decision: rejected, not ignored, so a wrong category or a wrong tick is fixed rather than
    silently hiding a major hazard.
    """
    with pytest.raises(Gb35181Error) as info:
        assess(CROWDED, direct={"6.1"}, composite=set())
    assert _detail(info).startswith("6.1 不适用于人员密集场所")
    with pytest.raises(Gb35181Error) as info:
        assess(OTHER, direct=set(), composite={"7.5"})
    assert _detail(info).startswith("7.5 不适用于其他场所")
    # The same error is a domain error the API maps to 422, and a ValueError.
    with pytest.raises(Invalid):
        assess(OTHER, direct={"6.6"}, composite=set())


def test_unknown_category_is_rejected_and_labels_are_accepted() -> None:
    """2025 ch. 3 terms: categories may be given by value or by Chinese label."""
    assert assess("老年人照料设施", direct={"6.9"}, composite=set()).is_major
    with pytest.raises(ValueError, match="unknown site category") as info:
        assess("重要场所", direct=set(), composite=set())  # deleted by the 2025 edition
    assert _detail(info) == "未知的场所类别: 重要场所"


def test_a_plain_string_is_not_taken_as_a_set_of_ids() -> None:
    """Guard: "6.5" must not be read as the characters 6, '.', 5."""
    with pytest.raises(Gb35181Error):
        assess(CROWDED, direct="6.5", composite=set())


# -- observations --------------------------------------------------------------------------------


def test_narrow_exits_in_a_shop_map_to_direct_6_5() -> None:
    """2017 6.5 and 7.3.3: a shop's exits at 75% of the code width → 6.5; at 90% → neither."""
    narrow = from_observations(CROWDED, Facts(crowded_kind=CrowdedKind.SHOP, exit_width_ratio=0.75))
    assert narrow.direct == {"6.5"}
    slight = from_observations(CROWDED, Facts(crowded_kind=CrowdedKind.SHOP, exit_width_ratio=0.9))
    assert slight.direct == frozenset()
    assert slight.composite == frozenset()
    assert slight.notes


def test_narrow_exits_elsewhere_map_to_composite_7_3_3() -> None:
    """2017 7.3.3: places not named in 6.5 (a hospital, an office) count short exits there."""
    hospital = Facts(crowded_kind=CrowdedKind.OTHER, exit_width_ratio=0.7)
    assert from_observations(CROWDED, hospital).composite == {"7.3.3"}
    office = Facts(exit_count=1, exit_count_required=2)
    assert from_observations(OTHER, office).composite == {"7.3.3"}


def test_missing_sprinklers_and_alarm() -> None:
    """2017 6.6 for hotels, venues, shops, underground; else 7.4.4 / 7.7.1; 7.4.6 if broken."""
    hotel = from_observations(
        CROWDED, Facts(crowded_kind=CrowdedKind.HOTEL, sprinklers_missing=True, alarm_missing=True)
    )
    assert hotel.direct == {"6.6"}
    factory = from_observations(
        OTHER, Facts(sprinklers_missing=True, alarm_missing=True, sprinklers_not_working=True)
    )
    assert factory.direct == frozenset()
    assert factory.composite == {"7.4.4", "7.7.1", "7.4.6"}


def test_kindergarten_on_a_forbidden_floor() -> None:
    """2017 6.9 with GB 50016 5.4.4: children's rooms on the 4th floor of a grade-2 building."""
    high = Facts(children_rooms_floor=4, fire_resistance_grade=2)
    assert from_observations(SiteCategory.CHILDREN, high).direct == {"6.9"}
    ok = Facts(children_rooms_floor=1, highest_children_rooms_floor=3, fire_resistance_grade=2)
    assert from_observations(SiteCategory.CHILDREN, ok).direct == frozenset()
    basement = Facts(children_rooms_floor=-1)
    assert from_observations(SiteCategory.CHILDREN, basement).direct == {"6.9"}
    grade3 = Facts(children_rooms_floor=3, fire_resistance_grade=3)
    assert from_observations(SiteCategory.CHILDREN, grade3).direct == {"6.9"}


def test_hazmat_in_crowded_building_and_sandwich_panels_via_assess() -> None:
    """2017 6.2, 6.8, 6.10: facts passed to assess() add direct criteria to the ticks."""
    facts = Facts(hazmat_in_crowded_place=True, sandwich_panel_sleeping_quarters=True)
    result = assess(SiteCategory.MIXED_USE, direct=set(), composite=set(), facts=facts)
    assert result.is_major
    assert result.basis == ["直接判定 6.8", "直接判定 6.10"]
    spacing = from_observations(OTHER, Facts(hazmat_spacing_ratio=0.7))
    assert spacing.direct == {"6.2"}


def test_facts_pointing_at_inapplicable_criteria_are_noted_not_counted() -> None:
    """2017 6.8 names crowded places: at an 'other' site the fact is reported, not counted."""
    findings = from_observations(OTHER, Facts(hazmat_in_crowded_place=True))
    assert findings.direct == frozenset()
    assert any("6.8" in note for note in findings.notes)


# -- catalogue -----------------------------------------------------------------------------------


def test_catalogue_is_consistent() -> None:
    """2017 ch. 6 has 10 direct criteria; every rule pool names composite elements only."""
    direct = [c for c in CATALOGUE.values() if c.group is CriterionGroup.DIRECT]
    assert [c.id for c in direct] == [f"6.{n}" for n in range(1, 11)]
    for rule in COMPOSITE_RULES:
        for cid in rule.pool or ():
            assert CATALOGUE[cid].group is CriterionGroup.COMPOSITE
    for category in SiteCategory:
        assert any(category in r.categories for r in COMPOSITE_RULES), category
        assert criteria_for(category, CriterionGroup.COMPOSITE)
    assert all(c.summary_zh and c.applies_to for c in CATALOGUE.values())


def test_assessment_is_json_ready() -> None:
    """The result is stored on the hazard (Hazard.gb35181) as JSON."""
    result = assess(CROWDED, direct=set(), composite={"7.3.2", "7.3.9", "7.5"})
    data = json.loads(json.dumps(result.as_dict(), ensure_ascii=False))
    assert data["is_major"] is True
    assert data["rule"] == "8.1"
    assert data["numbering"] == "GB 35181-2017"
