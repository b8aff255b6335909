"""Choices of supervision and enforcement (监督执法): plans, documents, seals, cases, penalties."""

from __future__ import annotations

from lanyan.core.choices import Choice


class PlanKind(Choice):
    """Where the premises of an inspection plan come from (消防监督检查规定 第六、七条)."""

    RANDOM = ("random", "双随机抽查", "Random draw", "#1565c0")
    CAMPAIGN = ("campaign", "专项检查", "Campaign list", "#6a1b9a")
    COMPLAINT = ("complaint", "投诉举报核查", "Complaint", "#c62828")


class DocumentKind(Choice):
    """The legal documents (法律文书) of inspections and cases, numbered per kind and year."""

    ORDER = ("order", "责令限期改正通知书", "Order to correct within a term", "#ef6c00")
    SEAL = ("seal", "临时查封决定书", "Temporary sealing decision", "#6a1b9a")
    LIFT = ("lift", "解除临时查封决定书", "Lifting of temporary sealing", "#2e7d32")
    RECHECK = ("recheck", "复查意见书", "Re-inspection opinion", "#00838f")
    PENALTY = ("penalty", "行政处罚决定书", "Administrative penalty decision", "#c62828")

    @property
    def word(self) -> str:
        """The character of the document number (蓝消限字〔2026〕第0001号)."""
        return _WORDS[self.value]


_WORDS = {"order": "限", "seal": "封", "lift": "解", "recheck": "复", "penalty": "罚"}


class SealStatus(Choice):
    """A temporary sealing (临时查封): in force, or lifted (解除)."""

    SEALED = ("sealed", "查封中", "Sealed", "#6a1b9a")
    LIFTED = ("lifted", "已解除", "Lifted", "#2e7d32")


class CaseStatus(Choice):
    """Stages of an administrative case (消防救援机构办理行政案件程序规定, 普通程序)."""

    FILED = ("filed", "立案", "Filed", "#1565c0")
    INVESTIGATING = ("investigating", "调查取证", "Investigating", "#00838f")
    NOTIFIED = ("notified", "处罚告知", "Notified", "#ef6c00")
    DECIDED = ("decided", "处罚决定", "Decided", "#c62828")
    EXECUTING = ("executing", "执行", "Executing", "#6a1b9a")
    CLOSED = ("closed", "结案", "Closed", "#2e7d32")


class PenaltyKind(Choice):
    """Penalties of the 消防法 as the case decides them; 三停 are the three stops."""

    WARNING = ("warning", "警告", "Warning", "#607d8b")
    FINE = ("fine", "罚款", "Fine", "#c62828")
    STOP_PRODUCTION = ("stop_production", "责令停产停业", "Stop production or business", "#6a1b9a")
    STOP_USE = ("stop_use", "责令停止使用", "Stop use", "#6a1b9a")
    STOP_CONSTRUCTION = ("stop_construction", "责令停止施工", "Stop construction", "#6a1b9a")
    DETENTION_REFERRAL = (
        "detention_referral",
        "移送公安机关拘留",
        "Referral for detention",
        "#37474f",
    )


THREE_STOPS = frozenset(
    {PenaltyKind.STOP_PRODUCTION, PenaltyKind.STOP_USE, PenaltyKind.STOP_CONSTRUCTION}
)
"""责令停产停业、停止使用、停止施工: counted together as 三停 in the yearly figures."""
