// IoT fire alarms (物联网火警): on the console, a banner with sound for every alarm 待核实 and
// the operator's 真实火警 / 误报 / 测试 buttons; on the duty person's phone page (/iot/duty),
// the alarm named by the signed link and the same decision.
import {
  api,
  beep,
  escapeHtml,
  formatDateTime,
  liveEvents,
  mountHeader,
  toast,
  user,
} from "./common.js";

const pending = new Map();

function decisionButtons(alarm) {
  return `
    <button type="button" class="btn danger" data-alarm="${alarm.id}" data-verdict="real">真实火警</button>
    <button type="button" class="btn" data-alarm="${alarm.id}" data-verdict="false_alarm">误报</button>
    <button type="button" class="btn" data-alarm="${alarm.id}" data-verdict="test">测试</button>`;
}

function alarmLine(alarm) {
  const escalated = alarm.escalated_at ? '<b class="iot-escalated">已超时升级</b> ' : "";
  return `<div class="iot-alarm" data-id="${alarm.id}">
    ${escalated}<b>物联网火警</b> ${escapeHtml(alarm.premises_name)}
    · ${escapeHtml(alarm.device_name)} ${escapeHtml(alarm.location || "")}
    · ${escapeHtml(formatDateTime(alarm.opened_at))}
    ${alarm.repeats ? `· 重复 ${alarm.repeats} 次` : ""}
    ${user && user.can_dispatch ? decisionButtons(alarm) : ""}
  </div>`;
}

function banner() {
  let box = document.getElementById("iot-alarm-banner");
  if (!box) {
    box = document.createElement("div");
    box.id = "iot-alarm-banner";
    box.className = "alert-banner iot-alarm-banner";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;top:48px;left:50%;transform:translateX(-50%);z-index:2000;" +
      "background:#b71c1c;color:#fff;padding:8px 12px;border-radius:4px;max-width:90vw;";
    document.body.appendChild(box);
    box.addEventListener("click", onDecide);
  }
  return box;
}

function render() {
  const box = banner();
  box.innerHTML = [...pending.values()].map(alarmLine).join("");
  box.hidden = pending.size === 0;
}

async function decide(alarmId, verdict, path, extra = {}) {
  let reason = null;
  if (verdict !== "real") {
    reason = window.prompt(verdict === "test" ? "测试说明（必填）" : "误报原因（必填）");
    if (!reason || !reason.trim()) return null;
  }
  return api(path, { method: "POST", body: { verdict, reason, ...extra } });
}

async function onDecide(event) {
  const button = event.target.closest("button[data-verdict]");
  if (!button) return;
  const id = Number(button.dataset.alarm);
  try {
    const result = await decide(id, button.dataset.verdict, `/api/iot/alarms/${id}/decision`);
    if (!result) return;
    pending.delete(id);
    render();
    toast(result.incident_id ? `已生成警情（推荐 ${result.recommended_unit_ids.length} 车）` : "已处理", "ok");
  } catch (error) {
    toast(error.message, "error");
  }
}

function onAlarm(alarm, type) {
  if (alarm.status !== "pending") {
    pending.delete(alarm.id);
  } else {
    const fresh = !pending.has(alarm.id) || type === "iot.alarm.escalated";
    pending.set(alarm.id, alarm);
    if (fresh) beep();
  }
  render();
}

async function loadPending() {
  try {
    const page = await api("/api/iot/alarms?status=pending&limit=50");
    pending.clear();
    for (const alarm of page.items) pending.set(alarm.id, alarm);
    render();
    if (pending.size) beep();
  } catch {
    // the queue is shown again on the next (re)connection
  }
}

function startConsole() {
  liveEvents(
    { "iot.alarm": onAlarm, "iot.alarm.escalated": onAlarm, "iot.alarm.decided": onAlarm },
    { onOpen: loadPending },
  );
}

async function startDuty(root) {
  const token = new URLSearchParams(location.search).get("token") || "";
  const show = (html) => {
    root.innerHTML = html;
  };
  let alarm;
  try {
    alarm = await api(`/api/iot/duty?token=${encodeURIComponent(token)}`);
  } catch (error) {
    show(`<p class="iot-duty-error">${escapeHtml(error.message)}</p>`);
    return;
  }
  if (alarm.status !== "pending") {
    show(`<p id="iot-duty-result">该火警已处理：${escapeHtml(alarm.status_zh)}</p>`);
    return;
  }
  show(`<h1>物联网火警待核实</h1>
    <p><b>${escapeHtml(alarm.premises_name)}</b></p>
    <p>${escapeHtml(alarm.device_name)} · ${escapeHtml(alarm.location || "")}</p>
    <p>报警时间 ${escapeHtml(formatDateTime(alarm.opened_at))}</p>
    <label>您的姓名 <input id="iot-duty-name" maxlength="60"></label>
    <div class="iot-duty-buttons">${decisionButtons(alarm)}</div>
    <p id="iot-duty-result" role="status"></p>`);
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-verdict]");
    if (!button) return;
    const name = document.getElementById("iot-duty-name").value.trim() || null;
    try {
      const result = await decide(alarm.id, button.dataset.verdict, "/api/iot/duty/decision", {
        token,
        name,
      });
      if (!result) return;
      document.getElementById("iot-duty-result").textContent = result.incident_id
        ? "已确认真实火警，已生成警情并推荐出动力量"
        : `已处理：${result.alarm.status_zh}`;
      for (const b of root.querySelectorAll("button")) b.disabled = true;
    } catch (error) {
      document.getElementById("iot-duty-result").textContent = error.message;
    }
  });
}

const KIND_ZH = {
  fire_panel: "火灾报警控制器",
  smoke_alarm: "独立式烟感",
  gas_detector: "可燃气体探测器",
  electrical_fire: "电气火灾监控",
  water_pressure: "水压传感器",
  water_level: "水位传感器",
  ebike_blocker: "电动车阻车器",
  other: "其他",
};

function rows(items, cells) {
  return items.length
    ? items.map((item) => `<tr>${cells(item).map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")
    : '<tr><td colspan="6">无</td></tr>';
}

async function refreshMonitor() {
  const [figures, queue, offline, faults] = await Promise.all([
    api("/api/iot/overview"),
    api("/api/iot/alarms?limit=50"),
    api("/api/iot/devices?online=false&limit=100"),
    api("/api/iot/devices?faulty=true&limit=100"),
  ]);
  document.getElementById("iot-figures").innerHTML = `
    设备 <b>${figures.devices}</b> 台，在线率 <b>${figures.online_pct}%</b>（离线 ${figures.offline}），
    故障 <b>${figures.faults_open}</b>，待核实火警 <b>${figures.alarms_pending}</b>，
    火警 ${figures.alarms_total} 起，其中真实火警 ${figures.true_fires}、误报 ${figures.false_alarms}
    （误报率 ${(figures.false_alarm_rate * 100).toFixed(1)}%）`;
  document.getElementById("iot-queue").innerHTML = rows(queue.items, (a) => [
    escapeHtml(a.status_zh) + (a.escalated_at ? "（已升级）" : ""),
    escapeHtml(a.premises_name),
    escapeHtml(a.device_name),
    escapeHtml(a.location || ""),
    escapeHtml(formatDateTime(a.opened_at)),
    a.status === "pending" && user && user.can_dispatch ? decisionButtons(a) : escapeHtml(a.reason || ""),
  ]);
  document.getElementById("iot-offline").innerHTML = rows(offline.items, (d) => [
    escapeHtml(d.name),
    escapeHtml(KIND_ZH[d.kind] || d.kind),
    escapeHtml(d.location || ""),
    escapeHtml(d.last_heartbeat_at ? formatDateTime(d.last_heartbeat_at) : "从未"),
  ]);
  document.getElementById("iot-faults").innerHTML = rows(faults.items, (d) => [
    escapeHtml(d.name),
    escapeHtml(KIND_ZH[d.kind] || d.kind),
    escapeHtml(d.fault_detail || ""),
    escapeHtml(formatDateTime(d.fault_since)),
  ]);
}

function startMonitor(root) {
  mountHeader("物联网监控中心");
  root.addEventListener("click", async (event) => {
    if (!event.target.closest("button[data-verdict]")) return;
    await onDecide(event);
    refreshMonitor();
  });
  refreshMonitor();
  const again = () => refreshMonitor().catch(() => {});
  liveEvents(
    {
      "iot.alarm": again,
      "iot.alarm.escalated": again,
      "iot.alarm.decided": again,
      "iot.device.online": again,
      "iot.device.offline": again,
      "iot.device.fault": again,
      "iot.device.fault_cleared": again,
    },
    { onOpen: again },
  );
}

const dutyRoot = document.getElementById("iot-duty");
const monitorRoot = document.getElementById("iot-monitor");
if (dutyRoot) {
  startDuty(dutyRoot);
} else if (user) {
  if (monitorRoot) startMonitor(monitorRoot);
  startConsole();
}
