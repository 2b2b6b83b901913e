// Keyboard shortcuts and the "?" overlay that lists them (built from the same table, so the
// overlay can never disagree with what the keys do). Shortcuts never fire while typing in a field.

import { closeDialog, openDialog, showDialog } from "./dialog.js";
import { headerShortcuts, wireHeader } from "./header.js";
import { nearestShortcut } from "./nearest.js";

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
const helpButton = () => document.getElementById("help-button");

export function openHelp() {
  const box = overlay();
  showDialog(box, { focus: box?.querySelector(".overlay-close"), fallback: helpButton() });
}

export function closeHelp() {
  closeDialog(overlay());
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
 * digits), its `keys` then only label it in the overlay. "?", Esc, the header's actions (header.js:
 * presentation mode, copy link, reset) and N (nearest.js: the nearest training digit of any digit) are added
 * here, the same letters on every page. A key the focused control uses itself (arrows on a slider, space on
 * a button) is left to the browser.
 */
export function installShortcuts(shortcuts) {
  const all = [
    { keys: ["?"], label: "show / hide this list", run: () => (overlay()?.hidden ? openHelp() : closeHelp()) },
    { keys: ["Esc"], label: "close this list or a dialog", run: () => closeDialog() },
    ...headerShortcuts,
    nearestShortcut,
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

  helpButton()?.addEventListener("click", openHelp);
  const box = overlay();
  box?.addEventListener("click", (event) => {
    if (event.target === box || event.target.closest(".overlay-close")) closeHelp();
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.key === "Escape") return; // Esc: dialog.js closes
    if (event.defaultPrevented) return; // a focused widget (a digit grid, the latent map) used the key
    if (isTyping(event.target) || isNativeKey(event.target, event.key)) return; // the browser's default wins
    const shortcut = byKey.get(event.key) || all.find((s) => s.match?.(event.key));
    if (!shortcut) return;
    // While a dialog is open only "?" works, and only to close the list; no key acts on the page behind it.
    if (openDialog() && !(event.key === "?" && openDialog() === overlay())) return;
    event.preventDefault();
    shortcut.run(event);
  });
}
