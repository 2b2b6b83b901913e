// What each GAN optimises, written out (card.config.loss picks the row), and the shipped GANs.
// Shared by the film strip, the mode-collapse exhibit, the judge and the cards table.

import { runCount, totalOf } from "../lib/training-runs.js";

/** The GANs genlab ships, in the order they finish training; a missing one is "not trained yet". */
export const SHIPPED = ["dcgan-mnist", "cgan-mnist", "gan-collapsed-mnist", "wgan-gp-mnist"];

const D_BCE = "L_D = −[ log D(x) + log(1 − D(G(z))) ]";

export const OBJECTIVES = {
  minimax: {
    name: "minimax (original GAN)",
    d: D_BCE,
    g: "L_G = log(1 − D(G(z)))",
    gNote: "G minimises exactly what D maximises. When D rejects fakes confidently, D(G(z)) ≈ 0 and this loss is flat: G's gradient vanishes (it saturates).",
  },
  nonsaturating: {
    name: "non-saturating",
    d: D_BCE,
    g: "L_G = −log D(G(z))",
    gNote: "Same fixed point as minimax, but steep exactly when D wins (D(G(z)) ≈ 0), so G keeps learning.",
  },
  "wgan-gp": {
    name: "WGAN-GP critic",
    d: "L_D = E[D(G(z))] − E[D(x)] + λ·E[(‖∇D(x̂)‖ − 1)²],  x̂ = ε·x + (1 − ε)·G(z)",
    g: "L_G = −E[D(G(z))]",
    gNote: "D is a critic, not a classifier: unbounded scores, higher = more real. W = E[D(x)] − E[D(G(z))] estimates the Wasserstein-1 distance between real and generated digits; the gradient penalty keeps D 1-Lipschitz.",
  },
};

export function objectiveOf(model) {
  return OBJECTIVES[model?.card?.config?.loss] || null;
}

export const isCritic = (model) => model?.card?.config?.loss === "wgan-gp";

/**
 * One line about the training recipe: loss, learning rates, D's head start, smoothing. Learning rates and step
 * ratios are the card's, i.e. its last run's: a card trained in several runs says so, since its earlier runs
 * went at other settings (wgan-gp-mnist's second run took 5 D steps per G step, its last 5 G steps per D step).
 */
export function recipe(model) {
  const c = model.card?.config || {};
  const t = model.card?.training || {};
  const whole = [`loss ${c.loss}`];
  const perRun = [];
  if (t.lr !== undefined) {
    const dLr = t.lr * (c.d_lr_scale ?? 1);
    perRun.push(`lr G ${fmtLr(t.lr)}, D ${fmtLr(dLr)}${(c.d_lr_scale ?? 1) !== 1 ? ` (d_lr_scale ${c.d_lr_scale})` : ""}`);
  } else if ((c.d_lr_scale ?? 1) !== 1) {
    perRun.push(`d_lr_scale ${c.d_lr_scale}`);
  }
  if (c.n_critic > 1) perRun.push(`${c.n_critic} D steps per G step`);
  if (c.g_steps > 1) perRun.push(`${c.g_steps} G steps per D step`);
  if (c.label_smoothing) whole.push(`real label ${1 - c.label_smoothing}`);
  if (c.d_batchnorm === false && c.loss !== "wgan-gp") whole.push("no batch norm in D");
  if (c.loss === "wgan-gp") whole.push(`λ = ${c.gp_weight}`);
  if (c.ema_decay) whole.push(`samples from an EMA (${c.ema_decay}) of G`);
  const runs = runCount(t);
  if (runs > 1) {
    whole.push(`${totalOf(t, "epochs")} epochs in ${runs} runs`);
    return perRun.length ? `${whole.join(" · ")}; its last run: ${perRun.join(" · ")}` : whole.join(" · ");
  }
  if (t.epochs !== undefined) whole.push(`${t.epochs} epoch${t.epochs === 1 ? "" : "s"}`);
  return [whole[0], ...perRun, ...whole.slice(1)].join(" · ");
}

export function fmtLr(v) {
  return v >= 0.01 ? String(v) : v.toExponential(0).replace("e-", "e−");
}

export const fmt = (v, digits = 2) => (Number.isFinite(v) ? Number(v).toFixed(digits) : "—");

/** About 3 significant figures: 648.9 → "649", 16.51 → "16.5", 0.42 → "0.42". */
export const fmt3 = (v) => (!Number.isFinite(v) ? "—" : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
