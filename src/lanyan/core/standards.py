"""Every number a standard defines, in one table, each with its source.

A threshold typed by hand goes wrong (a peer product graded travel time against 90 s instead of
240 s), so code reads these by key and never writes the number itself. A deployment may override
any value with a JSON file named by ``LANYAN_STANDARDS_FILE`` (``{"urban_arrival_s": 360}``);
docs/standards.md lists the same table for people.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Standard:
    """One configurable number with its unit and where it comes from."""

    key: str
    value: float
    unit: str
    source: str
    note: str = ""


DEFAULTS: tuple[Standard, ...] = (
    Standard(
        "urban_arrival_s",
        300,
        "s",
        "城市消防站建设标准 建标152-2017 第二章 (GB 51080-2015 4.1): 接到出动指令后5分钟内到达辖区边缘",
        "measured from the turnout order, so turnout + travel",
    ),
    Standard(
        "micro_station_response_s",
        60,
        "s",
        "公消〔2015〕301号 微型消防站建设标准: 1分钟响应",
        "the '1' of the 1-3-5 mechanism",
    ),
    Standard(
        "micro_station_arrival_s",
        180,
        "s",
        "公消〔2015〕301号 微型消防站建设标准: 3分钟到场",
        "the '3' of the 1-3-5 mechanism",
    ),
    Standard(
        "station_turnout_s",
        60,
        "s",
        "建标152-2017 / GB 51080-2015 4.1 的条文说明: 5分钟 = 接到出动指令后出动1分钟 + 行车到场4分钟",
        "turnout allowance taken off the 5 minutes before the circle is drawn as road travel",
    ),
    Standard(
        "rural_turnout_s",
        60,
        "s",
        "Lanyan default: the urban turnout allowance applied to the 15-minute circle",
        "[U] no national text breaks the 15 minutes down; configurable",
    ),
    Standard(
        "rural_arrival_s",
        900,
        "s",
        "乡镇 '15分钟救援圈' (local practice, see docs/standards.md)",
        "[U] not confirmed from a national text",
    ),
    Standard("nfpa_turnout_fire_s", 80, "s", "NFPA 1710 (2020) 4.1.2.1: turnout 80 s for fire"),
    Standard("nfpa_turnout_ems_s", 60, "s", "NFPA 1710 (2020) 4.1.2.1: turnout 60 s for EMS"),
    Standard(
        "nfpa_first_engine_travel_s", 240, "s", "NFPA 1710 (2020) 4.1.2.1: first engine 240 s"
    ),
    Standard(
        "nfpa_full_alarm_travel_s", 480, "s", "NFPA 1710 (2020) 4.1.2.1: full first alarm 480 s"
    ),
    Standard(
        "nfpa_percentile", 90, "%", "NFPA 1710 (2020) 4.1.2.4: objectives met in 90% of calls"
    ),
    Standard(
        "district_area_level1_km2", 7, "km²", "建标152-2017 第十条: 一级站辖区面积不宜大于7 km²"
    ),
    Standard(
        "district_area_level2_km2", 4, "km²", "建标152-2017 第十条: 二级站辖区面积不宜大于4 km²"
    ),
    Standard(
        "district_area_small_km2", 2, "km²", "建标152-2017 第十条: 小型站辖区面积不宜大于2 km²"
    ),
    # 火灾等级, edition 2007 (公安部 2007 关于调整火灾等级标准的通知), for fires before 2025-05-01:
    # "以上" includes the number, "以下" excludes it
    Standard(
        "grade_2007_especially_major_deaths",
        30,
        "人",
        "公安部 2007 火灾等级标准: 特别重大 30人以上死亡",
    ),
    Standard("grade_2007_especially_major_injuries", 100, "人", "同上: 特别重大 100人以上重伤"),
    Standard(
        "grade_2007_especially_major_loss_cny",
        100_000_000,
        "元",
        "同上: 特别重大 1亿元以上直接财产损失",
    ),
    Standard("grade_2007_major_deaths", 10, "人", "同上: 重大 10人以上30人以下死亡"),
    Standard("grade_2007_major_injuries", 50, "人", "同上: 重大 50人以上100人以下重伤"),
    Standard("grade_2007_major_loss_cny", 50_000_000, "元", "同上: 重大 5000万元以上1亿元以下"),
    Standard("grade_2007_larger_deaths", 3, "人", "同上: 较大 3人以上10人以下死亡"),
    Standard("grade_2007_larger_injuries", 10, "人", "同上: 较大 10人以上50人以下重伤"),
    Standard("grade_2007_larger_loss_cny", 10_000_000, "元", "同上: 较大 1000万元以上5000万元以下"),
    Standard(
        "grade_2007_death_window_days",
        7,
        "天",
        "消防〔2025〕17号 as announced: fire deaths were counted within 7 days before it",
    ),
    # 火灾等级, edition 2025 (火灾统计管理规定, 消防〔2025〕17号), for fires from 2025-05-01; see
    # docs/standards.md for the texts read and what stays [U]
    Standard(
        "grade_2025_especially_major_deaths",
        30,
        "人",
        "消防〔2025〕17号: death and injury thresholds not among the changes the issuing"
        " administration announced (国家消防救援局 via 中新网 2025-04-23)",
        "[U] as to the article text, which was not read in full",
    ),
    Standard(
        "grade_2025_especially_major_injuries", 100, "人", "同上", "[U] as to the article text"
    ),
    Standard(
        "grade_2025_especially_major_loss_cny",
        300_000_000,
        "元",
        "消防〔2025〕17号 as announced: 特别重大 loss threshold 1亿 → 3亿元",
    ),
    Standard(
        "grade_2025_especially_major_households",
        300,
        "户",
        "消防〔2025〕17号 brings 受灾户 back into the grading; the number is a Lanyan placeholder",
        "[U] not confirmed from any text; set it from the article",
    ),
    Standard("grade_2025_major_deaths", 10, "人", "同上", "[U] as to the article text"),
    Standard("grade_2025_major_injuries", 50, "人", "同上", "[U] as to the article text"),
    Standard(
        "grade_2025_major_loss_cny",
        100_000_000,
        "元",
        "消防〔2025〕17号 as announced: 重大 loss threshold 5000万 → 1亿元",
    ),
    Standard(
        "grade_2025_major_households",
        100,
        "户",
        "Lanyan placeholder for the 受灾户 criterion of 重大",
        "[U] not confirmed from any text; set it from the article",
    ),
    Standard("grade_2025_larger_deaths", 3, "人", "同上", "[U] as to the article text"),
    Standard("grade_2025_larger_injuries", 10, "人", "同上", "[U] as to the article text"),
    Standard(
        "grade_2025_larger_loss_cny",
        30_000_000,
        "元",
        "消防〔2025〕17号 as announced: 较大 loss threshold 1000万 → 3000万元",
    ),
    Standard(
        "grade_2025_larger_households",
        30,
        "户",
        "Lanyan placeholder for the 受灾户 criterion of 较大",
        "[U] not confirmed from any text; set it from the article",
    ),
    Standard(
        "grade_2025_slight_loss_cny",
        1000,
        "元",
        "消防〔2025〕17号 as announced: 无人员伤亡且直接财产损失低于1000元的 为轻微火灾 (below: the"
        " number itself is not 轻微)",
    ),
    Standard(
        "grade_2025_death_window_days",
        30,
        "天",
        "消防〔2025〕17号 as announced: fire deaths counted within 30 days (was 7)",
    ),
    Standard(
        "snap_warn_m",
        250,
        "m",
        "Lanyan default: a point farther off-road than this is flagged",
        "not a national standard",
    ),
    Standard(
        "city_max_snap_m",
        2000,
        "m",
        "Lanyan default: a call farther than this from every road of the city lies outside it",
        "not a national standard",
    ),
    Standard(
        "duplicate_radius_m",
        200,
        "m",
        "Lanyan default: open incidents this close are probable duplicates (重复警情)",
    ),
    Standard(
        "duplicate_window_s",
        7200,
        "s",
        "Lanyan default: ... if received within this time of each other",
    ),
    Standard(
        "premises_match_m",
        60,
        "m",
        "Lanyan default: a call this close to a premises is taken to be at it",
    ),
    Standard(
        "hazard_deadline_general_workdays",
        15,
        "工作日",
        "公安部令第120号 第19条: 限期改正, the term set by difficulty (Lanyan default 15 working days)",
    ),
    Standard(
        "hazard_deadline_major_workdays",
        60,
        "工作日",
        "公安部令第120号 第20–21条: major hazards, term set by difficulty (Lanyan default 60 working days)",
    ),
    Standard(
        "hazard_reminder_workdays",
        3,
        "工作日",
        "Lanyan default: remind this many working days before a deadline",
    ),
    Standard(
        "hazard_recheck_workdays",
        3,
        "工作日",
        "公安部令第120号 第19条: re-check within 3 working days after the deadline or the unit's request",
    ),
    # issue 17 (enforcement): legal time limits of the documents and cases
    Standard(
        "enforcement_order_doc_workdays",
        3,
        "工作日",
        "消防监督检查规定 (公安部令第107号, 第120号修正) 第十九条: 责令限期改正的, 自检查之日起3个工作日内"
        "制作、送达责令限期改正通知书",
    ),
    Standard(
        "enforcement_seal_doc_workdays",
        3,
        "工作日",
        "消防监督检查规定 第二十三条: 决定临时查封的, 自检查之日起三个工作日内制作、送达临时查封决定书"
        " (当场查封的, 24小时内集体研究并制作、送达)",
    ),
    Standard(
        "enforcement_seal_max_days",
        30,
        "天",
        "消防监督检查规定 第二十二条: 临时查封期限不得超过一个月 (逾期未消除隐患的不受此限);"
        " 行政强制法 第二十五条: 查封期限不得超过三十日",
    ),
    Standard(
        "enforcement_lift_doc_workdays",
        3,
        "工作日",
        "消防监督检查规定 第二十四条: 收到解除申请之日起3个工作日内检查, 自检查之日起3个工作日内作出"
        "是否同意解除临时查封的决定并送达",
        "[U] article number and wording from secondary sources",
    ),
    Standard(
        "enforcement_penalty_doc_days",
        7,
        "天",
        "行政处罚法 (2021) 第六十一条: 决定书当场交付; 当事人不在场的, 七日内送达",
    ),
    Standard(
        "enforcement_case_limit_days",
        90,
        "天",
        "行政处罚法 (2021) 第六十条: 自立案之日起九十日内作出行政处罚决定 (法律、法规、规章另有规定的除外)",
        "[U] 消防救援机构办理行政案件程序规定 may set a shorter term; not confirmed from its text",
    ),
    Standard(
        "enforcement_fine_payment_days",
        15,
        "天",
        "行政处罚法 (2021) 第六十七条: 自收到行政处罚决定书之日起十五日内缴纳罚款",
    ),
    Standard(
        "patrol_interval_level1_days",
        30,
        "天",
        "Lanyan default (三级管控: 一级 monthly); each 支队 sets its own",
    ),
    Standard("patrol_interval_level2_days", 90, "天", "Lanyan default (二级 quarterly)"),
    Standard("patrol_interval_level3_days", 180, "天", "Lanyan default (三级 twice a year)"),
    Standard(
        "patrol_interval_small_venue_days",
        90,
        "天",
        "Lanyan default for 九小场所 without a control level",
    ),
    Standard(
        "patrol_checkin_flag_m",
        200,
        "m",
        "Lanyan default: a check-in farther than this from the premises is flagged",
    ),
    Standard(
        "patrol_checkin_reject_m",
        2000,
        "m",
        "Lanyan default: a check-in farther than this is refused",
    ),
    Standard(
        "upload_max_bytes", 10_485_760, "B", "Lanyan default: largest photo accepted (10 MiB)"
    ),
    # issue 19 (信息报送): time limits of a report upward, from the moment the rules fire
    Standard(
        "info_report_first_min",
        30,
        "min",
        "应急管理部突发事件信息报送惯例: 事发后30分钟内首报（电话/短信）",
        "[U] no national fire-rescue text read; each 支队 sets its own (LANYAN_STANDARDS_FILE)",
    ),
    Standard(
        "info_report_followup_min",
        120,
        "min",
        "Lanyan default: a 续报 within 2 hours of the 首报 while the incident runs",
        "[U] local practice; configurable",
    ),
    Standard(
        "info_report_final_min",
        1440,
        "min",
        "Lanyan default: the 终报 within 24 hours of the rules firing",
        "[U] local practice; configurable",
    ),
    # issue 20 (duty): crews on vehicles (执勤实力) and the morning declaration
    Standard(
        "crew_full_per_vehicle",
        6,
        "人",
        "城市消防站建设标准 建标152-2017 人员配备: 一个班次执勤人员按每辆消防车平均定员6人确定",
        "the seats of a vehicle when its unit sets none",
    ),
    Standard(
        "crew_min_default",
        4,
        "人",
        "Lanyan default: minimum crew to send a fire appliance on a plan requiring a full crew",
        "[U] local practice (车长 + 驾驶员 + 2 名战斗员); configurable, and per unit",
    ),
    Standard(
        "crew_min_command",
        2,
        "人",
        "Lanyan default: a command vehicle (通信指挥车) goes with a driver and a communicator",
        "[U] local practice; configurable, and per unit",
    ),
    Standard(
        "crew_min_motorcycle",
        1,
        "人",
        "Lanyan default: a fire motorcycle (消防摩托车) is ridden by one person",
        "[U] local practice; configurable, and per unit",
    ),
    Standard(
        "crew_min_ladder",
        3,
        "人",
        "Lanyan default: an aerial appliance (云梯/登高平台/高喷) needs operator, driver, commander",
        "[U] local practice; also read for aerial_platform and water_cannon",
    ),
    Standard(
        "duty_declare_by_min",
        480,
        "分钟",
        "Lanyan default: stations declare the day's duty by 08:00 (minutes after local midnight)",
        "a station without a declaration by then is flagged on the console",
    ),
    # issue 19 (pre-plans): how long a published pre-plan stays current
    Standard(
        "preplan_review_interval_days",
        365,
        "天",
        "Lanyan default: a key premises' 灭火救援预案 is reviewed at least once a year",
        "[U] local practice (每年至少修订一次); each 支队 sets its own, and each pre-plan may",
    ),
)


class Standards:
    """Look-up of standards by key."""

    def __init__(self, items: tuple[Standard, ...]):
        self._items = {s.key: s for s in items}

    def __getitem__(self, key: str) -> float:
        return self._items[key].value

    def get(self, key: str) -> Standard:
        """The whole entry (value, unit, source)."""
        return self._items[key]

    def all(self) -> list[Standard]:
        """Every entry, in table order."""
        return list(self._items.values())


@lru_cache(maxsize=1)
def standards() -> Standards:
    """The defaults, with the overrides of ``LANYAN_STANDARDS_FILE`` applied."""
    items = {s.key: s for s in DEFAULTS}
    path = os.environ.get("LANYAN_STANDARDS_FILE")
    if path:
        overrides = json.loads(Path(path).read_text(encoding="utf-8"))
        for key, value in overrides.items():
            if key not in items:
                raise KeyError(f"unknown standard in {path}: {key}")
            items[key] = replace(items[key], value=float(value), source=f"{path} (local override)")
    return Standards(tuple(items.values()))
