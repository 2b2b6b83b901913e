"""Denoising diffusion: schedules, the training process, and samplers (one algorithm per file)."""
