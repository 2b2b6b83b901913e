"""Named recipes that break a model, or fix it, each with the number of steps it needs to show it.

A preset is a set of hyper-parameters per family it applies to; the session starts from them and the
student may change anything afterwards. The recipes were chosen by experiment on 8 Gaussians, and
tests/models/test_lab.py holds them to it. A GAN's trajectory is chaotic: one seed follows another path on
another CPU's kernels, so the collapse recipe sits well past the edge. With G's learning rate 10x D's, seed
1 collapsed on an AMD box but ended on 6 of 8 modes on an Intel (AMX) one; at 20x, seeds 0-3 end on at most
2 of 8 there. The same values collapse MNIST (one class holds 77-79% of the samples after 100 steps, seeds
0-1), which tests/models/test_lab_mnist.py holds. The recipes that need a 2-D model's own switches
(minibatch discrimination, unrolling, a mixture decoder) fit only where the session has them
(session.preset_fits); docs/lab.md tabulates them all."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    about: str
    steps: int
    hp: dict[str, dict]  # family -> hyper-parameters

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(self.hp)


COLLAPSE = {"loss": "nonsaturating", "g_steps": 5, "d_steps": 1, "lr_g": 2e-2, "lr_d": 1e-3}
UNROLL = 5

PRESETS: dict[str, Preset] = {
    "mode-collapse": Preset(
        "The generator outruns the discriminator (5 G updates per D update, G's learning rate 20x D's, "
        "non-saturating loss): G jumps to wherever D scores highest right now, every z lands in one small blob, "
        "D can no longer separate it from the data (its loss sits near 2 log 2) and the blob wanders, resting "
        "on one mode at a time at best.",
        600, {"gan": COLLAPSE}),
    "fix-mode-collapse": Preset(
        "WGAN-GP (Gulrajani et al. 2017): a critic with a gradient penalty, trained 5 times per generator step "
        "at the same learning rate, gives G useful gradients everywhere, so it is pulled towards every mode, "
        "not only the nearest. The penalty weight 0.1 is the one Gulrajani et al.'s own 2-D toy code uses.",
        1000, {"gan": {"loss": "wgan-gp", "d_steps": 5, "g_steps": 1, "lr_g": 1e-3, "lr_d": 1e-3, "gp_weight": 0.1}}),
    "fix-mode-collapse-minibatch": Preset(
        "The collapse recipe unchanged, plus minibatch discrimination (Salimans et al. 2016): D also sees how "
        "close each sample is to the rest of its batch, so a batch of near-copies gives itself away and G is "
        "pushed to spread its samples over the modes. (2-D toys only.)",
        1000, {"gan": {**COLLAPSE, "minibatch_kernels": 8}}),
    "fix-mode-collapse-unrolled": Preset(
        f"The collapse recipe unchanged, but G is trained against the D of {UNROLL} Adam steps later, with the gradient "
        "taken through those steps (Metz et al. 2017): a jump onto one mode is judged by a D that has already "
        f"reacted to it, so it no longer pays. Slower: every G update replays {UNROLL} D updates. (2-D toys only.)",
        1000, {"gan": {**COLLAPSE, "unroll_steps": UNROLL}}),
    "posterior-collapse": Preset(
        "beta = 300: every nat of information z carries costs more than the reconstruction it buys, so the "
        "encoder sends every point to the prior N(0, I) (kl_per_dim falls to 0), the decoder ignores z and "
        "outputs the data mean: the samples become one blob at the centre.",
        500, {"vae": {"beta": 300.0}}),
    "posterior-collapse-strong-decoder": Preset(
        "beta = 1, but the decoder is a mixture of 32 Gaussians: strong enough to model all the data without "
        "looking at z, so the ELBO's best use of z is none (Chen et al. 2017). kl_per_dim falls to 0 and the "
        "decoded latent grid shrinks to one point, while the samples still cover the modes: good samples, "
        "an ignored latent.",
        1000, {"vae": {"beta": 1.0, "decoder_mixture": 32}}),
    "lr-too-high": Preset(
        "A learning rate a hundred times too high: the losses jump instead of falling and the samples smear.",
        500, {"gan": {"lr_g": 0.1, "lr_d": 0.1}, "vae": {"lr": 0.2}, "flow": {"lr": 0.2}, "diffusion": {"lr": 0.1}}),
    "short-schedule": Preset(
        "T = 4 noise levels: the network learns as well as ever, but each reverse step must undo so much noise "
        "that the Gaussian reverse step of Ho et al. (2020) is a poor fit, and samples land between the modes.",
        1500, {"diffusion": {"timesteps": 4}}),
}
