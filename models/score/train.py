"""How each 2-D model learns its score, in seconds on a CPU.

- NCSN: denoising score matching (Vincent 2011) at every level at once (Song & Ermon 2019, eq. 2): a data
  point x, a level sigma drawn uniformly from the ladder, x~ = x + sigma z; the score of the blurring kernel
  at x~ is -z / sigma, and with the weight lambda(sigma) = sigma^2 the loss is 1/2 |sigma s(x~, sigma) + z|^2,
  of the same size at every level.
- EBM: contrastive divergence with short-run Langevin negatives from a persistent buffer (Du & Mordatch
  2019): push E down on data and up on the model's own samples, E(x+) - E(x-), plus alpha (E(x+)^2 + E(x-)^2)
  so the energies stay near zero instead of drifting. A twentieth of the buffer restarts from uniform noise
  each step, so the chains keep visiting empty space.
"""

import time
from dataclasses import asdict, dataclass

import torch

from models.data import TOY_DISTRIBUTIONS
from models.score.field import BOX  # negatives restart uniformly in [-BOX, BOX]^2, which holds every toy
from models.score.langevin import annealed_langevin, geometric_levels
from models.score.network import Score2D, ScoreConfig


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 6000
    batch: int = 512
    lr: float = 1e-3
    seed: int = 0
    levels: int = 12  # NCSN: the ladder's length
    sigma_min: float = 0.05  # NCSN: about the toys' own noise
    ebm_sigma: float = 0.1  # EBM: the Langevin noise of its negatives, a step a = sigma^2
    negatives_steps: int = 30  # EBM: Langevin steps per negative batch
    buffer: int = 8192  # EBM: persistent chains
    restart: float = 0.05  # EBM: share of chains restarted from noise at each step
    alpha: float = 0.01  # EBM: energy magnitude penalty (0.1 kept the wells too shallow: samples spread off the modes)


def ladder(data: torch.Tensor, settings: TrainSettings) -> tuple[float, ...]:
    """sigma_1 = the largest distance between two data points (Song & Ermon 2020, technique 1: the first level
    must let a chain cross between any two modes), down to sigma_min."""
    sigma_max = float(torch.cdist(data, data).max())
    return tuple(round(s, 5) for s in geometric_levels(sigma_max, settings.sigma_min, settings.levels))


def train(kind: str, toy: str, settings: TrainSettings, log=lambda step, loss: None) -> tuple[Score2D, dict]:
    """A trained model and its training record ({"steps", "seconds", "history": [{"step", "loss"}]})."""
    g = torch.Generator().manual_seed(settings.seed)
    torch.manual_seed(settings.seed)
    draw = TOY_DISTRIBUTIONS[toy]
    sigmas = ladder(draw(1000, g), settings) if kind == "ncsn" else (settings.ebm_sigma,)
    model = Score2D(ScoreConfig(kind=kind, toy=toy, sigmas=sigmas))
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, settings.steps)
    step_loss = _dsm_step if kind == "ncsn" else _contrastive_step(settings, g)
    history, started, running = [], time.monotonic(), 0.0
    model.train()
    for step in range(1, settings.steps + 1):
        loss = step_loss(model, draw(settings.batch, g), g)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        running += loss.item()
        if step % 200 == 0:
            history.append({"step": step, "loss": round(running / 200, 5)})
            log(step, running / 200)
            running = 0.0
    model.eval()
    return model, {"steps": settings.steps, "seconds": round(time.monotonic() - started, 1), "history": history}


def _dsm_step(model: Score2D, x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    sigma = model.sigmas[torch.randint(0, len(model.sigmas), (len(x),), generator=g)]
    z = torch.randn(x.shape, generator=g)
    return 0.5 * (sigma[:, None] * model.score(x + sigma[:, None] * z, sigma) + z).pow(2).sum(1).mean()


def _contrastive_step(settings: TrainSettings, g: torch.Generator):
    """The EBM's loss step, with its persistent chains (kept between steps, never saved)."""
    chains = (torch.rand(settings.buffer, 2, generator=g) * 2 - 1) * BOX
    picks = settings.batch // 2

    def step(model: Score2D, x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        idx = torch.randperm(settings.buffer, generator=g)[:picks]
        start = chains[idx]
        fresh = torch.rand(picks, generator=g) < settings.restart
        start[fresh] = (torch.rand(int(fresh.sum()), 2, generator=g) * 2 - 1) * BOX
        sigma = float(model.sigmas[0])
        *_, last = annealed_langevin(model.score, start, [sigma], sigma**2, settings.negatives_steps, g,
                                     final_denoise=False)
        negatives = last.x.detach().clamp(-2 * BOX, 2 * BOX)
        chains[idx] = negatives
        e_pos, e_neg = model.energy(x), model.energy(negatives)
        return e_pos.mean() - e_neg.mean() + settings.alpha * (e_pos.pow(2).mean() + e_neg.pow(2).mean())

    return step


def measure(model: Score2D) -> dict:
    """The card's figures, on 1,000 chains: sample quality of annealed and of plain Langevin (an EBM has only
    the one), and the score's error where the data is dense and where it is thin, at every level."""
    from models.score.field import langevin_samples
    from models.score.measures import SAMPLES, error_by_density, reference_data, sample_quality

    toy = model.config.toy
    runs = {"plain": False} if model.is_energy else {"annealed": True, "plain": False}
    metrics = {"samples": SAMPLES, "langevin": {name: sample_quality(langevin_samples(model, SAMPLES, 0, annealed), toy)
                                                for name, annealed in runs.items()}}
    if not model.is_energy:
        data = reference_data(toy)
        metrics["error_by_density"] = [error_by_density(model, data, sigma) for sigma in model.sigmas.tolist()]
    return metrics


def train_score2d(args) -> None:
    """`genlab train score2d --kind ncsn|ebm --toy NAME --id ID`: seconds to a minute on one core."""
    from models.checkpoint import code_version, save_checkpoint

    settings = TrainSettings(steps=args.steps, lr=args.lr, seed=args.seed)
    model, record = train(args.kind, args.toy, settings, log=lambda step, loss: print(f"step {step}: loss {loss:.4f}"))
    about = {"ncsn": "a noise-conditional score network trained by denoising score matching on "
                     f"{len(model.sigmas)} geometric noise levels (Song & Ermon 2019)",
             "ebm": "an energy-based model trained by contrastive divergence with Langevin negatives "
                    "from persistent chains (Du & Mordatch 2019)"}[args.kind]
    card = {"id": args.id, "family": "score2d", "title": args.title or args.id,
            "description": f"2-D toy '{args.toy}': {about}." + (f" {args.note}" if args.note else ""),
            "config": {**asdict(model.config), "sigmas": list(model.config.sigmas)},
            "data": {"toy": args.toy, "generated": "models.data.TOY_DISTRIBUTIONS, fresh points every step"},
            "training": {"command": getattr(args, "command", ""), **asdict(settings), **record},
            "metrics": measure(model), "code_version": code_version()}
    save_checkpoint(args.out, model, card)
