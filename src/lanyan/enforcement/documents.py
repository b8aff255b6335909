"""Numbered legal documents (法律文书): issue, serve, stamp, and produce as docx or PDF.

A document is numbered per kind and year (消封字〔2026〕第0001号) from one counter row that the
issuing statement increments and reads back (INSERT … ON CONFLICT DO UPDATE … RETURNING): the row
stays locked until the transaction ends, so two officers issuing at once get consecutive numbers,
and a transaction that fails gives its number back — no gaps, no duplicates.

Each document carries ``due_on``, the last day the law allows for making and serving it (counted in
working days with :mod:`lanyan.core.workdays`, the day counts in :mod:`lanyan.core.standards`);
one served late, or not served by then, is overdue and counts against its officer in 考评.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from sqlalchemy import Select, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lanyan.core import audit, crud
from lanyan.core.actor import Actor
from lanyan.core.config import get_settings
from lanyan.core.errors import Conflict, DomainError, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.enforcement import templates
from lanyan.enforcement.choices import DocumentKind
from lanyan.enforcement.models import Document, DocumentCounter
from lanyan.prevention.models import Premises


def next_number(session: Session, kind: DocumentKind, year: int) -> tuple[int, str]:
    """The next sequence of ``kind`` in ``year`` and its document number."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DocumentCounter)
        .values(kind=kind.value, year=year, last=1)
        .on_conflict_do_update(
            index_elements=["kind", "year"], set_={"last": DocumentCounter.last + 1}
        )
        .returning(DocumentCounter.last)
    )
    seq = int(session.execute(statement).scalar_one())
    return seq, f"消{kind.word}字〔{year}〕第{seq:04d}号"


def _zh_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def issue(
    session: Session,
    *,
    actor: Actor,
    kind: DocumentKind,
    premises: Premises,
    issued_on: date,
    due_on: date,
    values: dict[str, Any],
    officer_name: str | None = None,
    inspection_id: int | None = None,
    case_id: int | None = None,
    deadline_on: date | None = None,
    parent_id: int | None = None,
) -> Document:
    """Number, render and store a document of ``kind`` for ``premises`` (audited).

    ``values`` fills the kind's placeholders beyond the common ones (dates are written the
    Chinese way); the rendered text is frozen in the document.
    """
    seq, number = next_number(session, kind, issued_on.year)
    title, body = templates.current(session, kind)
    filled: dict[str, object] = {
        "number": number,
        "premises": premises.name,
        "address": premises.address or "—",
        "org": premises.org.name,
        "issued_on": _zh_date(issued_on),
        "officer": officer_name or actor.display_name or actor.username,
    }
    for key, value in values.items():
        filled[key] = _zh_date(value) if isinstance(value, date) else value
    document = Document(
        org_id=premises.org_id,
        kind=kind,
        year=issued_on.year,
        seq=seq,
        number=number,
        premises_id=premises.id,
        inspection_id=inspection_id,
        case_id=case_id,
        title=title,
        body=templates.render(body, filled),
        issued_on=issued_on,
        due_on=due_on,
        deadline_on=deadline_on,
        parent_id=parent_id,
        officer_id=actor.user_id,
    )
    return crud.create(
        session, actor=actor, obj=document, entity="enforcement_document", entity_zh="法律文书"
    )


def get_document(session: Session, actor: Actor, document_id: int) -> Document:
    """A document in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Document, document_id)


def query_documents(
    *,
    actor: Actor,
    kind: DocumentKind | None = None,
    premises_id: int | None = None,
    inspection_id: int | None = None,
    case_id: int | None = None,
    overdue_on: date | None = None,
) -> Select[Document]:
    """Documents in the jurisdiction, latest first; ``overdue_on``: those overdue on that day."""
    actor.require(Action.READ)
    stmt = visible(actor, Document)
    if kind is not None:
        stmt = stmt.where(Document.kind == kind)
    if premises_id is not None:
        stmt = stmt.where(Document.premises_id == premises_id)
    if inspection_id is not None:
        stmt = stmt.where(Document.inspection_id == inspection_id)
    if case_id is not None:
        stmt = stmt.where(Document.case_id == case_id)
    if overdue_on is not None:
        stmt = stmt.where(overdue_condition(overdue_on))
    return stmt.order_by(Document.issued_on.desc(), Document.id.desc())


def overdue_condition(today: date) -> Any:
    """A document is overdue when served after its legal limit, or unserved past it."""
    return or_(
        Document.served_on > Document.due_on,
        Document.issued_on > Document.due_on,
        (Document.served_on.is_(None)) & (Document.due_on < today),
    )


def serve(session: Session, *, actor: Actor, document_id: int, served_on: date) -> Document:
    """Record that a document was served (送达) on ``served_on``; once only (409 again)."""
    actor.require(Action.ENFORCE)
    document = get_visible(session, actor, Document, document_id, lock=True)
    if document.served_on is not None:
        raise Conflict(
            f"文书{document.number}已于{document.served_on}送达",
            f"document {document.number} was served on {document.served_on}",
        )
    if served_on < document.issued_on:
        raise Invalid("送达日期不能早于开具日期", "served_on must not be before issued_on")
    return crud.update(
        session,
        actor=actor,
        obj=document,
        changes={"served_on": served_on},
        entity="enforcement_document",
        entity_zh="法律文书",
        action="serve",
    )


def stamp_lifted(
    session: Session, *, actor: Actor, document: Document, lifted_on: date, lift: Document
) -> None:
    """Stamp a 临时查封决定书 as lifted by ``lift`` (its 解除临时查封决定书), audited."""
    before = audit.snapshot(document)
    document.lifted_on = lifted_on
    document.lifted_by_id = lift.id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="stamp_lifted",
        entity="enforcement_document",
        entity_id=document.id,
        before=before,
        after=audit.snapshot(document),
    )


def stamp_text(session: Session, document: Document) -> str | None:
    """The stamp a lifted seal's decision carries (已解除), or ``None``."""
    if document.lifted_on is None:
        return None
    lift = session.get(Document, document.lifted_by_id) if document.lifted_by_id else None
    by = f"（{lift.number}）" if lift else ""
    return f"已于{_zh_date(document.lifted_on)}解除临时查封{by}"


# --- files ---------------------------------------------------------------------------------------


def _font(run: Any, size: float, *, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "SimSun"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")


def docx_bytes(session: Session, document: Document) -> bytes:
    """The document as a Word file: title, number, text, and the lifted stamp if any."""
    doc = DocxDocument()
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(head.add_run(document.premises.org.name), 16, bold=True)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(document.title), 22, bold=True)
    lines = document.body.split("\n")
    if lines and lines[0] == document.number:
        lines = lines[1:]
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(number.add_run(document.number), 12)
    for line in lines:
        _font(doc.add_paragraph().add_run(line), 12)
    stamp = stamp_text(session, document)
    if stamp:
        mark = doc.add_paragraph()
        run = mark.add_run(f"【{stamp}】")
        _font(run, 14, bold=True)
        run.font.color.rgb = RGBColor(0xC6, 0x28, 0x28)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf_bytes(session: Session, document: Document, *, timeout_s: float = 180) -> bytes:
    """The document as PDF, converted from its docx by LibreOffice (``soffice --headless``).

    A conversion takes seconds, so the PDF is kept in the cache directory under the hash of the
    Word file's text (a stamp or an edit makes a new one). Each conversion gets its own user
    profile, so two conversions at once do not wait on one profile lock.
    """
    docx = docx_bytes(session, document)
    digest = hashlib.sha256(
        "\n".join(
            [document.number, document.title, document.body, stamp_text(session, document) or ""]
        ).encode()
    ).hexdigest()[:32]
    cached = get_settings().cache_dir / "documents" / f"{digest}.pdf"
    if cached.is_file():
        return cached.read_bytes()
    pdf = _convert(docx, timeout_s)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(pdf)
    partial.replace(cached)
    return pdf


def _convert(docx: bytes, timeout_s: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="lanyan-doc-") as tmp:
        folder = Path(tmp)
        source = folder / "document.docx"
        source.write_bytes(docx)
        env = dict(os.environ, HOME=str(folder))
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            raise DomainError(
                "PDF 生成失败（未安装 LibreOffice），请下载 Word 版本", "soffice is not installed"
            )
        try:
            subprocess.run(  # noqa: S603  (our own executable and arguments, no shell)
                [
                    soffice,
                    f"-env:UserInstallation=file://{folder / 'profile'}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder),
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=timeout_s,
                env=env,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise DomainError(
                "PDF 生成失败（LibreOffice 不可用），请下载 Word 版本",
                f"PDF conversion failed: {exc}",
            ) from exc
        target = source.with_suffix(".pdf")
        if not target.is_file():
            raise DomainError("PDF 生成失败，请下载 Word 版本", "LibreOffice produced no PDF")
        return target.read_bytes()
