// The generative families genlab teaches, and what distinguishes them (the home page's "family map").
// `families` lists the model-card family names that belong to each card; `likelihoodModel` says how
// a family's likelihood figures model the pixels, since figures under different models don't compare.

export const FAMILIES = [
  {
    key: "vae", name: "Variational autoencoder (VAE)", families: ["vae"], page: "/vae", explorer: "VAE explorer",
    tryFirst: ["/vae?sec=sliders", "drag the latent sliders: sixteen numbers describe a digit"],
    idea: "An encoder maps a digit x to a Gaussian q(z|x) over a small latent z; a decoder maps z back to pixels. Trained on a lower bound of log p(x).",
    likelihood: "a bound (the ELBO)", cost: "one network pass", latent: "yes: a small code z",
    likelihoodModel: "Bernoulli: each pixel an on/off probability",
    objective: "ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)): reconstruction + KL",
  },
  {
    key: "gan", name: "Generative adversarial network (GAN)", families: ["gan"], page: "/gan", explorer: "GAN explorer",
    tryFirst: ["/gan?sec=collapse", "see a GAN collapse onto one image"],
    idea: "A generator turns noise into images while a discriminator learns to tell them from real digits; each trains against the other.",
    likelihood: "none", cost: "one network pass", latent: "yes: the noise z (no encoder to find it)",
    objective: "min-max game: min_G max_D E[log D(x)] + E[log(1 − D(G(z)))]",
  },
  {
    key: "diffusion", name: "Diffusion model", families: ["diffusion", "latent_diffusion"], page: "/diffusion", explorer: "Diffusion explorer",
    tryFirst: ["/diffusion?sec=reverse", "watch noise become a digit, step by step"],
    idea: "Gaussian noise is added to digits step by step; a network learns to predict that noise, so sampling denoises pure noise one step at a time.",
    likelihood: "a bound (variational); exact through the probability-flow ODE", cost: "10–1000 network passes (one per denoising step)",
    latent: "x_T, as large as the image; DDIM inversion finds it for a digit",
    likelihoodModel: "256-level pixels (discretised Gaussian)",
    objective: "noise-prediction MSE: ‖ε − ε_θ(x_t, t)‖² (a reweighted ELBO)",
  },
  {
    key: "flow", name: "Normalizing flow", families: ["flow"], page: "/flow", explorer: "flow explorer",
    tryFirst: ["/flow?sec=layers", "follow a digit through every layer to z, and add up its exact log p(x)"],
    idea: "An invertible network maps digits to Gaussian noise and back, so the density of any digit can be computed exactly.",
    likelihood: "exact", cost: "one network pass (the inverse)", latent: "yes (same size as x)",
    likelihoodModel: "256-level pixels (uniformly dequantized)",
    objective: "exact NLL via change of variables: −log p(z) − log|det ∂f/∂x|",
  },
  {
    key: "autoregressive", name: "Autoregressive (PixelCNN)", families: ["autoregressive", "pixelcnn"], page: "/pixelcnn",
    explorer: "PixelCNN explorer",
    tryFirst: ["/pixelcnn?sec=stream", "watch a digit being written pixel by pixel, with each pixel's 256-level distribution"],
    idea: "Predicts each pixel from the pixels above and to its left; an image's probability is the product of those conditionals.",
    likelihood: "exact", cost: "784 predictions, one per pixel (cached: ~16–70 network passes)", latent: "no",
    likelihoodModel: "256-level pixels (a distribution over the levels of each pixel)",
    objective: "exact NLL via the chain rule: −Σ_i log p(x_i | x_<i)",
  },
  {
    key: "score", name: "Score-based and energy-based models", families: ["score2d", "score", "score-based", "ncsn"],
    page: "/score", explorer: "score explorer",
    tryFirst: ["/score", "see the score as arrows on a 2-D toy, and particles following it by Langevin dynamics"],
    idea: "Learns the score ∇ₓ log p(x), the direction towards more likely points, at several noise levels (or an energy E(x) whose −∇E is the score), and samples by following it with Langevin dynamics. Shown on 2-D toys and on digits, where a score network and the diffusion model's ε are the same object (score = −ε/σ).",
    likelihood: "none for the score alone; exact through the probability-flow ODE (hundreds of passes)", cost: "hundreds of Langevin steps",
    latent: "no (x_T through the probability-flow ODE)",
    objective: "denoising score matching: ‖s_θ(x̃, σ) + (x̃ − x)/σ²‖²; an EBM: contrastive divergence E(x⁺) − E(x⁻)",
  },
  {
    key: "vqvae", name: "VQ-VAE with a Transformer prior", families: ["vqvae"], page: "/vqvae", explorer: "VQ-VAE explorer",
    tryFirst: ["/vqvae?sec=writer", "watch a Transformer write a digit as 49 tokens, with the odds of each"],
    idea: "A VQ-VAE describes each digit as a 7 × 7 grid of codes from a learned dictionary (discrete tokens); a Transformer, the network behind GPT, learns to write such grids token by token, and the decoder paints them. The route from VAEs to DALL-E.",
    likelihood: "exact over the tokens (not the pixels)", cost: "49 Transformer steps (one per token) + one decoder pass",
    latent: "yes: 49 discrete tokens, each one of K codes",
    objective: "VQ-VAE: reconstruction + codebook + commitment (straight-through); prior: cross-entropy −Σ_i log p(t_i | t_<i, y)",
  },
];

/** Plain-language meaning of each capability, for the "you can" line of a model. */
export const CAPABILITIES = {
  sample: "draw new digits",
  conditional: "ask for a class 0–9",
  encode: "turn a digit into its latent code",
  decode: "turn a latent code into a digit",
  log_prob: "score how likely a digit is",
  latent_map: "see its whole 2-D latent plane",
  fitted_prior: "sample from a prior fitted to its encoded digits, or from N(0, I)",
  classify: "classify digits",
  trajectory: "watch each sampling step",
  samplers: "choose its sampler (DDPM, DDIM, reverse SDE, probability-flow ODE, annealed Langevin)",
  exact_log_prob: "compute its exact likelihood through the probability-flow ODE",
  inpaint: "fill in missing pixels",
  noise: "watch the forward (noising) process",
  invert: "map a digit back to its noise",
  discriminate: "ask the discriminator about any image",
  film: "replay its training",
  invertible: "map a digit to its code z and back, exactly",
  layer_view: "follow a digit through every layer",
  complete: "complete a digit from its top rows",
  pixel_stream: "watch sampling pixel by pixel",
  pixel_log_prob: "see which pixels surprise it",
  score_field: "draw its score as arrows at each noise level, beside the exact one",
  langevin_2d: "run particles by Langevin dynamics on its score, annealed or not",
  energy: "draw its energy surface",
  codebook: "see its codebook, each code decoded, and which codes digits use",
  tokens: "turn a digit into its 7 × 7 grid of tokens",
  token_stream: "watch its prior write a digit token by token",
  image_score: "set its score beside a diffusion model's −ε/σ on a noisy digit, and watch Langevin draw digits",
};

/** The family card a model belongs to (null for non-generative ones such as the metric classifier). */
export function familyOf(model) {
  return FAMILIES.find((f) => f.families.includes(model.family)) || null;
}
