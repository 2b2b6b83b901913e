"""Checkpoints: safetensors weights + a JSON model card from which the network can be rebuilt.

Nothing here unpickles: weights and resumable training state are both safetensors files, and all
non-tensor state travels as JSON. Every file is written atomically (temp file, fsync, rename), so an
interrupted run leaves the previous file, never half of a new one, for the server to trip over.
"""

import json
import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save


class CheckpointError(ValueError):
    """A checkpoint file (card, weights, film) that cannot be served; the message says why in words."""


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


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call `write` on a temp file beside `path`, make it durable, then rename it over `path`.

    A crash or exception mid-write leaves the old file as it was; the temp file is removed. Its name
    ends in .tmp, so a temp file orphaned by a killed process never looks like a card or weights."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)  # the rename itself survives a power cut only once the directory is synced


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_tensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    """safetensors' save_file, atomically."""
    atomic_write(path, lambda f: f.write(save(tensors, metadata=metadata)))


def read_card(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def write_card(directory: Path, card: dict) -> Path:
    path = card_path(directory, card["id"])
    atomic_write(path, lambda f: f.write((json.dumps(card, indent=2) + "\n").encode()))
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
    save_tensors(weights_path(directory, card["id"]), state, metadata={"model_id": card["id"]})
    write_card(directory, card)


def load_weights(module: torch.nn.Module, path: Path, device: str = "cpu") -> torch.nn.Module:
    """Load safetensors weights strictly: a missing or extra tensor is an error, not a silent gap."""
    try:
        state = load_file(str(path), device=device)
    except SafetensorError as exc:  # corrupt or truncated: say which file, in words
        raise CheckpointError(f"unreadable weights {Path(path).name}: {exc}") from exc
    module.load_state_dict(state, strict=True)
    return module


def read_film(path: Path) -> tuple[torch.Tensor, list[float]]:
    """A training film's uint8 frames (N, B, H, W) and the epoch of each frame.

    FileNotFoundError when there is no film; CheckpointError when the file is corrupt, truncated or
    lacks the `frames` tensor or the `epochs` metadata, so a caller can refuse that one feature."""
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            frames = f.get_tensor("frames")
    except FileNotFoundError:
        raise
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(str(exc)) from exc
    if frames.dtype != torch.uint8 or frames.ndim != 4:
        raise CheckpointError(f"'frames' is {frames.dtype} {tuple(frames.shape)}, not uint8 (N, B, H, W)")
    try:
        epochs = json.loads(metadata["epochs"])
    except (KeyError, json.JSONDecodeError) as exc:
        raise CheckpointError("no readable 'epochs' metadata") from exc
    if not isinstance(epochs, list) or len(epochs) != len(frames) or not all(isinstance(e, int | float) for e in epochs):
        raise CheckpointError(f"'epochs' metadata is not one number for each of the {len(frames)} frames")
    return frames, epochs


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
    save_tensors(path, tensors, metadata={"plain": json.dumps(plain), "meta": json.dumps(meta)})


def load_training_state(path: Path, model: torch.nn.Module, optimizers: list[torch.optim.Optimizer]) -> dict:
    with safe_open(str(path), framework="pt") as f:
        metadata = f.metadata()
    state = _unflatten(load_file(str(path)), json.loads(metadata["plain"]))
    model.load_state_dict(state["model"])
    for i, opt in enumerate(optimizers):
        opt.load_state_dict(state[_optim_key(i)])
    return json.loads(metadata["meta"])
