"""The first Chinese address parser (kept as the baseline that bench/geocode.py measures against).

Superseded by :mod:`lanyan.dispatch.address_zh`; nothing in the application imports it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

__all__ = ["ZhAddress", "parse_zh_address"]

PROVINCES: Final = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门",
)  # fmt: skip
"""Short names of the 34 provincial-level divisions (recognised without their suffix)."""

_PROVINCE_SUFFIX: Final = "维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市"
ROAD_SUFFIXES: Final = ("大道", "大街", "胡同", "路", "街", "道", "巷")
LANDMARK_SUFFIXES: Final = (
    "消防救援站", "消防站", "派出所", "医院", "卫生院", "诊所", "小学", "中学", "大学", "学院",
    "学校", "幼儿园", "公园", "广场", "商场", "超市", "市场", "酒店", "宾馆", "饭店", "旅馆",
    "银行", "火车站", "汽车站", "车站", "加油站", "政府", "体育馆", "图书馆", "博物馆", "教堂",
    "寺", "餐厅", "网吧", "工厂", "厂", "公司", "大楼", "剧院", "电影院", "养老院", "敬老院",
    "服务区", "收费站", "隧道", "大桥", "桥", "码头", "机场", "宿舍", "食堂", "仓库", "菜场",
    "支行", "分行", "营业厅", "地铁站", "站",
)  # fmt: skip
RELATIONS: Final = (
    "门口", "门前", "大门口", "附近", "旁边", "边上", "对面", "后面", "后门", "前门", "东侧",
    "西侧", "南侧", "北侧", "东门", "西门", "南门", "北门", "里面", "内", "周边", "一带",
    "楼下", "这里", "这边", "那边", "旁",
)  # fmt: skip
"""Where the caller is relative to a landmark ("XX医院门口")."""

_CJK = re.compile(r"[\u3400-\u9fff]")
_ZH_DIGITS: Final = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9,
}  # fmt: skip
_ZH_UNITS: Final = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMERAL = re.compile(r"([零〇一二两三四五六七八九十百千]+)(?=号|號|幢|栋|棟|单元|室|层|座|弄)")
_TYPO_ROAD = re.compile(r"[璐潞](?=\d|号|與|与|和|跟|交|口|$)")
_NOISE_PREFIX = re.compile(r"^(?:我在|我们在|在|位于|地址是|地址|这里是|这边是|就在)")
_ADMIN_SUFFIXES: Final = ("自治区", "自治州", "自治县", "特别行政区", "省", "市", "区", "县", "旗")
_BAD_DISTRICT_END = re.compile(r"(?:小|社|园|校|景|厂|矿|街|营|营业|住宅|生活|商业|办公)$")
_NOT_IN_ADMIN = re.compile(r"[路街道巷号弄幢栋0-9]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains a Chinese character."""
    return _CJK.search(text) is not None


def zh_numeral_to_int(text: str) -> int:
    """Chinese numeral → int: ``"三"`` 3, ``"十二"`` 12, ``"一百零五"`` 105, ``"二〇三"`` 203.

    Raises
    ------
    ValueError
        When ``text`` is not a Chinese numeral.
    """
    if not text or any(ch not in _ZH_DIGITS and ch not in _ZH_UNITS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if not any(ch in _ZH_UNITS for ch in text):
        return int("".join(str(_ZH_DIGITS[ch]) for ch in text))
    total = 0
    digit: int | None = None
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
    return total + (digit or 0)


@dataclass(frozen=True, slots=True)
class ZhAddress:
    """The components of a Chinese address; ``None`` for parts the text does not have.

    Numbers (``number``, ``building``, ``unit``, ``floor``, ``room``, ``lane``) are Arabic
    digit strings, the unit word dropped ("十二幢" → ``building="12"``).
    """

    province: str | None = None
    city: str | None = None
    district: str | None = None
    town: str | None = None
    """乡 / 镇 / 街道."""
    village: str | None = None
    road: str | None = None
    lane: str | None = None
    """弄 (a numbered lane off the road)."""
    number: str | None = None
    """号 (the house number on the road or lane)."""
    compound: str | None = None
    """小区 / 花园 / 家园 / 公寓 / 新村 / 社区 / 苑 / 大厦."""
    building: str | None = None
    """幢 / 栋 / 号楼 / 座."""
    unit: str | None = None
    floor: str | None = None
    room: str | None = None
    intersection: tuple[str, str] | None = None
    landmark: str | None = None
    relation: str | None = None
    """门口 / 附近 / 对面 ... (where the caller is relative to ``landmark``)."""
    rest: str | None = None
    """What no pattern explained."""

    def as_dict(self) -> dict[str, str | list[str]]:
        """The components present, as JSON-ready values (an intersection as a 2-item list)."""
        out: dict[str, str | list[str]] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # Spaces mean nothing between Chinese characters but still separate Latin words.
    text = re.sub(r"(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])", "", text.strip())
    text = _ZH_NUMERAL.sub(lambda m: str(zh_numeral_to_int(m.group(1))), text)
    text = text.replace("號", "号").replace("棟", "栋").replace("巿", "市")
    text = _TYPO_ROAD.sub("路", text)
    text = text.strip(" ，。,.!！?？")
    return _NOISE_PREFIX.sub("", text)


def _short_admin(name: str) -> str:
    for suffix in _ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


_ROAD = "(?:" + "|".join(ROAD_SUFFIXES) + ")"
_ROAD_NAME = r"[^\d与和跟同及、/,，]{1,12}?" + _ROAD
_INTERSECTION = re.compile(
    rf"(?P<a>{_ROAD_NAME})(?:与|和|跟|同|及|、|/)(?P<b>{_ROAD_NAME})"
    r"(?:的)?(?:十字路口|交叉路口|交叉口|交汇处|交界处|交口|路口|口)?"
)
_LANDMARK = re.compile(
    r"(?P<name>.{0,16}?(?:" + "|".join(LANDMARK_SUFFIXES) + r"))"
    r"(?:[(（][^)）]*[)）])?"
)
_RELATION_END = re.compile("(?:" + "|".join(sorted(RELATIONS, key=len, reverse=True)) + ")$")

# (component, pattern) in the order addresses are written; each tried once, anchored.
_PATTERNS: Final = (
    ("city", re.compile(r"(?P<v>[^\d路街道巷号]{2,6}?(?:自治州|地区|盟|市))")),
    ("district", re.compile(r"(?P<v>[^\d路街道巷号]{1,6}?(?:新区|区|县|旗))(?!域)")),
    ("town", re.compile(r"(?P<v>[^\d路街巷号]{1,6}?(?:街道|镇|乡))")),
    ("village", re.compile(r"(?P<v>[^\d路街道巷号]{1,6}?村)(?!委)")),
    ("road", re.compile(rf"(?P<v>{_ROAD_NAME})(?!口|路口|小学|中学|医院)")),
    ("lane", re.compile(r"(?P<v>\d+)弄")),
    ("number", re.compile(r"(?P<v>\d+(?:-\d+)?)号(?!楼)")),
    (
        "compound",
        re.compile(r"(?P<v>[^\d]{1,12}?(?:小区|花园|家园|公寓|新村|社区|苑|大厦|花苑|公馆))"),
    ),
    ("building", re.compile(r"(?P<v>\d+)(?:幢|栋|号楼|座)")),
    ("unit", re.compile(r"(?P<v>\d+)单元")),
    ("floor", re.compile(r"(?P<v>\d+)(?:层|楼)(?!下)")),
    ("room", re.compile(r"(?P<v>\d+)(?:室|房间|房)?$")),
)


def parse_zh_address(text: str, *, admin_names: Mapping[str, str] | None = None) -> ZhAddress:
    """Split a Chinese address into its components.

    Parameters
    ----------
    text
        The address as the caller said it ("杭州西湖文三路90号", "华星小区3幢2单元502室",
        "文三路与学院路交叉口", "人民医院门口").
    admin_names
        Known administrative names without suffix → level (``"city"``, ``"district"``,
        ``"town"``), so "杭州西湖..." parses; provinces are built in.

    Returns
    -------
    ZhAddress
        The components found; text no pattern explains is in ``rest``.
    """
    first = _parse(text, dict(admin_names or {}), short_admin=True)
    if first[1] and not any(getattr(first[0], name) is not None for name in _STRUCTURAL):
        # "浙江大学", "西湖文化广场", "杭州东站": a place name that begins a landmark's name
        # is part of that name, not an administrative area.
        return _parse(text, dict(admin_names or {}), short_admin=False)[0]
    return first[0]


_STRUCTURAL: Final = (
    "road", "lane", "number", "compound", "building", "unit", "floor", "room", "intersection",
)  # fmt: skip


def _parse(text: str, known: dict[str, str], *, short_admin: bool) -> tuple[ZhAddress, bool]:
    """One parsing pass; the flag says whether a suffix-less admin name was taken."""
    used_short = False
    s = _normalise(text)
    found: dict[str, str] = {}
    relation_match = _RELATION_END.search(s)
    relation = None
    if relation_match and relation_match.start() > 0:
        relation = relation_match.group()
        s = s[: relation_match.start()]
    pos = 0

    # Province: full form or a known short name.
    m = re.match(rf"({'|'.join(PROVINCES)})(?:{_PROVINCE_SUFFIX})?", s)
    if m and (short_admin or m.group() != m.group(1)):
        found["province"] = m.group()
        used_short = m.group() == m.group(1)
        pos = m.end()
    intersection: tuple[str, str] | None = None
    for level in ("city", "district", "town"):
        for name in sorted((n for n, lv in known.items() if lv == level), key=len, reverse=True):
            if s.startswith(name, pos):
                end = pos + len(name)
                for suffix in (*_ADMIN_SUFFIXES, "街道", "镇", "乡"):
                    if s.startswith(suffix, end):
                        end += len(suffix)
                        break
                if end == pos + len(name):
                    if not short_admin:
                        continue
                    used_short = True
                found[level] = s[pos:end]
                pos = end
                break
        else:
            pattern = dict(_PATTERNS)[level]
            m = pattern.match(s, pos)
            if m and _is_admin(m.group("v"), level):
                found[level] = m.group("v")
                pos = m.end()
    im = _INTERSECTION.match(s, pos)
    if im:
        intersection = (im.group("a"), im.group("b"))
        pos = im.end()
    landmark: str | None = None
    for name, pattern in _PATTERNS:
        if name in ("city", "district", "town") or pos >= len(s):
            continue
        if intersection is not None and name == "road":
            continue
        m = pattern.match(s, pos)
        if m is None:
            continue
        value = m.group("v")
        if name == "village" and not _is_admin(value, name):
            continue
        if name == "compound" and _LANDMARK.fullmatch(value):
            continue
        if name == "road" and _LANDMARK.fullmatch(s, pos):
            # "学院路小学": a landmark named after its road, not a road.
            break
        found[name] = value
        pos = m.end()
    rest = s[pos:] or None
    if rest is not None:
        lm = _LANDMARK.fullmatch(rest)
        if lm or relation is not None or (not found and intersection is None):
            landmark = lm.group("name") if lm else rest
            rest = None
    parsed = ZhAddress(
        province=found.get("province"),
        city=found.get("city"),
        district=found.get("district"),
        town=found.get("town"),
        village=found.get("village"),
        road=found.get("road"),
        lane=found.get("lane"),
        number=found.get("number"),
        compound=found.get("compound"),
        building=found.get("building"),
        unit=found.get("unit"),
        floor=found.get("floor"),
        room=found.get("room"),
        intersection=intersection,
        landmark=landmark,
        relation=relation,
        rest=rest,
    )
    return parsed, used_short


def _is_admin(value: str, level: str) -> bool:
    core = value
    for suffix in (
        "新区",
        "街道",
        "自治州",
        "地区",
        "区",
        "县",
        "旗",
        "市",
        "镇",
        "乡",
        "村",
        "盟",
    ):
        if core.endswith(suffix):
            core = core[: -len(suffix)]
            break
    if not core or _NOT_IN_ADMIN.search(core):
        return False
    if level == "district" and _BAD_DISTRICT_END.search(core):
        return False
    return not any(core.endswith(s) for s in LANDMARK_SUFFIXES)
