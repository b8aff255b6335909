"""Photos and evidence: validated by content, stored outside the database under their SHA-256.

A file is accepted only if its first bytes say JPEG, PNG or WebP (the declared type is not
trusted) and it is under ``upload_max_bytes``. It belongs to the uploader's organization and is
served only to users whose jurisdiction covers it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.prevention.models import Upload

SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
)


def sniff(content: bytes) -> str | None:
    """The image type the bytes really are, or None."""
    for magic, offset, media_type in SIGNATURES:
        if content[offset : offset + len(magic)] == magic and (
            media_type != "image/webp" or content[:4] == b"RIFF"
        ):
            return media_type
    return None


def store_upload(
    session: Session, *, actor: Actor, content: bytes, filename: str | None, root: Path
) -> Upload:
    """Validate and store a photo; the same bytes are stored once."""
    actor.require(Action.READ)
    if actor.org_id is None:
        raise Invalid("系统账号不能上传文件", "the system account cannot upload")
    limit = int(standards()["upload_max_bytes"])
    if not content:
        raise Invalid("文件为空", "the file is empty")
    if len(content) > limit:
        raise Invalid(f"文件过大（上限 {limit // 1_048_576} MB）", f"file over {limit} bytes")
    media_type = sniff(content)
    if media_type is None:
        raise Invalid("只接受 JPEG、PNG 或 WebP 图片", "only JPEG, PNG or WebP images are accepted")
    digest = hashlib.sha256(content).hexdigest()
    path = root / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    upload = Upload(
        sha256=digest,
        media_type=media_type,
        size_bytes=len(content),
        original_name=(filename or "")[:200] or None,
        org_id=actor.org_id,
        uploaded_by_id=actor.user_id,
        uploaded_at=utcnow(),
    )
    session.add(upload)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="upload",
        entity_id=upload.id,
        after={"sha256": digest, "size_bytes": len(content), "media_type": media_type},
    )
    return upload


def get_upload(session: Session, actor: Actor, upload_id: int) -> Upload:
    """An upload inside the actor's jurisdiction, else 404 (never served across brigades)."""
    actor.require(Action.READ)
    return get_visible(session, actor, Upload, upload_id)


def check_visible(session: Session, actor: Actor, upload_ids: list[int]) -> None:
    """Every id must be an upload the actor may see (photos attached to a record)."""
    for upload_id in upload_ids:
        get_upload(session, actor, upload_id)


def upload_path(root: Path, upload: Upload) -> Path:
    """Where the bytes of ``upload`` live."""
    return root / upload.sha256[:2] / upload.sha256
