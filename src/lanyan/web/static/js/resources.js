// 力量与预案 (desk): organizations, units, water sources and the graded-dispatch rules
// (等级调派方案). Every function here had an API only (issue 17); the API checks everything.
import { api, config, h, loadChoices, mountHeader, toast } from "./common.js";
import { confirmDelete, openForm, organizations, pagedTable, query, report, rowButton, tabs } from "./records.js";

const $ = (id) => document.getElementById(id);
const CFG = config.records || {};
const F = "/api/forces";
let choices = null;
let orgNames = {};
const zh = (name, value) => (value ? choices?.[name]?.byValue[value]?.zh ?? value : "—");
const orgName = (id) => (id ? orgNames[id] ?? `#${id}` : "—");

function saved(what, reload) {
  return async () => {
    toast(`${what}已保存`, "ok");
    await reload();
  };
}

// --- organizations ----------------------------------------------------------------------------

async function orgForm(existing) {
  const orgs = await organizations();
  openForm($("org-form"), {
    title: existing ? `修改：${existing.name}` : "新增组织机构",
    fields: [
      ...(existing ? [] : [{ name: "external_id", label: "编码", required: true }]),
      { name: "name", label: "名称", required: true },
      { name: "kind", label: "类型", type: "select", options: choices.org_kind.list, required: !existing },
      { name: "parent_id", label: "上级", type: "select", options: orgs, numeric: true, required: !existing },
      { name: "address", label: "地址" },
      { name: "phone", label: "电话" },
      { name: "contact_person", label: "联系人" },
      { name: "lon", label: "经度", type: "number", min: -180, max: 180 },
      { name: "lat", label: "纬度", type: "number", min: -90, max: 90 },
    ],
    values: existing || {}, editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`${F}/organizations/${existing.id}`, { method: "PATCH", body });
      else await api(`${F}/organizations`, { method: "POST", body });
      await saved("组织机构", () => orgsTable.load())();
    },
  });
}

const orgsTable = pagedTable({
  tbody: $("org-table").querySelector("tbody"), prev: $("org-prev"), next: $("org-next"), info: $("org-page"),
  fetchPage: (limit, offset) => api(`${F}/organizations?${query({ limit, offset, q: $("org-q").value.trim() })}`),
  row: (o) => h("tr", {},
    h("td", { class: "small" }, o.external_id), h("td", {}, o.name), h("td", {}, zh("org_kind", o.kind)),
    h("td", {}, orgName(o.parent_id)), h("td", {}, o.address || "—"), h("td", {}, o.phone || "—"),
    h("td", { class: "actions" }, CFG.canOrg ? [
      rowButton("修改", () => orgForm(o)),
      rowButton("删除", async () => { if (await confirmDelete(`${F}/organizations/${o.id}`, `“${o.name}”`)) await orgsTable.load(); }, { danger: true }),
    ] : null)),
});

// --- units ------------------------------------------------------------------------------------

async function unitForm(existing) {
  const stations = await organizations();
  openForm($("unit-form"), {
    title: existing ? `修改：${existing.call_sign}` : "新增执勤车辆",
    fields: [
      ...(existing ? [] : [{ name: "external_id", label: "编码", required: true }]),
      { name: "call_sign", label: "呼号", required: true },
      { name: "type", label: "类型", type: "select", options: choices.unit_type.list, required: !existing },
      { name: "station_id", label: "所属站", type: "select", options: stations, numeric: true, required: !existing },
      { name: "plate_number", label: "车牌" },
      { name: "water_l", label: "载水(L)", type: "number", min: 0, step: 1 },
      { name: "foam_l", label: "泡沫(L)", type: "number", min: 0, step: 1 },
      { name: "ladder_height_m", label: "登高(m)", type: "number", min: 0, max: 150 },
      { name: "pump_flow_lps", label: "泵流量(L/s)", type: "number", min: 0 },
      { name: "crew_on_duty", label: "执勤人数", type: "number", min: 0, max: 60, step: 1 },
    ],
    values: existing || {}, editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`${F}/units/${existing.id}`, { method: "PATCH", body });
      else await api(`${F}/units`, { method: "POST", body });
      await saved("车辆", () => unitsTable.load())();
    },
  });
}

const unitsTable = pagedTable({
  tbody: $("unit-table").querySelector("tbody"), prev: $("unit-prev"), next: $("unit-next"), info: $("unit-page"),
  fetchPage: (limit, offset) => api(`${F}/units?${query({ limit, offset, type: $("unit-type").value })}`),
  row: (u) => h("tr", {},
    h("td", { class: "small" }, u.external_id), h("td", {}, u.call_sign), h("td", {}, zh("unit_type", u.type)),
    h("td", {}, orgName(u.station_id)), h("td", {}, zh("unit_status", u.status)),
    h("td", { class: "num" }, u.water_l ?? "—"), h("td", { class: "num" }, u.foam_l ?? "—"),
    h("td", { class: "num" }, u.ladder_height_m ?? "—"), h("td", { class: "num" }, u.crew_on_duty ?? "—"),
    h("td", { class: "actions" }, CFG.canUnit ? [
      rowButton("修改", () => unitForm(u)),
      rowButton("删除", async () => { if (await confirmDelete(`${F}/units/${u.id}`, `车辆“${u.call_sign}”`)) await unitsTable.load(); }, { danger: true }),
    ] : null)),
});

// --- water sources ----------------------------------------------------------------------------

async function waterForm(existing) {
  const orgs = await organizations();
  openForm($("water-form"), {
    title: existing ? `修改：${existing.name}` : "新增消防水源",
    fields: [
      ...(existing ? [] : [{ name: "external_id", label: "编码", required: true }]),
      { name: "name", label: "名称", required: true },
      { name: "kind", label: "类型", type: "select", options: choices.water_source_kind.list, required: !existing },
      { name: "state", label: "状态", type: "select", options: choices.water_source_state.list },
      { name: "org_id", label: "维护单位", type: "select", options: orgs, numeric: true, required: !existing },
      { name: "lon", label: "经度", type: "number", min: -180, max: 180, required: !existing },
      { name: "lat", label: "纬度", type: "number", min: -90, max: 90, required: !existing },
      { name: "address", label: "地址" },
      { name: "flow_lps", label: "流量(L/s)", type: "number", min: 0 },
      { name: "pressure_mpa", label: "压力(MPa)", type: "number", min: 0, max: 10 },
      { name: "capacity_m3", label: "容量(m³)", type: "number", min: 0 },
    ],
    values: existing || {}, editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`${F}/water-sources/${existing.id}`, { method: "PATCH", body });
      else await api(`${F}/water-sources`, { method: "POST", body });
      await saved("水源", () => waterTable.load())();
    },
  });
}

const waterTable = pagedTable({
  tbody: $("water-table").querySelector("tbody"), prev: $("water-prev"), next: $("water-next"), info: $("water-page"),
  fetchPage: (limit, offset) => api(`${F}/water-sources?${query({ limit, offset, kind: $("water-kind").value, state: $("water-state").value })}`),
  row: (w) => h("tr", {},
    h("td", { class: "small" }, w.external_id), h("td", {}, w.name), h("td", {}, zh("water_source_kind", w.kind)),
    h("td", {}, zh("water_source_state", w.state)), h("td", {}, orgName(w.org_id)), h("td", {}, w.address || "—"),
    h("td", { class: "num" }, w.flow_lps ?? "—"),
    h("td", { class: "actions" }, CFG.canWater ? [
      rowButton("修改", () => waterForm(w)),
      rowButton("删除", async () => { if (await confirmDelete(`${F}/water-sources/${w.id}`, `水源“${w.name}”`)) await waterTable.load(); }, { danger: true }),
    ] : null)),
});

// --- graded-dispatch rules --------------------------------------------------------------------

function requirementsText(list) {
  return list.map((r) => `${r.label}×${r.count}${r.unit_types?.length ? `（${r.unit_types.map((t) => zh("unit_type", t)).join("/")}）` : ""}`).join("；");
}

function planForm(existing) {
  openForm($("plan-form"), {
    title: existing ? `修改规则：${existing.name}` : "新增等级调派规则",
    fields: [
      { name: "name", label: "名称", required: !existing },
      { name: "incident_type", label: "警情类型", type: "select", options: choices.incident_type.list, required: !existing },
      { name: "subtype", label: "细类", type: "select", options: choices.incident_subtype.list },
      { name: "venue_type", label: "场所类型", type: "select", options: choices.venue_type.list },
      { name: "level", label: "等级(1-5)", type: "number", min: 1, max: 5, step: 1, required: !existing },
      { name: "requirements", label: "调派力量（JSON：[{label, unit_types, count, …}]）", type: "json", required: !existing },
      { name: "source", label: "依据", type: "textarea", required: !existing },
      ...(existing ? [{ name: "is_active", label: "启用", type: "checkbox" }] : []),
    ],
    values: existing || { requirements: [{ label: "水罐消防车", unit_types: ["water_tender"], count: 2 }] },
    editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`/api/dispatch/plans/${existing.id}`, { method: "PATCH", body });
      else await api("/api/dispatch/plans", { method: "POST", body });
      await saved("调派规则", loadPlans)();
    },
  });
}

async function loadPlans() {
  const rules = await api("/api/dispatch/plans");
  $("plan-table").querySelector("tbody").replaceChildren(
    ...rules.map((r) => h("tr", { class: r.is_active ? null : "inactive" },
      h("td", {}, r.name), h("td", {}, zh("incident_type", r.incident_type)), h("td", {}, zh("incident_subtype", r.subtype)),
      h("td", {}, zh("venue_type", r.venue_type)), h("td", { class: "num" }, r.level),
      h("td", { class: "small" }, requirementsText(r.requirements)), h("td", { class: "small muted" }, r.source || "—"),
      h("td", {}, r.is_active ? "启用" : "停用"),
      h("td", { class: "actions" }, CFG.canPlan ? rowButton("修改", () => planForm(r)) : null))),
  );
  return { items: rules, total: rules.length };
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  mountHeader("力量与预案");
  choices = await loadChoices();
  orgNames = Object.fromEntries((await organizations()).map((o) => [o.value, o.zh]));
  $("unit-type").append(...choices.unit_type.list.map((c) => h("option", { value: c.value }, c.zh)));
  $("water-kind").append(...choices.water_source_kind.list.map((c) => h("option", { value: c.value }, c.zh)));
  $("water-state").append(...choices.water_source_state.list.map((c) => h("option", { value: c.value }, c.zh)));
  for (const [id, can, open] of [["org-new", CFG.canOrg, orgForm], ["unit-new", CFG.canUnit, unitForm], ["water-new", CFG.canWater, waterForm], ["plan-new", CFG.canPlan, planForm]]) {
    $(id).hidden = !can;
    $(id).addEventListener("click", () => Promise.resolve(open(null)).catch(report));
  }
  for (const [form, table] of [["org-filter", orgsTable], ["unit-filter", unitsTable], ["water-filter", waterTable]]) {
    $(form).addEventListener("submit", (e) => { e.preventDefault(); table.load(true).catch(report); });
  }
  const loaded = new Set();
  tabs($("tabs"), (name) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    const work = { orgs: () => orgsTable.load(true), units: () => unitsTable.load(true), water: () => waterTable.load(true), plans: loadPlans }[name];
    work().catch(report);
  })("orgs");
  document.body.dataset.ready = "1";
}

start().catch(report);
