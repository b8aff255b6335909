"""Enforcement workflows on both databases (issue 17, acceptance 1 and 2).

A sealed inspection on day D issues a numbered 临时查封决定书 due within the legal working days;
lifting issues the 解除临时查封决定书 and stamps the decision; a case with a 5,000 元 fine shows in
the year's fines and their trace; the case machine is tried pair by pair (illegal 409, legal
audited); numbers stay consecutive under concurrent issuing.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import date
from typing import Any

from docx import Document as DocxDocument
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.audit import AuditLog
from lanyan.core.workdays import calendar
from lanyan.enforcement import documents, plans
from lanyan.enforcement.cases import TRANSITIONS
from lanyan.enforcement.choices import CaseStatus, DocumentKind
from lanyan.prevention.models import Inspection, Premises
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures
from lanyan.stats.report import yearly_content
from lanyan.stats.trace import trace, trace_count
from tests.factories import World

D = date(2026, 9, 30)
"""A Wednesday before the National Day holidays: 3 working days later is Saturday 10 October
(a make-up working day), not Monday 5 October."""

API = "/api/enforcement"


def _officer(world: World, side: str = "a") -> dict[str, str]:
    return world.headers(f"officer_{side}")


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


def _sealed(client: TestClient, world: World, day: date = D) -> dict[str, Any]:
    r = client.post(
        f"{API}/inspections",
        headers=_officer(world),
        json={
            "premises_id": world.a.premises_id,
            "inspected_on": day.isoformat(),
            "checklist": {"exits_unlocked": False, "fire_lane_clear": True},
            "outcome": "sealed",
            "note": "安全出口上锁，疏散通道堆放可燃物",
            "seal_scope": "三层KTV包厢区",
            "seal_days": 30,
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_sealed_inspection_issues_a_numbered_decision_due_in_working_days(
    app_client: TestClient, world: World
) -> None:
    out = _sealed(app_client, world)
    assert out["outcome"] == "sealed"
    assert out["items_checked"] == 2 and out["failed_items"] == ["exits_unlocked"]
    assert out["template_key"] == "key_unit"
    (decision,) = out["documents"]
    assert decision["kind"] == "seal"
    assert re.fullmatch(r"消封字〔2026〕第\d{4}号", decision["number"])
    assert decision["due_on"] == "2026-10-10"
    assert calendar().workdays_between(D, date(2026, 10, 10)) == 3
    assert out["seal"]["starts_on"] == "2026-09-30" and out["seal"]["ends_on"] == "2026-10-30"
    assert out["seal"]["status"] == "sealed"
    detail = app_client.get(f"{API}/documents/{decision['id']}", headers=_officer(world)).json()
    assert decision["number"] in detail["body"] and "三层KTV包厢区" in detail["body"]
    assert "2026年10月30日" in detail["body"] and detail["stamp"] is None
    docx = app_client.get(f"{API}/documents/{decision['id']}/docx", headers=_officer(world))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    text = "\n".join(p.text for p in DocxDocument(io.BytesIO(docx.content)).paragraphs)
    assert "临时查封决定书" in text and decision["number"] in text


def test_lifting_issues_its_decision_and_stamps_the_original(
    app_client: TestClient, world: World
) -> None:
    out = _sealed(app_client, world)
    seal, decision = out["seal"], out["documents"][0]
    r = app_client.post(
        f"{API}/seals/{seal['id']}/lift",
        headers=_officer(world),
        json={"lifted_on": "2026-10-12", "reason": "火灾隐患已消除，经检查符合要求"},
    )
    assert r.status_code == 200, r.text
    lifted = r.json()
    assert lifted["status"] == "lifted" and lifted["lifted_on"] == "2026-10-12"
    lift = app_client.get(
        f"{API}/documents/{lifted['lift_document_id']}", headers=_officer(world)
    ).json()
    assert lift["kind"] == "lift" and re.fullmatch(r"消解字〔2026〕第\d{4}号", lift["number"])
    assert decision["number"] in lift["body"] and "火灾隐患已消除" in lift["body"]
    assert lift["parent_id"] == decision["id"]
    assert lift["due_on"] == calendar().add_workdays(date(2026, 10, 12), 3).isoformat()
    original = app_client.get(f"{API}/documents/{decision['id']}", headers=_officer(world)).json()
    assert original["lifted_on"] == "2026-10-12"
    assert original["stamp"] == f"已于2026年10月12日解除临时查封（{lift['number']}）"
    docx = app_client.get(f"{API}/documents/{decision['id']}/docx", headers=_officer(world))
    assert "已于2026年10月12日解除临时查封" in "".join(
        p.text for p in DocxDocument(io.BytesIO(docx.content)).paragraphs
    )
    again = app_client.post(
        f"{API}/seals/{seal['id']}/lift",
        headers=_officer(world),
        json={"lifted_on": "2026-10-13", "reason": "再次解除"},
    )
    assert again.status_code == 409
    with _factory(app_client)() as s:
        actions = set(
            s.scalars(
                select(AuditLog.action).where(
                    AuditLog.entity.in_(["enforcement_seal", "enforcement_document"])
                )
            )
        )
    assert {"lift", "stamp_lifted", "create"} <= actions


def test_a_sealed_inspection_needs_its_scope_and_a_legal_period(
    app_client: TestClient, world: World
) -> None:
    with _factory(app_client)() as s:
        before = s.scalar(select(func.count()).select_from(Inspection))
    body = {
        "premises_id": world.a.premises_id,
        "inspected_on": D.isoformat(),
        "checklist": {"exits_unlocked": False},
        "outcome": "sealed",
        "seal_scope": "仓库",
        "seal_days": 31,
    }
    r = app_client.post(f"{API}/inspections", headers=_officer(world), json=body)
    assert r.status_code == 422 and "1至30天" in r.json()["detail"]
    r = app_client.post(
        f"{API}/inspections",
        headers=_officer(world),
        json=body | {"seal_days": 10, "seal_scope": None},
    )
    assert r.status_code == 422
    r = app_client.post(
        f"{API}/inspections", headers=world.headers("grid_a"), json=body | {"seal_days": 10}
    )
    assert r.status_code == 403
    with _factory(app_client)() as s:
        assert s.scalar(select(func.count()).select_from(Inspection)) == before


def _case(client: TestClient, world: World, side: str = "a", filed: str = "2026-11-02") -> int:
    premises = world.a.premises_id if side == "a" else world.b.premises_id
    r = client.post(
        f"{API}/cases",
        headers=_officer(world, side),
        json={"premises_id": premises, "title": "消防设施未保持完好有效", "filed_on": filed},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _move(client: TestClient, world: World, case_id: int, to: str, **extra: Any) -> Any:
    body = {"to": to, "on": "2026-11-20", **extra}
    return client.post(f"{API}/cases/{case_id}/transition", headers=_officer(world, "a"), json=body)


def test_a_case_with_a_5000_yuan_fine_shows_in_the_years_fines(
    app_client: TestClient, world: World
) -> None:
    headers = _officer(world, "b")
    case_id = _case(app_client, world, "b", filed="2026-03-02")
    for to, on in (("investigating", "2026-03-03"), ("notified", "2026-03-10")):
        r = app_client.post(
            f"{API}/cases/{case_id}/transition", headers=headers, json={"to": to, "on": on}
        )
        assert r.status_code == 200, r.text
    r = app_client.post(
        f"{API}/cases/{case_id}/transition",
        headers=headers,
        json={
            "to": "decided",
            "on": "2026-03-16",
            "penalties": [{"kind": "fine", "amount_cny": 5000}, {"kind": "stop_use"}],
        },
    )
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["fine_cny"] == 5000 and case["status"] == "decided"
    (decision,) = case["documents"]
    assert decision["kind"] == "penalty" and re.fullmatch(
        r"消罚字〔2026〕第\d{4}号", decision["number"]
    )
    body = app_client.get(f"{API}/documents/{decision['id']}", headers=headers).json()["body"]
    assert "罚款人民币5000元" in body and "责令停止使用" in body
    with _factory(app_client)() as s:
        year = Period.year(2026)
        figures = compute_figures(s, actor=SYSTEM, period=year, org_id=world.b.brigade_id)
        assert figures["enforcement.fines_cny"] == 5000
        assert figures["enforcement.three_stops"] == 1
        assert figures["enforcement.cases"] == 1
        rows = trace(s, SYSTEM, "enforcement.fines_cny", year, world.b.brigade_id)
        assert [(r["case_id"], r["value"]) for r in rows] == [(case_id, 5000)]
        assert trace_count(s, SYSTEM, "enforcement.three_stops", year, world.b.brigade_id) == 1
        assert (
            compute_figures(s, actor=SYSTEM, period=Period.year(2025), org_id=world.b.brigade_id)[
                "enforcement.fines_cny"
            ]
            == 0
        )
    r = app_client.post(
        f"{API}/cases/{case_id}/transition",
        headers=headers,
        json={"to": "executing", "on": "2026-03-17"},
    )
    assert r.status_code == 200
    early = app_client.post(
        f"{API}/cases/{case_id}/transition",
        headers=headers,
        json={"to": "closed", "on": "2026-03-18"},
    )
    assert early.status_code == 409 and "未缴清" in early.json()["detail"]
    too_much = app_client.post(
        f"{API}/cases/{case_id}/payments",
        headers=headers,
        json={"paid_on": "2026-03-20", "amount_cny": 6000},
    )
    assert too_much.status_code == 422
    paid = app_client.post(
        f"{API}/cases/{case_id}/payments",
        headers=headers,
        json={"paid_on": "2026-03-20", "amount_cny": 5000, "receipt_no": "NO.0001"},
    )
    assert paid.status_code == 201, paid.text
    r = app_client.post(
        f"{API}/cases/{case_id}/transition",
        headers=headers,
        json={"to": "closed", "on": "2026-03-25"},
    )
    assert r.status_code == 200 and r.json()["paid_cny"] == 5000
    with _factory(app_client)() as s:
        figures = compute_figures(
            s, actor=SYSTEM, period=Period.year(2026), org_id=world.b.brigade_id
        )
        assert figures["enforcement.fines_paid_cny"] == 5000
        report = yearly_content(s, actor=SYSTEM, year=2026, org_id=world.b.brigade_id)
        (section,) = [
            x for x in report.context["sections"]["prevention"] if x["title"] == "监督执法"
        ]
        assert "立案查处1起，罚款5000元（已缴5000元），责令“三停”1起" in section["text"]


PATH_TO: dict[CaseStatus, list[tuple[str, dict[str, Any]]]] = {
    CaseStatus.FILED: [],
    CaseStatus.INVESTIGATING: [("investigating", {})],
    CaseStatus.NOTIFIED: [("investigating", {}), ("notified", {})],
    CaseStatus.DECIDED: [
        ("investigating", {}),
        ("notified", {}),
        ("decided", {"penalties": [{"kind": "warning"}]}),
    ],
    CaseStatus.EXECUTING: [
        ("investigating", {}),
        ("notified", {}),
        ("decided", {"penalties": [{"kind": "warning"}]}),
        ("executing", {}),
    ],
    CaseStatus.CLOSED: [("investigating", {}), ("closed", {"reason": "违法事实不能成立"})],
}
EXTRA: dict[CaseStatus, dict[str, Any]] = {
    CaseStatus.DECIDED: {"penalties": [{"kind": "warning"}]},
    CaseStatus.CLOSED: {"reason": "不予处罚"},
}


def _case_at(client: TestClient, world: World, status: CaseStatus) -> int:
    case_id = _case(client, world)
    for to, extra in PATH_TO[status]:
        assert _move(client, world, case_id, to, **extra).status_code == 200
    return case_id


def test_every_pair_of_case_states(app_client: TestClient, world: World) -> None:
    """Illegal moves answer 409 and change nothing; legal ones are audited with before/after."""
    factory = _factory(app_client)
    for source in CaseStatus:
        case_id = _case_at(app_client, world, source)
        for target in CaseStatus:
            if target in TRANSITIONS[source]:
                continue
            r = _move(app_client, world, case_id, target.value, **EXTRA.get(target, {}))
            assert r.status_code == 409, (source, target, r.text)
        got = app_client.get(f"{API}/cases/{case_id}", headers=_officer(world)).json()
        assert got["status"] == source.value
        assert got["next"] == [t.value for t in CaseStatus if t in TRANSITIONS[source]]
        for target in TRANSITIONS[source]:
            fresh = _case_at(app_client, world, source)
            r = _move(app_client, world, fresh, target.value, **EXTRA.get(target, {}))
            assert r.status_code == 200, (source, target, r.text)
            with factory() as s:
                row = s.scalars(
                    select(AuditLog)
                    .where(AuditLog.entity == "enforcement_case", AuditLog.entity_id == str(fresh))
                    .order_by(AuditLog.id.desc())
                    .limit(1)
                ).one()
            assert row.action == f"to_{target.value}"
            assert row.before is not None and row.before["status"] == source.value
            assert row.after is not None and row.after["status"] == target.value


def test_serving_and_rechecking_an_order(app_client: TestClient, world: World) -> None:
    r = app_client.post(
        f"{API}/inspections",
        headers=_officer(world),
        json={
            "premises_id": world.a.premises_id,
            "inspected_on": "2026-11-02",
            "checklist": {"extinguishers_valid": False},
            "outcome": "ordered",
            "correct_by": "2026-11-16",
        },
    )
    assert r.status_code == 201, r.text
    (order,) = r.json()["documents"]
    assert order["kind"] == "order" and order["due_on"] == "2026-11-05"
    assert order["deadline_on"] == "2026-11-16"
    served = app_client.post(
        f"{API}/documents/{order['id']}/serve",
        headers=_officer(world),
        json={"served_on": "2026-11-03"},
    )
    assert served.status_code == 200 and served.json()["overdue"] is False
    again = app_client.post(
        f"{API}/documents/{order['id']}/serve",
        headers=_officer(world),
        json={"served_on": "2026-11-04"},
    )
    assert again.status_code == 409
    recheck = app_client.post(
        f"{API}/documents/{order['id']}/recheck",
        headers=_officer(world),
        json={"rechecked_on": "2026-11-17", "passed": True, "opinion": "已整改完毕"},
    )
    assert recheck.status_code == 201, recheck.text
    assert recheck.json()["kind"] == "recheck" and recheck.json()["due_on"] == "2026-11-19"
    twice = app_client.post(
        f"{API}/documents/{order['id']}/recheck",
        headers=_officer(world),
        json={"rechecked_on": "2026-11-18", "passed": True},
    )
    assert twice.status_code == 409


def test_numbers_have_no_gaps_under_concurrent_issuing(
    app_client: TestClient, world: World
) -> None:
    factory = _factory(app_client)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def issue_one() -> None:
        try:
            with factory() as s:
                premises = s.get(Premises, world.a.premises_id)
                assert premises is not None
                d = documents.issue(
                    s,
                    actor=SYSTEM,
                    kind=DocumentKind.RECHECK,
                    premises=premises,
                    issued_on=date(2031, 1, 6),
                    due_on=date(2031, 1, 9),
                    values={"order_number": "—", "rechecked_on": date(2031, 1, 6)},
                )
                s.commit()
                numbers.append(d.seq)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=issue_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_a_random_plan_is_redrawn_from_its_seed(app_client: TestClient, world: World) -> None:
    r = app_client.post(
        f"{API}/plans",
        headers=world.headers("admin_det"),
        json={
            "org_id": world.detachment_id,
            "name": "2026年第四季度双随机抽查",
            "kind": "random",
            "starts_on": "2026-10-01",
            "ends_on": "2026-12-31",
            "sample_size": 1,
            "seed": 20261001,
        },
    )
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["seed"] == 20261001 and plan["population"] == 2 and plan["items_total"] == 1
    items = app_client.get(f"{API}/plans/{plan['id']}/items", headers=world.headers("admin_det"))
    (item,) = items.json()["items"]
    assert [item["premises_id"]] == plans.draw(
        sorted([world.a.premises_id, world.b.premises_id]), 1, 20261001
    )
    side = "a" if item["premises_id"] == world.a.premises_id else "b"
    r = app_client.post(
        f"{API}/inspections",
        headers=_officer(world, side),
        json={
            "premises_id": item["premises_id"],
            "inspected_on": "2026-10-20",
            "checklist": {"fire_lane_clear": True},
            "outcome": "passed",
            "plan_id": plan["id"],
        },
    )
    assert r.status_code == 201, r.text
    plan = app_client.get(f"{API}/plans/{plan['id']}", headers=world.headers("admin_det")).json()
    assert plan["items_done"] == 1


def test_an_edited_template_is_used_by_later_documents(
    app_client: TestClient, world: World
) -> None:
    admin = world.headers("admin_det")
    bad = app_client.put(
        f"{API}/templates/order",
        headers=admin,
        json={"title": "责令限期改正通知书", "body": "{nonsense}"},
    )
    assert bad.status_code == 422 and "nonsense" in bad.json()["detail"]
    assert (
        app_client.put(
            f"{API}/templates/order", headers=_officer(world), json={"title": "x", "body": "y"}
        ).status_code
        == 403
    )
    r = app_client.put(
        f"{API}/templates/order",
        headers=admin,
        json={
            "title": "责令限期改正通知书",
            "body": "{number}\n{premises}：请于{deadline_on}前改正（本支队格式）。",
        },
    )
    assert r.status_code == 200 and r.json()["edited"] is True
    out = app_client.post(
        f"{API}/inspections",
        headers=_officer(world),
        json={
            "premises_id": world.a.premises_id,
            "inspected_on": "2026-11-03",
            "checklist": {"wiring_safe": False},
            "outcome": "ordered",
            "correct_by": "2026-11-20",
        },
    ).json()
    doc = app_client.get(f"{API}/documents/{out['documents'][0]['id']}", headers=admin).json()
    assert doc["body"].endswith("请于2026年11月20日前改正（本支队格式）。")


def test_evaluation_counts_overdue_documents_per_officer_and_brigade(
    app_client: TestClient, world: World
) -> None:
    r = app_client.get(f"{API}/evaluation", params={"year": 2026}, headers=world.headers("leader"))
    assert r.status_code == 200
    data = r.json()
    officer = next(row for row in data["officers"] if row["name"] == "officer_a")
    # the sealed decisions of D were never served and are past 10 October: overdue
    assert officer["documents"] >= 2 and officer["documents_overdue"] >= 2
    brigade = next(row for row in data["brigades"] if row["name"] == "a大队")
    assert brigade["documents_overdue"] >= officer["documents_overdue"]
    listed = app_client.get(
        f"{API}/documents", params={"overdue": "true"}, headers=_officer(world)
    ).json()
    assert listed["total"] >= 2 and all(d["overdue"] for d in listed["items"])


def test_the_pages_open_by_the_permission_table(app_client: TestClient, world: World) -> None:
    """The desk opens for officers and leaders, the phone page for officers; others get 403."""
    expected = {
        "officer_a": (200, 200),
        "leader": (200, 403),
        "grid_a": (403, 403),
        "crew_a": (403, 403),
    }
    for username, (desk, phone) in expected.items():
        app_client.cookies.set("lanyan_session", world.tokens[username])
        assert app_client.get("/enforcement").status_code == desk, username
        assert app_client.get("/inspect").status_code == phone, username
        view = app_client.get("/enforcement/documents/1")
        assert view.status_code == (200 if desk == 200 or phone == 200 else 403), username
        app_client.cookies.clear()
    assert app_client.get("/enforcement", follow_redirects=False).status_code == 303


def test_a_document_downloads_as_pdf(app_client: TestClient, world: World) -> None:
    """LibreOffice converts the Word file; the PDF is kept by its text's hash for the next time."""
    listed = app_client.get(
        f"{API}/documents", params={"kind": "seal", "limit": 1}, headers=_officer(world)
    ).json()
    (document,) = listed["items"]
    pdf = app_client.get(f"{API}/documents/{document['id']}/pdf", headers=_officer(world))
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    assert "filename*=UTF-8''" in pdf.headers["content-disposition"]


def test_the_desk_lists_answer_in_the_jurisdiction(app_client: TestClient, world: World) -> None:
    """Each list of the desk answers its records to the brigade and none to the other one."""
    for path in ("plans", "inspections", "documents", "seals", "cases"):
        mine = app_client.get(f"{API}/{path}", headers=_officer(world, "a")).json()
        assert mine["total"] >= 1 and len(mine["items"]) == min(mine["total"], 100), path
    plans_page = app_client.get(f"{API}/plans", headers=_officer(world, "a")).json()
    assert all(p["items_total"] >= p["items_done"] for p in plans_page["items"])
    rows = app_client.get(f"{API}/inspections", headers=_officer(world, "a")).json()["items"]
    assert {r["premises_name"] for r in rows} == {"a商场"}
    others = app_client.get(f"{API}/seals", headers=_officer(world, "b")).json()
    assert others["total"] == 0
    cases_b = app_client.get(f"{API}/cases", headers=_officer(world, "b")).json()["items"]
    assert [c["premises_name"] for c in cases_b] == ["b商场"]


def test_every_enforcement_count_figure_traces_to_as_many_records(
    app_client: TestClient, world: World
) -> None:
    """Over what this module recorded: each count figure lists exactly as many records."""
    from lanyan.stats.queries import kind

    with _factory(app_client)() as s:
        year = Period.year(2026)
        figures = compute_figures(s, actor=SYSTEM, period=year, org_id=world.a.brigade_id)
        keys = [k for k in figures.values if k.startswith("enforcement.")]
        assert figures["enforcement.sealed"] >= 2 and figures["enforcement.sealed_lifted"] >= 1
        assert figures["enforcement.units_inspected"] == 1
        assert figures["enforcement.inspections"] >= figures["enforcement.sealed"]
        for key in keys:
            if kind(key) == "count":
                rows = trace(s, SYSTEM, key, year, world.a.brigade_id)
                assert len(rows) == figures[key], key
