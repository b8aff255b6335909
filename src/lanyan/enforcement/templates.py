"""The text templates of the legal documents: shipped defaults, editable by an administrator.

A template is plain text with ``{placeholders}`` (Python ``str.format`` names, listed per kind in
:data:`FIELDS`). When a document is issued its text is rendered once and stored with it, so editing
a template later changes the documents issued afterwards, never one already served. An edit that
names an unknown placeholder is refused, so a typo cannot break every later document.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Invalid
from lanyan.core.permissions import Action
from lanyan.enforcement.choices import DocumentKind
from lanyan.enforcement.models import DocumentTemplate

_COMMON = ("number", "premises", "address", "org", "issued_on", "officer")

FIELDS: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.ORDER: (*_COMMON, "inspected_on", "findings", "deadline_on"),
    DocumentKind.SEAL: (*_COMMON, "inspected_on", "findings", "scope", "starts_on", "ends_on"),
    DocumentKind.LIFT: (*_COMMON, "seal_number", "scope", "lifted_on", "reason"),
    DocumentKind.RECHECK: (*_COMMON, "order_number", "rechecked_on", "result", "opinion"),
    DocumentKind.PENALTY: (*_COMMON, "case_title", "facts", "penalties", "fine_cny", "pay_by"),
}
"""The placeholders each kind's template may use."""


@dataclass(frozen=True, slots=True)
class Default:
    """A shipped template."""

    title: str
    body: str


DEFAULTS: dict[DocumentKind, Default] = {
    DocumentKind.ORDER: Default(
        "责令限期改正通知书",
        "{number}\n\n{premises}：\n"
        "根据《中华人民共和国消防法》第五十三条的规定，我机构于{inspected_on}对你单位（场所）"
        "（地址：{address}）进行了消防监督检查，发现你单位（场所）存在下列第 项消防安全违法行为：\n"
        "{findings}\n"
        "根据《中华人民共和国消防法》第六十条及《消防监督检查规定》的规定，现责令你单位（场所）"
        "于{deadline_on}前改正。改正期间，应当采取措施，确保消防安全。\n"
        "如不服本决定，可以在收到本通知书之日起六十日内依法申请行政复议或者六个月内依法向人民法院"
        "提起行政诉讼。\n\n消防监督检查员：{officer}\n{org}\n{issued_on}",
    ),
    DocumentKind.SEAL: Default(
        "临时查封决定书",
        "{number}\n\n{premises}：\n"
        "我机构于{inspected_on}对你单位（场所）（地址：{address}）进行消防监督检查时，发现存在下列"
        "火灾隐患，不及时消除可能严重威胁公共安全：\n{findings}\n"
        "根据《中华人民共和国消防法》第五十四条、第七十条及《消防监督检查规定》第二十二条、第二十三条"
        "的规定，经集体研究，决定对你单位（场所）的{scope}予以临时查封，查封期限自{starts_on}至{ends_on}。"
        "\n你单位（场所）应当在查封期限内消除火灾隐患，消除后可向我机构申请解除临时查封。\n"
        "如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议或者六个月内依法向人民法院"
        "提起行政诉讼。\n\n{org}\n{issued_on}",
    ),
    DocumentKind.LIFT: Default(
        "解除临时查封决定书",
        "{number}\n\n{premises}：\n"
        "我机构以{seal_number}临时查封决定书对你单位（场所）的{scope}实施了临时查封。"
        "经检查，{reason}。\n根据《消防监督检查规定》第二十四条的规定，决定自{lifted_on}起解除临时查封。"
        "\n\n{org}\n{issued_on}",
    ),
    DocumentKind.RECHECK: Default(
        "复查意见书",
        "{number}\n\n{premises}：\n"
        "根据{order_number}责令限期改正通知书，我机构于{rechecked_on}对你单位（场所）"
        "（地址：{address}）的整改情况进行了复查。复查结果：{result}。\n{opinion}\n\n"
        "消防监督检查员：{officer}\n{org}\n{issued_on}",
    ),
    DocumentKind.PENALTY: Default(
        "行政处罚决定书",
        "{number}\n\n被处罚单位：{premises}（地址：{address}）\n"
        "案由：{case_title}\n违法事实：{facts}\n"
        "以上事实有现场检查笔录、询问笔录、现场照片等证据证实。根据《中华人民共和国消防法》的规定，"
        "决定给予如下行政处罚：{penalties}。\n"
        "罚款合计{fine_cny}元，于{pay_by}前缴纳至指定银行；逾期不缴纳的，每日按罚款数额的百分之三"
        "加处罚款。\n如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议或者六个月内依法"
        "向人民法院提起行政诉讼。\n\n{org}\n{issued_on}",
    ),
}
"""The shipped text of each document kind."""


def current(session: Session, kind: DocumentKind) -> tuple[str, str]:
    """The (title, body) in force for ``kind``: the edited one, else the shipped default."""
    row = session.get(DocumentTemplate, kind.value)
    if row is not None:
        return row.title, row.body
    default = DEFAULTS[kind]
    return default.title, default.body


class _Values(dict[str, object]):
    """Placeholder values; one the issuer had no value for is left blank, never an error."""

    def __missing__(self, key: str) -> str:
        return ""


def render(body: str, values: dict[str, object]) -> str:
    """The template's text with every placeholder filled."""
    return body.format_map(_Values({key: "" if v is None else v for key, v in values.items()}))


def _placeholders(body: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise Invalid(f"模板格式错误（花括号不成对）：{exc}", f"malformed template: {exc}") from exc
    return [name for _text, name, _spec, _conv in parsed if name is not None]


def save(
    session: Session, *, actor: Actor, kind: DocumentKind, title: str, body: str
) -> DocumentTemplate:
    """Store an administrator's edit of ``kind``'s template (audited with before and after)."""
    actor.require(Action.ENFORCE_TEMPLATES)
    allowed = set(FIELDS[kind])
    unknown = sorted({name for name in _placeholders(body) if name not in allowed})
    if unknown:
        raise Invalid(
            f"模板中有不支持的占位符：{'、'.join(unknown)}（可用：{'、'.join(FIELDS[kind])}）",
            f"unknown placeholders: {', '.join(unknown)}",
        )
    row = session.get(DocumentTemplate, kind.value)
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = DocumentTemplate(kind=kind.value, title=title, body=body)
        session.add(row)
    row.title, row.body = title, body
    row.updated_at, row.updated_by = utcnow(), actor.user_id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity="enforcement_template",
        entity_id=kind.value,
        before=before,
        after=audit.snapshot(row),
    )
    return row
