"""Server settings from GENLAB_* environment variables, read when the app is created (never at import)."""

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GENLAB_")

    checkpoint_dir: Path = REPO_ROOT / "checkpoints"
    device: str = "auto"  # "auto" picks CUDA when present
    inference_slots: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    slot_wait_seconds: float = Field(2.0, ge=0, le=30)  # how long a request may wait for a slot before 503
    retry_after_seconds: int = Field(2, ge=1, le=600)
    torch_threads: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    max_batch: int = Field(64, ge=1, le=64)  # may lower the API's n <= 64
    max_body_bytes: int = Field(2_000_000, ge=1024, le=2_000_000)
    # Host headers answered (others get 400: DNS rebinding); GENLAB_ALLOWED_HOSTS='["lab.example.org"]'.
    # "testserver" is the host of Starlette's TestClient.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "[::1]", "testserver"],
                                     min_length=1)
