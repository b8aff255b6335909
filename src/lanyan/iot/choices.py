"""Choices of the IoT domain: device kinds, message kinds, alarm states and verdicts."""

from __future__ import annotations

from lanyan.core.choices import Choice


class DeviceKind(Choice):
    """What a monitored device is."""

    FIRE_PANEL = (
        "fire_panel",
        "火灾报警控制器（用户信息传输装置）",
        "Fire alarm panel (UITD)",
        "#c62828",
    )
    SMOKE_ALARM = ("smoke_alarm", "独立式感烟火灾探测报警器", "Stand-alone smoke alarm", "#e53935")
    GAS_DETECTOR = ("gas_detector", "可燃气体探测器", "Combustible-gas detector", "#ef6c00")
    ELECTRICAL_FIRE = (
        "electrical_fire",
        "电气火灾监控探测器",
        "Electrical-fire monitor",
        "#f9a825",
    )
    WATER_PRESSURE = ("water_pressure", "消防水压传感器", "Water pressure sensor", "#1565c0")
    WATER_LEVEL = ("water_level", "消防水位传感器", "Water level sensor", "#0277bd")
    EBIKE_BLOCKER = ("ebike_blocker", "电动车阻车器", "E-bike lift blocker", "#6a1b9a")
    OTHER = ("other", "其他", "Other", "#78909c")


class MessageKind(Choice):
    """What a device message says (the ``type`` of the MQTT/HTTP payload)."""

    HEARTBEAT = ("heartbeat", "心跳", "Heartbeat", "#90a4ae")
    FIRE_ALARM = ("fire_alarm", "火警", "Fire alarm", "#d50000")
    ALARM_CLEARED = ("alarm_cleared", "火警复位", "Alarm cleared", "#66bb6a")
    FAULT = ("fault", "故障", "Fault", "#ff8f00")
    FAULT_CLEARED = ("fault_cleared", "故障恢复", "Fault cleared", "#43a047")
    SUPERVISORY = ("supervisory", "监管", "Supervisory", "#8e24aa")
    STATUS = ("status", "运行状态", "Operating status", "#607d8b")


class Channel(Choice):
    """How a message arrived."""

    MQTT = ("mqtt", "MQTT", "MQTT", "#00897b")
    HTTP = ("http", "HTTP 推送", "HTTP push", "#3949ab")
    GBT26875 = ("gbt26875", "GB/T 26875.3", "GB/T 26875.3 TCP", "#6d4c41")


class AlarmStatus(Choice):
    """The life of a device fire alarm: 待核实 until someone decides."""

    PENDING = ("pending", "待核实", "Awaiting verification", "#d50000")
    CONFIRMED = ("confirmed", "真实火警", "Real fire", "#b71c1c")
    FALSE_ALARM = ("false_alarm", "误报", "False alarm", "#9e9e9e")
    TEST = ("test", "测试", "Test", "#78909c")

    @property
    def is_open(self) -> bool:
        """Whether someone still has to decide."""
        return self is AlarmStatus.PENDING


class Verdict(Choice):
    """What the duty person or the monitoring operator decides."""

    REAL = ("real", "真实火警", "Real fire", "#b71c1c")
    FALSE_ALARM = ("false_alarm", "误报", "False alarm", "#9e9e9e")
    TEST = ("test", "测试", "Test", "#78909c")


VERDICT_STATUS = {
    Verdict.REAL: AlarmStatus.CONFIRMED,
    Verdict.FALSE_ALARM: AlarmStatus.FALSE_ALARM,
    Verdict.TEST: AlarmStatus.TEST,
}
