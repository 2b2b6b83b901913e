"""`genlab bench concurrent` must measure computation, not the server's memory of earlier answers."""

from collections import Counter

from server import bench_concurrency


def test_each_run_asks_for_seeds_no_earlier_run_asked_for(monkeypatch):
    """Run twice against one server (`--url`), it once reported 1,232 images/s: the second run's fixed seeds were
    all answered from the result store. Every measured request now has a seed no other request of either run has."""
    asked = []
    monkeypatch.setattr(bench_concurrency, "describe_machine", dict)
    monkeypatch.setattr(bench_concurrency, "_sample", lambda client, model, n, seed: asked.append(seed))
    measured = []
    for _ in range(2):
        bench_concurrency.run_concurrent("http://127.0.0.1:9", "ddpm-mnist", n=4, repeats=3)
        measured += asked[1 + 4:]  # after the warm-up: one 4-image request, then 4 one-image ones
        asked.clear()
    assert len(measured) == 2 * 3 * (4 + 1)
    assert max(Counter(measured).values()) == 1
