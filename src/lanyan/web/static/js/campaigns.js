// 专项整治 desk: progress per brigade (targets vs done), drill-down brigade → measure → inspections,
// the 工作清单 and the 交办单 of the chosen campaign.
import { api, config, h, mountHeader, toast, withButton } from "./common.js";

const API = "/api/prevention";
const canManage = Boolean(config.campaigns?.canManage);
const $ = (id) => document.getElementById(id);
let campaign = null;

function pct(cell) {
  if (cell.share === null || cell.share === undefined) return "";
  return `${Math.round(cell.share * 100)}%`;
}

function cellText(cell) {
  const target = cell.target === null || cell.target === undefined ? "—" : cell.target.toLocaleString("zh-CN");
  return `${target} / ${cell.done.toLocaleString("zh-CN")}`;
}


/** Fill the organization and key pickers of the management forms from the progress table. */
function fillPickers(p) {
  const orgs = p.rows.map((r) => h("option", { value: r.org_id }, r.org_name));
  $("target-org").replaceChildren(...orgs.map((o) => o.cloneNode(true)));
  $("work-org").replaceChildren(...orgs.map((o) => o.cloneNode(true)));
  $("directive-to").replaceChildren(h("option", { value: "" }, "（交办部门）"), ...orgs.map((o) => o.cloneNode(true)));
  $("target-key").replaceChildren(...p.keys.map((k) => h("option", { value: k.key }, `${k.zh}（${k.unit}）`)));
}

async function loadProgress() {
  const p = await api(`${API}/campaigns/${campaign.id}/progress`);
  fillPickers(p);
  const head = h("tr", {}, h("th", {}, "单位"), p.keys.map((k) => h("th", { class: "num" }, `${k.zh}（${k.unit}）`)));
  $("progress-table").tHead.replaceChildren(head);
  const row = (r, clickable) =>
    h("tr", { dataset: { org: r.org_id } },
      h("td", {}, clickable
        ? h("button", { class: "link-btn", type: "button", onclick: () => drillOrg(r) }, r.org_name)
        : r.org_name),
      p.keys.map((k) => {
        const cell = r.cells[k.key];
        return h("td", { class: "num", dataset: { key: k.key } },
          cellText(cell), cell.share !== null ? h("span", { class: "muted small" }, ` ${pct(cell)}`) : null);
      }));
  $("progress-table").tBodies[0].replaceChildren(...p.rows.map((r) => row(r, true)));
  $("progress-table").tFoot.replaceChildren(row(p.total, false));
}

async function drillOrg(org) {
  const totals = await api(`${API}/campaigns/${campaign.id}/measure-totals?org_id=${org.org_id}`);
  $("drill-panel").hidden = false;
  $("drill-title").textContent = `${org.org_name} · 各项整治措施`;
  $("drill-table").tHead.replaceChildren(h("tr", {}, h("th", {}, "措施"), h("th", { class: "num" }, "数量"), h("th", { class: "num" }, "检查次数")));
  $("drill-table").tBodies[0].replaceChildren(...totals.map((t) =>
    h("tr", {},
      h("td", {}, h("button", { class: "link-btn", type: "button", onclick: () => drillMeasure(org, t) }, t.zh)),
      h("td", { class: "num" }, `${t.quantity.toLocaleString("zh-CN")} ${t.unit}`),
      h("td", { class: "num" }, String(t.inspections)))));
}

async function drillMeasure(org, total) {
  const page = await api(`${API}/campaign-measures?campaign_id=${campaign.id}&org_id=${org.org_id}&measure=${total.measure}&limit=200`);
  $("drill-title").textContent = `${org.org_name} · ${total.zh} · 检查记录（${page.total}）`;
  $("drill-table").tHead.replaceChildren(h("tr", {}, h("th", {}, "检查编号"), h("th", {}, "单位"), h("th", {}, "检查日期"), h("th", { class: "num" }, "数量")));
  $("drill-table").tBodies[0].replaceChildren(...page.items.map((m) =>
    h("tr", {}, h("td", {}, `#${m.inspection_id}`), h("td", {}, m.premises_name), h("td", {}, m.recorded_on),
      h("td", { class: "num" }, `${m.quantity} ${m.unit}`))));
}

async function loadWork() {
  const page = await api(`${API}/campaigns/${campaign.id}/work-items?limit=200`);
  $("work-total").textContent = page.total;
  $("work-list").replaceChildren(...page.items.map((w) => {
    const box = h("input", { type: "checkbox", checked: Boolean(w.done_at), disabled: !canManage });
    box.addEventListener("change", async () => {
      try {
        await api(`${API}/campaign-work-items/${w.id}/done`, { method: "POST", body: { done: box.checked } });
        toast(box.checked ? "已完成" : "已重新打开", "ok");
      } catch (e) {
        box.checked = !box.checked;
        toast(e.message, "error");
      }
    });
    return h("li", {}, h("label", {}, box, ` ${w.title}`), h("span", { class: "muted small" }, ` ${w.org_name}${w.due_on ? " · 期限 " + w.due_on : ""}`));
  }));
}

async function loadDirectives() {
  const overdue = $("directive-overdue").checked ? "&overdue=true" : "";
  const page = await api(`${API}/directives?campaign_id=${campaign.id}&limit=100${overdue}`);
  $("directive-total").textContent = page.total;
  $("directive-table").tBodies[0].replaceChildren(...page.items.map((d) => {
    const actions = [];
    const act = (status, text, extra = {}) =>
      h("button", { class: "btn btn-small", type: "button", onclick: (e) => withButton(e.currentTarget, async () => {
        const body = { status, ...extra };
        if (status === "replied") {
          const reply = prompt("回复内容");
          if (!reply) return;
          body.reply = reply;
        }
        await api(`${API}/directives/${d.id}/advance`, { method: "POST", body });
        toast(`${d.number}：${text}`, "ok");
        await loadDirectives();
      }) }, text);
    if (canManage) {
      if (d.status === "issued" || d.status === "returned") actions.push(act("replied", "回复"));
      if (d.status === "replied") actions.push(act("accepted", "办结"), act("returned", "退回"));
    }
    return h("tr", { class: d.overdue ? "overdue" : null },
      h("td", {}, d.number), h("td", {}, d.subject, d.reply ? h("div", { class: "muted small" }, `回复：${d.reply}`) : null),
      h("td", {}, d.to_name), h("td", {}, d.due_on, d.overdue ? h("span", { class: "badge badge-danger" }, "逾期") : null),
      h("td", {}, d.status_zh), h("td", {}, actions));
  }));
}

async function choose(id) {
  campaign = campaigns.find((c) => String(c.id) === String(id));
  if (!campaign) return;
  $("campaign-period").textContent = `${campaign.starts_on} 至 ${campaign.ends_on} · ${campaign.topic_zh}`;
  $("drill-panel").hidden = true;
  await Promise.all([loadProgress(), loadWork(), loadDirectives()]);
}

function bindForms() {
  const submit = (form, button, action) =>
    $(form).addEventListener("submit", (e) => {
      e.preventDefault();
      withButton($(button), action);
    });
  submit("target-form", "target-save", async () => {
    await api(`${API}/campaigns/${campaign.id}/targets`, {
      method: "PUT",
      body: { org_id: Number($("target-org").value), measure: $("target-key").value, quantity: Number($("target-qty").value) },
    });
    toast("目标已保存", "ok");
    await loadProgress();
  });
  submit("work-form", "work-add", async () => {
    await api(`${API}/campaigns/${campaign.id}/work-items`, {
      method: "POST",
      body: { org_id: Number($("work-org").value), title: $("work-title").value.trim(), due_on: $("work-due").value || null },
    });
    $("work-title").value = "";
    toast("已添加工作事项", "ok");
    await loadWork();
  });
  submit("directive-form", "directive-issue", async () => {
    const to = $("directive-to").value;
    const body = { subject: $("directive-subject").value.trim(), due_on: $("directive-due").value, campaign_id: campaign.id };
    if (to) body.to_org_id = Number(to);
    else body.to_department = $("directive-dept").value.trim();
    const d = await api(`${API}/directives`, { method: "POST", body });
    $("directive-subject").value = "";
    toast(`已发出${d.number}`, "ok");
    await loadDirectives();
  });
  for (const form of document.querySelectorAll(".manage-only")) form.hidden = !canManage;
}

let campaigns = [];
async function main() {
  mountHeader("专项整治");
  bindForms();
  const page = await api(`${API}/campaigns?limit=200`);
  campaigns = page.items;
  const select = $("campaign-select");
  select.replaceChildren(...campaigns.map((c) => h("option", { value: c.id }, c.name)));
  select.addEventListener("change", () => choose(select.value).catch((e) => toast(e.message, "error")));
  $("directive-overdue").addEventListener("change", () => loadDirectives().catch((e) => toast(e.message, "error")));
  const wanted = new URLSearchParams(location.search).get("id");
  if (wanted) select.value = wanted;
  if (campaigns.length) await choose(select.value);
  else $("progress-table").tBodies[0].replaceChildren(h("tr", {}, h("td", {}, "暂无专项整治")));

}

main().catch((e) => toast(e.message, "error"));
