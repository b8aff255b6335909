// The phone inspection page (现场检查, 390×844): pick a premises (from a plan or by search), answer
// its category checklist with big 合格/不合格 buttons, choose the outcome, submit; the legal
// documents the outcome issued open from the result screen.
import { api, h, mountHeader, toast, withButton } from "./common.js";

const $ = (id) => document.getElementById(id);
const OUTCOMES = [
  { value: "passed", zh: "合格", color: "#2e7d32" },
  { value: "ordered", zh: "责令改正", color: "#ef6c00" },
  { value: "sealed", zh: "临时查封", color: "#6a1b9a" },
  { value: "penalized", zh: "行政处罚", color: "#c62828" },
];
let current = null; // {premises, planId, items: [{key, zh}], answers: {key: bool}, outcome}

function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function addDays(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function show(view) {
  for (const section of document.querySelectorAll("main.inspectw > .view")) section.hidden = section.id !== `view-${view}`;
  window.scrollTo(0, 0);
}

// --- picking a premises ------------------------------------------------------------------------

async function loadPlans() {
  const page = await api("/api/enforcement/plans?limit=50");
  const select = $("plan-select");
  for (const plan of page.items) {
    if (plan.items_done >= plan.items_total) continue;
    select.append(h("option", { value: plan.id }, `${plan.name}（${plan.items_done}/${plan.items_total}）`));
  }
}

async function loadPlanItems() {
  const planId = $("plan-select").value;
  const list = $("plan-items");
  list.replaceChildren();
  if (!planId) return;
  const page = await api(`/api/enforcement/plans/${planId}/items?pending=true&limit=100`);
  if (!page.items.length) list.append(h("li", { class: "muted" }, "该计划的单位已全部检查"));
  for (const item of page.items) {
    list.append(h("li", {}, h("button", { type: "button", class: "gw-btn gw-btn-light", onclick: () => start({ id: item.premises_id, name: item.premises_name, address: item.address }, Number(planId)) }, item.premises_name)));
  }
}

async function searchPremises() {
  const q = $("premises-q").value.trim();
  const list = $("premises-results");
  list.replaceChildren();
  if (!q) return;
  const page = await api(`/api/premises?q=${encodeURIComponent(q)}&limit=10`);
  if (!page.items.length) list.append(h("li", { class: "muted" }, "没有找到单位"));
  for (const p of page.items) {
    list.append(h("li", {}, h("button", { type: "button", class: "gw-btn gw-btn-light", onclick: () => start(p, null) }, p.name)));
  }
}

// --- the checklist and the outcome -------------------------------------------------------------

async function start(premises, planId) {
  const template = await api(`/api/prevention/checklists/premises/${premises.id}`);
  current = { premises, planId, items: template.items, answers: {}, outcome: "passed" };
  $("check-name").textContent = premises.name;
  $("check-address").textContent = premises.address || "";
  $("checklist-name").textContent = template.zh;
  $("inspected-on").value = today();
  $("inspected-on").max = today();
  $("note").value = "";
  renderChecklist();
  renderOutcomes();
  show("check");
}

function renderChecklist() {
  const list = $("checklist");
  list.replaceChildren();
  for (const item of current.items) {
    const answer = current.answers[item.key];
    const ok = h("button", { type: "button", class: "en-toggle ok", "aria-pressed": String(answer === true), "data-key": item.key, "data-answer": "ok", onclick: () => answerItem(item.key, true) }, "合格");
    const bad = h("button", { type: "button", class: "en-toggle bad", "aria-pressed": String(answer === false), "data-key": item.key, "data-answer": "bad", onclick: () => answerItem(item.key, false) }, "不合格");
    list.append(h("li", {}, h("span", {}, item.zh), ok, bad));
  }
}

function answerItem(key, value) {
  current.answers[key] = value;
  renderChecklist();
}

function renderOutcomes() {
  const box = $("outcomes");
  box.replaceChildren();
  for (const o of OUTCOMES) {
    const on = current.outcome === o.value;
    box.append(h("button", { type: "button", class: "en-outcome", role: "radio", "aria-checked": String(on), "data-outcome": o.value, style: on ? { background: o.color, borderColor: o.color } : null, onclick: () => { current.outcome = o.value; renderOutcomes(); } }, o.zh));
  }
  const fields = $("outcome-fields");
  fields.replaceChildren();
  const base = $("inspected-on").value || today();
  if (current.outcome === "ordered" || current.outcome === "penalized") {
    fields.append(h("label", {}, "改正期限", h("input", { type: "date", id: "correct-by", value: addDays(base, 15) })));
  }
  if (current.outcome === "sealed") {
    fields.append(
      h("label", {}, "查封部位或场所", h("input", { type: "text", id: "seal-scope", maxlength: "200", placeholder: "如：三层KTV包厢区" })),
      h("label", {}, "查封期限（天，最长30天）", h("input", { type: "number", id: "seal-days", min: "1", max: "30", value: "30", inputmode: "numeric" })),
    );
  }
  if (current.outcome === "penalized") {
    fields.append(h("label", {}, "案由", h("input", { type: "text", id: "case-title", maxlength: "200", placeholder: "如：消防设施未保持完好有效" })));
  }
}

async function submit() {
  const body = {
    premises_id: current.premises.id,
    inspected_on: $("inspected-on").value,
    checklist: current.answers,
    outcome: current.outcome,
    note: $("note").value.trim() || null,
    plan_id: current.planId,
  };
  if ($("correct-by")) body.correct_by = $("correct-by").value;
  if ($("seal-scope")) body.seal_scope = $("seal-scope").value.trim() || null;
  if ($("seal-days")) body.seal_days = Number($("seal-days").value);
  if ($("case-title")) body.case_title = $("case-title").value.trim() || null;
  const result = await api("/api/enforcement/inspections", { method: "POST", body });
  showResult(result);
  toast("检查结果已提交", "ok");
}

function showResult(result) {
  const outcome = OUTCOMES.find((o) => o.value === result.outcome);
  const lines = [
    h("h2", {}, current.premises.name),
    h("div", { class: "gw-meta" }, `检查结论：${outcome ? outcome.zh : result.outcome}；检查${result.items_checked}项，不合格${result.items_failed}项`),
  ];
  if (result.seal) lines.push(h("div", { class: "gw-meta" }, `临时查封：${result.seal.scope}，${result.seal.starts_on} 至 ${result.seal.ends_on}`));
  if (result.case) lines.push(h("div", { class: "gw-meta" }, `已立案：${result.case.title}（办案期限 ${result.case.limit_on}）`));
  $("done-summary").replaceChildren(...lines);
  const docs = $("done-documents");
  docs.replaceChildren();
  if (!result.documents.length) docs.append(h("li", { class: "muted" }, "本次检查无需开具文书"));
  for (const d of result.documents) {
    docs.append(h("li", {},
      h("div", {}, h("b", {}, d.title), " ", d.number),
      h("div", { class: "gw-meta" }, `须于 ${d.due_on} 前送达（法定工作日期限）`),
      h("a", { class: "gw-btn gw-btn-primary", href: `/enforcement/documents/${d.id}`, "data-document": d.kind }, "查看文书"),
    ));
  }
  show("done");
}

mountHeader("现场检查");
$("plan-select").addEventListener("change", () => loadPlanItems().catch((e) => toast(e.message, "error")));
$("premises-search").addEventListener("click", () => searchPremises().catch((e) => toast(e.message, "error")));
$("premises-q").addEventListener("keydown", (e) => { if (e.key === "Enter") searchPremises().catch((err) => toast(err.message, "error")); });
$("all-ok").addEventListener("click", () => { for (const item of current.items) current.answers[item.key] = true; renderChecklist(); });
$("back-pick").addEventListener("click", () => show("pick"));
$("next-inspection").addEventListener("click", () => { show("pick"); loadPlanItems().catch(() => {}); });
$("submit-inspection").addEventListener("click", (e) => withButton(e.currentTarget, submit));
loadPlans().catch((e) => toast(e.message, "error"));
