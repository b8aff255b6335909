"""Chinese addresses as callers and dispatch rooms write them: components, then a gazetteer match.

A 119 caller says "浙江省杭州市西湖区文三路90号", "华星小区3幢2单元", "文三路和学院路路口",
"人民医院门口"; a dispatch room writes "浦东新区 塘桥街道 南泉路1241弄15号303室(蓝村小区)（误报）".
:func:`parse_zh_address` takes such text apart into the components of the annotation guide of
Li et al., "Neural Chinese Address Parsing" (NAACL 2019): ``prov city district devzone town
community road subroad roadno subroadno poi subpoi houseno cellno floorno roomno assist distance
intersection redundant``. Values are the spans of the text as written (full-width characters
folded, spaces dropped): ``roadno="1241弄"``, ``houseno="15号"``, ``roomno="303室"``.

How it reads:

- bracketed dispatcher notes ("（误报）", "（到场未处置）") are taken out and kept in ``notes``;
  a bracket holding an address part ("(蓝村小区)", an unclosed "(文汇小区") is read in place;
- administrative names come from the national division table (:mod:`lanyan.dispatch.divisions`)
  with or without their suffix, so towns whose names hold 路/街/桥 (东明路街道, 曹路镇, 塘桥街道)
  and "壶镇镇" are towns, county-level cities (奉化市) are districts; unknown 街道/镇 still parse;
- then a left-to-right walk: road names (…路/街/大道/巷/胡同, G320国道), numbers with their
  unit word (号 after a road is ``roadno``, 弄/支弄, 号楼/幢/栋/座, 单元, 层/楼, 室, 11-1701,
  3-2-502), 村/社区 with 村民小组 (王楼村5组), cross streets (与/和 …交叉口, 靠近/近/旁),
  assist words (门口/附近/对面 …) and distances (往东100米); any other text is a POI, the
  first one ``poi`` and the next ``subpoi``, whether it comes before the road or after the number;
- a number the walk did not place is kept in ``rest``: no number of the text is ever lost.

The old component names (``province``, ``village``, ``number``, ``lane``, ``compound``,
``building``, ``unit``, ``floor``, ``room``, ``landmark``, ``relation``; numbers as digits) stay
available as properties and through :meth:`ZhAddress.legacy_dict`.

The geocoder (:mod:`lanyan.dispatch.geocode`) calls :class:`ZhMatcher` for any query with Chinese
characters and turns its :class:`ZhMatch` results into candidates.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from rapidfuzz import fuzz, process

from lanyan.dispatch import fuzzy
from lanyan.dispatch.divisions import Division, load_divisions
from lanyan.dispatch.gazetteer import Entry, EntryKind, Gazetteer, fold

__all__ = [
    "COMPONENTS",
    "PROVINCES",
    "ZhAddress",
    "ZhMatch",
    "ZhMatcher",
    "has_cjk",
    "parse_zh_address",
    "zh_numeral_to_int",
]

PROVINCES: Final = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门",
)  # fmt: skip
"""Short names of the 34 provincial-level divisions (recognised without their suffix)."""

COMPONENTS: Final = (
    "prov", "city", "district", "devzone", "town", "community", "road", "subroad", "roadno",
    "subroadno", "poi", "subpoi", "houseno", "cellno", "floorno", "roomno", "assist", "distance",
    "intersection", "redundant",
)  # fmt: skip
"""The components of Li et al.'s annotation guide, in writing order."""

ROAD_SUFFIXES: Final = ("大道", "大街", "胡同", "公路", "路", "街", "道", "巷", "弄")
POI_SUFFIXES: Final = (
    "消防救援站", "消防站", "派出所", "人民医院", "医院", "卫生院", "卫生室", "诊所", "小学",
    "中学", "大学", "学院", "学校", "幼儿园", "公园", "广场", "商场", "超市", "市场", "酒店",
    "宾馆", "饭店", "旅馆", "银行", "火车站", "汽车站", "车站", "加油站", "政府", "体育馆",
    "图书馆", "博物馆", "教堂", "寺", "餐厅", "网吧", "工厂", "厂", "公司", "大楼", "剧院",
    "电影院", "养老院", "敬老院", "服务区", "收费站", "隧道", "大桥", "码头", "机场", "宿舍",
    "食堂", "仓库", "菜场", "支行", "分行", "营业厅", "地铁站", "站", "小区", "花园", "家园",
    "公寓", "新村", "社区", "苑", "大厦", "花苑", "公馆", "中心", "城", "府", "庭", "湾", "园",
    "庄园", "山庄", "名邸", "华庭", "佳苑", "雅苑", "家属院", "大院", "村", "楼", "馆", "所",
    "局", "院", "厅", "店", "部", "区", "场", "处", "坊", "里", "居", "墅", "邸", "阁", "轩",
    "物流园", "产业园", "科技园", "工业园", "创业园",
)  # fmt: skip
"""Endings that make a name a POI (premises, estates, buildings) rather than a road."""
COMPOUND_SUFFIXES: Final = (
    "小区", "花园", "家园", "公寓", "新村", "社区", "苑", "大厦", "花苑", "公馆",
)  # fmt: skip
"""POI endings the old scheme called a compound (小区)."""
ASSIST_WORDS: Final = (
    "大门口", "门口", "门前", "附近", "旁边", "边上", "对面", "对过", "后面", "后门", "前门",
    "东侧", "西侧", "南侧", "北侧", "东门", "西门", "南门", "北门", "里面", "周边", "一带",
    "楼下", "这里", "这边", "那边", "隔壁", "斜对面", "东面", "西面", "南面", "北面", "往东",
    "往西", "往南", "往北", "向东", "向西", "向南", "向北", "东边", "西边", "南边", "北边",
    "靠近", "临近", "邻近", "东北角", "西北角", "东南角", "西南角",
)  # fmt: skip
RELATIONS: Final = ASSIST_WORDS
"""Where the caller is relative to a place ("XX医院门口") — the ``assist`` component."""
_END_ASSIST: Final = ("旁", "内", "边", "处", "前", "后", "侧", "里")
"""One-character assist words, read only at the very end ("学军小学旁")."""
NOTE_WORDS: Final = (
    "误报", "到场", "处置", "报警", "火灾", "着火", "起火", "冒烟", "救援", "出警", "电话",
    "联系", "核实", "重复", "测试", "取消", "撤回", "车辆", "被困", "疑似", "未", "已", "无",
    "需", "请", "注意", "备注", "自行", "扑灭", "灭火", "警情", "事故", "报告", "回访", "不详",
    "待定", "待查", "转", "接警", "调度", "中队", "大队", "支队", "消防站出", "人员",
    "电动车", "电瓶车", "停放", "伤亡", "杂物", "垃圾",
)  # fmt: skip
"""Words that make a bracket a dispatcher's note rather than part of the address."""

_CJK = re.compile(r"[\u3400-\u9fff]")
_RELATION_END = re.compile("(?:" + "|".join(sorted(ASSIST_WORDS, key=len, reverse=True)) + ")$")
_ADMIN_SUFFIXES: Final = ("自治区", "自治州", "自治县", "特别行政区", "省", "市", "区", "县", "旗")


def _short_admin(name: str) -> str:
    for suffix in _ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


_ZH_DIGITS: Final = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9,
}  # fmt: skip
_ZH_UNITS: Final = {"十": 10, "百": 100, "千": 1000}
_TYPO_ROAD = re.compile(r"[璐潞](?=\d|[零〇一二两三四五六七八九十百千]+号|号|與|与|和|跟|交|口|$)")
_NOISE_PREFIX = re.compile(
    r"^(?:报警人称|报警称|报警人|来电称|我这里是|我这边是|我们这里是|我现在在|我们在|我在|在|位于|"
    r"地址是|地址：|地址:|地址|这里是|这边是|就在)"
)


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


_DOOR = re.compile(r"号(?:之.+|附\d+号|[甲乙丙丁])?$")
"""A door number (号, 号之一, 号甲), not a building (号楼)."""
_LEAD_NUMBER = re.compile(
    r"(?:[甲乙丙丁附负B-])?(?:[A-Za-z]?(\d+)|([零〇一二两三四五六七八九十百千]+)|([A-Za-z]))"
)


def _number_of(span: str | None) -> str | None:
    """The number a span holds, as digits ("15号" → "15", "十二幢" → "12", "A座" → "A")."""
    if not span:
        return None
    m = _LEAD_NUMBER.match(span)
    if m is None:
        return None
    if m.group(1) is not None:
        return m.group(1)
    if m.group(2) is not None:
        return str(zh_numeral_to_int(m.group(2)))
    return m.group(3)


@dataclass(frozen=True, slots=True)
class ZhAddress:
    """The components of a Chinese address (Li et al.'s scheme); ``None`` for absent parts.

    Values are spans of the (normalised) text: ``roadno="90号"``, ``houseno="3幢"``. The old
    names are properties holding the bare numbers (``number="90"``, ``building="3"``).
    """

    prov: str | None = None
    city: str | None = None
    """Prefecture level (地级市, 自治州, 地区, 盟)."""
    district: str | None = None
    """County level (区, 县, 县级市, 旗)."""
    devzone: str | None = None
    """开发区 / 高新区 / 工业园区."""
    town: str | None = None
    """乡 / 镇 / 街道."""
    community: str | None = None
    """村 / 社区 / 居委会 (with its 村民小组: "王楼村5组")."""
    road: str | None = None
    subroad: str | None = None
    """A second road: the cross street of an intersection, "靠近XX路"."""
    roadno: str | None = None
    """The number on the road: "90号", "1241弄", "K345" on a 国道."""
    subroadno: str | None = None
    """A number below ``roadno``: "5支弄", or the number on ``subroad``."""
    poi: str | None = None
    subpoi: str | None = None
    houseno: str | None = None
    """The building: "3幢", "5号楼", "A座", "15号" after a 弄 or a village."""
    cellno: str | None = None
    floorno: str | None = None
    roomno: str | None = None
    assist: str | None = None
    """门口 / 附近 / 对面 / 靠近 …: where the place is relative to the named one."""
    distance: str | None = None
    intersection: str | None = None
    """The crossing word: 交叉口 / 路口 / 十字路口."""
    redundant: str | None = None
    """Words that are not the address ("我在", "地址是")."""
    notes: tuple[str, ...] = field(default=())
    """Bracketed dispatcher notes taken out of the text ("误报", "到场未处置")."""
    rest: str | None = None
    """What no rule explained (numbers included, so none is lost)."""
    cross: bool = False
    """Whether ``road`` and ``subroad`` meet (an intersection was said)."""

    def as_dict(self) -> dict[str, str | list[str]]:
        """The components present (guide names), plus ``notes`` and ``rest`` when there."""
        out: dict[str, str | list[str]] = {}
        for name in COMPONENTS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.notes:
            out["notes"] = list(self.notes)
        if self.rest is not None:
            out["rest"] = self.rest
        return out

    # ---- the first scheme's names, kept for callers that use them

    @property
    def province(self) -> str | None:
        return self.prov

    @property
    def village(self) -> str | None:
        return self.community

    @property
    def lane(self) -> str | None:
        return _number_of(self.roadno) if self.roadno and self.roadno.endswith("弄") else None

    @property
    def number(self) -> str | None:
        if self.roadno and self.roadno.endswith("号"):
            return _number_of(self.roadno)
        if self.roadno and self.houseno and _DOOR.search(self.houseno):
            return _number_of(self.houseno)
        return None

    @property
    def compound(self) -> str | None:
        return self.poi if self.poi and self.poi.endswith(COMPOUND_SUFFIXES) else None

    @property
    def landmark(self) -> str | None:
        return self.poi if self.poi and not self.poi.endswith(COMPOUND_SUFFIXES) else None

    @property
    def building(self) -> str | None:
        if self.houseno is None or (self.roadno and _DOOR.search(self.houseno)):
            return None
        return _number_of(self.houseno)

    @property
    def unit(self) -> str | None:
        return _number_of(self.cellno)

    @property
    def floor(self) -> str | None:
        return _number_of(self.floorno)

    @property
    def room(self) -> str | None:
        return _number_of(self.roomno)

    @property
    def relation(self) -> str | None:
        return self.assist

    @property
    def crossing(self) -> tuple[str, str] | None:
        """The two roads of an intersection."""
        if self.cross and self.road and self.subroad:
            return (self.road, self.subroad)
        return None

    def legacy_dict(self) -> dict[str, str | list[str]]:
        """The components under the first scheme's names (numbers as digits)."""
        out: dict[str, str | list[str]] = {}
        crossing = self.crossing
        road, rest = self.road, self.rest
        if road and road.endswith("段") and len(road) > 4:
            road, rest = road[:-2], road[-2:] + (rest or "")
        values: dict[str, str | list[str] | None] = {
            "province": self.prov,
            "city": self.city,
            "district": self.district,
            "town": self.town,
            "village": self.community,
            "road": None if crossing else road,
            "lane": self.lane,
            "number": self.number,
            "compound": self.compound,
            "building": self.building,
            "unit": self.unit,
            "floor": self.floor,
            "room": self.room,
            "intersection": list(crossing) if crossing else None,
            "landmark": self.landmark,
            "relation": self.assist,
            "rest": rest,
        }
        for key, value in values.items():
            if value is not None:
                out[key] = value
        return out


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # Spaces mean nothing between Chinese characters but still separate Latin words, and after
    # an administrative name ("浦东新区 塘桥街道 …", a dispatch room's columns) they end it.
    text = re.sub(r"(?<=[省市区县旗镇乡道])\s+(?=[\u3400-\u9fff])", "\ue000", text.strip())
    text = re.sub(r"(?<=[^A-Za-z])\s+|\s+(?=[^A-Za-z])", "", text)
    text = text.replace("\ue000", " ")
    text = text.replace("號", "号").replace("棟", "栋").replace("巿", "市").replace("—", "-")
    text = text.replace("－", "-").replace("~", "-")
    text = _TYPO_ROAD.sub("路", text)
    return text.strip(" ，。,.!！?？;；")


# --------------------------------------------------------------------------- parsing

_NUM = r"(?:[A-Za-z]?\d+(?:-\d+)?[A-Za-z]?|[零〇一二两三四五六七八九十百千]+)"
_ROAD_CHARS = r"[^\d\s,，、;；:：()\[\]【】与/号幢栋座室层-]"
_ROAD = re.compile(
    rf"{_ROAD_CHARS}{{1,16}}?(?:大道|大街|胡同|公路|路|街|道|巷)(?:[东西南北中一二三四五六七八九十]段|辅路)?"
)
_HIGHWAY = re.compile(
    r"(?:[GSXY]\d{1,4}(?:[\u4e00-\u9fff]{2,4}高速(?:公路)?|国道|省道|县道|乡道|高速公路|高速|线)?"
    r"|\d{3}(?:国道|省道)|(?:国道|省道)\d{1,4}(?:线)?"
    r"|[\u4e00-\u9fff]{2,6}(?:高速公路|高速|国道|省道)(?:[东西南北]?[向行]?线)?)"
)
_MILEPOST = re.compile(r"K\d+(?:\+\d+)?(?:米|m)?", re.IGNORECASE)
_UNIT = re.compile(
    rf"(?P<n>(?:负|-|B|甲|乙|丙|丁|附)?{_NUM})(?P<u>号楼|#楼|号院|号门|号房|幢|栋|座|单元|层|楼(?![下上道梯房])|F(?![A-Za-z])|室|房间|房|户|"
    r"支弄|弄|号(?:之[一二三四五六七八九十\d]+|附\d+号|[甲乙丙丁](?![\u4e00-\u9fff]))?|#|组|米|公里|"
    r"区(?![县市]))"
)
_LETTER_BUILDING = re.compile(r"(?P<n>[A-Za-z])(?P<u>座|栋|幢|区|号楼)")
_DASHED = re.compile(r"(\d+)-(\d+)(?:-(\d+))?(?!\d)")
_BARE = re.compile(r"\d+")
_INTERSECTION_WORD = re.compile(r"(?:的)?(?:十字路口|交叉路口|交叉口|交汇处|交界处|交口|路口|口)")
_CONNECTOR = re.compile(r"(?:与|和|跟|同|及|、|/|交)")
_NEAR = re.compile(r"(?:靠近|临近|邻近|紧挨|挨着|近|旁边|旁)")
_DIRECTION = re.compile(r"(?:往|向|朝)?[东西南北](?:北|南)?(?:方向|侧|边|面)?(?:约)?")
_DISTANCE = re.compile(r"约?\d+(?:\.\d+)?(?:米|公里|km|m)")
_ASSIST = re.compile("|".join(sorted(ASSIST_WORDS, key=len, reverse=True)))
_DEVZONE = re.compile(
    r"[^\d\s,，()]{2,10}?(?P<kind>经济技术开发区|经济开发区|高新技术产业开发区|高新技术开发区|"
    r"技术开发区|高新区|开发区|工业园区|产业园区|工业区|保税区|综合保税区)"
)
_TOWN = re.compile(r"[^\d\s,，()]{1,6}?(?:街道办事处|街道办|街道|镇|乡)")
_COMMUNITY = re.compile(
    r"(?P<c>[^\d\s,，()路]{1,6}?(?:村民委员会|村委会|居民委员会|居委会|社区|村)"
    r"(?!村|社区|委|民委|居委))"
    r"(?P<g>(?:\d+|[一二三四五六七八九十]+)(?:组|队|社))?"
)
_POI_END = re.compile("(?:" + "|".join(sorted(POI_SUFFIXES, key=len, reverse=True)) + ")$")
_POI_START = re.compile(
    "(?:" + "|".join(sorted((s for s in POI_SUFFIXES if len(s) >= 2), key=len, reverse=True)) + ")"
)
_NOTE = re.compile("|".join(NOTE_WORDS))
_POI_CUT = re.compile(
    "(?:" + "|".join(sorted(POI_SUFFIXES, key=len, reverse=True)) + ")(?=[^路街道巷弄])"
)
_ROAD_TAIL = re.compile(
    r"(?:大道|大街|胡同|公路|路|街|道|巷)(?:[东西南北中一二三四五六七八九十]段|辅路)?$"
)
_ADDRESS_MARK = re.compile(
    r"\d|[路街巷弄号幢栋座室层楼村镇乡区县市]|" + "|".join(s for s in POI_SUFFIXES if len(s) >= 2)
)
_BRACKET = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]")
_OPEN = "([【"
_CLOSE = ")]】"
_SEPARATORS = " ,，、;；:：。"
_NUMBER_START: Final = frozenset(
    "0123456789零〇一二两三四五六七八九十百千负-甲乙丙丁附"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
_SHORT_ROAD = re.compile(r"[东西南北中]{0,2}(?:路|街|大道|大街|道|巷|[一二三四五六七八九十]路)")
_DEVZONE_ENDS: Final = ("开发区", "高新区", "保税区", "管理区", "试验区", "示范区")
_COLUMN_COUNTY = re.compile(r"[\u3400-\u9fff]{2,6}?(?:新区|区|县|旗)(?= )")
_KNOWN_LEVEL: Final = {"province": "prov"}
_LEVEL_ORDER: Final = {"prov": 0, "city": 1, "district": 2, "devzone": 3, "town": 4}
_MAX_INPUT: Final = 500
"""Longer text is cut (a dispatcher's paste of a whole report); the cut part is kept in rest."""


_SUBPOI = re.compile(
    r"(?:[东西南北中A-Za-z\d一二三四五六七八九十]{1,3}(?:区|期|号门|门|号口|出口|口|广场|航站楼)|"
    r"门诊楼|住院部|急诊部|[\u4e00-\u9fff]{1,4}(?:院区|校区|分院|分校|入口|出口)[\u4e00-\u9fff]{0,2}|"
    r"[\u4e00-\u9fff]{0,3}(?:楼|部|车间|厂房|食堂|仓库|宿舍|分店|校区|门诊|病房|停车场))"
)
_POI_SPLIT_END = re.compile("(?:" + "|".join(sorted(POI_SUFFIXES, key=len, reverse=True)) + ")$")


def _subpoi_cut(text: str) -> int:
    """Where a sub-POI starts in a POI text ("人民医院住院部" → 4); ``len(text)`` when none."""
    best = len(text)
    for i in range(2, len(text) - 1):
        short = text.endswith(("区", "期")) and len(text) - i <= 2 and i < 3
        if not short and _SUBPOI.fullmatch(text, i) and _POI_SPLIT_END.search(text[:i]):
            best = i
            break
    return best


def _is_note(content: str) -> bool:
    if not content:
        return True
    if _NOTE.search(content) and not re.search(r"\d+(?:号|弄|幢|栋|室|单元)", content):
        return True
    if _ASSIST.match(content) or "交叉口" in content:
        return True  # "(附近有加油站)", "(申花路与古墩路交叉口)": a remark on the place
    if _POI_END.search(content):
        return False
    return _ADDRESS_MARK.search(content) is None


class _Walk:
    """State of one left-to-right reading (a helper of :func:`parse_zh_address`)."""

    __slots__ = ("found", "known", "order", "pending", "s", "short_at")

    def __init__(self, s: str, known: Mapping[str, str]) -> None:
        self.s = s
        self.known = known
        self.found: dict[str, str] = {}
        self.pending: list[str] = []
        self.order: list[str] = []
        """Components in the order they were read."""
        # component → position where a suffix-less admin name was taken ("浙江" of 浙江大学)
        self.short_at: dict[str, int] = {}

    def put(self, name: str, value: str) -> None:
        self.flush()
        if name in self.found:
            self.add_rest(value)
            return
        self.found[name] = value
        self.order.append(name)

    def add_rest(self, value: str) -> None:
        old = self.found.get("rest")
        self.found["rest"] = value if old is None else old + value

    def flush(self) -> None:
        """Text no rule read: a POI (the first ``poi``, then ``subpoi``)."""
        if not self.pending:
            return
        text = "".join(self.pending).lstrip("的")
        self.pending.clear()
        if not text:
            return
        last = self.order[-1] if self.order else None
        if last is not None and last in self.short_at:
            # "浙江" + "大学", "西湖" + "文化广场": the admin name began a POI's name.
            text = self.found.pop(last) + text
            self.short_at.pop(last)
            self.order.pop()
        if "poi" not in self.found:
            cut = _subpoi_cut(text)
            self.found["poi"] = text[:cut]
            self.order.append("poi")
            if cut < len(text):
                self.found["subpoi"] = text[cut:]
                self.order.append("subpoi")
        elif "subpoi" not in self.found:
            self.found["subpoi"] = text
            self.order.append("subpoi")
        else:
            self.add_rest(text)

    def has_any(self, *names: str) -> bool:
        return any(n in self.found for n in names)


def parse_zh_address(text: str, *, admin_names: Mapping[str, str] | None = None) -> ZhAddress:
    """Split a Chinese address into the components of Li et al.'s annotation guide.

    Parameters
    ----------
    text
        The address as said or written ("杭州西湖文三路90号", "华星小区3幢2单元502室",
        "文三路与学院路交叉口", "浦东新区 塘桥街道 南泉路1241弄15号303室(蓝村小区)（误报）").
        Any length and script: text over 500 characters is cut (the rest kept in ``rest``).
    admin_names
        More administrative names without suffix → level (``"city"``, ``"district"``,
        ``"town"``) beyond the national table (the demo city's "蓝焰", "瓦杜兹").

    Returns
    -------
    ZhAddress
        The components found; ``notes`` the bracketed remarks, ``rest`` what no rule explained.
    """
    raw = _normalise(text)
    overflow = raw[_MAX_INPUT:]
    s = raw[:_MAX_INPUT]
    notes: list[str] = []

    def _take_note(m: re.Match[str]) -> str:
        content = m.group(1)
        if _is_note(content):
            if content:
                notes.append(content)
            return " "
        return m.group(0)

    s = _BRACKET.sub(_take_note, s).strip()
    walk = _Walk(s, admin_names or {})
    m = _NOISE_PREFIX.match(s)
    pos = 0
    if m and m.end() < len(s):
        walk.put("redundant", m.group())
        pos = m.end()
    pos = _read_admin(walk, pos)
    _read_rest(walk, pos)
    walk.flush()
    found = walk.found
    if overflow:
        walk.add_rest(overflow)
    _keep_numbers(s, found, notes)
    cross = found.pop("_cross", None) is not None
    return ZhAddress(
        **{k: v for k, v in found.items() if k in COMPONENTS},
        notes=tuple(notes),
        rest=found.get("rest"),
        cross=cross,
    )


def _admin_level(d: Division, known_level: str | None = None) -> str:
    level = known_level or d.level
    if level in ("district", "town") and (
        d.name.endswith(_DEVZONE_ENDS) or (d.name.endswith("园区") and len(d.name) >= 5)
    ):
        return "devzone"
    return level


def _read_admin(walk: _Walk, pos: int) -> int:
    """Provinces down to towns, in order, each at most once; returns where the walk goes on."""
    s = walk.s
    table = load_divisions()
    lowest = -1
    chain: list[Division] = []
    while pos < len(s):
        if s[pos] in _SEPARATORS or s[pos] in _OPEN or s[pos] in _CLOSE:
            pos += 1
            continue
        best: tuple[int, str, bool] | None = None
        again = next(
            (v for k, v in walk.found.items() if k in _LEVEL_ORDER and s.startswith(v, pos)), None
        )
        if again is not None and "redundant" not in walk.found:
            walk.put("redundant", again)  # "杭州市 杭州市西湖区": said twice
            pos += len(again)
            continue
        dz = _DEVZONE.match(s, pos) if lowest < _LEVEL_ORDER["devzone"] else None
        if dz and not re.search("[省市区县]", s[pos : dz.start("kind")]):
            walk.put("devzone", dz.group())
            lowest = _LEVEL_ORDER["devzone"]
            pos = dz.end()
            continue
        for end, d, with_suffix in table.match_at(s, pos):
            level = _admin_level(d)
            if _LEVEL_ORDER[level] <= lowest:
                continue
            if not with_suffix and not _short_ok(s, pos, end, d):
                continue
            if not chain or _fits(table.ancestors(d), chain, d):
                best = (end, level, with_suffix)
                chain.append(d)
                break
            if best is None:
                # a name that exists only under another parent is still taken
                best = (end, level, with_suffix)
        for name, tag in walk.known.items():
            level = _KNOWN_LEVEL.get(tag, tag)
            if s.startswith(name, pos) and _LEVEL_ORDER.get(level, 9) > lowest:
                end = pos + len(name)
                for suffix in ("市", "区", "县", "街道", "镇", "乡"):
                    if s.startswith(suffix, end):
                        end += len(suffix)
                        break
                if best is None or end > best[0]:
                    best = (end, level, end != pos + len(name))
        if best is None:
            best = _generic_admin(s, pos, lowest)
        if best is None:
            break
        end, level, with_suffix = best
        walk.put(level, s[pos:end])
        if not with_suffix:
            walk.short_at[level] = pos
        lowest = _LEVEL_ORDER[level]
        pos = end
    return pos


def _fits(ancestors: list[Division], chain: list[Division], d: Division) -> bool:
    codes = {a.code for a in ancestors}
    return all(c.code in codes for c in chain if c.level != d.level)


def _short_ok(s: str, start: int, end: int, division: Division) -> bool:
    """A suffix-less name counts unless the text goes on with a road or POI word right away."""
    level = division.level
    if end >= len(s):
        return False
    if level == "town":
        return False
    nxt = s[end:]
    table = load_divisions()
    if _DEVZONE.match(s, end) is None and any(
        division in table.ancestors(d) for _e, d, _w in table.match_at(s, end)
    ):
        return True  # "台州路桥", "宁波镇海": one of its counties follows
    if nxt[0] in "村镇乡街巷弄里" or (level == "city" and nxt[0] in "县区"):
        return False  # "青山村", "绍兴县": the name of something else
    road = _ROAD.match(s, start)
    if road is not None and road.end() - end <= 2 and not _POI_START.match(nxt):
        return False  # "紫金港路", "余杭塘路": the name begins a road's name
    # "杭州东站", "浙江大学", "鼓楼医院", "南京西路": a place name beginning another name.
    if _SHORT_ROAD.match(nxt):
        return False
    return _POI_START.match(nxt) is None or nxt.startswith(("市", "区", "县"))


def _generic_admin(s: str, pos: int, lowest: int) -> tuple[int, str, bool] | None:
    """Counties, development zones and towns that are not in the table (new or renamed)."""
    if lowest < _LEVEL_ORDER["district"]:
        # a column of its own in a dispatch line: "新城区 塘桥街道 …"
        m = _COLUMN_COUNTY.match(s, pos)
        if m is not None and not _POI_END.search(m.group()[:-1]):
            return (m.end(), "district", True)
    if lowest < _LEVEL_ORDER["district"]:
        for stem_len in (4, 3, 2):
            stem = s[pos : pos + stem_len]
            if load_divisions().has_short(stem) and s.startswith(
                ("县", "市", "区"), pos + stem_len
            ):
                return (pos + stem_len + 1, "district", True)  # "绍兴县" (now 柯桥区)
    if lowest < _LEVEL_ORDER["devzone"]:
        m = _DEVZONE.match(s, pos)
        if m:
            return (m.end(), "devzone", True)
    if lowest < _LEVEL_ORDER["town"]:
        m = _TOWN.match(s, pos)
        if m and _town_ok(s, m):
            end = m.end()
            if s.startswith("镇", end) and m.group().endswith("镇"):
                end += 1  # 壶镇镇
            return (end, "town", True)
    return None


def _town_ok(s: str, m: re.Match[str]) -> bool:
    name = m.group()
    core = re.sub(r"(?:街道办事处|街道办|街道|镇|乡)$", "", name)
    if len(core) < 2 and not name.endswith("街道"):
        return False
    if re.search("[省市区县]", core):
        return False  # "心区塘桥街道": an unreadable county in front of the town
    if _POI_END.search(core) and not core.endswith(("路", "桥", "场", "口", "港", "湾", "城")):
        return False
    rest = s[m.end() :]
    return not (rest and _POI_START.match(rest))


def _read_rest(walk: _Walk, pos: int) -> None:
    s = walk.s
    n = len(s)
    found = walk.found
    while pos < n:
        c = s[pos]
        if c == " " and walk.pending and walk.pending[-1].isascii():
            walk.pending.append(c)  # between Latin words ("Hotel Löwen")
            pos += 1
            continue
        if c in _OPEN and walk.pending:
            close = min((i for i in (s.find(x, pos) for x in _CLOSE) if i > 0), default=-1)
            if close > 0 and not any(ch.isdigit() for ch in s[pos:close]):
                walk.pending.extend(s[pos : close + 1])  # "Hotel Löwen(宾馆)": part of the name
                pos = close + 1
                continue
        if c in _SEPARATORS or c in _OPEN or c in _CLOSE:
            walk.flush()
            pos += 1
            continue
        new = _step(walk, pos)
        if new is None:
            walk.pending.append(c)
            pos += 1
        else:
            pos = new
    tail = "".join(walk.pending)
    if tail.endswith("方向") and "road" in found and "assist" not in found:
        walk.pending.clear()
        walk.put("assist", tail)  # "沪杭高速K150+300嘉兴方向": the carriageway
    if len(walk.pending) > 2 and walk.pending[-1] in _END_ASSIST and "assist" not in found:
        # "学军小学旁", "大楼内": a one-character assist word closing the text
        word = walk.pending.pop()
        walk.flush()
        walk.put("assist", word)


def _step(walk: _Walk, pos: int) -> int | None:
    """Read one component at ``pos``; ``None`` when none starts there."""
    s = walk.s
    found = walk.found
    # assist words and distances
    m = _ASSIST.match(s, pos)
    if m and _SHORT_ROAD.match(s, m.end()):
        m = None  # "北门街", "东门路": a road's name
    if m and (walk.pending or found):
        after = m.end()
        if m.group() in ("靠近", "临近", "邻近") and _road_at(s, after):
            walk.put("assist", m.group())
            return after
        walk.put("assist" if "assist" not in found else "rest", m.group())
        d = _DISTANCE.match(s, after)
        if d:
            walk.put("distance", d.group())
            return d.end()
        return after
    if (walk.pending or found) and s.startswith(("往", "向", "朝"), pos):
        d = _DIRECTION.match(s, pos)
        if d and d.end() > pos + 1:
            dist = _DISTANCE.match(s, d.end())
            if dist:
                walk.put("assist", d.group())
                walk.put("distance", dist.group())
                return dist.end()
    # cross streets: 与/和 … (口), 靠近/近/旁 …
    if "road" in found and "subroad" not in found and not walk.pending:
        m = _CONNECTOR.match(s, pos) or _NEAR.match(s, pos)
        if m:
            r = _road_at(s, m.end())
            if r:
                if _NEAR.fullmatch(m.group()):
                    if "assist" not in found:
                        walk.put("assist", m.group())
                else:
                    found["_cross"] = "1"
                walk.put("subroad", s[m.end() : r])
                i = _INTERSECTION_WORD.match(s, r)
                if i:
                    walk.put("intersection", i.group())
                    found["_cross"] = "1"
                    return i.end()
                return r
    if (found.get("road") and s.startswith("口", pos)) or (
        "subroad" in found and _INTERSECTION_WORD.match(s, pos)
    ):
        i = _INTERSECTION_WORD.match(s, pos)
        if i and "intersection" not in found:
            walk.put("intersection", i.group())
            if "subroad" in found:
                found["_cross"] = "1"
            return i.end()
    if pos == len(s) - 1 and s[pos] in _END_ASSIST and found and "assist" not in found:
        walk.put("assist", s[pos])  # "文三路90号旁"
        return pos + 1
    h = _HIGHWAY.match(s, pos)
    if h and s[pos].isdigit() and not walk.pending:
        return _road(walk, pos, h.end())
    # numbers with their unit word
    inside_word = (
        s[pos].isascii()
        and s[pos].isalpha()
        and pos > 0
        and s[pos - 1].isascii()
        and s[pos - 1].isalnum()
    )
    if s[pos] in _NUMBER_START and not inside_word:
        new = _number(walk, pos)
        if new is not None:
            return new
    # a township after text the administrative head could not read ("浦东心区塘桥街道 …")
    if not walk.has_any("town", "road", "roadno", "poi", "houseno", "community"):
        for end, div, with_suffix in load_divisions().match_at(s, pos):
            if div.level == "town" and with_suffix and end - pos >= 3:
                if walk.pending:
                    walk.add_rest("".join(walk.pending))
                    walk.pending.clear()
                walk.put("town", s[pos:end])
                return end
    # community (村 / 社区) — 新村 is an estate, a POI
    if not walk.has_any("community", "road", "poi", "roadno", "houseno"):
        m = _COMMUNITY.match(s, pos)
        if (
            m
            and not m.group("c").endswith(("新村", "文化村"))
            and _community_ok(
                m.group("c"), s, m.end("c"), after_town="town" in found and not walk.pending
            )
        ):
            walk.put("community", m.group())
            return m.end()
    # roads (a POI name in front of the road is split off: "蓝海时代国际大厦益乐路")
    r = _road_at(s, pos)
    if r is not None:
        return _road(walk, pos, r)
    return None


def _road(walk: _Walk, pos: int, r: int) -> int | None:
    """Take the road name ``s[pos:r]`` (and a milepost after it)."""
    s = walk.s
    found = walk.found
    if r is not None:
        name = s[pos:r]
        nxt = s[r:]
        if _POI_START.match(nxt) and not nxt.startswith(("口",)) and _road_at(s, r) is None:
            return None  # "学院路小学", "铁路新村": a POI named after a road (not "…路学院路")
        cut = _poi_prefix(name)
        if cut:
            walk.pending.extend(name[:cut])
            walk.flush()
            name = name[cut:]
        elif walk.pending and len(walk.pending) + len(name) <= 3:
            return None
        if "road" not in found:
            walk.put("road", name)
        elif "subroad" not in found:
            walk.put("subroad", name)
        else:
            walk.add_rest(name)
        m = _MILEPOST.match(s, r)
        if m:
            walk.put("roadno" if "roadno" not in found else "subroadno", m.group())
            return m.end()
        return r
    return None


def _community_ok(name: str, s: str, end: int, *, after_town: bool) -> bool:
    core = re.sub(r"(?:村民委员会|村委会|居民委员会|居委会|社区|村)$", "", name)
    if len(core) < (1 if after_town else 2):
        return False
    if _POI_START.search(core) and not after_town:
        return False
    rest = s[end:]
    if rest[:1] in ("路", "街", "巷", "道", "大"):
        return False  # "杨村路": a road
    return not (rest[:1] and _POI_START.match(rest) and not rest.startswith(("村", "区")))


def _poi_prefix(name: str) -> int:
    """Where a road name read with a POI in front of it really starts (0: no POI).

    The road left over must keep a name of two characters before its suffix ("蓝海时代国际大厦
    益乐路" → 益乐路; "车站大道" stays whole).
    """
    best = 0
    if name.endswith(("高速", "高速公路", "国道", "省道", "线")):
        return 0
    for m in _POI_CUT.finditer(name):
        if m.start() >= 1 and len(_ROAD_TAIL.sub("", name[m.end() :])) >= 2:
            best = m.end()
    return best


def _road_at(s: str, pos: int) -> int | None:
    """End of a road name starting at ``pos``."""
    m = _HIGHWAY.match(s, pos)
    if m:
        return m.end()
    m = _ROAD.match(s, pos)
    if m is None:
        return None
    end = m.end()
    name = m.group()
    # "东明路街道", "新街口": no road ends in front of these
    if name.endswith(("路", "街")) and s.startswith(("道", "镇", "乡"), end):
        return None
    if name.endswith("道") and s.startswith("路", end - 1):
        return None
    if name.endswith("街道") or s.startswith("村", end):
        return None  # "罗凤街道" (a second town), "许巷村" (a village)
    if len(name) < 2:
        return None
    return end


def _number(walk: _Walk, pos: int) -> int | None:
    s = walk.s
    found = walk.found
    m = _DASHED.match(s, pos)
    if m and not _UNIT.match(s, pos):
        return _dashed(walk, m)
    m = _UNIT.match(s, pos) or _LETTER_BUILDING.match(s, pos)
    if m is None:
        if s[pos].isdigit():
            b = _BARE.match(s, pos)
            return None if b is None else _bare(walk, b)
        return None
    unit = m.group("u")
    if unit.startswith("号") and unit not in ("号楼", "号院", "号门", "号房"):
        unit = "号"  # 号之一, 号附1号, 号甲: still the number
    span = m.group()
    # a letter or Chinese numeral that is really the start of a word ("一品苑", "A区"):
    zh_numeral = m.group("n").lstrip("负-B甲乙丙丁附")[:1] in tuple(
        "零〇一二两三四五六七八九十百千"
    )
    if zh_numeral and unit in ("组", "米", "公里", "房", "户", "区"):
        return None
    if unit == "号" and s.startswith(("楼", "院", "口", "出口"), m.end()):
        return None
    if unit == "号" and s.startswith(("大街", "路", "街", "大道"), m.end()):
        r = _ROAD.match(s, m.end())
        if r is not None:
            return _road(walk, pos, r.end())  # "6号大街" (numbered roads of 下沙)
    end = m.end()
    if unit == "#":
        unit = "号"
    if unit in ("号楼", "#楼", "幢", "栋", "座", "号院", "号门"):
        _put_first(walk, ("houseno", "subpoi"), span)
    elif unit == "单元":
        walk.put("cellno", span)
    elif unit == "区":
        _put_first(walk, ("subpoi", "houseno"), span)  # "B区"
    elif unit in ("层", "楼", "F"):
        walk.put("floorno", span)
    elif unit in ("室", "房间", "房", "号房", "户"):
        walk.put("roomno", span)
    elif unit == "支弄":
        _put_first(walk, ("subroadno", "houseno"), span)
    elif unit == "弄":
        if "road" in found and "roadno" not in found:
            walk.put("roadno", span)
        else:
            _put_first(walk, ("subroadno", "houseno"), span)
    elif unit == "号":
        if "road" in found and "roadno" not in found and not walk.pending and not _after_poi(walk):
            walk.put("roadno", span)
        elif "subroad" in found and "subroadno" not in found and walk.order[-1] == "subroad":
            walk.put("subroadno", span)
        elif "houseno" not in found:
            walk.put("houseno", span)
        elif "roomno" not in found:
            walk.put("roomno", span)
        else:
            walk.put("rest", span)
    elif unit == "组":
        if "community" in found and walk.order and walk.order[-1] == "community":
            found["community"] += span
        else:
            walk.put("subpoi" if "poi" in found else "poi", span)
    elif unit in ("米", "公里"):
        walk.put("distance", span)
    # bare room number after the building/floor: "3幢502", "A座15楼1501"
    b = _BARE.match(s, end)
    if b and unit in ("号楼", "幢", "栋", "座", "单元", "层", "楼", "F") and _alone(s, b.end()):
        walk.put("roomno" if "roomno" not in found else "rest", b.group())
        return b.end()
    return end


def _after_poi(walk: _Walk) -> bool:
    """Whether the walk is past the road's place: a POI came after the road."""
    order = walk.order
    return "poi" in order and "road" in order and order.index("poi") > order.index("road")


def _alone(s: str, end: int) -> bool:
    return end >= len(s) or not (s[end].isdigit() or s[end] in "号弄幢栋座单元层楼室组米F#-")


def _put_first(walk: _Walk, names: tuple[str, ...], value: str) -> None:
    for name in names:
        if name not in walk.found:
            walk.put(name, value)
            return
    walk.put("rest", value)


def _dashed(walk: _Walk, m: re.Match[str]) -> int:
    """11-1701 (building-room), 3-2-502 (building-unit-room), or a road number 90-1."""
    found = walk.found
    a, b, c = m.group(1), m.group(2), m.group(3)
    if c is not None:
        _put_first(walk, ("houseno",), a)
        walk.put("cellno", b)
        walk.put("roomno", c)
    elif "road" in found and "roadno" not in found and not walk.pending:
        walk.put("roadno", m.group())
    else:
        _put_first(walk, ("houseno",), a)
        walk.put("roomno", b)
    return m.end()


def _bare(walk: _Walk, m: re.Match[str]) -> int | None:
    """Digits with no unit word: the road's number, else a room."""
    found = walk.found
    if (
        "road" in found
        and "roadno" not in found
        and not walk.pending
        and walk.order[-1]
        in (
            "road",
            "subroad",
        )
    ):
        walk.put("roadno", m.group())
    elif walk.has_any("houseno", "cellno", "floorno") and "roomno" not in found:
        walk.put("roomno", m.group())
    elif walk.pending and _POI_END.search("".join(walk.pending)) and _alone(walk.s, m.end()):
        walk.flush()
        walk.put("roomno" if "roomno" not in found else "rest", m.group())  # "天恒大厦1306"
    elif walk.pending:
        return None  # part of a name ("7天酒店", "8090网吧")
    else:
        walk.put("rest", m.group())
    return m.end()


_DIGIT_RUN = re.compile(r"\d+")


def _keep_numbers(s: str, found: dict[str, str], notes: list[str]) -> None:
    """Put any digit run of the text that no component holds into ``rest``."""
    held = "|".join([*found.values(), *notes])
    for run in _DIGIT_RUN.findall(s):
        if run not in held:
            found["rest"] = found.get("rest", "") + run
            held += "|" + run


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class ZhMatch:
    """A gazetteer entry (or a point derived from entries) matching a Chinese address."""

    label: str
    kind: str
    lon: float
    lat: float
    score: float
    matched: tuple[str, ...]
    entry: Entry
    entry_id: int
    housenumber_found: bool | None = None
    note: str | None = None


_SETTLEMENT_TAGS: Final = frozenset({"city", "town", "village", "hamlet", "suburb"})
_POI_TAGS: Final[dict[str, tuple[str, ...]]] = {
    "消防救援站": ("amenity=fire_station",), "消防站": ("amenity=fire_station",),
    "医院": ("amenity=hospital", "amenity=clinic"), "诊所": ("amenity=clinic", "amenity=doctors"),
    "加油站": ("amenity=fuel",), "小学": ("amenity=school",), "学校": ("amenity=school",),
    "中学": ("amenity=school",), "幼儿园": ("amenity=kindergarten",),
    "市政厅": ("amenity=townhall",), "政府": ("amenity=townhall",),
    "邮局": ("amenity=post_office",), "银行": ("amenity=bank",), "药店": ("amenity=pharmacy",),
    "派出所": ("amenity=police",), "警察局": ("amenity=police",),
    "教堂": ("amenity=place_of_worship",), "超市": ("shop=supermarket",),
    "酒店": ("tourism=hotel",), "宾馆": ("tourism=hotel",), "博物馆": ("tourism=museum",),
    "图书馆": ("amenity=library",), "停车场": ("amenity=parking",),
    "餐厅": ("amenity=restaurant",), "城堡": ("historic=castle",),
}  # fmt: skip
"""What a caller's kind word means in OSM tags (for "place + kind": "瓦杜兹医院")."""
_CORE_SUFFIX = re.compile(r"(?:街道|社区|新区|镇|乡|村|区|县|市)$")


def _core_admin(name: str) -> str:
    """An admin name without its suffix, kept whole when one character would be left."""
    core = _CORE_SUFFIX.sub("", name)
    return core if len(core) >= 2 else name


MIN_SCORE: Final = 65.0
"""Matches scoring less (after penalties for a different district) are not offered."""
_ROAD_CUTOFF: Final = 70.0
_NAME_CUTOFF: Final = 70.0
_ADMIN_MISMATCH_PENALTY: Final = 15.0


def _digits(text: str | None) -> str | None:
    if not text:
        return None
    m = re.match(r"\d+", unicodedata.normalize("NFKC", text))
    return m.group() if m else None


class ZhMatcher:
    """Matches parsed Chinese addresses against the gazetteer's entries.

    Parameters
    ----------
    gazetteer
        Entries with Chinese names (and, for landmarks said in Latin script inside a Chinese
        sentence, every named entry).
    """

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.admin_names: dict[str, str] = {}
        streets: dict[str, list[int]] = defaultdict(list)
        names: dict[str, list[int]] = defaultdict(list)
        self._numbered: dict[tuple[str, str], list[int]] = defaultdict(list)
        # a place's names (OSM name and aliases), so "沙恩镇" is recognised as Schaan
        self._place_names: dict[str, tuple[str, ...]] = {}
        # (place, OSM tag) → entries: "瓦杜兹医院" is the hospital (amenity=hospital) of Vaduz
        self._typed: dict[tuple[str, str], list[int]] = defaultdict(list)
        load_divisions()  # read once here, not during the first call
        for entry_id, entry in enumerate(gazetteer.entries):
            all_names = (entry.name, *entry.aliases)
            zh_names = [n for n in all_names if has_cjk(n)]
            if entry.kind == EntryKind.ADMIN:
                level = entry.tag or "district"
                for n in zh_names:
                    self.admin_names[_short_admin(n)] = level
            if entry.kind == EntryKind.PLACE:
                self._place_names[entry.name] = all_names
                if entry.tag in _SETTLEMENT_TAGS:
                    for n in zh_names:
                        self.admin_names.setdefault(_core_admin(n), "town")
            if entry.tag and entry.place:
                self._typed[(entry.place, entry.tag)].append(entry_id)
            if entry.kind == EntryKind.ADDRESS:
                if entry.street and entry.housenumber and has_cjk(entry.street):
                    digits = _digits(entry.housenumber)
                    if digits:
                        self._numbered[(entry.street, digits)].append(entry_id)
                continue
            if entry.kind == EntryKind.STREET:
                for n in zh_names:
                    streets[n].append(entry_id)
            for n in all_names:
                key = fold(n)
                if key:
                    names[key].append(entry_id)
            for n in zh_names:
                short = re.sub(r"[（(][^）)]*[）)]", "", n)
                if short != n and short:
                    names[fold(short)].append(entry_id)
        self._street_keys = sorted(streets)
        self._street_ids = [streets[k] for k in self._street_keys]
        self._name_keys = sorted(names)
        self._name_ids = [names[k] for k in self._name_keys]
        # A query in Chinese characters only is compared with Chinese names only: a Latin name
        # shares no character with it, and skipping them halves the time on an OSM gazetteer.
        self._zh_keys = [k for k in self._name_keys if has_cjk(k)]
        self._zh_ids = [names[k] for k in self._zh_keys]

    def parse(self, text: str) -> ZhAddress:
        """:func:`parse_zh_address` with this gazetteer's administrative names."""
        return parse_zh_address(text, admin_names=self.admin_names)

    def search(self, text: str, *, limit: int = 10) -> list[ZhMatch]:
        """Entries matching a Chinese address, best first (``[]`` when nothing fits).

        Parameters
        ----------
        text
            The address as said.
        limit
            At most this many matches.

        Returns
        -------
        list[ZhMatch]
        """
        addr = self.parse(text)
        out: list[ZhMatch] = []
        if addr.crossing is not None:
            out.extend(self._intersection(addr))
        if addr.road is not None and addr.crossing is None:
            out.extend(self._road(addr))
        if addr.poi is not None:
            out.extend(self._typed_poi(addr))
        if addr.compound is not None:
            out.extend(self._named(addr.compound, addr, ("poi",), addr.building))
        if addr.landmark is not None:
            out.extend(self._named(addr.landmark, addr, ("poi",), None))
            # The admin prefix may be part of the name ("杭州市第一人民医院").
            whole = _RELATION_END.sub("", _normalise(text))
            if whole != addr.landmark:
                out.extend(self._named(whole, ZhAddress(), ("poi",), None))
        if not out:
            leftover = addr.rest or addr.town or addr.district or addr.city
            if leftover:
                out.extend(self._named(leftover, addr, ("name",), None))
        best: dict[tuple[int, float, float], ZhMatch] = {}
        for match in out:
            key = (match.entry_id, round(match.lon, 6), round(match.lat, 6))
            if key not in best or match.score > best[key].score:
                best[key] = match
        ranked = [m for m in best.values() if m.score >= MIN_SCORE]
        return sorted(ranked, key=lambda m: -m.score)[:limit]

    def _admin_penalty(self, entry: Entry, addr: ZhAddress) -> float:
        """Points off when the township, district or village said is not the entry's place."""
        said = [a for a in (addr.district, addr.town, addr.city, addr.community) if a]
        if not said or not entry.place:
            return 0.0
        place = _short_admin(entry.place)
        if any(_short_admin(a) in entry.place or place in a for a in said):
            return 0.0
        names = [_core_admin(n) for n in self._place_names.get(entry.place, ())]
        if any(n and (n in a or _core_admin(a) in n) for a in said for n in names):
            return 0.0
        return _ADMIN_MISMATCH_PENALTY

    def _admin_matched(self, entry: Entry, addr: ZhAddress) -> tuple[str, ...]:
        """The administrative components said that agree with the entry's place."""
        if not entry.place:
            return ()
        names = [entry.place, *(_core_admin(n) for n in self._place_names.get(entry.place, ()))]
        out = []
        for component in ("district", "town", "community"):
            said = getattr(addr, component)
            if said and any(n and (n in said or _core_admin(said) in n) for n in names):
                out.append(component)
        return tuple(out)

    def _typed_poi(self, addr: ZhAddress) -> Iterable[ZhMatch]:
        """A POI said as place + kind ("瓦杜兹医院", "沙恩加油站"): that kind of place there."""
        assert addr.poi is not None
        poi = addr.poi
        kind = next((k for k in _POI_TAGS if poi.endswith(k)), None)
        if kind is None:
            return
        head = poi[: -len(kind)]
        said = [head] if head else []
        said += [a for a in (addr.town, addr.district, addr.community) if a]
        for place, names in self._place_names.items():
            cores = [_core_admin(n) for n in names if has_cjk(n)]
            if not any(c and _core_admin(s) == c for s in said for c in cores):
                continue
            for tag in _POI_TAGS[kind]:
                for entry_id in self._typed.get((place, tag), []):
                    entry = self.gazetteer.entries[entry_id]
                    matched = ("poi", *self._admin_matched(entry, addr))
                    yield ZhMatch(entry.name, entry.kind, entry.lon, entry.lat, 92.0,
                                  matched, entry, entry_id)  # fmt: skip

    def _streets(self, name: str, limit: int = 5) -> list[tuple[int, float]]:
        hits = process.extract(
            name, self._street_keys, scorer=fuzz.ratio, limit=limit, score_cutoff=_ROAD_CUTOFF
        )
        return [(sid, float(score)) for _k, score, pos in hits for sid in self._street_ids[pos]]

    def _road(self, addr: ZhAddress) -> Iterable[ZhMatch]:
        assert addr.road is not None
        gaz = self.gazetteer
        for street_id, score in self._streets(addr.road):
            street = gaz.entries[street_id]
            score -= self._admin_penalty(street, addr)
            number = addr.number
            admin = self._admin_matched(street, addr)
            if number is None:
                yield ZhMatch(street.name, EntryKind.STREET, street.lon, street.lat, score,
                              ("road", *admin), street, street_id)  # fmt: skip
                continue
            ids = self._numbered.get((street.name, number)) or [
                i for i in gaz.addresses_on(street_id).get(number, [])
            ]
            if ids:
                entry = gaz.entries[ids[0]]
                yield ZhMatch(entry.name, EntryKind.ADDRESS, entry.lon, entry.lat, score,
                              ("road", "roadno", *admin), entry, ids[0], True)  # fmt: skip
                continue
            lon, lat, note = self._nearest_number(street, street_id, int(number))
            yield ZhMatch(street.name, EntryKind.STREET, lon, lat, score - 12.0,
                          ("road", *admin), street, street_id, False, note)  # fmt: skip

    def _nearest_number(self, street: Entry, street_id: int, want: int) -> tuple[float, float, str]:
        """Where number ``want`` should be on the street: between the known numbers of the same
        side around it (interpolated), else at the nearest known number, else on the road."""
        known = [
            (int(d), ids[0])
            for (name, d), ids in self._numbered.items()
            if name == street.name and d.isdigit()
        ]
        for folded, ids in self.gazetteer.addresses_on(street_id).items():
            digits = _digits(folded)
            if digits and ids:
                known.append((int(digits), ids[0]))
        note = f"{street.name}{want}号 not found"
        if not known:
            return street.lon, street.lat, note + "; placed on the road"
        side = [k for k in known if k[0] % 2 == want % 2]
        below = max((k for k in side if k[0] < want), default=None)
        above = min((k for k in side if k[0] > want), default=None)
        if below is not None and above is not None:
            a, b = self.gazetteer.entries[below[1]], self.gazetteer.entries[above[1]]
            t = (want - below[0]) / (above[0] - below[0])
            lon, lat = a.lon + (b.lon - a.lon) * t, a.lat + (b.lat - a.lat) * t
            return lon, lat, note + f"; placed between {below[0]}号 and {above[0]}号"
        value, entry_id = min(known, key=lambda k: (abs(k[0] - want), (k[0] - want) % 2))
        entry = self.gazetteer.entries[entry_id]
        return entry.lon, entry.lat, note + f"; placed at {value}号"

    def _named(
        self, name: str, addr: ZhAddress, matched: tuple[str, ...], building: str | None
    ) -> Iterable[ZhMatch]:
        query = fold(name)
        if not query:
            return
        latin = re.search("[A-Za-z]", query) is not None
        keys, key_ids = (
            (self._name_keys, self._name_ids) if latin else (self._zh_keys, self._zh_ids)
        )
        hits = fuzzy.extract(query, keys, scorer=fuzz.WRatio, limit=8, score_cutoff=_NAME_CUTOFF)
        for _key, raw, pos in hits:
            score = float(raw)
            # WRatio scores a short key inside a long query at 90 ("学院" in "学院路小学"): ask
            # the plain ratio to agree before trusting a big length difference.
            if len(_key) < 0.6 * len(query):
                score = min(score, float(fuzz.ratio(query, _key)) + 10.0)
            if score < _NAME_CUTOFF:
                continue
            for entry_id in key_ids[pos]:
                entry = self.gazetteer.entries[entry_id]
                s = score - self._admin_penalty(entry, addr)
                if building is not None:
                    ids = self._numbered.get((entry.name, building))
                    if ids:
                        sub = self.gazetteer.entries[ids[0]]
                        yield ZhMatch(sub.name, EntryKind.ADDRESS, sub.lon, sub.lat, s,
                                      (*matched, "houseno"), sub, ids[0], True)  # fmt: skip
                        continue
                    yield ZhMatch(entry.name, entry.kind, entry.lon, entry.lat, s - 5.0, matched,
                                  entry, entry_id, False,
                                  f"{building}幢 not found; placed at {entry.name}")  # fmt: skip
                    continue
                yield ZhMatch(entry.name, entry.kind, entry.lon, entry.lat, s, matched, entry,
                              entry_id)  # fmt: skip

    def _intersection(self, addr: ZhAddress) -> Iterable[ZhMatch]:
        crossing = addr.crossing
        assert crossing is not None
        a_hits = self._streets(crossing[0], limit=3)
        b_hits = self._streets(crossing[1], limit=3)
        gaz = self.gazetteer
        for a_id, a_score in a_hits:
            for b_id, b_score in b_hits:
                if a_id == b_id:
                    continue
                pa, pb = gaz.street_points(a_id), gaz.street_points(b_id)
                lat0 = float(np.mean(pa[:, 1]))
                k = np.array([np.cos(np.radians(lat0)), 1.0])
                diff = (pa[:, None, :] - pb[None, :, :]) * k
                d2 = np.einsum("ijk,ijk->ij", diff, diff)
                i, j = np.unravel_index(int(np.argmin(d2)), d2.shape)
                gap_m = float(np.sqrt(d2[i, j])) * 111_000.0
                lon = float(pa[i, 0] + pb[j, 0]) / 2.0
                lat = float(pa[i, 1] + pb[j, 1]) / 2.0
                # Two streets that never come within 300 m do not meet: a weak answer.
                score = min(a_score, b_score) - (0.0 if gap_m <= 300.0 else 30.0)
                a, b = gaz.entries[a_id], gaz.entries[b_id]
                note = None if gap_m <= 300.0 else f"{a.name} and {b.name} are {gap_m:.0f} m apart"
                yield ZhMatch(f"{a.name}与{b.name}交叉口", "intersection", lon, lat,
                              score - self._admin_penalty(a, addr), ("intersection",), a, a_id,
                              None, note)  # fmt: skip
