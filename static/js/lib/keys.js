// Keyboard shortcuts and the "?" overlay that lists them (built from the same table, so the
// overlay can never disagree with what the keys do). Shortcuts never fire while typing in a field.

import { headerShortcuts, wireHeader } from "./header.js";

const TYPING = new Set(["text", "number", "search", "email", "url", "password", "tel"]);

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.closest("textarea, select, [contenteditable='true']")) return true;
  return target.tagName === "INPUT" && TYPING.has(target.type);
}

/** Keys a focused control acts on by itself: a range slider moves, a button or checkbox is pressed. */
const RANGE_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);
const PRESS_KEYS = new Set([" ", "Enter"]);

function isNativeKey(target, key) {
  if (!(target instanceof Element)) return false;
  if (target.tagName === "INPUT" && target.type === "range") return RANGE_KEYS.has(key);
  const pressable = target.tagName === "BUTTON" || (target.tagName === "INPUT" && ["checkbox", "radio", "button"].includes(target.type));
  return pressable && PRESS_KEYS.has(key);
}

const overlay = () => document.getElementById("help");
let opener = null; // what had the focus when the list opened; it gets it back on close

export function openHelp() {
  const box = overlay();
  if (!box || !box.hidden) return;
  opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body
    ? document.activeElement : document.getElementById("help-button");
  box.hidden = false;
  box.querySelector(".overlay-close")?.focus();
}

export function closeHelp() {
  const box = overlay();
  if (box && !box.hidden) {
    box.hidden = true;
    (opener?.isConnected ? opener : document.getElementById("help-button"))?.focus();
    opener = null;
  }
}

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])";

/** The open dialog is modal: Tab and shift+Tab cycle through its own controls only. */
function trapTab(event) {
  const box = overlay();
  if (event.key !== "Tab" || !box || box.hidden) return;
  const items = [...box.querySelectorAll(FOCUSABLE)].filter((e) => !e.closest("[hidden]"));
  if (!items.length) return;
  const i = items.indexOf(document.activeElement);
  const next = event.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : (i === -1 || i === items.length - 1 ? 0 : i + 1);
  event.preventDefault();
  items[next].focus();
}

function renderHelp(shortcuts) {
  const table = document.getElementById("help-keys");
  if (!table) return;
  const rows = shortcuts.map((s) => {
    const tr = document.createElement("tr");
    const keyCell = document.createElement("td");
    for (const [i, k] of s.keys.entries()) {
      if (i) keyCell.append(" ");
      const kbd = document.createElement("kbd");
      kbd.textContent = k;
      keyCell.append(kbd);
    }
    const what = document.createElement("td");
    what.textContent = s.label;
    tr.append(keyCell, what);
    return tr;
  });
  table.replaceChildren(...rows);
}

/**
 * Install shortcuts: [{keys: ["n"], label: "new seed", run: (event) => ...}].
 * A key matches event.key exactly ("T" is shift+t); a shortcut may instead give `match(key)` (e.g. all
 * digits), its `keys` then only label it in the overlay. "?", Esc and the header's actions (header.js:
 * presentation mode, copy link, reset) are added here, the same letters on every page. A key the focused
 * control uses itself (arrows on a slider, space on a button) is left to the browser.
 */
export function installShortcuts(shortcuts) {
  const all = [
    { keys: ["?"], label: "show / hide this list", run: () => (overlay()?.hidden ? openHelp() : closeHelp()) },
    { keys: ["Esc"], label: "close this list", run: closeHelp },
    ...headerShortcuts,
    ...shortcuts,
  ];
  wireHeader();
  renderHelp(all);
  const byKey = new Map();
  for (const s of all) {
    if (s.match) continue;
    for (const k of s.keys) {
      const key = k === "Esc" ? "Escape" : k;
      // the shared letters (header.js) mean the same on every page: a page cannot take them
      if (byKey.has(key)) console.warn(`shortcut ${k} is taken (${byKey.get(key).label}); "${s.label}" ignored`);
      else byKey.set(key, s);
    }
  }

  document.getElementById("help-button")?.addEventListener("click", openHelp);
  const box = overlay();
  box?.addEventListener("click", (event) => {
    if (event.target === box || event.target.closest(".overlay-close")) closeHelp();
  });

  document.addEventListener("keydown", (event) => {
    trapTab(event);
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      closeHelp();
      return;
    }
    if (event.defaultPrevented) return; // a focused widget (a digit grid, the latent map) used the key
    if (isTyping(event.target) || isNativeKey(event.target, event.key)) return; // the browser's default wins
    const shortcut = byKey.get(event.key) || all.find((s) => s.match?.(event.key));
    if (!shortcut) return;
    // While the overlay is open only "?" works (it closes it); other keys are not acted on behind it.
    if (!overlay()?.hidden && event.key !== "?") return;
    event.preventDefault();
    shortcut.run(event);
  });
}
