// The station crew's phone page: current orders, the route on a small map, big status buttons.
import { api, colour, formatTime, h, label, liveEvents, loadChoices, mmss, mountHeader, toast, debounce } from "./common.js";
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

let choices = null;
let roads = null;
const maps = [];

async function roadsLayer() {
  // The offline base map is shared by every order card; fetched once.
  roads ??= api("/api/planning/roads").catch(() => null);
  return roads;
}

function orderMap(element, order) {
  const { incident, route } = order;
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
  L.circleMarker(target, { radius: 9, color: "#fff", weight: 2, fillColor: "#d50000", fillOpacity: 1 }).addTo(map);
  if (route) {
    const line = L.geoJSON(route, { style: { color: "#1e88e5", weight: 5, opacity: 0.85 } }).addTo(map);
    map.fitBounds(line.getBounds().extend(target), { padding: [16, 16] });
  } else {
    map.setView(target, 15);
  }
  maps.push(map);
}

async function setStatus(button, assignment, status) {
  const all = button.closest(".status-buttons").querySelectorAll("button");
  all.forEach((b) => (b.disabled = true));
  try {
    await api(`/api/dispatch/assignments/${assignment.id}/status`, { method: "POST", body: { status } });
    toast(`${assignment.call_sign}：${label(choices, "assignment_status", status)}`, "ok");
  } catch (error) {
    toast(error.message, "error", 6000);
  }
  await loadOrders();
}

function orderCard(order) {
  const { assignment, incident } = order;
  const next = NEXT_STATUS[assignment.status] || [];
  const mapBox = h("div", { class: "mini-map" });
  const card = h(
    "section",
    { class: "order", dataset: { assignmentId: assignment.id, incidentId: incident.id, status: assignment.status } },
    h(
      "h2",
      {},
      h("span", { class: "badge", style: { background: colour(choices, "incident_type", incident.type) } }, label(choices, "incident_type", incident.type)),
      " ",
      incident.subtype ? label(choices, "incident_subtype", incident.subtype) : "",
      ` ${incident.level}级`,
    ),
    h("div", { class: "meta" }, h("b", {}, "地址："), incident.address_text || `${incident.lon.toFixed(5)}, ${incident.lat.toFixed(5)}`),
    h("div", { class: "meta" }, h("b", {}, "车辆："), h("span", { class: "call-sign" }, assignment.call_sign), "（", assignment.station_name, "）"),
    h(
      "div",
      { class: "meta" },
      h("b", {}, "状态："),
      h("span", { class: "badge assignment-status", style: { background: colour(choices, "assignment_status", assignment.status) } }, label(choices, "assignment_status", assignment.status)),
      `　预计 ${mmss(assignment.eta_s)}　接令 ${formatTime(assignment.assigned_at)}`,
    ),
    h("div", { class: "meta small" }, `警情编号 ${incident.number}`, incident.description ? `；${incident.description}` : ""),
    incident.premises?.preplan_notes ? h("details", { class: "meta small" }, h("summary", {}, `预案：${incident.premises.name}`), incident.premises.preplan_notes) : null,
    mapBox,
    h(
      "div",
      { class: "status-buttons" },
      BUTTONS.map(([status, text, bg]) =>
        h(
          "button",
          {
            class: `status-btn status-${status}${assignment.status === status ? " current" : ""}`,
            style: { background: bg },
            disabled: !next.includes(status),
            dataset: { status },
            onclick: (event) => setStatus(event.currentTarget, assignment, status),
          },
          text,
        ),
      ),
    ),
  );
  return { card, mapBox, order };
}

async function loadOrders() {
  let data;
  try {
    data = await api("/api/dispatch/my-orders");
  } catch (error) {
    document.getElementById("orders").replaceChildren(h("div", { class: "crew-empty" }, `出动单加载失败：${error.message}`));
    return;
  }
  for (const map of maps.splice(0)) map.remove();
  const items = data.items || [];
  const box = document.getElementById("orders");
  if (!items.length) {
    box.replaceChildren(h("div", { class: "crew-empty", id: "no-orders" }, "当前无出动任务，保持战备"));
    return;
  }
  const cards = items.map(orderCard);
  box.replaceChildren(...cards.map((c) => c.card));
  for (const { mapBox, order } of cards) orderMap(mapBox, order);
}

const reload = debounce(loadOrders, 150);

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
