"""Choices of duty, training and unit management (执勤实力、练兵考核、队伍管理)."""

from __future__ import annotations

from lanyan.core.choices import Choice


class Post(Choice):
    """A person's post (岗位)."""

    COMMANDER = ("commander", "指挥员", "Commander", "#b71c1c")
    FIREFIGHTER = ("firefighter", "战斗员", "Firefighter", "#c62828")
    DRIVER = ("driver", "驾驶员", "Driver", "#1565c0")
    COMMUNICATOR = ("communicator", "通信员", "Communications", "#6a1b9a")
    SPECIALIST = ("specialist", "特勤/技术员", "Specialist", "#2e7d32")
    OTHER = ("other", "其他", "Other", "#616161")


class Employment(Choice):
    """What kind of force a person belongs to (人员类别)."""

    PROFESSIONAL = ("professional", "国家综合性消防救援队伍", "Professional", "#b71c1c")
    GOVERNMENT = ("government", "政府专职", "Government full-time", "#ef6c00")
    ENTERPRISE = ("enterprise", "企业专职", "Enterprise full-time", "#f9a825")
    VOLUNTEER = ("volunteer", "志愿消防员", "Volunteer", "#9e9d24")
    MICRO_STATION = ("micro_station", "微型消防站队员", "Micro-station member", "#6a1b9a")


class Seat(Choice):
    """A seat on a vehicle in the day's declaration (车辆席位)."""

    COMMANDER = ("commander", "车长", "Commander", "#b71c1c")
    DRIVER = ("driver", "驾驶员", "Driver", "#1565c0")
    FIREFIGHTER = ("firefighter", "战斗员", "Firefighter", "#c62828")


class Subject(Choice):
    """Training subjects (训练科目)."""

    FITNESS = ("fitness", "体能", "Fitness", "#2e7d32")
    SKILL = ("skill", "技能", "Skills", "#1565c0")
    DRILL = ("drill", "操法", "Drill", "#ef6c00")
    TACTICS = ("tactics", "战术", "Tactics", "#6a1b9a")


class AssessmentKind(Choice):
    """A monthly assessment (月度考核) or a competition (比武竞赛)."""

    MONTHLY = ("monthly", "月度考核", "Monthly assessment", "#1565c0")
    COMPETITION = ("competition", "比武竞赛", "Competition", "#c62828")


class Measure(Choice):
    """How a result is measured: a time (lower is better) or a score (higher is better)."""

    TIME = ("time", "用时(秒)", "Time (s)", "#1565c0")
    SCORE = ("score", "得分", "Score", "#2e7d32")


class AssessmentStatus(Choice):
    """Draft while results are entered; published (网上公示) when the ranking is shown."""

    DRAFT = ("draft", "录入中", "Draft", "#9e9e9e")
    PUBLISHED = ("published", "已公示", "Published", "#2e7d32")


class LogKind(Choice):
    """Records of the daily routine kept on the crew page."""

    ROLL_CALL = ("roll_call", "点名", "Roll call", "#1565c0")
    HANDOVER = ("handover", "交接班", "Handover", "#ef6c00")


class Order(Choice):
    """The 四个秩序 a 督察 inspection looks at."""

    READINESS = ("readiness", "战备秩序", "Readiness", "#b71c1c")
    TRAINING = ("training", "训练秩序", "Training", "#1565c0")
    WORK = ("work", "工作秩序", "Work", "#2e7d32")
    LIFE = ("life", "生活秩序", "Daily life", "#6a1b9a")


class FindingState(Choice):
    """A 督察 finding: open → rectifying (the station reports its fix) → closed (verified)."""

    OPEN = ("open", "待整改", "Open", "#c62828")
    RECTIFYING = ("rectifying", "整改待核", "Rectified, to verify", "#f9a825")
    CLOSED = ("closed", "已销号", "Closed", "#2e7d32")


FINDING_TRANSITIONS: dict[FindingState, frozenset[FindingState]] = {
    FindingState.OPEN: frozenset({FindingState.RECTIFYING}),
    FindingState.RECTIFYING: frozenset({FindingState.CLOSED, FindingState.OPEN}),
    FindingState.CLOSED: frozenset(),
}
"""Legal moves: a station reports its fix; the inspector closes it or sends it back."""


class GridLevel(Choice):
    """Levels of the 四级安全网格 (支队 → 大队 → 站 → 班/个人)."""

    DETACHMENT = ("detachment", "支队", "Detachment", "#37474f")
    BRIGADE = ("brigade", "大队", "Brigade", "#546e7a")
    STATION = ("station", "站", "Station", "#c62828")
    SQUAD = ("squad", "班/个人", "Squad / person", "#1565c0")

    @property
    def depth(self) -> int:
        """0 for the detachment down to 3 for a squad."""
        return list(GridLevel).index(self)
