"""Chinese names for the demo detachment, built on Liechtenstein's real place names.

The UI speaks Chinese, so the demo city must read like a Chinese detachment (stations named after
their village, call signs such as "沙恩1号水罐车", contacts with Chinese names) while staying
anchored to the real OSM facts: place names are transliterated, premises keep their real name and
gain a Chinese descriptor. Every random choice takes a :class:`random.Random` so the caller decides
the seed; nothing here touches the database.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Final

CORPS_NAME: Final = "蓝焰省消防救援总队"
DETACHMENT_NAME: Final = "蓝焰市消防救援支队"
DETACHMENT_ADDRESS: Final = "蓝焰市瓦杜兹区 Äulestrasse（支队机关）"

PLACE_ZH: Final[Mapping[str, str]] = {
    "Vaduz": "瓦杜兹",
    "Schaan": "沙恩",
    "Balzers": "巴尔采斯",
    "Triesen": "特里森",
    "Triesenberg": "特里森贝格",
    "Eschen": "埃申",
    "Mauren": "毛伦",
    "Gamprin": "甘普林",
    "Gamprin-Bendern": "甘普林-本德恩",
    "Ruggell": "鲁格尔",
    "Schellenberg": "申嫩贝格",
    "Planken": "普兰肯",
    "Oberplanken": "上普兰肯",
    "Nendeln": "嫩德尔恩",
    "Bendern": "本德恩",
    "Schaanwald": "沙恩瓦尔德",
    "Malbun": "马尔本",
    "Steg": "施泰格",
    "Rotenboden": "罗滕博登",
    "Ebenholz": "埃本霍尔茨",
    "Mäls": "梅尔斯",
    "Masescha": "马塞沙",
    "Silum": "西卢姆",
    "Gaflei": "加夫莱",
    "Sücka": "叙卡",
    "Lawena": "拉韦纳",
    "Valüna": "瓦吕纳",
    "Rhein": "莱茵河",
}
"""Transliterations of the real municipality, village and hamlet names."""

MUNICIPALITY: Final[Mapping[str, str]] = {
    "Vaduz": "Vaduz",
    "Ebenholz": "Vaduz",
    "Schaan": "Schaan",
    "Balzers": "Balzers",
    "Mäls": "Balzers",
    "Triesen": "Triesen",
    "Triesenberg": "Triesenberg",
    "Rotenboden": "Triesenberg",
    "Steg": "Triesenberg",
    "Malbun": "Triesenberg",
    "Masescha": "Triesenberg",
    "Silum": "Triesenberg",
    "Planken": "Planken",
    "Oberplanken": "Planken",
    "Eschen": "Eschen",
    "Nendeln": "Eschen",
    "Mauren": "Mauren",
    "Schaanwald": "Mauren",
    "Gamprin": "Gamprin",
    "Gamprin-Bendern": "Gamprin",
    "Bendern": "Gamprin",
    "Ruggell": "Ruggell",
    "Schellenberg": "Schellenberg",
}
"""Which real municipality (Gemeinde) each settlement belongs to."""

OBERLAND: Final = frozenset({"Vaduz", "Schaan", "Balzers", "Triesen", "Triesenberg", "Planken"})
UNTERLAND: Final = frozenset({"Eschen", "Mauren", "Gamprin", "Ruggell", "Schellenberg"})
MOUNTAIN_SETTLEMENTS: Final = frozenset(
    {"Triesenberg", "Malbun", "Steg", "Planken", "Oberplanken", "Rotenboden"}
)
"""Mountain villages: volunteer teams and fire water tanks rather than hydrant grids."""

POPULATION: Final[Mapping[str, int]] = {
    "Schaan": 5900,
    "Vaduz": 5400,
    "Triesen": 5000,
    "Balzers": 4600,
    "Eschen": 4300,
    "Mauren": 4100,
    "Triesenberg": 2600,
    "Ruggell": 2100,
    "Gamprin": 1600,
    "Schellenberg": 1000,
    "Planken": 430,
}
"""Rounded populations of the municipalities (about 2015): they size stations and teams."""

BRIGADES: Final[Mapping[str, tuple[str, str]]] = {
    "oberland": ("上区消防救援大队", "Oberland"),
    "unterland": ("下区消防救援大队", "Unterland"),
}
"""The two brigades follow Liechtenstein's two historic regions (Oberland / Unterland)."""

_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉力鹏飞宇浩然志刚海燕红梅晓东"
    "俊峰嘉怡欣怡子涵雨桐思远博文振华国庆建国卫东春生秋菊冬梅玉兰淑珍凤英德胜成龙永刚"
)


def region_of(place_name: str, lat: float) -> str:
    """The brigade key (``oberland`` / ``unterland``) of a settlement, by its real municipality.

    Names that belong to no known municipality fall back to latitude: the Unterland lies north
    of about 47.185° N.
    """
    municipality = MUNICIPALITY.get(place_name)
    if municipality in UNTERLAND:
        return "unterland"
    if municipality in OBERLAND:
        return "oberland"
    return "unterland" if lat >= 47.185 else "oberland"


def place_zh(name: str) -> str:
    """Chinese transliteration of a place name; unknown names are kept as they are.

    A compound such as ``Gamprin-Bendern`` is transliterated part by part when each part is known.
    """
    if name in PLACE_ZH:
        return PLACE_ZH[name]
    parts = name.split("-")
    if len(parts) > 1 and all(p in PLACE_ZH for p in parts):
        return "-".join(PLACE_ZH[p] for p in parts)
    return name


def station_name(village: str, *, special: bool = False) -> str:
    """Name of a fire-rescue station after its village: "瓦杜兹消防救援站" / "沙恩特勤站"."""
    return f"{place_zh(village)}{'特勤站' if special else '消防救援站'}"


def gov_team_name(village: str) -> str:
    """Name of a government full-time team (政府专职消防队)."""
    return f"{place_zh(village)}政府专职消防队"


def volunteer_team_name(village: str) -> str:
    """Name of a volunteer fire team (志愿消防队)."""
    return f"{place_zh(village)}志愿消防队"


def enterprise_team_name(company: str) -> str:
    """Name of an enterprise full-time team at a company site."""
    return f"{company}企业专职消防队"


def micro_station_name(where: str) -> str:
    """Name of a micro fire station (微型消防站) at a premises or village centre."""
    return f"{where}微型消防站"


def call_sign(station_short: str, number: int, type_zh: str) -> str:
    """A unit's call sign: "瓦杜兹1号水罐车"."""
    return f"{station_short}{number}号{type_zh}"


def plate_number(rng: random.Random) -> str:
    """A fictional fire-rescue plate in the national style, "蓝·A1234应急"."""
    letter = rng.choice("ABCDEFGH")
    return f"蓝·{letter}{rng.randint(0, 9999):04d}应急"


def person_name(rng: random.Random) -> str:
    """A plausible Chinese person name (surname plus one or two given characters)."""
    surname = rng.choice(_SURNAMES)
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


def mobile_phone(rng: random.Random) -> str:
    """A fictional mobile number (138/139/150/186 + 8 digits)."""
    return f"{rng.choice(('138', '139', '150', '186'))}{rng.randint(0, 99_999_999):08d}"


def duty_phone(rng: random.Random) -> str:
    """A fictional landline duty number of an organization."""
    return f"0{rng.randint(710, 799)}-{rng.randint(2_000_000, 8_999_999)}"


PREMISES_DESCRIPTOR: Final[Mapping[str, str]] = {
    "school": "学校",
    "university": "大学",
    "college": "学院",
    "kindergarten": "幼儿园",
    "childcare": "托育中心",
    "preschool": "幼儿园",
    "hospital": "医院",
    "clinic": "诊所",
    "doctors": "诊所",
    "physician": "诊所",
    "nursing_home": "养老院",
    "social_facility": "养老机构",
    "restaurant": "餐厅",
    "cafe": "咖啡馆",
    "fast_food": "快餐店",
    "bar": "酒吧",
    "pub": "酒馆",
    "nightclub": "夜总会",
    "fuel": "加油站",
    "pharmacy": "药店",
    "place_of_worship": "教堂",
    "church": "教堂",
    "chapel": "小教堂",
    "cathedral": "大教堂",
    "townhall": "市政厅",
    "public_building": "公共建筑",
    "public": "公共建筑",
    "post_office": "邮局",
    "bank": "银行",
    "theatre": "剧院",
    "cinema": "电影院",
    "arts_centre": "艺术中心",
    "library": "图书馆",
    "community_centre": "社区中心",
    "swimming_pool": "游泳馆",
    "gym": "健身房",
    "hotel": "宾馆",
    "hostel": "青年旅舍",
    "guest_house": "家庭旅馆",
    "motel": "汽车旅馆",
    "chalet": "度假木屋",
    "alpine_hut": "高山小屋",
    "museum": "博物馆",
    "supermarket": "超市",
    "convenience": "便利店",
    "bakery": "面包店",
    "butcher": "肉店",
    "car_repair": "汽车修理厂",
    "car": "汽车销售店",
    "hairdresser": "理发店",
    "industrial": "工业厂房",
    "warehouse": "仓库",
    "commercial": "商业楼",
    "retail": "商铺",
    "office": "办公楼",
    "train_station": "火车站",
    "sawmill": "锯木厂",
    "carpenter": "木工作坊",
    "metal_construction": "金属加工厂",
}
"""Chinese descriptor of a premises by the OSM tag value that qualified it."""


def premises_descriptor(key: str, value: str) -> str:
    """Chinese descriptor for a premises tag (shop=* falls back to 商店, office=* to 办公室)."""
    if value in PREMISES_DESCRIPTOR:
        return PREMISES_DESCRIPTOR[value]
    return {"shop": "商店", "office": "办公室", "craft": "作坊"}.get(key, "场所")


def premises_name(real_name: str | None, descriptor: str, *, fallback: str) -> str:
    """Keep the real name and add the Chinese descriptor: "Hotel Löwen（宾馆）".

    Unnamed buildings are called by where they stand (``fallback``, e.g. the street and number)
    plus the descriptor: "Industriestrasse 12 工业厂房".
    """
    if real_name:
        return f"{real_name}（{descriptor}）"[:160]
    return f"{fallback} {descriptor}"[:160]
