// The station crew's phone page, organised by incident: one card per incident with one map and
// every vehicle of the station sent to it, one tap to move the whole crew to its next milestone
// (出动/到场/出水/返回/归队) and each vehicle still settable on its own. Idle, it says which station
// and which vehicles it serves. Every change goes through the per-unit status API
// (POST /api/dispatch/assignments/{id}/status), so each vehicle's milestone is checked, audited
// and timed by the server exactly as when it is pressed alone.
import { api, colour, fetchAll, formatTime, h, label, liveEvents, loadChoices, mapText, mmss, mountHeader, toast, debounce, user } from "./common.js";
import { ATTRIBUTION, L } from "./map.js";

const BUTTONS = [
  ["en_route", "出动", "#f9a825"],
  ["on_scene", "到场", "#c62828"],
  ["water_on", "出水", "#1565c0"],
  ["returning", "返回", "#5e35b1"],
  ["in_quarters", "归队", "#2e7d32"],
];
/** Legal next milestones (the server decides; this only greys out buttons). */
const NEXT_STATUS = {
  assigned: ["en_route", "returning"],
  en_route: ["on_scene", "returning"],
  on_scene: ["water_on", "returning"],
  water_on: ["returning"],
  returning: ["in_quarters"],
  in_quarters: [],
};
/** Response levels written as the console writes them. */
const LEVEL_NAMES = ["", "一级", "二级", "三级", "四级", "五级"];

let choices = null;
let roads = null;
let busy = false;
const maps = [];

function levelText(level) {
  return LEVEL_NAMES[level] ?? `${level}级`;
}

async function roadsLayer() {
  // The offline base map is shared by every incident card; fetched once.
  roads ??= api("/api/planning/roads").catch(() => null);
  return roads;
}

/** [lat, lon] of a route's first point (the station it leaves from), or null. */
function routeStart(route) {
  let coords = route?.geometry?.coordinates ?? route?.features?.[0]?.geometry?.coordinates;
  while (Array.isArray(coords?.[0]?.[0])) coords = coords[0];
  const first = coords?.[0];
  return Array.isArray(first) && first.length >= 2 ? [first[1], first[0]] : null;
}

/** One map per incident: the incident, the route(s) from the station(s), the vehicles. */
function incidentMap(element, group, unitsById) {
  const { incident } = group;
  const map = L.map(element, { zoomControl: false, attributionControl: true });
  map.attributionControl.setPrefix(false);
  const canvas = L.canvas();
  if (window.LANYAN_TILE_URL) L.tileLayer(window.LANYAN_TILE_URL, { maxZoom: 19, attribution: ATTRIBUTION }).addTo(map);
  else {
    map.attributionControl.addAttribution(ATTRIBUTION);
    roadsLayer().then((data) => {
      // The card may have been redrawn (and this map removed) while the roads were loading.
      if (data && maps.includes(map)) L.geoJSON(data, { renderer: canvas, interactive: false, style: { color: "#9aa3ad", weight: 1 } }).addTo(map).bringToBack();
    });
  }
  const target = [incident.lat, incident.lon];
  const bounds = L.latLngBounds([target, target]);
  L.circleMarker(target, { radius: 9, color: "#fff", weight: 2, fillColor: "#d50000", fillOpacity: 1 })
    .bindTooltip(mapText("警情位置"))
    .addTo(map);
  // one route per station (every vehicle of a station takes the same road)
  const routes = new Map();
  for (const order of group.orders) {
    if (order.route && !routes.has(order.assignment.station_name)) routes.set(order.assignment.station_name, order.route);
  }
  for (const route of routes.values()) {
    const line = L.geoJSON(route, { style: { color: "#1e88e5", weight: 5, opacity: 0.85 } }).addTo(map);
    bounds.extend(line.getBounds());
  }
  // the vehicles: on scene at the incident, else where the server last placed them (AVL),
  // else at the start of their route (their station); grouped per place
  const places = new Map();
  for (const order of group.orders) {
    const unit = unitsById.get(order.assignment.unit_id);
    const onScene = ["on_scene", "water_on"].includes(order.assignment.status);
    const avl = unit && unit.lat !== null && unit.lon !== null ? [unit.lat, unit.lon] : null;
    const at = onScene ? target : avl ?? routeStart(order.route);
    if (!at) continue;
    const key = at.join(",");
    if (!places.has(key)) places.set(key, { at, signs: [] });
    places.get(key).signs.push(order.assignment.call_sign);
  }
  for (const { at, signs } of places.values()) {
    L.circleMarker(at, { radius: 7, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 })
      .bindTooltip(mapText(signs.join("、")))
      .addTo(map);
    bounds.extend(at);
  }
  if (bounds.getNorthEast().equals(bounds.getSouthWest())) map.setView(target, 15);
  else map.fitBounds(bounds, { padding: [16, 16], maxZoom: 16 });
  maps.push(map);
}

/** Set each assignment to `status`, one request per vehicle; returns the failures. */
async function moveAll(assignments, status) {
  const failed = [];
  for (const assignment of assignments) {
    try {
      await api(`/api/dispatch/assignments/${assignment.id}/status`, { method: "POST", body: { status } });
    } catch (error) {
      failed.push(`${assignment.call_sign}：${error.message}`);
    }
  }
  return failed;
}

async function press(card, assignments, status) {
  if (busy) return;
  busy = true;
  card.querySelectorAll("button").forEach((b) => (b.disabled = true));
  const text = label(choices, "assignment_status", status);
  const failed = await moveAll(assignments, status);
  const done = assignments.length - failed.length;
  if (done) toast(`${assignments.length > 1 ? `全部 ${done} 车` : assignments[0].call_sign}：${text}`, "ok");
  if (failed.length) toast(`未能设为“${text}”：${failed.join("；")}`, "error", 8000);
  busy = false;
  await loadOrders({ force: true });
}

function statusBadge(status) {
  return h(
    "span",
    { class: "badge assignment-status", style: { background: colour(choices, "assignment_status", status) } },
    label(choices, "assignment_status", status),
  );
}

/** One vehicle's row: call sign, status, ETA and its own (small) status buttons. */
function vehicleRow(card, order) {
  const { assignment } = order;
  const next = NEXT_STATUS[assignment.status] || [];
  return h(
    "li",
    { class: "order crew-unit", dataset: { assignmentId: assignment.id, unitId: assignment.unit_id, status: assignment.status } },
    h(
      "div",
      { class: "crew-unit-head" },
      h("b", { class: "call-sign" }, assignment.call_sign),
      h("span", { class: "muted small" }, label(choices, "unit_type", assignment.unit_type)),
      statusBadge(assignment.status),
      h("span", { class: "small crew-eta" }, `预计 ${mmss(assignment.eta_s)} · 接令 ${formatTime(assignment.assigned_at)}`),
    ),
    h(
      "div",
      { class: "crew-unit-buttons" },
      BUTTONS.map(([status, text]) =>
        h(
          "button",
          {
            type: "button",
            class: `unit-btn status-${status}${assignment.status === status ? " current" : ""}`,
            disabled: !next.includes(status),
            dataset: { status },
            "aria-label": `${assignment.call_sign} ${text}`,
            onclick: () => press(card, [assignment], status),
          },
          text,
        ),
      ),
    ),
  );
}

/** The incident's card: facts, one map, the whole crew's buttons, then each vehicle. */
function incidentCard(group) {
  const { incident, orders } = group;
  const assignments = orders.map((o) => o.assignment);
  const statuses = new Set(assignments.map((a) => a.status));
  const card = h("section", {
    class: "crew-incident",
    dataset: { incidentId: incident.id, status: statuses.size === 1 ? [...statuses][0] : "mixed" },
  });
  const mapBox = h("div", { class: "mini-map", "aria-label": "警情地图" });
  const crewButtons = BUTTONS.map(([status, text, bg]) => {
    const movable = assignments.filter((a) => (NEXT_STATUS[a.status] || []).includes(status));
    const all = movable.length === assignments.length;
    return h(
      "button",
      {
        type: "button",
        class: `status-btn status-${status}`,
        style: { background: bg },
        disabled: movable.length === 0,
        dataset: { crewStatus: status, count: movable.length },
        title: movable.length ? `${movable.map((a) => a.call_sign).join("、")} → ${text}` : null,
        onclick: () => press(card, movable, status),
      },
      text,
      movable.length && !all ? h("small", {}, `${movable.length}车`) : null,
    );
  });
  const parts = [
    h(
      "h2",
      {},
      h("span", { class: "badge", style: { background: colour(choices, "incident_type", incident.type) } }, label(choices, "incident_type", incident.type)),
      incident.subtype ? h("span", {}, label(choices, "incident_subtype", incident.subtype)) : null,
      h("span", { class: "badge crew-level" }, levelText(incident.level)),
    ),
    h("div", { class: "meta" }, h("b", {}, "地址："), incident.address_text || `${incident.lon.toFixed(5)}, ${incident.lat.toFixed(5)}`),
    h("div", { class: "meta small" }, `警情编号 ${incident.number}`, incident.description ? `；${incident.description}` : ""),
    incident.premises?.preplan_notes ? h("details", { class: "meta small" }, h("summary", {}, `预案：${incident.premises.name}`), incident.premises.preplan_notes) : null,
    h("a", { class: "crew-scene-link", href: `/crew/scene/${incident.id}`, style: { display: "block", padding: "12px 0", fontSize: "18px", fontWeight: "600" } }, "预案 · 现场报告 ›"), // issue 19
    mapBox,
    h(
      "div",
      { class: "crew-all" },
      h("div", { class: "crew-all-title" }, assignments.length > 1 ? `全部 ${assignments.length} 车同时` : `${assignments[0].call_sign}`),
      h("div", { class: "status-buttons" }, crewButtons),
    ),
    h("ul", { class: "crew-units" }, orders.map((order) => vehicleRow(card, order))),
  ];
  card.append(...parts.filter(Boolean));
  return { card, mapBox, group };
}

/** Orders (one per vehicle) grouped by incident, newest incident first. */
function byIncident(items) {
  const groups = new Map();
  for (const order of items) {
    const id = order.incident.id;
    if (!groups.has(id)) groups.set(id, { incident: order.incident, orders: [] });
    groups.get(id).orders.push(order);
  }
  for (const group of groups.values()) group.orders.sort((a, b) => a.assignment.call_sign.localeCompare(b.assignment.call_sign, "zh-CN"));
  return [...groups.values()];
}

/** Who this page serves: the station and its vehicles (a user above a station: its jurisdiction). */
function stationLine(units) {
  const stations = [...new Set(units.map((u) => u.station_name))];
  if (stations.length === 1) {
    return h("div", { class: "crew-station", id: "crew-station" }, h("b", {}, stations[0]), `　本站车辆 ${units.length} 辆`);
  }
  return h(
    "div",
    { class: "crew-station", id: "crew-station" },
    h("b", {}, user?.organization_name ?? ""),
    `　辖区 ${stations.length} 个站（队）、车辆 ${units.length} 辆`,
  );
}

function idleView(units) {
  return h(
    "div",
    { class: "crew-idle", id: "no-orders" },
    h("div", { class: "crew-empty" }, "当前无出动任务，保持战备"),
    units.length
      ? h(
          "ul",
          { class: "crew-fleet", id: "crew-fleet" },
          units.map((u) =>
            h(
              "li",
              { dataset: { unitId: u.id, status: u.status } },
              h("b", {}, u.call_sign),
              h("span", { class: "muted small" }, label(choices, "unit_type", u.type)),
              h("span", { class: "badge", style: { background: colour(choices, "unit_status", u.status) } }, label(choices, "unit_status", u.status)),
            ),
          ),
        )
      : h("div", { class: "crew-empty small" }, "本账号所属机构下没有登记车辆"),
  );
}

let shown = null;

/**
 * Fetch the orders and the station's vehicles and redraw, unless nothing changed since the last
 * drawing: a redraw replaces the buttons under the crew's finger and resets the maps, so the live
 * events and the slow poll only redraw on a real change (`force` after the crew's own taps).
 */
async function loadOrders({ force = false } = {}) {
  if (busy) return;
  let data;
  let units;
  try {
    [data, units] = await Promise.all([api("/api/dispatch/my-orders"), fetchAll("/api/forces/units")]);
  } catch (error) {
    document.getElementById("orders").replaceChildren(h("div", { class: "crew-empty" }, `出动单加载失败：${error.message}`));
    return;
  }
  const signature = JSON.stringify([data.items, units.map((u) => [u.id, u.status, u.lon, u.lat])]);
  if (!force && signature === shown) return;
  shown = signature;
  for (const map of maps.splice(0)) map.remove();
  units.sort((a, b) => a.call_sign.localeCompare(b.call_sign, "zh-CN"));
  const unitsById = new Map(units.map((u) => [u.id, u]));
  const groups = byIncident(data.items || []);
  const box = document.getElementById("orders");
  if (!groups.length) {
    box.replaceChildren(stationLine(units), idleView(units));
    return;
  }
  const cards = groups.map(incidentCard);
  box.replaceChildren(stationLine(units), ...cards.map((c) => c.card));
  for (const { mapBox, group } of cards) incidentMap(mapBox, group, unitsById);
}

const reload = debounce(() => loadOrders(), 150);

async function main() {
  mountHeader("执勤终端");
  choices = await loadChoices();
  await loadOrders();
  liveEvents(
    {
      "assignment.created": () => {
        reload();
        toast("收到新的出动指令", "error", 8000);
      },
      "assignment.updated": reload,
      "incident.updated": reload,
      "unit.status": reload,
    },
    { onOpen: reload },
  );
  // Safety net: events are scoped to the incident's brigade, so a crew may not hear every
  // change live; a slow poll keeps the page right whatever the event routing.
  setInterval(() => document.visibilityState === "visible" && reload(), 10000);
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`加载失败：${error.message}`, "error", 15000));
