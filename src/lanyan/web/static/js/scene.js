// The commander's scene view (现场指挥): units on scene and en route with ETAs, sector postings
// (战斗段), water sources, the pre-plan of the premises, and the crews' reports arriving live.

import { api, beep, config, debounce, formatDateTime, formatTime, h, liveEvents, mmss, mountHeader, toast, withButton } from "./common.js";
import { pictureUrl, preplanBody, preplanState } from "./preplan_view.js";

const incidentId = config.scene.incidentId;
let view = null;

function unitRow(u) {
  const eta = u.status === "assigned" || u.status === "en_route" ? (u.eta_s === null ? "—" : mmss(u.eta_s)) : u.on_scene_at ? `到场 ${formatTime(u.on_scene_at)}` : "—";
  const cells = [
    h("td", {}, h("b", {}, u.call_sign), h("div", { class: "small muted" }, u.unit_type_zh)),
    h("td", {}, u.station_name),
    h("td", {}, u.status_zh),
    h("td", { class: "num", dataset: { eta: u.eta_s ?? "" } }, eta),
  ];
  if (view.can_command) {
    const sector = h("input", { type: "text", maxlength: 40, value: u.sector || "", placeholder: "如：第一战斗段", "aria-label": `${u.call_sign} 战斗段` });
    const task = h("input", { type: "text", maxlength: 200, value: u.task || "", placeholder: "任务", "aria-label": `${u.call_sign} 任务` });
    const water = h(
      "select",
      { "aria-label": `${u.call_sign} 水源` },
      h("option", { value: "" }, "—"),
      view.water_sources.map((w) => h("option", { value: w.id, selected: w.id === u.water_source_id }, w.name)),
    );
    const save = h("button", {
      class: "btn",
      type: "button",
      onclick: (e) =>
        withButton(e.target, async () => {
          view = await api(`/api/scene/incidents/${incidentId}/postings`, {
            method: "POST",
            body: { assignment_id: u.assignment_id, sector: sector.value, task: task.value || null, water_source_id: water.value ? Number(water.value) : null },
          });
          render();
          toast("战斗段编组已保存", "ok");
        }),
    }, "保存");
    cells.push(h("td", {}, h("div", { class: "sc-sector" }, sector, task)), h("td", {}, water), h("td", {}, save));
  } else {
    cells.push(h("td", {}, [u.sector, u.task].filter(Boolean).join(" · ") || "—"), h("td", {}, u.water_source_name || "—"), h("td", {}));
  }
  return h("tr", { dataset: { assignmentId: u.assignment_id, status: u.status } }, cells);
}

function reportItem(r) {
  const actions = [];
  if (view?.can_command && r.status === "sent") actions.push(h("button", { class: "btn btn-primary", type: "button", dataset: { ack: r.id }, onclick: (e) => move(e.target, r, "acknowledged") }, "确认收到"));
  if (view?.can_command && r.status === "acknowledged" && r.needs_reinforcement) actions.push(h("button", { class: "btn", type: "button", onclick: (e) => move(e.target, r, "resolved") }, "增援已处理"));
  return h(
    "li",
    { class: "sc-report", dataset: { reportId: r.id, status: r.status } },
    h("div", { class: "sc-head" }, h("span", {}, `${r.call_sign ? r.call_sign + " · " : ""}${r.sender_name}`), h("span", {}, `${formatTime(r.sent_at)} · `, h("b", { class: "sc-status" }, r.status_zh))),
    r.text ? h("div", { class: "sc-text" }, r.text) : null,
    r.needs_reinforcement ? h("div", { class: "sc-needs" }, `需要增援：${r.needs}`) : null,
    r.photo_ids.length ? h("div", { class: "sc-photos" }, r.photo_ids.map((id) => h("a", { href: pictureUrl(id, incidentId), target: "_blank" }, h("img", { src: pictureUrl(id, incidentId), alt: "现场照片" })))) : null,
    r.acknowledged_by ? h("div", { class: "small muted" }, `${r.acknowledged_by} 确认于 ${formatTime(r.acknowledged_at)}${r.reply ? "：" + r.reply : ""}`) : null,
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

async function move(button, report, status) {
  await withButton(button, async () => {
    const updated = await api(`/api/scene/incidents/${incidentId}/reports/status`, { method: "POST", body: { report_id: report.id, status } });
    upsertReport(updated);
  });
}

function upsertReport(report) {
  const reports = view.reports.filter((r) => r.id !== report.id);
  reports.unshift(report);
  reports.sort((a, b) => (a.sent_at < b.sent_at ? 1 : a.sent_at > b.sent_at ? -1 : b.id - a.id));
  view.reports = reports;
  renderReports();
}

function renderReports() {
  const list = document.getElementById("scene-reports");
  list.replaceChildren(...(view.reports.length ? view.reports.map(reportItem) : [h("li", { class: "muted" }, "暂无现场报告")]));
  document.getElementById("report-open").textContent = view.reports.filter((r) => r.status === "sent").length;
}

function render() {
  document.title = `现场指挥 ${view.number} · 蓝焰`;
  document.getElementById("scene-title").replaceChildren(`现场指挥 · ${view.number} `, h("span", { class: "badge" }, view.status_zh));
  document.getElementById("scene-facts").replaceChildren(
    h("div", {}, `${view.type_zh} · ${view.level}级 · ${view.address || ""}`),
    h("div", { class: "small muted" }, `接警 ${formatDateTime(view.received_at)}${view.premises_name ? " · 单位：" + view.premises_name : ""}`),
  );
  document.getElementById("unit-count").textContent = view.units.length;
  document.querySelector("#scene-units tbody").replaceChildren(...view.units.map(unitRow));
  document.getElementById("scene-water").replaceChildren(
    ...(view.water_sources.length
      ? view.water_sources.map((w) => h("li", { dataset: { waterSourceId: w.id } }, h("b", {}, w.name), ` · ${w.kind_zh} · ${w.state_zh} · ${Math.round(w.metres)} 米`, w.used_by.length ? h("span", { class: "used" }, ` · 使用中：${w.used_by.join("、")}`) : ""))
      : [h("li", { class: "muted" }, "附近无登记水源")]),
  );
  const plan = view.preplan;
  const body = document.getElementById("preplan-body");
  if (plan) {
    document.getElementById("preplan-state").replaceChildren(preplanState(plan));
    body.className = "";
    body.replaceChildren(preplanBody(plan.content, { incidentId }));
  } else {
    body.replaceChildren(view.premises_name ? `${view.premises_name} 尚无数字预案` : "警情未关联单位，无预案");
  }
  renderReports();
}

async function load() {
  view = await api(`/api/scene/incidents/${incidentId}`);
  render();
}

const reload = debounce(() => load().catch((e) => toast(e.message, "error")), 300);

async function main() {
  mountHeader("现场指挥");
  await load();
  liveEvents(
    {
      "scene.report": (data) => {
        if (data.incident_id !== incidentId) return;
        const known = view.reports.some((r) => r.id === data.id);
        upsertReport(data);
        if (!known) {
          toast(`收到现场报告：${data.sender_name}`, data.needs_reinforcement ? "error" : "info", 6000);
          beep();
        }
      },
      "scene.posting": (data) => data.incident_id === incidentId && reload(),
      "assignment.created": (data) => data.incident_id === incidentId && reload(),
      "assignment.updated": (data) => data.incident_id === incidentId && reload(),
      "incident.updated": (data) => data.incident_id === incidentId && reload(),
    },
    { onOpen: reload },
  );
  // ETAs count down between events
  setInterval(() => document.visibilityState === "visible" && reload(), 30000);
  document.body.dataset.ready = "1";
}

main().catch((error) => {
  toast(`加载失败：${error.message}`, "error", 15000);
  document.getElementById("preplan-body").textContent = error.message;
});
