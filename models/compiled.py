"""Compiled networks: `torch.compile` (inductor) as an opt-in setting for the networks that draw pictures.

Opt-in, because what it buys is small and what it costs is not: measured on the 2-core AMX machine, one UNet
pass runs 1.3-1.6x faster compiled and a lone 16-image request 1.2x, but two workers at once gain nothing (the
generated kernels hold the GIL; docs/execution.md); compiling takes ~5-25 s per model, precision and
batch-shape family, needs a C++ compiler, and a compiled network answers a seed with slightly different bits
than the eager one. So a model is compiled only where the server is told to
(GENLAB_COMPILE=checked) and its card records a passed classifier check of compiled samples against float32
(models/precision_check.py), like bf16.

The eager network stays beside its compiled twin: the twin runs only inside `compiled_networks()` (the server
opens it for a compiled model's pictures) and without gradients; likelihoods, inversion and training keep the
eager graph, so they never trigger a compile in the middle of a request.
"""

import contextlib
import threading

import torch
from torch import nn

_state = threading.local()  # per worker thread: may the networks run their compiled twin here?


@contextlib.contextmanager
def compiled_networks(enabled: bool = True):
    """Inside, in this thread, a network with a compiled twin runs the twin (when no gradient is wanted)."""
    previous = getattr(_state, "enabled", False)
    _state.enabled = enabled
    try:
        yield
    finally:
        _state.enabled = previous


def attach_compiled_twin(network: nn.Module, threads: int) -> None:
    """Give `network` a compiled twin: inductor with its weights frozen into the graph (constant-folded, packed
    for oneDNN: 1.5x eager at batch 1 on one thread, where unfrozen gave 1.2x), its C++ kernels on `threads`
    threads (a worker's own: kernels sized to every core would oversubscribe them). Compiling happens at the
    twin's first calls: warm it up, then `seal_compiled_twin`."""
    eager = network.forward  # the bound class method: compiling the module itself would call this switch again
    twin = torch.compile(eager, options={"freezing": True, "cpp.threads": threads})

    def forward(*args, **kwargs):
        if getattr(_state, "enabled", False) and not torch.is_grad_enabled():
            return twin(*args, **kwargs)
        return eager(*args, **kwargs)

    def seal() -> None:
        # torch._dynamo.run: the graphs compiled so far, for the inputs their guards accept; anything else (a
        # shape or precision not warmed up) runs eager instead of compiling for seconds inside someone's request
        nonlocal twin
        twin = torch._dynamo.run(eager)

    network.forward = forward
    network.seal_compiled_twin = seal


def remove_compiled_twin(network: nn.Module) -> None:
    """Back to the eager network alone (its compiling failed: no C++ compiler, an unsupported operation)."""
    del network.forward, network.seal_compiled_twin


def has_compiled_twin(network: nn.Module) -> bool:
    return hasattr(network, "seal_compiled_twin")


def seal_compiled_twin(network: nn.Module) -> None:
    """After warm-up: never compile again (see attach_compiled_twin)."""
    network.seal_compiled_twin()
