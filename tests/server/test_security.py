"""Security headers on every kind of response, the Host allow-list, and /docs + /redoc built from
vendored assets only (the browser side is tests/browser/test_docs.py)."""

import re

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import Settings

HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    return dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))


def assert_secured(response, redoc: bool = False) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    csp = policy(response)
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp.get("script-src", "") and "unsafe-eval" not in csp.get("script-src", "")
    assert ("unsafe-inline" in csp.get("style-src", "")) == redoc  # only ReDoc needs inline styles


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("GET", "/api/models", None, 200),                                # JSON
    ("GET", "/vae", None, 200),                                       # HTML
    ("GET", "/static/css/genlab.css", None, 200),                     # static file
    ("GET", "/docs", None, 200),
    ("GET", "/openapi.json", None, 200),
    ("GET", "/api/models/no-such-model", None, 404),                  # route's 404
    ("GET", "/no/such/page", None, 404),                              # router's 404
    ("POST", "/api/models/tiny-vae/sample", {"n": 0}, 422),           # validation error
    ("GET", "/api/models/tiny-vae/trajectory/stream", None, 409),     # missing capability
])
def test_every_response_carries_the_security_headers(client, method, path, body, status):
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert_secured(response)


def test_redoc_alone_may_use_inline_styles_and_a_blob_worker(client):
    response = client.get("/redoc")
    assert response.status_code == 200
    assert_secured(response, redoc=True)
    assert "blob:" in policy(response)["worker-src"]
    assert "worker-src" not in policy(client.get("/docs"))  # elsewhere workers fall back to 'self'


def test_oversized_body_refusal_carries_the_headers(client):
    response = client.post("/api/models/tiny-vae/sample", content=b"x" * 2_000_001,
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert_secured(response)


def test_server_sent_events_still_stream_with_the_headers(client):
    with client.stream("GET", "/api/models/tiny-ddpm/trajectory/stream?n=1&seed=1&steps=4&every=2") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert_secured(r)
        events = [line.split(": ", 1)[1] for line in r.iter_lines() if line.startswith("event: ")]
    assert events == ["start"] + ["step"] * 3 + ["done"]  # steps 0, 2 and the last (3)


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.2:8000", "localhost.evil.example"])
def test_an_untrusted_host_header_gets_400_with_the_headers(client, host):
    response = client.get("/api/models", headers={"host": host})
    assert response.status_code == 400 and "GENLAB_ALLOWED_HOSTS" in response.json()["detail"]  # the one error shape
    assert_secured(response)


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8765", "[::1]:8000", "testserver"])
def test_local_hosts_are_trusted_by_default(client, host):
    assert client.get("/healthz", headers={"host": host}).status_code == 200


def test_allowed_hosts_come_from_a_json_list_in_the_environment(monkeypatch, tiny_dir):
    monkeypatch.setenv("GENLAB_ALLOWED_HOSTS", '["lab.example.org"]')
    settings = Settings(checkpoint_dir=tiny_dir, inference_slots=1, torch_threads=1)
    assert settings.allowed_hosts == ["lab.example.org"]
    with TestClient(create_app(settings), base_url="http://lab.example.org") as lab:
        assert lab.get("/healthz").status_code == 200
        assert lab.get("/healthz", headers={"host": "localhost"}).status_code == 400


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_load_only_vendored_assets_and_no_inline_script(client, path):
    html = client.get(path).text
    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assets = [u for u in urls if u != "data:,"]  # the empty favicon
    assert assets and all(u.startswith("/static/") for u in assets), urls
    for url in assets:
        assert client.get(url).status_code == 200, url
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts), scripts
    assert "/openapi.json" in html


def test_fastapi_default_docs_are_replaced(client):
    assert "cdn.jsdelivr.net" not in client.get("/docs").text + client.get("/redoc").text
    assert client.get("/docs/oauth2-redirect").status_code == 404
    paths = client.get("/openapi.json").json()["paths"]
    assert "/docs" not in paths and "/redoc" not in paths
