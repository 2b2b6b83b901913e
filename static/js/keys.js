// Keyboard shortcuts and the "?" overlay that lists them (built from the same table, so the
// overlay can never disagree with what the keys do). Shortcuts never fire while typing in a field.

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

export function openHelp() {
  const box = overlay();
  if (!box) return;
  box.hidden = false;
  box.querySelector(".overlay-close")?.focus();
}

export function closeHelp() {
  const box = overlay();
  if (box && !box.hidden) {
    box.hidden = true;
    document.getElementById("help-button")?.focus();
  }
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
 * digits), its `keys` then only label it in the overlay. "?" and Esc are added here. A key the focused
 * control uses itself (arrows on a slider, space on a button) is left to the browser.
 */
export function installShortcuts(shortcuts) {
  const all = [
    { keys: ["?"], label: "show / hide this list", run: () => (overlay()?.hidden ? openHelp() : closeHelp()) },
    { keys: ["Esc"], label: "close this list", run: closeHelp },
    ...shortcuts,
  ];
  renderHelp(all);
  const byKey = new Map();
  for (const s of all) if (!s.match) for (const k of s.keys) byKey.set(k === "Esc" ? "Escape" : k, s);

  document.getElementById("help-button")?.addEventListener("click", openHelp);
  const box = overlay();
  box?.addEventListener("click", (event) => {
    if (event.target === box || event.target.closest(".overlay-close")) closeHelp();
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      closeHelp();
      return;
    }
    if (isTyping(event.target) || isNativeKey(event.target, event.key)) return; // the browser's default wins
    const shortcut = byKey.get(event.key) || all.find((s) => s.match?.(event.key));
    if (!shortcut) return;
    // While the overlay is open only "?" works (it closes it); other keys are not acted on behind it.
    if (!overlay()?.hidden && event.key !== "?") return;
    event.preventDefault();
    shortcut.run(event);
  });
}
