// Section navigation shared by the explorer pages: the section-nav links (templates/macros.html
// `section_nav`), j/k stepping, `?sec=` in the URL, and starting each section when it nears the screen.

import { setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);

/** Navigation over the page's `sections` (element ids, in page order). */
export function createSectionNav(sections) {
  let current = sections[0];

  function markSection(sec) {
    current = sec;
    document.querySelectorAll(".section-nav a").forEach((a) => {
      if (a.dataset.sec === sec) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  }

  function goTo(sec, { smooth = true } = {}) {
    const target = $(sec);
    if (!target) return;
    target.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "start" });
    setState({ sec });
    markSection(sec);
  }

  function step(delta) {
    const i = Math.min(sections.length - 1, Math.max(0, sections.indexOf(current) + delta));
    goTo(sections[i]);
  }

  function wire() {
    document.querySelectorAll(".section-nav a").forEach((a) => a.addEventListener("click", (event) => {
      event.preventDefault();
      goTo(a.dataset.sec);
    }));
    // scrolling by hand also selects the section crossing the upper third of the screen
    const observer = new IntersectionObserver((entries) => {
      const hit = entries.find((e) => e.isIntersecting);
      if (hit) {
        setState({ sec: hit.target.id });
        markSection(hit.target.id);
      }
    }, { rootMargin: "-30% 0px -65% 0px" });
    sections.forEach((id) => observer.observe($(id)));
  }

  return { goTo, step, wire, current: () => current };
}

/**
 * Start each section (its first requests) once, when it comes within `margin` of the viewport, so
 * opening a page does not ask a small server for every picture at once. starters: {name: start};
 * ids: {name: element id} (default: the name); strict: names started only once a fifth is on screen.
 */
export function startWhenVisible(starters, started, { ids = {}, margin = "600px 0px", strict = [] } = {}) {
  const names = new Map();
  const start = (entries, observer) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const name = names.get(entry.target);
      observer.unobserve(entry.target);
      if (started.has(name)) continue;
      started.add(name);
      starters[name]();
    }
  };
  const near = new IntersectionObserver(start, { rootMargin: margin });
  const onScreen = new IntersectionObserver(start, { threshold: 0.2 });
  for (const name of Object.keys(starters)) {
    const target = $(ids[name] || name);
    names.set(target, name);
    (strict.includes(name) ? onScreen : near).observe(target);
  }
}
