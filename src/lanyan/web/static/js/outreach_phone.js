// The phone page of public education (宣传登记, 390×844): a station's crew or a grid worker records
// an activity they held — kind and 七进 target as big buttons, counts, photos — and sees their own.
import { api, config, h, mountHeader, toast, withButton } from "./common.js";

const $ = (id) => document.getElementById(id);
const CHOICES = config.outreach?.choices || {};
const ONLINE = new Set(["live_stream", "media_article"]);
const NEEDS_AUDIENCE = new Set(["training", "lecture", "outreach", "base_visit", "drill_guidance"]);
const PAGE = 20;
const state = { kind: "lecture", target: null, photos: null, mine: { items: [], total: 0, offset: 0 } };

function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function show(view) {
  for (const section of document.querySelectorAll("main.gridw > .view")) section.hidden = section.id !== `view-${view}`;
  for (const tab of document.querySelectorAll(".gw-tabbar button")) tab.classList.toggle("active", tab.dataset.go === view);
  document.body.dataset.view = view;
  window.scrollTo(0, 0);
  if (view === "mine") loadMine(true);
}

// --- photos -----------------------------------------------------------------------------------

function photoPicker() {
  const uploads = [];
  const thumbs = h("div", { class: "gw-thumbs", id: "activity-thumbs" });
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, id: "activity-file", class: "gw-file" });
  const button = h("label", { class: "gw-btn gw-btn-light gw-camera", for: "activity-file" }, h("span", { class: "gw-camera-icon", "aria-hidden": "true" }), "拍照 / 选择照片", input);
  input.addEventListener("change", () => {
    for (const file of input.files) {
      const slot = h("div", { class: "gw-thumb uploading" }, h("span", {}, "上传中…"));
      thumbs.append(slot);
      const entry = { id: null };
      entry.promise = upload(file)
        .then((id) => {
          entry.id = id;
          slot.classList.remove("uploading");
          slot.replaceChildren(
            h("img", { src: `/api/uploads/${id}`, alt: file.name }),
            h("button", { type: "button", class: "gw-thumb-remove", "aria-label": "删除照片", onclick: () => { uploads.splice(uploads.indexOf(entry), 1); slot.remove(); } }, "×"),
          );
        })
        .catch((error) => {
          uploads.splice(uploads.indexOf(entry), 1);
          slot.remove();
          toast(error.message, "error", 6000);
        });
      uploads.push(entry);
    }
    input.value = "";
  });
  return {
    element: h("div", { class: "gw-photos" }, button, thumbs),
    async ids() {
      await Promise.all(uploads.map((u) => u.promise));
      return uploads.map((u) => u.id).filter((id) => id !== null);
    },
  };
}

async function upload(file) {
  const form = new FormData();
  form.append("file", file);
  const response = await fetch("/api/uploads", { method: "POST", body: form, credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`照片上传失败：${data.detail || `HTTP ${response.status}`}`);
  return data.id;
}

// --- the form ---------------------------------------------------------------------------------

function radioButtons(container, list, current, onPick) {
  container.replaceChildren(
    ...list.map((c) =>
      h("button", {
        type: "button", role: "radio", "aria-checked": String(c.value === current), dataset: { value: c.value },
        onclick: () => onPick(c.value),
      }, c.zh),
    ),
  );
}

function renderKind() {
  radioButtons($("kind-buttons"), CHOICES.activity_kind || [], state.kind, (value) => { state.kind = value; renderKind(); });
  radioButtons($("target-buttons"), CHOICES.outreach_target || [], state.target, (value) => { state.target = value; renderKind(); });
  const online = ONLINE.has(state.kind);
  $("target-box").hidden = state.kind !== "outreach";
  $("base-box").hidden = state.kind !== "base_visit";
  $("audience-box").hidden = online;
  $("views-box").hidden = !online;
  $("activity-audience").required = NEEDS_AUDIENCE.has(state.kind);
}

async function loadBases() {
  const page = await api("/api/outreach/bases?limit=200");
  $("activity-base").replaceChildren(
    h("option", { value: "" }, page.items.length ? "请选择基地" : "辖区内暂无科普教育基地"),
    ...page.items.map((b) => h("option", { value: b.id }, b.name)),
  );
}

function resetForm() {
  $("activity-form").reset();
  $("activity-date").value = today();
  $("activity-date").max = today();
  state.photos = photoPicker();
  $("activity-photos").replaceChildren(state.photos.element);
}

const num = (id) => {
  const value = $(id).value.trim();
  return value === "" ? 0 : Number(value);
};

async function submit() {
  const title = $("activity-title").value.trim();
  if (!title) {
    toast("请填写活动名称", "error");
    $("activity-title").focus();
    return;
  }
  const online = ONLINE.has(state.kind);
  const body = {
    kind: state.kind,
    title,
    held_on: $("activity-date").value,
    place: $("activity-place").value.trim() || null,
    audience: online ? 0 : num("activity-audience"),
    views: online ? num("activity-views") : 0,
    materials: num("activity-materials"),
    target: state.kind === "outreach" ? state.target : null,
    base_id: state.kind === "base_visit" && $("activity-base").value ? Number($("activity-base").value) : null,
    photo_ids: await state.photos.ids(),
    note: $("activity-note").value.trim() || null,
    via_phone: true,
  };
  const saved = await api("/api/outreach/activities", { method: "POST", body });
  const reach = online ? `浏览/观看 ${saved.views} 次` : `受众 ${saved.audience} 人`;
  $("done-box").replaceChildren(
    h("div", { class: "gw-done-icon", "aria-hidden": "true" }, "✓"),
    h("h2", {}, "已登记"),
    h("p", {}, `${saved.kind_zh}：${saved.title}`),
    h("p", { class: "muted" }, `${saved.held_on} · ${reach}`),
  );
  resetForm();
  show("done");
}

// --- my activities ----------------------------------------------------------------------------

function item(a) {
  const reach = ONLINE.has(a.kind) ? `浏览/观看 ${a.views} 次` : `受众 ${a.audience} 人`;
  return h(
    "li", { class: "gw-task", dataset: { activityId: a.id } },
    h("div", { class: "gw-task-name" }, a.title),
    h("div", { class: "or-item-meta" }, [a.held_on, a.kind_zh, a.target_zh, a.place].filter(Boolean).join(" · ")),
    h("div", { class: "or-item-count" }, reach, a.materials ? ` · 资料 ${a.materials} 份` : "", a.photo_ids.length ? ` · 照片 ${a.photo_ids.length} 张` : ""),
  );
}

async function loadMine(reset) {
  if (reset) state.mine = { items: [], total: 0, offset: 0 };
  const page = await api(`/api/outreach/activities?mine=true&limit=${PAGE}&offset=${state.mine.offset}`);
  state.mine.items.push(...page.items);
  state.mine.total = page.total;
  state.mine.offset += page.items.length;
  const year = today().slice(0, 4);
  const thisYear = state.mine.items.filter((a) => a.held_on.startsWith(year));
  const people = thisYear.reduce((sum, a) => sum + a.audience, 0);
  $("mine-summary").replaceChildren(
    "我共登记 ", h("b", {}, String(page.total)), " 次活动",
    thisYear.length ? h("span", {}, `（已加载的本年活动受众 ${people} 人次）`) : "",
  );
  $("mine-list").replaceChildren(
    ...(state.mine.items.length ? state.mine.items.map(item) : [h("li", { class: "gw-empty" }, "还没有登记过活动")]),
  );
  $("more-mine").hidden = state.mine.offset >= state.mine.total;
}

// --- start ------------------------------------------------------------------------------------

mountHeader("宣传登记");
// the way back to the worker's other phone page (巡查任务 / 执勤终端), in the same tab bar
const HOME = { grid: ["/grid", "巡查任务"], station: ["/crew", "执勤终端"] }[config.user?.role];
if (HOME) document.querySelector(".gw-tabbar").append(h("a", { class: "gw-tablink", id: "tab-home", href: HOME[0] }, HOME[1]));
for (const button of document.querySelectorAll("[data-go]")) button.addEventListener("click", () => show(button.dataset.go));
$("submit-activity").addEventListener("click", (event) => withButton(event.currentTarget, submit));
$("more-mine").addEventListener("click", (event) => withButton(event.currentTarget, () => loadMine(false)));
renderKind();
resetForm();
loadBases().catch((error) => toast(error.message, "error"));
show("record");
