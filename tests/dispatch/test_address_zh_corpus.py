"""The Chinese address parser against the annotated corpus (tests/data/address_zh_corpus.jsonl).

Acceptance: ≥ 95 % of components right overall and ≥ 90 % for each of town, road, roadno, poi,
houseno, cellno, roomno; every form of the issue present at least 20 times; no number of the text
lost; any input answered quickly.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from lanyan.dispatch.address_eval import load_corpus, score
from lanyan.dispatch.address_zh import COMPONENTS, parse_zh_address
from lanyan.dispatch.divisions import load_divisions

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "address_zh_corpus.jsonl"
KEY_COMPONENTS = ("town", "road", "roadno", "poi", "houseno", "cellno", "roomno")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return load_corpus(CORPUS)


def test_corpus_size_and_forms(rows: list[dict[str, object]]) -> None:
    assert len(rows) >= 1000
    forms = Counter(str(r["form"]) for r in rows)
    assert len(forms) >= 20
    assert min(forms.values()) >= 20, forms
    assert all(set(r["components"]) <= {*COMPONENTS, "notes", "rest"} for r in rows)  # type: ignore[arg-type]


def test_corpus_accuracy(rows: list[dict[str, object]]) -> None:
    result = score(rows)
    print("\n" + result.table())
    assert result.accuracy() >= 0.95
    for c in KEY_COMPONENTS:
        assert result.accuracy(c) >= 0.90, (c, result.accuracy(c))


def test_hand_written_lines_accuracy() -> None:
    result = score(load_corpus(DATA / "address_zh_hand.jsonl"))
    assert result.addresses >= 100
    assert result.accuracy() >= 0.95


def test_no_number_is_lost(rows: list[dict[str, object]]) -> None:
    for row in rows:
        text = str(row["text"])
        parsed = parse_zh_address(text)
        held = "|".join(str(v) for v in parsed.as_dict().values())
        for run in re.findall(r"\d+", text):
            assert run in held, (text, run, parsed.as_dict())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("浦东新区 塘桥街道 南泉路1241弄15号303室(蓝村小区)（误报）（到场未处置）",
         {"district": "浦东新区", "town": "塘桥街道", "road": "南泉路", "roadno": "1241弄",
          "houseno": "15号", "roomno": "303室", "poi": "蓝村小区",
          "notes": ["误报", "到场未处置"]}),
        ("缙云县壶镇镇王楼村5组466号",
         {"district": "缙云县", "town": "壶镇镇", "community": "王楼村5组", "houseno": "466号"}),
        ("蓝海时代国际大厦益乐路90号",
         {"poi": "蓝海时代国际大厦", "road": "益乐路", "roadno": "90号"}),
        ("G320国道K345", {"road": "G320国道", "roadno": "K345"}),
        ("宁波市奉化市溪口镇中兴东路18号",
         {"city": "宁波市", "district": "奉化市", "town": "溪口镇", "road": "中兴东路",
          "roadno": "18号"}),
        ("万科新村3幢2单元502室",
         {"poi": "万科新村", "houseno": "3幢", "cellno": "2单元", "roomno": "502室"}),
        ("解放路近建国路", {"road": "解放路", "assist": "近", "subroad": "建国路"}),
        ("新城区 北门街道 解放路3号",
         {"district": "新城区", "town": "北门街道", "road": "解放路", "roadno": "3号"}),
        ("文三路学院路口", {"road": "文三路", "subroad": "学院路", "intersection": "口"}),
        ("杭州市江干区九堡镇九沙大道3251号",
         {"city": "杭州市", "district": "江干区", "town": "九堡镇", "road": "九沙大道",
          "roadno": "3251号"}),
    ],
)  # fmt: skip
def test_issue_forms(text: str, expected: dict[str, object]) -> None:
    assert parse_zh_address(text).as_dict() == expected


def test_county_level_cities_are_districts() -> None:
    table = load_divisions()
    yiwu = table.find("义乌市")[0]
    assert yiwu.is_county_level_city
    assert [a.name for a in table.ancestors(yiwu)] == ["金华市", "浙江省"]
    assert not table.find("金华市")[0].is_county_level_city
    assert len(table) > 44_000


@pytest.mark.parametrize(
    "text",
    ["", " ", "(((", "）（", "号号号", "1" * 5000, "路" * 3000, "Ä" * 100, "🔥火🔥", "\x00\n\t",
     "文三路" * 400, "（误报）" * 50, "-1-2-3-", "K+", "ＡＢＣ１２３", "دمشق", "東京都港区"],
)  # fmt: skip
def test_any_input_gets_an_answer(text: str) -> None:
    t0 = time.perf_counter()
    parsed = parse_zh_address(text)
    # a liveness guard against runaway backtracking, not a speed figure (bench/geocode.py)
    assert time.perf_counter() - t0 < 10
    assert isinstance(parsed.as_dict(), dict)
