"""Settings of IoT monitoring (``LANYAN_IOT_*``): windows, limits, vendor keys, MQTT intake.

Every threshold of the alarm handling is here, never a literal in the code.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IotSettings(BaseSettings):
    """IoT intake and alarm-handling settings."""

    model_config = SettingsConfigDict(env_prefix="LANYAN_IOT_", extra="ignore")

    dedupe_window_s: int = Field(
        default=300, ge=0, description="repeated fire messages of a device within it are one alarm"
    )
    escalate_after_s: int = Field(
        default=180, ge=1, description="an alarm still 待核实 after this goes to the dispatcher"
    )
    fault_hazard_after_s: int = Field(
        default=24 * 3600, ge=1, description="a fault this old becomes a 消防设施故障 hazard"
    )
    offline_hazard_after_s: int = Field(
        default=24 * 3600, ge=1, description="an outage this long becomes a 消防设施故障 hazard"
    )
    offline_grace: float = Field(
        default=2.5, ge=1, description="offline after this many heartbeat intervals of silence"
    )
    vendor_keys: dict[str, str] = Field(
        default_factory=dict,
        description='HMAC keys of the HTTP push per vendor, JSON: {"vendor": "key"}',
    )
    push_tolerance_s: int = Field(
        default=300, ge=1, description="an HTTP push whose timestamp is further off is refused"
    )
    max_payload_bytes: int = Field(default=64 * 1024, ge=256)
    max_batch: int = Field(default=500, ge=1, description="messages written per transaction")
    batch_wait_ms: int = Field(default=50, ge=0, description="how long a batch waits to fill")
    writers: int = Field(
        default=2,
        ge=1,
        le=16,
        description="batches an MQTT intake writes at once (one prepares while one commits); "
        "each device always by the same one",
    )
    mqtt_topic: str = Field(
        default="lanyan/iot/+/+/up", description="device uplink: lanyan/iot/<vendor>/<device>/up"
    )
    mqtt_client_id: str = Field(
        default="lanyan-iot-intake", description="fixed: the broker keeps the session's queue"
    )
    mqtt_share_group: str = Field(
        default="", description="several intake workers share one subscription ($share/<group>)"
    )
    duty_link_secret: str = Field(
        default="change-me", description="signs the duty person's phone link of an alarm"
    )
    duty_link_ttl_s: int = Field(default=24 * 3600, ge=60)


@lru_cache(maxsize=1)
def iot_settings() -> IotSettings:
    """The process's IoT settings (read once from the environment)."""
    return IotSettings()
