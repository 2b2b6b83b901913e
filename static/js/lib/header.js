// The actions every page's header has (templates/base.html): presentation mode, copy link, reset.
// keys.js puts their shortcuts in the shared table, so the "?" list shows them on every page.
//
// Presentation mode is the class "present" on <html> (static/css/genlab.css: full width, large
// pictures and type, high contrast) and `present=1` in the URL; the server renders the class from
// the URL too, so a projector link opens in it without a flash of the normal layout.

import { getString, setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const root = document.documentElement;

export const isPresenting = () => root.classList.contains("present");

function markButton() {
  $("present-button")?.setAttribute("aria-pressed", String(isPresenting()));
}

/** Turn presentation mode on or off (default: toggle), and keep it in the URL. */
export function setPresenting(on = !isPresenting()) {
  root.classList.toggle("present", on);
  setState({ present: on ? 1 : null });
  markButton();
  // pictures sized from their box (strips, charts) lay themselves out again
  window.dispatchEvent(new Event("resize"));
}

let statusTimer = 0;
/** A short message in the header's status line (read out by screen readers), gone after 2.5 s. */
export function say(text) {
  const status = $("copy-status");
  if (!status) return;
  status.textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { status.textContent = ""; }, 2500);
}

/** The clipboard API needs a secure context (https or localhost); a lecture hall's http://10.x is not one. */
function copyByCommand(text) {
  const box = Object.assign(document.createElement("textarea"), { value: text, readOnly: true });
  box.className = "visually-hidden";
  document.body.append(box);
  box.select();
  const ok = document.execCommand("copy");
  box.remove();
  return ok;
}

/** Copy this page's URL, with its state, to the clipboard and say so in the header. */
export async function copyLink() {
  const url = window.location.href;
  try {
    if (navigator.clipboard?.writeText) await navigator.clipboard.writeText(url);
    else if (!copyByCommand(url)) throw new Error("copy refused");
    say("Link copied ✓");
  } catch {
    say(copyByCommand(url) ? "Link copied ✓" : "Copy failed: copy the address bar");
  }
}

/** This page without its query state (presentation mode stays on: a projector keeps its size). */
export function resetPage() {
  window.location.assign(`${window.location.pathname}${isPresenting() ? "?present=1" : ""}`);
}

let wired = false;

/** Wire the header buttons once; the page's own shortcuts are installed by keys.js. */
export function wireHeader() {
  if (wired) return;
  wired = true;
  if (getString("present") === "1") root.classList.add("present");
  markButton();
  $("present-button")?.addEventListener("click", () => setPresenting());
  $("copy-link")?.addEventListener("click", copyLink);
  $("reset-page")?.addEventListener("click", resetPage);
}

/** The shortcut rows for the header actions (the same letters on every page). */
export const headerShortcuts = [
  { keys: ["P"], label: "presentation mode on / off (projector)", run: () => setPresenting() },
  { keys: ["u"], label: "copy this page's link (URL)", run: copyLink },
  { keys: ["q"], label: "reset: this page with its default settings", run: resetPage },
];
