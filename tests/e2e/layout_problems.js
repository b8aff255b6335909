// What the page-size browser tests look for on a loaded page (tests/e2e/test_page_sizes.py):
// the page or an element sticking out of the viewport sideways, two controls on top of each
// other, a control covered by something else at its middle. Returns one sentence per problem.
() => {
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const problems = [];
  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const cls = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\s+/).slice(0, 2).join(".") : "";
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 24);
    return `<${el.tagName.toLowerCase()}${id}${cls}>${text ? ` "${text}"` : ""}`;
  };
  const shown = (el) => {
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && Number(style.opacity) > 0.05;
  };
  // The part of an element not clipped away by an ancestor that hides or scrolls its overflow.
  const visibleRect = (el) => {
    const r = el.getBoundingClientRect();
    let { left, right, top, bottom } = r;
    if (getComputedStyle(el).position !== "fixed") {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (style.overflowX !== "visible") {
          const ar = a.getBoundingClientRect();
          left = Math.max(left, ar.left);
          right = Math.min(right, ar.right);
        }
        if (style.overflowY !== "visible") {
          const ar = a.getBoundingClientRect();
          top = Math.max(top, ar.top);
          bottom = Math.min(bottom, ar.bottom);
        }
        if (style.position === "fixed") break;
      }
    }
    return { left, right, top, bottom, width: right - left, height: bottom - top };
  };
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth > vw + 1) problems.push(`the page scrolls sideways: ${scrollWidth}px wide in a ${vw}px viewport`);
  const sticking = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    const r = visibleRect(el);
    if (r.width <= 0.5 || r.height <= 0.5 || !shown(el)) continue;
    if (r.right > vw + 1 || r.left < -1) {
      sticking.add(el);
      if (sticking.has(el.parentElement)) continue;  // name the outermost one only
      problems.push(`${describe(el)} sticks out of the viewport sideways (${Math.round(r.left)}…${Math.round(r.right)} of ${vw}px)`);
    }
  }
  const controls = [...document.body.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]"
  )].filter((el) => {
    const r = visibleRect(el);
    return r.width > 0.5 && r.height > 0.5 && shown(el) && !el.closest("[inert]");
  });
  const boxes = controls.map((el) => [el, visibleRect(el)]);
  for (let i = 0; i < boxes.length; i++) {
    const [a, ra] = boxes[i];
    for (let j = i + 1; j < boxes.length; j++) {
      const [b, rb] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) problems.push(`${describe(a)} and ${describe(b)} overlap (${Math.round(w)}×${Math.round(h)}px)`);
    }
  }
  // A control whose middle is in view must be what a tap there reaches, not a toast or banner.
  for (const [el, r] of boxes) {
    const x = (r.left + r.right) / 2;
    const y = (r.top + r.bottom) / 2;
    if (x < 0 || y < 0 || x >= vw || y >= vh) continue;
    const hit = document.elementFromPoint(x, y);
    if (!hit || el.contains(hit) || hit.contains(el) || (el.labels && [...el.labels].includes(hit))) continue;
    if (hit.closest("label") && hit.closest("label").contains(el)) continue;
    problems.push(`${describe(el)} is covered by ${describe(hit)}`);
  }
  return problems;
}
