// Record-keeping helpers of the desk pages (宣传教育, 网格与巡查, 力量与预案): a form built from a
// field list, a paged table, tabs. The API checks every value again and answers in Chinese.
import { api, h, toast, withButton } from "./common.js";

/**
 * Fill `form` with the fields and show it. fields: [{name, label, type, options, required, min,
 * max, step, placeholder, wide}], type ∈ text | number | date | select | checkbox | json | textarea.
 * onSubmit(body) gets only the fields given a value (on an edit, also those emptied).
 */
export function openForm(form, { title, fields, values = {}, onSubmit, editing = false }) {
  const inputs = {};
  const controls = fields.map((f) => {
    let input;
    const current = values[f.name];
    if (f.type === "select") {
      input = h("select", { name: f.name, required: f.required },
        f.required ? null : h("option", { value: "" }, "—"),
        (f.options || []).map((o) => h("option", { value: o.value, selected: String(o.value) === String(current ?? "") }, o.zh ?? o.label ?? o.value)));
    } else if (f.type === "checkbox") {
      input = h("input", { type: "checkbox", name: f.name, checked: Boolean(current ?? f.default) });
    } else if (f.type === "json" || f.type === "textarea") {
      input = h("textarea", { name: f.name, required: f.required, rows: 4 });
      input.value = current === undefined || current === null ? "" : f.type === "json" ? JSON.stringify(current, null, 1) : current;
    } else {
      input = h("input", {
        name: f.name, type: f.type || "text", required: f.required, min: f.min, max: f.max,
        step: f.step ?? (f.type === "number" ? "any" : null), maxlength: f.maxlength ?? (f.type ? null : 200), placeholder: f.placeholder,
      });
      input.value = current ?? "";
    }
    inputs[f.name] = { f, input, initial: input.type === "checkbox" ? input.checked : input.value };
    return h("label", { class: f.wide ? "grow" : null }, f.label, input);
  });
  const save = h("button", { type: "submit", class: "btn btn-primary" }, "保存");
  const cancel = h("button", { type: "button", class: "btn", onclick: () => { form.hidden = true; } }, "取消");
  form.replaceChildren(h("b", {}, title), ...controls, h("div", { class: "rec-form-actions" }, save, cancel));
  form.hidden = false;
  form.onsubmit = (event) => {
    event.preventDefault();
    const body = {};
    for (const [name, { f, input, initial }] of Object.entries(inputs)) {
      if (f.type === "checkbox") {
        if (!editing || input.checked !== initial) body[name] = input.checked;
        continue;
      }
      const raw = input.value.trim();
      if (editing && raw === initial.trim()) continue;
      if (raw === "") {
        if (editing) body[name] = null;
        continue;
      }
      if (f.type === "number") body[name] = Number(raw);
      else if (f.type === "json") {
        try {
          body[name] = JSON.parse(raw);
        } catch {
          toast(`${f.label}：不是有效的 JSON`, "error");
          return;
        }
      } else if (f.type === "select" && f.numeric) body[name] = Number(raw);
      else body[name] = raw;
    }
    withButton(save, async () => {
      await onSubmit(body);
      form.hidden = true;
    });
  };
  (form.querySelector("input, select, textarea") || save).focus();
}

/** A paged list: {load(reset)}; `fetchPage(limit, offset)` returns {items, total}. */
export function pagedTable({ tbody, prev, next, info, pageSize = 50, fetchPage, row, empty = "没有记录" }) {
  const state = { offset: 0, total: 0 };
  async function load(reset = false) {
    if (reset) state.offset = 0;
    const page = await fetchPage(pageSize, state.offset);
    state.total = page.total;
    const columns = tbody.closest("table").querySelectorAll("thead th").length;
    tbody.replaceChildren(...(page.items.length ? page.items.map(row) : [h("tr", {}, h("td", { colspan: columns, class: "muted" }, empty))]));
    if (info) info.textContent = `第 ${page.total ? state.offset + 1 : 0}–${state.offset + page.items.length} 条，共 ${page.total} 条`;
    if (prev) prev.disabled = state.offset === 0;
    if (next) next.disabled = state.offset + page.items.length >= page.total;
    return page;
  }
  prev?.addEventListener("click", () => { state.offset = Math.max(0, state.offset - pageSize); load().catch(report); });
  next?.addEventListener("click", () => { state.offset += pageSize; load().catch(report); });
  return { load, state };
}

/** Tabs: buttons with data-tab="x" show the section #tab-x; onShow(name) on every switch. */
export function tabs(container, onShow) {
  const buttons = [...container.querySelectorAll("[data-tab]")];
  const showTab = (name) => {
    for (const b of buttons) {
      b.classList.toggle("active", b.dataset.tab === name);
      document.getElementById(`tab-${b.dataset.tab}`).hidden = b.dataset.tab !== name;
    }
    onShow?.(name);
  };
  for (const b of buttons) b.addEventListener("click", () => showTab(b.dataset.tab));
  return showTab;
}

export function report(error) {
  toast(error.message || String(error), "error", 6000);
}

/** A small action button of a table row. */
export function rowButton(text, action, { danger = false } = {}) {
  return h("button", { type: "button", class: `btn btn-small${danger ? " btn-warn" : ""}`, onclick: (e) => withButton(e.currentTarget, action) }, text);
}

/** Ask, then DELETE `path`. */
export async function confirmDelete(path, what) {
  if (!window.confirm(`确定删除${what}？`)) return false;
  await api(path, { method: "DELETE" });
  toast(`已删除${what}`, "ok");
  return true;
}

/** Organizations the user sees, for the selects ({value, zh}); cached per page. */
let orgsPromise = null;
export function organizations() {
  orgsPromise ??= api("/api/forces/organizations?limit=1000").then((page) => page.items.map((o) => ({ value: o.id, zh: o.name, kind: o.kind })));
  return orgsPromise;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  return q.toString();
}
