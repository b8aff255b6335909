// Rendering of a digital pre-plan (灭火救援预案), shared by the scene view, the crew's scene page,
// the pre-plan desk and the console's incident panel. Pictures of a call are read through
// /api/scene/photo (a crew may see the floor plans the brigade's officer stored); elsewhere
// through /api/uploads.

import { api, h } from "./common.js";

const BUILDING = [
  ["floors_above", "地上层数", (v) => `${v} 层`],
  ["floors_below", "地下层数", (v) => `${v} 层`],
  ["height_m", "建筑高度", (v) => `${v} 米`],
  ["area_m2", "建筑面积", (v) => `${v} 平方米`],
  ["structure", "结构", String],
  ["use", "使用性质", String],
  ["occupants_day", "白天人数", (v) => `约 ${v} 人`],
  ["occupants_night", "夜间人数", (v) => `约 ${v} 人`],
];
const SYSTEMS = [
  ["control_room", "消防控制室"],
  ["sprinklers", "自动喷水灭火系统"],
  ["pump_connectors", "水泵接合器"],
  ["inside_hydrants", "室内消火栓"],
  ["alarm", "火灾自动报警系统"],
  ["smoke_control", "防排烟系统"],
];
const ACCESS = [
  ["fire_lanes", "消防车道"],
  ["aerial_sites", "登高操作场地"],
  ["entrances", "出入口与内攻路线"],
];

function facts(pairs) {
  const rows = pairs.filter(([, value]) => value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && !value.length));
  if (!rows.length) return null;
  return h("dl", { class: "pp-facts" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, Array.isArray(v) ? v.join("；") : v)]));
}

/** The image URL of an attachment (through the call when ``incidentId`` is given). */
export function pictureUrl(uploadId, incidentId) {
  return incidentId ? `/api/scene/photo?incident_id=${incidentId}&upload_id=${uploadId}` : `/api/uploads/${uploadId}`;
}

/** The water supply points of a plan as a list (name, kind, flow, state). */
export function waterList(points) {
  return h(
    "ul",
    { class: "pp-water" },
    points.map((w) =>
      h(
        "li",
        { dataset: { waterSourceId: w.water_source_id ?? "" } },
        h("b", {}, w.name),
        w.kind ? ` · ${w.kind}` : "",
        w.flow_lps ? ` · ${w.flow_lps} L/s` : "",
        w.state_zh ? ` · ${w.state_zh}` : "",
        w.note ? h("span", { class: "muted" }, ` （${w.note}）`) : "",
      ),
    ),
  );
}

/** The whole body of one version; ``incidentId`` routes its pictures through the call. */
export function preplanBody(content, { incidentId = null, compact = false } = {}) {
  const b = content.building || {};
  const s = content.systems || {};
  const a = content.access || {};
  const plans = content.floor_plans || [];
  const photos = content.photos || [];
  const water = content.water_supply || [];
  const sections = [
    h("h4", {}, "建筑概况"),
    facts(BUILDING.map(([key, text, fmt]) => [text, b[key] === undefined || b[key] === null ? null : fmt(b[key])])) || h("p", { class: "muted" }, "未填写"),
    h("h4", {}, `供水（${water.length}）`),
    water.length ? waterList(water) : h("p", { class: "muted" }, "未填写供水点"),
    plans.length ? h("h4", {}, `平面图（${plans.length}）`) : null,
    plans.length
      ? h("div", { class: "pp-plans" }, plans.map((p) => h("figure", { class: "pp-floor-plan" }, h("a", { href: pictureUrl(p.upload_id, incidentId), target: "_blank" }, h("img", { src: pictureUrl(p.upload_id, incidentId), alt: p.title || "平面图", loading: "lazy" })), h("figcaption", {}, p.title || "平面图"))))
      : null,
    (content.hazards || []).length ? h("h4", {}, "特殊危险") : null,
    (content.hazards || []).length ? h("ul", { class: "pp-hazards" }, content.hazards.map((x) => h("li", {}, x))) : null,
    content.attack_plan ? h("h4", {}, "灭火救援要点") : null,
    content.attack_plan ? h("p", { class: "pp-attack" }, content.attack_plan) : null,
  ];
  if (!compact) {
    sections.push(
      h("h4", {}, "消防设施"),
      facts(SYSTEMS.map(([key, text]) => [text, s[key]])) || h("p", { class: "muted" }, "未填写"),
      h("h4", {}, "消防车道与登高场地"),
      facts(ACCESS.map(([key, text]) => [text, a[key]])) || h("p", { class: "muted" }, "未填写"),
      photos.length ? h("h4", {}, `照片（${photos.length}）`) : null,
      photos.length ? h("div", { class: "pp-plans" }, photos.map((p) => h("figure", {}, h("img", { src: pictureUrl(p.upload_id, incidentId), alt: p.title || "照片", loading: "lazy" }), h("figcaption", {}, p.title || "")))) : null,
    );
  }
  return h("div", { class: "pp-body" }, sections);
}

/** A one-line state of a plan: version, published or draft, overdue review. */
export function preplanState(plan) {
  const parts = [`第 ${plan.version ?? plan.shown_version} 版`];
  if (plan.published === false || (plan.published_version === null && plan.published === undefined)) parts.push("未发布（草稿）");
  if (plan.reviewed_on) parts.push(`审核于 ${plan.reviewed_on}`);
  return h("span", { class: "pp-state" }, parts.join(" · "), plan.overdue ? h("span", { class: "badge pp-overdue" }, "超期未复核") : null);
}

const PANEL_CACHE_MS = 30_000;
const panelCache = new Map(); // premises id → {at, promise}: the panel is redrawn on every live event

function preplanOf(premisesId) {
  const hit = panelCache.get(premisesId);
  if (hit && Date.now() - hit.at < PANEL_CACHE_MS) return hit.promise;
  const promise = api(`/api/premises/${premisesId}/preplan`);
  panelCache.set(premisesId, { at: Date.now(), promise });
  promise.catch(() => panelCache.delete(premisesId));
  return promise;
}

/**
 * The console's incident panel: a short pre-plan line for the premises of the call, filled in
 * after the panel is drawn (the panel never waits for it), with a link to the scene view.
 */
export function incidentPreplanSlot(incident) {
  const slot = h("div", { class: "note pp-slot", id: "incident-preplan" }, h("a", { href: `/scene/${incident.id}`, target: "_blank", id: "open-scene" }, "现场指挥视图 ›"));
  const premisesId = incident.premises_id ?? incident.premises?.id;
  if (premisesId) {
    preplanOf(premisesId)
      .then((answer) => {
        const plan = answer.preplan;
        if (!plan) {
          slot.append(" 该单位尚无数字预案");
          return;
        }
        const c = plan.content;
        const b = c.building || {};
        const line = [
          b.floors_above ? `地上${b.floors_above}层` : null,
          b.floors_below ? `地下${b.floors_below}层` : null,
          b.height_m ? `高${b.height_m}米` : null,
          (c.water_supply || []).length ? `供水点${c.water_supply.length}处` : null,
          (c.floor_plans || []).length ? `平面图${c.floor_plans.length}张` : null,
          (c.hazards || []).length ? `危险：${c.hazards.join("、")}` : null,
        ].filter(Boolean);
        slot.append(h("b", {}, " 预案："), line.join("，") || "（空）", " ", preplanState(plan));
      })
      .catch(() => slot.append(" 预案读取失败"));
  }
  return slot;
}
