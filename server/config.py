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
    # The execution path (server/execution.py; docs/execution.md explains each one).
    inference_slots: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)  # heavy lane
    light_slots: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)  # cheap requests' own lane
    client_slots: int | None = Field(None, ge=1, le=64)  # slots one client may hold per lane; default half
    client_queue: int = Field(16, ge=0, le=256)  # requests one client may have waiting per lane before 429
    slot_wait_seconds: float = Field(2.0, ge=0, le=30)  # how long a request may wait for a slot before 503
    retry_after_seconds: int = Field(2, ge=1, le=600)
    max_request_seconds: float = Field(30.0, gt=0, le=3600)  # budget: estimated compute of one request
    light_request_seconds: float = Field(0.25, ge=0, le=60)  # at most this estimate: the light lane
    deadline_seconds: float = Field(60.0, gt=0, le=3600)  # work still running then is stopped
    stream_write_timeout_seconds: float = Field(5.0, gt=0, le=300)  # a stream reader slower than this is dropped
    stream_keepalive_seconds: float = Field(5.0, gt=0, le=300)  # comment line when no event for this long
    upload_decoders: int = Field(2, ge=1, le=64)  # image uploads decoded at once (bounds their memory)
    torch_threads: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    max_batch: int = Field(64, ge=1, le=64)  # may lower the API's n <= 64
    max_body_bytes: int = Field(2_000_000, ge=1024, le=2_000_000)
    # Host headers answered (others get 400: DNS rebinding); GENLAB_ALLOWED_HOSTS='["lab.example.org"]'.
    # "testserver" is the host of Starlette's TestClient.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "[::1]", "testserver"],
                                     min_length=1)
