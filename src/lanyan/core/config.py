"""Settings read from the environment (``LANYAN_*``) with defaults that suit a single demo machine.

Every threshold that a standard defines lives in :mod:`lanyan.core.standards`, not here: this module
holds only deployment settings (where the database is, how long a session lives).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    """Deployment settings; each can be overridden by an environment variable ``LANYAN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="LANYAN_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'lanyan.db'}",
        description="SQLAlchemy URL; sqlite:///... (default) or postgresql+psycopg://...",
    )
    session_ttl_minutes: int = Field(default=12 * 60, ge=1, description="one duty shift")
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    login_trusted_networks: str = Field(
        default="",
        description=(
            "comma-separated addresses or networks (a duty room's 10.8.0.0/24) where failed logins"
            " from elsewhere never lock anyone out; guesses made there stay limited per account"
        ),
    )
    demo_seed: int = 119
    demo_osm_file: Path = PROJECT_ROOT / "data" / "demo" / "liechtenstein.osm.pbf"
    data_dir: Path = PROJECT_ROOT / "var"
    road_file: Path | None = Field(
        default=None,
        description=(
            "override of the road file registered by `lanyan init` (stored in the database);"
            " for one process or a test machine"
        ),
    )
    cache_dir: Path = PROJECT_ROOT / "var" / "cache"
    cookie_secure: bool = False
    trusted_proxies: str = Field(
        default="",
        description=(
            "comma-separated addresses or networks (10.0.0.0/8) of the reverse proxies in front;"
            " only a request from one of them may name its client in X-Forwarded-For"
        ),
    )
    event_bus: Literal["memory", "mqtt"] = Field(
        default="memory",
        description=(
            "how live events reach consoles: memory (one process, no broker) or mqtt (every"
            " process of the deployment through the broker at LANYAN_MQTT_URL)"
        ),
    )
    mqtt_url: str = Field(
        default="mqtt://127.0.0.1:1883",
        pattern=r"^mqtts?://",
        description="the MQTT broker: mqtt://[user:password@]host[:port] (mqtts:// for TLS)",
    )
    mqtt_topic_prefix: str = Field(
        default="lanyan",
        pattern=r"^[^#+\x00]+$",
        description="topic root of this deployment (several deployments can share one broker)",
    )
    live_recheck_seconds: float = Field(
        default=60.0,
        gt=0,
        description="how often an open live stream re-checks its login (a logout ends it)",
    )
    import_cpu_share: float = Field(
        default=0.25,
        gt=0,
        le=1,
        description=(
            "share of one core a web import may use while the rest of the machine is busy "
            "(with a core idle it runs at full speed)"
        ),
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        parse_networks(value)  # a typo fails at start, not on the first request
        return value

    @field_validator("login_trusted_networks")
    @classmethod
    def _login_networks_are_networks(cls, value: str) -> str:
        parse_networks(value, "LANYAN_LOGIN_TRUSTED_NETWORKS")
        return value


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_networks(setting: str, name: str = "LANYAN_TRUSTED_PROXIES") -> tuple[Network, ...]:
    """The addresses and networks of a comma-separated setting (``name``, for its error)."""
    networks = []
    for part in (p.strip() for p in setting.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"{name}：{part!r} 不是地址或网段 (not an address or network)"
            ) from exc
    return tuple(networks)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
