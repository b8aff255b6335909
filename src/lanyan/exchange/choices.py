"""Which entities can be exchanged (the path parameter of the exchange API)."""

from __future__ import annotations

from enum import StrEnum


class Entity(StrEnum):
    """Importable and exportable entities."""

    ORGANIZATIONS = "organizations"
    UNITS = "units"
    WATER_SOURCES = "water_sources"
    PREMISES = "premises"
    DEVICES = "devices"
