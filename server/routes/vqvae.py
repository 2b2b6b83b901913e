"""Discrete latents: the VQ-VAE's codebook (each code decoded, and how the held-out digits use it), an
image's token grid, and the Transformer prior writing a grid token by token (streamed, the decoded digit
updating as it goes). The math is models/vqvae's; this module checks, prices and encodes."""

import math
from collections.abc import Iterator
from typing import Annotated

import torch
from fastapi import APIRouter, Query

from models.data import load_digits
from models.registry import LoadedModel
from models.vqvae.quantizer import usage_perplexity
from server.images import image_urls, to_data_url, to_png
from server.openapi import MODEL_WORK, event_stream
from server.params import RunnerDep, draw_label, label_tensor, resolve_seed, to_list
from server.schemas import TokensRequest, TokenStreamQuery
from server.streams import EventStreamResponse

router = APIRouter(prefix="/api/vqvae", tags=["vqvae"])
TOP_CODES = 8  # alternatives shown with each streamed token


@router.get("/{model_id}/codebook", responses=MODEL_WORK)
async def get_codebook(model_id: str, run: RunnerDep):
    """Every code decoded (from a grid filled with it: its texture), how often the 1,000 held-out digits
    choose each, the dead codes (never chosen) and the perplexity exp(H) of that use."""
    model = run.store.require(model_id, "codebook")
    heldout = load_digits("heldout").images.to(run.store.device)

    def work():
        usage = model.module.code_usage(heldout)
        return {"model": model.id, "codes": model.module.codes, "images": image_urls(model.module.codebook_images()),
                "usage": usage.tolist(), "dead": (usage == 0).nonzero()[:, 0].tolist(),
                "perplexity": round(usage_perplexity(usage), 2), "images_counted": len(heldout)}

    return await run(run.price(model, "codebook", model.module.codes + len(heldout)), work)


@router.post("/{model_id}/tokens", responses=MODEL_WORK)
async def get_tokens(model_id: str, req: TokensRequest, run: RunnerDep):
    """An image's 7 x 7 token grid (each place a 4 x 4 patch), its reconstruction from those tokens alone,
    and, under a label for a conditional prior, each token's surprise -log2 p(t_i | t_<i, y) and their sum."""
    store = run.store
    model = store.require(model_id, "tokens")
    labels = label_tensor(model, req.label, 1, store.device, required=False)
    x = await run.image(req.image)
    measured = req.label is not None or "conditional" not in model.capabilities

    def work():
        tokens = model.module.vqvae.tokens(x)
        bits = -model.module.token_log_probs(tokens, labels)[0] / math.log(2) if measured else None
        return {"model": model.id, "label": req.label, "tokens": tokens[0].tolist(),
                "reconstruction": image_urls(model.module.vqvae.decode_tokens(tokens))[0],
                "distinct": int(tokens.unique().numel()),
                "token_bits": None if bits is None else to_list(bits, 3),
                "total_bits": None if bits is None else round(float(bits.sum()), 2)}

    return await run(run.price(model, "tokens", 1), work)


def _token_events(model: LoadedModel, seed: int, label: int | None, temperature: float,
                  steps: Iterator[dict]) -> Iterator[tuple[str, dict]]:
    """`start`, one `token` per written place (with the best alternatives and the digit decoded so far,
    unwritten places shown blank), then `done`."""
    yield "start", {"model": model.id, "seed": seed, "label": label, "temperature": temperature, "grid": 7,
                    "codes": model.module.codes}
    tokens = None
    for step in steps:
        tokens, probs = step["tokens"], step["probs"][0]
        top = probs.topk(TOP_CODES)
        entropy = -float((probs * probs.clamp_min(1e-12).log2()).sum())
        yield "token", {"index": step["index"], "row": step["row"], "col": step["col"],
                        "token": int(tokens[0, step["row"], step["col"]]),
                        "top": [[int(c), round(float(p), 4)] for p, c in zip(top.values, top.indices)],
                        "entropy_bits": round(entropy, 3),
                        "image": to_data_url(to_png(model.module.vqvae.decode_tokens(tokens)[0]))}
    yield "done", {"seed": seed, "label": label, "tokens": tokens[0].tolist(),
                   "image": to_data_url(to_png(model.module.vqvae.decode_tokens(tokens)[0]))}


@router.get("/{model_id}/stream", response_class=EventStreamResponse, status_code=200,
            responses=event_stream(["start", "token", "done", "error"],
                                   "`start` ({model, seed, label, temperature, grid, codes}), one `token` per place in "
                                   "raster order ({index, row, col, token, top: [[code, p]], entropy_bits, image}), "
                                   "then `done` ({seed, label, tokens, image}); `error` ({detail}) at the deadline"))
async def stream_tokens(model_id: str, run: RunnerDep, req: Annotated[TokenStreamQuery, Query()]):
    """Server-Sent Events: the prior writes one grid token by token, each from p(t_i | t_<i, y) at the
    temperature; the writing stops when the client goes away."""
    store = run.store
    model = store.require(model_id, "token_stream")
    seed = resolve_seed(req.seed)
    g = store.generator(seed)
    label = draw_label(run, model, req.label, g)
    labels = None if label is None else torch.tensor([label], device=store.device)
    steps = model.module.token_steps(1, g, labels, req.temperature)  # lazy: runs per event
    return await run.stream(run.price(model, "sample", 1), _token_events(model, seed, label, req.temperature, steps))
