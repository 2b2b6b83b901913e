"""Server settings from GENLAB_* environment variables, read when the app is created (never at import)."""

import math
import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where templates/, static/ and checkpoints/ are: server/share/ in an installed wheel (setup.py copies them there),
# else the checkout around server/ (a clone or an editable install).
_PACKAGE = Path(__file__).resolve().parent
REPO_ROOT = _PACKAGE / "share" if (_PACKAGE / "share").is_dir() else _PACKAGE.parent
CGROUP = Path("/sys/fs/cgroup")


def available_cpus(cgroup: Path | None = None) -> int:
    """CPUs this process may keep busy: its affinity mask, capped by a cgroup CPU quota (`docker run --cpus`).

    os.cpu_count() counts the host's cores, so in a container limited to 2 of 64 cores torch would start 64
    threads and spend the quota being throttled. A fractional quota rounds down (1.5 CPUs: 1 thread)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = _cgroup_quota(cgroup or CGROUP)
    return max(1, min(cpus, math.floor(quota))) if quota else cpus


def _cgroup_quota(cgroup: Path) -> float | None:
    """The quota in CPUs: cgroup v2's cpu.max ("max 100000" is none), else v1's cfs_quota_us / cfs_period_us
    (-1 is none); None without either file (no container, or no limit)."""
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota, period = (int((cgroup / "cpu" / f"cpu.cfs_{name}_us").read_text()) for name in ("quota", "period"))
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GENLAB_")

    checkpoint_dir: Path = REPO_ROOT / "checkpoints"
    device: str = "auto"  # "auto" picks CUDA when present
    # The execution path (server/execution.py; docs/execution.md explains each one).
    inference_slots: int = Field(default_factory=lambda: min(available_cpus(), 64), ge=1, le=64)  # heavy lane
    light_slots: int = Field(default_factory=lambda: min(available_cpus(), 64), ge=1, le=64)  # cheap requests' own lane
    client_slots: int | None = Field(None, ge=1, le=64)  # slots one client may hold per lane; default half
    client_queue: int = Field(16, ge=0, le=256)  # requests one client may have waiting per lane before 429
    slot_wait_seconds: float = Field(2.0, ge=0, le=30)  # how long a request may wait for a slot before 503
    retry_after_seconds: int = Field(2, ge=1, le=600)
    max_request_seconds: float = Field(30.0, gt=0, le=3600)  # budget: estimated compute of one request
    light_request_seconds: float = Field(0.25, ge=0, le=60)  # at most this estimate: the light lane
    result_cache_mb: int = Field(64, ge=0, le=65_536)  # answers fixed by their seed, kept per replica; 0: off
    deadline_seconds: float = Field(60.0, gt=0, le=3600)  # work still running then is stopped
    stream_write_timeout_seconds: float = Field(5.0, gt=0, le=300)  # a stream reader slower than this is dropped
    stream_keepalive_seconds: float = Field(5.0, gt=0, le=300)  # comment line when no event for this long
    upload_decoders: int = Field(2, ge=1, le=64)  # image uploads decoded at once (bounds their memory)
    torch_threads: int = Field(default_factory=lambda: min(available_cpus(), 256), ge=1, le=256)  # at start-up
    worker_torch_threads: int = Field(1, ge=1, le=256)  # of each worker thread (server/workers.py): fixed, see there
    # auto: a model draws in bf16 where bf16 is measured faster and its card has a passed check; fp32: never
    inference_precision: Literal["auto", "fp32"] = "auto"
    # checked: the diffusion models whose card has a passed compiled check draw with a compiled network (compiled
    # and warmed at start-up, 5-20 s a model here; models/compiled.py); off: eager everywhere
    compile: Literal["off", "checked"] = "off"
    # An idle HTTP connection is closed after this long: longer than clients and proxies keep one to reuse (httpx 5 s,
    # genlab's nginx 30 s), or their next request races the close and fails (docs/execution.md, "Keep-alive")
    keep_alive_seconds: int = Field(75, ge=1, le=3600)
    client_connections: int = Field(256, ge=1, le=65_536)  # one address's open connections (server/connections.py)
    max_batch: int = Field(64, ge=1, le=64)  # may lower the API's n <= 64
    max_body_bytes: int = Field(2_000_000, ge=1024, le=2_000_000)
    # Host headers answered (others get 400: DNS rebinding); GENLAB_ALLOWED_HOSTS='["lab.example.org"]'.
    # "testserver" is the host of Starlette's TestClient.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "[::1]", "testserver"],
                                     min_length=1)
    # The live lab (server/lab/; docs/lab.md): sessions train in worker processes (or Ray actors), never here.
    lab_sessions: int = Field(default_factory=lambda: min(available_cpus(), 256), ge=0, le=256)  # 0: lab off
    lab_client_sessions: int = Field(2, ge=1, le=256)  # sessions one client may hold at once
    lab_readers: int = Field(8, ge=1, le=64)  # frame streams open on one session (projector + laptops)
    lab_max_steps: int = Field(200_000, ge=1, le=10_000_000)
    lab_max_seconds: float = Field(900.0, gt=0, le=86_400)  # wall clock of one session
    lab_idle_seconds: float = Field(30.0, gt=0, le=3600)  # a session nobody watches ends after this
    lab_memory_mb: int = Field(1500, ge=700, le=1_000_000)  # address-space cap of one worker
    lab_nice: int = Field(10, ge=0, le=19)  # CPU priority of lab workers: inference at 0 gets ~10x their share
    lab_max_fps: float = Field(8.0, gt=0, le=60)  # frames per second at most, per session
    lab_start_seconds: float = Field(60.0, gt=0, le=600)  # a worker that does not open its session by then fails
    # Exported lab runs (default: <checkpoint_dir>/lab-exports): models/ is served like the checkpoints, downloads/
    # holds 2-D runs. Point it elsewhere where the checkpoint directory is read-only (an installed wheel).
    lab_export_dir: Path | None = None
    ray_address: str | None = None  # set: sessions run as Ray actors on that cluster (docs/lab.md)

    @property
    def lab_exports(self) -> Path:
        return self.lab_export_dir or self.checkpoint_dir / "lab-exports"
