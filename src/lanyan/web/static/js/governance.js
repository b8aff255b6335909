// 网格与巡查 (desk): the four-level grid and its workers, the patrol plan and task generation, the
// premises register. Every function here had an API only (issue 17); the API checks everything.
import { api, config, h, loadChoices, mountHeader, toast, withButton } from "./common.js";
import { confirmDelete, openForm, organizations, pagedTable, query, report, rowButton, tabs } from "./records.js";

const $ = (id) => document.getElementById(id);
const CFG = config.records || {};
const P = "/api/prevention";
let choices = null;
let gridNames = {};
const zh = (name, value) => (value ? choices?.[name]?.byValue[value]?.zh ?? value : "—");

function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function addDays(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// --- grids ------------------------------------------------------------------------------------

async function allGrids() {
  const page = await api(`${P}/grids?limit=1000`);
  gridNames = Object.fromEntries(page.items.map((g) => [g.id, g.name]));
  return page.items.map((g) => ({ value: g.id, zh: `${g.name}（${zh("grid_level", g.level)}）` }));
}

async function gridForm(existing) {
  const [grids, orgs] = await Promise.all([allGrids(), organizations()]);
  const fields = existing
    ? [{ name: "name", label: "名称", required: true }, { name: "polygon", label: "边界（GeoJSON 面）", type: "json" }]
    : [
        { name: "external_id", label: "编码", required: true, placeholder: "如 grid:shangqu:01" },
        { name: "name", label: "名称", required: true },
        { name: "level", label: "级别", type: "select", options: choices.grid_level.list, required: true },
        { name: "parent_id", label: "上级网格", type: "select", options: grids, numeric: true },
        { name: "org_id", label: "责任单位", type: "select", options: orgs, numeric: true, required: true },
        { name: "polygon", label: "边界（GeoJSON 面，可选）", type: "json" },
      ];
  openForm($("grid-form"), {
    title: existing ? `修改网格：${existing.name}` : "新增网格",
    fields, values: existing || {}, editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`${P}/grids/${existing.id}`, { method: "PATCH", body });
      else await api(`${P}/grids`, { method: "POST", body });
      toast("网格已保存", "ok");
      await grids.load();
    },
  });
}

const grids = pagedTable({
  tbody: $("grid-table").querySelector("tbody"), prev: $("grid-prev"), next: $("grid-next"), info: $("grid-page"),
  fetchPage: async (limit, offset) => {
    if (!Object.keys(gridNames).length) await allGrids();
    return api(`${P}/grids?${query({ limit, offset, q: $("grid-q").value.trim(), level: $("grid-level").value })}`);
  },
  row: (g) => h("tr", { dataset: { gridId: g.id } },
    h("td", { class: "small" }, g.external_id), h("td", {}, g.name), h("td", {}, zh("grid_level", g.level)),
    h("td", {}, g.parent_id ? gridNames[g.parent_id] ?? `#${g.parent_id}` : "—"),
    h("td", {}, orgName(g.org_id)), h("td", {}, g.polygon ? "已绘制" : "—"),
    h("td", { class: "actions" },
      rowButton("网格员", () => showMembers(g)),
      CFG.canGrid ? rowButton("修改", () => gridForm(g)) : null)),
  empty: "辖区内还没有网格",
});

let orgNames = {};
const orgName = (id) => orgNames[id] ?? `#${id}`;

async function showMembers(grid) {
  $("member-panel").hidden = false;
  $("member-title").textContent = `${grid.name} · 网格员`;
  const members = await api(`${P}/grids/${grid.id}/members`);
  $("member-table").querySelector("tbody").replaceChildren(
    ...(members.length ? members.map((m) => h("tr", {},
      h("td", {}, m.display_name), h("td", {}, m.username),
      h("td", { class: "actions" }, CFG.canGrid ? rowButton("移出", async () => {
        await api(`${P}/grids/${grid.id}/members/${m.user_id}`, { method: "DELETE" });
        toast(`${m.display_name}已移出`, "ok");
        await showMembers(grid);
      }) : null))) : [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "还没有网格员"))]),
  );
  if (!CFG.canGrid) {
    $("member-form").hidden = true;
    return;
  }
  // administrators pick from the accounts; others type the grid worker's user number
  let workers = null;
  try {
    const page = await api("/api/users?limit=1000");
    workers = page.items.filter((u) => u.role === "grid").map((u) => ({ value: u.id, zh: `${u.display_name}（${u.username}）` }));
  } catch {
    workers = null;
  }
  openForm($("member-form"), {
    title: "指派网格员",
    fields: [workers ? { name: "user_id", label: "网格员", type: "select", options: workers, numeric: true, required: true }
      : { name: "user_id", label: "网格员用户编号", type: "number", min: 1, step: 1, required: true }],
    onSubmit: async (body) => {
      await api(`${P}/grids/${grid.id}/members`, { method: "POST", body });
      toast("已指派", "ok");
      await showMembers(grid);
    },
  });
}

// --- patrols ----------------------------------------------------------------------------------

function renderPlan() {
  const plan = CFG.patrolPlan || [];
  $("plan-table").querySelector("tbody").replaceChildren(
    ...plan.map((p) => h("tr", {}, h("td", {}, p.zh), h("td", { class: "num" }, p.days), h("td", { class: "small muted" }, p.source))),
  );
}

const tasks = pagedTable({
  tbody: $("task-table").querySelector("tbody"), prev: $("task-prev"), next: $("task-next"), info: $("task-page"),
  fetchPage: (limit, offset) => api(`${P}/patrol-tasks?${query({
    limit, offset, status: $("task-status").value, due_from: $("task-from").value, due_to: $("task-to").value,
  })}`),
  row: (t) => h("tr", { class: t.status === "missed" ? "overdue" : null },
    h("td", {}, t.due_on), h("td", {}, t.premises_name), h("td", {}, t.address || "—"),
    h("td", {}, { pending: "待巡查", done: "已巡查", missed: "逾期未巡" }[t.status] ?? t.status)),
  empty: "没有巡查任务",
});

async function generate(event) {
  event.preventDefault();
  await withButton($("generate-btn"), async () => {
    const result = await api(`${P}/patrol-tasks/generate`, { method: "POST", body: { until: $("generate-until").value } });
    $("generate-result").textContent = `新生成 ${result.created} 个任务，标记漏巡 ${result.missed} 个。`;
    toast(`新生成 ${result.created} 个巡查任务`, "ok");
    await tasks.load(true);
  });
}

// --- premises ---------------------------------------------------------------------------------

async function premisesForm(existing) {
  const orgs = await organizations();
  const fields = [
    ...(existing ? [] : [{ name: "external_id", label: "编码", required: true }]),
    { name: "name", label: "名称", required: true, wide: true },
    { name: "category", label: "类别", type: "select", options: choices.premises_category.list, required: !existing },
    { name: "venue_type", label: "场所类型", type: "select", options: choices.venue_type.list, required: !existing },
    { name: "control_level", label: "三级管控", type: "select", options: choices.control_level.list },
    { name: "org_id", label: "监管单位", type: "select", options: orgs, numeric: true, required: !existing },
    { name: "address", label: "地址" },
    { name: "lon", label: "经度", type: "number", min: -180, max: 180, required: !existing },
    { name: "lat", label: "纬度", type: "number", min: -90, max: 90, required: !existing },
    { name: "patrol_interval_days", label: "巡查周期（天，空=按等级）", type: "number", min: 1, max: 3660, step: 1 },
    { name: "floors_above", label: "地上层数", type: "number", min: 0, max: 200, step: 1 },
    { name: "occupants", label: "人数", type: "number", min: 0, step: 1 },
    { name: "responsible_person", label: "消防安全责任人" },
    { name: "responsible_phone", label: "责任人电话" },
  ];
  openForm($("premises-form"), {
    title: existing ? `修改单位：${existing.name}` : "新增单位",
    fields, values: existing || {}, editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`/api/premises/${existing.id}`, { method: "PATCH", body });
      else await api("/api/premises", { method: "POST", body });
      toast("单位已保存", "ok");
      await premises.load();
    },
  });
}

const premises = pagedTable({
  tbody: $("premises-table").querySelector("tbody"), prev: $("premises-prev"), next: $("premises-next"), info: $("premises-page"),
  fetchPage: (limit, offset) => api(`/api/premises?${query({ limit, offset, q: $("premises-q").value.trim() })}`),
  row: (p) => h("tr", {},
    h("td", { class: "small" }, p.external_id), h("td", {}, p.name), h("td", {}, zh("premises_category", p.category)),
    h("td", {}, zh("venue_type", p.venue_type)), h("td", {}, zh("control_level", p.control_level)),
    h("td", {}, p.address || "—"), h("td", { class: "num" }, p.patrol_interval_days ?? "按等级"),
    h("td", { class: "actions" }, CFG.canPremises ? [
      rowButton("修改", () => premisesForm(p)),
      rowButton("删除", async () => { if (await confirmDelete(`/api/premises/${p.id}`, `单位“${p.name}”`)) await premises.load(); }, { danger: true }),
    ] : null)),
  empty: "没有符合条件的单位",
});

// --- start ------------------------------------------------------------------------------------

async function start() {
  mountHeader("网格与巡查");
  choices = await loadChoices();
  orgNames = Object.fromEntries((await organizations()).map((o) => [o.value, o.zh]));
  $("grid-level").append(...choices.grid_level.list.map((c) => h("option", { value: c.value }, c.zh)));
  $("grid-new").hidden = !CFG.canGrid;
  $("grid-assign").hidden = !CFG.canGrid;
  $("premises-new").hidden = !CFG.canPremises;
  $("grid-new").addEventListener("click", () => gridForm(null).catch(report));
  $("premises-new").addEventListener("click", () => premisesForm(null).catch(report));
  $("grid-assign").addEventListener("click", (e) => withButton(e.currentTarget, async () => {
    const r = await api(`${P}/grid-assignment`, { method: "POST", body: {} });
    toast(`已划分 ${r.assigned} 家单位（变动 ${r.changed} 家，不在任何网格 ${r.outside} 家）`, "ok", 8000);
  }));
  $("grid-filter").addEventListener("submit", (e) => { e.preventDefault(); grids.load(true).catch(report); });
  $("task-filter").addEventListener("submit", (e) => { e.preventDefault(); tasks.load(true).catch(report); });
  $("premises-filter").addEventListener("submit", (e) => { e.preventDefault(); premises.load(true).catch(report); });
  $("generate-until").value = addDays(today(), 7);
  $("generate-until").min = today();
  $("generate-form").addEventListener("submit", generate);
  renderPlan();
  const loaded = new Set();
  tabs($("tabs"), (name) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    ({ grids, patrols: tasks, premises })[name].load(true).catch(report);
  })("grids");
  document.body.dataset.ready = "1";
}

start().catch(report);
