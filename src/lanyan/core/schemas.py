"""Field types shared by every domain's schemas: bounded strings, coordinates, ids, GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from shapely.errors import GEOSException
from shapely.geometry import shape

from lanyan.core.cellforms import normalize_phone_list

Lon = Annotated[float, Field(ge=-180, le=180, description="longitude, WGS84 degrees")]
Lat = Annotated[float, Field(ge=-90, le=90, description="latitude, WGS84 degrees")]
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]
ExternalId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="stable id from the source system; re-imports match on it",
    ),
]
Phone = Annotated[
    str,
    BeforeValidator(normalize_phone_list),
    Field(
        max_length=40,
        pattern=r"^[0-9+\-() ,转ext.]*$",
        description="one number or several (、，; / between them), stored as '58825029, 68620029'",
    ),
]
MAX_POLYGON_POINTS = 50_000


Str20 = Annotated[str, Field(max_length=20)]
Str60 = Annotated[str, Field(max_length=60)]
Str120 = Annotated[str, Field(max_length=120)]
Str200 = Annotated[str, Field(max_length=200)]
Str2000 = Annotated[str, Field(max_length=2000)]
Str10000 = Annotated[str, Field(max_length=10_000)]
Name80 = Annotated[str, Field(min_length=1, max_length=80)]
Name120 = Annotated[str, Field(min_length=1, max_length=120)]
Name160 = Annotated[str, Field(min_length=1, max_length=160)]
"""Bounded strings: every string has a limit, so huge input is refused with a clear error."""


def _check_area_geometry(value: dict[str, Any]) -> dict[str, Any]:
    if value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("jurisdiction must be a GeoJSON Polygon or MultiPolygon")
    try:
        geom = shape(value)
    except (GEOSException, ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"not a readable GeoJSON geometry: {exc}") from exc
    if len(geom.geoms if hasattr(geom, "geoms") else [geom]) == 0 or geom.is_empty:
        raise ValueError("the polygon is empty")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError("polygon coordinates must be lon/lat in WGS84 degrees")
    if not geom.is_valid:
        raise ValueError("the polygon is not valid (self-intersecting or badly closed)")
    points = sum(len(p.exterior.coords) for p in getattr(geom, "geoms", [geom]))
    if points > MAX_POLYGON_POINTS:
        raise ValueError(f"the polygon has more than {MAX_POLYGON_POINTS} points")
    return {"type": value["type"], "coordinates": value["coordinates"]}


AreaGeometry = Annotated[dict[str, Any], AfterValidator(_check_area_geometry)]


def refuse_nul(value: Any) -> Any:
    """Refuse text holding NUL characters (PostgreSQL cannot store them; no person types one)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL (\\x00) characters")
    return value


class StrictInput(BaseModel):
    """Input models refuse unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)
