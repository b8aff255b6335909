"""HTTP push of NB-IoT platforms: signed per vendor, replays refused, then the one pipeline.

A platform POSTs ``/api/iot/push`` with the JSON of :mod:`lanyan.iot.wire` and four headers:

- ``X-Lanyan-Vendor``: the vendor name, which selects its HMAC key (``LANYAN_IOT_VENDOR_KEYS``);
- ``X-Lanyan-Timestamp``: Unix seconds; more than ``LANYAN_IOT_PUSH_TOLERANCE_S`` off is refused;
- ``X-Lanyan-Nonce``: 8-64 characters, never used twice by the vendor (kept in the database, so
  a replay to another server process is refused too);
- ``X-Lanyan-Signature``: hex HMAC-SHA256 of ``<timestamp>\\n<nonce>\\n<body>`` under the key.

Unsigned or badly signed pushes are 401, replays 409, bodies over ``LANYAN_IOT_MAX_PAYLOAD_BYTES``
413, malformed JSON 422; each is counted (``GET /api/iot/intake``). A good push answers 202 with
how many messages were stored, were duplicates, or were refused (unknown device, invalid).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Annotated

from fastapi import APIRouter, Header, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lanyan.api.deps import SessionDep
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, DomainError, Invalid, Unauthorized
from lanyan.iot.choices import Channel
from lanyan.iot.config import IotSettings, iot_settings
from lanyan.iot.models import PushNonce
from lanyan.iot.pipeline import STATS, ingest
from lanyan.iot.schemas import Inbound, PushResult
from lanyan.iot.wire import BadMessage, message_of, parse_json

router = APIRouter(prefix="/api/iot", tags=["iot 物联网监测"])
NONCE_RE = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
MAX_MESSAGES = 1000


class PayloadTooLarge(DomainError):
    """The body is over the push limit."""

    status = 413
    title = "Payload too large"


def signature(key: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The signature a vendor sends (hex HMAC-SHA256 of ``timestamp\\nnonce\\nbody``)."""
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _refuse(reason: str, error: DomainError) -> DomainError:
    STATS.refuse(reason)
    return error


def check_signature(
    session: Session,
    *,
    vendor: str | None,
    timestamp: str | None,
    nonce: str | None,
    sig: str | None,
    body: bytes,
    settings: IotSettings,
    now_s: float | None = None,
) -> str:
    """The vendor of a correctly signed, fresh push; refuses (and counts) anything else.

    The nonce is recorded in the caller's transaction: commit it with the messages.
    """
    if not vendor or not timestamp or not nonce or not sig:
        raise _refuse("unsigned", Unauthorized("推送未签名", "the push is not signed"))
    key = settings.vendor_keys.get(vendor)
    if key is None:
        raise _refuse("unknown_vendor", Unauthorized("未知厂商", f"unknown vendor {vendor[:40]}"))
    want = signature(key, timestamp, nonce, body)
    if not hmac.compare_digest(want, sig.lower()):
        raise _refuse("bad_signature", Unauthorized("签名错误", "bad signature"))
    try:
        sent = int(timestamp)
    except ValueError:
        raise _refuse("bad_timestamp", Unauthorized("时间戳无效", "bad timestamp")) from None
    now = time.time() if now_s is None else now_s
    if abs(now - sent) > settings.push_tolerance_s:
        raise _refuse("stale", Unauthorized("推送时间超出允许范围", "timestamp out of tolerance"))
    if not NONCE_RE.match(nonce):
        raise _refuse("bad_nonce", Unauthorized("随机数无效", "bad nonce"))
    try:
        with session.begin_nested():
            session.add(PushNonce(vendor=vendor, nonce=nonce, seen_at=utcnow()))
            session.flush()
    except IntegrityError:
        raise _refuse(
            "replay", Conflict("重复推送（重放）已拒绝", "replayed push refused")
        ) from None
    return vendor


@router.post("/push", response_model=PushResult, status_code=202)
async def push(
    request: Request,
    session: SessionDep,
    x_lanyan_vendor: Annotated[str | None, Header(max_length=40)] = None,
    x_lanyan_timestamp: Annotated[str | None, Header(max_length=20)] = None,
    x_lanyan_nonce: Annotated[str | None, Header(max_length=64)] = None,
    x_lanyan_signature: Annotated[str | None, Header(max_length=128)] = None,
) -> PushResult:
    """Messages pushed by an NB-IoT platform (see the module for the signature)."""
    settings = iot_settings()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.max_payload_bytes:
            raise _refuse(
                "oversized",
                PayloadTooLarge("推送内容过大", f"body over {settings.max_payload_bytes} bytes"),
            )
    headers = (x_lanyan_vendor, x_lanyan_timestamp, x_lanyan_nonce, x_lanyan_signature)
    # the database work runs on a worker thread, as a sync route's would
    return await run_in_threadpool(_take, session, bytes(body), headers, settings)


def _take(
    session: Session,
    raw: bytes,
    headers: tuple[str | None, str | None, str | None, str | None],
    settings: IotSettings,
) -> PushResult:
    vendor_name, timestamp, nonce, sig = headers
    vendor = check_signature(
        session,
        vendor=vendor_name,
        timestamp=timestamp,
        nonce=nonce,
        sig=sig,
        body=raw,
        settings=settings,
    )
    try:
        document = parse_json(raw, max_bytes=settings.max_payload_bytes)
    except BadMessage as exc:
        raise _refuse(exc.reason, Invalid("推送内容不是有效的 JSON", str(exc))) from None
    items = document.get("messages") if isinstance(document, dict) else None
    if items is None and isinstance(document, dict):
        items = [document]
    if not isinstance(items, list) or len(items) > MAX_MESSAGES:
        raise _refuse(
            "invalid", Invalid("推送格式错误", f"messages must be a list of ≤ {MAX_MESSAGES}")
        )
    inbound: list[Inbound] = []
    errors: list[str] = []
    for number, item in enumerate(items):
        try:
            inbound.append(message_of(item, vendor=vendor, device=None, channel=Channel.HTTP))
        except BadMessage as exc:
            STATS.refuse(exc.reason)
            errors.append(f"#{number}: {exc}")
    # the nonce and the messages commit together (ingest commits); an empty push still commits
    result = ingest(session, inbound, settings=settings)
    if not inbound:
        session.commit()
    unknown = result.rejected.get("unknown_device", 0)
    if unknown:
        errors.append(f"{unknown} message(s) of unknown devices")
    return PushResult(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=len(items) - len(inbound) + unknown,
        errors=errors[:20],
    )
