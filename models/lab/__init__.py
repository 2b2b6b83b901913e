"""Live lab: small models trained live on 2-D toys or a drawn distribution, stepped by a caller, drawn as frames.

session.py holds the Session (data + model + optimizers + controls + frames); gan2d, vae2d, flow2d and
diffusion2d are the families; presets.py the recipes that break and fix them; metrics.py the honest
figures (mode coverage, MMD). No web code and no threads: the transport lives in server/."""

from models.lab.params import COMMON
from models.lab.presets import PRESETS
from models.lab.session import DRAWN, FAMILIES, Session

__all__ = ["COMMON", "DRAWN", "FAMILIES", "PRESETS", "Session"]
