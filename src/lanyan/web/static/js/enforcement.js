// The enforcement desk (监督执法): plans (双随机 draws), inspections, legal documents (serve,
// re-check, download), temporary seals (lift), administrative cases (moves, penalties, payments),
// 考评 per officer and brigade, and the document templates (administrators).
import { api, config, h, mountHeader, toast, user, withButton } from "./common.js";

const $ = (id) => document.getElementById(id);
const can = config.enforcement || { canAct: false, canEditTemplates: false };
const KIND_ZH = { random: "双随机抽查", campaign: "专项检查", complaint: "投诉举报核查" };
const OUTCOME_ZH = { passed: "合格", ordered: "责令改正", penalized: "行政处罚", sealed: "临时查封" };
const DOC_ZH = { order: "责令限期改正通知书", seal: "临时查封决定书", lift: "解除临时查封决定书", recheck: "复查意见书", penalty: "行政处罚决定书" };
const CASE_ZH = { filed: "立案", investigating: "调查取证", notified: "处罚告知", decided: "处罚决定", executing: "执行", closed: "结案" };
const PENALTY_ZH = { warning: "警告", fine: "罚款", stop_production: "责令停产停业", stop_use: "责令停止使用", stop_construction: "责令停止施工", detention_referral: "移送公安机关拘留" };

function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function rows(body, items, render, empty = "暂无记录") {
  body.replaceChildren(...(items.length ? items.map(render) : [h("tr", {}, h("td", { colspan: "8", class: "muted" }, empty))]));
}

const loaders = {
  async plans() {
    const page = await api("/api/enforcement/plans?limit=100");
    rows($("plans-body"), page.items, (p) => h("tr", {},
      h("td", {}, p.name), h("td", {}, KIND_ZH[p.kind] || p.kind), h("td", {}, `${p.starts_on} 至 ${p.ends_on}`),
      h("td", {}, p.seed ?? "—"), h("td", {}, p.population ? `${p.population}家中抽取` : "—"),
      h("td", {}, `${p.items_done}/${p.items_total}`)));
  },
  async inspections() {
    const page = await api("/api/enforcement/inspections?limit=100");
    rows($("inspections-body"), page.items, (i) => h("tr", {},
      h("td", {}, i.inspected_on), h("td", {}, i.premises_name), h("td", {}, OUTCOME_ZH[i.outcome] || i.outcome),
      h("td", {}, i.items_checked), h("td", {}, i.items_failed),
      h("td", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); showDocuments({ inspection_id: i.inspection_id }); } }, "查看"))));
  },
  async documents(extra = {}) {
    const params = new URLSearchParams({ limit: "100", ...extra });
    if ($("doc-kind").value) params.set("kind", $("doc-kind").value);
    if ($("doc-overdue").checked) params.set("overdue", "true");
    const page = await api(`/api/enforcement/documents?${params}`);
    rows($("documents-body"), page.items, (d) => h("tr", { class: d.overdue ? "en-row-overdue" : null },
      h("td", {}, h("a", { href: `/enforcement/documents/${d.id}` }, d.number)),
      h("td", {}, d.title, d.lifted_on ? h("span", { class: "badge" }, "已解除") : null),
      h("td", {}, d.premises_name), h("td", {}, d.issued_on), h("td", {}, d.due_on),
      h("td", {}, d.served_on || (d.overdue ? "超期未送达" : "未送达")),
      h("td", {},
        h("a", { class: "btn", href: `/api/enforcement/documents/${d.id}/docx` }, "Word"), " ",
        h("a", { class: "btn", href: `/api/enforcement/documents/${d.id}/pdf` }, "PDF"), " ",
        can.canAct && !d.served_on ? h("button", { type: "button", class: "btn", onclick: (e) => withButton(e.currentTarget, () => serve(d)) }, "送达") : null,
        can.canAct && d.kind === "order" ? h("button", { type: "button", class: "btn", onclick: (e) => withButton(e.currentTarget, () => recheck(d)) }, "复查") : null)));
  },
  async seals() {
    const page = await api("/api/enforcement/seals?limit=100");
    rows($("seals-body"), page.items, (s) => h("tr", {},
      h("td", {}, s.premises_name), h("td", {}, s.scope), h("td", {}, `${s.starts_on} 至 ${s.ends_on}`),
      h("td", {}, s.status === "sealed" ? "查封中" : "已解除"),
      h("td", {}, s.lifted_on ? `${s.lifted_on}：${s.lift_reason}` : "—"),
      h("td", {},
        h("a", { class: "btn", href: `/enforcement/documents/${s.document_id}` }, "决定书"), " ",
        can.canAct && s.status === "sealed" ? h("button", { type: "button", class: "btn", onclick: (e) => withButton(e.currentTarget, () => lift(s)) }, "解除") : null)));
  },
  async cases() {
    const page = await api("/api/enforcement/cases?limit=100");
    rows($("cases-body"), page.items, (c) => h("tr", { class: c.past_limit ? "en-row-overdue" : null, style: { cursor: "pointer" }, onclick: () => showCase(c.id) },
      h("td", {}, c.id), h("td", {}, c.title), h("td", {}, c.premises_name), h("td", {}, CASE_ZH[c.status]),
      h("td", {}, c.filed_on), h("td", {}, c.limit_on), h("td", {}, c.fine_cny), h("td", {}, c.paid_cny)));
  },
  async evaluation() {
    const year = $("eval-year").value;
    const e = await api(`/api/enforcement/evaluation?year=${year}`);
    const render = (r) => h("tr", { class: r.documents_overdue + r.cases_past_limit ? "en-row-overdue" : null },
      h("td", {}, r.name), h("td", {}, r.documents), h("td", {}, r.documents_overdue), h("td", {}, r.cases), h("td", {}, r.cases_past_limit));
    rows($("eval-officers"), e.officers, render);
    rows($("eval-brigades"), e.brigades, render);
  },
  async templates() {
    const list = await api("/api/enforcement/templates");
    $("templates-body").replaceChildren(...list.map((t) => {
      const title = h("input", { value: t.title, maxlength: "60" });
      const body = h("textarea", {}, t.body);
      return h("div", { class: "en-template panel" },
        h("h3", {}, DOC_ZH[t.kind] || t.kind, t.edited ? h("span", { class: "badge" }, "已修改") : null),
        h("div", { class: "muted small" }, "可用占位符：", t.fields.map((f) => `{${f}}`).join(" ")),
        title, body,
        can.canEditTemplates ? h("button", { type: "button", class: "btn btn-primary", onclick: (e) => withButton(e.currentTarget, async () => {
          await api(`/api/enforcement/templates/${t.kind}`, { method: "PUT", body: { title: title.value, body: body.value } });
          toast("模板已保存，之后开具的文书使用新模板", "ok");
        }) }, "保存模板") : null);
    }));
  },
};

async function serve(d) {
  const day = prompt("送达日期（yyyy-mm-dd）", today());
  if (!day) return;
  await api(`/api/enforcement/documents/${d.id}/serve`, { method: "POST", body: { served_on: day } });
  toast(`${d.number} 已登记送达`, "ok");
  await loaders.documents();
}

async function recheck(d) {
  const passed = confirm(`${d.number}：复查时是否已改正？（确定=已改正，取消=未改正）`);
  const opinion = prompt("复查意见", passed ? "经复查，已按要求改正。" : "经复查，未按要求改正，依法处理。") ?? "";
  const doc = await api(`/api/enforcement/documents/${d.id}/recheck`, { method: "POST", body: { rechecked_on: today(), passed, opinion } });
  toast(`已开具复查意见书 ${doc.number}`, "ok");
  await loaders.documents();
}

async function lift(s) {
  const reason = prompt("解除理由", "火灾隐患已消除，经检查符合消防安全要求");
  if (!reason) return;
  const seal = await api(`/api/enforcement/seals/${s.id}/lift`, { method: "POST", body: { lifted_on: today(), reason } });
  toast("已解除临时查封并开具解除决定书", "ok");
  await loaders.seals();
  return seal;
}

async function showCase(id) {
  const c = await api(`/api/enforcement/cases/${id}`);
  const panel = $("case-detail");
  panel.hidden = false;
  const penalties = c.penalties.map((p) => p.kind === "fine" ? `罚款${p.amount_cny}元` : PENALTY_ZH[p.kind]).join("、") || "—";
  const moves = can.canAct ? c.next.map((to) => h("button", { type: "button", class: "btn btn-primary", onclick: (e) => withButton(e.currentTarget, () => move(c, to)) }, `转为：${CASE_ZH[to]}`)) : [];
  const pay = can.canAct && (c.status === "decided" || c.status === "executing") && c.paid_cny < c.fine_cny
    ? h("button", { type: "button", class: "btn", onclick: (e) => withButton(e.currentTarget, () => payment(c)) }, "登记缴款") : null;
  panel.replaceChildren(
    h("h3", {}, `案件 ${c.id}：${c.title}`),
    h("div", {}, `${c.premises_name} · ${CASE_ZH[c.status]} · 立案 ${c.filed_on} · 办案期限 ${c.limit_on}${c.past_limit ? "（已超期）" : ""}`),
    h("div", {}, `处罚：${penalties}；罚款 ${c.fine_cny} 元，已缴 ${c.paid_cny} 元`),
    h("ul", {}, c.documents.map((d) => h("li", {}, h("a", { href: `/enforcement/documents/${d.id}` }, `${d.title} ${d.number}`)))),
    h("div", { class: "en-form" }, moves, pay),
  );
}

async function move(c, to) {
  const body = { to, on: today() };
  if (to === "decided") {
    const amount = prompt("罚款金额（元，不罚款请留空）", "5000");
    body.penalties = [];
    if (amount) body.penalties.push({ kind: "fine", amount_cny: Number(amount) });
    if (confirm("是否同时责令停产停业（三停）？")) body.penalties.push({ kind: "stop_production" });
    if (!body.penalties.length) body.penalties.push({ kind: "warning" });
  }
  if (to === "closed" && c.status === "investigating") {
    body.reason = prompt("不予处罚/撤销案件的理由") || "";
  }
  await api(`/api/enforcement/cases/${c.id}/transition`, { method: "POST", body });
  toast(`案件已转为${CASE_ZH[to]}`, "ok");
  await Promise.all([loaders.cases(), showCase(c.id)]);
}

async function payment(c) {
  const amount = prompt("缴款金额（元）", String(c.fine_cny - c.paid_cny));
  if (!amount) return;
  await api(`/api/enforcement/cases/${c.id}/payments`, { method: "POST", body: { paid_on: today(), amount_cny: Number(amount) } });
  toast("缴款已登记", "ok");
  await Promise.all([loaders.cases(), showCase(c.id)]);
}

function showDocuments(filter) {
  open("documents", filter);
}

function open(tab, extra) {
  for (const section of document.querySelectorAll(".enforcement > section.panel")) section.hidden = section.id !== `tab-${tab}`;
  for (const b of document.querySelectorAll("#en-tabs button")) b.classList.toggle("active", b.dataset.tab === tab);
  history.replaceState(null, "", `#${tab}`);
  loaders[tab](extra).catch((e) => toast(e.message, "error", 6000));
}

mountHeader("监督执法");
for (const [value, zh] of Object.entries(DOC_ZH)) $("doc-kind").append(h("option", { value }, zh));
const year = Number(today().slice(0, 4));
for (const y of [year, year - 1, year - 2]) $("eval-year").append(h("option", { value: y }, `${y}年`));
$("eval-year").addEventListener("change", () => loaders.evaluation().catch((e) => toast(e.message, "error")));
$("doc-filter").addEventListener("submit", (e) => { e.preventDefault(); loaders.documents().catch((err) => toast(err.message, "error")); });
for (const b of document.querySelectorAll("#en-tabs button")) b.addEventListener("click", () => open(b.dataset.tab));
if (can.canAct && user?.organization_id) {
  const form = $("plan-form");
  form.hidden = false;
  form.starts_on.value = today();
  form.ends_on.value = `${today().slice(0, 4)}-12-31`;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    withButton(form.querySelector("button"), async () => {
      const plan = await api("/api/enforcement/plans", { method: "POST", body: {
        org_id: user.organization_id, name: form.name.value, kind: "random",
        starts_on: form.starts_on.value, ends_on: form.ends_on.value,
        sample_size: Number(form.sample_size.value), seed: form.seed.value ? Number(form.seed.value) : null,
      } });
      toast(`已从${plan.population}家单位中抽取${plan.items_total}家（随机种子 ${plan.seed}）`, "ok", 8000);
      await loaders.plans();
    });
  });
}
if (can.canAct && user?.organization_id) {
  const form = $("complaint-form");
  form.hidden = false;
  $("complaint-search").addEventListener("click", (e) => withButton(e.currentTarget, async () => {
    const q = form.q.value.trim();
    if (!q) return;
    const page = await api(`/api/premises?q=${encodeURIComponent(q)}&limit=20`);
    form.premises_id.replaceChildren(...(page.items.length
      ? page.items.map((p) => h("option", { value: p.id }, p.name))
      : [h("option", { value: "" }, "没有找到单位")]));
  }));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    withButton(form.querySelector("button[type=submit]"), async () => {
      const premisesId = Number(form.premises_id.value);
      if (!premisesId) throw new Error("请先搜索并选择被举报单位");
      const day = today();
      const plan = await api("/api/enforcement/plans", { method: "POST", body: {
        org_id: user.organization_id, name: `投诉举报核查 ${day}`, kind: "complaint",
        starts_on: day, ends_on: day, premises_ids: [premisesId], complaint: form.complaint.value,
      } });
      toast(`已建立投诉举报核查：${plan.name}`, "ok");
      await loaders.plans();
    });
  });
}
open((location.hash || "#plans").slice(1) in loaders ? location.hash.slice(1) || "plans" : "plans");
