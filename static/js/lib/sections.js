// Section navigation shared by the explorer pages: the section-nav links (templates/macros.html
// `section_nav`), j/k stepping, `?sec=` in the URL, and starting each section when it nears the screen.
//
// Order on load matters: the link's `?sec=` is read when the nav is created (before anything can
// write it), the page scrolls there, and that section stays highlighted ("pinned") until the reader
// scrolls by hand; only then does scrolling pick the highlighted section and write `?sec=`.

import { getString, setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const LINE = 0.3; // the section crossing 30% of the viewport's height is the one being read
const SCROLL_KEYS = new Set(["PageUp", "PageDown", "ArrowUp", "ArrowDown", "Home", "End", " "]);
const HOLD_MS = 8000; // how long a jump keeps its section in place while the pictures above it arrive

/** Navigation over the page's `sections` (element ids, in page order). */
export function createSectionNav(sections) {
  const linked = getString("sec", null, sections);
  let current = linked || sections[0];
  let pinned = null; // the section goTo() scrolled to; it stays highlighted until the reader scrolls
  let holding = null; // {observer, timer} while a jump keeps its section at the top
  let arrived = false; // the pinned section has been on screen (a smooth scroll may still be on its way)
  let wired = false;
  let frame = 0;

  function markSection(sec) {
    current = sec;
    document.querySelectorAll(".section-nav a").forEach((a) => {
      if (a.dataset.sec === sec) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  }

  function release() {
    if (!holding) return;
    holding.observer.disconnect();
    clearTimeout(holding.timer);
    holding = null;
  }

  /** Keep `target` at the top while the page grows or shrinks around it (pictures arriving), for a while. */
  function hold(target) {
    release();
    const observer = new ResizeObserver(() => target.scrollIntoView({ block: "start" }));
    observer.observe(document.body);
    holding = { observer, timer: setTimeout(release, HOLD_MS) };
  }

  /** Scroll to a section and highlight it; an instant jump (opening a link) also holds it in place. */
  function goTo(sec, { smooth = true } = {}) {
    const target = $(sec);
    if (!target) return;
    pinned = sec;
    arrived = false;
    release();
    target.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "start" });
    if (!smooth) hold(target);
    setState({ sec });
    markSection(sec);
  }

  function step(delta) {
    const i = Math.min(sections.length - 1, Math.max(0, sections.indexOf(current) + delta));
    goTo(sections[i]);
  }

  /** The section under the reading line: the last one whose top is above it (the first above them all). */
  function sectionInView() {
    const line = window.innerHeight * LINE;
    let found = sections[0];
    for (const id of sections) {
      const el = $(id);
      if (el && !el.hidden && el.getBoundingClientRect().top <= line) found = id;
    }
    return found;
  }

  /** A pinned section lets go once it has been on screen and left it (e.g. the scroll bar was dragged). */
  function offScreen(sec) {
    const box = $(sec)?.getBoundingClientRect();
    return !box || box.bottom < window.innerHeight * 0.15 || box.top > window.innerHeight;
  }

  function onScroll() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (pinned && !offScreen(pinned)) arrived = true;
      else if (pinned && arrived && !holding) pinned = null;
      if (pinned) return;
      const sec = sectionInView();
      if (sec === current) return;
      setState({ sec });
      markSection(sec);
    });
  }

  const unpin = () => {
    pinned = null;
    release();
  };

  function wire() {
    if (wired) return;
    wired = true;
    document.querySelectorAll(".section-nav a").forEach((a) => a.addEventListener("click", (event) => {
      event.preventDefault();
      goTo(a.dataset.sec);
    }));
    markSection(current);
    if (linked) goTo(linked, { smooth: false }); // before the first scroll event can pick another
    // the reader's own scrolling (wheel, touch, keys, the scroll bar) ends a pin; the capture phase
    // runs before any shortcut, so j / k / a nav click pin their new section after this
    window.addEventListener("wheel", unpin, { capture: true, passive: true });
    window.addEventListener("touchstart", unpin, { capture: true, passive: true });
    window.addEventListener("pointerdown", unpin, { capture: true, passive: true });
    window.addEventListener("keydown", (e) => { if (SCROLL_KEYS.has(e.key)) unpin(); }, { capture: true });
    window.addEventListener("scroll", onScroll, { passive: true });
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
