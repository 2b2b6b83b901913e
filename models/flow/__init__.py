"""Normalizing flow: invertible layers (layers.py), the multi-scale model (model.py), its recipe (train.py)."""

from models.flow.model import Flow, FlowConfig

__all__ = ["Flow", "FlowConfig"]
