// Real or fake? (/quiz): a round mixing held-out digits and a model's samples (GET /api/quiz/{model}), the
// player's calls, and the reveal (POST /api/quiz/{model}/answers: the server deals the round again from its
// seed and scores it). Model, seed, size, calls and the reveal live in the URL, so a link replays a round
// or shows one player's answers. grid.js draws the cells.

import { api, guarded, latest } from "../lib/api.js";
import { createControls } from "../lib/controls.js";
import { el } from "../lib/images.js";
import { installShortcuts } from "../lib/keys.js";
import { loadPageModels, navShortcuts } from "../lib/page.js";
import { createSectionNav } from "../lib/sections.js";
import { getNumber, getNumbers, getString, setState } from "../lib/urlstate.js";
import { createGrid } from "./grid.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["round", "why"];
const SIZES = [9, 16, 25]; // server/schemas.py QUIZ_SIZES
const DEFAULT_MODEL = "dcgan-mnist";

const ctx = {
  models: [], model: null, seed: 0,
  label: null, conditional: () => false, // for lib/controls.js: a conditional model draws its classes from the seed
  n: 16,
  picks: new Set(), // the cells called fake
  revealed: false, // asked for the answers (they may still be on their way)
  answers: null, // the scored round
  shown: false, // this round's digits are on the screen
};
const section = $("round");
const grid = createGrid($("quiz-grid"), (i) => toggle(i));
const roundKey = () => `${ctx.model.id}|${ctx.seed}|${ctx.n}`;

/** Write the round's own state into the URL beside the controls' (model, seed). */
function writeUrl() {
  const picks = [...ctx.picks].sort((a, b) => a - b).join(",");
  setState({ n: ctx.n, picks: picks || null, reveal: ctx.revealed ? 1 : null });
}

const controls = createControls(ctx, changed, { temperature: false, afterSync: writeUrl });

function changed(what) {
  if (what === "model") {
    const seed = ctx.seed;
    controls.newSeed(); // another model deals a new round: this one's answers may be on the screen
    if (ctx.seed !== seed) return; // the new seed started it
  }
  newRound();
}

function newRound() {
  Object.assign(ctx, { picks: new Set(), revealed: false, answers: null, shown: false });
  writeUrl();
  update();
  loadRound();
}

const pct = (share) => `${Math.round(share * 100)}%`;
const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;

/** The score in words: what was found, what was wrongly called, and how often the model fooled the player. */
function scoreText(a) {
  const alarms = a.false_alarms ? `, ${plural(a.false_alarms, "real digit", "real digits")} called fake`
    : ", no real digit called fake";
  return [`You found ${a.hits} of ${plural(a.fakes.length, "fake", "fakes")}${alarms}.`,
    `${a.correct} of ${a.n} cells called right (${pct(a.score)}). The model fooled you on ${a.misses} of its `
    + `${a.fakes.length} digits: a fool rate of ${pct(a.fool_rate)} (about 50% would mean its digits cannot be `
    + "told from real ones)."];
}

/** Bring the screen in line with ctx: the cells' marks, the count of calls, the score, the buttons. */
function update() {
  grid.mark(ctx.picks, ctx.answers);
  const count = ctx.picks.size;
  $("called").textContent = ctx.revealed ? `${plural(count, "digit", "digits")} called fake. Press n for a new round.`
    : count ? `${plural(count, "digit", "digits")} called fake. Reveal (r) when you are done.` : "No digit called fake yet.";
  $("reveal").disabled = ctx.revealed;
  $("clear").disabled = ctx.revealed || !count;
  $("result").replaceChildren(...(ctx.answers ? scoreText(ctx.answers) : [])
    .map((line, i) => el("p", { class: i ? "quiz-detail" : "quiz-score" }, line)));
  section.dataset.state = ctx.answers ? "revealed" : ctx.shown ? "playing" : "loading";
}

const loadRound = latest(async () => {
  const key = roundKey();
  const out = await guarded(section, () => api(`/api/quiz/${encodeURIComponent(ctx.model.id)}?seed=${ctx.seed}&n=${ctx.n}`));
  if (!out || key !== roundKey()) return;
  grid.show(out.images);
  ctx.shown = true;
  update();
  if (ctx.revealed && !ctx.answers) fetchAnswers();
});

async function fetchAnswers() {
  const key = roundKey();
  const body = { seed: ctx.seed, n: ctx.n, picks: [...ctx.picks] };
  const out = await guarded(section, () => api(`/api/quiz/${encodeURIComponent(ctx.model.id)}/answers`, body));
  if (key !== roundKey() || !ctx.revealed) return;
  if (out) ctx.answers = out;
  else ctx.revealed = false; // the error is on the page; Reveal can be tried again
  writeUrl();
  update();
}

function toggle(i) {
  if (ctx.revealed) return;
  if (!ctx.picks.delete(i)) ctx.picks.add(i);
  writeUrl();
  update();
}

function reveal() {
  if (ctx.revealed) return;
  ctx.revealed = true;
  if (document.activeElement === $("reveal")) grid.focus(); // the button is about to be disabled
  writeUrl();
  update();
  if (ctx.shown) fetchAnswers(); // else the round's arrival asks for them
}

function clearCalls() {
  if (ctx.revealed) return;
  ctx.picks.clear();
  writeUrl();
  update();
}

function setSize(n) {
  if (!SIZES.includes(n) || n === ctx.n) return;
  ctx.n = n;
  $("size").value = String(n);
  newRound();
}

function readUrl() {
  controls.readUrl();
  const n = getNumber("n", 16, { integer: true });
  ctx.n = SIZES.includes(n) ? n : 16;
  // cells outside the round are dropped, not clamped: a clamped one would be a call nobody made
  ctx.picks = new Set((getNumbers("picks") || []).filter((i) => Number.isInteger(i) && i >= 0 && i < ctx.n));
  ctx.revealed = getString("reveal") === "1";
}

function shortcuts(nav) {
  installShortcuts([
    { keys: ["r"], label: "reveal the answers", run: reveal },
    { keys: ["x"], label: "clear your calls", run: clearCalls },
    { keys: ["n"], label: "new round (new seed)", run: controls.newSeed },
    { keys: ["s"], label: "cells: 9, 16, 25 in turn", run: () => setSize(SIZES[(SIZES.indexOf(ctx.n) + 1) % SIZES.length]) },
    { keys: ["m"], label: "next model (a new round)", run: controls.nextModel },
    { keys: ["←", "↑", "→", "↓"], label: "move between digits (Space or Enter calls one fake)",
      match: (k) => k.startsWith("Arrow"), run: grid.focus },
    ...navShortcuts(nav, [[["g"], "round", "the round"], [["w"], "why", "what the quiz measures"]]),
  ]);
}

async function main() {
  const nav = createSectionNav(SECTIONS);
  shortcuts(nav);
  nav.wire();
  const listing = await loadPageModels(ctx, {
    which: (m) => m.capabilities.includes("sample"),
    missing: "No model on this server draws digits (GET /api/models lists none with the sample capability): "
      + "its checkpoints are missing or failed to load (see /readyz).",
    defaultId: DEFAULT_MODEL,
  });
  if (!listing) return;
  readUrl();
  controls.wire();
  controls.sync();
  $("size").value = String(ctx.n);
  $("size").addEventListener("change", (e) => setSize(Number(e.target.value)));
  $("reveal").addEventListener("click", reveal);
  $("clear").addEventListener("click", clearCalls);
  update();
  loadRound();
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
