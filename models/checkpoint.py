"""Checkpoints: safetensors weights + a JSON model card from which the network can be rebuilt.

Nothing here unpickles: weights and resumable training state are both safetensors files, and all
non-tensor state travels as JSON.
"""

import json
import subprocess
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file


def code_version() -> str:
    """The git commit the code ran from (so a card says which code produced it)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False,
                             cwd=Path(__file__).parent, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def card_path(directory: Path, model_id: str) -> Path:
    return Path(directory) / f"{model_id}.json"


def weights_path(directory: Path, model_id: str) -> Path:
    return Path(directory) / f"{model_id}.safetensors"


def film_path(directory: Path, model_id: str) -> Path:
    """Fixed-seed samples kept during training (uint8 frames + epochs), beside the checkpoints."""
    return Path(directory) / "films" / f"{model_id}.safetensors"


def read_card(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def write_card(directory: Path, card: dict) -> Path:
    path = card_path(directory, card["id"])
    path.write_text(json.dumps(card, indent=2) + "\n")
    return path


def _shipped(t: torch.Tensor) -> torch.Tensor:
    """float32 weights are stored as float16: half the size, and loading casts them back to float32."""
    t = t.detach().contiguous().cpu()
    return t.half() if t.dtype == torch.float32 else t


def save_checkpoint(directory: Path, module: torch.nn.Module, card: dict) -> None:
    """Write <id>.safetensors (float16) and <id>.json side by side."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: _shipped(v) for k, v in module.state_dict().items()}
    save_file(state, weights_path(directory, card["id"]), metadata={"model_id": card["id"]})
    write_card(directory, card)


def load_weights(module: torch.nn.Module, path: Path, device: str = "cpu") -> torch.nn.Module:
    """Load safetensors weights strictly: a missing or extra tensor is an error, not a silent gap."""
    module.load_state_dict(load_file(str(path), device=device), strict=True)
    return module


# --- resumable training state -----------------------------------------------------------------

def _flatten(prefix: str, value, tensors: dict, plain: dict) -> None:
    """Split a nested state dict into safetensors-able tensors and JSON-able everything else."""
    if isinstance(value, torch.Tensor):
        tensors[prefix] = value.detach().contiguous().cpu()
    elif isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}/{k}", v, tensors, plain)
    else:
        plain[prefix] = value


def _unflatten(tensors: dict, plain: dict) -> dict:
    root: dict = {}
    for key, value in [*tensors.items(), *plain.items()]:
        node = root
        *parents, leaf = key.split("/")[1:]
        for part in parents:
            node = node.setdefault(int(part) if part.isdigit() else part, {})
        node[int(leaf) if leaf.isdigit() else leaf] = value
    return root


def _optim_key(i: int) -> str:
    return "optim" if i == 0 else f"optim{i}"


def save_training_state(path: Path, model: torch.nn.Module, optimizers: list[torch.optim.Optimizer], meta: dict) -> None:
    """Model, optimisers and loop counters, so `genlab train` can pick up where it stopped."""
    tensors: dict = {}
    plain: dict = {}
    state = {"model": model.state_dict(), **{_optim_key(i): opt.state_dict() for i, opt in enumerate(optimizers)}}
    _flatten("", state, tensors, plain)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(path).with_suffix(".tmp")
    save_file(tensors, tmp, metadata={"plain": json.dumps(plain), "meta": json.dumps(meta)})
    tmp.replace(path)


def load_training_state(path: Path, model: torch.nn.Module, optimizers: list[torch.optim.Optimizer]) -> dict:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        metadata = f.metadata()
    state = _unflatten(load_file(str(path)), json.loads(metadata["plain"]))
    model.load_state_dict(state["model"])
    for i, opt in enumerate(optimizers):
        opt.load_state_dict(state[_optim_key(i)])
    return json.loads(metadata["meta"])
