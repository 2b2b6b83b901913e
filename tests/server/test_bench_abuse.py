"""`genlab bench abuse` for a few seconds against tiny models: the report has every figure, and they are plausible."""

import pytest

from server.bench_abuse import AbuseModels, format_report, run_abuse
from server.spawn import uvicorn_server
from tests.conftest import write_tiny_checkpoints

TINY = AbuseModels(vae="tiny-vae", gan="tiny-gan", ddpm="tiny-ddpm", max_steps=50)
CAP = 16  # connections one address may hold (GENLAB_CLIENT_CONNECTIONS), low enough to reach in 5 s


def test_abuse_bench_reports_every_figure(tmp_path):
    write_tiny_checkpoints(tmp_path)
    with uvicorn_server(tmp_path, env={"GENLAB_CLIENT_CONNECTIONS": str(CAP)}) as (url, proc):
        report = run_abuse(url, TINY, seconds=5, think=0.25, pid=proc.pid)
    polite = report["well_behaved"]
    assert polite["requests"] >= 16 and 0 < polite["p50_ms"] <= polite["p99_ms"] < 60_000
    assert 0 <= polite["busy"] <= polite["requests"] and polite["busy_share"] == polite["busy"] / polite["requests"]
    assert {"max-cost", "just-under", "slow-sse"} <= report["hostile"].keys()
    assert any(kind.startswith("upload") for kind in report["hostile"])
    hoard = report["hostile"]["hoard"]  # one address opening 20 connections a second: the server keeps CAP
    assert hoard["held at the end"] == CAP and hoard["HTTP/1.1 503"] >= 2 * CAP
    assert 1 <= report["just_under_steps"] <= TINY.max_steps
    assert 0.05 < report["peak_rss_gb"] < 64 and report["machine"]["gflops"] > 0
    assert report["slots_free_seconds"] is not None and report["slots_free_seconds"] >= 0  # /readyz reports slots
    assert report["health"]["probes"] >= 10 and 0 < report["health"]["p50_ms"] <= report["health"]["p99_ms"]
    text = format_report(report)
    assert "p99" in text and "peak RSS" in text and "slots recovered" in text and "/healthz" in text


@pytest.mark.parametrize("url", ["http://10.0.0.1:8000", "http://example.org", "http://[::1]:8000"])
def test_abuse_bench_refuses_anything_but_ipv4_loopback(url):
    with pytest.raises(SystemExit, match="loopback"):
        run_abuse(url, TINY, seconds=1, think=0)
