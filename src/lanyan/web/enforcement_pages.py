"""Pages of supervision and enforcement (监督执法): the officer's desk, the phone inspection page
and a document's view (its text, the 已解除 stamp, Word and PDF downloads).

Static templates with the configuration block filled in, like the other pages; the data comes
from ``/api/enforcement``. Which role opens which page is the permission table's (Screen →
Action): the desk needs ``web.enforcement_desk``, the phone page ``prevention.inspect``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanyan.core.permissions import Action, Screen, allowed
from lanyan.web.pages import PageSession, _refused, render_page

router = APIRouter(include_in_schema=False)


@router.get("/enforcement", response_model=None)
def enforcement_desk(request: Request, auth: PageSession) -> Response:
    """The enforcement desk: plans, inspections, documents, seals, cases, 考评, templates."""
    refused = _refused(request, auth, Screen.ENFORCEMENT)
    if refused is not None:
        return refused
    assert auth is not None
    role = auth.user.role
    return render_page(
        "enforcement",
        auth=auth,
        enforcement={
            "canAct": allowed(role, Action.ENFORCE),
            "canEditTemplates": allowed(role, Action.ENFORCE_TEMPLATES),
        },
    )


@router.get("/inspect", response_model=None)
def inspect_phone(request: Request, auth: PageSession) -> Response:
    """The phone inspection page (390×844): premises, category checklist, outcome, documents."""
    refused = _refused(request, auth, Screen.INSPECT)
    if refused is not None:
        return refused
    return render_page("inspect", auth=auth)


@router.get("/enforcement/documents/{document_id}", response_model=None)
def document_view(request: Request, auth: PageSession, document_id: int) -> Response:
    """One document as the unit reads it, with its downloads (the API checks jurisdiction)."""
    refused = _refused(request, auth, Screen.INSPECT) and _refused(
        request, auth, Screen.ENFORCEMENT
    )
    if refused is not None:
        return refused
    return render_page("enforcement_document", auth=auth, documentId=document_id)
