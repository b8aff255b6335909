// User administration: list the accounts in the admin's jurisdiction, create, enable/disable.
import { api, fetchAll, formatDateTime, h, label, loadChoices, mountHeader, toast, withButton } from "./common.js";

let choices = null;

async function loadUsers() {
  const users = await fetchAll("/api/users");
  document.getElementById("user-count").textContent = String(users.length);
  document.querySelector("#users-table tbody").replaceChildren(
    ...users.map((u) =>
      h(
        "tr",
        { dataset: { userId: u.id } },
        h("td", {}, u.username),
        h("td", {}, u.display_name),
        h("td", {}, label(choices, "role", u.role)),
        h("td", {}, u.organization_name ?? u.organization_id),
        h("td", {}, u.is_active ? "启用" : "停用"),
        h("td", {}, formatDateTime(u.created_at)),
        h(
          "td",
          {},
          h(
            "button",
            {
              class: "btn",
              onclick: (event) =>
                withButton(event.target, async () => {
                  await api(`/api/users/${u.id}`, { method: "PATCH", body: { is_active: !u.is_active } });
                  toast(`${u.username} 已${u.is_active ? "停用" : "启用"}`, "ok");
                  await loadUsers();
                }),
            },
            u.is_active ? "停用" : "启用",
          ),
        ),
      ),
    ),
  );
}

async function main() {
  mountHeader("系统管理");
  choices = await loadChoices();
  document.getElementById("new-role").replaceChildren(...choices.role.list.map((r) => h("option", { value: r.value }, r.zh)));
  const orgs = await fetchAll("/api/forces/organizations");
  document.getElementById("new-org").replaceChildren(
    ...orgs.map((o) => h("option", { value: o.id }, `${o.name}（${label(choices, "org_kind", o.kind)}）`)),
  );
  document.getElementById("user-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = {
      username: form.username.value.trim(),
      display_name: form.display_name.value.trim(),
      role: form.role.value,
      organization_id: Number(form.organization_id.value),
      password: form.password.value,
    };
    await withButton(document.getElementById("create-user"), async () => {
      await api("/api/users", { method: "POST", body });
      toast(`已创建用户 ${body.username}`, "ok");
      form.reset();
      await loadUsers();
    });
  });
  await loadUsers();
  document.body.dataset.ready = "1";
}

main().catch((error) => toast(`加载失败：${error.message}`, "error", 15000));
