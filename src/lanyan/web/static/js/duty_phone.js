// The station's phone page of duty strength (执勤申报, 390×844): who is on duty today and on which
// vehicle, vehicles out of service with the reason; prefilled from the last declaration, which one
// tap carries over. The second tab records roll calls and handovers and shows the daily routine.
import { api, config, h, mountHeader, toast, user, withButton } from "./common.js";

const $ = (id) => document.getElementById(id);
const CHOICES = config.duty?.choices || {};
const state = { stationId: null, today: null, vehicles: new Map() };

function show(view) {
  for (const section of document.querySelectorAll("main.gridw > .view")) section.hidden = section.id !== `view-${view}`;
  for (const tab of document.querySelectorAll(".gw-tabbar button")) tab.classList.toggle("active", tab.dataset.go === view);
  window.scrollTo(0, 0);
  if (view === "routine") loadRoutine();
}

function defaultSeat(index) {
  return index === 0 ? "driver" : index === 1 ? "commander" : "firefighter";
}

function personOptions(people, chosen) {
  return [
    h("option", { value: "" }, "（空）"),
    ...people.map((p) => h("option", { value: String(p.id), selected: p.id === chosen }, `${p.name}`)),
  ];
}

/** One card per vehicle: in/out of service, the reason, and a person per seat. */
function vehicleCard(unit, declared, people) {
  const entry = { unit, inService: declared ? declared.in_service : unit.status !== "out_of_service", seats: [] };
  const seatsBox = h("div", { class: "dt-seats" });
  const reason = h("input", { maxlength: "200", placeholder: "停用原因（如：维修保养）", value: declared?.out_reason || "", class: "dt-reason" });
  const count = h("span", { class: "dt-count" });
  const card = h("div", { class: "gw-card dt-vehicle", dataset: { unitId: unit.id } });
  const update = () => {
    const filled = entry.seats.filter((s) => s.person.value).length;
    count.textContent = entry.inService ? `${filled}/${unit.seats}人（最低${unit.min_crew}人）` : "停用";
    count.classList.toggle("short", entry.inService && filled < unit.min_crew);
    card.classList.toggle("out", !entry.inService);
    seatsBox.hidden = !entry.inService;
    reason.hidden = entry.inService;
    inBtn.classList.toggle("on", entry.inService);
    outBtn.classList.toggle("on", !entry.inService);
  };
  const inBtn = h("button", { type: "button", class: "in", onclick: () => { entry.inService = true; update(); } }, "执勤");
  const outBtn = h("button", { type: "button", class: "out", onclick: () => { entry.inService = false; update(); } }, "停用");
  const taken = declared?.people || [];
  for (let i = 0; i < unit.seats; i += 1) {
    const current = taken[i];
    const kind = h("select", { class: "dt-seat-kind", "aria-label": "席位" },
      ...(CHOICES.seat || []).map((s) => h("option", { value: s.value, selected: s.value === (current?.seat || defaultSeat(i)) }, s.zh)));
    const person = h("select", { class: "dt-person", "aria-label": `${unit.call_sign} 第${i + 1}座`, onchange: update }, ...personOptions(people, current?.person_id));
    entry.seats.push({ kind, person });
    seatsBox.append(h("div", { class: "dt-seat" }, kind, person));
  }
  card.append(
    h("h3", {}, h("span", {}, `${unit.call_sign}`), count),
    h("div", { class: "gw-meta" }, unit.type_zh),
    h("div", { class: "dt-service" }, inBtn, outBtn),
    reason,
    seatsBox,
  );
  entry.reason = reason;
  state.vehicles.set(unit.id, entry);
  update();
  return card;
}

function statusText(data) {
  const box = $("declare-status");
  const today = data.today;
  box.className = "dt-status";
  if (today) {
    const at = new Date(today.declared_at).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit" });
    box.textContent = `今日已申报（${at}${today.on_time ? "" : "，晚于" + data.declare_by}）：在岗${today.people}人，执勤车${today.vehicles_in_service}辆${today.carried_over ? "（沿用昨日）" : ""}`;
    box.classList.add(today.carried_over ? "carried" : today.on_time ? "ok" : "late");
  } else {
    box.textContent = `今日尚未申报（请于 ${data.declare_by} 前提交）${data.previous ? "；已按上次申报预填" : ""}`;
    box.classList.add("late");
  }
  $("carry-over").hidden = !data.previous || Boolean(today);
}

async function loadStation() {
  const data = await api(`/api/duty/stations/${state.stationId}/today`);
  state.today = data;
  $("station-name").textContent = `${data.station_name} · ${data.day}`;
  statusText(data);
  const basis = data.today || data.previous;
  const officer = $("officer");
  officer.replaceChildren(...personOptions(data.people, basis?.officer_id));
  $("declare-note").value = basis?.note || "";
  const declared = new Map((basis?.vehicles || []).map((v) => [v.unit_id, v]));
  state.vehicles.clear();
  $("vehicles").replaceChildren(...data.units.map((u) => vehicleCard(u, declared.get(u.id), data.people)));
}

function body() {
  const vehicles = [...state.vehicles.values()].map((v) => ({
    unit_id: v.unit.id,
    in_service: v.inService,
    out_reason: v.inService ? null : v.reason.value.trim() || null,
    crew: v.inService
      ? v.seats.filter((s) => s.person.value).map((s) => ({ person_id: Number(s.person.value), seat: s.kind.value }))
      : [],
  }));
  const officer = $("officer").value;
  return {
    station_id: state.stationId,
    officer_id: officer ? Number(officer) : null,
    note: $("declare-note").value.trim() || null,
    vehicles,
  };
}

async function submit(event) {
  await withButton(event.currentTarget, async () => {
    const done = await api("/api/duty/declarations", { method: "POST", body: body() });
    toast(`已提交：在岗${done.people}人，执勤车${done.vehicles_in_service}辆`, "ok");
    await loadStation();
  });
}

async function carryOver(event) {
  await withButton(event.currentTarget, async () => {
    const done = await api(`/api/duty/stations/${state.stationId}/carry-over`, { method: "POST" });
    toast(`已沿用昨日：在岗${done.people}人`, "ok");
    await loadStation();
  });
}

// --- roll calls, handovers, routine ----------------------------------------------------------

async function loadRoutine() {
  if (!state.stationId) return;
  const [routine, logs] = await Promise.all([
    api(`/api/duty/routines/${state.stationId}`),
    api(`/api/duty/logs?org_id=${state.stationId}&limit=10`),
  ]);
  $("routine").replaceChildren(
    ...(routine?.items?.length ? routine.items.map((i) => h("li", {}, `${i.at} ${i.activity}`)) : [h("li", { class: "muted" }, "本站尚未设置一日生活制度")]),
  );
  $("logs").replaceChildren(
    ...logs.items.map((l) =>
      h("li", { class: "gw-task" },
        h("div", { class: "gw-task-name" }, l.kind === "roll_call" ? `点名：实到${l.present}人` : `交接班：${l.handed_over_by} → ${l.taken_over_by}`),
        h("div", { class: "gw-meta" }, new Date(l.at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" }), l.absent?.length ? ` 缺勤：${l.absent.join("、")}` : "", l.note ? ` ${l.note}` : ""),
      ),
    ),
  );
}

async function record(button, payload) {
  await withButton(button, async () => {
    await api("/api/duty/logs", { method: "POST", body: { org_id: state.stationId, ...payload } });
    toast("已记录", "ok");
    await loadRoutine();
  });
}

async function main() {
  mountHeader("执勤申报");
  for (const tab of document.querySelectorAll(".gw-tabbar button")) tab.addEventListener("click", () => show(tab.dataset.go));
  $("submit-declaration").addEventListener("click", submit);
  $("carry-over").addEventListener("click", carryOver);
  $("submit-rollcall").addEventListener("click", (e) =>
    record(e.currentTarget, {
      kind: "roll_call",
      present: Number($("rollcall-present").value || 0),
      absent: $("rollcall-absent").value.split(/[、,，;；]/).map((s) => s.trim()).filter(Boolean),
    }),
  );
  $("submit-handover").addEventListener("click", (e) =>
    record(e.currentTarget, {
      kind: "handover",
      handed_over_by: $("handover-from").value.trim() || null,
      taken_over_by: $("handover-to").value.trim() || null,
      note: $("handover-note").value.trim() || null,
    }),
  );
  const board = await api("/api/duty/board");
  const stations = board.stations;
  if (!stations.length) {
    $("station-name").textContent = "您的辖区内没有需要申报执勤实力的消防救援站";
    return;
  }
  const own = stations.find((s) => s.station_id === user?.organization_id);
  state.stationId = (own || stations[0]).station_id;
  if (!own && stations.length > 1) {
    const select = $("station-select");
    select.replaceChildren(...stations.map((s) => h("option", { value: String(s.station_id) }, s.station_name)));
    select.addEventListener("change", () => {
      state.stationId = Number(select.value);
      loadStation();
    });
    $("station-box").hidden = false;
  }
  await loadStation();
}

main().catch((error) => toast(error.message || String(error), "error", 8000));
