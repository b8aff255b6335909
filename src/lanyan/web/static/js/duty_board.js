// The dispatcher's board shows each station's declared duty strength (执勤实力, issue 20): beside
// every station's vehicles a badge — people on duty, vehicles short of crew — or a red flag when
// the station has not declared by the set time. Loaded by the console next to console.js; it
// decorates the status board the console draws (and redraws), and refetches on each declaration.
import { api, h, liveEvents } from "./common.js";

const state = { rows: new Map(), summary: null };

function badgeFor(row) {
  if (!row.declared) {
    return h("span", { class: "duty-strength missing", title: row.summary }, row.late ? "未申报执勤实力" : "待申报");
  }
  const short = row.short_vehicles.length > 0;
  const text = `在岗${row.people}人·车${row.vehicles_in_service}${row.vehicles_out ? `·停${row.vehicles_out}` : ""}`;
  return h(
    "span",
    { class: `duty-strength${short ? " short" : ""}${row.late ? " missing" : ""}`, title: `${row.summary}${row.officer_name ? ` · 值班干部：${row.officer_name}` : ""}${row.carried_over ? " · 沿用昨日" : ""}` },
    short ? `${text}·缺员` : text,
  );
}

function decorate() {
  const table = document.getElementById("status-table");
  if (!table) return;
  for (const row of table.querySelectorAll(".station-row")) {
    const name = row.querySelector(".station-name");
    if (!name) continue;
    row.querySelector(".duty-strength")?.remove();
    const entry = state.rows.get(name.textContent.trim());
    if (entry) name.after(badgeFor(entry));
  }
  let summary = document.getElementById("duty-board-summary");
  if (!summary) {
    summary = h("div", { id: "duty-board-summary", class: "duty-board-summary" });
    table.before(summary);
  }
  const rows = [...state.rows.values()];
  const missing = rows.filter((r) => !r.declared || r.late);
  const people = rows.reduce((n, r) => n + r.people, 0);
  summary.replaceChildren(
    `执勤实力（${state.declareBy}前申报）：已申报 ${rows.filter((r) => r.declared).length}/${rows.length} 站，在岗 ${people} 人`,
    missing.length
      ? h("b", { title: missing.map((r) => r.station_name).join("、") }, `；未按时申报 ${missing.length} 站：${missing.slice(0, 3).map((r) => r.station_name).join("、")}${missing.length > 3 ? " 等" : ""}`)
      : "",
  );
}

async function refresh() {
  try {
    const board = await api("/api/duty/board");
    state.rows = new Map(board.stations.map((r) => [r.station_name, r]));
    state.declareBy = board.declare_by;
  } catch {
    return; // a role without the board, or a transient error: the console works without it
  }
  decorate();
}

function start() {
  const table = document.getElementById("status-table");
  if (!table) return;
  // the console redraws its board on every status change: put the badges back each time
  new MutationObserver((changes) => {
    if (changes.some((c) => [...c.addedNodes].some((n) => n.classList?.contains("station-row")))) decorate();
  }).observe(table, { childList: true });
  liveEvents({ "duty.declared": refresh }, { onOpen: refresh });
  setInterval(refresh, 60_000); // the set time passes without any event
  refresh();
}

start();
