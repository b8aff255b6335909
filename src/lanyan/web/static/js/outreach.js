// The public-education desk (宣传教育): the year's figures, activities (filter, record, correct,
// remove), education bases with their visits, volunteer teams and volunteers (leave, rejoin).
import { api, config, h, mountHeader, toast } from "./common.js";
import { openForm, organizations, pagedTable, query, report, rowButton, confirmDelete, tabs } from "./records.js";

const $ = (id) => document.getElementById(id);
const CFG = config.outreach || {};
const CHOICES = CFG.choices || {};
const API = "/api/outreach";

function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

// --- figures ----------------------------------------------------------------------------------

const SHOWN = [
  "outreach.activities", "outreach.audience", "outreach.trainings", "outreach.materials",
  "outreach.articles", "outreach.live_streams", "outreach.views", "outreach.base_visits",
  "outreach.base_visitors", "outreach.volunteers", "outreach.volunteer_teams",
];

async function loadFigures() {
  const data = await api(`${API}/figures?year=${$("figures-year").value}`);
  const byKey = Object.fromEntries(data.figures.map((f) => [f.key, f]));
  $("figures").replaceChildren(
    ...SHOWN.filter((k) => byKey[k]).map((k) =>
      h("div", { class: "rec-kpi", dataset: { key: k } }, h("b", {}, Number(byKey[k].value ?? 0).toLocaleString("zh-CN")), byKey[k].label)),
  );
  document.body.dataset.figuresReady = String(Date.now());
}

// --- activities -------------------------------------------------------------------------------

function activityFields(bases, orgs) {
  return [
    { name: "kind", label: "类型", type: "select", options: CHOICES.activity_kind, required: true },
    { name: "target", label: "七进对象", type: "select", options: CHOICES.outreach_target },
    { name: "base_id", label: "科普教育基地", type: "select", options: bases, numeric: true },
    { name: "title", label: "活动名称", required: true, wide: true },
    { name: "held_on", label: "日期", type: "date", required: true, max: today() },
    { name: "org_id", label: "单位", type: "select", options: orgs, numeric: true },
    { name: "place", label: "地点" },
    { name: "audience", label: "受众人数", type: "number", min: 0, step: 1 },
    { name: "views", label: "浏览/观看量", type: "number", min: 0, step: 1 },
    { name: "materials", label: "发放资料（份）", type: "number", min: 0, step: 1 },
    { name: "note", label: "备注", type: "textarea" },
  ];
}

async function baseOptions() {
  const page = await api(`${API}/bases?limit=500`);
  return page.items.map((b) => ({ value: b.id, zh: b.name }));
}

async function activityForm(existing) {
  const [bases, orgs] = await Promise.all([baseOptions(), organizations()]);
  const fields = activityFields(bases, orgs).filter((f) => !(existing && f.name === "org_id"));
  openForm($("activity-form"), {
    title: existing ? `修改：${existing.title}` : "登记活动",
    fields,
    values: existing || { kind: "lecture", held_on: today() },
    editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`${API}/activities/${existing.id}`, { method: "PATCH", body });
      else await api(`${API}/activities`, { method: "POST", body });
      toast(existing ? "已修改" : "已登记", "ok");
      await Promise.all([activities.load(!existing), loadFigures()]);
    },
  });
}

const activities = pagedTable({
  tbody: $("activity-table").querySelector("tbody"),
  prev: $("activity-prev"),
  next: $("activity-next"),
  info: $("activity-page"),
  fetchPage: (limit, offset) => api(`${API}/activities?${query({
    limit, offset, q: $("activity-q").value.trim(), kind: $("activity-kind").value,
    held_from: $("activity-from").value, held_to: $("activity-to").value,
  })}`),
  row: (a) => h("tr", { dataset: { activityId: a.id } },
    h("td", {}, a.held_on),
    h("td", {}, a.title, a.place ? h("div", { class: "small muted" }, a.place) : null),
    h("td", {}, a.kind_zh),
    h("td", {}, a.target_zh || a.base_name || "—"),
    h("td", {}, a.org_name),
    h("td", { class: "num" }, a.audience),
    h("td", { class: "num" }, a.views),
    h("td", { class: "num" }, a.materials),
    h("td", {}, a.photo_ids.map((id, i) => h("a", { href: `/api/uploads/${id}`, target: "_blank", rel: "noopener" }, `照片${i + 1} `))),
    h("td", { class: "small" }, `${a.recorded_by_name || "—"}${a.recorded_via === "phone" ? "（手机）" : ""}`),
    h("td", { class: "actions" }, CFG.canManage ? [
      rowButton("修改", () => activityForm(a)),
      rowButton("删除", async () => { if (await confirmDelete(`${API}/activities/${a.id}`, `活动“${a.title}”`)) await Promise.all([activities.load(), loadFigures()]); }, { danger: true }),
    ] : null),
  ),
  empty: "没有符合条件的活动",
});

// --- bases ------------------------------------------------------------------------------------

async function baseForm(existing) {
  const orgs = await organizations();
  const fields = [
    { name: "name", label: "名称", required: true, wide: true },
    { name: "level", label: "级别", type: "select", options: CHOICES.base_level, required: true },
    ...(existing ? [] : [{ name: "org_id", label: "单位", type: "select", options: orgs, numeric: true, required: true }]),
    { name: "address", label: "地址" },
    { name: "lon", label: "经度", type: "number", min: -180, max: 180 },
    { name: "lat", label: "纬度", type: "number", min: -90, max: 90 },
    { name: "opened_on", label: "开放日期", type: "date", max: today() },
    { name: "note", label: "说明", type: "textarea" },
  ];
  openForm($("base-form"), {
    title: existing ? `修改：${existing.name}` : "新增科普教育基地",
    fields, values: existing || {}, editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`${API}/bases/${existing.id}`, { method: "PATCH", body });
      else await api(`${API}/bases`, { method: "POST", body });
      toast("已保存", "ok");
      await bases.load();
    },
  });
}

const bases = pagedTable({
  tbody: $("base-table").querySelector("tbody"),
  fetchPage: (limit, offset) => api(`${API}/bases?limit=${limit}&offset=${offset}`),
  pageSize: 200,
  row: (b) => h("tr", {},
    h("td", {}, b.name), h("td", {}, b.level_zh), h("td", {}, b.org_name), h("td", {}, b.address || "—"),
    h("td", {}, b.opened_on || "—"), h("td", { class: "num" }, b.visits), h("td", { class: "num" }, b.visitors),
    h("td", { class: "actions" }, CFG.canManage ? rowButton("修改", () => baseForm(b)) : null)),
  empty: "辖区内暂无科普教育基地",
});

// --- volunteers -------------------------------------------------------------------------------

async function teamForm(existing) {
  const orgs = await organizations();
  openForm($("team-form"), {
    title: existing ? `修改：${existing.name}` : "新增志愿者队伍",
    fields: [
      { name: "name", label: "队伍名称", required: true },
      ...(existing ? [] : [{ name: "org_id", label: "单位", type: "select", options: orgs, numeric: true, required: true }]),
      { name: "leader", label: "负责人" },
      { name: "phone", label: "电话" },
      { name: "founded_on", label: "成立日期", type: "date", max: today() },
    ],
    values: existing || {}, editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`${API}/teams/${existing.id}`, { method: "PATCH", body });
      else await api(`${API}/teams`, { method: "POST", body });
      toast("已保存", "ok");
      await teams.load();
    },
  });
}

const teams = pagedTable({
  tbody: $("team-table").querySelector("tbody"),
  pageSize: 200,
  fetchPage: (limit, offset) => api(`${API}/teams?limit=${limit}&offset=${offset}`),
  row: (t) => h("tr", {},
    h("td", {}, t.name), h("td", {}, t.org_name), h("td", {}, t.leader || "—"), h("td", {}, t.phone || "—"),
    h("td", { class: "num" }, t.active_members),
    h("td", { class: "actions" }, CFG.canManage ? rowButton("修改", () => teamForm(t)) : null)),
  empty: "暂无志愿者队伍",
});

async function volunteerForm(existing) {
  const page = await api(`${API}/teams?limit=500`);
  openForm($("volunteer-form"), {
    title: existing ? `修改：${existing.name}` : "新增志愿者",
    fields: [
      { name: "name", label: "姓名", required: true, maxlength: 40 },
      { name: "phone", label: "电话" },
      { name: "team_id", label: "队伍", type: "select", options: page.items.map((t) => ({ value: t.id, zh: t.name })), numeric: true, required: true },
      { name: "joined_on", label: "加入日期", type: "date", required: true, max: today() },
    ],
    values: existing || { joined_on: today() }, editing: Boolean(existing),
    onSubmit: async (body) => {
      if (existing) await api(`${API}/volunteers/${existing.id}`, { method: "PATCH", body });
      else await api(`${API}/volunteers`, { method: "POST", body });
      toast("已保存", "ok");
      await Promise.all([volunteers.load(), teams.load()]);
    },
  });
}

async function move(v, action) {
  await api(`${API}/volunteers/${v.id}/${action}`, { method: "POST", body: action === "leave" ? {} : undefined });
  toast(action === "leave" ? `${v.name}已退出` : `${v.name}已重新加入`, "ok");
  await Promise.all([volunteers.load(), teams.load()]);
}

const volunteers = pagedTable({
  tbody: $("volunteer-table").querySelector("tbody"),
  prev: $("volunteer-prev"), next: $("volunteer-next"), info: $("volunteer-page"),
  fetchPage: async (limit, offset) => {
    const page = await api(`${API}/volunteers?${query({ limit, offset, status: $("volunteer-status").value })}`);
    $("volunteer-total").textContent = String(page.total);
    return page;
  },
  row: (v) => h("tr", { class: v.status === "left" ? "inactive" : null },
    h("td", {}, v.name), h("td", {}, v.phone || "—"), h("td", {}, v.team_name), h("td", {}, v.joined_on),
    h("td", {}, v.status_zh, v.left_on ? `（${v.left_on}）` : ""),
    h("td", { class: "actions" }, CFG.canManage ? [
      rowButton("修改", () => volunteerForm(v)),
      v.status === "active" ? rowButton("退出", () => move(v, "leave")) : rowButton("重新加入", () => move(v, "rejoin")),
    ] : null)),
  empty: "暂无志愿者",
});

// --- start ------------------------------------------------------------------------------------

mountHeader("宣传教育");
const year = Number(today().slice(0, 4));
$("figures-year").replaceChildren(...[0, 1, 2, 3].map((i) => h("option", { value: year - i }, `${year - i}年`)));
$("figures-year").addEventListener("change", () => loadFigures().catch(report));
$("activity-kind").append(...(CHOICES.activity_kind || []).map((c) => h("option", { value: c.value }, c.zh)));
$("volunteer-status").append(...(CHOICES.volunteer_status || []).map((c) => h("option", { value: c.value }, c.zh)));
$("volunteer-status").addEventListener("change", () => volunteers.load(true).catch(report));
$("activity-filter").addEventListener("submit", (event) => { event.preventDefault(); activities.load(true).catch(report); });
for (const [id, handler] of [["activity-new", () => activityForm(null)], ["base-new", () => baseForm(null)], ["team-new", () => teamForm(null)], ["volunteer-new", () => volunteerForm(null)]]) {
  const button = $(id);
  button.hidden = id === "activity-new" ? !CFG.canRecord : !CFG.canManage;
  button.addEventListener("click", () => handler().catch(report));
}
const loaded = new Set();
tabs($("tabs"), (name) => {
  if (loaded.has(name)) return;
  loaded.add(name);
  const work = name === "activities" ? activities.load(true) : name === "bases" ? bases.load(true) : Promise.all([teams.load(true), volunteers.load(true)]);
  work.catch(report);
})("activities");
loadFigures().catch(report);
