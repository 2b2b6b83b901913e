"""Save a lab session's model as a checkpoint: safetensors weights + a model card (models/checkpoint.py).

An MNIST GAN, VAE or diffusion model is the registry's own network (gan_mnist.py, vae_mnist.py,
diffusion_mnist.py), so its card has that family and the regular /gan, /vae and /diffusion pages open it
once it is in the checkpoint directory. A 2-D run's card, and the MNIST flow's (a lab-only model of the
digits' principal components, flow_mnist.py), has family LAB_ONLY, which the registry does not know: it is a
download (the weights and the hyper-parameters to rebuild the lab networks), and must not be written into
the served checkpoint directory, where it would be listed as a failed model. The lab page reopens it: a new
session rebuilt from the card (`reopen_spec`) with the exported weights loaded (Session.restore)."""

from pathlib import Path

from models.checkpoint import code_version, save_checkpoint
from models.lab.nets import trained_networks
from models.lab.session import initial_hp
from models.training import DATA_CARD

LAB_ONLY = "lab"


def export_session(session, directory: str | Path, model_id: str, title: str | None = None) -> dict:
    """Write <model_id>.safetensors and <model_id>.json (atomically) into `directory`; returns the card."""
    model = session.model
    if hasattr(model, "checkpoint"):  # an MNIST run: the registry's family
        family, config, module = model.checkpoint(session.hp)
    else:
        family, config, module = LAB_ONLY, {"family": session.family, "hp": dict(session.hp)}, trained_networks(model)
    card = {
        "id": model_id, "family": family, "title": title or f"lab {session.family} on {session.data}, step {session.step_count}",
        "description": (f"Trained live in the lab: {session.family} on {session.data}, seed {session.seed}, "
                        f"preset {session.preset or 'none'}, {session.step_count} steps."),
        "config": config,
        "data": DATA_CARD if family != LAB_ONLY else {"source": session.data},
        "training": {"history": [], "steps": session.step_count, "seed": session.seed, "lab": {
            "family": session.family, "data": session.data, "preset": session.preset, "hp": dict(session.hp),
            **({"points": session.points} if session.points is not None else {})}},
        "metrics": {}, "code_version": code_version(),
    }
    save_checkpoint(Path(directory), module, card)
    return card


def reopen_spec(card: dict) -> dict:
    """The session spec (family, data, seed, preset, hp, points) and the step of the lab-only export `card`, checked
    as a create request is; ValueError naming what is wrong. The hp are the export's own, all of them: the
    preset is kept as a label only, so none of its values overrides what the run had become."""
    if card.get("family") != LAB_ONLY:
        raise ValueError(f"{card.get('id')!r} is not a lab-only export (family {card.get('family')!r}): "
                         "open it in its own page")
    training = card.get("training") or {}
    lab, seed, step = training.get("lab") or {}, training.get("seed"), training.get("steps")
    for name, value in (("seed", seed), ("steps", step)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"training.{name}: expected a non-negative integer, got {value!r}")
    hp = lab.get("hp")
    if not isinstance(hp, dict):  # a bad card is bad input like any other: ValueError, answered 422
        raise ValueError("training.lab.hp: expected the exported hyper-parameters")  # noqa: TRY004
    initial_hp(lab.get("family"), lab.get("data"), None, hp)  # ValueError names a wrong family, data or value
    return {"family": lab["family"], "data": lab["data"], "seed": seed, "preset": lab.get("preset"), "hp": hp,
            "points": lab.get("points"), "step": step}
