"""Chinese address parsing and matching, on tests/data/geocode_zh_cases.csv.

The OSM extract of the demo city has no Chinese street names, so matching runs against a small
Chinese gazetteer built here: a few Hangzhou streets laid out as straight lines with real-ish
coordinates (文三路, 学院路, 解放路 ...), addresses, compounds (小区) with buildings (幢), admin
areas, landmarks, and the demo city's premises with Chinese names as the database adds them.

Each CSV row has the query, its exact expected components (JSON) and, where the query should
resolve in the fixture, the name and kind of the expected top candidate.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lanyan.dispatch.address_zh import ZhMatcher, parse_zh_address, zh_numeral_to_int
from lanyan.dispatch.gazetteer import Entry, EntryKind, Gazetteer
from lanyan.dispatch.geocode import Geocoder, haversine_m

CASES = Path(__file__).resolve().parents[1] / "data" / "geocode_zh_cases.csv"


def _line(
    name: str, start: tuple[float, float], end: tuple[float, float], place: str, n: int = 21
) -> Entry:
    pts = tuple(
        (start[0] + (end[0] - start[0]) * i / (n - 1), start[1] + (end[1] - start[1]) * i / (n - 1))
        for i in range(n)
    )
    mid = pts[n // 2]
    return Entry(name, EntryKind.STREET, mid[0], mid[1], street=name, place=place, points=pts,
                 source="test")  # fmt: skip


def _at(name: str, kind: str, lon: float, lat: float, place: str, **kw: str) -> Entry:
    return Entry(name, kind, lon, lat, place=place, source="test", **kw)  # type: ignore[arg-type]


def _addr(street: str, number: str, lon: float, lat: float, place: str) -> Entry:
    name = f"{street}{number}" if number.endswith("幢") else f"{street}{number}号"
    return Entry(name, EntryKind.ADDRESS, lon, lat, street=street, housenumber=number,
                 place=place, source="test")  # fmt: skip


def build_fixture() -> Gazetteer:
    """The Chinese test gazetteer (also usable from a shell to try queries)."""
    xh, sc, gs = "西湖区", "上城区", "拱墅区"
    streets = [
        _line("文三路", (120.120, 30.2770), (120.170, 30.2770), xh),
        _line("文二路", (120.120, 30.2800), (120.170, 30.2800), xh),
        _line("天目山路", (120.100, 30.2720), (120.170, 30.2720), xh),
        _line("学院路", (120.1350, 30.2650), (120.1350, 30.2950), xh),
        _line("教工路", (120.1500, 30.2650), (120.1500, 30.3000), xh),
        _line("解放路", (120.160, 30.2550), (120.200, 30.2550), sc),
        _line("延安路", (120.1680, 30.2400), (120.1680, 30.2800), sc),
        _line("中山北路", (120.1650, 30.2600), (120.1650, 30.3000), gs),
    ]
    admin = [
        Entry("浙江省", EntryKind.ADMIN, 120.15, 30.27, tag="province", source="test"),
        Entry("杭州市", EntryKind.ADMIN, 120.16, 30.27, tag="city", source="test"),
        Entry("西湖区", EntryKind.ADMIN, 120.13, 30.26, tag="district", source="test"),
        Entry("上城区", EntryKind.ADMIN, 120.17, 30.25, tag="district", source="test"),
        Entry("拱墅区", EntryKind.ADMIN, 120.15, 30.32, tag="district", source="test"),
        Entry("文新街道", EntryKind.ADMIN, 120.11, 30.29, tag="town", source="test"),
        Entry("蓝焰市", EntryKind.ADMIN, 9.52, 47.14, tag="city", source="test"),
        Entry("瓦杜兹区", EntryKind.ADMIN, 9.52, 47.14, tag="district", source="test"),
    ]
    addresses = [
        _addr("文三路", "90", 120.1400, 30.2772, xh),
        _addr("文三路", "100", 120.1420, 30.2772, xh),
        _addr("文三路", "259", 120.1550, 30.2768, xh),
        _addr("学院路", "28", 120.1352, 30.2700, xh),
        _addr("解放路", "138", 120.1750, 30.2552, sc),
        _addr("教工路", "18", 120.1502, 30.2680, xh),
        _addr("天目山路", "148", 120.1300, 30.2722, xh),
        _addr("延安路", "385", 120.1682, 30.2700, sc),
        _addr("华星小区", "3幢", 120.1301, 30.2791, xh),
        _addr("华星小区", "5幢", 120.1310, 30.2795, xh),
        _addr("嘉绿苑", "12幢", 120.1205, 30.2850, xh),
        _addr("金都花园", "8幢", 120.1455, 30.2905, xh),
    ]  # fmt: skip
    compounds = [
        _at("华星小区", EntryKind.COMPOUND, 120.1305, 30.2793, xh),
        _at("嘉绿苑", EntryKind.COMPOUND, 120.1200, 30.2853, xh),
        _at("金都花园", EntryKind.COMPOUND, 120.1450, 30.2900, xh),
        _at("南都家园", EntryKind.COMPOUND, 120.1600, 30.2880, xh),
        _at("文鼎苑", EntryKind.COMPOUND, 120.1250, 30.2760, xh),
    ]
    premises = [
        _at("杭州市第一人民医院", EntryKind.PREMISES, 120.1700, 30.2500, sc),
        _at("浙江省人民医院", EntryKind.PREMISES, 120.1580, 30.2600, sc),
        _at("学军小学", EntryKind.PREMISES, 120.1400, 30.2745, xh),
        _at("杭州第十四中学", EntryKind.PREMISES, 120.1600, 30.2700, xh),
        _at("浙江大学", EntryKind.PREMISES, 120.1250, 30.2650, xh, aliases=("浙大",)),  # type: ignore[arg-type]
        _at("西湖文化广场", EntryKind.PREMISES, 120.1640, 30.2780, gs),
        _at("武林广场", EntryKind.PREMISES, 120.1650, 30.2720, gs),
        _at("杭州东站", EntryKind.PREMISES, 120.2120, 30.2900, sc),
        _at("中国银行文三路支行", EntryKind.PREMISES, 120.1450, 30.2770, xh),
        _at("瓦杜兹消防救援站", EntryKind.PREMISES, 9.5215, 47.1410, "瓦杜兹"),
        _at("沙恩消防救援站", EntryKind.PREMISES, 9.5100, 47.1650, "沙恩"),
        _at("Hotel Löwen（宾馆）", EntryKind.PREMISES, 9.5225, 47.1395, "瓦杜兹"),
        _at("瓦杜兹国家博物馆", EntryKind.PREMISES, 9.5220, 47.1390, "瓦杜兹"),
        _at("沙恩加油站", EntryKind.PREMISES, 9.5120, 47.1620, "沙恩"),
        _at("特里森小学", EntryKind.PREMISES, 9.5280, 47.1070, "特里森"),
    ]
    return Gazetteer([*admin, *streets, *addresses, *compounds, *premises])


def _rows() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return build_fixture()


@pytest.fixture(scope="module")
def matcher(gazetteer: Gazetteer) -> ZhMatcher:
    return ZhMatcher(gazetteer)


@pytest.mark.parametrize(
    ("text", "value"),
    [("三", 3), ("十", 10), ("十二", 12), ("二十八", 28), ("一百零五", 105), ("二〇三", 203),
     ("两千零一", 2001), ("九十", 90)],
)  # fmt: skip
def test_zh_numerals(text: str, value: int) -> None:
    assert zh_numeral_to_int(text) == value


def test_zh_numeral_rejects_other_text() -> None:
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        zh_numeral_to_int("三路")


def test_case_file_size() -> None:
    rows = _rows()
    assert len(rows) >= 100
    assert sum(1 for r in rows if r["expected_name"]) >= 100


def test_parse_components_exact(matcher: ZhMatcher) -> None:
    wrong = []
    for row in _rows():
        got = matcher.parse(row["query"]).legacy_dict()
        if got != json.loads(row["expected_components"]):
            wrong.append((row["query"], got, row["expected_components"]))
    for item in wrong:
        print("  parse differs:", item)
    assert not wrong


def test_parse_without_known_admin_names() -> None:
    parsed = parse_zh_address("浙江省杭州市西湖区文三路90号")
    assert parsed.legacy_dict() == {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "road": "文三路",
        "number": "90",
    }
    assert parse_zh_address("XX小区3幢2单元").legacy_dict() == {
        "compound": "XX小区",
        "building": "3",
        "unit": "2",
    }


def test_match_rate(gazetteer: Gazetteer) -> None:
    geocoder = Geocoder(gazetteer)
    rows = [r for r in _rows() if r["expected_name"]]
    misses = []
    for row in rows:
        result = geocoder.search(row["query"], limit=3)
        top = result[0] if result else None
        name_ok = top is not None and row["expected_name"] in (top.label, top.entry.name)
        if top is None or not name_ok or top.kind != row["kind"]:
            misses.append((row["query"], row["expected_name"], top.label if top else None))
    rate = 1 - len(misses) / len(rows)
    print(
        f"\nzh geocode cases: top-1 match rate {rate:.1%} ({len(rows) - len(misses)}/{len(rows)})"
    )
    for miss in misses:
        print("  miss:", miss)
    assert rate >= 0.90


def test_places_outside_the_gazetteer_match_nothing(gazetteer: Gazetteer) -> None:
    geocoder = Geocoder(gazetteer)
    rows = [r for r in _rows() if r["kind"] == "none"]
    assert rows
    for row in rows:
        assert geocoder.search(row["query"]) == [], row["query"]


def test_intersection_is_where_the_streets_meet(gazetteer: Gazetteer) -> None:
    top = Geocoder(gazetteer).search("文三路与学院路交叉口")[0]
    assert top.kind == "intersection"
    assert haversine_m(top.lon, top.lat, 120.135, 30.277) < 30


def test_unknown_number_falls_back_to_street(gazetteer: Gazetteer) -> None:
    top = Geocoder(gazetteer).search("文三路91号")[0]
    assert top.kind == EntryKind.STREET
    assert top.housenumber_found is False
    assert top.note is not None
    # placed at the nearest known number (90), not at the middle of the street
    assert haversine_m(top.lon, top.lat, 120.1400, 30.2772) < 1


def test_nothing_for_unknown_chinese_place(gazetteer: Gazetteer) -> None:
    assert Geocoder(gazetteer).search("乌鲁木齐市天山区幸福路") == []
