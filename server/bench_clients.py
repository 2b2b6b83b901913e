"""What the benches' client processes share: a client bound to its own loopback address, the loopback guard,
how one request ended, the machine line printed beside every figure, percentiles and peak memory.

Each simulated student or attacker sends from its own 127.x address, so the server's per-address fairness
sees distinct users, and no bench may send its traffic anywhere but this machine."""

import ipaddress
import os
import statistics
from pathlib import Path
from urllib.parse import urlsplit

import httpx

JSON = {"Content-Type": "application/json"}
POLITE_TIMEOUT = 10.0  # seconds; a well-behaved request slower than this counts as a failure


def loopback_client(url: str, address: str, timeout: float | httpx.Timeout = POLITE_TIMEOUT) -> httpx.Client:
    """A client whose requests come from `address` (a 127.x address): to the server, one distinct user."""
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


def require_loopback(url: str) -> None:
    """The bench sends hostile traffic: it may only ever reach this machine."""
    try:
        loopback = ipaddress.IPv4Address(urlsplit(url).hostname or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"--url must be an IPv4 loopback address such as http://127.0.0.1:8000, not {url}")


def request_outcome(send, *args, **kwargs) -> str:
    """'ok', 'busy' (503 with Retry-After: the polite refusal) or what went wrong: the status, a timeout, or the
    connection error's class and message (a reset and a truncated body are different faults)."""
    try:
        response = send(*args, **kwargs)
    except httpx.TimeoutException:
        return "timeout"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    if response.status_code == 503 and "retry-after" in response.headers:
        return "busy"
    return "ok" if response.is_success else f"http {response.status_code}"


def describe_machine() -> dict:
    """Capability, cores and measured fp32 matmul rate: every printed figure needs the machine beside it."""
    import torch

    from models.bench import matmul_flops_per_second

    return {"cpu": torch.backends.cpu.get_cpu_capability(), "cores": os.cpu_count(),
            "gflops": matmul_flops_per_second() / 1e9}


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile, inclusive method (a single value is its own percentile)."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def peak_rss_gb(pid: int | None) -> float | None:
    """The process's high-water resident memory (VmHWM), in GiB."""
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20
    return None
