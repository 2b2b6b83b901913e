"""Start a real uvicorn process (for benches and tests): real HTTP, real sockets, the app as users run it."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from server.config import REPO_ROOT as REPO
from server.config import Settings
from server.connections import UVICORN_HTTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _protocol(code: Path) -> list[str]:
    """The HTTP protocol `genlab serve` runs (server/connections.py), where that checkout has it: an earlier version
    for a before/after bench runs as it ran."""
    return ["--http", UVICORN_HTTP] if (code / "server" / "connections.py").exists() else []


@contextlib.contextmanager
def uvicorn_server(checkpoint_dir: Path, env: dict[str, str] | None = None, ready_status: int = 200,
                   start_seconds: float = 90, code: Path = REPO) -> Iterator[tuple[str, subprocess.Popen]]:
    """A uvicorn process serving `checkpoint_dir` with GENLAB_* overrides in `env`, its idle connections kept as
    `genlab serve` keeps them; yields (base URL, process).
    `code` is the checkout whose server runs (another one: an earlier version, for before/after benches).

    It waits until /readyz answers `ready_status` (200 once models are loaded)."""
    port = free_port()
    full_env = {**os.environ, "GENLAB_CHECKPOINT_DIR": str(checkpoint_dir), **(env or {})}
    keep_alive = full_env.get("GENLAB_KEEP_ALIVE_SECONDS", str(Settings.model_fields["keep_alive_seconds"].default))
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                             "--timeout-keep-alive", keep_alive, *_protocol(code)],
                            cwd=code, env=full_env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == ready_status:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited during start-up with code {proc.returncode}")
            time.sleep(0.2)
        else:
            raise RuntimeError(f"uvicorn did not become ready in {start_seconds} s")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
