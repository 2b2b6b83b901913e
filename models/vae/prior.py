"""An ex-post prior for a trained VAE: a Gaussian mixture fitted to where the encoder puts real digits.

A VAE is trained with the prior p(z) = N(0, I), but its aggregate posterior q(z) = E_x q(z|x) never
fills that ball evenly: there are "holes" the decoder was never trained on, and prior draws that
land there decode to non-digits. Fitting a small Gaussian mixture to the posterior means of the
training digits after training (ex-post density estimation, Ghosh et al. 2020; the same idea as the
two-stage VAE of Dai & Wipf 2019) and sampling z from it instead leaves the networks untouched and
draws z where the decoder knows what to do. The N(0, I) prior remains the one the ELBO is computed
with: only *sampling* changes.
"""

import torch


def fit_mixture(z: torch.Tensor, components: int, iterations: int = 100, seed: int = 0,
                jitter: float = 1e-4) -> dict[str, torch.Tensor]:
    """Full-covariance Gaussian mixture on z (N, D) by expectation-maximisation (Dempster et al. 1977),
    started from `components` random points; float64 throughout. Returns weights (K,), means (K, D)
    and the Cholesky factors of the covariances, scale_tril (K, D, D)."""
    z = z.double()
    n, d = z.shape
    g = torch.Generator().manual_seed(seed)
    means = z[torch.randperm(n, generator=g)[:components]].clone()
    covariances = torch.cov(z.T).expand(components, d, d).clone()
    weights = torch.full((components,), 1 / components, dtype=torch.float64)
    ridge = jitter * torch.eye(d, dtype=torch.float64)
    for _ in range(iterations):
        # E-step: responsibilities r_nk = p(k | z_n)
        log_p = torch.distributions.MultivariateNormal(means, covariance_matrix=covariances).log_prob(z[:, None]) + weights.log()
        r = torch.softmax(log_p, dim=1)  # (N, K)
        # M-step: weights, means and covariances from the responsibilities
        n_k = r.sum(0) + 1e-9
        weights = n_k / n
        means = (r.T @ z) / n_k[:, None]
        diff = z[:, None, :] - means  # (N, K, D)
        covariances = torch.einsum("nk,nkd,nke->kde", r, diff, diff) / n_k[:, None, None] + ridge
    return {"weights": weights.float(), "means": means.float(), "scale_tril": torch.linalg.cholesky(covariances).float()}


def sample_mixture(weights: torch.Tensor, means: torch.Tensor, scale_tril: torch.Tensor, n: int,
                   generator: torch.Generator, temperature: float = 1.0) -> torch.Tensor:
    """n draws z = mu_k + T L_k eps with k ~ weights and eps ~ N(0, I); T < 1 keeps draws nearer the
    components' centres, as the temperature of the N(0, I) prior does."""
    k = torch.multinomial(weights, n, replacement=True, generator=generator)
    eps = torch.randn(n, means.shape[1], generator=generator, device=generator.device)
    return means[k] + temperature * (scale_tril[k] @ eps[:, :, None])[..., 0]
