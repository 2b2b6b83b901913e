"""`genlab train pixelcnn`: the class-conditional Gated PixelCNN, by maximum likelihood (bits/dim)."""

from dataclasses import asdict
from pathlib import Path

import torch

from models.autoregressive.model import AutoregressiveConfig, PixelCNN
from models.autoregressive.network import PixelCNNConfig
from models.training import fit, fit_config, make_card, save_trained, start_from


def train_pixelcnn(args) -> None:
    network = PixelCNNConfig(channels=args.width, layers=args.layers, num_classes=10 if args.conditional else 0,
                             dropout=args.dropout)
    config = AutoregressiveConfig(network=asdict(network))
    torch.manual_seed(args.seed)
    model = PixelCNN(config)
    start_from(args, model)
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    params = sum(p.numel() for p in model.parameters()) / 1e6
    description = (
        f"Gated PixelCNN (van den Oord et al. 2016), {params:.2f}M parameters: {network.layers} gated layers of "
        f"{network.channels} channels with vertical and horizontal stacks (no blind spot), a {network.first_kernel}x"
        f"{network.first_kernel} type-A first layer, then {network.kernel}x{network.kernel} type B"
        + (", a class embedding in every gate" if network.num_classes else "")
        + (f", dropout {network.dropout:g} on the gated features while training" if network.dropout else "")
        + f"; each pixel a mixture of {network.mixtures} discretized logistics over the 256 levels "
        "(Salimans et al. 2017). Exact likelihood; sampled pixel by pixel with cached activations.")
    save_trained(args, model, make_card(args, "autoregressive", asdict(config), result, description), result)
