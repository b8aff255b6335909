// Shared helpers of every Lanyan page: configuration, API calls, choices, times, live events.

const configElement = document.getElementById("lanyan-config");
export const config = configElement ? JSON.parse(configElement.textContent) : {};
// A deployment with a tile server sets LANYAN_TILE_URL on the server; null = offline vector roads.
window.LANYAN_TILE_URL = config.tileUrl || null;
// The datum of those tiles: "gcj02" for Chinese internal tile services (LANYAN_TILE_CRS).
window.LANYAN_TILE_CRS = config.tileCrs || "wgs84";
export const user = config.user || null;

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.body = body;
  }
}

function problemText(status, body) {
  if (body && typeof body === "object") {
    if (body.detail && typeof body.detail === "string") {
      const fields = (body.errors || [])
        .map((e) => e.field || e.loc || "")
        .filter(Boolean)
        .join("、");
      return fields ? `${body.detail}（${fields}）` : body.detail;
    }
    if (Array.isArray(body.detail)) return "输入有误：" + body.detail.map((d) => d.msg).join("；");
  }
  return `请求失败（HTTP ${status}）`;
}

/** Call the JSON API with the session cookie; throws ApiError with the Chinese detail. */
export async function api(path, { method = "GET", body, signal } = {}) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" }, signal };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (method === "GET" && response.ok && response.headers.has("age")) {
    // a busy server's kept answer, up to a second old (lanyan.api.cache): pages may ask again
    window.dispatchEvent(new CustomEvent("lanyan:stale-answer", { detail: { path } }));
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (response.status === 401 && !path.startsWith("/api/auth/login")) {
    location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
  }
  if (!response.ok) throw new ApiError(response.status, problemText(response.status, data), data);
  return data;
}

/** Every item of a paged list endpoint ({items, total}), fetched page by page. */
export async function fetchAll(path, pageSize = 1000) {
  const items = [];
  const sep = path.includes("?") ? "&" : "?";
  for (let offset = 0; offset < 1_000_000; offset += pageSize) {
    const page = await api(`${path}${sep}limit=${pageSize}&offset=${offset}`);
    const rows = page.items || [];
    items.push(...rows);
    if (rows.length < pageSize || (page.total !== undefined && items.length >= page.total)) break;
  }
  return items;
}

let choicesPromise = null;
/** /api/meta/choices, loaded once per page: {name: [{value, zh, en, color}]} */
export function loadChoices() {
  choicesPromise ??= api("/api/meta/choices").then((raw) => {
    const byName = {};
    for (const [name, list] of Object.entries(raw)) {
      byName[name] = { list, byValue: Object.fromEntries(list.map((c) => [c.value, c])) };
    }
    return byName;
  });
  return choicesPromise;
}

export function label(choices, name, value) {
  return choices[name]?.byValue[value]?.zh ?? value ?? "—";
}

export function colour(choices, name, value, fallback = "#607d8b") {
  return choices[name]?.byValue[value]?.color ?? fallback;
}

const shanghai = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const shanghaiTime = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

/** A UTC ISO time shown in Asia/Shanghai ("2026/03/01 14:05:09"). */
export function formatDateTime(iso) {
  return iso ? shanghai.format(new Date(iso)) : "—";
}

export function formatTime(iso) {
  return iso ? shanghaiTime.format(new Date(iso)) : "—";
}

/** Year and month of a UTC time in Asia/Shanghai: "2026-03". */
export function shanghaiMonth(iso) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" })
    .formatToParts(new Date(iso));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}`;
}

/** Seconds as mm:ss (ETAs). */
export function mmss(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * Text made safe for an API that only takes an HTML string (an ECharts formatter function, a Leaflet
 * layer-control name). Record text (addresses, names, call signs) is never HTML: everywhere else it
 * goes through `h()` / textContent, and this is the one escape for the rest.
 */
export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}

/**
 * Content of a map tooltip or popup: a bold first line, then one line per non-empty part, built as
 * DOM nodes so record text stays text. Leaflet treats a string as HTML, so never hand it one.
 */
export function mapLabel(title, ...lines) {
  const parts = [h("b", {}, title)];
  for (const line of lines.flat()) {
    if (line === null || line === undefined || line === false || line === "") continue;
    parts.push(h("br"), line);
  }
  return h("div", { class: "map-label" }, parts);
}

/** A one-line map tooltip as a text node's element (see mapLabel). */
export function mapText(text) {
  return h("span", { class: "map-text" }, text);
}

/** Build an element: h("div", {class: "x", onclick: fn}, child, "text"). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Replace ``container``'s children, keeping the keyboard focus and caret where they were when the
 * focused element survives (a kept form re-used by the redraw). Moving a node out of the document
 * and back blurs it: a live event redrawing a panel while someone types would otherwise send the
 * next keystrokes nowhere.
 */
export function replaceKeepingFocus(container, ...nodes) {
  const active = document.activeElement;
  const inside = active && active !== document.body && container.contains(active);
  let start = null;
  let end = null;
  if (inside) {
    try {
      start = active.selectionStart;
      end = active.selectionEnd;
    } catch {
      // inputs without a text selection (number, checkbox …)
    }
  }
  container.replaceChildren(...nodes);
  if (!inside || !active.isConnected || document.activeElement === active) return;
  active.focus({ preventScroll: true });
  if (start === null) return;
  try {
    active.setSelectionRange(start, end);
  } catch {
    // the element no longer takes a selection
  }
}

let toastBox = null;
/** A short message in the corner; kind = "info" | "ok" | "error". */
export function toast(message, kind = "info", ms = 4000) {
  // A page may give its toasts a place of their own (an element with class "toasts"), so they
  // never cover its controls; otherwise they float in the corner.
  toastBox ??= document.querySelector(".toasts") || document.body.appendChild(h("div", { class: "toasts", role: "status", "aria-live": "polite" }));
  const item = h("div", { class: `toast toast-${kind}` }, message);
  toastBox.append(item);
  setTimeout(() => item.remove(), ms);
}

/** Run an async action from a button: disables it meanwhile and reports errors as a toast. */
export async function withButton(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    toast(error.message || String(error), "error", 6000);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Header: the user's name and role, links to the pages the role may open, and log out. */
export function mountHeader(title) {
  const header = document.querySelector("header.topbar");
  if (!header) return;
  // The pages the role may open, from the server's permission table (the one the 403 check reads).
  const links = (user?.menu || []).map((item) => [item.href, item.label]);
  const nav = h(
    "nav",
    {},
    links.map(([href, text]) =>
      h("a", { href, class: location.pathname === href ? "active" : null }, text),
    ),
  );
  const who = user
    ? h("span", { class: "who" }, `${user.display_name}（${user.role_zh}·${user.organization_name}）`)
    : null;
  const logout = user
    ? h("button", {
        class: "btn btn-ghost",
        id: "logout",
        onclick: async () => {
          try {
            await api("/api/auth/logout", { method: "POST" });
          } finally {
            location.href = "/login";
          }
        },
      }, "退出")
    : null;
  header.replaceChildren(
    h("div", { class: "brand" }, h("span", { class: "flame" }, "蓝焰"), h("span", { class: "title" }, title)),
    nav,
    h("div", { class: "right" }, h("span", { id: "live-state", class: "live-state" }), who, logout),
  );
}

/**
 * Live events from /api/events (Server-Sent Events), reopened with back-off when the stream
 * drops. handlers: {"incident.created": fn(data), ...}; onOpen runs on every (re)connection so
 * the page can refetch what it may have missed.
 */
export function liveEvents(handlers, { onOpen } = {}) {
  const types = Object.keys(handlers);
  let source = null;
  let delay = 1000;
  let timer = null;
  const state = document.getElementById("live-state");
  const show = (text, cls) => {
    if (state) {
      state.textContent = text;
      state.className = `live-state ${cls}`;
    }
  };
  const connect = () => {
    timer = null;
    source = new EventSource("/api/events");
    show("实时连接中…", "pending");
    source.onopen = () => {
      delay = 1000;
      show("● 实时", "ok");
      if (onOpen) onOpen();
    };
    source.onerror = () => {
      source.close();
      show(`○ 已断开，${Math.round(delay / 1000)} 秒后重连`, "down");
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
    for (const type of types) {
      source.addEventListener(type, (event) => {
        let data = null;
        try {
          data = JSON.parse(event.data);
        } catch {
          data = event.data;
        }
        handlers[type](data, type);
      });
    }
  };
  connect();
  return {
    close() {
      if (timer) clearTimeout(timer);
      source?.close();
    },
  };
}

/** Call fn at most once per `ms` (trailing): many events in a burst → one refetch. */
export function debounce(fn, ms = 250) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

let audioContext = null;
/** A short two-tone alarm made with WebAudio (no sound file needed). */
export function beep() {
  try {
    audioContext ??= new AudioContext();
    const now = audioContext.currentTime;
    for (const [i, freq] of [880, 660, 880].entries()) {
      const osc = audioContext.createOscillator();
      const gain = audioContext.createGain();
      osc.type = "square";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.25 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
      osc.connect(gain).connect(audioContext.destination);
      osc.start(now + i * 0.25);
      osc.stop(now + i * 0.25 + 0.24);
    }
    window.LANYAN_BEEPS = (window.LANYAN_BEEPS || 0) + 1;
  } catch {
    // No audio device (a server room): the visual alert still shows.
  }
}
