// The 403 page: says which page and which role, in Chinese.
import { config, mountHeader, user } from "./common.js";

mountHeader("无权访问");
const info = config.forbidden;
if (info) {
  document.getElementById("forbidden-text").textContent =
    `您的角色（${info.role_zh}）无权打开“${info.page}”页面。如需使用，请联系支队系统管理员。`;
}
// back to the page the role lands on (a station crew's is not the console)
const home = user ? config.homeByRole?.[user.role] : null;
const entry = (user?.menu || []).find((item) => item.href === home);
if (home && entry) {
  const link = document.getElementById("home-link");
  link.href = home;
  link.textContent = `返回${entry.label}`;
}
