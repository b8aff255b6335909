// 练兵考核网上公示: the month's published assessments and competitions, each with its standard, pass
// rate and the ranking of every person assessed (failures marked).
import { api, config, h, mountHeader, toast } from "./common.js";

const $ = (id) => document.getElementById(id);
const CHOICES = config.duty?.choices || {};
const zh = (name, value) => (CHOICES[name] || []).find((c) => c.value === value)?.zh ?? value;

function thisMonth() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" }).format(new Date()).slice(0, 7);
}

function fmt(value, measure) {
  return measure === "time" ? `${value.toFixed(value % 1 ? 1 : 0)}秒` : `${value}分`;
}

function ranking(item) {
  const head = `${item.item}（${zh("subject", item.subject)} · ${zh("assessment_kind", item.kind)} · ${item.org_name} · ${item.held_on}）`;
  const rule = item.measure === "time" ? `≤ ${fmt(item.pass_value, "time")} 合格` : `≥ ${fmt(item.pass_value, "score")} 合格`;
  return h(
    "div",
    { class: "dt-ranking", dataset: { assessmentId: item.id } },
    h("h3", {}, head),
    h("p", { class: "muted" }, `标准：${rule}${item.standard_source ? `（${item.standard_source}）` : ""} · 参考${item.assessed}人，合格${item.passed}人，`, h("span", { class: "dt-pass" }, `合格率${item.pass_pct ?? "—"}%`)),
    h(
      "table",
      { class: "grid" },
      h("thead", {}, h("tr", {}, h("th", { class: "num" }, "名次"), h("th", {}, "姓名"), h("th", {}, "单位"), h("th", { class: "num" }, "成绩"), h("th", {}, "结果"))),
      h(
        "tbody",
        {},
        item.ranking.map((r) =>
          h("tr", { class: r.passed ? "" : "fail" },
            h("td", { class: "num" }, String(r.rank)),
            h("td", {}, r.name),
            h("td", {}, r.org_name),
            h("td", { class: "num" }, fmt(r.value, item.measure)),
            h("td", {}, r.passed ? "合格" : "不合格"),
          ),
        ),
      ),
    ),
  );
}

async function load() {
  const month = $("month").value || thisMonth();
  const items = await api(`/api/duty/assessments?month=${month}&published=true`);
  const assessed = items.reduce((n, i) => n + i.assessed, 0);
  const passed = items.reduce((n, i) => n + i.passed, 0);
  $("month-figures").replaceChildren(
    h("div", { class: "kpi" }, h("b", {}, String(items.length)), h("span", {}, "公示项目")),
    h("div", { class: "kpi" }, h("b", {}, String(assessed)), h("span", {}, "考核人次")),
    h("div", { class: "kpi" }, h("b", {}, assessed ? `${((100 * passed) / assessed).toFixed(2)}%` : "—"), h("span", {}, "合格率")),
  );
  $("rankings").replaceChildren(...(items.length ? items.map(ranking) : [h("p", { class: "muted" }, `${month} 暂无公示的考核成绩`)]));
}

async function main() {
  mountHeader("考核公示");
  const params = new URLSearchParams(location.search);
  $("month").value = params.get("month") || thisMonth();
  $("month").addEventListener("change", () => load().catch((e) => toast(e.message, "error")));
  await load();
}

main().catch((error) => toast(error.message || String(error), "error", 8000));
