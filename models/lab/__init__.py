"""Live lab: small models trained live on 2-D toys, a drawn distribution or MNIST, stepped by a caller, drawn as frames.

session.py holds the Session (data + model + optimizers + controls + frames); toys.py and mnist.py the
data it trains on; gan2d, vae2d, flow2d and diffusion2d are the 2-D families, gan_mnist and vae_mnist the
MNIST ones; presets.py the recipes that break and fix them; metrics.py the honest figures (mode coverage,
MMD); export.py and runlog.py what a finished run leaves behind. No web code and no threads: the
transport lives in server/."""

from models.lab.mnist import MNIST
from models.lab.params import COMMON
from models.lab.presets import PRESETS
from models.lab.session import DRAWN, FAMILIES, Session, initial_hp, preset_fits, preset_hp, session_specs

__all__ = ["COMMON", "DRAWN", "FAMILIES", "MNIST", "PRESETS", "Session", "initial_hp", "preset_fits", "preset_hp", "session_specs"]
