"""安保勤务 (formerly 公务执勤): the label follows the national releases, the stored value stays."""

from __future__ import annotations

from lanyan.dispatch.choices import IncidentType


def test_duty_reads_as_anbao_and_keeps_its_value() -> None:
    assert IncidentType.DUTY.value == "duty"
    assert IncidentType.DUTY.zh == "安保勤务"


def test_the_old_label_is_still_parsed() -> None:
    for text in ("公务执勤", " 公务执勤 ", "安保勤务", "duty", "official duty", "Security duty"):
        assert IncidentType.parse(text) is IncidentType.DUTY
