// The grid worker's phone page (网格巡查, 390×844): my patrol tasks, check-in at a premises
// (position, checklist, photos, findings that become hazards) and reporting a hazard with photos.
// One hand: big buttons, a tab bar at the bottom, one screen at a time.
import { api, h, loadChoices, mountHeader, toast } from "./common.js";

const TASK_PAGE = 50;
const PATROL_STATUS_ZH = { pending: "待巡查", done: "已巡查", missed: "逾期未巡" };
const CATEGORIES = [
  "消防通道", "安全出口", "疏散指示与应急照明", "灭火器材", "电气线路", "电动自行车",
  "燃气使用", "违规住人（三合一）", "消防设施", "易燃可燃物", "其他",
];

const $ = (id) => document.getElementById(id);
let choices = null;
const tasks = { items: [], total: 0, offset: 0 };
let checkin = null; // {premises: {id, name, address, lon, lat}, taskId, dueOn, checklist, answers, photos, findings}
let reportPremises = null;
let reportPhotos = null;
let reportSeverity = "general";
let pickerCount = 0;

// --- dates, distances -------------------------------------------------------------------------

/** Today in Asia/Shanghai as "yyyy-mm-dd". */
function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

/** "2026-03-01" ± days, as calendar arithmetic on a yyyy-mm-dd string. */
function addDays(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function distanceM(lon1, lat1, lon2, lat2) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}

// --- views ------------------------------------------------------------------------------------

function show(view) {
  for (const section of document.querySelectorAll("main.gridw > .view")) section.hidden = section.id !== `view-${view}`;
  for (const tab of document.querySelectorAll(".gw-tabbar button")) tab.classList.toggle("active", tab.dataset.go === view || (view === "checkin" && tab.dataset.go === "tasks"));
  document.body.dataset.view = view;
  window.scrollTo(0, 0);
  if (view === "report") locate();
}

function go(view) {
  if (view === "tasks") loadTasks();
  if (view === "report" && !reportPhotos) resetReport();
  show(view);
}

// --- position ---------------------------------------------------------------------------------

const position = { fix: null, error: null };

/** Ask the phone for its position once; the result feeds the check-in and the report screens. */
function locate() {
  const render = () => {
    renderPosition();
    renderReportPosition();
  };
  if (!navigator.geolocation) {
    position.error = "本机不支持定位";
    render();
    return;
  }
  position.error = null;
  $("position-status").textContent = "定位中…";
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      position.fix = { lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy, at: Date.now() };
      position.error = null;
      render();
    },
    (error) => {
      position.error = error.code === 1 ? "未允许定位（请在浏览器设置中允许），可手动输入" : "定位失败，可重试或手动输入";
      render();
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
  );
}

/** The position to send: typed in by hand if both fields are filled, else the phone's fix. */
function currentPosition() {
  const lon = parseFloat($("manual-lon").value);
  const lat = parseFloat($("manual-lat").value);
  if (Number.isFinite(lon) && Number.isFinite(lat)) return { lon, lat, manual: true };
  return position.fix;
}

function renderPosition() {
  const box = $("position-status");
  if (!checkin) return;
  const pos = currentPosition();
  if (!pos) {
    box.className = "gw-position bad";
    box.textContent = position.error || "定位中…";
    if (position.error) $("manual-position").open = true;
    return;
  }
  const d = distanceM(pos.lon, pos.lat, checkin.premises.lon, checkin.premises.lat);
  box.className = `gw-position ${d <= 100 ? "ok" : "far"}`;
  box.dataset.distance = String(Math.round(d));
  box.replaceChildren(
    h("b", {}, `距单位约 ${Math.round(d)} 米`),
    h("span", { class: "small" }, pos.manual ? "（手动输入）" : `（精度 ±${Math.round(pos.accuracy)} 米）`),
    h("div", { class: "small muted" }, `${pos.lon.toFixed(6)}, ${pos.lat.toFixed(6)}`),
  );
}

function renderReportPosition() {
  const span = $("report-position");
  span.textContent = position.fix ? `${position.fix.lon.toFixed(5)}, ${position.fix.lat.toFixed(5)}` : position.error || "定位中…";
}

// --- photos -----------------------------------------------------------------------------------

/** A camera button that uploads every photo at once to /api/uploads and remembers the ids. */
function photoPicker(prefix) {
  const uploads = []; // {id, promise}
  const thumbs = h("div", { class: "gw-thumbs", id: `${prefix}-thumbs` });
  const input = h("input", {
    type: "file", accept: "image/*", capture: "environment", multiple: true, id: `${prefix}-file`, class: "gw-file",
  });
  const button = h("label", { class: "gw-btn gw-btn-light gw-camera", for: `${prefix}-file` }, h("span", { class: "gw-camera-icon", "aria-hidden": "true" }), "拍照 / 选择照片", input);
  input.addEventListener("change", () => {
    for (const file of input.files) {
      const slot = h("div", { class: "gw-thumb uploading" }, h("span", {}, "上传中…"));
      thumbs.append(slot);
      const entry = { id: null, slot };
      entry.promise = upload(file)
        .then((id) => {
          entry.id = id;
          slot.classList.remove("uploading");
          slot.dataset.uploadId = id;
          slot.replaceChildren(
            h("img", { src: `/api/uploads/${id}`, alt: file.name }),
            h("button", {
              type: "button", class: "gw-thumb-remove", "aria-label": "删除照片",
              onclick: () => {
                uploads.splice(uploads.indexOf(entry), 1);
                slot.remove();
              },
            }, "×"),
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
    /** The ids of the uploaded photos, once every upload under way has finished. */
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

// --- tasks ------------------------------------------------------------------------------------

function dueText(task, now) {
  if (task.status === "missed") return { text: `${task.due_on} · ${PATROL_STATUS_ZH.missed}`, overdue: true };
  const days = daysBetween(now, task.due_on);
  if (days < 0) return { text: `${task.due_on} · 已逾期 ${-days} 天`, overdue: true };
  if (days === 0) return { text: `${task.due_on} · 今天`, overdue: false };
  return { text: `${task.due_on} · 还有 ${days} 天`, overdue: false };
}

function taskCard(task, now) {
  const due = dueText(task, now);
  return h(
    "li",
    { class: `gw-task${due.overdue ? " overdue" : ""}`, dataset: { taskId: task.id, premisesId: task.premises_id, status: task.status } },
    h("div", { class: "gw-task-name" }, task.premises_name),
    h("div", { class: "gw-meta" }, task.address || "（无地址）"),
    h("div", { class: `gw-due${due.overdue ? " overdue" : ""}` }, "应巡：", due.text),
    h("button", {
      type: "button", class: "gw-btn gw-btn-primary checkin-btn",
      onclick: () => openCheckin({ id: task.premises_id, name: task.premises_name, address: task.address, lon: task.lon, lat: task.lat }, task),
    }, "到场打卡"),
  );
}

async function loadTasks({ more = false } = {}) {
  const offset = more ? tasks.offset + TASK_PAGE : 0;
  const now = today();
  const base = "/api/prevention/patrol-tasks?status=pending";
  let pending;
  let missed;
  let counts;
  try {
    [pending, missed, counts] = await Promise.all([
      api(`${base}&limit=${TASK_PAGE}&offset=${offset}`),
      more ? Promise.resolve(null) : api("/api/prevention/patrol-tasks?status=missed&limit=20"),
      more
        ? Promise.resolve(null)
        : Promise.all([
            api(`${base}&due_from=${now}&due_to=${now}&limit=1`),
            api(`${base}&due_to=${addDays(now, -1)}&limit=1`),
          ]),
    ]);
  } catch (error) {
    $("task-summary").textContent = `任务加载失败：${error.message}`;
    return;
  }
  tasks.offset = offset;
  tasks.items = more ? tasks.items.concat(pending.items) : pending.items;
  tasks.total = pending.total;
  if (missed) tasks.missed = missed;
  if (counts) tasks.counts = { today: counts[0].total, overdue: counts[1].total + (missed?.total ?? 0) };
  const { today: dueToday, overdue } = tasks.counts;
  $("task-summary").replaceChildren(
    h("span", {}, "待巡查 ", h("b", { id: "pending-total" }, tasks.total)),
    h("span", {}, "今日应巡 ", h("b", { id: "today-total" }, dueToday)),
    h("span", { class: overdue ? "overdue" : "" }, "逾期 ", h("b", { id: "overdue-total" }, overdue)),
  );
  const cards = [...(tasks.missed?.items ?? []), ...tasks.items].map((t) => taskCard(t, now));
  $("task-list").replaceChildren(...(cards.length ? cards : [h("li", { class: "gw-empty", id: "no-tasks" }, "暂无巡查任务")]));
  $("more-tasks").hidden = tasks.items.length >= tasks.total;
  document.body.dataset.tasksReady = String(Date.now());
}

// --- premises search (check-in without a task, and the report screen) --------------------------

function premisesSearch(inputId, buttonId, resultsId, onPick) {
  const run = async () => {
    const q = $(inputId).value.trim();
    const list = $(resultsId);
    if (!q) {
      list.replaceChildren();
      return;
    }
    list.replaceChildren(h("li", { class: "muted" }, "搜索中…"));
    try {
      const page = await api(`/api/premises?q=${encodeURIComponent(q)}&limit=10`);
      list.replaceChildren(
        ...(page.items.length
          ? page.items.map((p) =>
              h(
                "li",
                {
                  class: "gw-result", tabindex: 0, dataset: { premisesId: p.id },
                  onclick: () => {
                    list.replaceChildren();
                    onPick(p);
                  },
                },
                h("b", {}, p.name), h("div", { class: "small muted" }, p.address || ""),
              ),
            )
          : [h("li", { class: "muted" }, "没有找到单位")]),
      );
    } catch (error) {
      list.replaceChildren(h("li", { class: "error" }, error.message));
    }
  };
  $(buttonId).addEventListener("click", run);
  $(inputId).addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      run();
    }
  });
}

// --- check-in ---------------------------------------------------------------------------------

async function openCheckin(premises, task = null) {
  checkin = { premises, taskId: task?.id ?? null, checklist: [], answers: {}, photos: photoPicker("checkin"), findings: [] };
  $("checkin-name").textContent = premises.name;
  $("checkin-address").textContent = premises.address || "";
  $("checkin-due").textContent = task ? `应巡日期：${task.due_on}` : "计划外巡查";
  $("checkin-photos").replaceChildren(checkin.photos.element);
  $("findings").replaceChildren();
  $("finding-count").textContent = "0";
  $("checkin-note").value = "";
  $("manual-lon").value = "";
  $("manual-lat").value = "";
  $("manual-position").open = false;
  $("checklist").replaceChildren(h("li", { class: "muted" }, "加载检查项…"));
  show("checkin");
  locate();
  try {
    const template = await api(`/api/prevention/checklists/premises/${premises.id}`);
    checkin.checklist = template.items;
    $("checklist-name").textContent = `（${template.zh}）`;
    renderChecklist();
  } catch (error) {
    $("checklist").replaceChildren(h("li", { class: "error" }, `检查项加载失败：${error.message}`));
  }
  document.body.dataset.checkinReady = String(premises.id);
}

function renderChecklist() {
  $("checklist").replaceChildren(
    ...checkin.checklist.map((item) => {
      const answer = checkin.answers[item.key];
      const choose = (value) => {
        checkin.answers[item.key] = value;
        renderChecklist();
      };
      return h(
        "li",
        { class: `gw-item${answer === false ? " no" : ""}`, dataset: { key: item.key, answer: answer === undefined ? "" : String(answer) } },
        h("span", { class: "gw-item-text" }, item.zh),
        h(
          "span",
          { class: "gw-yesno" },
          h("button", { type: "button", class: `yes${answer === true ? " on" : ""}`, "aria-pressed": String(answer === true), onclick: () => choose(true) }, "是"),
          h("button", { type: "button", class: `no${answer === false ? " on" : ""}`, "aria-pressed": String(answer === false), onclick: () => choose(false) }, "否"),
        ),
        answer === false
          ? h("button", { type: "button", class: "gw-link", onclick: () => addFinding({ title: `${item.zh}：不符合`, category: item.zh }) }, "记为隐患")
          : null,
      );
    }),
  );
}

function severitySegment(current, onChange) {
  const box = h("div", { class: "gw-seg" });
  const render = (value) => {
    box.replaceChildren(
      ...choices.hazard_severity.list.map((c) =>
        h("button", {
          type: "button", class: `${c.value}${c.value === value ? " on" : ""}`, dataset: { severity: c.value },
          "aria-pressed": String(c.value === value),
          onclick: () => {
            onChange(c.value);
            render(c.value);
          },
        }, c.zh),
      ),
    );
  };
  render(current);
  return box;
}

function addFinding(prefill = {}) {
  const finding = { severity: "general", photos: photoPicker(`finding-${++pickerCount}`) };
  const title = h("input", { class: "finding-title", maxlength: 200, placeholder: "隐患描述，如：安全出口上锁", value: prefill.title || "" });
  const description = h("textarea", { class: "finding-description", rows: 2, maxlength: 2000, placeholder: "详细说明（可选）" });
  finding.category = prefill.category || null;
  const card = h(
    "div",
    { class: "gw-finding" },
    h("div", { class: "gw-finding-head" }, h("b", {}, "发现隐患"), h("button", {
      type: "button", class: "gw-link", onclick: () => {
        checkin.findings.splice(checkin.findings.indexOf(finding), 1);
        card.remove();
        $("finding-count").textContent = checkin.findings.length;
      },
    }, "删除")),
    h("label", {}, "描述", title),
    severitySegment(finding.severity, (v) => (finding.severity = v)),
    description,
    finding.photos.element,
  );
  finding.read = async () => ({
    title: title.value.trim(),
    description: description.value.trim() || null,
    severity: finding.severity,
    category: finding.category,
    photo_ids: await finding.photos.ids(),
  });
  checkin.findings.push(finding);
  $("findings").append(card);
  $("finding-count").textContent = checkin.findings.length;
  title.focus();
}

async function submitCheckin(button) {
  const pos = currentPosition();
  if (!pos) {
    toast("尚未获得位置：请允许定位，或手动输入经纬度", "error", 6000);
    $("manual-position").open = true;
    return;
  }
  const unanswered = checkin.checklist.filter((item) => checkin.answers[item.key] === undefined).length;
  if (unanswered) {
    toast(`请逐项检查：还有 ${unanswered} 项未选择“是”或“否”`, "error", 6000);
    return;
  }
  button.disabled = true;
  button.textContent = "提交中…";
  try {
    const findings = await Promise.all(checkin.findings.map((f) => f.read()));
    if (findings.some((f) => !f.title)) throw new Error("请填写每条隐患的描述");
    const body = {
      premises_id: checkin.premises.id,
      task_id: checkin.taskId,
      lon: pos.lon,
      lat: pos.lat,
      checklist: checkin.answers,
      photo_ids: await checkin.photos.ids(),
      note: $("checkin-note").value.trim() || null,
      findings: findings.map((f) => ({ ...f, lon: pos.lon, lat: pos.lat })),
    };
    const visit = await api("/api/prevention/visits", { method: "POST", body });
    done(
      h("div", { class: "gw-done-icon ok" }, "✓"),
      h("h2", { id: "done-title" }, "打卡成功"),
      h("p", {}, `${checkin.premises.name}`),
      h("p", {}, `距单位 ${Math.round(visit.distance_m)} 米`),
      visit.far_from_premises ? h("p", { class: "warn" }, "距离单位较远，此次打卡将由防火监督员复核") : null,
      visit.hazard_ids.length ? h("p", {}, `已生成隐患 ${visit.hazard_ids.length} 条（编号 ${visit.hazard_ids.map((id) => `#${id}`).join("、")}），等待核实`) : null,
      h("p", { class: "muted small", id: "done-visit", dataset: { visitId: visit.id } }, `巡查记录编号 ${visit.id}`),
    );
    checkin = null;
  } catch (error) {
    toast(error.message, "error", 8000);
  } finally {
    button.disabled = false;
    button.textContent = "提交打卡";
  }
}

// --- report a hazard --------------------------------------------------------------------------

function resetReport() {
  reportPremises = null;
  reportSeverity = "general";
  reportPhotos = photoPicker("report");
  $("report-form").reset();
  $("report-with-position").checked = true;
  $("report-photos").replaceChildren(reportPhotos.element);
  $("report-severity").replaceWith(
    Object.assign(severitySegment(reportSeverity, (v) => (reportSeverity = v)), { id: "report-severity" }),
  );
  renderReportPremises();
}

function renderReportPremises() {
  const box = $("report-premises-chosen");
  box.hidden = !reportPremises;
  if (!reportPremises) return;
  box.dataset.premisesId = reportPremises.id;
  box.replaceChildren(
    h("div", {}, h("b", {}, reportPremises.name), h("div", { class: "small muted" }, reportPremises.address || "")),
    h("button", { type: "button", class: "gw-link", onclick: () => { reportPremises = null; renderReportPremises(); } }, "取消"),
  );
}

async function submitReport(button) {
  const title = $("report-title").value.trim();
  if (!title) {
    toast("请填写隐患描述", "error");
    $("report-title").focus();
    return;
  }
  button.disabled = true;
  button.textContent = "上报中…";
  try {
    const photoIds = await reportPhotos.ids();
    const body = {
      title,
      description: $("report-description").value.trim() || null,
      severity: reportSeverity,
      category: $("report-category").value || null,
      photo_ids: photoIds,
    };
    if (reportPremises) body.premises_id = reportPremises.id;
    if ($("report-with-position").checked && position.fix) {
      body.lon = position.fix.lon;
      body.lat = position.fix.lat;
    }
    const hazard = await api("/api/hazards", { method: "POST", body });
    done(
      h("div", { class: "gw-done-icon ok" }, "✓"),
      h("h2", { id: "done-title" }, "隐患已上报"),
      h("p", { id: "done-hazard", dataset: { hazardId: hazard.id } }, `编号 #${hazard.id}：${hazard.title}`),
      hazard.premises_name ? h("p", {}, hazard.premises_name) : null,
      h("p", {}, `照片 ${photoIds.length} 张，等待防火监督员核实`),
    );
    reportPhotos = null;
  } catch (error) {
    toast(error.message, "error", 8000);
  } finally {
    button.disabled = false;
    button.textContent = "上报隐患";
  }
}

function done(...children) {
  $("done-box").replaceChildren(...children.filter(Boolean));
  show("done");
}

// --- page -------------------------------------------------------------------------------------

async function main() {
  mountHeader("网格巡查");
  choices = await loadChoices();
  $("report-category").append(h("option", { value: "" }, "（请选择）"), ...CATEGORIES.map((c) => h("option", { value: c }, c)));
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-go]");
    if (target) go(target.dataset.go);
  });
  $("more-tasks").addEventListener("click", () => loadTasks({ more: true }));
  $("locate-again").addEventListener("click", locate);
  $("manual-lon").addEventListener("input", renderPosition);
  $("manual-lat").addEventListener("input", renderPosition);
  $("all-yes").addEventListener("click", () => {
    for (const item of checkin?.checklist ?? []) checkin.answers[item.key] = true;
    renderChecklist();
  });
  $("add-finding").addEventListener("click", () => addFinding());
  $("submit-checkin").addEventListener("click", (event) => submitCheckin(event.currentTarget));
  $("submit-report").addEventListener("click", (event) => submitReport(event.currentTarget));
  $("report-form").addEventListener("submit", (event) => event.preventDefault());
  premisesSearch("checkin-premises-q", "checkin-premises-search", "checkin-premises-results", (p) => {
    $("other-premises").open = false;
    openCheckin(p);
  });
  premisesSearch("report-premises-q", "report-premises-search", "report-premises-results", (p) => {
    reportPremises = p;
    $("report-premises-q").value = "";
    renderReportPremises();
  });
  resetReport();
  await loadTasks();
  show("tasks");
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`加载失败：${error.message}`, "error", 15000));
