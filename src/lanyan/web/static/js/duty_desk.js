// The detachment's desk of duty strength (issue 20): today's declared strength of every station,
// drills and their measured times, the month's training and assessments, 督察 findings and their
// rectification, the 四级安全网格 and the roster with its spreadsheet import.
import { api, config, h, mountHeader, toast, withButton } from "./common.js";
import { tabs } from "./records.js";

const $ = (id) => document.getElementById(id);
const DUTY = config.duty || {};
const CAN = DUTY.can || {};
const zh = (name, value) => (DUTY.choices?.[name] || []).find((c) => c.value === value)?.zh ?? value;
const secs = (s) => (s === null || s === undefined ? "—" : `${Math.floor(s / 60)}分${String(Math.round(s % 60)).padStart(2, "0")}秒`);
const local = (iso) => new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" });
const loaded = new Set();

function thisMonth() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" }).format(new Date()).slice(0, 7);
}

const rows = (table, list, row, empty = "没有记录") =>
  document.querySelector(`#${table} tbody`).replaceChildren(...(list.length ? list.map(row) : [h("tr", {}, h("td", { colspan: "9", class: "muted" }, empty))]));

async function strength() {
  const board = await api("/api/duty/board");
  $("strength-day").textContent = `${board.day}（${board.declare_by}前申报）`;
  rows("strength-table", board.stations.map((r) => r), (r) =>
    h("tr", { class: r.late ? "dt-late" : "" },
      h("td", {}, r.station_name),
      h("td", {}, r.declared ? `${r.on_time ? "按时" : "迟报"}${r.carried_over ? "（沿用昨日）" : ""}` : r.late ? "未申报（已过时间）" : "未申报"),
      h("td", {}, r.officer_name || "—"),
      h("td", { class: "num" }, String(r.people)),
      h("td", { class: "num" }, String(r.vehicles_in_service)),
      h("td", { class: "num" }, String(r.vehicles_out)),
      h("td", {}, r.short_vehicles.join("、") || "—"),
    ),
  );
}

async function drills() {
  const list = await api("/api/duty/drills");
  rows("drill-table", list, (d) =>
    h("tr", {},
      h("td", {}, d.number), h("td", {}, d.title || "—"), h("td", {}, local(d.received_at)),
      h("td", { class: "num" }, String(d.units)), h("td", { class: "num" }, secs(d.turnout_s)),
      h("td", { class: "num" }, secs(d.arrival_s)), h("td", {}, d.status),
    ),
  "尚无拉动演练");
  if (CAN.drill && !$("drill-station").options.length) {
    const page = await api("/api/forces/organizations?kind=station&limit=500");
    $("drill-station").replaceChildren(...page.items.map((o) => h("option", { value: String(o.id), dataset: { lon: o.lon, lat: o.lat } }, o.name)));
  }
}

async function startDrill(event) {
  event.preventDefault();
  const option = $("drill-station").selectedOptions[0];
  if (!option) return;
  await withButton(event.submitter, async () => {
    const units = await api(`/api/forces/units?station_id=${option.value}&limit=100`);
    const unitIds = units.items.filter((u) => u.status === "available").map((u) => u.id);
    const drill = await api("/api/duty/drills", {
      method: "POST",
      body: { title: $("drill-title").value.trim(), lon: Number(option.dataset.lon) + 0.004, lat: Number(option.dataset.lat) + 0.003, unit_ids: unitIds },
    });
    toast(`已发起拉动演练 ${drill.number}，出动${drill.units}车`, "ok");
    await drills();
  });
}

async function training() {
  const month = $("training-month").value || thisMonth();
  const [plans, sessions, assessments] = await Promise.all([
    api(`/api/duty/plans?month=${month}`),
    api(`/api/duty/sessions?month=${month}&limit=200`),
    api(`/api/duty/assessments?month=${month}`),
  ]);
  rows("plan-table", plans, (p) => h("tr", {}, h("td", {}, p.org_name), h("td", {}, zh("subject", p.subject)), h("td", {}, p.title), h("td", { class: "num" }, String(p.sessions_planned)), h("td", { class: "num" }, String(p.sessions_held))));
  rows("session-table", sessions.items, (s) => h("tr", {}, h("td", {}, s.held_on), h("td", {}, s.org_name), h("td", {}, zh("subject", s.subject)), h("td", {}, s.title), h("td", { class: "num" }, String(s.hours)), h("td", { class: "num" }, String(s.attendees))));
  rows("assessment-table", assessments, (a) =>
    h("tr", {},
      h("td", {}, a.held_on), h("td", {}, `${a.item}（${zh("subject", a.subject)}）`), h("td", {}, a.org_name),
      h("td", { class: "num" }, String(a.assessed)), h("td", { class: "num" }, a.pass_pct === null ? "—" : `${a.pass_pct}%`),
      h("td", {}, a.status === "published" ? "已公示" : "录入中"),
      h("td", {}, CAN.assess && a.status === "draft" && a.assessed
        ? h("button", { type: "button", class: "btn btn-small", onclick: (e) => withButton(e.currentTarget, async () => { await api(`/api/duty/assessments/${a.id}/publish`, { method: "POST" }); toast("已公示", "ok"); await training(); }) }, "公示")
        : ""),
    ),
  );
}

function findingButtons(f) {
  const move = (state, note) => async (e) =>
    withButton(e.currentTarget, async () => {
      await api(`/api/duty/findings/${f.id}/state`, { method: "POST", body: { state, note } });
      await supervision();
    });
  const out = [];
  if (CAN.rectify && f.state === "open") {
    out.push(h("button", { type: "button", class: "btn btn-small", onclick: (e) => { const note = prompt("整改情况"); if (note) move("rectifying", note)(e); } }, "报整改"));
  }
  if (CAN.supervise && f.state === "rectifying") {
    out.push(h("button", { type: "button", class: "btn btn-small", onclick: move("closed", null) }, "销号"));
    out.push(h("button", { type: "button", class: "btn btn-small btn-warn", onclick: move("open", null) }, "退回"));
  }
  return out;
}

async function supervision() {
  const page = await api("/api/duty/supervisions?limit=100");
  const list = page.items.flatMap((s) => s.findings.map((f) => ({ s, f })));
  rows("finding-table", list, ({ s, f }) =>
    h("tr", {},
      h("td", {}, s.inspected_on), h("td", {}, s.org_name), h("td", {}, `${s.inspector}${s.online ? "（线上）" : ""}`),
      h("td", {}, zh("order", f.order)), h("td", {}, f.description), h("td", {}, f.deadline || "—"),
      h("td", {}, zh("finding_state", f.state)), h("td", {}, f.rectification || "—"), h("td", {}, findingButtons(f)),
    ),
  "尚无督察记录");
}

function treeNode(node) {
  return h("li", {},
    h("b", {}, `${zh("grid_level", node.level)}：${node.name}`), ` 责任人 ${node.responsible}${node.phone ? `（${node.phone}）` : ""}`,
    node.duties ? h("div", { class: "muted" }, node.duties) : "",
    node.children.length ? h("ul", { class: "dt-tree" }, node.children.map(treeNode)) : "",
  );
}

async function grid() {
  const roots = await api("/api/duty/grid");
  $("grid-tree").replaceChildren(roots.length ? h("ul", { class: "dt-tree" }, roots.map(treeNode)) : h("p", { class: "muted" }, "尚未建立四级安全网格"));
}

async function roster(event) {
  event?.preventDefault();
  const q = $("roster-q").value.trim();
  const page = await api(`/api/duty/people?limit=200${q ? `&q=${encodeURIComponent(q)}` : ""}`);
  const today = new Date().toISOString().slice(0, 10);
  rows("roster-table", page.items, (p) =>
    h("tr", {},
      h("td", {}, p.external_id), h("td", {}, p.name), h("td", {}, zh("post", p.post)), h("td", {}, zh("employment", p.employment)),
      h("td", {}, p.qualifications.map((q) => `${q.name}${q.expires_on ? `（至${q.expires_on}${q.expires_on < today ? "，已过期" : ""}）` : ""}`).join("；") || "—"),
      h("td", {}, p.active ? "是" : "否"),
    ),
  );
}

async function importRoster() {
  const file = $("roster-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  const response = await fetch("/api/duty/people/import", { method: "POST", body: form, credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  $("roster-file").value = "";
  if (!response.ok) {
    toast(data.detail || `导入失败（HTTP ${response.status}）`, "error", 12000);
    return;
  }
  toast(`导入完成：新增${data.created}人，更新${data.updated}人`, "ok");
  await roster();
}

const LOADERS = { strength, drills, training, supervision, grid, roster };

async function main() {
  mountHeader("执勤实力与练兵");
  $("training-month").value = thisMonth();
  $("training-month").addEventListener("change", () => training().catch((e) => toast(e.message, "error")));
  $("roster-filter").addEventListener("submit", (e) => roster(e).catch((err) => toast(err.message, "error")));
  $("roster-import-label").hidden = !CAN.roster;
  $("roster-file").addEventListener("change", importRoster);
  $("drill-form").hidden = !CAN.drill;
  $("drill-form").addEventListener("submit", startDrill);
  tabs($("tabs"), (name) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    LOADERS[name]().catch((e) => toast(e.message, "error", 6000));
  })("strength");
}

main().catch((error) => toast(error.message || String(error), "error", 8000));
