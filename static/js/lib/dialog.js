// Modal dialogs (the "?" shortcut list, the nearest-training-digit dialog), one at a time: opening moves the
// focus in, Tab and shift+Tab cycle through the dialog's own controls, Esc closes it, and closing gives the
// focus back to what had it.

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])";
const returns = new WeakMap(); // dialog -> [element to focus on close, fallback when that one is gone]

/** The modal dialog on screen, or null. */
export function openDialog() {
  return document.querySelector("[role='dialog'][aria-modal='true']:not([hidden])");
}

function trapTab(event) {
  const box = openDialog();
  if (!box) return;
  const items = [...box.querySelectorAll(FOCUSABLE)].filter((e) => !e.closest("[hidden]"));
  if (!items.length) return;
  const i = items.indexOf(document.activeElement);
  const next = event.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : (i === -1 || i === items.length - 1 ? 0 : i + 1);
  event.preventDefault();
  items[next].focus();
}

let listening = false;

function listen() {
  if (listening) return;
  listening = true;
  document.addEventListener("keydown", (event) => {
    if (event.key === "Tab") trapTab(event);
    else if (event.key === "Escape") closeDialog();
  });
}

/**
 * Show `box` (a [role=dialog][aria-modal=true], hidden) with the focus on `focus` (default its first control).
 * Closing it gives the focus to `returnTo` (default: what has it now), or to `fallback` when that is gone.
 */
export function showDialog(box, { focus = null, returnTo = null, fallback = null } = {}) {
  if (!box || !box.hidden || openDialog()) return;
  listen();
  const active = document.activeElement;
  returns.set(box, [returnTo ?? (active instanceof HTMLElement && active !== document.body ? active : null), fallback]);
  box.hidden = false;
  (focus ?? box.querySelector(FOCUSABLE))?.focus();
}

/** Hide `box` (default: the open dialog) and hand the focus back. */
export function closeDialog(box = openDialog()) {
  if (!box || box.hidden) return;
  box.hidden = true;
  const [back, fallback] = returns.get(box) ?? [];
  returns.delete(box);
  (back?.isConnected ? back : fallback)?.focus();
  box.dispatchEvent(new Event("close"));
}
