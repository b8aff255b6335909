// The crew's phone page of one call (390×844): send a report from the scene (text, photos,
// 需要增援 with what is needed) and read the pre-plan of the premises. The commander's answer
// (已确认 / 已处理) arrives live.

import { api, config, formatTime, h, liveEvents, mountHeader, toast } from "./common.js";
import { preplanBody, preplanState } from "./preplan_view.js";

const incidentId = config.scene.incidentId;
let reports = [];
const photos = []; // {id, promise}

function renderReports() {
  const list = document.getElementById("cs-reports");
  list.replaceChildren(
    ...(reports.length
      ? reports.map((r) =>
          h(
            "li",
            { dataset: { reportId: r.id, status: r.status } },
            h("b", {}, formatTime(r.sent_at)),
            ` ${r.text || ""}`,
            r.photo_ids.length ? ` 〔照片${r.photo_ids.length}张〕` : "",
            r.needs_reinforcement ? h("div", { class: "sc-needs" }, `需要增援：${r.needs}`) : null,
            h("div", { class: "small" }, h("b", { class: "cs-status" }, r.status_zh), r.acknowledged_by ? ` · ${r.acknowledged_by}${r.reply ? "：" + r.reply : ""}` : ""),
          ),
        )
      : [h("li", { class: "muted" }, "尚未发送报告")]),
  );
}

function upsert(report) {
  reports = [report, ...reports.filter((r) => r.id !== report.id)].sort((a, b) => (a.sent_at < b.sent_at ? 1 : -1));
  renderReports();
}

async function uploadPhoto(file) {
  const form = new FormData();
  form.append("file", file);
  const response = await fetch("/api/uploads", { method: "POST", body: form, credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`照片上传失败：${data.detail || `HTTP ${response.status}`}`);
  return data.id;
}

function photoInput() {
  const input = document.getElementById("report-file");
  const thumbs = document.getElementById("report-thumbs");
  input.addEventListener("change", () => {
    for (const file of input.files) {
      const slot = h("span", { class: "small muted" }, "上传中…");
      thumbs.append(slot);
      const entry = { id: null };
      entry.promise = uploadPhoto(file)
        .then((id) => {
          entry.id = id;
          slot.replaceWith(h("img", { src: `/api/uploads/${id}`, alt: file.name, dataset: { uploadId: id } }));
        })
        .catch((error) => {
          photos.splice(photos.indexOf(entry), 1);
          slot.remove();
          toast(error.message, "error", 6000);
        });
      photos.push(entry);
    }
    input.value = "";
  });
}

async function send(event) {
  event.preventDefault();
  const button = document.getElementById("report-send");
  button.disabled = true;
  try {
    await Promise.all(photos.map((p) => p.promise));
    const reinforce = document.getElementById("report-reinforce").checked;
    const unit = document.getElementById("report-unit").value;
    const body = {
      text: document.getElementById("report-text").value.trim() || null,
      photo_ids: photos.map((p) => p.id).filter(Boolean),
      needs_reinforcement: reinforce,
      needs: reinforce ? document.getElementById("report-needs").value.trim() || null : null,
      unit_id: unit ? Number(unit) : null,
    };
    const report = await api(`/api/scene/incidents/${incidentId}/reports`, { method: "POST", body });
    upsert(report);
    document.getElementById("report-form").reset();
    document.getElementById("report-needs").hidden = true;
    document.getElementById("report-thumbs").replaceChildren();
    photos.length = 0;
    toast("报告已发送", "ok");
  } catch (error) {
    toast(error.message, "error", 6000);
  } finally {
    button.disabled = false;
  }
}

async function main() {
  mountHeader("现场");
  const [view, orders] = await Promise.all([api(`/api/scene/incidents/${incidentId}`), api("/api/dispatch/my-orders").catch(() => [])]);
  document.getElementById("cs-incident").replaceChildren(
    h("h2", {}, `${view.type_zh} · ${view.level}级`),
    h("div", {}, view.address || ""),
    h("div", { class: "small muted" }, `警情编号 ${view.number} · ${view.status_zh}${view.premises_name ? " · " + view.premises_name : ""}`),
  );
  const mine = (Array.isArray(orders) ? orders : orders.items || []).filter((o) => o.incident?.id === incidentId);
  const select = document.getElementById("report-unit");
  select.replaceChildren(h("option", { value: "" }, "报告人（不指定车辆）"), ...mine.map((o) => h("option", { value: o.assignment.unit_id }, o.assignment.call_sign)));
  if (mine.length === 1) select.value = String(mine[0].assignment.unit_id);
  reports = view.reports;
  renderReports();
  const plan = view.preplan;
  const box = document.getElementById("cs-preplan-body");
  if (plan) {
    box.className = "";
    box.replaceChildren(preplanState(plan), preplanBody(plan.content, { incidentId, compact: true }));
  } else {
    box.textContent = view.premises_name ? `${view.premises_name} 尚无数字预案` : "警情未关联单位，无预案";
  }
  if (!config.scene.canReport) document.getElementById("cs-report").hidden = true;
  document.getElementById("report-reinforce").addEventListener("change", (e) => {
    document.getElementById("report-needs").hidden = !e.target.checked;
  });
  photoInput();
  document.getElementById("report-form").addEventListener("submit", send);
  liveEvents({ "scene.report": (data) => data.incident_id === incidentId && upsert(data) });
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`加载失败：${error.message}`, "error", 15000));
