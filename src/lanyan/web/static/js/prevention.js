// The prevention officer's desk (防火监督): hazards to verify, order, re-check; supervised
// listing (挂牌督办); and the figures per brigade (patrols planned vs done, hazards found,
// rectified, overdue). Leaders open it read-only (config.prevention.canManage is false).
import { api, colour, config, formatDateTime, h, label, loadChoices, mountHeader, toast, withButton } from "./common.js";

const PAGE_SIZE = 20;
const TABS = [
  { key: "reported", zh: "待核实", params: { status: "reported" } },
  { key: "verified", zh: "待下达", params: { status: "verified" } },
  { key: "ordered", zh: "待整改（限期）", params: { status: "ordered" } },
  { key: "rectified", zh: "待复查", params: { status: "rectified" } },
  { key: "overdue", zh: "逾期", params: { overdue: "true" } },
  { key: "all", zh: "全部", params: {} },
];
const SOURCE_ZH = { patrol: "防火巡查", report: "上报", inspection: "监督检查" };
function sourceZh(source) {
  if (SOURCE_ZH[source]) return SOURCE_ZH[source];
  return String(source || "").startsWith("campaign") ? "专项整治" : source;
}
/** Legal next steps of a supervised listing, with the button text (the server decides). */
const LISTING_NEXT = {
  proposed: [["listed", "挂牌"], ["withdrawn", "撤销"]],
  listed: [["rectifying", "开始整改"]],
  rectifying: [["delisted", "摘牌"]],
  delisted: [],
  withdrawn: [],
};

const canManage = Boolean(config.prevention?.canManage);
const state = { tab: "reported", offset: 0, total: 0, selectedId: null, q: "", severity: "", sort: "deadline" };
let choices = null;
let listings = [];

const $ = (id) => document.getElementById(id);

const dayFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" });
const minuteFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});

function formatDay(iso) {
  return iso ? dayFormat.format(new Date(iso)) : "—";
}
function formatMinute(iso) {
  return iso ? minuteFormat.format(new Date(iso)) : "—";
}
/** "2026-03-01" ± days, as calendar arithmetic on a yyyy-mm-dd string. */
function addDays(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function badge(name, value) {
  return h("span", { class: "badge", style: { background: colour(choices, name, value) } }, label(choices, name, value));
}

function deadlineCell(hazard) {
  if (!hazard.deadline_at) return h("span", { class: "muted" }, "—");
  return h(
    "span",
    { class: hazard.overdue ? "deadline overdue" : "deadline" },
    formatDay(hazard.deadline_at),
    hazard.overdue ? h("span", { class: "badge badge-overdue" }, "逾期") : null,
  );
}

// --- hazard list ------------------------------------------------------------------------------

function tabParams(tab) {
  return TABS.find((t) => t.key === tab)?.params ?? {};
}

function listQuery({ tab = state.tab, limit = PAGE_SIZE, offset = state.offset } = {}) {
  const params = new URLSearchParams({ ...tabParams(tab), sort: state.sort, limit: String(limit), offset: String(offset) });
  if (state.q) params.set("q", state.q);
  if (state.severity) params.set("severity", state.severity);
  return `/api/hazards?${params}`;
}

function renderTabs(counts = {}) {
  $("hazard-tabs").replaceChildren(
    ...TABS.map((tab) =>
      h(
        "button",
        {
          type: "button",
          role: "tab",
          class: `tab${tab.key === state.tab ? " active" : ""}${tab.key === "overdue" && counts.overdue ? " tab-alert" : ""}`,
          "aria-selected": tab.key === state.tab ? "true" : "false",
          dataset: { tab: tab.key },
          onclick: () => {
            state.tab = tab.key;
            state.offset = 0;
            refreshList();
          },
        },
        tab.zh,
        counts[tab.key] !== undefined ? h("span", { class: "count", dataset: { count: counts[tab.key] } }, counts[tab.key]) : null,
      ),
    ),
  );
}

async function loadCounts() {
  const entries = await Promise.all(
    TABS.map(async (tab) => {
      try {
        const page = await api(listQuery({ tab: tab.key, limit: 1, offset: 0 }));
        return [tab.key, page.total];
      } catch {
        return [tab.key, undefined];
      }
    }),
  );
  return Object.fromEntries(entries);
}

function hazardRow(hazard) {
  return h(
    "tr",
    {
      class: `hazard-row${hazard.id === state.selectedId ? " selected" : ""}${hazard.overdue ? " is-overdue" : ""}`,
      dataset: { hazardId: hazard.id, status: hazard.status },
      onclick: () => selectHazard(hazard.id),
    },
    h("td", { class: "num" }, hazard.id),
    h("td", { class: "title" }, hazard.title),
    h("td", {}, hazard.premises_name || h("span", { class: "muted" }, "（未关联单位）")),
    h("td", {}, badge("hazard_severity", hazard.severity)),
    h("td", {}, badge("hazard_status", hazard.status)),
    h("td", {}, formatMinute(hazard.found_at)),
    h("td", { class: "deadline-cell" }, deadlineCell(hazard)),
  );
}

async function loadList() {
  const tbody = $("hazard-table").querySelector("tbody");
  let page;
  try {
    page = await api(listQuery());
  } catch (error) {
    tbody.replaceChildren(h("tr", {}, h("td", { colspan: 7, class: "error" }, `隐患列表加载失败：${error.message}`)));
    return;
  }
  if (page.items.length === 0 && state.offset > 0 && page.total > 0) {
    // The page emptied (hazards moved on to another tab): go back to the last page.
    state.offset = Math.max(0, Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE);
    page = await api(listQuery());
  }
  state.total = page.total;
  $("hazard-total").textContent = page.total;
  tbody.replaceChildren(
    ...(page.items.length
      ? page.items.map(hazardRow)
      : [h("tr", { class: "empty" }, h("td", { colspan: 7, class: "muted" }, "没有符合条件的隐患"))]),
  );
  const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
  const current = Math.floor(state.offset / PAGE_SIZE) + 1;
  $("page-info").textContent = `共 ${page.total} 条 · 第 ${current} / ${pages} 页`;
  $("page-prev").disabled = state.offset === 0;
  $("page-next").disabled = state.offset + PAGE_SIZE >= page.total;
}

async function refreshList() {
  renderTabs(state.counts);
  const [counts] = await Promise.all([loadCounts(), loadList()]);
  state.counts = counts;
  renderTabs(counts);
  document.body.dataset.listReady = String(Date.now());
}

// --- hazard detail and actions ----------------------------------------------------------------

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, value]) => value !== null && value !== undefined && value !== "").flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function photoStrip(ids, title) {
  if (!ids || !ids.length) return null;
  return h(
    "div",
    { class: "photo-block" },
    h("h3", {}, `${title}（${ids.length}）`),
    h(
      "div",
      { class: "photos" },
      ids.map((id) =>
        h("a", { href: `/api/uploads/${id}`, target: "_blank", rel: "noopener" }, h("img", { src: `/api/uploads/${id}`, alt: `${title} ${id}`, class: "photo", loading: "lazy" })),
      ),
    ),
  );
}

async function act(button, path, body, message) {
  const result = await withButton(button, () => api(path, { method: "POST", body }));
  if (result === undefined) return;
  toast(message, "ok");
  await Promise.all([refreshList(), loadListings(), loadFigures()]);
  await selectHazard(result.hazard_id ?? result.id);
}

async function uploadFiles(input) {
  const ids = [];
  for (const file of input.files || []) {
    const form = new FormData();
    form.append("file", file);
    const response = await fetch("/api/uploads", { method: "POST", body: form, credentials: "same-origin" });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(`照片“${file.name}”上传失败：${data.detail || response.status}`);
    ids.push(data.id);
  }
  return ids;
}

function severitySelect(id, value) {
  return h(
    "select",
    { id },
    choices.hazard_severity.list.map((c) => h("option", { value: c.value, selected: c.value === value }, c.zh)),
  );
}

function actionsFor(hazard) {
  if (!canManage) return h("p", { class: "muted small" }, "只读：领导账号可查看，不能处理隐患。");
  const note = (id, placeholder) => h("textarea", { id, rows: 2, maxlength: 2000, placeholder });
  const box = h("div", { class: "hazard-actions", id: "hazard-actions" });
  const path = (step) => `/api/hazards/${hazard.id}/${step}`;
  if (hazard.status === "reported") {
    box.append(
      h("h3", {}, "核实"),
      h("label", {}, "隐患等级", severitySelect("verify-severity", hazard.severity)),
      h("label", {}, "核实意见", note("verify-note", "现场核实情况（可选）")),
      h(
        "div",
        { class: "actions" },
        h("button", {
          class: "btn btn-primary", id: "verify-accept", type: "button",
          onclick: (e) => act(e.currentTarget, path("verify"), { accept: true, severity: $("verify-severity").value, note: $("verify-note").value.trim() || null }, "已核实"),
        }, "核实"),
        h("button", {
          class: "btn", id: "verify-reject", type: "button",
          onclick: (e) => act(e.currentTarget, path("verify"), { accept: false, note: $("verify-note").value.trim() || null }, "已标记为不属实"),
        }, "不属实"),
      ),
    );
  }
  if (hazard.status === "verified") {
    box.append(
      h("h3", {}, "下达整改通知"),
      h("label", {}, "整改期限（工作日，留空按隐患等级默认）", h("input", { type: "number", id: "order-workdays", min: 1, max: 365, placeholder: "按等级默认" })),
      h("label", {}, "整改要求", note("order-note", "整改要求（可选）")),
      h("div", { class: "actions" }, h("button", {
        class: "btn btn-warn", id: "order-btn", type: "button",
        onclick: (e) => {
          const workdays = $("order-workdays").value ? Number($("order-workdays").value) : null;
          act(e.currentTarget, path("order"), { workdays, note: $("order-note").value.trim() || null }, "已下达整改通知");
        },
      }, "下达整改通知")),
    );
  }
  if (hazard.status === "verified" || hazard.status === "ordered") {
    box.append(
      h("h3", {}, hazard.status === "verified" ? "当场整改" : "登记整改完成"),
      h("label", {}, "整改照片", h("input", { type: "file", id: "evidence-files", accept: "image/*", multiple: true })),
      h("label", {}, "整改说明", note("rectified-note", "整改情况（可选）")),
      h("div", { class: "actions" }, h("button", {
        class: "btn", id: "rectified-btn", type: "button",
        onclick: async (e) => {
          const button = e.currentTarget;
          const evidence = await withButton(button, () => uploadFiles($("evidence-files")));
          if (evidence === undefined) return;
          act(button, path("rectified"), { evidence_ids: evidence, note: $("rectified-note").value.trim() || null }, "已登记整改完成，待复查");
        },
      }, "登记整改完成")),
    );
  }
  if (hazard.status === "rectified") {
    box.append(
      h("h3", {}, "复查"),
      h("label", {}, "复查意见", note("check-note", "复查情况（可选）")),
      h("label", {}, "不合格时重新限期（工作日，留空按等级默认）", h("input", { type: "number", id: "check-workdays", min: 1, max: 365, placeholder: "按等级默认" })),
      h(
        "div",
        { class: "actions" },
        h("button", {
          class: "btn btn-primary", id: "check-pass", type: "button",
          onclick: (e) => act(e.currentTarget, path("check"), { passed: true, note: $("check-note").value.trim() || null }, "复查通过，已销案"),
        }, "复查通过"),
        h("button", {
          class: "btn btn-warn", id: "check-fail", type: "button",
          onclick: (e) => {
            const workdays = $("check-workdays").value ? Number($("check-workdays").value) : null;
            act(e.currentTarget, path("check"), { passed: false, workdays, note: $("check-note").value.trim() || null }, "复查不合格，已重新限期整改");
          },
        }, "复查不合格"),
      ),
    );
  }
  const listed = listings.find((l) => l.hazard_id === hazard.id && l.status !== "withdrawn");
  const open = !["closed", "rejected", "reported"].includes(hazard.status);
  if (hazard.severity === "major" && open && !listed) {
    box.append(
      h("h3", {}, "挂牌督办"),
      h("div", { class: "row" },
        h("label", {}, "挂牌级别", h("select", { id: "listing-level" }, choices.listing_level.list.map((c) => h("option", { value: c.value, selected: c.value === "county" }, c.zh)))),
        h("label", { class: "grow" }, "依据", h("input", { id: "listing-basis", maxlength: 2000, placeholder: "如：GB 35181 判定为重大火灾隐患" })),
      ),
      h("div", { class: "actions" }, h("button", {
        class: "btn btn-warn", id: "propose-listing", type: "button",
        onclick: (e) => act(e.currentTarget, "/api/listings", { hazard_id: hazard.id, level: $("listing-level").value, basis: $("listing-basis").value.trim() || null }, "已提请挂牌督办"),
      }, "提请挂牌督办")),
    );
  }
  if (listed) box.append(h("p", { class: "note" }, `已提请挂牌督办：${label(choices, "listing_level", listed.level)}，${label(choices, "listing_status", listed.status)}`));
  if (!box.childElementCount) box.append(h("p", { class: "muted" }, "该隐患当前无需处理。"));
  return box;
}

async function selectHazard(id) {
  state.selectedId = id;
  for (const row of document.querySelectorAll("#hazard-table tr.hazard-row")) row.classList.toggle("selected", Number(row.dataset.hazardId) === id);
  const box = $("hazard-detail");
  let hazard;
  try {
    hazard = await api(`/api/hazards/${id}`);
  } catch (error) {
    box.replaceChildren(h("p", { class: "error" }, `隐患详情加载失败：${error.message}`));
    return;
  }
  if (state.selectedId !== id) return; // another hazard was picked meanwhile
  const position = hazard.lon !== null && hazard.lat !== null ? `${hazard.lon.toFixed(5)}, ${hazard.lat.toFixed(5)}` : null;
  const parts = [
    h(
      "div",
      { class: "hazard-head", id: "detail-head", dataset: { hazardId: hazard.id, status: hazard.status } },
      h("h3", { class: "hazard-title" }, `#${hazard.id} ${hazard.title}`),
      badge("hazard_severity", hazard.severity), " ", h("span", { id: "detail-status" }, badge("hazard_status", hazard.status)),
      hazard.overdue ? h("span", { class: "badge badge-overdue" }, "逾期") : null,
    ),
    facts([
      ["单位", hazard.premises_name || "（未关联单位）"],
      ["类别", hazard.category],
      ["来源", sourceZh(hazard.source) + (hazard.patrol_visit_id ? `（巡查记录 #${hazard.patrol_visit_id}）` : "")
        + (hazard.inspection_id ? `（监督检查 #${hazard.inspection_id}）` : "")],
      ["发现", formatDateTime(hazard.found_at)],
      ["核实", hazard.verified_at ? formatDateTime(hazard.verified_at) : null],
      ["下达", hazard.ordered_at ? formatDateTime(hazard.ordered_at) : null],
      ["整改期限", hazard.deadline_at ? h("span", { id: "detail-deadline", class: hazard.overdue ? "overdue" : "" }, formatMinute(hazard.deadline_at)) : null],
      ["整改完成", hazard.rectified_at ? formatDateTime(hazard.rectified_at) : null],
      ["销案", hazard.closed_at ? formatDateTime(hazard.closed_at) : null],
      ["升级", hazard.escalated_at ? `逾期已报大队 ${formatDateTime(hazard.escalated_at)}` : null],
      ["位置", position],
    ]),
    hazard.description ? h("p", { class: "note" }, hazard.description) : null,
    hazard.order_note ? h("p", { class: "note" }, h("b", {}, "整改要求："), hazard.order_note) : null,
    hazard.rectification_note ? h("p", { class: "note" }, h("b", {}, "整改说明："), hazard.rectification_note) : null,
    photoStrip(hazard.photo_ids, "现场照片"),
    photoStrip(hazard.evidence_ids, "整改照片"),
    actionsFor(hazard),
  ];
  box.replaceChildren(...parts.filter(Boolean));
}

// --- supervised listing -----------------------------------------------------------------------

async function loadListings() {
  const tbody = $("listing-table").querySelector("tbody");
  try {
    listings = await api("/api/listings");
  } catch (error) {
    tbody.replaceChildren(h("tr", {}, h("td", { colspan: 6, class: "error" }, `挂牌督办加载失败：${error.message}`)));
    return;
  }
  if (!listings.length) {
    tbody.replaceChildren(h("tr", { class: "empty" }, h("td", { colspan: 6, class: "muted" }, "暂无挂牌督办的重大火灾隐患")));
    return;
  }
  tbody.replaceChildren(
    ...listings.map((item) => {
      const next = canManage ? LISTING_NEXT[item.status] || [] : [];
      const days = item.status === "proposed" && canManage
        ? h("input", { type: "number", class: "listing-days", min: 1, max: 1000, placeholder: "期限(工作日)", title: "挂牌整改期限（工作日，留空按默认）" })
        : null;
      return h(
        "tr",
        { class: "listing-row", dataset: { listingId: item.id, status: item.status } },
        h("td", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); selectHazard(item.hazard_id); } }, `#${item.hazard_id} ${item.hazard_title}`)),
        h("td", {}, item.premises_name || "—"),
        h("td", {}, badge("listing_level", item.level)),
        h("td", {}, badge("listing_status", item.status)),
        h("td", {}, formatDay(item.deadline_at)),
        h(
          "td",
          { class: "listing-actions" },
          days,
          next.map(([status, text]) =>
            h("button", {
              type: "button", class: "btn btn-small", dataset: { next: status },
              onclick: async (e) => {
                const body = { status };
                if (status === "listed" && days?.value) body.deadline_workdays = Number(days.value);
                const done = await withButton(e.currentTarget, () => api(`/api/listings/${item.id}/advance`, { method: "POST", body }));
                if (done === undefined) return;
                toast(`挂牌督办：${label(choices, "listing_status", status)}`, "ok");
                await Promise.all([loadListings(), loadFigures()]);
                if (state.selectedId === item.hazard_id) selectHazard(item.hazard_id);
              },
            }, text),
          ),
        ),
      );
    }),
  );
}

// --- figures per brigade ----------------------------------------------------------------------

const FIGURE_KEYS = ["patrols_planned", "patrols_done", "rate", "hazards_found", "hazards_rectified", "hazards_overdue", "hazards_listed", "premises_controlled"];

function figureRow(row, extraClass = "") {
  const rate = row.patrols_planned ? `${((100 * row.patrols_done) / row.patrols_planned).toFixed(1)}%` : "—";
  const values = { ...row, rate };
  return h(
    "tr",
    { class: `figure-row ${extraClass}`.trim(), dataset: { orgId: row.org_id ?? "", name: row.name } },
    h("th", {}, row.name),
    FIGURE_KEYS.map((key) =>
      h("td", { class: `num${key === "hazards_overdue" && row[key] ? " overdue" : ""}`, dataset: { key } }, values[key]),
    ),
  );
}

async function loadFigures() {
  const params = new URLSearchParams();
  const from = $("figures-from").value;
  const to = $("figures-to").value;
  if (from) params.set("from", from);
  if (to) params.set("to", addDays(to, 1)); // the page shows the last day; the API's end is exclusive
  const tbody = $("figures-table").querySelector("tbody");
  let data;
  try {
    data = await api(`/api/prevention/figures${params.size ? `?${params}` : ""}`);
  } catch (error) {
    tbody.replaceChildren(h("tr", {}, h("td", { colspan: 9, class: "error" }, `统计加载失败：${error.message}`)));
    return;
  }
  $("figures-from").value = data.from;
  $("figures-to").value = addDays(data.to, -1);
  tbody.replaceChildren(...data.items.map((row) => figureRow(row)), figureRow(data.total, "total"));
  $("figures-note").textContent =
    `统计期间 ${data.from} 至 ${addDays(data.to, -1)}（北京时间）。完成巡查为期间内的打卡次数；发现隐患不含核实为不属实的；整改销案为期间内复查通过的；逾期未改、挂牌督办与三级管控单位为当前数。更新于 ${formatDateTime(new Date().toISOString())}。`;
  document.body.dataset.figuresReady = String(Date.now());
}

// --- page -------------------------------------------------------------------------------------

async function main() {
  mountHeader("防火监督");
  document.querySelector("header.topbar nav")?.append(
    h("a", { href: "/prevention", class: "active" }, "防火监督"),
  );
  choices = await loadChoices();
  for (const c of choices.hazard_severity.list) $("hazard-severity").append(h("option", { value: c.value }, c.zh));
  $("hazard-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = $("hazard-q").value.trim();
    state.severity = $("hazard-severity").value;
    state.sort = $("hazard-sort").value;
    state.offset = 0;
    refreshList();
  });
  $("hazard-sort").addEventListener("change", () => $("hazard-filter").requestSubmit());
  $("hazard-severity").addEventListener("change", () => $("hazard-filter").requestSubmit());
  $("page-prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    loadList();
  });
  $("page-next").addEventListener("click", () => {
    if (state.offset + PAGE_SIZE < state.total) state.offset += PAGE_SIZE;
    loadList();
  });
  $("figures-refresh").addEventListener("click", (e) => withButton(e.currentTarget, () => Promise.all([loadFigures(), refreshList(), loadListings()])));
  $("public-link").title = "无需登录即可查看的挂牌督办公开名单";
  await Promise.all([refreshList(), loadListings(), loadFigures()]);
  // Grid workers report from the field: a slow poll keeps the officer's lists current.
  setInterval(() => {
    if (document.visibilityState === "visible") refreshList();
  }, 30000);
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`加载失败：${error.message}`, "error", 15000));
