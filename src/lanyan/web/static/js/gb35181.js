// GB 35181 determination desk: choose the hazard and its site category, tick the direct criteria and
// composite elements found, and read the answer — including what could not be confirmed from the
// 2025 text of the standard (the answer's "unconfirmed" list).
import { api, config, h, mountHeader, toast, withButton } from "./common.js";

const canManage = Boolean(config.gb35181?.canManage);
const $ = (id) => document.getElementById(id);

async function loadCriteria() {
  const data = await api(`/api/gb35181/criteria?category=${encodeURIComponent($("gb-category").value || "crowded")}`);
  if (!$("gb-category").options.length) {
    $("gb-category").replaceChildren(...data.categories.map((c) => h("option", { value: c.value }, c.zh)));
  }
  const item = (c) => h("li", {},
    h("label", {},
      h("input", { type: "checkbox", value: c.id, dataset: { group: c.group }, disabled: !canManage }),
      ` ${c.id} ${c.summary}`,
      c.confirmed_from_source ? null : h("span", { class: "badge", title: "未能从标准原文核实" }, "未核实")));
  $("gb-direct").replaceChildren(...data.criteria.filter((c) => c.group === "direct").map(item));
  $("gb-composite").replaceChildren(...data.criteria.filter((c) => c.group === "composite").map(item));
}

function showResult(result) {
  const a = result.assessment;
  $("gb-result").replaceChildren(
    h("p", { class: a.is_major ? "verdict major" : "verdict" }, h("strong", {}, a.is_major ? "构成重大火灾隐患" : "不构成重大火灾隐患")),
    h("p", {}, a.explanation_zh),
    a.basis.length ? h("ul", {}, a.basis.map((b) => h("li", {}, b))) : null,
    h("p", { class: "muted small" }, `依据：${a.edition}（条款编号：${a.numbering}）`),
    h("h3", {}, "未能核实的依据"),
    h("ul", { id: "gb-unconfirmed" }, a.unconfirmed.map((u) => h("li", {}, u))),
    a.recommend_listing ? h("p", {}, "已提请挂牌督办（见“防火监督”页的挂牌督办）。") : null,
  );
}

async function submit(event) {
  event.preventDefault();
  if (!canManage) {
    toast("您的角色只能查看判定要素", "error");
    return;
  }
  const ticked = [...document.querySelectorAll("#gb-form-panel input[type=checkbox]:checked")];
  const body = {
    category: $("gb-category").value,
    direct: ticked.filter((b) => b.dataset.group === "direct").map((b) => b.value),
    composite: ticked.filter((b) => b.dataset.group === "composite").map((b) => b.value),
  };
  const id = Number($("gb-hazard").value);
  const result = await api(`/api/hazards/${id}/gb35181`, { method: "POST", body });
  $("gb-hazard-info").textContent = `${result.hazard.title}（${result.hazard.premises_name || "—"}）`;
  showResult(result);
}

async function main() {
  mountHeader("重大火灾隐患判定");
  await loadCriteria();
  $("gb-category").addEventListener("change", () => loadCriteria().catch((e) => toast(e.message, "error")));
  $("gb-form").addEventListener("submit", (e) => withButton($("gb-submit"), () => submit(e)));
  const wanted = new URLSearchParams(location.search).get("hazard");
  if (wanted) $("gb-hazard").value = wanted;
  $("gb-submit").disabled = !canManage;
}

main().catch((e) => toast(e.message, "error"));
