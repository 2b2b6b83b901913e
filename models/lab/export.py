"""Save a lab session's model as a checkpoint: safetensors weights + a model card (models/checkpoint.py).

An MNIST GAN, VAE or diffusion model is the registry's own network (gan_mnist.py, vae_mnist.py,
diffusion_mnist.py), so its card has that family and the regular /gan, /vae and /diffusion pages open it
once it is in the checkpoint directory. A 2-D run's card, and the MNIST flow's (a lab-only model of the
digits' principal components, flow_mnist.py), has family LAB_ONLY, which the registry does not know: it is a
download (the weights and the hyper-parameters to rebuild the lab networks), and must not be written into
the served checkpoint directory, where it would be listed as a failed model."""

from pathlib import Path

from torch import nn

from models.checkpoint import code_version, save_checkpoint
from models.training import DATA_CARD

LAB_ONLY = "lab"


def export_session(session, directory: str | Path, model_id: str, title: str | None = None) -> dict:
    """Write <model_id>.safetensors and <model_id>.json (atomically) into `directory`; returns the card."""
    model = session.model
    if hasattr(model, "checkpoint"):  # an MNIST run: the registry's family
        family, config, module = model.checkpoint(session.hp)
    else:
        family, config, module = LAB_ONLY, {"family": session.family, "hp": dict(session.hp)}, _networks(model)
    card = {
        "id": model_id, "family": family, "title": title or f"lab {session.family} on {session.data}, step {session.step_count}",
        "description": (f"Trained live in the lab: {session.family} on {session.data}, seed {session.seed}, "
                        f"preset {session.preset or 'none'}, {session.step_count} steps."),
        "config": config,
        "data": DATA_CARD if family != LAB_ONLY else {"source": session.data},
        "training": {"history": [], "steps": session.step_count, "seed": session.seed, "lab": {
            "family": session.family, "data": session.data, "preset": session.preset, "hp": dict(session.hp)}},
        "metrics": {}, "code_version": code_version(),
    }
    save_checkpoint(Path(directory), module, card)
    return card


def _networks(model) -> nn.ModuleDict:
    """A lab-only model's networks (its nn.Module attributes: generator, encoder, layers, net, ...) as one module."""
    return nn.ModuleDict({name: value for name, value in vars(model).items() if isinstance(value, nn.Module)})
