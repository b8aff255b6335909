// The risk page (风险感知与预警): premises coloured by level, the cell choropleth, open hazards
// and supervised listings, risk-weighted coverage, "why is this red", and the warning workflow
// (签收 → 处置 → 办结) for the warnings routed to the user's jurisdiction.
import * as L from "../vendor/leaflet/leaflet.esm.js";
import { config, api, escapeHtml, fetchAll, formatDateTime, h, mountHeader, toast, withButton } from "./common.js";
import { baseLayer, createMap } from "./map.js";
import { cellRiskLayer, premisesRiskLayer } from "./risk_layers.js";

const LEVELS = [
  ["high", "高", "#c62828"],
  ["elevated", "较高", "#ef6c00"],
  ["medium", "中", "#f9a825"],
  ["low", "低", "#2e7d32"],
];
const RULES = {
  level_up: "风险等级升高",
  level1_overdue_major: "一级管控单位重大隐患逾期",
  repeated_alarms: "物联报警频发",
  forecast_spike: "网格警情预测激增",
  season_winter: "冬春火灾防控",
  holiday: "节假日消防安保",
};
const STATUS = { open: "待签收", acknowledged: "已签收", handling: "处置中", closed: "已办结" };
const NEXT = {
  open: [["acknowledge", "签收"]],
  acknowledged: [["handle", "处置"], ["close", "办结"]],
  handling: [["close", "办结"]],
  closed: [],
};
const rights = config.risk || {};
const state = { map: null, layers: {} };

function levelColour(level) {
  return (LEVELS.find(([key]) => key === level) || [])[2] || "#607d8b";
}

function hazardLayer(hazards, canvas) {
  const layer = L.layerGroup();
  for (const hz of hazards) {
    if (hz.lon == null) continue;
    const major = hz.severity === "major";
    L.circleMarker([hz.lat, hz.lon], {
      renderer: canvas,
      radius: major ? 5 : 3,
      color: major ? "#b71c1c" : "#6d4c41",
      weight: 1,
      fillColor: major ? "#ff1744" : "#ffab40",
      fillOpacity: 0.9,
    })
      .bindTooltip(`${major ? "重大火灾隐患" : "隐患"}：${escapeHtml(hz.title)}（${escapeHtml(hz.premises_name || "")}）`)
      .addTo(layer);
  }
  return layer;
}

function legend() {
  const box = document.getElementById("risk-legend");
  box.replaceChildren(
    "风险等级",
    ...LEVELS.flatMap(([, zh, colour]) => [h("i", { style: { background: colour } }), zh]),
  );
}

async function showWhy(premisesId) {
  const panel = document.getElementById("risk-why");
  const detail = await api(`/api/risk/premises/${premisesId}`);
  document.getElementById("risk-why-name").textContent =
    `${detail.name} · ${LEVELS.find(([k]) => k === detail.level)?.[1] || ""}（${Math.round(detail.score)} 分）`;
  const rows = detail.factors
    .filter((f) => f.points > 0)
    .map((f) =>
      h(
        "tr",
        { title: f.source },
        h("td", {}, `${f.label}（${f.group_zh}）`),
        h("td", {}, f.value === null ? "未知" : `${f.value_zh}${f.unit ? " " + f.unit : ""}`),
        h("td", {}, `+${f.points}`),
      ),
    );
  document.getElementById("risk-why-rows").replaceChildren(...rows);
  panel.hidden = false;
}

async function loadSummary() {
  const [coverage, areas] = await Promise.all([
    api("/api/risk/coverage"),
    api("/api/risk/areas?by=brigade"),
  ]);
  const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);
  const box = document.getElementById("risk-figures");
  box.replaceChildren(
    h(
      "p",
      { id: "risk-coverage" },
      `5分钟内覆盖：风险 ${pct(coverage.risk_share)} · 单位 ${pct(coverage.premises_share)} · 面积 ${pct(coverage.area_share)}`,
    ),
    h(
      "table",
      { class: "table" },
      h("thead", {}, h("tr", {}, h("th", {}, "大队"), h("th", {}, "得分"), h("th", {}, "等级"), h("th", {}, "高/较高单位"))),
      h(
        "tbody",
        {},
        areas.map((a) =>
          h(
            "tr",
            {},
            h("td", {}, a.name),
            h("td", {}, a.score.toFixed(1)),
            h("td", {}, h("span", { class: "level-chip", style: { background: levelColour(a.level) } }, LEVELS.find(([k]) => k === a.level)?.[1] || a.level)),
            h("td", {}, `${a.premises_by_level.high || 0} / ${a.premises_by_level.elevated || 0}`),
          ),
        ),
      ),
    ),
  );
}

function warningItem(w) {
  const steps = rights.canHandle
    ? NEXT[w.status].map(([action, text]) =>
        h("button", { type: "button", class: "btn", "data-action": action, "data-id": w.id, onclick: (e) => move(e.currentTarget, w, action) }, text),
      )
    : [];
  return h(
    "li",
    { class: "risk-warning", "data-id": w.id, "data-status": w.status, style: { borderLeftColor: levelColour(w.level) } },
    h("div", {}, h("b", {}, w.title)),
    h(
      "div",
      { class: "meta" },
      `${RULES[w.rule] || w.rule} · ${STATUS[w.status]} · ${formatDateTime(w.raised_at)}`,
      w.premises_id ? h("a", { href: "#", onclick: (e) => { e.preventDefault(); showWhy(w.premises_id); } }, " 查看风险构成") : null,
    ),
    w.detail ? h("div", { class: "meta" }, w.detail) : null,
    w.note ? h("div", { class: "meta" }, `处置情况：${w.note}`) : null,
    h("div", { class: "steps" }, steps),
  );
}

async function move(button, warning, action) {
  let note = null;
  if (action === "close") {
    note = window.prompt("办结：填写处置情况（必填）", warning.note || "");
    if (!note || !note.trim()) return;
  }
  await withButton(button, async () => {
    await api(`/api/risk/warnings/${warning.id}/${action}`, { method: "POST", body: note ? { note } : {} });
    toast(action === "close" ? "预警已办结" : action === "handle" ? "已开始处置" : "已签收", "ok");
    await loadWarnings();
  });
}

async function loadWarnings() {
  const openOnly = document.getElementById("risk-open-only").checked;
  const mine = document.getElementById("risk-mine").checked;
  const page = await api(
    `/api/risk/warnings?limit=200${openOnly ? "&open_only=true" : ""}${mine ? "&mine=true" : ""}`,
  );
  document.getElementById("risk-warning-count").textContent = String(page.total);
  const list = document.getElementById("risk-warnings");
  list.replaceChildren(...(page.items.length ? page.items.map(warningItem) : [h("li", { class: "muted" }, "暂无预警")]));
}

async function loadLayers() {
  const canvas = L.canvas({ padding: 0.3 });
  const base = await baseLayer(state.map, canvas);
  const [premises, cells, hazards] = await Promise.all([
    api("/api/risk/layers/premises"),
    api("/api/risk/layers/cells"),
    fetchAll("/api/hazards?open=true"),
  ]);
  const layers = {
    "单位风险（按等级）": premisesRiskLayer(premises, canvas, showWhy),
    "网格风险": cellRiskLayer(cells, canvas),
    "在办隐患": hazardLayer(hazards, canvas),
  };
  layers["网格风险"].addTo(state.map);
  layers["单位风险（按等级）"].addTo(state.map);
  L.control.layers({ [base.name]: base.layer }, layers, { collapsed: false, position: "topright" }).addTo(state.map);
  const bounds = layers["网格风险"].getBounds();
  if (bounds.isValid()) state.map.fitBounds(bounds, { padding: [20, 20] });
  else if (base.bounds) state.map.fitBounds(base.bounds);
  document.body.dataset.riskLayers = String(premises.features.length);
  state.layers = layers;
}

async function main() {
  mountHeader("风险感知与预警");
  legend();
  const { map } = createMap(document.getElementById("risk-map"), { zoom: 12 });
  state.map = map;
  if (rights.canScore) {
    const button = document.getElementById("risk-rescore");
    button.hidden = false;
    button.addEventListener("click", () =>
      withButton(button, async () => {
        const run = await api("/api/risk/score", { method: "POST", body: { full: false } });
        toast(`已重新评分：${run.premises_scored} 家单位，新预警 ${run.warnings_raised} 条`, "ok");
        await Promise.all([loadWarnings(), loadSummary()]);
      }),
    );
  }
  if (rights.canExport) document.getElementById("risk-report").hidden = false;
  document.getElementById("risk-open-only").addEventListener("change", loadWarnings);
  document.getElementById("risk-mine").addEventListener("change", loadWarnings);
  await Promise.all([loadLayers(), loadWarnings(), loadSummary()]);
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(error.message || String(error), "error", 8000));
