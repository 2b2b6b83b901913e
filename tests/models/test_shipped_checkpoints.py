"""The shipped checkpoints meet genlab's quality bars, measured afresh (not read from the cards)."""

import functools
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from models.checkpoint import film_path
from models.data import load_digits
from models.metrics import accuracy, bits_per_dim, class_entropy, classify, frechet_distance
from models.registry import load_model

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"


def _load(model_id: str):
    return load_model(CHECKPOINTS / f"{model_id}.json")


@pytest.fixture(scope="module")
def classifier():
    return _load("digit-classifier").module


def test_classifier_is_at_least_98_percent_on_heldout(classifier):
    held = load_digits("heldout")
    assert accuracy(classify(classifier, held.images)[1], held.labels) >= 0.98


@torch.inference_mode()
def test_vae_reconstructions_keep_their_label(classifier):
    held = load_digits("heldout")
    vae = _load("vae-mnist").module
    recon = vae.decode(vae.encode(held.images)[0])
    assert accuracy(classify(classifier, recon)[1], held.labels) >= 0.95


@pytest.mark.parametrize(("model_id", "bar"), [("cvae-mnist", 0.90), ("cgan-mnist", 0.95)])
@torch.inference_mode()
def test_conditional_models_draw_the_asked_digit(classifier, model_id, bar):
    model = _load(model_id).module
    labels = torch.arange(500) % 10
    images = model.sample(500, torch.Generator().manual_seed(123), labels=labels)["images"]
    assert accuracy(classify(classifier, images)[1], labels) >= bar


@pytest.mark.parametrize("model_id", ["vae-mnist", "cvae-mnist", "vae2d-mnist", "betavae-mnist"])
def test_cards_carry_their_measured_figures(model_id):
    card = _load(model_id).card
    assert card["training"]["history"] and card["training"]["seconds"] > 0
    assert {"frechet_distance", "real_vs_real_frechet_floor", "class_entropy", "reconstruction_accuracy"} <= set(card["metrics"])


@torch.inference_mode()
def _class_entropy_of_samples(model_id: str, classifier, n: int = 500) -> float:
    gan = _load(model_id).module
    images = gan.sample(n, torch.Generator().manual_seed(7))["images"]
    return class_entropy(classify(classifier, images)[1])


def test_the_collapsed_gan_really_collapsed(classifier):
    healthy = _class_entropy_of_samples("dcgan-mnist", classifier)
    collapsed = _class_entropy_of_samples("gan-collapsed-mnist", classifier)
    assert healthy > 0.85 and collapsed < 0.6 and healthy - collapsed > 0.3
    assert _pixel_spread("gan-collapsed-mnist") < 0.6 * _pixel_spread("dcgan-mnist")  # different z, similar pictures


@torch.inference_mode()
def test_the_collapsed_gans_film_shows_it_hopping_between_modes(classifier):
    """Collapse is not one bad image: in the film, G sends all 64 z to one picture, D learns to reject it, and G
    moves every z to another. Frames where the 64 samples are nearly alike must land on several classes."""
    frames = load_file(str(film_path(CHECKPOINTS, "gan-collapsed-mnist")))["frames"][1:].float() / 255
    collapsed = [f for f in frames if f.std(dim=0).mean() < 0.06]
    assert len(collapsed) >= len(frames) // 2
    modes = {classify(classifier, f[:, None])[1].mode().values.item() for f in collapsed}
    assert len(modes) >= 4


@torch.inference_mode()
def _pixel_spread(model_id: str) -> float:
    """Mean per-pixel standard deviation across 64 samples: how different the samples are."""
    images = _load(model_id).module.sample(64, torch.Generator().manual_seed(1))["images"]
    return images.std(dim=0).mean().item()


@pytest.mark.parametrize("model_id", ["wgan-gp-mnist", "dcgan-mnist"])
@torch.inference_mode()
def test_unconditional_gan_is_within_6x_of_the_real_floor_and_covers_the_classes(classifier, model_id):
    """Issue 4's bar for an unconditional GAN, on 1,000 samples of a seed the card did not use."""
    train = classify(classifier, load_digits("train").images)[0]
    floor = frechet_distance(classify(classifier, load_digits("heldout").images)[0], train)
    feats, preds = classify(classifier, _load(model_id).module.sample(1000, torch.Generator().manual_seed(123))["images"])
    assert frechet_distance(feats, train) <= 6 * floor
    assert class_entropy(preds) >= 0.95


@torch.inference_mode()
def test_ddpm_draws_the_asked_digit_at_its_default_guidance(classifier):
    """Issue 3's accuracy bar (97 % at DDIM-50, in the card) checked cheaply: 200 samples of a seed the card
    did not use, at the card's default w but with DDIM-20 to keep the suite fast."""
    model = _load("ddpm-mnist").module
    labels = torch.arange(200) % 10
    images = model.sample(200, torch.Generator().manual_seed(123), labels=labels, steps=20)["images"]
    assert accuracy(classify(classifier, images)[1], labels) >= 0.95


def test_ddpm_exact_likelihood_by_its_ode_orders_like_its_bound_and_lies_below_it():
    """The probability-flow ODE's likelihood and the variational bound on the same images (measured on held-out
    digit 0 of seed 0: 1.36 bits/dim by the ODE, 2.15 by the bound; uniform noise: 8.8 and 27): both find
    noise far less probable than a digit, and the ODE's exact figure is the better (lower) one. The model is
    loaded outside inference mode, as the server loads it: the ODE differentiates the network."""
    model = _load("ddpm-mnist").module
    digit = load_digits("heldout").images[:1]
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    images = torch.cat([digit, noise])
    with torch.inference_mode():
        exact = bits_per_dim(-model.exact_log_prob(images)[0])
        bound = bits_per_dim(-model.log_prob(images))
    assert exact[1] > exact[0] + 3 and bound[1] > bound[0] + 3
    assert 0.5 < exact[0] < bound[0]


@torch.inference_mode()
def test_vae_samples_are_within_15x_of_the_real_floor_from_its_fitted_prior(classifier):
    """Issue 13's bar for vae-mnist (FD <= 15x the floor, 1,000 samples, a seed the card did not use), met
    by sampling z from its fitted mixture; from N(0, I) the same networks stay far above it."""
    train = classify(classifier, load_digits("train").images)[0]
    floor = frechet_distance(classify(classifier, load_digits("heldout").images)[0], train)
    vae = _load("vae-mnist").module
    fd = {prior: frechet_distance(classify(classifier, vae.sample(1000, torch.Generator().manual_seed(123),
                                                                  prior=prior)["images"])[0], train)
          for prior in ("fitted", "standard")}
    assert fd["fitted"] <= 15 * floor < fd["standard"]


@functools.cache
def _heldout_bits_per_dim(model_id: str, conditional: bool) -> float:
    """Mean exact bits/dim over the whole held-out split, dequantization seeded as `genlab evaluate` seeds it
    (computed once: the card test and the bar test ask for the same figure)."""
    model, held = _load(model_id).module, load_digits("heldout")
    g = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        nats = torch.cat([model.log_prob(held.images[i:i + 250], held.labels[i:i + 250] if conditional else None, g)
                          for i in range(0, 1000, 250)])
    return float(bits_per_dim(-nats).mean())


PIXELCNN_SHORT = pytest.mark.xfail(strict=True, reason=(
    "issue 14's PixelCNN bar is not met: 1.111 held-out bits/dim (bar 1.1) after 48 epochs of an 8-layer network "
    "grown to 12 layers (1.9M parameters) and 16 more epochs, on two cores; its training state is committed "
    "(runs/pixelcnn-12/). strict: the day a checkpoint meets it, this marker must go"))


@pytest.mark.parametrize(("model_id", "conditional"), [("flow-mnist", False), ("pixelcnn-mnist", True)])
def test_exact_likelihood_cards_carry_the_heldout_bits_per_dim_the_weights_give(model_id, conditional):
    assert _heldout_bits_per_dim(model_id, conditional) == pytest.approx(
        _load(model_id).card["metrics"]["heldout_bits_per_dim"], abs=2e-3)


@pytest.mark.parametrize(("model_id", "conditional", "bar"), [
    ("flow-mnist", False, 1.4), pytest.param("pixelcnn-mnist", True, 1.1, marks=PIXELCNN_SHORT)])
def test_exact_likelihood_models_meet_their_heldout_bits_per_dim(model_id, conditional, bar):
    """Issue 14's bars, recomputed on all 1,000 held-out digits."""
    assert _heldout_bits_per_dim(model_id, conditional) <= bar


@torch.inference_mode()
def test_pixelcnn_draws_the_asked_digit(classifier):
    """Issue 14's bar for class-conditional samples: >= 90 % of 1,000 (seeds the card did not use). On the edge:
    90.6 % here; over seven draws of 1,000, 88.5 % to 91.4 %, 90.1 % pooled (the card's seed 0 gave 88.5 %)."""
    labels = torch.arange(1000) % 10
    model = _load("pixelcnn-mnist").module
    images = torch.cat([model.sample(250, torch.Generator().manual_seed(123 + i), labels=labels[i * 250:(i + 1) * 250])["images"]
                        for i in range(4)])
    assert accuracy(classify(classifier, images)[1], labels) >= 0.90


@torch.inference_mode()
def test_flow_round_trip_is_within_1e_4_on_held_out_digits():
    """Issue 14: max |y - f^-1(f(y))| <= 1e-4 for the shipped flow in float32, on 200 random held-out digits
    (measured: 6e-6)."""
    flow = _load("flow-mnist").module
    pick = torch.randperm(1000, generator=torch.Generator().manual_seed(0))[:200]
    out = flow.encode(load_digits("heldout").images[pick], torch.Generator().manual_seed(1))
    assert (flow.inverse(out["z"]) - out["y"]).abs().max() <= 1e-4


@torch.inference_mode()
def test_flow_card_reports_the_blank_canvas_as_measured():
    """The likelihood-is-not-typicality figure the pages and README quote, recomputed from the weights."""
    flow = _load("flow-mnist")
    blank = -flow.module.log_prob(torch.zeros(1, 1, 28, 28), None, torch.Generator().manual_seed(0))
    assert float(bits_per_dim(blank)[0]) == pytest.approx(flow.card["metrics"]["typicality"]["blank (all 0)"], abs=2e-3)


def test_the_8_gaussians_score_network_samples_the_mixture_only_when_annealed():
    """Song & Ermon (2019) on the shipped NCSN, 1,000 chains from uniform noise: annealed Langevin lands on
    every mode with nearly equal weights; plain Langevin at the smallest level, as many steps, leaves more
    mass off the modes or on the wrong ones."""
    from models.score.field import langevin_samples
    from models.score.measures import sample_quality

    model = _load("score-8gaussians").module
    annealed = sample_quality(langevin_samples(model, 1000, 0, annealed=True), "8gaussians")
    plain = sample_quality(langevin_samples(model, 1000, 0, annealed=False), "8gaussians")
    assert annealed["mode_coverage"] == 1.0 and annealed["mode_weight_tv"] < 0.1
    assert plain["mode_weight_tv"] > 1.5 * annealed["mode_weight_tv"]


def test_the_8_gaussians_score_network_is_poor_only_where_the_data_is_thin():
    """At the smallest noise level the learned score is close to the exact one where the blurred data is
    dense and many times further off where it is thin; at the largest level it is good everywhere."""
    from models.score.measures import error_by_density, reference_data

    model = _load("score-8gaussians").module
    data = reference_data("8gaussians")
    small, large = (error_by_density(model, data, float(model.sigmas[i])) for i in (-1, 0))
    assert small["low_density"] > 5 * small["high_density"]
    assert large["low_density"] < 0.1 and large["high_density"] < 0.1


def test_the_8_gaussians_energy_model_samples_every_mode_by_langevin():
    from models.score.field import langevin_samples
    from models.score.measures import sample_quality

    quality = sample_quality(langevin_samples(_load("ebm-8gaussians").module, 1000, 0), "8gaussians")
    assert quality["mode_coverage"] == 1.0 and quality["mode_weight_tv"] < 0.2


@torch.inference_mode()
def test_latent_ddpm_is_within_1_5x_of_the_pixel_models_fd_and_draws_the_asked_digit(classifier):
    """Issue 16's bar for latent diffusion: FD within 1.5x of the pixel DDPM's at its best budget (its card: DDIM-50,
    1,000 samples; measuring it afresh takes minutes), on 1,000 latent samples of another seed at the same DDIM-50
    and the latent model's default guidance (card: FD 36.6, 93.2% of the asked class, seed 0)."""
    model = _load("latent-ddpm-mnist").module
    labels = torch.arange(1000) % 10
    images = torch.cat([model.sample(250, torch.Generator().manual_seed(123 + i), labels=labels[i * 250:(i + 1) * 250])["images"]
                        for i in range(4)])
    feats, preds = classify(classifier, images)
    pixel_fd = _load("ddpm-mnist").card["metrics"]["frechet_distance"]
    assert frechet_distance(feats, classify(classifier, load_digits("train").images)[0]) <= 1.5 * pixel_fd
    assert accuracy(preds, labels) >= 0.9


@torch.inference_mode()
def test_vqvae_tokens_keep_the_digit_and_its_codebook_has_no_dead_codes(classifier):
    """49 tokens out of 128 codes are enough for the classifier to read the held-out digits back (card: 98.1%),
    and the dead-code restarts keep every code in use (card: 0 dead, perplexity 100 of 128)."""
    model = _load("vqvae-mnist").module
    heldout = load_digits("heldout")
    tokens = model.vqvae.tokens(heldout.images)
    assert accuracy(classify(classifier, model.vqvae.decode_tokens(tokens))[1], heldout.labels) >= 0.95
    usage = model.code_usage(heldout.images)
    assert (usage > 0).all() and usage.sum() == 49 * len(heldout.labels)


@torch.inference_mode()
def test_vqvae_prior_writes_the_asked_digit_more_often_than_not(classifier):
    """The Transformer prior's samples read as the asked class (card: 74.3% of 1,000 at T = 1; here 200
    samples of another seed)."""
    model = _load("vqvae-mnist").module
    labels = torch.arange(200) % 10
    images = model.sample(200, torch.Generator().manual_seed(123), labels=labels)["images"]
    assert accuracy(classify(classifier, images)[1], labels) >= 0.6


@torch.inference_mode()
def test_the_score_network_and_the_ddpm_agree_on_noisy_heldout_digits():
    """ncsn-mnist and ddpm-mnist, trained apart, give the same score -eps/sigma on the same noisy digits
    (measured on 100 held-out digits: mean cosine 1.000, 0.999, 0.995, 0.995, 0.982 from sigma 32 to 0.01)."""
    from models.ncsn.same_object import score_pairs, spread_levels

    ncsn, ddpm = _load("ncsn-mnist").module, _load("ddpm-mnist").module
    heldout = load_digits("heldout")
    pick = torch.arange(5, 1000, 20)
    pairs = score_pairs(ncsn, ddpm, heldout.images[pick], heldout.labels[pick], spread_levels(ncsn, 5),
                        torch.Generator().manual_seed(1))
    assert all(p.cosine.mean() > 0.95 for p in pairs)
    assert pairs[-1].cosine.mean() > pairs[-1].cosine_to_noise.mean()  # closer to each other than to the noise


@torch.inference_mode()
def test_the_score_network_draws_the_asked_digit_by_langevin(classifier):
    """Annealed Langevin on ncsn-mnist's score at its default guidance (w = 1) draws the asked class (measured
    81% of 100; here 40 samples of another seed, to keep the suite fast)."""
    model = _load("ncsn-mnist").module
    labels = torch.arange(40) % 10
    images = model.sample(40, torch.Generator().manual_seed(123), labels=labels)["images"]
    assert accuracy(classify(classifier, images)[1], labels) >= 0.6
