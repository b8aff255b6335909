"""Write tests/data/address_zh_corpus.jsonl: annotated Chinese addresses for the parser's scorer.

Each line: ``{"text": ..., "form": ..., "components": {name: span}}`` with the component names of
Li et al.'s annotation guide (NAACL 2019) and ``notes`` for bracketed dispatcher remarks. The
annotation follows the guide as docs/geocoding.md states it (not the parser's code): 号 after a road
is ``roadno``, after a 弄, a village or a POI it is ``houseno``; 弄 is ``roadno``, 支弄
``subroadno``; a cross street is ``subroad`` with 与/和 unlabelled and 交叉口/路口 ``intersection``;
靠近/近/旁/门口/附近 are ``assist``; 村民小组 belong to the village (``community="王楼村5组"``).

Places are real: provinces, prefectures, counties and townships drawn from the division table
(weighted to Zhejiang, Shanghai and Jiangsu); roads, estates and premises are written from lists of
common Chinese road stems and estate words, numbers drawn at random. Seeded: the file is the same
on every run. ``python scripts/build_address_zh_corpus.py`` rewrites it; hand-written lines
(``HAND``) are appended as they are.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from lanyan.dispatch.divisions import Division, load_divisions, short_name

OUT = Path(__file__).resolve().parents[1] / "tests/data/address_zh_corpus.jsonl"
C = dict[str, str]

ROAD_STEMS = (
    "人民", "解放", "建设", "文化", "新华", "环城", "江南", "滨江", "学院", "光明", "胜利", "东风",
    "青年", "工农", "延安", "钱塘", "西溪", "灵岩", "南泉", "益乐", "文一", "文二", "天目山",
    "教工",
    "莫干山", "凤起", "体育场", "庆春", "秋涛", "明珠", "金沙", "复兴", "长寿", "浦东", "张杨",
    "世纪", "民生", "杨高", "崂山", "沈家弄", "民冬", "川沙", "华夏", "迎宾", "振兴", "跃进",
    "幸福", "红星", "朝晖", "德胜", "丰潭", "古墩", "紫荆花", "翠柏", "湖墅", "石桥", "半山",
    "江滨", "中兴", "南山", "北门", "兴业", "商城", "工业", "园区", "站前", "车站", "永安",
    "太平", "和平", "长江", "黄河", "珠江", "湘江", "龙江", "东湖", "西山", "望江", "沿江",
)  # fmt: skip
ROAD_TAILS = ("路", "路", "路", "街", "大道", "东路", "西路", "南路", "北路", "中路", "巷", "大街")
ESTATE_WORDS = (
    "金都", "绿城", "万科", "阳光", "华星", "蓝村", "文汇", "嘉绿", "景芳", "采荷", "翠苑", "和睦",
    "望江", "桂花", "东方", "锦绣", "富春", "钱江", "春江", "翡翠", "香樟", "紫金", "丽都", "银泰",
    "恒大", "保利", "融创", "碧水", "云溪", "栖霞", "梧桐", "枫林", "海棠", "玉兰", "名都", "世茂",
)  # fmt: skip
ESTATE_TAILS = (
    "小区", "花园", "家园", "公寓", "苑", "花苑", "华庭", "名邸", "山庄", "佳苑", "府", "城",
)  # fmt: skip
PREMISES_TAILS = (
    "人民医院", "中医院", "实验小学", "第二中学", "中心幼儿园", "农贸市场", "加油站", "大酒店",
    "宾馆", "购物中心", "超市", "机械有限公司", "纺织厂", "汽车站", "派出所", "卫生院",
    "国际大厦", "时代广场", "商务中心", "大厦", "物流园", "酒店", "菜市场", "电影院",
)  # fmt: skip
PREMISES_HEADS = (
    "蓝海时代", "宏达", "恒通", "新世纪", "金鹰", "华联", "联华", "永辉", "东升", "兴隆", "长城",
    "天元", "嘉禾", "红旗", "银河", "鸿运", "星光", "国泰", "博文", "明德", "育才", "实验",
)  # fmt: skip
VILLAGES = (
    "王楼", "李家", "张家庄", "下洋", "前山", "后宅", "石门", "塘头", "东岙", "西坞", "新塘",
    "上林", "大园", "马桥", "白沙", "黄泥", "杨柳", "桃源", "青山", "溪口",
)  # fmt: skip
NOTES = (
    "误报", "到场未处置", "已处置", "电动车起火", "无人员被困", "报警人已自行扑灭", "重复报警",
    "厨房油锅起火", "烟雾报警器误报", "联系电话13857112345", "疑似冒烟", "已转交110",
)  # fmt: skip
ZH_NUM = "〇一二三四五六七八九"
DEVZONE_ENDS = ("开发区", "高新区", "保税区", "管理区", "试验区", "示范区")


def zh(n: int) -> str:
    """12 → 十二, 105 → 一百零五 (how callers say small numbers)."""
    if n < 10:
        return ZH_NUM[n]
    if n < 20:
        return "十" + (ZH_NUM[n % 10] if n % 10 else "")
    if n < 100:
        return ZH_NUM[n // 10] + "十" + (ZH_NUM[n % 10] if n % 10 else "")
    h, r = divmod(n, 100)
    tail = "" if r == 0 else ("零" + ZH_NUM[r] if r < 10 else zh(r) if r >= 20 else "一" + zh(r))
    return ZH_NUM[h] + "百" + tail


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)  # noqa: S311 - a fixed corpus, not a secret
        t = load_divisions()
        self.t = t
        towns: list[Division] = [
            d for d in t if d.level == "town" and not re.search(r"[()（）]", d.name)
        ]
        wanted = ("33", "31", "32")
        towns = [d for d in towns if {"town", "district"} <= set(self.chain(d))]
        self.towns = [d for d in towns if d.code[:2] in wanted] + self.r.sample(towns, 3000)
        self.odd_towns = [
            d for d in towns if any(k in d.name[:-2] for k in ("路", "街", "桥", "机场"))
        ] + [d for d in towns if d.name.endswith("镇镇")]
        self.clc = [d for d in t if d.is_county_level_city]

    def chain(self, town: Division) -> dict[str, str]:
        """The town and its ancestors by component (development zones are ``devzone``)."""
        out = {"town": town.name}
        for a in self.t.ancestors(town):
            out[a.level] = a.name
        for level in ("district", "town"):
            name = out.get(level, "")
            if name.endswith(DEVZONE_ENDS) or (name.endswith("园区") and len(name) >= 5):
                out["devzone"] = out.pop(level)
        return out

    def road(self) -> str:
        return self.r.choice(ROAD_STEMS) + self.r.choice(ROAD_TAILS)

    def estate(self) -> str:
        return self.r.choice(ESTATE_WORDS) + self.r.choice(ESTATE_TAILS)

    def premises(self) -> str:
        return self.r.choice(PREMISES_HEADS) + self.r.choice(PREMISES_TAILS)

    def admin(self, town: Division, levels: str) -> tuple[str, C]:
        """Admin prefix with the levels wanted (p c d t), full names."""
        ch = self.chain(town)
        text, comp = "", {}
        for key, level in (("p", "prov"), ("c", "city"), ("d", "district"), ("t", "town")):
            if key in levels and level in ch:
                if level == "prov" and ch.get("prov", "").endswith("市") and "city" not in ch:
                    pass
                text += ch[level]
                comp[level] = ch[level]
        return text, comp

    def building(self) -> tuple[str, C]:
        r = self.r
        k = r.random()
        if k < 0.25:
            n = f"{r.randint(1, 30)}幢"
        elif k < 0.5:
            n = f"{r.randint(1, 30)}栋"
        elif k < 0.75:
            n = f"{r.randint(1, 30)}号楼"
        else:
            n = f"{r.choice('ABCDEF')}座"
        text, comp = n, {"houseno": n}
        if r.random() < 0.6:
            c = f"{r.randint(1, 6)}单元"
            text += c
            comp["cellno"] = c
        if r.random() < 0.3:
            f = f"{r.randint(1, 30)}{r.choice(['楼', '层'])}"
            text += f
            comp["floorno"] = f
        room = f"{r.randint(1, 30)}{r.randint(1, 4):02d}室"
        text += room
        comp["roomno"] = room
        return text, comp


def forms(g: Gen) -> dict[str, Callable[[], tuple[str, C]]]:
    r = g.r

    def full_admin() -> tuple[str, C]:
        town = r.choice(g.towns)
        a, comp = g.admin(town, r.choice(["pcd", "pcdt", "cd", "cdt", "dt", "pc"]))
        road, no = g.road(), f"{r.randint(1, 2000)}号"
        return a + road + no, {**comp, "road": road, "roadno": no}

    def dispatch_line() -> tuple[str, C]:
        town = r.choice(g.towns)
        ch = g.chain(town)
        road = g.road()
        lane, no, room = (
            f"{r.randint(1, 2000)}弄",
            f"{r.randint(1, 60)}号",
            f"{r.randint(1, 20)}0{r.randint(1, 4)}室",
        )
        est = g.estate()
        note1, note2 = r.sample(NOTES, 2)
        top = "district" if "district" in ch else "devzone" if "devzone" in ch else "city"
        low = "town" if "town" in ch else "devzone"
        text = f"{ch[top]} {ch[low]} {road}{lane}{no}{room}({est})（{note1}）（{note2}）"
        comp = {top: ch[top], low: ch[low], "road": road, "roadno": lane,
                "houseno": no, "roomno": room, "poi": est, "notes": [note1, note2]}  # fmt: skip
        return text, comp

    def odd_town() -> tuple[str, C]:
        town = r.choice(g.odd_towns)
        ch = g.chain(town)
        road, no = g.road(), f"{r.randint(1, 999)}号"
        if r.random() < 0.5:
            return f"{ch['district']}{town.name}{road}{no}", {
                "district": ch["district"], "town": town.name, "road": road, "roadno": no}  # fmt: skip  # noqa: E501
        return f"{town.name}{road}{no}", {"town": town.name, "road": road, "roadno": no}

    def poi_before_road() -> tuple[str, C]:
        poi, road, no = g.premises(), g.road(), f"{r.randint(1, 999)}号"
        return poi + road + no, {"poi": poi, "road": road, "roadno": no}

    def road_no_poi() -> tuple[str, C]:
        road, no, poi = g.road(), f"{r.randint(1, 999)}号", r.choice([g.premises(), g.estate()])
        text, comp = road + no + poi, {"road": road, "roadno": no, "poi": poi}
        if r.random() < 0.5:
            b, bc = g.building()
            text += b
            comp.update(bc)
        return text, comp

    def bracket_compound() -> tuple[str, C]:
        road, no, est = g.road(), f"{r.randint(1, 999)}号", g.estate()
        b, bc = g.building()
        if r.random() < 0.5:
            return f"{road}{no}({est}{b}", {"road": road, "roadno": no, "poi": est, **bc}
        return f"{road}{no}（{est}）{b}", {"road": road, "roadno": no, "poi": est, **bc}

    def cross_street() -> tuple[str, C]:
        a, b = g.road(), g.road()
        while b == a:
            b = g.road()
        k = r.random()
        if k < 0.25:
            w = r.choice(["靠近", "近", "临近"])
            return f"{a}{w}{b}", {"road": a, "assist": w, "subroad": b}
        if k < 0.5:
            w = r.choice(["靠近", "近"])
            return f"{a}{w}{b}口", {"road": a, "assist": w, "subroad": b, "intersection": "口"}
        if k < 0.75:
            c, i = r.choice(["与", "和", "跟"]), r.choice(["交叉口", "路口", "十字路口", "交汇处"])
            return f"{a}{c}{b}{i}", {"road": a, "subroad": b, "intersection": i}
        no = f"{r.randint(1, 500)}号"
        return f"{a}{no}旁", {"road": a, "roadno": no, "assist": "旁"}

    def sub_lane() -> tuple[str, C]:
        road, lane, sub, no = (
            g.road(),
            f"{r.randint(1, 1500)}弄",
            f"{r.randint(1, 20)}支弄",
            f"{r.randint(1, 99)}号",
        )
        text, comp = (
            road + lane + sub + no,
            {"road": road, "roadno": lane, "subroadno": sub, "houseno": no},
        )
        if r.random() < 0.5:
            room = f"{r.randint(1, 6)}0{r.randint(1, 4)}室"
            text += room
            comp["roomno"] = room
        return text, comp

    def village_group() -> tuple[str, C]:
        town = r.choice(g.towns)
        ch = g.chain(town)
        v = r.choice(VILLAGES) + "村"
        grp = f"{r.randint(1, 15)}组" if r.random() < 0.8 else f"{zh(r.randint(1, 9))}组"
        no = f"{r.randint(1, 600)}号"
        pre = r.choice(["", ch["district"], ch["district"] + town.name, town.name])
        comp: C = {"community": v + grp, "houseno": no}
        if pre.startswith(ch["district"]):
            comp["district"] = ch["district"]
        if town.name in pre:
            comp["town"] = town.name
        return pre + v + grp + no, comp

    def dashed_rooms() -> tuple[str, C]:
        est = g.estate()
        if r.random() < 0.5:
            a, b = str(r.randint(1, 40)), f"{r.randint(1, 30)}0{r.randint(1, 4)}"
            return f"{est}{a}-{b}", {"poi": est, "houseno": a, "roomno": b}
        seat, fl = f"{r.choice('ABCDE')}座", f"{r.randint(2, 40)}楼"
        text, comp = est + seat + fl, {"poi": est, "houseno": seat, "floorno": fl}
        if r.random() < 0.5:
            room = f"{fl[:-1]}0{r.randint(1, 9)}"
            text += room
            comp["roomno"] = room
        return text, comp

    def highway() -> tuple[str, C]:
        road = r.choice([f"G{r.randint(100, 330)}国道", f"{r.randint(100, 330)}国道",
                         f"S{r.randint(10, 330)}省道", "沪昆高速", "杭甬高速", "G60沪昆高速",
                         "甬台温高速"])  # fmt: skip
        k = f"K{r.randint(1, 1500)}" + (f"+{r.randint(1, 999)}" if r.random() < 0.4 else "")
        tail = r.choice(["", "附近", "处"])
        comp = {"road": road, "roadno": k}
        if tail:
            comp["assist"] = tail
        return road + k + tail, comp

    def new_village_estate() -> tuple[str, C]:
        est = r.choice(ESTATE_WORDS + VILLAGES) + "新村"
        b, bc = g.building()
        return est + b, {"poi": est, **bc}

    def county_city() -> tuple[str, C]:
        d = r.choice(g.clc)
        ch = {a.level: a.name for a in g.t.ancestors(d)}
        road, no = g.road(), f"{r.randint(1, 999)}号"
        pre, comp = "", {}
        if "prov" in ch and r.random() < 0.6:
            pre += ch["prov"]
            comp["prov"] = ch["prov"]
        return pre + d.name + road + no, {**comp, "district": d.name, "road": road, "roadno": no}

    def old_county_city() -> tuple[str, C]:
        name = r.choice(["奉化市", "萧山市", "余杭市", "富阳市", "临安市", "上虞市", "绍兴县",
                         "黄岩市", "椒江市"])  # fmt: skip
        road, no = g.road(), f"{r.randint(1, 999)}号"
        return f"浙江省{name}{road}{no}", {
            "prov": "浙江省",
            "district": name,
            "road": road,
            "roadno": no,
        }

    def colloquial() -> tuple[str, C]:
        poi = g.premises()
        k = r.random()
        if k < 0.3:
            w = r.choice(["门口", "附近", "对面", "旁边", "后门", "北门"])
            pre = r.choice(["", "我在", "我们在", "就在"])
            comp = {"poi": poi, "assist": w}
            if pre:
                comp["redundant"] = pre
            return pre + poi + w, comp
        if k < 0.6:
            d, m = r.choice(["往东", "往西", "往南", "往北", "向东"]), f"{r.randint(1, 9)}00米"
            return poi + d + m, {"poi": poi, "assist": d, "distance": m}
        est, b, u = g.estate(), r.randint(1, 30), r.randint(1, 6)
        hb, cu = f"{zh(b)}幢", f"{zh(u)}单元"
        return f"{est}{hb}{cu}", {"poi": est, "houseno": hb, "cellno": cu}

    def zh_numbers() -> tuple[str, C]:
        road, n = g.road(), r.randint(1, 300)
        no = f"{zh(n)}号"
        return road + no, {"road": road, "roadno": no}

    def short_admin() -> tuple[str, C]:
        town = r.choice([t for t in g.towns if t.code[:2] == "33"])
        ch = g.chain(town)
        city, dist = short_name(ch["city"], "city"), short_name(ch["district"], "district")
        road, no = g.road(), f"{r.randint(1, 999)}号"
        if dist == ch["district"]:
            dist = ch["district"]
        return city + dist + road + no, {"city": city, "district": dist, "road": road, "roadno": no}

    def community() -> tuple[str, C]:
        town = r.choice(g.towns)
        c = r.choice(ESTATE_WORDS) + "社区"
        est = g.estate()
        b, bc = g.building()
        return town.name + c + est + b, {"town": town.name, "community": c, "poi": est, **bc}

    def devzone() -> tuple[str, C]:
        city = r.choice(["杭州", "宁波", "嘉兴", "湖州", "绍兴", "金华", "苏州", "无锡", "南通"])
        dz = city + r.choice(["经济技术开发区", "高新技术产业开发区", "经济开发区", "高新区"])
        road, no = g.road(), f"{r.randint(1, 999)}号"
        return dz + road + no, {"devzone": dz, "road": road, "roadno": no}

    def poi_subpoi() -> tuple[str, C]:
        poi = g.premises()
        sub = r.choice(["门诊楼", "住院部", "东区", "二期", "南区", "综合楼", "食堂", "仓库"])
        text, comp = poi + sub, {"poi": poi, "subpoi": sub}
        if r.random() < 0.5:
            f = f"{r.randint(1, 9)}楼"
            text += f
            comp["floorno"] = f
        return text, comp

    return {
        "full_admin": full_admin,
        "dispatch_line": dispatch_line,
        "town_with_road_word": odd_town,
        "poi_before_road": poi_before_road,
        "road_number_poi": road_no_poi,
        "bracket_compound": bracket_compound,
        "cross_street": cross_street,
        "sub_lane": sub_lane,
        "village_group": village_group,
        "dashed_and_seat": dashed_rooms,
        "highway_milepost": highway,
        "xincun_estate": new_village_estate,
        "county_level_city": county_city,
        "old_county_city": old_county_city,
        "colloquial": colloquial,
        "zh_numerals": zh_numbers,
        "admin_without_suffix": short_admin,
        "community": community,
        "devzone": devzone,
        "poi_subpoi": poi_subpoi,
    }


def main() -> None:
    g = Gen(13)
    rows = []
    for name, make in forms(g).items():
        seen: set[str] = set()
        while len(seen) < 55:
            text, comp = make()
            if text in seen:
                continue
            seen.add(text)
            rows.append({"text": text, "form": name, "components": comp})
    hand = OUT.with_name("address_zh_hand.jsonl")
    if hand.exists():
        rows += [json.loads(line) for line in hand.read_text(encoding="utf-8").splitlines() if line]
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} addresses -> {OUT}")


if __name__ == "__main__":
    main()
