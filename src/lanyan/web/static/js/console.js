// The one-map console (一张图): layers, call intake, recommendation, dispatch, status board,
// incident timeline, escalation and closing, all kept live by /api/events.
import {
  api,
  beep,
  colour,
  debounce,
  escapeHtml,
  formatDateTime,
  formatTime,
  h,
  label,
  liveEvents,
  loadChoices,
  mapText,
  mmss,
  mountHeader,
  replaceKeepingFocus,
  toast,
  user,
  withButton,
} from "./common.js";
import {
  L,
  UnitLayer,
  afterPaint,
  baseLayer,
  createMap,
  fetchMapData,
  holeLayers,
  organizationLayers,
  premisesLayer,
  waterLayer,
} from "./map.js";
import { lazyRiskLayers } from "./risk_layers.js"; // issue 18: risk layers, loaded when switched on
import { incidentPreplanSlot } from "./preplan_view.js"; // issue 19: the pre-plan of the call

const canDispatch = Boolean(user?.can_dispatch);
/** Duty commanders (and administrators) may mark 已控制/已扑灭 before anyone is on scene, with a reason. */
const canOverride = user?.role === "commander" || user?.role === "admin";
/** Below this width the layer list starts folded (a 1366×768 laptop): it would cover the map. */
const LAYERS_OPEN_MIN_WIDTH = 1600;
const AT_SCENE = new Set(["on_scene", "water_on"]);
const ROUTE_COLOURS = ["#1e88e5", "#43a047", "#8e24aa", "#f4511e", "#00897b", "#6d4c41", "#3949ab", "#c0ca33"];
const ACTIVE_ASSIGNMENT = new Set(["assigned", "en_route", "on_scene", "water_on", "returning"]);
/** Legal next milestones (the server decides; this only greys out buttons). */
export const NEXT_STATUS = {
  assigned: ["en_route", "returning"],
  en_route: ["on_scene", "returning"],
  on_scene: ["water_on", "returning"],
  water_on: ["returning"],
  returning: ["in_quarters"],
  in_quarters: [],
};
const ASSIGNMENT_LABELS = { assigned: "已调派", en_route: "出动", on_scene: "到场", water_on: "出水", returning: "返回", in_quarters: "归队" };
const LEVEL_NAMES = ["", "一级", "二级", "三级", "四级", "五级"];

const state = {
  choices: null,
  map: null,
  canvas: null,
  svg: null,
  orgs: [],
  orgsById: new Map(),
  units: [],
  unitLayer: null,
  incidentLayer: null,
  holes: {},
  layerControl: null,
  incidents: [],
  dispatchAvailable: true,
  current: null,
  recommendation: null,
  routes: null,
  place: null,
  placeMarker: null,
  geocodeAbort: null,
};

const $ = (id) => document.getElementById(id);

function assignmentLabel(value) {
  return state.choices?.assignment_status ? label(state.choices, "assignment_status", value) : ASSIGNMENT_LABELS[value] ?? value;
}

function badge(text, background) {
  return h("span", { class: "badge", style: { background } }, text);
}

// ---------------------------------------------------------------- map and layers

async function buildMap() {
  const params = new URLSearchParams(location.search);
  const allLayers = params.get("layers") === "all";
  const { map, canvas } = createMap($("map"), { zoom: 12 });
  state.map = map;
  state.canvas = canvas;
  state.svg = L.svg({ padding: 0.3 });
  const base = baseLayer(map, canvas);
  const data = fetchMapData();
  const incidents = loadIncidents();
  const [baseInfo, loaded] = await Promise.all([base, data]);
  await incidents;
  const { orgs, units, water, premises, coverage } = loaded;
  state.orgs = orgs;
  state.orgsById = new Map(orgs.map((o) => [o.id, o]));
  state.units = units;

  const orgLayers = organizationLayers(state.choices, orgs, canvas);
  state.unitLayer = new UnitLayer(state.choices, state.svg);
  drawUnits();
  state.holes = holeLayers(coverage, canvas);
  const keyPremises = premises.filter((p) => p.category === "key_unit");
  const smallVenues = premises.filter((p) => p.category !== "key_unit");

  const overlays = [
    ["stations", orgLayers.stations.name, orgLayers.stations.layer, true],
    ["teams", orgLayers.teams.name, orgLayers.teams.layer, true],
    ["micro", orgLayers.micro.name, orgLayers.micro.layer, true],
    ["units", "消防车辆（按状态着色）", state.unitLayer.layer, true],
    ["water", "消防水源", waterLayer(state.choices, water, canvas), true],
    ["key_premises", "重点单位", premisesLayer(state.choices, keyPremises, canvas), true],
    ["small_venues", "九小场所", premisesLayer(state.choices, smallVenues, canvas), false],
    ["incidents", "实时警情", state.incidentLayer, true],
    ["micro_3min", state.holes.micro_3min.name, state.holes.micro_3min.layer, false],
    ["urban_5min", state.holes.urban_5min.name, state.holes.urban_5min.layer, true],
    ["rural_15min", state.holes.rural_15min.name, state.holes.rural_15min.layer, false],
    ["brigades", orgLayers.brigades.name, orgLayers.brigades.layer, true],
    ["districts", orgLayers.districts.name, orgLayers.districts.layer, false],
    ...lazyRiskLayers(canvas), // issue 18 (risk)
  ];
  const control = {};
  for (const [key, name, layer, on] of overlays) {
    control[escapeHtml(name)] = layer; // the layer control writes names as HTML
    if (on || allLayers) layer.addTo(map);
  }
  state.overlayKeys = Object.fromEntries(overlays.map(([key, name, layer]) => [key, { name, layer }]));
  state.layerControl = L.control.layers({ [escapeHtml(baseInfo.name)]: baseInfo.layer }, control, { collapsed: false, position: "topright" }).addTo(map);
  foldableLayerList(state.layerControl, map);
  L.control.scale({ imperial: false }).addTo(map);
  // A map with no room (0 px wide) has no zoom that fits: Leaflet would compute NaN (the phone
  // layout once left the map 0 px beside a fixed-width panel).
  const size = map.getSize();
  if (baseInfo.bounds?.isValid() && size.x > 0 && size.y > 0) map.fitBounds(baseInfo.bounds, { padding: [10, 10] });
  window.addEventListener("resize", debounce(() => fitLayerList(state.layerControl, map), 100));
  state.incidentLayer.bringToFront?.();
  await afterPaint();
  window.LANYAN_MAP_READY_MS = Math.round(performance.now());
  document.body.dataset.mapReady = "1";
  $("map-loading").hidden = true;
  console.info(`一张图就绪：${window.LANYAN_MAP_READY_MS} ms`);
}

/**
 * The layer list opens and closes with a button at its top; it starts folded on screens narrower
 * than LAYERS_OPEN_MIN_WIDTH, where it would cover half the map.
 */
function foldableLayerList(control, map) {
  const container = control.getContainer();
  const toggle = h("button", { type: "button", class: "layers-toggle", id: "layers-toggle", "aria-expanded": "true" }, "图层");
  const setFolded = (folded) => {
    container.classList.toggle("is-collapsed", folded);
    toggle.setAttribute("aria-expanded", folded ? "false" : "true");
    fitLayerList(control, map);
  };
  toggle.addEventListener("click", () => setFolded(!container.classList.contains("is-collapsed")));
  container.prepend(toggle);
  L.DomEvent.disableClickPropagation(container);
  L.DomEvent.disableScrollPropagation(container);
  setFolded(window.innerWidth < LAYERS_OPEN_MIN_WIDTH);
}

/** Keep the open layer list inside the map (it scrolls when the map is low). */
function fitLayerList(control, map) {
  const list = control.getContainer().querySelector(".leaflet-control-layers-list");
  if (list) list.style.maxHeight = `${Math.max(120, map.getSize().y - 60)}px`;
}

function onMapClick(event) {
  if (!canDispatch) return;
  setPlace(event.latlng.lat, event.latlng.lng, "地图点选");
}

function setPlace(lat, lon, how, text = null) {
  state.place = { lat, lon };
  if (!state.placeMarker) {
    state.placeMarker = L.marker([lat, lon], {
      draggable: true,
      icon: L.divIcon({ className: "place-icon", html: "<span>警</span>", iconSize: [28, 28], iconAnchor: [14, 14] }),
      zIndexOffset: 1000,
    }).addTo(state.map);
    state.placeMarker.on("dragend", () => {
      const at = state.placeMarker.getLatLng();
      setPlace(at.lat, at.lng, "拖动调整");
    });
  } else {
    state.placeMarker.setLatLng([lat, lon]);
  }
  $("place-text").textContent = `位置：${text ? text + " · " : ""}${lon.toFixed(5)}, ${lat.toFixed(5)}（${how}）`;
  $("place-text").classList.add("set");
}

function clearRoutes() {
  if (state.routes) state.map.removeLayer(state.routes);
  state.routes = null;
}

function drawRoutes(features) {
  clearRoutes();
  state.routes = L.layerGroup(
    features.filter(Boolean).map((feature, i) =>
      L.geoJSON(feature, { renderer: state.svg, style: { color: ROUTE_COLOURS[i % ROUTE_COLOURS.length], weight: 5, opacity: 0.8, className: "route-line" } }),
    ),
  ).addTo(state.map);
}

// ---------------------------------------------------------------- incidents

function incidentMarkers() {
  state.incidentLayer.clearLayers();
  for (const incident of state.incidents) {
    if (incident.lat == null) continue;
    const selected = state.current?.id === incident.id;
    L.circleMarker([incident.lat, incident.lon], {
      renderer: state.svg,
      radius: selected ? 11 : 8,
      color: selected ? "#000" : "#fff",
      weight: 2,
      fillColor: colour(state.choices, "incident_type", incident.type, "#d32f2f"),
      fillOpacity: 0.95,
      className: `incident-marker incident-${incident.id}`,
    })
      // the address is what the caller said: text, never HTML (Leaflet parses a string tooltip)
      .bindTooltip(() => mapText(`${incident.number} ${label(state.choices, "incident_type", incident.type)} ${incident.address_text ?? ""}`))
      .on("click", () => selectIncident(incident.id))
      .addTo(state.incidentLayer);
  }
}

/**
 * Requests sent one after the other may be answered out of order (a slow answer read before a
 * write, a quick one after it): an answer older than the one already shown is dropped, or a unit
 * on scene would jump back to its station until the next refresh.
 */
function newerOnly() {
  let sent = 0;
  let shown = 0;
  return {
    next: () => ++sent,
    take: (ticket) => {
      if (ticket < shown) return false;
      shown = ticket;
      return true;
    },
  };
}
const incidentAnswers = newerOnly();
const unitAnswers = newerOnly();

async function loadIncidents() {
  const ticket = incidentAnswers.next();
  try {
    const page = await api("/api/dispatch/incidents?open=true&limit=200");
    if (!incidentAnswers.take(ticket)) return;
    state.incidents = page.items || [];
    state.dispatchAvailable = true;
  } catch (error) {
    state.incidents = [];
    state.dispatchAvailable = false;
    if (error.status !== 404) toast(`警情加载失败：${error.message}`, "error");
  }
  renderIncidentList();
  incidentMarkers();
  drawUnits();
}

/** Where units on scene (到场/出水) stand: at their incident, not at their station. */
function unitsAtScene() {
  const at = new Map();
  for (const incident of state.incidents) {
    if (incident.lat == null) continue;
    for (const a of incident.assignments || []) if (AT_SCENE.has(a.status)) at.set(a.unit_id, [incident.lat, incident.lon]);
  }
  return at;
}

function drawUnits() {
  state.unitLayer?.update(state.units, state.orgsById, unitsAtScene());
}

/**
 * A live event carries the incident's new status: the list follows it at once (已调派 → 处置中
 * when a unit reports 到场), and the list is reloaded soon after for everything else.
 */
function applyIncidentStatus(data) {
  const id = incidentIdOf(data);
  const incident = state.incidents.find((i) => i.id === id);
  if (!incident) return;
  if (data.status === "closed") state.incidents = state.incidents.filter((i) => i.id !== id);
  else if (data.status) incident.status = data.status;
  if (data.assignment_id && data.assignment_status) {
    const a = (incident.assignments || []).find((x) => x.id === data.assignment_id);
    if (a) a.status = data.assignment_status;
  }
  renderIncidentList();
  drawUnits();
}

function renderIncidentList() {
  const list = $("incident-list");
  $("incident-count").textContent = String(state.incidents.length);
  if (!state.dispatchAvailable) {
    list.replaceChildren(h("li", { class: "muted" }, "调度服务暂不可用"));
    return;
  }
  if (!state.incidents.length) {
    list.replaceChildren(h("li", { class: "muted" }, "当前无进行中警情"));
    return;
  }
  list.replaceChildren(
    ...state.incidents.map((incident) =>
      h(
        "li",
        {
          class: `incident-item${state.current?.id === incident.id ? " selected" : ""}`,
          dataset: { incidentId: incident.id },
          onclick: () => selectIncident(incident.id),
        },
        badge(label(state.choices, "incident_type", incident.type), colour(state.choices, "incident_type", incident.type)),
        h("b", {}, ` ${incident.number} `),
        h("span", { class: "addr" }, incident.address_text || `${incident.lon?.toFixed(4)}, ${incident.lat?.toFixed(4)}`),
        h("span", { class: "right" }, h("span", { class: "incident-state", dataset: { status: incident.status } }, badge(label(state.choices, "incident_status", incident.status), colour(state.choices, "incident_status", incident.status))), " ", formatTime(incident.received_at)),
      ),
    ),
  );
}

async function selectIncident(id, { fly = true } = {}) {
  try {
    state.current = await api(`/api/dispatch/incidents/${id}`);
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  renderIncident();
  renderIncidentList();
  incidentMarkers();
  if (fly && state.current.lat != null) state.map.flyTo([state.current.lat, state.current.lon], Math.max(state.map.getZoom(), 14), { duration: 0.4 });
  if (!state.recommendation || state.recommendation.incident_id !== id) drawAssignmentRoutes();
}

async function refreshCurrent() {
  if (!state.current) return;
  try {
    state.current = await api(`/api/dispatch/incidents/${state.current.id}`);
    renderIncident();
  } catch (error) {
    if (error.status === 404) state.current = null;
  }
}

async function drawAssignmentRoutes() {
  const incident = state.current;
  if (!incident) return;
  const moving = (incident.assignments || []).filter((a) => a.status === "assigned" || a.status === "en_route").slice(0, 8);
  const routes = await Promise.all(
    moving.map((a) => api(`/api/planning/route?unit_id=${a.unit_id}&lon=${incident.lon}&lat=${incident.lat}`).catch(() => null)),
  );
  if (state.current?.id === incident.id) drawRoutes(routes);
}

function renderIncident() {
  const panel = $("incident-panel");
  const incident = state.current;
  if (!incident) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const closed = incident.status === "closed";
  const parts = [];
  parts.push(
    h(
      "h2",
      {},
      "警情 ",
      h("span", { id: "incident-number" }, incident.number),
      " ",
      badge(label(state.choices, "incident_type", incident.type), colour(state.choices, "incident_type", incident.type)),
      " ",
      badge(LEVEL_NAMES[incident.level] ?? `${incident.level}级`, "#455a64"),
      " ",
      h("span", { id: "incident-status", dataset: { status: incident.status } }, badge(label(state.choices, "incident_status", incident.status), colour(state.choices, "incident_status", incident.status))),
    ),
  );
  const facts = [
    ["子类", incident.subtype ? label(state.choices, "incident_subtype", incident.subtype) : "—"],
    ["地址", incident.address_text || "—"],
    ["报警人", `${incident.caller_name || ""} ${incident.caller_number || ""}`],
    ["接警时间", formatDateTime(incident.received_at)],
    ["辖区大队", incident.brigade_name || "—"],
  ];
  if (incident.fire_grade) facts.push(["火灾等级", gradeText(incident)]);
  parts.push(h("dl", { class: "facts" }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
  if (incident.snap_too_far) parts.push(h("div", { class: "warn" }, `⚠ 事发点距最近道路 ${Math.round(incident.snap_m)} 米，请核实位置`));
  if (incident.probable_duplicates?.length) {
    parts.push(h("div", { class: "warn" }, "⚠ 可能重复报警：", incident.probable_duplicates.map((d) => `${d.number}（${Math.round(d.distance_m)} 米，${formatTime(d.received_at)}）`).join("；")));
  }
  if (incident.caller_history?.length) {
    parts.push(h("div", { class: "note" }, "来电历史：", incident.caller_history.map((c) => `${c.number} ${label(state.choices, "incident_type", c.type)} ${formatDateTime(c.received_at)}`).join("；")));
  }
  if (incident.premises) {
    const p = incident.premises;
    const size = buildingSize(p);
    parts.push(h("div", { class: "note", id: "incident-premises" }, `单位：${p.name}（${[label(state.choices, "premises_category", p.category), size].filter(Boolean).join("，")}）${p.preplan_notes ? "；预案：" + p.preplan_notes : ""}`));
  }
  parts.push(incidentPreplanSlot(incident)); // issue 19: pre-plan summary + link to the scene view
  if (incident.water_sources?.length) {
    const nearest = [...incident.water_sources].sort((a, b) => a.metres - b.metres).slice(0, 4);
    parts.push(h("div", { class: "note", id: "water-sources" }, "附近水源：", nearest.map((w) => `${w.name} ${Math.round(w.metres)} 米`).join("；")));
  }

  const rows = (incident.assignments || []).map((a) =>
    h(
      "tr",
      { dataset: { assignmentId: a.id, status: a.status }, class: "assignment-row" },
      h("td", {}, a.call_sign),
      h("td", {}, a.station_name ?? ""),
      h("td", {}, badge(assignmentLabel(a.status), colour(state.choices, "assignment_status", a.status))),
      h("td", { class: "num" }, mmss(a.eta_s)),
      h("td", {}, a.cross_brigade ? "跨区" : ""),
      h("td", {}, canDispatch && !closed ? assignmentStatusSelect(a) : ""),
    ),
  );
  parts.push(
    h("h3", {}, `出动力量（${rows.length}）`),
    h("table", { class: "grid", id: "assignment-table" }, h("thead", {}, h("tr", {}, ["车辆", "所属站", "状态", "预计", "", canDispatch ? "代报状态" : ""].map((t) => h("th", {}, t)))), h("tbody", {}, rows)),
  );

  if (canDispatch && !closed) {
    parts.push(
      h(
        "div",
        { class: "actions" },
        h("button", { class: "btn", id: "status-controlled", onclick: (e) => setIncidentStatus(e.target, "controlled") }, "已控制"),
        h("button", { class: "btn", id: "status-extinguished", onclick: (e) => setIncidentStatus(e.target, "extinguished") }, "已扑灭"),
        h("button", { class: "btn", id: "recommend-more", onclick: (e) => withButton(e.target, () => showRecommendation(incident.id)) }, "补充推荐"),
      ),
    );
    const anyoneOnScene = (incident.assignments || []).some((a) => a.on_scene_at);
    if (!anyoneOnScene && canOverride && ["received", "dispatched"].includes(incident.status)) {
      parts.push(keptForm(`override-${incident.id}`, () => overrideForm()));
    }
    const levels = [2, 3, 4, 5].filter((n) => n > incident.level);
    if (levels.length) {
      parts.push(
        keptForm(`escalate-${incident.id}-${incident.level}`, () => h(
          "form",
          { class: "escalate", id: "escalate-form", onsubmit: escalate },
          h("h3", {}, "追加力量"),
          h("div", { class: "row" }, h("label", {}, "提升至", h("select", { id: "escalate-level" }, levels.map((n) => h("option", { value: n }, `${LEVEL_NAMES[n]}调派`)))), h("label", { class: "grow" }, "原因", h("input", { id: "escalate-reason", required: true, maxlength: 500, placeholder: "如：火势蔓延，需增援" }))),
          h("button", { class: "btn btn-warn", type: "submit", id: "escalate-btn" }, "追加力量"),
        )),
      );
    }
    parts.push(keptForm(`close-${incident.id}`, () => closingForm(incident)));
  }
  if (incident.report) {
    const r = incident.report;
    const grade = incident.fire_grade ? `火灾等级：${gradeText(incident)}。` : "";
    const figures = CLOSING_FIGURES.map(([key, name, unit]) => `${name} ${formatFigure(r[key] ?? 0)} ${unit}`).join("，");
    parts.push(h("div", { class: "note", id: "closing-report" }, `结案：${figures}。${grade}${r.summary ?? ""}`));
  }
  parts.push(
    h("h3", {}, "处置时间线"),
    h(
      "ol",
      { class: "timeline", id: "timeline" },
      (incident.timeline || []).map((event) =>
        h(
          "li",
          { dataset: { kind: event.kind } },
          h("time", {}, formatTime(event.at)),
          " ",
          badge(event.kind_zh || label(state.choices, "event_kind", event.kind), colour(state.choices, "event_kind", event.kind, "#546e7a")),
          " ",
          [event.call_sign, detailText(event.detail), event.actor_name ? `（${event.actor_name}）` : ""].filter(Boolean).join(" "),
        ),
      ),
    ),
    // issue 19: the incident's 战评 record, 信息报送 and reinforcement, linked from its timeline
    h("a", { href: `/command/incidents/${incident.id}`, target: "_blank", id: "open-command" }, "战评 · 信息报送 · 跨区域增援 ›"),
  );
  replaceKeepingFocus(panel, ...parts);
}

const keptForms = new Map();
/**
 * A form that survives re-rendering: live events redraw the incident panel while the dispatcher
 * may be typing the closing report, so the same form element (and what was typed) is reused.
 */
function keptForm(key, build) {
  const incidentId = state.current?.id;
  for (const [old, entry] of keptForms) if (entry.incidentId !== incidentId) keptForms.delete(old);
  if (!keptForms.has(key)) keptForms.set(key, { incidentId, form: build() });
  return keptForms.get(key).form;
}

/** Every figure of the closing report, in the order the form asks for them (service.CLOSING_FIGURES). */
const CLOSING_FIGURES = [
  ["rescued", "获救", "人"],
  ["evacuated", "疏散", "人"],
  ["deaths", "死亡", "人"],
  ["serious_injuries", "重伤", "人"],
  ["minor_injuries", "轻伤", "人"],
  ["property_protected_cny", "保护财产", "元"],
  ["direct_loss_cny", "直接经济损失", "元"],
  ["households_affected", "受灾", "户"],
];
const FIGURE_UNITS = Object.fromEntries(CLOSING_FIGURES.map(([key, , unit]) => [key, unit]));
const DETAIL_LABELS = {
  caller_number: "电话",
  address: "地址",
  type: "类型",
  level: "等级",
  eta_s: "预计",
  reason: "原因",
  override: "强制标记",
  fire_grade: "火灾等级",
  slight_fire: "轻微火灾",
  fire_grade_edition: "等级依据（版本）",
  reassigned_to: "改派至警情",
  from: "原等级",
  to: "新等级",
  ...Object.fromEntries(CLOSING_FIGURES.map(([key, name]) => [key, name])),
};
const LEVEL_KEYS = new Set(["level", "from", "to"]);

function formatFigure(value) {
  return Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 2 });
}

/** A building's size as the crews need it: floors, and the height in whole metres when known. */
export function buildingSize(p) {
  const floors = p.floors_above ? `地上 ${p.floors_above} 层` : "";
  const height = p.height_m ? `建筑高度约 ${Math.round(p.height_m)} 米` : "";
  return [floors, height].filter(Boolean).join("，");
}

/** A timeline entry's detail ({"eta_s": 79}) as short Chinese text. */
function detailText(detail) {
  if (!detail || typeof detail !== "object") return detail ?? "";
  const value = (k, v) => {
    if (k === "eta_s") return mmss(v);
    if (LEVEL_KEYS.has(k) && Number.isInteger(v)) return LEVEL_NAMES[v] ?? `${v}级`;
    if (typeof v === "boolean") return v ? "是" : "否";
    if (k in FIGURE_UNITS) return `${formatFigure(v)} ${FIGURE_UNITS[k]}`;
    return v;
  };
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${DETAIL_LABELS[k] ?? k}：${value(k, v)}`)
    .join("，");
}

/** Before anyone is on scene: a commander may still mark the incident, with a reason. */
function overrideForm() {
  const submit = (status) => async (event) => {
    const reason = $("override-reason").value.trim();
    if (reason.length < 2) {
      toast("请填写强制标记的原因", "error");
      $("override-reason").focus();
      return;
    }
    await setIncidentStatus(event.target, status, reason);
  };
  return h(
    "div",
    { class: "override", id: "override-form" },
    h("div", { class: "muted small" }, "尚无力量到场。如确已控制或扑灭（如到场前已由单位自行扑灭），由指挥员填写原因后强制标记："),
    h("label", {}, "原因", h("input", { id: "override-reason", maxlength: 200, placeholder: "如：单位微型消防站已扑灭，经电话核实" })),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "btn btn-warn", id: "override-controlled", onclick: submit("controlled") }, "强制标记已控制"),
      h("button", { type: "button", class: "btn btn-warn", id: "override-extinguished", onclick: submit("extinguished") }, "强制标记已扑灭"),
    ),
  );
}

function assignmentStatusSelect(assignment) {
  const next = NEXT_STATUS[assignment.status] || [];
  if (!next.length) return "";
  return h(
    "select",
    {
      class: "assignment-status",
      "aria-label": `${assignment.call_sign} 代报状态`,
      onchange: async (event) => {
        const status = event.target.value;
        if (!status) return;
        event.target.disabled = true;
        try {
          await api(`/api/dispatch/assignments/${assignment.id}/status`, { method: "POST", body: { status } });
          toast(`${assignment.call_sign}：${assignmentLabel(status)}`, "ok");
          await refreshCurrent();
        } catch (error) {
          toast(error.message, "error");
          event.target.value = "";
          event.target.disabled = false;
        }
      },
    },
    h("option", { value: "" }, "—"),
    next.map((s) => h("option", { value: s }, assignmentLabel(s))),
  );
}

/** A fire's grade as the closing report states it: the grade, 轻微 if so, and the rules applied. */
function gradeText(incident) {
  const grade = label(state.choices, "fire_grade", incident.fire_grade_value ?? incident.fire_grade);
  const slight = incident.slight_fire ? "（轻微火灾）" : "";
  const rules = incident.fire_grade_rules ? `，依据${incident.fire_grade_rules}` : "";
  return `${grade}${slight}${rules}`;
}

/**
 * What the dispatcher typed into each incident's closing report, by incident id: a closing form
 * that is built again (another incident selected and back, a redraw) starts from it, so an entered
 * figure is never silently replaced by 0.
 */
const closingDrafts = new Map();

function closingForm(incident) {
  const draft = closingDrafts.get(incident.id) ?? {};
  const field = (name, text, attrs = {}) => h("label", {}, text, h("input", { name, type: "number", min: 0, step: 1, value: draft[name] ?? 0, ...attrs }));
  const keepDraft = (event) => {
    const el = event.target;
    if (!el.name) return;
    closingDrafts.set(incident.id, { ...(closingDrafts.get(incident.id) ?? {}), [el.name]: el.value });
  };
  const form = h(
    "form",
    { class: "closing", id: "close-form", onsubmit: closeIncident, oninput: keepDraft, onchange: keepDraft },
    h("h3", {}, "结案报告"),
    h("div", { class: "row" }, field("rescued", "获救人数"), field("evacuated", "疏散人数"), field("deaths", "死亡"), field("serious_injuries", "重伤"), field("minor_injuries", "轻伤")),
    h("div", { class: "row" }, field("property_protected_cny", "保护财产（元）"), field("direct_loss_cny", "直接经济损失（元）"), field("households_affected", "受灾户数")),
    h("label", {}, "处置情况", h("textarea", { name: "summary", rows: 2, maxlength: 2000, required: true, placeholder: "到场情况、处置经过、结果" }, draft.summary ?? "")),
    h("button", { class: "btn btn-primary", type: "submit", id: "close-incident" }, `结案（${incident.number}）`),
  );
  return form;
}

async function setIncidentStatus(button, status, overrideReason = null) {
  await withButton(button, async () => {
    const body = overrideReason ? { status, override_reason: overrideReason } : { status };
    state.current = await api(`/api/dispatch/incidents/${state.current.id}/status`, { method: "POST", body });
    renderIncident();
    applyIncidentStatus({ incident_id: state.current.id, status: state.current.status });
    toast(`警情已标记为${label(state.choices, "incident_status", status)}${overrideReason ? "（强制标记）" : ""}`, "ok");
  });
}

async function escalate(event) {
  event.preventDefault();
  const level = Number($("escalate-level").value);
  const reason = $("escalate-reason").value.trim();
  await withButton($("escalate-btn"), async () => {
    state.current = await api(`/api/dispatch/incidents/${state.current.id}/escalate`, { method: "POST", body: { level, reason } });
    renderIncident();
    toast(`已提升至${LEVEL_NAMES[level]}调派，请确认追加力量`, "ok");
    await showRecommendation(state.current.id);
  });
}

async function closeIncident(event) {
  event.preventDefault();
  const form = event.target;
  const body = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    body[el.name] = el.type === "number" ? Number(el.value || 0) : el.value.trim();
  }
  await withButton($("close-incident"), async () => {
    state.current = await api(`/api/dispatch/incidents/${state.current.id}/close`, { method: "POST", body });
    closingDrafts.delete(state.current.id);
    const grade = state.current.fire_grade ? `，火灾等级：${gradeText(state.current)}` : "";
    toast(`警情 ${state.current.number} 已结案${grade}`, "ok", 6000);
    renderIncident();
    clearRoutes();
    await loadIncidents();
  });
}

// ---------------------------------------------------------------- intake and recommendation

function fillSelects() {
  const typeSelect = $("incident-type");
  typeSelect.replaceChildren(...(state.choices.incident_type?.list || []).map((c) => h("option", { value: c.value }, c.zh)));
  const fillSubtypes = () => {
    const type = typeSelect.value;
    const subtypes = (state.choices.incident_subtype?.list || []).filter((s) => !s.type || s.type === type || s.value === "other");
    $("incident-subtype").replaceChildren(h("option", { value: "" }, "（未细分）"), ...subtypes.map((c) => h("option", { value: c.value }, c.zh)));
  };
  typeSelect.addEventListener("change", fillSubtypes);
  fillSubtypes();
  $("incident-level").replaceChildren(...[1, 2, 3, 4, 5].map((n) => h("option", { value: n }, `${LEVEL_NAMES[n]}调派`)));
}

async function geocode() {
  const q = $("address").value.trim();
  const box = $("candidates");
  if (q.length < 2) {
    box.hidden = true;
    return;
  }
  state.geocodeAbort?.abort();
  state.geocodeAbort = new AbortController();
  try {
    const result = await api(`/api/dispatch/geocode?q=${encodeURIComponent(q)}&limit=5`, { signal: state.geocodeAbort.signal });
    const candidates = result.candidates || [];
    box.hidden = false;
    if (!candidates.length) {
      box.replaceChildren(h("li", { class: "muted" }, "未找到匹配地址，请在地图上点击选点"));
      return;
    }
    box.replaceChildren(
      ...candidates.map((c, i) =>
        h(
          "li",
          { class: "candidate", dataset: { index: i }, tabindex: 0, onclick: () => pickCandidate(c), onkeydown: (e) => e.key === "Enter" && pickCandidate(c) },
          h("b", {}, c.label),
          h("span", { class: "muted" }, ` ${c.kind_zh ?? "地点"} · ${Math.round(c.score ?? 0)}分`),
          c.note ? h("div", { class: "warn small candidate-note" }, `⚠ ${c.note}`) : null,
        ),
      ),
    );
  } catch (error) {
    if (error.name === "AbortError") return;
    box.hidden = false;
    box.replaceChildren(h("li", { class: "muted" }, `地址查询失败：${error.message}；请在地图上点击选点`));
  }
}

/**
 * Candidates that name a road, an area or a fire station, not a building that could be a premises:
 * a premises a few dozen metres away is not the scene (a call on the street outside a supermarket).
 */
const NOT_A_PREMISES = new Set(["street", "intersection", "place", "admin", "organization"]);

function pickCandidate(candidate) {
  $("address").value = candidate.label;
  $("candidates").hidden = true;
  setPlace(candidate.lat, candidate.lon, "地址候选", candidate.label);
  state.place.premisesId = candidate.premises_id ?? null;
  state.place.matchPremises = !NOT_A_PREMISES.has(candidate.kind);
  if (candidate.note) toast(candidate.note, "info", 6000);
  state.map.flyTo([candidate.lat, candidate.lon], 15, { duration: 0.4 });
}

async function submitIntake(event) {
  event.preventDefault();
  if (!state.place) {
    toast("请先选择地址候选或在地图上点击选点", "error");
    return;
  }
  const body = {
    caller_number: $("caller-number").value.trim(),
    caller_name: $("caller-name").value.trim() || null,
    address_text: $("address").value.trim() || null,
    lon: state.place.lon,
    lat: state.place.lat,
    type: $("incident-type").value,
    subtype: $("incident-subtype").value || null,
    level: Number($("incident-level").value),
    description: $("description").value.trim() || null,
    premises_id: state.place.premisesId ?? null,
    match_premises: state.place.matchPremises ?? true,
  };
  await withButton($("submit-intake"), async () => {
    const incident = await api("/api/dispatch/incidents", { method: "POST", body });
    toast(`已立案：${incident.number}`, "ok");
    state.current = incident;
    if (!state.incidents.some((i) => i.id === incident.id)) state.incidents.unshift(incident);
    renderIncidentList();
    incidentMarkers();
    renderIncident();
    await showRecommendation(incident.id);
  });
}

function resetIntake() {
  state.place = null;
  if (state.placeMarker) state.map.removeLayer(state.placeMarker);
  state.placeMarker = null;
  $("place-text").textContent = "位置：未定位（选择地址候选，或在地图上点击选点）";
  $("place-text").classList.remove("set");
  $("candidates").hidden = true;
}

async function showRecommendation(incidentId) {
  const panel = $("recommend-panel");
  panel.hidden = false;
  panel.replaceChildren(h("h2", {}, "推荐力量"), h("p", { class: "muted" }, "计算中…"));
  const rec = await api(`/api/dispatch/incidents/${incidentId}/recommendation`);
  state.recommendation = rec;
  // rows in the order the units arrive
  const units = [...(rec.units || [])].sort((a, b) => a.eta_s - b.eta_s);
  drawRoutes(units.map((u) => u.route));
  const rows = units.map((u, i) =>
    h(
      "tr",
      { class: `rec-row${u.first_responder ? " first-responder" : ""}`, dataset: { unitId: u.unit_id }, title: `${u.station_name}：${u.reason || ""}` },
      h("td", {}, h("input", { type: "checkbox", class: "rec-pick", value: u.unit_id, checked: true, "aria-label": u.call_sign })),
      h("td", { class: "call-sign" }, h("span", { class: "swatch", style: { background: ROUTE_COLOURS[i % ROUTE_COLOURS.length] } }), u.call_sign),
      h("td", { class: "unit-type" }, u.unit_type_zh || label(state.choices, "unit_type", u.unit_type)),
      h("td", { class: "station" }, u.station_name),
      h("td", { class: "num eta" }, mmss(u.eta_s)),
      h("td", { class: "num dist" }, u.distance_m != null ? `${(u.distance_m / 1000).toFixed(1)}\u00a0km` : "—"),
      h("td", { class: "reason" }, u.first_responder ? h("span", { class: "tag tag-first" }, "先期处置") : u.requirement || "", u.cross_brigade ? h("span", { class: "tag" }, "跨区") : ""),
    ),
  );
  const parts = [
    h("h2", {}, "推荐力量 ", h("span", { class: "muted small" }, `${rec.plan?.name ?? ""}（${LEVEL_NAMES[rec.level] ?? rec.level}）`)),
  ];
  if (rec.snap?.too_far) parts.push(h("div", { class: "warn" }, `⚠ 事发点距最近道路 ${Math.round(rec.snap.distance_m)} 米，行驶时间仅供参考`));
  if (rec.requirements?.length) {
    parts.push(h("div", { class: "requirements" }, rec.requirements.map((r) => h("span", { class: r.missing ? "tag tag-missing" : "tag" }, `${r.label} ${r.filled}/${r.count}`))));
  }
  if (rec.unfilled?.length) parts.push(h("div", { class: "warn" }, "⚠ 力量不足：", rec.unfilled.map((u) => `${u.label} 缺 ${u.missing}`).join("；")));
  if (!units.length) parts.push(h("p", { class: "muted" }, "无可推荐的在库力量"));
  else {
    parts.push(
      h("table", { class: "grid", id: "recommend-table" }, h("thead", {}, h("tr", {}, ["", "车辆", "车型", "所属站", "预计到达", "距离", "依据"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)),
      h("div", { class: "actions" }, h("button", { class: "btn btn-primary btn-big", id: "dispatch-all", onclick: dispatchRecommended }, `一键调派（${units.length} 车）`)),
    );
  }
  replaceKeepingFocus(panel, ...parts);
  panel.scrollIntoView({ block: "nearest" });
}

async function dispatchRecommended(event) {
  const ids = [...document.querySelectorAll(".rec-pick:checked")].map((el) => Number(el.value));
  if (!ids.length) {
    toast("请至少选择一辆车", "error");
    return;
  }
  await withButton(event.target, async () => {
    const incidentId = state.recommendation.incident_id;
    try {
      state.current = await api(`/api/dispatch/incidents/${incidentId}/assignments`, { method: "POST", body: { unit_ids: ids } });
    } catch (error) {
      if (error.status === 409) {
        toast(`${error.message}；已重新推荐`, "error", 8000);
        await showRecommendation(incidentId);
        return;
      }
      throw error;
    }
    toast(`已调派 ${ids.length} 车`, "ok");
    $("recommend-panel").hidden = true;
    state.recommendation = null;
    renderIncident();
    await Promise.all([refreshUnits(), loadIncidents()]);
    resetIntake();
    $("intake-form").reset();
  });
}

// ---------------------------------------------------------------- status board

async function refreshUnits() {
  const ticket = unitAnswers.next();
  try {
    const page = await api("/api/forces/units?limit=1000");
    if (!unitAnswers.take(ticket)) return;
    state.units = page.items;
  } catch {
    return;
  }
  drawUnits();
  renderStatusBoard();
}

function renderStatusBoard() {
  const statuses = state.choices.unit_status.list;
  const counts = Object.fromEntries(statuses.map((s) => [s.value, 0]));
  for (const u of state.units) counts[u.status] = (counts[u.status] || 0) + 1;
  $("status-counts").replaceChildren(
    ...statuses.map((s) => h("span", { class: "count", dataset: { status: s.value } }, badge(`${s.zh} ${counts[s.value] || 0}`, s.color))),
  );
  const byStation = new Map();
  for (const unit of state.units) {
    const list = byStation.get(unit.station_id) || [];
    list.push(unit);
    byStation.set(unit.station_id, list);
  }
  const rows = [...byStation.entries()]
    .sort((a, b) => (state.orgsById.get(a[0])?.name ?? "").localeCompare(state.orgsById.get(b[0])?.name ?? "", "zh-CN"))
    .map(([stationId, units]) =>
      h(
        "div",
        { class: "station-row" },
        h("span", { class: "station-name" }, state.orgsById.get(stationId)?.name ?? units[0].station_name ?? `站 ${stationId}`),
        units
          .sort((a, b) => a.call_sign.localeCompare(b.call_sign, "zh-CN"))
          .map((u) =>
            h(
              "span",
              {
                class: "unit-chip",
                dataset: { unitId: u.id, status: u.status },
                title: `${u.call_sign} · ${label(state.choices, "unit_type", u.type)} · ${label(state.choices, "unit_status", u.status)}`,
                style: { borderColor: colour(state.choices, "unit_status", u.status), background: colour(state.choices, "unit_status", u.status) + "22" },
                onclick: () => state.unitLayer.markers.get(u.id)?.openTooltip(),
              },
              h("i", { style: { background: colour(state.choices, "unit_status", u.status) } }),
              u.call_sign.replace(u.station_name ?? "", "") || u.call_sign,
            ),
          ),
      ),
    );
  $("status-table").replaceChildren(...rows);
}

const refreshUnitsSoon = debounce(refreshUnits, 200);
const refreshIncidentsSoon = debounce(loadIncidents, 200);
const refreshCurrentSoon = debounce(refreshCurrent, 150);
const refreshCoverageSoon = debounce(async () => {
  try {
    const coverage = await api("/api/planning/coverage?live=true&holes=true");
    for (const [key, entry] of Object.entries(coverage.holes || {})) {
      const layer = state.holes[key]?.layer;
      if (!layer) continue;
      layer.clearLayers();
      layer.addData(entry);
    }
  } catch {
    // coverage is a convenience layer; the next change refreshes it
  }
}, 1500);

// A busy server may answer a refresh with the list it kept a moment before (the answer carries
// an Age header; lanyan.api.cache): the change that prompted the refresh may be missing from it,
// and no later event may come to prompt another, so such a list is asked for once more shortly.
const STALE_RETRY_MS = 1200;
window.addEventListener("lanyan:stale-answer", (event) => {
  const path = event.detail.path;
  if (path.startsWith("/api/forces/units")) setTimeout(refreshUnitsSoon, STALE_RETRY_MS);
  else if (path.startsWith("/api/dispatch/incidents?")) setTimeout(refreshIncidentsSoon, STALE_RETRY_MS);
});

function alertNewIncident(data) {
  const banner = $("alert-banner");
  const incident = data?.incident ?? data ?? {};
  banner.textContent = `【新警情】 ${incident.number ?? ""} ${incident.type ? label(state.choices, "incident_type", incident.type) : ""} ${incident.address ?? incident.address_text ?? ""}`;
  banner.hidden = false;
  state.map?.invalidateSize();
  banner.classList.remove("flash");
  void banner.offsetWidth;
  banner.classList.add("flash");
  clearTimeout(alertNewIncident.timer);
  alertNewIncident.timer = setTimeout(() => {
    banner.hidden = true;
    state.map?.invalidateSize();
  }, 12000);
  beep();
}

function incidentIdOf(data) {
  return data?.incident_id ?? data?.incident?.id ?? data?.assignment?.incident_id ?? data?.id ?? null;
}

function startLive() {
  const touchesCurrent = (data) => state.current && incidentIdOf(data) === state.current.id;
  liveEvents(
    {
      "incident.created": (data) => {
        alertNewIncident(data);
        refreshIncidentsSoon();
      },
      "incident.updated": (data) => {
        applyIncidentStatus(data);
        refreshIncidentsSoon();
        if (touchesCurrent(data)) refreshCurrentSoon();
      },
      "assignment.created": (data) => {
        applyIncidentStatus(data);
        refreshUnitsSoon();
        refreshIncidentsSoon();
        if (!state.current || touchesCurrent(data)) refreshCurrentSoon();
      },
      "assignment.updated": (data) => {
        applyIncidentStatus(data);
        refreshUnitsSoon();
        refreshIncidentsSoon();
        if (!state.current || touchesCurrent(data)) refreshCurrentSoon();
      },
      "unit.status": () => {
        refreshUnitsSoon();
        refreshCoverageSoon();
      },
    },
    {
      onOpen: () => {
        refreshUnitsSoon();
        refreshIncidentsSoon();
        refreshCurrentSoon();
      },
    },
  );
}

// ---------------------------------------------------------------- start

/** Toasts are shown on the map (see console.css), never over the side panel's controls. */
function keepToastsOnTheMap() {
  const adopt = () => {
    const box = document.querySelector("body > .toasts");
    if (box) $("map").append(box);
  };
  new MutationObserver(adopt).observe(document.body, { childList: true });
  adopt();
}

async function main() {
  keepToastsOnTheMap();
  mountHeader("一张图 · 指挥调度");
  document.body.classList.toggle("read-only", !canDispatch);
  state.choices = await loadChoices();
  state.incidentLayer = L.layerGroup();
  if (canDispatch) {
    fillSelects();
    $("intake-form").addEventListener("submit", submitIntake);
    $("intake-form").addEventListener("reset", resetIntake);
    $("geocode-btn").addEventListener("click", geocode);
    $("address").addEventListener("input", debounce(geocode, 300));
    $("address").addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        geocode();
      }
    });
  }
  await buildMap();
  state.map.on("click", onMapClick);
  renderStatusBoard();
  startLive();
  window.LANYAN_CONSOLE = state;
}

main().catch((error) => {
  console.error(error);
  toast(`一张图加载失败：${error.message}`, "error", 15000);
  const loading = $("map-loading");
  if (loading) loading.textContent = `加载失败：${error.message}`;
});
