// One legal document as the unit reads it: title, number, text, the 已解除 stamp of a lifted
// seal, and its Word and PDF downloads (served by /api/enforcement/documents/{id}/docx|pdf).
import { api, config, h, mountHeader, toast } from "./common.js";

const $ = (id) => document.getElementById(id);

async function load() {
  const id = config.documentId;
  const d = await api(`/api/enforcement/documents/${id}`);
  document.title = `${d.title} ${d.number} · 蓝焰`;
  $("doc-org").textContent = d.org_name;
  $("doc-title").textContent = d.title;
  $("doc-number").textContent = d.number;
  const lines = d.body.split("\n");
  $("doc-body").textContent = (lines[0] === d.number ? lines.slice(1) : lines).join("\n");
  if (d.stamp) {
    $("doc-stamp").hidden = false;
    $("doc-stamp").textContent = d.stamp;
  }
  const meta = [
    ["开具日期", d.issued_on],
    ["法定送达期限", d.due_on],
    ["送达日期", d.served_on || "未送达"],
    ["期限", d.deadline_on || "—"],
  ];
  $("doc-meta").replaceChildren(...meta.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  if (d.overdue) $("doc-meta").append(h("dt", {}, "状态"), h("dd", { style: { color: "#c62828" } }, "已超过法定期限"));
  $("doc-docx").href = `/api/enforcement/documents/${id}/docx`;
  $("doc-pdf").href = `/api/enforcement/documents/${id}/pdf`;
}

mountHeader("法律文书");
load().catch((e) => toast(e.message, "error", 8000));
