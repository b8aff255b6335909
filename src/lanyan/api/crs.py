"""The ``crs`` query parameter: any JSON request or answer of the API in GCJ-02 or BD-09.

Lanyan stores and computes in WGS-84. A client working on Amap/Tencent (GCJ-02) or Baidu (BD-09)
maps adds ``?crs=gcj02`` (or ``bd09``) to any API call: every ``lon``/``lat`` pair in the JSON body
it sends is converted to WGS-84 before the router sees it, and every ``lon``/``lat`` pair and every
GeoJSON ``coordinates`` array in the JSON answer is converted back into the client's system. The
conversion sits here, at the edge, once, instead of in each of ~90 schema fields; without the
parameter (or with ``crs=wgs84``) nothing is touched and nothing is buffered.

Keys holding a pair: ``lon``/``lat`` and ``<prefix>_lon``/``<prefix>_lat`` (``road_lon``). File
imports and exports take the same parameter and convert in the importer and exporter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanyan.core.problems import problem
from lanyan.geo.crs import Crs, from_wgs84, map_positions, to_wgs84

Convert = Callable[[float, float], tuple[float, float]]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def convert_document(doc: Any, convert: Convert) -> Any:
    """``doc`` with every lon/lat pair and GeoJSON coordinates array converted."""
    if isinstance(doc, list):
        return [convert_document(item, convert) for item in doc]
    if not isinstance(doc, dict):
        return doc
    out = {key: convert_document(value, convert) for key, value in doc.items()}
    for key, value in doc.items():
        if key == "coordinates" and isinstance(doc.get("type"), str):
            out[key] = map_positions(value, convert)
        if key == "lon" or key.endswith("_lon"):
            lat_key = key[:-3] + "lat"
            if _is_number(value) and _is_number(doc.get(lat_key)):
                out[key], out[lat_key] = convert(float(value), float(doc[lat_key]))
    return out


def _converter(crs: Crs, *, inbound: bool) -> Convert:
    def convert(lon: float, lat: float) -> tuple[float, float]:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not np.isfinite([lon, lat]).all():
            return lon, lat  # left for the schema to refuse
        fn = to_wgs84 if inbound else from_wgs84
        x, y = fn(lon, lat, crs)
        return round(x, 7), round(y, 7)

    return convert


class CrsMiddleware:
    """Pure ASGI: rewrites JSON bodies only when the request names a non-WGS-84 ``crs``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or b"crs=" not in scope.get("query_string", b""):
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope["query_string"].decode("latin-1"))
        try:
            crs = Crs.parse(query.get("crs", [""])[-1])
        except ValueError as exc:
            response = problem(422, "Unknown coordinate system", str(exc), f"unknown crs: {exc}")
            await response(scope, receive, send)
            return
        if crs == Crs.WGS84 or _is_import(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if b"json" in headers.get(b"content-type", b""):
            receive = await self._converted_request(receive, crs)
        await self.app(scope, receive, self._converting_send(send, crs))

    @staticmethod
    async def _converted_request(receive: Receive, crs: Crs) -> Receive:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            doc = json.loads(body) if body else None
            body = json.dumps(
                convert_document(doc, _converter(crs, inbound=True)), ensure_ascii=False
            ).encode()
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass  # not JSON after all: the router answers 422 for it as usual
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    @staticmethod
    def _converting_send(send: Send, crs: Crs) -> Send:
        start: Message | None = None
        passthrough = False
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start, passthrough
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if b"json" not in headers.get(b"content-type", b"") or headers.get(
                    b"content-encoding"
                ):
                    passthrough = True
                    await send(message)
                else:
                    start = message
                return
            if passthrough or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            try:
                doc = json.loads(body)
                body = json.dumps(
                    convert_document(doc, _converter(crs, inbound=False)), ensure_ascii=False
                ).encode()
            except (UnicodeDecodeError, json.JSONDecodeError):
                pass
            out_headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            out_headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": out_headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        return wrapped


def _is_import(scope: Scope) -> bool:
    """Imports and exports convert files themselves (they read ``crs`` as their own parameter)."""
    path = str(scope.get("path", ""))
    return path.startswith(("/api/import", "/api/export", "/api/exchange"))
