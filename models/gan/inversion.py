"""GAN inversion by optimisation ("projection"): a GAN has no encoder q(z|x), so the z whose G(z) is
nearest an image is searched for by gradient descent on z with G fixed (Zhu et al. 2016, "Generative
Visual Manipulation on the Natural Image Manifold", eq. 1; the StyleGAN2 projector, Karras et al. 2020,
appendix D). The landscape is not convex, so several starts are run side by side and the best kept.

The objective per image is  ||G(z) - x||^2 / n_pixels + lambda (||z|| - sqrt(d))^2 / d : the pixel error
plus a pull onto the shell where z ~ N(0, I) lives (in d dimensions ||z|| concentrates at sqrt(d)), so the
search cannot wander to a z the generator never saw that happens to paint the digit. A digit G cannot draw
keeps a large error whatever z is: it lies outside G's range.

Chosen on 40 held-out digits (one thread): on dcgan-mnist lambda = 0.1 against 0.001 keeps ||z|| at 8.06
instead of 9.6 (sqrt(64) = 8) and fits better (per-pixel error 0.0087 against 0.0115); 150 steps x 4 restarts
at Adam's rate 0.3 is where more steps or restarts gain little (300 steps: 0.0076). On 100 other random held-out
digits: dcgan-mnist's projections are 0.0065 away per pixel on average (a random z's G(z): 0.136) and the digit
classifier reads 98% of them as the digit projected, as many as of the digits themselves; wgan-gp-mnist's
0.0048 and 98%. One projection takes 1.6 s (dcgan-mnist) and 1.0 s (wgan-gp-mnist) of one core (AVX512).
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

from models.interrupt import checkpoint

PROJECT_STEPS = 150
PROJECT_RESTARTS = 4
PASSES_PER_STEP = 3  # a forward pass and its backward pass, which costs about two more
PRIOR_WEIGHT = 0.1  # lambda: one unit off the shell costs 0.0016, a sixth of a good fit's pixel error
LEARNING_RATE = 0.3  # Adam's, decayed to 0 by a cosine over the steps (the StyleGAN2 projector's ramp-down)
CURVE_POINTS = 20


def projection_evaluations(steps: int = PROJECT_STEPS, restarts: int = PROJECT_RESTARTS) -> int:
    """Generator passes per image of a projection: every step of every start runs G forwards and backwards."""
    return steps * restarts * PASSES_PER_STEP


@dataclass
class Projection:
    latents: torch.Tensor  # (B, D): the best start's z per image
    images: torch.Tensor  # (B, 1, 28, 28): G(z), the reconstruction
    distance: torch.Tensor  # (B,): per-pixel mean squared error of the reconstruction
    loss_curve: torch.Tensor  # (B, K): that start's per-pixel error along the way, K <= CURVE_POINTS + 1 points
    curve_steps: list[int]  # the step each point of loss_curve was taken at (0 = the starting z)


def _objective(images: torch.Tensor, z: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(objective, pixel error) per row: G(z) (N, 1, 28, 28) against the target x, and z (N, D) off the shell."""
    error = (images - x).pow(2).flatten(1).mean(1)
    d = z.shape[1]
    shell = (z.norm(dim=1) - math.sqrt(d)).pow(2) / d
    return error + PRIOR_WEIGHT * shell, error


def project(gan: nn.Module, x: torch.Tensor, labels: torch.Tensor | None, rng: torch.Generator,
            steps: int = PROJECT_STEPS, restarts: int = PROJECT_RESTARTS) -> Projection:
    """Find z with G(z) ~ x for each image of x (B, 1, 28, 28) [given its label] by a GAN's sampling generator
    (`gan.decode`): Adam on `restarts` starts z_0 ~ N(0, I) per image, drawn from `rng` (the same seed, the same
    z), for `steps` steps. G is left untouched (only z gets gradients), so a shared model may serve other
    requests meanwhile."""
    if steps < 1 or restarts < 1:
        raise ValueError(f"a projection needs steps >= 1 and restarts >= 1 (got {steps}, {restarts})")
    n = len(x)
    with torch.inference_mode(False), torch.enable_grad():  # the server runs models in inference mode
        target = x.detach().clone().repeat(restarts, 1, 1, 1)  # (R*B, 1, 28, 28), start r of image b at r*B + b
        rows = None if labels is None else labels.clone().repeat(restarts)
        z = gan.sample_latents(restarts * n, rng).requires_grad_(True)
        optimizer = torch.optim.Adam([z], lr=LEARNING_RATE)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
        every = math.ceil(steps / CURVE_POINTS)
        curve, curve_steps = [], []
        for step in range(steps):
            checkpoint()
            objective, error = _objective(gan.decode(z, rows), z, target)
            if step % every == 0:
                curve.append(error.detach())
                curve_steps.append(step)
            optimizer.zero_grad(set_to_none=True)
            objective.sum().backward(inputs=[z])  # rows are independent: the sum's gradient is each row's own
            optimizer.step()
            schedule.step()
        z = z.detach()
    with torch.no_grad():
        images = gan.decode(z, rows)
        objective, error = _objective(images, z, target)
    best = objective.view(restarts, n).argmin(0) * n + torch.arange(n, device=z.device)  # (B,) rows of the winners
    curve = torch.stack([*curve, error]).T  # (R*B, K)
    return Projection(z[best], images[best], error[best], curve[best], [*curve_steps, steps])
