"""Choices of the risk domain: levels, warning rules and the warning workflow."""

from __future__ import annotations

from lanyan.core.choices import Choice


class RiskLevel(Choice):
    """Four risk levels, low to high (a higher score is riskier; see docs/risk.md)."""

    LOW = ("low", "低", "Low", "#2e7d32")
    MEDIUM = ("medium", "中", "Medium", "#f9a825")
    ELEVATED = ("elevated", "较高", "Elevated", "#ef6c00")
    HIGH = ("high", "高", "High", "#c62828")

    @property
    def rank(self) -> int:
        """0 (低) to 3 (高): levels compare by rank."""
        return list(RiskLevel).index(self)


class WarningRule(Choice):
    """What raised an early warning (预警规则)."""

    LEVEL_UP = ("level_up", "风险等级升高", "Risk level rose", "#c62828")
    LEVEL1_OVERDUE_MAJOR = (
        "level1_overdue_major",
        "一级管控单位重大隐患逾期",
        "Level-1 premises with an overdue major hazard",
        "#b71c1c",
    )
    REPEATED_ALARMS = ("repeated_alarms", "物联报警频发", "Repeated device alarms", "#d84315")
    FORECAST_SPIKE = ("forecast_spike", "网格警情预测激增", "Forecast spike in a cell", "#6a1b9a")
    SEASON_WINTER = ("season_winter", "冬春火灾防控", "Winter-spring fire season", "#1565c0")
    HOLIDAY = ("holiday", "节假日消防安保", "Holiday fire watch", "#00838f")


class WarningStatus(Choice):
    """The warning workflow: 待签收 → 已签收 → 处置中 → 已办结."""

    OPEN = ("open", "待签收", "Open", "#c62828")
    ACKNOWLEDGED = ("acknowledged", "已签收", "Acknowledged", "#ef6c00")
    HANDLING = ("handling", "处置中", "Being handled", "#1565c0")
    CLOSED = ("closed", "已办结", "Closed", "#2e7d32")

    @property
    def is_open(self) -> bool:
        """Whether someone still has to act on it."""
        return self is not WarningStatus.CLOSED


WARNING_TRANSITIONS: dict[WarningStatus, frozenset[WarningStatus]] = {
    WarningStatus.OPEN: frozenset({WarningStatus.ACKNOWLEDGED}),
    WarningStatus.ACKNOWLEDGED: frozenset({WarningStatus.HANDLING, WarningStatus.CLOSED}),
    WarningStatus.HANDLING: frozenset({WarningStatus.CLOSED}),
    WarningStatus.CLOSED: frozenset(),
}
"""Legal moves: a warning is signed for before anything else; one settled at once (a seasonal
reminder read and passed on) may close straight from 已签收; closed is final."""
