// Login: POST /api/auth/login sets the HttpOnly session cookie; then go to the role's page.
import { api, config, user } from "./common.js";

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");

function target(role) {
  const next = new URLSearchParams(location.search).get("next");
  // Only a path on this site (never "//host" or a full URL) may be the next page.
  if (next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\")) return next;
  return config.homeByRole?.[role] ?? "/console";
}

if (user) {
  const already = document.getElementById("already");
  already.hidden = false;
  already.replaceChildren();
  const link = document.createElement("a");
  link.href = target(user.role);
  link.textContent = `已以 ${user.display_name} 登录，进入系统`;
  already.append(link);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const button = document.getElementById("login-btn");
  button.disabled = true;
  try {
    const result = await api("/api/auth/login", {
      method: "POST",
      body: { username: form.username.value.trim(), password: form.password.value },
    });
    location.href = target(result.user.role);
  } catch (error) {
    errorBox.textContent = error.message || "登录失败";
    errorBox.hidden = false;
    button.disabled = false;
  }
});
