from __future__ import annotations

import pytest

from lanyan.routing import DEFAULT_SPEEDS, SpeedTable, default_is_urban, parse_maxspeed_kmh


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("30 mph", 48.28032),
        ("60;80", 60.0),
        ("walk", None),
        ("CN:urban", None),
        (None, None),
        ("0", None),
    ],
)
def test_parse_maxspeed(value: str | None, kmh: float | None) -> None:
    result = parse_maxspeed_kmh(value)
    assert result == (pytest.approx(kmh) if kmh is not None else None)


def test_default_is_urban_rule() -> None:
    assert default_is_urban({"highway": "primary", "source:maxspeed": "CN:urban"})
    assert not default_is_urban({"highway": "residential", "maxspeed:type": "DE:rural"})
    assert default_is_urban({"highway": "secondary", "maxspeed": "50"})
    assert not default_is_urban({"highway": "secondary", "maxspeed": "80"})
    assert default_is_urban({"highway": "residential"})
    assert not default_is_urban({"highway": "tertiary"})


def test_speed_is_capped_by_maxspeed_but_never_raised() -> None:
    urban_primary = DEFAULT_SPEEDS.urban_kmh["primary"]
    assert DEFAULT_SPEEDS.speed_kmh("primary", urban=True) == urban_primary
    assert DEFAULT_SPEEDS.speed_kmh("primary", urban=True, maxspeed="30") == 30.0
    assert DEFAULT_SPEEDS.speed_kmh("primary", urban=True, maxspeed="120") == urban_primary
    assert DEFAULT_SPEEDS.speed_kmh("service", urban=True, maxspeed="5") == (
        DEFAULT_SPEEDS.maxspeed_floor_kmh
    )
    assert DEFAULT_SPEEDS.speed_kmh("track", urban=False) < DEFAULT_SPEEDS.speed_kmh(
        "primary", urban=False
    )


def test_every_class_slower_in_town() -> None:
    for road_class, kmh in DEFAULT_SPEEDS.urban_kmh.items():
        assert kmh <= DEFAULT_SPEEDS.rural_kmh[road_class]


def test_bad_speed_rejected() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        SpeedTable(urban_kmh={"primary": 0.0})
