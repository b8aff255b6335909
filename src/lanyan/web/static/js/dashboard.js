// Leadership dashboard (ECharts): incidents by type and month, response times against the
// 5-minute standard, units available now, coverage now, and the year's main figures with 同比.
// Every period figure comes from the statistics API (/api/stats/...), the same functions as the
// yearly report: one source of truth. A click on a figure (a KPI, a month bar, a type slice, a row
// of the table) lists the records it counts (trace.js).
import * as echarts from "../vendor/echarts/echarts.esm.min.js";
import { api, fetchAll, h, loadChoices, mountHeader, toast } from "./common.js";
import { openTrace } from "./trace.js";

const FONT = '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
const charts = [];

function chart(id) {
  const instance = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
  charts.push(instance);
  return instance;
}

let traceOf = () => {};

function kpi(text, value, id, key) {
  if (!key) return h("div", { class: "kpi", id }, h("b", {}, value), text);
  return h("button", { class: "kpi kpi-link", id, type: "button", title: "点击查看明细", onclick: () => traceOf(key, text) },
    h("b", {}, value), text);
}

const MAIN_FIGURES = [
  "incidents.total", "fires.total", "fires.slight", "fires.deaths", "fires.serious_injuries", "fires.minor_injuries",
  "fires.direct_loss_cny", "people.rescued", "people.evacuated", "property.protected_cny",
  "response.within_standard", "patrol.visits", "patrol.inspections", "hazards.found", "hazards.major",
  "hazards.rectified", "hazards.overdue", "listings.listed", "listings.delisted",
];

/** Money is shown in 万元, as leadership reads it; the row's label must then say 万元 too. */
const SHOWN_UNIT = { cny: "万元" };

function figureText(value, kind) {
  if (value === null || value === undefined) return "—";
  if (kind === "cny") return `${(value / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 1 })} 万元`;
  return Number(value).toLocaleString("zh-CN");
}

/** A figure's label with the unit its values are shown in (the statistics label gives the stored unit). */
function figureLabel(text, kind) {
  const unit = SHOWN_UNIT[kind];
  if (!text || !unit) return text;
  return `${text.replace(/\s*[（(][^（()）]*[)）]\s*$/, "")}（${unit}）`;
}

function mainFigures(stats) {
  const rows = MAIN_FIGURES.filter((k) => k in stats.values).map((k) => {
    const change = stats.yoy.changes[k];
    return h("tr", { dataset: { key: k } },
      h("td", {}, figureLabel(stats.labels[k] ?? k, stats.kinds[k])),
      h("td", { class: "num" },
        h("button", { class: "link-btn", type: "button", title: "点击查看明细", onclick: () => traceOf(k, stats.labels[k]) },
          figureText(stats.values[k], stats.kinds[k]))),
      h("td", { class: "num" }, figureText(stats.yoy.values[k], stats.kinds[k])),
      h("td", { class: "num" }, change?.text ?? "—"));
  });
  document.getElementById("main-figures").replaceChildren(
    h("h3", {}, `${stats.period.label}主要数据（点击数字查看所计记录）`),
    h("table", { class: "grid" },
      h("thead", {}, h("tr", {}, h("th", {}, "指标"), h("th", { class: "num" }, stats.period.label),
        h("th", { class: "num" }, stats.yoy.period.label), h("th", { class: "num" }, "同比"))),
      h("tbody", {}, rows)));
}

function incidentsChart(choices, stats) {
  const values = stats.values;
  const monthKeys = Object.keys(values).filter((k) => k.startsWith("incidents.by_month.")).sort();
  const total = values["incidents.total"];
  const change = stats.yoy.changes["incidents.total"]?.text ?? "—";
  const types = (choices.incident_type?.list || []).map((t) => ({
    name: t.zh,
    value: values[`incidents.by_type.${t.value}`] ?? 0,
    itemStyle: { color: t.color },
  }));
  const instance = chart("chart-incidents");
  const counts = Object.fromEntries(types.map((t) => [t.name, t.value]));
  // The pie's labels sit inside its ring and the names (with counts) in the legend: labels
  // outside the ring had no room beside the bars (cut to "火灾..." at the edge, touching the bars).
  instance.setOption({
    baseOption: {
      animation: false,
      textStyle: { fontFamily: FONT },
      title: { text: `${stats.period.label}警情 ${total} 起（同比${change}）`, left: "center", textStyle: { fontSize: 16 } },
      tooltip: { trigger: "item" },
      legend: { bottom: 0, data: types.map((t) => t.name), formatter: (name) => `${name} ${counts[name] ?? 0}` },
      grid: { left: 45, right: "40%", top: 50, bottom: 60 },
      xAxis: { type: "category", data: monthKeys.map((k) => stats.labels[k]) },
      yAxis: { type: "value", name: "起" },
      series: [
        { name: "月度警情", type: "bar", itemStyle: { color: "#c62828" }, data: monthKeys.map((k) => values[k]) },
        {
          name: "警情类型",
          type: "pie",
          center: ["80%", "50%"],
          radius: ["30%", "55%"],
          avoidLabelOverlap: true,
          label: { position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold" },
          labelLayout: { hideOverlap: true },
          labelLine: { show: false },
          tooltip: { formatter: "{b}：{c} 起（{d}%）" },
          data: types,
        },
      ],
    },
    media: [
      {
        // a narrow chart (a phone, a split screen): the ring under the bars
        query: { maxWidth: 560 },
        option: {
          grid: { left: 40, right: 12, top: 50, bottom: "50%" },
          series: [{}, { center: ["50%", "72%"], radius: ["14%", "26%"] }],
        },
      },
    ],
  });
  const typeValues = (choices.incident_type?.list || []).map((t) => t.value);
  instance.on("click", (event) => {
    if (event.seriesType === "bar") traceOf(monthKeys[event.dataIndex], `${event.name}警情`);
    else if (event.seriesType === "pie") traceOf(`incidents.by_type.${typeValues[event.dataIndex]}`, event.name);
  });
}

function responseChart(dist, stats) {
  const standardS = dist.standard_s;
  const standardMin = standardS / 60;
  const pct = stats.values["response.within_standard_pct"];
  const share = pct === null || pct === undefined ? "—" : Number(pct).toFixed(1);
  const n = stats.values["response.response.n"] ?? 0;
  const labels = dist.bucket_s.map((s, i) => (i === dist.bucket_s.length - 1 ? `≥${s / 60}` : `${s / 60}`));
  chart("chart-response").setOption({
    animation: false,
    textStyle: { fontFamily: FONT },
    // the figures in a second line: one line of both did not fit a phone's width
    title: { text: "调派至首车到场时间分布", subtext: `${standardMin} 分钟内到场 ${share}%，共 ${n} 起`, left: "center", itemGap: 4 },
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 30, top: 75, bottom: 40 },
    xAxis: { type: "category", name: "分钟", data: labels },
    yAxis: { type: "value", name: "起" },
    series: [
      {
        type: "bar",
        data: dist.counts.map((c, i) => ({
          value: c,
          itemStyle: { color: dist.bucket_s[i] < standardS ? "#2e7d32" : "#c62828" },
        })),
        markLine: {
          symbol: "none",
          lineStyle: { color: "#e65100", type: "dashed", width: 2 },
          label: { formatter: `${standardMin} 分钟标准` },
          data: [{ xAxis: dist.bucket_s.findIndex((s) => s >= standardS) }],
        },
      },
    ],
  });
  return share;
}

function unitsChart(choices, units) {
  const data = choices.unit_status.list
    .map((s) => ({ name: s.zh, value: units.filter((u) => u.status === s.value).length, itemStyle: { color: s.color } }))
    .filter((d) => d.value > 0);
  chart("chart-units").setOption({
    animation: false,
    textStyle: { fontFamily: FONT },
    title: { text: `当前力量状态（共 ${units.length} 车）`, left: "center" },
    tooltip: { trigger: "item", formatter: "{b}：{c} 车（{d}%）" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["40%", "68%"], label: { formatter: "{b}\n{c} 车" }, data }],
  });
}

function coverageChart(coverage) {
  const circles = coverage.circles || [];
  const brigades = [...new Set(circles.flatMap((c) => (c.by_brigade || []).map((b) => b.name)))];
  // a user below the detachment sees the brigades of its jurisdiction, not the whole city
  const cityWide = circles.some((c) => c.city);
  const categories = cityWide ? ["全市", ...brigades] : brigades;
  // the legend under the title and the axis labels inside the grid: at the bottom, a legend
  // that wraps on a narrow chart lay over the brigades' names
  chart("chart-coverage").setOption({
    baseOption: {
      animation: false,
      textStyle: { fontFamily: FONT },
      title: { text: "当前覆盖率（按在库力量实时计算）", left: "center" },
      tooltip: { trigger: "axis", valueFormatter: (v) => `${v}%` },
      legend: { top: 30 },
      grid: { left: 10, right: 20, top: 85, bottom: 10, containLabel: true },
      xAxis: { type: "category", data: categories, axisLabel: { interval: 0, overflow: "break", width: 72 } },
      yAxis: { type: "value", max: 100, name: "%" },
      series: circles.map((c) => ({
        name: c.zh,
        type: "bar",
        label: { show: true, position: "top", formatter: "{c}%" },
        data: [...(cityWide ? [c.city?.share ?? 0] : []), ...brigades.map((b) => c.by_brigade?.find((x) => x.name === b)?.share ?? 0)].map((s) =>
          Number((s * 100).toFixed(1)),
        ),
      })),
    },
    media: [{ query: { maxWidth: 560 }, option: { title: { textStyle: { fontSize: 14 } }, grid: { top: 110 } } }],
  });
}

/** The 5-minute share of the city, or of the one brigade a user below the detachment sees. */
function coverageShare(circle) {
  const share = circle?.city?.share ?? (circle?.by_brigade?.length === 1 ? circle.by_brigade[0].share : null);
  return share === null || share === undefined ? "—" : `${(share * 100).toFixed(1)}%`;
}

function periodFor(year) {
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  const last = String(year) === today.slice(0, 4) ? today : `${year}-12-31`;
  return { from: `${year}-01-01`, to: last };
}

async function main() {
  mountHeader("统计看板");
  const choices = await loadChoices();
  const params = new URLSearchParams(location.search);
  const thisYear = Number(new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 4));
  const year = Number(params.get("year")) || thisYear - 1;
  const { from, to } = periodFor(year);
  const q = `from=${from}&to=${to}`;
  const [stats, dist, units, coverage, orgs] = await Promise.all([
    api(`/api/stats/summary?${q}`),
    api(`/api/stats/response-distribution?${q}`),
    fetchAll("/api/forces/units"),
    api("/api/planning/coverage?live=true"),
    fetchAll("/api/forces/organizations"),
  ]);
  const traceCtx = { choices, orgNames: new Map(orgs.map((o) => [o.id, o.name])) };
  traceOf = (key, title) =>
    openTrace({ key, from, to, title }, traceCtx).catch((error) => toast(`明细加载失败：${error.message}`, "error"));
  const selector = document.getElementById("year-select");
  if (selector) {
    selector.replaceChildren(...[thisYear, thisYear - 1, thisYear - 2].map((y) =>
      h("option", { value: y, ...(y === year ? { selected: "selected" } : {}) }, `${y}年`)));
    selector.onchange = () => { location.search = `?year=${selector.value}`; };
  }
  const urban = (coverage.circles || []).find((c) => c.key === "urban_5min");
  incidentsChart(choices, stats);
  const share = responseChart(dist, stats);
  unitsChart(choices, units);
  coverageChart(coverage);
  mainFigures(stats);
  const available = units.filter((u) => u.status === "available").length;
  const openList = await api("/api/dispatch/incidents?open=true&limit=1");
  document.getElementById("kpis").replaceChildren(
    kpi("进行中警情", openList.total, "kpi-open"),
    kpi(`${year}年警情`, stats.values["incidents.total"], "kpi-total", "incidents.total"),
    kpi(`${dist.standard_s / 60} 分钟到场率`, share === "—" ? "—" : `${share}%`, "kpi-response", "response.within_standard"),
    kpi("在库车辆", `${available}/${units.length}`, "kpi-available"),
    kpi(urban?.city ? "城区5分钟覆盖率" : "辖区5分钟覆盖率", coverageShare(urban), "kpi-coverage"),
  );
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  // a link to a figure's records (from a report, a message): /dashboard?year=2025&trace=fires.total
  const linked = params.get("trace");
  if (linked && /^[a-z0-9_.]{1,80}$/.test(linked)) await traceOf(linked, stats.labels[linked]);
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`加载失败：${error.message}`, "error", 15000));
