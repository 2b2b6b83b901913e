"""`genlab bench lecture` for a few seconds against tiny models: every request kind of the pages' mix is sent,
answered without errors by an otherwise idle server, streams' first frames are timed, and the report says it."""

from server.bench_lecture import LectureModels, format_report, run_lecture
from server.spawn import uvicorn_server
from tests.conftest import write_tiny_checkpoints

TINY = LectureModels(vae="tiny-vae", gan="tiny-gan", ddpm="tiny-ddpm", latent_dim=2, stream_steps=5)


def test_lecture_bench_sends_the_whole_mix_and_reports_every_figure(tmp_path):
    write_tiny_checkpoints(tmp_path)
    with uvicorn_server(tmp_path) as (url, proc):
        report = run_lecture(url, TINY, seconds=6, clients=12, think=0.2, pid=proc.pid)
    assert len(report["kinds"]) == 9, sorted(report["kinds"])  # every kind drawn at least once
    assert report["errors"] == 0 and report["requests"] == sum(k["requests"] for k in report["kinds"].values())
    assert 0 < report["light"]["p50_ms"] <= report["light"]["p99_ms"]
    streams = report["kinds"]["trajectory stream"]["requests"]
    assert report["first_frame"]["streams"] == streams - report["kinds"]["trajectory stream"]["busy"]
    assert 0.05 < report["peak_rss_gb"] < 64 and report["machine"]["gflops"] > 0
    text = format_report(report)
    assert "first SSE frame" in text and "peak RSS" in text and "grid, shared permalink" in text
