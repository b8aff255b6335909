// 挂牌督办 desk: listings of major and 突出 hazards and of areas, by level and lister; the figures under
// supervision in units (家) and hazards (处); propose, list, rectify, delist or withdraw.
import { api, config, formatDateTime, h, mountHeader, toast, withButton } from "./common.js";

const canManage = Boolean(config.listings?.canManage);
const $ = (id) => document.getElementById(id);
const KINDS = [["major", "重大火灾隐患"], ["prominent", "突出火灾隐患"], ["area", "区域性火灾隐患"]];
const NEXT = {
  proposed: [["listed", "挂牌"], ["withdrawn", "撤销"]],
  listed: [["rectifying", "整改中"]],
  rectifying: [["delisted", "摘牌"]],
};
const STATUS = { proposed: "拟挂牌", listed: "已挂牌", rectifying: "整改中", delisted: "已摘牌", withdrawn: "已撤销" };
const PAGE = 50;
let offset = 0;

async function loadFigures() {
  const f = await api("/api/prevention/listings/figures");
  $("listing-figures").tBodies[0].replaceChildren(...KINDS.map(([k, zh]) => {
    const v = f.by_kind[k];
    return h("tr", { dataset: { kind: k } }, h("td", {}, zh), h("td", { class: "num" }, String(v.listings)),
      h("td", { class: "num" }, String(v.units)), h("td", { class: "num" }, String(v.hazards)));
  }));
}

async function loadList() {
  const kind = $("listing-kind").value;
  const page = await api(`/api/prevention/listings?limit=${PAGE}&offset=${offset}${kind ? "&kind=" + kind : ""}`);
  $("listing-total").textContent = page.total;
  $("listing-page").textContent = `${page.total ? offset + 1 : 0}–${offset + page.items.length} / ${page.total}`;
  $("listing-prev").disabled = offset === 0;
  $("listing-next").disabled = offset + PAGE >= page.total;
  $("listing-list").tBodies[0].replaceChildren(...page.items.map((l) => {
    const actions = canManage ? (NEXT[l.status] || []).map(([to, text]) =>
      h("button", { class: "btn btn-small", type: "button", onclick: (e) => withButton(e.currentTarget, async () => {
        await api(`/api/listings/${l.id}/advance`, { method: "POST", body: { status: to } });
        toast(`${l.hazard_title}：${text}`, "ok");
        await Promise.all([loadList(), loadFigures()]);
      }) }, text)) : [];
    return h("tr", { dataset: { id: l.id } },
      h("td", {}, l.kind_zh), h("td", {}, l.hazard_title, l.deadline_at ? h("div", { class: "muted small" }, `期限 ${formatDateTime(l.deadline_at)}`) : null),
      h("td", {}, l.premises_name || l.org_name), h("td", {}, l.listed_by_zh),
      h("td", { class: "num" }, String(l.unit_count)), h("td", { class: "num" }, String(l.hazard_count)),
      h("td", {}, STATUS[l.status] || l.status), h("td", {}, actions));
  }));
}

function showKindFields() {
  const area = $("lf-kind").value === "area";
  for (const el of document.querySelectorAll(".area-only")) el.hidden = !area;
  for (const el of document.querySelectorAll(".hazard-only")) el.hidden = area;
}

async function propose(event) {
  event.preventDefault();
  const kind = $("lf-kind").value;
  const body = { kind, level: $("lf-level").value, lister: $("lf-lister").value, basis: $("lf-basis").value.trim() || null };
  if (kind === "area") {
    body.area_name = $("lf-area").value.trim();
    body.premises_ids = $("lf-premises").value.split(/[,，、\s]+/).filter(Boolean).map(Number);
    if ($("lf-units").value) body.unit_count = Number($("lf-units").value);
    if ($("lf-hazards").value) body.hazard_count = Number($("lf-hazards").value);
  } else {
    body.hazard_id = Number($("lf-hazard").value);
  }
  await api("/api/listings", { method: "POST", body });
  toast("已提请挂牌督办", "ok");
  await Promise.all([loadList(), loadFigures()]);
}

async function main() {
  mountHeader("挂牌督办");
  $("listing-kind").append(...KINDS.map(([k, zh]) => h("option", { value: k }, zh)));
  $("lf-kind").append(...KINDS.map(([k, zh]) => h("option", { value: k }, zh)));
  $("listing-kind").addEventListener("change", () => { offset = 0; loadList().catch((e) => toast(e.message, "error")); });
  $("listing-prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); loadList(); });
  $("listing-next").addEventListener("click", () => { offset += PAGE; loadList(); });
  $("lf-kind").addEventListener("change", showKindFields);
  $("listing-form").addEventListener("submit", (e) => withButton($("lf-submit"), () => propose(e)));
  for (const el of document.querySelectorAll(".manage-only")) el.hidden = !canManage;
  showKindFields();
  await Promise.all([loadList(), loadFigures()]);
}

main().catch((e) => toast(e.message, "error"));
