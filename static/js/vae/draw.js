// Drawing canvas → POST reconstruct while you draw: the 28x28 input the model saw, its
// reconstruction, the ELBO split (recon, KL) and the posterior q(z|x) against the prior.
// The drawing is kept in the link (`draw=`, see drawpad.js) and restored from it.

import { guarded, latest, post, throttle } from "../lib/api.js";
import { barChart, errorBarChart } from "../lib/chart.js";
import { setSrc } from "../lib/images.js";
import { createDrawPad } from "../lib/drawpad.js";
import { getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const RECON_SEED = 0; // the Monte Carlo recon term uses one z draw; a fixed seed keeps numbers steady
const COLORS = { recon: "#1f5fd6", kl: "#d9480f", elbo: "#5b2a86", objective: "#2b8a3e" };

function elboBars(e, metrics) {
  const bars = [
    { label: "recon  −E_q log p(x|z)", value: e.recon_nats, color: COLORS.recon, marker: metrics.heldout_recon_nats },
    { label: "KL(q(z|x) ‖ p(z))", value: e.kl_nats, color: COLORS.kl, marker: metrics.heldout_kl_nats },
    { label: "−ELBO = recon + KL", value: Math.abs(e.elbo_nats), color: COLORS.elbo,
      marker: metrics.heldout_elbo_nats === undefined ? undefined : Math.abs(metrics.heldout_elbo_nats) },
  ];
  if (e.beta !== undefined && e.beta !== 1 && e.objective_nats !== undefined) {
    bars.push({ label: `objective recon + ${e.beta}·KL`, value: e.objective_nats, color: COLORS.objective });
  }
  bars.forEach((b) => { b.markerLabel = `held-out average: ${b.marker?.toFixed(1)} nats`; });
  return bars;
}

function formula(e) {
  const elbo = -Math.abs(e.elbo_nats);
  return `ELBO = E_q[log p(x|z)] − KL(q(z|x) || p(z)) = ${(-e.recon_nats).toFixed(1)} − ${e.kl_nats.toFixed(1)} `
    + `= ${elbo.toFixed(1)} nats ≤ log p(x)`;
}

export function createDraw(ctx) {
  const section = $("draw");
  const note = $("pad-note");
  let pending = false;
  let origin = ""; // a word on where the drawing came from (the link), shown under the pad
  // the posterior shown, for other sections (vae/reparam.js); null: none for this drawing/model/class
  const tell = (detail) => section.dispatchEvent(new CustomEvent("posterior", { detail }));

  const reconstruct = latest(async () => {
    if (pad.isEmpty()) return tell(null);
    const body = { image: pad.toDataURL(), seed: RECON_SEED };
    if (ctx.conditional()) {
      if (ctx.label === null) {
        note.textContent = `${ctx.model.id} is class-conditional: pick the class you drew (keys 0–9 or the Class menu).`;
        return tell(null);
      }
      body.label = ctx.label;
    }
    note.textContent = origin;
    const model = ctx.model;
    const out = await guarded(section, () => post(model.id, "reconstruct", body));
    if (!out || pad.isEmpty()) return; // cleared while the answer was on its way
    setSrc($("draw-input"), out.input, "your drawing as the model sees it: 28×28, centred like MNIST");
    setSrc($("draw-recon"), out.reconstruction, `${model.id}'s reconstruction of your drawing`);
    const e = out.elbo;
    barChart($("elbo-bars"), elboBars(e, model.card?.metrics || {}), { width: 620, label: "ELBO split in nats" });
    $("elbo-text").textContent = formula(e);
    const stds = out.latent_logvar.map((lv) => Math.exp(0.5 * lv));
    errorBarChart($("posterior-chart"), out.latent_mean, stds, { width: 620, height: 280,
      label: "posterior mean ± 2 std per latent dimension against the prior's ± 2 band" });
    tell({ model, mean: out.latent_mean, logvar: out.latent_logvar, label: body.label, input: out.input });
    section.dataset.reconstructed = String(Number(section.dataset.reconstructed || 0) + 1);
  });
  const whileDrawing = throttle(reconstruct, 150);

  const pad = createDrawPad($("pad"), {
    onDraw: () => { pending = true; whileDrawing(); },
    onEnd: () => {
      origin = "";
      note.title = "";
      setState({ draw: pad.encode() });
      if (pending) reconstruct();
      pending = false;
    },
  });

  function clear({ keepUrl = false } = {}) {
    pad.clear();
    origin = "";
    note.title = "";
    if (!keepUrl) setState({ draw: null });
    for (const id of ["draw-input", "draw-recon"]) {
      $(id).removeAttribute("src");
    }
    $("elbo-bars").replaceChildren();
    $("posterior-chart").replaceChildren();
    $("elbo-text").textContent = "";
    note.textContent = "Draw a digit, white on black.";
    tell(null);
  }
  $("pad-clear").addEventListener("click", () => clear());
  clear({ keepUrl: true });
  const linked = getString("draw");
  if (linked && pad.restore(linked)) {
    origin = "Restored from the link.";
    note.textContent = origin;
    note.title = "A link keeps a drawing as 28×28 pixels in 4 grey levels, the picture the model is sent.";
    reconstruct();
  } else if (linked) {
    setState({ draw: null });
    note.textContent = "The drawing in the link could not be read; draw a digit, white on black.";
  }

  return { pad, clear: () => clear(), refresh: reconstruct };
}
