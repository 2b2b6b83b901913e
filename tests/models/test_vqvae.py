"""The VQ-VAE and its Transformer prior: the quantizer's lookup and gradient, dead-code restarts, the
prior's causality and likelihood, and sampling by seed and temperature."""

from dataclasses import asdict

import pytest
import torch
import torch.nn.functional as F

from models.data import load_digits
from models.vqvae import VQVAE, TokenPrior, TokenPriorConfig, TransformerConfig, VQVAEConfig
from models.vqvae.prior import TokenTransformer
from models.vqvae.quantizer import VectorQuantizer, perplexity


def tiny_prior(num_classes: int = 10) -> TokenPrior:
    torch.manual_seed(0)
    config = TokenPriorConfig(vqvae=asdict(VQVAEConfig(codes=8, code_dim=4, width=4)),
                              prior=asdict(TransformerConfig(codes=8, dim=16, layers=2, heads=2, num_classes=num_classes)))
    return TokenPrior(config).eval()


def test_each_output_goes_to_its_most_similar_code_and_codes_map_to_themselves():
    torch.manual_seed(0)
    vq = VectorQuantizer(codes=16, dim=4)
    z = torch.randn(3, 4, 5, 5)
    tokens = vq.nearest(z)
    similarity = torch.einsum("bdhw,kd->bhwk", F.normalize(z, dim=1), vq.codes)
    assert torch.equal(tokens, similarity.argmax(-1))
    codes_as_outputs = vq.codes.T.reshape(1, 4, 4, 4) * 3.0  # scale does not matter: cosine similarity
    assert torch.equal(vq.nearest(codes_as_outputs).flatten(), torch.arange(16))


def test_the_gradient_passes_the_lookup_straight_through():
    torch.manual_seed(0)
    vq = VectorQuantizer(codes=16, dim=4)
    z = torch.randn(2, 4, 3, 3, requires_grad=True)
    z_q, tokens, loss = vq(z)
    assert torch.allclose(z_q, vq.lookup(tokens), atol=1e-6)  # forward: the codes
    (z_q * torch.randn_like(z_q)).sum().backward()
    assert z.grad is not None and z.grad.abs().sum() > 0  # backward: into the encoder's outputs
    assert loss.item() > 0


def test_a_code_that_never_wins_is_restarted_at_a_recent_output():
    torch.manual_seed(0)
    vq = VectorQuantizer(codes=4, dim=2).train()
    vq.codebook.weight.data = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2], [-1.0, 0.0]])  # code 3: far from all
    z = torch.tensor([[1.0, 0.05]]).repeat(64, 1).T.reshape(1, 2, 8, 8)
    for _ in range(500):
        vq(z)
    assert vq.usage[3] < 1.0
    assert vq.restart_dead_codes() >= 1
    assert torch.allclose(vq.codebook.weight[3], F.normalize(torch.tensor([1.0, 0.05]), dim=0), atol=1e-6)
    assert vq.usage[3] > 1.0  # a grace period


def test_perplexity_counts_codes_in_effective_use():
    assert perplexity(torch.tensor([0, 1, 2, 3]), 8) == pytest.approx(4)
    assert perplexity(torch.tensor([5, 5, 5]), 8) == pytest.approx(1)


def test_a_token_is_predicted_from_earlier_tokens_only():
    prior = TokenTransformer(TransformerConfig(codes=8, dim=16, layers=2, heads=2)).eval()
    tokens = torch.randint(0, 8, (2, 48))
    labels = torch.tensor([1, 2])
    logits = prior(tokens, labels)
    assert logits.shape == (2, 49, 8)
    changed = tokens.clone()
    changed[:, 20] = (changed[:, 20] + 1) % 8
    after = prior(changed, labels)
    assert torch.allclose(logits[:, :21], after[:, :21], atol=1e-5)  # rows 0..20 see tokens < 21 except 20 itself
    assert not torch.allclose(logits[:, 21:], after[:, 21:], atol=1e-5)
    assert not torch.allclose(prior(tokens, torch.tensor([3, 2]))[0, 0], logits[0, 0])  # the class is the start token


def test_token_log_probs_are_the_training_loss():
    model = tiny_prior()
    x, y = load_digits("heldout").images[:16], load_digits("heldout").labels[:16]
    nll, logs = model.loss(x, y)
    log_probs = model.token_log_probs(model.vqvae.tokens(x), y)
    assert log_probs.shape == (16, 7, 7) and (log_probs <= 0).all()
    assert -log_probs.mean().item() == pytest.approx(nll.item(), rel=1e-5) == pytest.approx(logs["nll"], rel=1e-5)


def test_sampling_is_fixed_by_the_seed_and_draws_labels_when_none_are_given():
    model = tiny_prior()
    a = model.sample(4, torch.Generator().manual_seed(3))
    b = model.sample(4, torch.Generator().manual_seed(3))
    assert torch.equal(a["tokens"], b["tokens"]) and torch.equal(a["labels"], b["labels"])
    assert a["images"].shape == (4, 1, 28, 28) and 0 <= a["images"].min() and a["images"].max() <= 1
    assert torch.equal(a["images"], model.vqvae.decode_tokens(a["tokens"]))
    assert not torch.equal(a["tokens"], model.sample(4, torch.Generator().manual_seed(4))["tokens"])


def test_a_cold_temperature_writes_the_most_probable_token_each_time():
    model = tiny_prior(num_classes=0)
    tokens = model.sample(2, torch.Generator().manual_seed(0), temperature=1e-4)["tokens"].flatten(1)
    coldest = model.sample(2, torch.Generator().manual_seed(0), temperature=5e-324)["tokens"].flatten(1)
    assert torch.equal(tokens, coldest)  # the smallest float: still the argmax, never NaN
    for i in range(49):
        best = model.prior(tokens[:, :i], None)[:, -1].argmax(-1)
        assert torch.equal(tokens[:, i], best)


def test_streamed_steps_fill_the_grid_in_raster_order_from_a_blank_digit():
    model = tiny_prior()
    blank = model.blank_tokens(1)
    steps = model.token_steps(1, torch.Generator().manual_seed(1), torch.tensor([5]))
    first = next(steps)
    assert (first["row"], first["col"]) == (0, 0) and first["probs"].shape == (1, 8)
    assert torch.equal(first["tokens"].flatten()[1:], blank.flatten()[1:])  # the rest still blank
    assert model.network_evaluations("sample") == 49 == 1 + sum(1 for _ in steps)


def test_the_vqvae_learns_to_reconstruct():
    torch.manual_seed(0)
    vqvae = VQVAE(VQVAEConfig(codes=16, code_dim=4, width=4))
    x = load_digits("train").images[::300]  # 30 digits of every class
    optimizer = torch.optim.Adam(vqvae.parameters(), lr=3e-3)
    first = vqvae.loss(x)[1]["recon"]
    for _ in range(40):
        loss, _ = vqvae.loss(x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        vqvae.after_step()
    assert vqvae.loss(x)[1]["recon"] < 0.6 * first
