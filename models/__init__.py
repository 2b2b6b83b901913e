"""genlab's model code: pure PyTorch (networks, samplers, training, metrics); no web code here."""
