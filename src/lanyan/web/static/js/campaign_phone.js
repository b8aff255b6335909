// Phone page: an officer picks a campaign inspection and records what was done, in the measure's
// physical unit (拆除铁栅栏 3 处), with big +/− buttons that work in gloves.
import { api, h, mountHeader, toast, withButton } from "./common.js";

const API = "/api/prevention";
const $ = (id) => document.getElementById(id);
let catalogue = null;
let campaigns = [];
let inspection = null;

function measuresOf(campaign) {
  const topic = catalogue.topics.find((t) => t.key === campaign.topic);
  const kinds = Object.fromEntries(catalogue.measures.map((m) => [m.code, m]));
  return (topic ? topic.measures : []).map((code) => kinds[code]).filter((m) => m && m.active);
}

async function loadInspections() {
  const campaign = campaigns.find((c) => String(c.id) === $("phone-campaign").value);
  $("phone-form").hidden = true;
  if (!campaign) return;
  const page = await api(`${API}/inspections?campaign_id=${campaign.id}&limit=30`);
  $("phone-inspections").replaceChildren(
    ...(page.items.length ? page.items.map((i) =>
      h("button", { class: "btn insp", type: "button", dataset: { id: i.id }, onclick: () => openForm(campaign, i) },
        `#${i.id} · ${i.inspected_on} · 单位 ${i.premises_id}`)) : [h("p", { class: "muted" }, "该专项整治暂无检查记录")]),
  );
}

async function openForm(campaign, chosen) {
  inspection = chosen;
  const recorded = await api(`${API}/campaign-measures?inspection_id=${chosen.id}&limit=100`);
  const done = Object.fromEntries(recorded.items.map((m) => [m.measure, m.quantity]));
  $("phone-form").hidden = false;
  $("phone-form-title").textContent = `检查 #${chosen.id}（${chosen.inspected_on}）`;
  $("phone-measures").replaceChildren(...measuresOf(campaign).map((m) => {
    const qty = h("input", { class: "qty", type: "number", min: "0", max: "100000", value: String(done[m.code] || 0), dataset: { measure: m.code }, "aria-label": `${m.zh}（${m.unit}）` });
    const step = (d) => () => { qty.value = String(Math.max(0, Number(qty.value || 0) + d)); };
    return h("div", { class: "measure" },
      h("span", {}, `${m.zh}（${m.unit}）`),
      h("button", { class: "btn", type: "button", onclick: step(-1), "aria-label": "减少" }, "−"),
      qty,
      h("button", { class: "btn", type: "button", onclick: step(1), "aria-label": "增加" }, "+"));
  }));
}

async function save() {
  const items = [...document.querySelectorAll("#phone-measures .qty")]
    .map((q) => ({ measure: q.dataset.measure, quantity: Number(q.value || 0) }))
    .filter((i) => i.quantity > 0);
  if (!items.length) {
    toast("请至少填写一项措施的数量", "error");
    return;
  }
  await api(`${API}/campaign-measures`, { method: "POST", body: { inspection_id: inspection.id, items } });
  toast("已保存", "ok");
}

async function main() {
  mountHeader("整治措施录入");
  catalogue = await api(`${API}/campaign-catalogue`);
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  campaigns = (await api(`${API}/campaigns?active_on=${today}&limit=100`)).items;
  $("phone-campaign").replaceChildren(...campaigns.map((c) => h("option", { value: c.id }, c.name)));
  $("phone-campaign").addEventListener("change", () => loadInspections().catch((e) => toast(e.message, "error")));
  $("phone-save").addEventListener("click", (e) => withButton(e.currentTarget, save).catch((err) => toast(err.message, "error")));
  await loadInspections();
}

main().catch((e) => toast(e.message, "error"));
