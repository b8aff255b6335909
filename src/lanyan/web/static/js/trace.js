// "Which records is this number?" — the records behind a statistics figure, a page at a time, in a
// dialog. Every clickable figure on the dashboard opens it with the figure's key; the rows come from
// /api/stats/trace, which uses the very conditions the figure was counted with.
import { api, h, label } from "./common.js";

const PAGE = 50;

const HEADERS = {
  number: "警情编号",
  received_at: "接警时间",
  type: "类型",
  subtype: "细类",
  brigade_id: "大队",
  address_text: "地址",
  value: "数值",
  title: "隐患",
  org_id: "单位",
  premises_id: "场所",
  severity: "等级",
  status: "状态",
  found_at: "发现时间",
  deadline_at: "整改期限",
  closed_at: "销案时间",
  due_on: "应巡日期",
  at: "巡查时间",
  far_from_premises: "远离场所",
  task_id: "任务",
  inspected_on: "检查日期",
  outcome: "结果",
  hazard_id: "隐患编号",
  level: "级别",
  listed_at: "挂牌时间",
  delisted_at: "摘牌时间",
  name: "名称",
  external_id: "编码",
  control_level: "管控等级",
};

/** The choice list a field's values come from, by figure family. */
function choiceOf(key, field) {
  const family = key.split(".")[0];
  if (field === "type") return "incident_type";
  if (field === "subtype") return "incident_subtype";
  if (field === "severity") return "hazard_severity";
  if (field === "outcome") return "inspection_outcome";
  if (field === "control_level") return "control_level";
  if (field === "level" && family === "listings") return "listing_level";
  if (field === "status" && family === "hazards") return "hazard_status";
  if (field === "status" && family === "listings") return "listing_status";
  return null;
}

function cell(key, field, value, ctx) {
  if (value === null || value === undefined) return "—";
  if (field === "brigade_id" || field === "org_id") return ctx.orgNames.get(value) ?? `#${value}`;
  if (typeof value === "boolean") return value ? "是" : "否";
  if (field === "value" && ctx.kind === "seconds") return `${Number(value).toFixed(1)} 秒`;
  const choice = choiceOf(key, field);
  if (choice) return label(ctx.choices, choice, value) ?? value;
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) return value.slice(0, 19).replace("T", " ");
  return value;
}

function dialogElement() {
  let dialog = document.getElementById("trace-dialog");
  if (!dialog) {
    dialog = h("dialog", { id: "trace-dialog", class: "trace-dialog", "aria-labelledby": "trace-title" });
    document.body.append(dialog);
  }
  return dialog;
}

/**
 * Open the records of figure `key` for the period [from, to] (and organization `orgId`).
 * ctx: {choices, orgNames: Map(id → name)}.
 */
export async function openTrace({ key, from, to, orgId, title }, ctx) {
  const dialog = dialogElement();
  let offset = 0;
  const render = async () => {
    const q = new URLSearchParams({ key, from, to, limit: String(PAGE), offset: String(offset) });
    if (orgId) q.set("org_id", String(orgId));
    const page = await api(`/api/stats/trace?${q}`);
    const rowCtx = { ...ctx, kind: page.kind };
    const shown = (f) => f !== "id" && (f !== "value" || page.items.some((row) => row.value !== null));
    const fields = page.items.length ? Object.keys(page.items[0]).filter(shown) : [];
    const heading = title && title.includes(page.period.label) ? title : `${title || page.label}（${page.period.label}）`;
    const last = Math.min(offset + PAGE, page.total);
    const counted = page.kind === "count" ? `共 ${page.total} 条记录，与统计数一致` : `共 ${page.total} 条记录`;
    dialog.replaceChildren(
      h("header", { class: "trace-head" },
        h("h2", { id: "trace-title" }, heading),
        h("button", { class: "btn btn-ghost", type: "button", "aria-label": "关闭", onclick: () => dialog.close() }, "✕"),
      ),
      h("p", { class: "trace-total", id: "trace-total", dataset: { total: String(page.total) } }, counted),
      page.items.length
        ? h("div", { class: "trace-scroll" },
          h("table", { class: "grid", id: "trace-table" },
            h("thead", {}, h("tr", {}, fields.map((f) => h("th", {}, HEADERS[f] ?? f)))),
            h("tbody", {}, page.items.map((row) =>
              h("tr", {}, fields.map((f) => h("td", {}, String(cell(key, f, row[f], rowCtx))))))),
          ))
        : h("p", {}, "该统计期内没有记录。"),
      h("footer", { class: "trace-foot" },
        h("span", {}, page.total ? `第 ${offset + 1}–${last} 条` : ""),
        h("button", {
          class: "btn", type: "button", disabled: offset === 0,
          onclick: () => { offset = Math.max(0, offset - PAGE); render(); },
        }, "上一页"),
        h("button", {
          class: "btn", type: "button", id: "trace-next", disabled: last >= page.total,
          onclick: () => { offset += PAGE; render(); },
        }, "下一页"),
      ),
    );
    if (!dialog.open) dialog.showModal();
  };
  await render();
}
