// The command desk (指挥作战): combat units, reinforcement requests in and out, 信息报送 items
// with their drafted messages, the case library, 初战控火 figures; on /command/incidents/{id}
// also the incident's timeline with its 战评 record, facts for 信息报送 and a request form.
import {
  api,
  config,
  escapeHtml,
  formatDateTime,
  loadChoices,
  mmss,
  mountHeader,
  toast,
  withButton,
} from "./common.js";

const page = config.command || {};
const $ = (sel) => document.querySelector(sel);
let choices = {};
let selectedReport = null;
const STAGE_ZH = { first: "首报", followup: "续报", final: "终报" };

function showTab(name) {
  for (const pane of document.querySelectorAll(".cmd-pane")) pane.hidden = pane.dataset.pane !== name;
  for (const tab of document.querySelectorAll(".cmd-tabs .btn")) {
    tab.classList.toggle("active", tab.dataset.tab === name);
  }
  ({ combat: loadCombat, reinforce: loadReinforce, reports: loadReports, cases: loadCases,
     figures: loadFigures, incident: loadIncident })[name]?.();
}

async function act(button, action, done) {
  await withButton(button, async () => {
    try {
      await action();
      toast("已完成", "ok");
      done?.();
    } catch (err) {
      toast(err.message || String(err), "error", 8000);
    }
  });
}

// --- combat units -------------------------------------------------------------------------------

async function loadCombat() {
  const page_ = await api("/api/command/combat-units?limit=500");
  $("#combat-table tbody").innerHTML = page_.items.map((g) => `<tr>
    <td>${escapeHtml(g.station_name)}</td><td>${escapeHtml(g.kind)}</td><td>${escapeHtml(g.name)}</td>
    <td>${g.members.map((m) => `${escapeHtml(m.role)}：${escapeHtml(m.call_sign)}（${escapeHtml(m.unit_type_zh)}，${escapeHtml(m.status_zh)}）`).join("<br>")}</td>
    <td>${g.crew_total}</td><td>${g.ready ? "可整建制出动" : "<span class='cmd-overdue'>不完整</span>"}</td>
  </tr>`).join("") || "<tr><td colspan='6'>尚未建立作战编成</td></tr>";
}

// --- reinforcement ------------------------------------------------------------------------------

function needsText(needs) {
  return needs.map((n) => `${escapeHtml(n.label)}×${n.count}`).join("、");
}

async function loadReinforce() {
  const rows = (await api("/api/command/reinforcements?limit=200")).items;
  $("#reinforce-table tbody").innerHTML = rows.map((r) => {
    const units = r.units.map((u) => `${escapeHtml(u.station_name)}${escapeHtml(u.call_sign)}（${escapeHtml(u.status_zh)}${u.eta_s ? "，" + mmss(u.eta_s) : ""}）`).join("<br>");
    const buttons = [];
    if (page.canReinforce && r.status === "requested" && r.direction === "incoming") {
      buttons.push(`<button class="btn primary" data-req="${r.id}" data-move="accept">同意并派车</button>`,
        `<button class="btn" data-req="${r.id}" data-move="refuse">拒绝</button>`);
    }
    if (page.canReinforce && r.status === "requested" && r.direction === "outgoing") {
      buttons.push(`<button class="btn" data-req="${r.id}" data-move="cancel">撤销</button>`);
    }
    if (page.canReinforce && r.status === "accepted" && r.direction === "outgoing") {
      buttons.push(`<button class="btn" data-req="${r.id}" data-move="release">增援结束</button>`);
    }
    return `<tr><td>${r.direction === "incoming" ? "收到请求" : "本方请求"}</td>
      <td>${escapeHtml(r.incident_summary)}</td>
      <td>${escapeHtml(r.from_org_name)} → ${escapeHtml(r.to_org_name)}</td>
      <td>${needsText(r.needs)}${r.note ? "<br>" + escapeHtml(r.note) : ""}</td>
      <td>${escapeHtml(r.status_zh)}${r.decision_note ? "<br>" + escapeHtml(r.decision_note) : ""}</td>
      <td>${units || "—"}</td><td>${buttons.join(" ")}</td></tr>`;
  }).join("") || "<tr><td colspan='7'>没有增援请求</td></tr>";
}

async function onRequestMove(event) {
  const button = event.target.closest("button[data-req]");
  if (!button) return;
  const { req, move } = button.dataset;
  let body;
  if (move === "accept") {
    const units = (await api("/api/forces/units?status=available&limit=200")).items;
    const list = units.map((u) => `${u.id}：${u.call_sign}（${u.station_name}）`).join("\n");
    const typed = window.prompt(`选择派出的车辆编号（逗号分隔）：\n${list}`);
    if (!typed) return;
    body = { unit_ids: typed.split(/[,，\s]+/).filter(Boolean).map(Number) };
  } else {
    const note = window.prompt({ refuse: "拒绝原因", cancel: "撤销原因", release: "结束说明" }[move]);
    if (!note || !note.trim()) return;
    body = { note };
  }
  await act(button, () => api(`/api/command/reinforcements/${req}/${move}`, { method: "POST", body }), loadReinforce);
}

// --- 信息报送 ------------------------------------------------------------------------------------

async function loadReports() {
  const rows = (await api("/api/command/reports?limit=200")).items;
  $("#reports-table tbody").innerHTML = rows.map((r) => {
    const receipts = r.messages.flatMap((m) => m.receipts.map((c) => ({ ...c, stage: m.stage })));
    const acks = receipts.map((c) => c.acknowledged_at
      ? `${escapeHtml(c.recipient_name)}已签收`
      : `${escapeHtml(c.recipient_name)}未签收${page.canAck ? ` <button class="btn" data-ack="${c.id}">签收</button>` : ""}`).join("<br>");
    const sent = r.messages.map((m) => `${STAGE_ZH[m.stage] || m.stage}${m.on_time ? "" : "（超时）"} ${formatDateTime(m.sent_at)}`).join("<br>");
    return `<tr data-report="${r.id}"><td>${escapeHtml(r.incident_number)}</td>
      <td>${r.triggers.map((t) => escapeHtml(t.why)).join("；")}</td>
      <td class="${r.overdue ? "cmd-overdue" : ""}">${escapeHtml(r.status_zh)}${r.overdue ? "（已超时）" : ""}</td>
      <td>${formatDateTime(r.first_due_at)}</td><td>${sent || "—"}</td><td>${acks || "—"}</td>
      <td>${r.draft && page.canReport ? `<button class="btn" data-pick="${r.id}">编辑报送</button>` : ""}</td></tr>`;
  }).join("") || "<tr><td colspan='7'>没有需要报送的警情</td></tr>";
  window.__reports = Object.fromEntries(rows.map((r) => [r.id, r]));
}

function pickReport(id) {
  const report = window.__reports[id];
  selectedReport = report;
  $("#report-draft").value = report.draft || "";
  $("#report-stage").value = report.status === "pending" ? "first" : "followup";
  $("#report-send").disabled = !report.draft;
}

async function onReportsClick(event) {
  const pick = event.target.closest("button[data-pick]");
  if (pick) return pickReport(Number(pick.dataset.pick));
  const ack = event.target.closest("button[data-ack]");
  if (ack) {
    await act(ack, () => api(`/api/command/report-receipts/${ack.dataset.ack}/acknowledge`, { method: "POST" }), loadReports);
  }
}

async function sendReport(event) {
  if (!selectedReport) return;
  const body = { stage: $("#report-stage").value, body: $("#report-draft").value.trim() || null };
  await act(event.target, () => api(`/api/command/reports/${selectedReport.id}/send`, { method: "POST", body }), loadReports);
}

// --- 战评 and cases --------------------------------------------------------------------------------

function caseItem(r) {
  return `<li><b>${escapeHtml(r.title)}</b> · ${escapeHtml(r.incident_type_zh)}
    ${r.venue_type_zh ? "· " + escapeHtml(r.venue_type_zh) : ""} ${r.premises_name ? "· " + escapeHtml(r.premises_name) : ""}
    · ${formatDateTime(r.received_at)} · <a href="/command/incidents/${r.incident_id}">时间线</a>
    <div>${escapeHtml(r.summary || "")}</div><div><b>经验教训：</b>${escapeHtml(r.lessons || "")}</div></li>`;
}

async function loadCases(event) {
  event?.preventDefault();
  const form = new FormData($("#case-search"));
  const params = new URLSearchParams();
  for (const [k, v] of form.entries()) if (v) params.set(k, v);
  const rows = (await api(`/api/command/cases?${params}`)).items;
  $("#case-list").innerHTML = rows.map(caseItem).join("") || "<li>没有符合条件的战例</li>";
}

async function loadFigures() {
  const year = new Date().getFullYear();
  const data = await api(`/api/stats/summary?from=${year}-01-01&to=${year}-12-31`);
  const keys = Object.keys(data.values).filter((k) => /^(command\.|reports\.|response\.(water_on|controlled|extinguished)\.)/.test(k));
  $("#figure-table tbody").innerHTML = keys.map((k) => {
    const v = data.values[k];
    const shown = v === null ? "—" : data.kinds[k] === "seconds" ? mmss(v) : v;
    return `<tr><th>${escapeHtml(data.labels[k])}</th><td><a href="/dashboard?trace=${encodeURIComponent(k)}">${shown}</a></td></tr>`;
  }).join("");
}

// --- one incident ---------------------------------------------------------------------------------

async function loadIncident() {
  const id = page.incidentId;
  const incident = await api(`/api/dispatch/incidents/${id}`);
  $("#inc-title").textContent = `${incident.number} ${incident.address_text || ""}`;
  const { review } = await api(`/api/command/incidents/${id}/review`);
  const link = review ? ` <a href="#review-form">战评：${escapeHtml(review.title)}（${escapeHtml(review.status_zh)}）</a>` : "";
  $("#inc-timeline").innerHTML = (incident.timeline || []).map((e) => `<li>${formatDateTime(e.at)} ${escapeHtml(e.kind_zh)}
    ${e.call_sign ? escapeHtml(e.call_sign) : ""} <span class="muted">${escapeHtml(e.actor_name)}</span></li>`).join("")
    + `<li>战评${link || "：尚未撰写"}</li>`;
  const form = $("#review-form");
  $("#review-state").textContent = review ? review.status_zh : "未撰写";
  if (review) {
    form.title.value = review.title;
    form.summary.value = review.summary || "";
    form.lessons.value = review.lessons || "";
    form.attachment_ids.value = review.attachment_ids.join(",");
  }
  const targets = await api("/api/command/reinforcement-targets");
  $("#reinforce-target").innerHTML = targets.map((t) => `<option value="${t.id}">${escapeHtml(t.name)}（${escapeHtml(t.kind_zh)}）</option>`).join("");
}

async function saveReview(event) {
  event.preventDefault();
  const form = event.target;
  const body = {
    title: form.title.value.trim(),
    summary: form.summary.value.trim() || null,
    lessons: form.lessons.value.trim() || null,
    attachment_ids: form.attachment_ids.value.split(/[,，\s]+/).filter(Boolean).map(Number),
  };
  await act(form.querySelector("button[type=submit]"), () => api(`/api/command/incidents/${page.incidentId}/review`, { method: "PUT", body }), loadIncident);
}

async function reviewStatus(event, status) {
  await act(event.target, () => api(`/api/command/incidents/${page.incidentId}/review/status`, { method: "POST", body: { status } }), loadIncident);
}

async function sendFacts(event) {
  event.preventDefault();
  const f = event.target;
  const body = {
    deaths: Number(f.deaths.value), injured: Number(f.injured.value), trapped: Number(f.trapped.value),
    hazmat: f.hazmat.checked, media_attention: f.media_attention.checked,
  };
  await act(f.querySelector("button"), async () => {
    const result = await api(`/api/command/incidents/${page.incidentId}/facts`, { method: "POST", body });
    if (result.report) toast(`已触发信息报送，首报时限 ${formatDateTime(result.report.first_due_at)}`, "warn", 8000);
  });
}

async function askReinforcement(event) {
  event.preventDefault();
  const f = event.target;
  const body = {
    to_org_id: Number(f.to_org_id.value),
    needs: [{ label: f.label.value.trim(), count: Number(f.count.value) }],
    note: f.note.value.trim() || null,
  };
  await act(f.querySelector("button"), () => api(`/api/command/incidents/${page.incidentId}/reinforcements`, { method: "POST", body }));
}

async function start() {
  mountHeader("指挥作战");
  choices = await loadChoices();
  for (const [name, field] of [["incident_type", "type"], ["venue_type", "venue_type"]]) {
    const select = $(`#case-search [name=${field}]`);
    for (const c of choices[name]?.list || []) select.insertAdjacentHTML("beforeend", `<option value="${c.value}">${escapeHtml(c.zh)}</option>`);
  }
  document.querySelector(".cmd-tabs").addEventListener("click", (e) => {
    const tab = e.target.closest("[data-tab]");
    if (tab) showTab(tab.dataset.tab);
  });
  $("#reinforce-table").addEventListener("click", onRequestMove);
  $("#reports-table").addEventListener("click", onReportsClick);
  $("#report-send").addEventListener("click", sendReport);
  $("#case-search").addEventListener("submit", loadCases);
  $("#review-form").addEventListener("submit", saveReview);
  $("#review-publish").addEventListener("click", (e) => reviewStatus(e, "published"));
  $("#review-unpublish").addEventListener("click", (e) => reviewStatus(e, "draft"));
  $("#facts-form").addEventListener("submit", sendFacts);
  $("#reinforce-form").addEventListener("submit", askReinforcement);
  for (const el of document.querySelectorAll("#review-form button, #facts-form button, #reinforce-form button")) {
    const needs = el.closest("#review-form") ? page.canReview : el.closest("#facts-form") ? page.canReport : page.canReinforce;
    el.hidden = !needs;
  }
  if (page.incidentId) {
    $("#tab-incident").hidden = false;
    showTab("incident");
  } else {
    showTab("combat");
  }
}

start().catch((err) => toast(err.message || String(err), "error", 10000));
