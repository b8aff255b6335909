"""The determination says what it rests on that the 2025 text could not confirm (pure, fast)."""

from __future__ import annotations

from lanyan.prevention.gb35181 import CATALOGUE, assess


def test_answer_lists_the_unconfirmed_numbering_rule_and_criteria() -> None:
    result = assess("crowded", direct=set(), composite={"7.3.2", "7.3.9", "7.5"}).as_dict()
    assert result["is_major"] is True and result["rule"] == "8.1"
    unconfirmed = result["unconfirmed"]
    assert "GB 35181-2017" in unconfirmed[0] and "GB 35181-2025" in unconfirmed[0]
    assert any("8.1" in line for line in unconfirmed)
    assert any("7.3.9" in line for line in unconfirmed) == (not CATALOGUE["7.3.9"].source_seen)
    assert not any("7.3.2" in line for line in unconfirmed[1:])  # seen in a public text


def test_a_seen_direct_criterion_adds_only_the_numbering_caveat() -> None:
    result = assess("crowded", direct={"6.5"}, composite=set()).as_dict()
    assert CATALOGUE["6.5"].source_seen
    assert result["unconfirmed"] == [result["unconfirmed"][0]]
