// The pre-plan desk (数字预案): every pre-plan in the jurisdiction with overdue reviews flagged,
// one plan's body, its versions (each readable), the review buttons, a JSON or XLSX import, an
// editor of the body and floor-plan uploads — each save is a new version.

import { api, config, formatDateTime, h, mountHeader, toast, withButton } from "./common.js";
import { preplanBody } from "./preplan_view.js";

const canReview = Boolean(config.preplans?.canReview);
const STATUS = { draft: "草稿", pending: "待审核", published: "已发布", needs_review: "需复核" };
const MOVES = [
  ["submit", "提交审核", ["draft", "needs_review"], false],
  ["approve", "审核通过", ["pending"], true],
  ["reject", "退回修改", ["pending"], true],
  ["flag", "标记需复核", ["published"], true],
];
let selected = null; // premises id

async function loadList() {
  const params = new URLSearchParams({ limit: 200 });
  const q = document.getElementById("pp-q").value.trim();
  const status = document.getElementById("pp-status").value;
  if (q) params.set("q", q);
  if (status) params.set("status", status);
  if (document.getElementById("pp-overdue").checked) params.set("overdue", "true");
  const [page, overdue] = await Promise.all([api(`/api/preplans?${params}`), api("/api/preplans?overdue=true&limit=1")]);
  document.getElementById("pp-total").textContent = page.total;
  document.getElementById("pp-overdue-total").textContent = `超期 ${overdue.total}`;
  document.querySelector("#pp-table tbody").replaceChildren(
    ...page.items.map((r) =>
      h(
        "tr",
        { class: `pp-row${r.premises_id === selected ? " selected" : ""}`, dataset: { premisesId: r.premises_id, overdue: String(r.overdue) }, onclick: () => open(r.premises_id) },
        h("td", {}, r.premises_name),
        h("td", {}, r.org_name),
        h("td", {}, r.status_zh),
        h("td", { class: "num" }, r.published_version && r.published_version !== r.version ? `${r.version}（发布 ${r.published_version}）` : r.version),
        h("td", {}, r.review_due_on || "—", r.overdue ? h("span", { class: "badge pp-overdue" }, "超期") : null),
      ),
    ),
  );
}

function toBase64(buffer) {
  let binary = "";
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function importFile(premisesId, file) {
  const content_base64 = toBase64(await file.arrayBuffer());
  try {
    await api(`/api/premises/${premisesId}/preplan/import`, { method: "POST", body: { filename: file.name, content_base64 } });
    toast("预案已导入为新版本", "ok");
    await Promise.all([open(premisesId), loadList()]);
  } catch (error) {
    const problems = (error.body?.errors || []).map((e) => `${e.where}：${e.message}`);
    toast([error.message, ...problems].join("\n"), "error", 12000);
  }
}

async function addFloorPlan(premisesId, current, file, title) {
  const form = new FormData();
  form.append("file", file);
  const response = await fetch("/api/uploads", { method: "POST", body: form, credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`上传失败：${data.detail || response.status}`);
  const content = structuredClone(current || {});
  content.floor_plans = [...(content.floor_plans || []), { upload_id: data.id, title: title || file.name }];
  await api(`/api/premises/${premisesId}/preplan`, { method: "POST", body: { content, note: `添加平面图：${title || file.name}` } });
}

async function open(premisesId, version = null) {
  selected = premisesId;
  for (const row of document.querySelectorAll("#pp-table tr.pp-row")) row.classList.toggle("selected", Number(row.dataset.premisesId) === premisesId);
  const query = version ? `?version=${version}` : "";
  const [answer, versions] = await Promise.all([api(`/api/premises/${premisesId}/preplan${query}`), api(`/api/premises/${premisesId}/preplan/versions`)]);
  const plan = answer.preplan;
  const content = plan ? structuredClone(plan.content) : {};
  for (const point of content.water_supply || []) {
    for (const key of ["state", "state_zh"]) delete point[key];
    if (point.water_source_id) for (const key of ["lon", "lat"]) delete point[key];
  }
  const editor = h("textarea", { id: "pp-editor", spellcheck: "false", "aria-label": "预案内容（JSON）" }, JSON.stringify(content, null, 2));
  const note = h("input", { type: "text", maxlength: 200, placeholder: "修订说明", id: "pp-note" });
  const fileInput = h("input", { type: "file", accept: ".json,.xlsx", id: "pp-import-file", onchange: (e) => e.target.files[0] && importFile(premisesId, e.target.files[0]) });
  const planInput = h("input", { type: "file", accept: "image/*", id: "pp-floor-plan-file" });
  const planTitle = h("input", { type: "text", maxlength: 120, placeholder: "平面图名称，如 一层平面图", id: "pp-floor-plan-title" });
  const moves = plan
    ? MOVES.filter(([, , from, reviewer]) => from.includes(plan.status) && (!reviewer || canReview)).map(([action, text]) =>
        h("button", {
          class: "btn btn-primary",
          type: "button",
          dataset: { action },
          onclick: (e) =>
            withButton(e.target, async () => {
              await api(`/api/premises/${premisesId}/preplan/review`, { method: "POST", body: { action, note: note.value || null } });
              toast(`已${text}`, "ok");
              await Promise.all([open(premisesId), loadList()]);
            }),
        }, text),
      )
    : [];
  const parts = [
    h("h2", {}, answer.premises_name, " ", plan ? h("span", { class: "badge" }, STATUS[plan.status]) : h("span", { class: "badge" }, "尚无预案"), plan?.overdue ? h("span", { class: "badge pp-overdue" }, "超期未复核") : null),
    h("div", { class: "small muted" }, answer.address || ""),
    plan
      ? h("div", { class: "small" }, `显示第 ${plan.shown_version} 版（最新 ${plan.version}，已发布 ${plan.published_version ?? "—"}）· ${plan.saved_by_name} 保存于 ${formatDateTime(plan.saved_at)} · 复核周期 ${plan.review_interval_days} 天 · 上次审核 ${plan.reviewed_on ?? "—"} · 下次复核 ${plan.review_due_on ?? "—"}`)
      : null,
    plan?.review_note ? h("div", { class: "note" }, `审核意见：${plan.review_note}`) : null,
    moves.length ? h("div", { class: "actions" }, moves) : null,
    plan ? preplanBody(plan.content) : answer.legacy_notes ? h("div", { class: "note" }, `原文本预案：${answer.legacy_notes}`) : null,
    h("h3", {}, `版本（${versions.length}）`),
    h("ul", { class: "sc-water", id: "pp-versions" }, versions.map((v) => h("li", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); open(premisesId, v.version); } }, `第 ${v.version} 版`), ` · ${v.source === "import" ? "导入" : "编辑"} · ${v.saved_by_name} · ${formatDateTime(v.saved_at)}${v.note ? " · " + v.note : ""}`))),
    h("h3", {}, "导入（JSON 或 XLSX，整份文件无误才导入；XLSX 不含图片，导入时保留原平面图和照片）"),
    h("div", { class: "inline" }, fileInput, h("a", { class: "btn", href: `/api/premises/${premisesId}/preplan/xlsx${version ? "?version=" + version : ""}`, id: "pp-export" }, "导出 XLSX")),
    h("h3", {}, "添加平面图"),
    h("div", { class: "inline" }, planTitle, planInput, h("button", { class: "btn", type: "button", id: "pp-floor-plan-add", onclick: (e) => withButton(e.target, async () => {
      if (!planInput.files[0]) throw new Error("请选择图片");
      await addFloorPlan(premisesId, plan?.content && plan.shown_version === plan.version ? JSON.parse(editor.value) : content, planInput.files[0], planTitle.value.trim());
      toast("平面图已添加（新版本）", "ok");
      await Promise.all([open(premisesId), loadList()]);
    }) }, "上传并保存")),
    h("h3", {}, "编辑内容（保存为新版本）"),
    editor,
    h("div", { class: "actions" }, note, h("button", {
      class: "btn btn-primary",
      type: "button",
      id: "pp-save",
      onclick: (e) =>
        withButton(e.target, async () => {
          let body;
          try {
            body = JSON.parse(editor.value);
          } catch (error) {
            throw new Error(`JSON 格式错误：${error.message}`);
          }
          await api(`/api/premises/${premisesId}/preplan`, { method: "POST", body: { content: body, note: note.value || null } });
          toast("已保存为新版本", "ok");
          await Promise.all([open(premisesId), loadList()]);
        }),
    }, "保存新版本")),
  ];
  // replaceChildren is the DOM's own: it would write a null as the text "null"
  document.getElementById("pp-detail").replaceChildren(...parts.filter(Boolean));
}

async function searchPremises(event) {
  event.preventDefault();
  const q = document.getElementById("pp-new-q").value.trim();
  const page = await api(`/api/premises?category=key_unit&limit=20${q ? "&q=" + encodeURIComponent(q) : ""}`);
  document.getElementById("pp-new-results").replaceChildren(
    ...page.items.map((p) => h("li", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); open(p.id); } }, p.name), h("span", { class: "muted small" }, ` ${p.address || ""}`))),
  );
}

async function main() {
  mountHeader("数字预案");
  const status = document.getElementById("pp-status");
  for (const [value, text] of Object.entries(STATUS)) status.append(h("option", { value }, text));
  document.getElementById("pp-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    loadList().catch((error) => toast(error.message, "error"));
  });
  document.getElementById("pp-new").addEventListener("submit", (e) => searchPremises(e).catch((error) => toast(error.message, "error")));
  const wanted = Number(new URLSearchParams(location.search).get("premises"));
  await loadList();
  if (wanted) await open(wanted);
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`加载失败：${error.message}`, "error", 15000));
