"""`genlab train flow`: the multi-scale flow on dequantized digits, minimising bits/dim directly."""

from dataclasses import asdict
from pathlib import Path

import torch

from models.flow.model import Flow, FlowConfig
from models.training import fit, fit_config, make_card, save_trained, start_from


def train_flow(args) -> None:
    config = FlowConfig(steps_per_level=args.steps_per_level, hidden=args.coupling_hidden,
                        checker_hidden=args.coupling_hidden // 4, seed=args.seed)
    torch.manual_seed(args.seed)
    model = Flow(config)
    start_from(args, model)
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    params = sum(p.numel() for p in model.parameters()) / 1e6
    description = (
        f"Multi-scale normalizing flow, {params:.2f}M parameters: {config.checker_steps} checkerboard affine couplings "
        f"at 28x28 (RealNVP, Dinh et al. 2017), then {config.steps_per_level} Glow steps (ActNorm, invertible 1x1 "
        f"convolution, affine coupling; Kingma & Dhariwal 2018) at 14x14 and at 7x7, half the variables leaving "
        "between them under a learned Gaussian. Trained on uniformly dequantized 8-bit digits through a logit "
        f"pre-transform (alpha = {config.alpha:g}, its Jacobian counted) by maximum likelihood: exact bits/dim.")
    save_trained(args, model, make_card(args, "flow", asdict(config), result, description), result)
