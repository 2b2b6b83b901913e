// How the compare page writes the evaluation table's figures (GET /api/evaluation): one formatter per column,
// and "—" with a reason for a null. (A picked model's colour is its slot's CSS class, slot-0 … slot-3, in
// static/css/compare.css: the one place the four colours are set, for the HTML and the SVG alike.)

/** Family names as a lecture says them. */
const FAMILY_NAMES = {
  vae: "VAE", gan: "GAN", diffusion: "diffusion", latent_diffusion: "latent diffusion", flow: "flow",
  autoregressive: "PixelCNN", ncsn: "score model (NCSN)", vqvae: "VQ-VAE",
};
export const familyName = (family) => FAMILY_NAMES[family] || family;

/** Why a family has no pixel likelihood in the table (models/evaluation/table.py likelihood_columns). */
const NO_LIKELIHOOD = {
  vqvae: "no pixel likelihood: VQ-VAE (its prior's is over tokens)",
  latent_diffusion: "no pixel likelihood: latent diffusion (it models an autoencoder's latents)",
};

/** The reason a cell is null, in a few words; `likelihood`: the family's kind (GET /api/models), when known. */
export function nullReason(key, row, likelihood) {
  if (key === "bits_per_dim" && likelihood && likelihood !== "none") return "not in its card yet (genlab evaluate ID --write)";
  if (key === "bits_per_dim") return NO_LIKELIHOOD[row.family] || `no likelihood: ${familyName(row.family)}`;
  if (key === "conditional_accuracy") return "unconditional";
  if (key === "gpu_ms_per_image") return "not sampled on that GPU";
  return "not measured";
}

/** Significant digits, not decimals: FDs run from 1 to 5,000, milliseconds from 0.1 to 10,000. */
export function sig(x, digits = 3) {
  if (!Number.isFinite(x)) return "—";
  if (Math.abs(x) >= 10 ** digits) return Math.round(x).toLocaleString("en");
  return String(Number(x.toPrecision(digits)));
}

export const share = (x) => x.toFixed(3);
export const percent = (x) => `${(100 * x).toFixed(1)} %`;

/** ["≤ 1.89", "bound", "8-bit", "p(x | y)"]: the figure with what it is, never a bare number. */
export function likelihoodParts(row) {
  const bits = `${row.likelihood === "bound" ? "≤ " : ""}${row.bits_per_dim.toFixed(3)}`;
  return [bits, row.likelihood, row.likelihood_data, row.likelihood_of].filter(Boolean);
}

/** ["166 (77.3)", "×2.15", "[125–204]"]: FD and the real-vs-real floor at the same n, their ratio, the 90 % interval. */
export function fdParts(row) {
  const [low, high] = row.fd_interval_90;
  return [`${sig(row.fd)} (${sig(row.fd_floor)})`, `×${sig(row.fd_ratio)}`, `[${sig(low)}–${sig(high)}]`];
}

export function parametersText(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${Math.round(n / 1e3)} k`;
}
