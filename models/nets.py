"""Shared network blocks for 28x28 digits: a conv encoder and a transposed-conv decoder to and from a vector,
and a pair to and from a 7 x 7 grid of patch codes (the first stage of latent diffusion and of the VQ-VAE)."""

from torch import nn


class ConvEncoder(nn.Module):
    """(B, 1, 28, 28) -> (B, hidden): two stride-2 convs, then a dense layer."""

    def __init__(self, hidden: int = 256, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.SiLU(),  # (B, w, 14, 14)
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.SiLU(),  # (B, 2w, 7, 7)
            nn.Flatten(), nn.Linear(2 * width * 49, hidden), nn.SiLU(),
        )

    def forward(self, x):
        return self.net(x)


class ConvDecoder(nn.Module):
    """(B, in_dim) -> (B, 1, 28, 28) logits: a dense layer, then two stride-2 transposed convs.

    With cond_dim > 0 a condition (e.g. a one-hot label) also adds a learned per-channel bias to
    the 7x7 and 14x14 feature maps, so the label steers every stage and not only the input layer."""

    def __init__(self, in_dim: int, hidden: int = 256, width: int = 32, cond_dim: int = 0):
        super().__init__()
        self.cond = nn.ModuleDict({"4": nn.Linear(cond_dim, 2 * width), "5": nn.Linear(cond_dim, width)}) if cond_dim else None
        self.net = nn.Sequential(
            nn.Linear(in_dim, hidden), nn.SiLU(),
            nn.Linear(hidden, 2 * width * 49), nn.SiLU(),
            nn.Unflatten(1, (2 * width, 7, 7)),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.SiLU(),  # (B, w, 14, 14)
            nn.ConvTranspose2d(width, 1, 4, 2, 1),  # (B, 1, 28, 28)
        )

    def forward(self, z, cond=None):
        if self.cond is None:
            return self.net(z)
        h = z
        for i, layer in enumerate(self.net):
            h = layer(h)
            if str(i) in self.cond:  # after the unflatten (7x7) and the first transposed conv (14x14)
                h = h + self.cond[str(i)](cond)[:, :, None, None]
        return h


def patch_encoder(width: int, out_channels: int) -> nn.Sequential:
    """(B, 1, 28, 28) -> (B, out_channels, 7, 7): each output position sees mostly its own 4 x 4 patch."""
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.SiLU(),
        nn.Conv2d(width, width, 4, stride=2, padding=1), nn.SiLU(),  # 14 x 14
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.SiLU(),  # 7 x 7
        nn.Conv2d(2 * width, out_channels, 3, padding=1))


def patch_decoder(width: int, in_channels: int) -> nn.Sequential:
    """(B, in_channels, 7, 7) -> (B, 1, 28, 28) logits."""
    return nn.Sequential(
        nn.Conv2d(in_channels, 2 * width, 3, padding=1), nn.SiLU(),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.SiLU(),  # 14 x 14
        nn.ConvTranspose2d(width, width, 4, stride=2, padding=1), nn.SiLU(),  # 28 x 28
        nn.Conv2d(width, 1, 3, padding=1))
