// Leadership dashboard (ECharts): incidents by type and month, response times against the
// 5-minute standard, units available now, coverage now. Aggregates are computed here from
// /api/dispatch/incidents until the statistics API exists.
import * as echarts from "../vendor/echarts/echarts.esm.min.js";
import { api, fetchAll, h, loadChoices, mountHeader, shanghaiMonth, toast } from "./common.js";

const FONT = '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
const charts = [];

function chart(id) {
  const instance = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
  charts.push(instance);
  return instance;
}

function kpi(text, value, id) {
  return h("div", { class: "kpi", id }, h("b", {}, value), text);
}

/** Seconds from the first turnout order to the first unit on scene, per incident. */
export function responseSeconds(incident) {
  const assigned = (incident.assignments || []).map((a) => a.assigned_at).filter(Boolean).map(Date.parse);
  const arrived = (incident.assignments || []).map((a) => a.on_scene_at).filter(Boolean).map(Date.parse);
  if (!assigned.length || !arrived.length) return null;
  return (Math.min(...arrived) - Math.min(...assigned)) / 1000;
}

function incidentsChart(choices, incidents) {
  const months = [...new Set(incidents.map((i) => shanghaiMonth(i.received_at)))].sort();
  const types = choices.incident_type?.list || [];
  const series = types.map((t) => ({
    name: t.zh,
    type: "bar",
    stack: "total",
    itemStyle: { color: t.color },
    data: months.map((m) => incidents.filter((i) => i.type === t.value && shanghaiMonth(i.received_at) === m).length),
  }));
  chart("chart-incidents").setOption({
    animation: false,
    textStyle: { fontFamily: FONT },
    title: { text: `警情按类型与月份（共 ${incidents.length} 起）`, left: "center" },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 50, right: 20, top: 50, bottom: 60 },
    xAxis: { type: "category", data: months.length ? months : ["暂无数据"] },
    yAxis: { type: "value", name: "起" },
    series,
  });
}

function responseChart(incidents, standardS) {
  const times = incidents.map(responseSeconds).filter((s) => s !== null);
  const bins = Array.from({ length: 16 }, (_, i) => (i < 15 ? `${i}–${i + 1}` : "≥15"));
  const counts = new Array(16).fill(0);
  for (const s of times) counts[Math.min(15, Math.floor(s / 60))] += 1;
  const within = times.filter((s) => s <= standardS).length;
  const share = times.length ? ((100 * within) / times.length).toFixed(1) : "—";
  const standardMin = standardS / 60;
  chart("chart-response").setOption({
    animation: false,
    textStyle: { fontFamily: FONT },
    title: { text: `首车到场时间分布（${standardMin} 分钟内 ${share}%，${times.length} 起）`, left: "center" },
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 30, top: 75, bottom: 40 },
    xAxis: { type: "category", name: "分钟", data: bins },
    yAxis: { type: "value", name: "起" },
    series: [
      {
        type: "bar",
        data: counts.map((c, i) => ({ value: c, itemStyle: { color: i < standardMin ? "#2e7d32" : "#c62828" } })),
        markLine: {
          symbol: "none",
          lineStyle: { color: "#e65100", type: "dashed", width: 2 },
          label: { formatter: `${standardMin} 分钟标准` },
          data: [{ xAxis: standardMin - 0.5 }],
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
  chart("chart-coverage").setOption({
    animation: false,
    textStyle: { fontFamily: FONT },
    title: { text: "当前覆盖率（按在库力量实时计算）", left: "center" },
    tooltip: { trigger: "axis", valueFormatter: (v) => `${v}%` },
    legend: { bottom: 0 },
    grid: { left: 50, right: 20, top: 50, bottom: 60 },
    xAxis: { type: "category", data: ["全市", ...brigades] },
    yAxis: { type: "value", max: 100, name: "%" },
    series: circles.map((c) => ({
      name: c.zh,
      type: "bar",
      label: { show: true, position: "top", formatter: "{c}%" },
      data: [c.city?.share ?? 0, ...brigades.map((b) => c.by_brigade?.find((x) => x.name === b)?.share ?? 0)].map((s) =>
        Number((s * 100).toFixed(1)),
      ),
    })),
  });
}

async function main() {
  mountHeader("统计看板");
  const choices = await loadChoices();
  const [incidents, units, coverage] = await Promise.all([
    fetchAll("/api/dispatch/incidents").catch((error) => {
      toast(`警情数据不可用：${error.message}`, "error");
      return [];
    }),
    fetchAll("/api/forces/units"),
    api("/api/planning/coverage?live=true"),
  ]);
  const urban = (coverage.circles || []).find((c) => c.key === "urban_5min");
  const standardS = urban?.threshold_s ?? 300;
  incidentsChart(choices, incidents);
  const share = responseChart(incidents, standardS);
  unitsChart(choices, units);
  coverageChart(coverage);
  const available = units.filter((u) => u.status === "available").length;
  const open = incidents.filter((i) => i.status !== "closed").length;
  document.getElementById("kpis").replaceChildren(
    kpi("进行中警情", open, "kpi-open"),
    kpi("累计警情", incidents.length, "kpi-total"),
    kpi(`${standardS / 60} 分钟到场率`, share === "—" ? "—" : `${share}%`, "kpi-response"),
    kpi("在库车辆", `${available}/${units.length}`, "kpi-available"),
    kpi("城区5分钟覆盖率", urban ? `${(urban.city.share * 100).toFixed(1)}%` : "—", "kpi-coverage"),
  );
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`加载失败：${error.message}`, "error", 15000));
