"""Property-based API tests: schemathesis drives a live uvicorn (tiny seeded models) over real HTTP.

Every operation in /openapi.json gets generated requests, valid and invalid (schemathesis's coverage
phase, then 100 fuzzed per operation), and every response must be no 5xx, a documented status, content
type, body schema and headers; invalid input must be refused. API.md's promise "bad input is a 4xx,
never a 5xx" is checked by a machine instead of by the handful of inputs a person thought of.

It runs schemathesis's own runner (`st run`) in a subprocess rather than its pytest plugin: the plugin's
fixture-loaded schemas set `node._nodeid`, which pytest 9.2 no longer has, and a module-level schema
would need the server at import. The runner also deduplicates failures and prints a curl line for each."""

import json
import subprocess
import sys
from pathlib import Path

import httpx

from server.spawn import uvicorn_server
from tests.conftest import write_tiny_checkpoints

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance")
# Invalid input must be refused with one of these: schemathesis's list plus 413, the API's answer to a body over 2 MB.
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

# What a model must be able to do for each route (/api/AREA/{model_id}/ROUTE, keyed AREA/ROUTE) to get past
# 409; a route missing here takes any model.
ROUTE_NEEDS = {
    "models/sample": {"sample"}, "models/encode": {"encode"}, "models/decode": {"decode"},
    "models/reconstruct": {"encode", "decode"}, "models/interpolate": {"decode"}, "models/traverse": {"decode"},
    "models/latent-map": {"latent_map"}, "models/log-prob": {"log_prob"}, "models/trajectory": {"trajectory"},
    "models/trajectory/stream": {"trajectory"}, "models/inpaint": {"inpaint"}, "models/noise": {"noise"},
    "models/invert": {"invert"}, "models/discriminate": {"discriminate"}, "models/film": {"film"},
    "flow/encode": {"invertible"}, "flow/interpolate": {"invertible"}, "flow/layers": {"layer_view"},
    "pixelcnn/stream": {"pixel_stream"}, "pixelcnn/complete": {"complete"}, "pixelcnn/heatmap": {"pixel_log_prob"},
    "score2d/field": {"score_field"}, "score2d/langevin": {"langevin_2d"}, "score2d/langevin/stream": {"langevin_2d"},
    "vqvae/codebook": {"codebook"}, "vqvae/tokens": {"tokens"}, "vqvae/stream": {"token_stream"},
    "ncsn/same-object": {"image_score"}, "ncsn/langevin/stream": {"image_score"},
    "models/project": {"project"}, "quiz/answers": {"sample"},
}
OTHER_MODEL_FIELDS = {"ncsn/same-object": ("diffusion", {"noise"})}  # a body field naming a second model
MODEL_ID_HIT_RATE = 0.9  # the rest are generated strings, so the 404 path is exercised too
REAL_DIGIT_RATE = 0.5  # of image fields: the rest are generated strings and pixel lists, mostly refused
STREAM = {"request-timeout": 5, "max-stream-events": 4}  # read a few SSE events, then hang up


def _bindings(models: list[dict], digits: list[str]) -> dict:
    """`model_id` drawn from real ids: per route the models that can serve it plus one that cannot (409);
    image fields often a real digit. Left to itself schemathesis would send random strings, and every
    route would stop at 404 or at the image decoder."""
    dictionaries = {"any-model": {"values": [m["id"] for m in models]}, "digit": {"values": digits}}
    operations = []
    for route, needs in ROUTE_NEEDS.items():
        able = [m["id"] for m in models if needs <= set(m["capabilities"])]
        unable = [m["id"] for m in models if not needs <= set(m["capabilities"])]
        assert able, f"no tiny model can serve {route}: the test would never get past 409"
        dictionaries[route] = {"values": able + unable[:1]}
        area, action = route.split("/", 1)
        parameters = {"path.model_id": {"dictionary": route, "probability": MODEL_ID_HIT_RATE}}
        if route in OTHER_MODEL_FIELDS:
            field, other_needs = OTHER_MODEL_FIELDS[route]
            dictionaries[f"{route}:{field}"] = {"values": [m["id"] for m in models if other_needs <= set(m["capabilities"])]}
            parameters[f"body.{field}"] = {"dictionary": f"{route}:{field}", "probability": MODEL_ID_HIT_RATE}
        operations.append({"include-path-regex": f"/api/{area}/[^/]+/{action}$",
                           **(STREAM if action.endswith("stream") else {}), "parameters": parameters})
    images = {f"body.{field}": {"dictionary": "digit", "probability": REAL_DIGIT_RATE}
              for field in ("image", "start.image", "end.image")}
    return {"dictionaries": dictionaries, "operations": operations,
            "parameters": {"path.model_id": {"dictionary": "any-model", "probability": MODEL_ID_HIT_RATE}, **images}}


def _config(models: list[dict], digits: list[str]) -> dict:
    return {
        "seed": 12,  # CI replays the same requests; change it locally to explore elsewhere
        "continue-on-failure": True,  # every operation gets its full budget, not one failure each
        "request-timeout": 30,
        "generation": {"mode": "all", "max-examples": 100, "database": "none"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS},
                   "negative_data_rejection": {"enabled": True, "expected-statuses": REFUSALS}},
        # Every link between operations is inferred and none is a real resource flow (nothing one call
        # creates is used by another), so stateful chains would re-send fuzzing's requests for a third of the time.
        "phases": {"stateful": {"enabled": False}},
        **_bindings(models, digits),
    }


def _toml(value) -> str:
    """JSON scalars and inline tables are TOML; enough for a config without dates."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def _run_schemathesis(url: str, workdir: Path) -> dict:
    """`st run` against the live server; its console report goes to stdout (pytest shows it on failure)."""
    models = httpx.get(f"{url}/api/models", timeout=10).json()["models"]
    digits = [d["image"] for d in httpx.get(f"{url}/api/data/digits", params={"n": 3, "seed": 0}, timeout=10).json()["digits"]]
    config, report = workdir / "schemathesis.toml", workdir / "report.json"
    config.write_text("\n".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in _config(models, digits).items()))
    run = subprocess.run([sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
                          "run", f"{url}/openapi.json", "--report", "json",
                          "--report-json-path", str(report)],
                         check=False, cwd=workdir, capture_output=True, text=True, timeout=600)
    print(run.stdout, run.stderr)
    assert report.exists(), f"schemathesis did not run (exit {run.returncode}): {run.stderr[-2000:]}"
    return json.loads(report.read_text())


def test_api_conforms_to_its_schema(tmp_path):
    write_tiny_checkpoints(tmp_path)
    # one torch thread leaves a core to schemathesis; spare slots for streams it hangs up on mid-way
    # lab workers at normal priority, so that one starts well within schemathesis's 30 s request timeout even on a
    # busy machine (at the default nice 10 a start could take longer, and its 503 counts as a server error)
    env = {"GENLAB_INFERENCE_SLOTS": "4", "GENLAB_TORCH_THREADS": "1", "GENLAB_LAB_START_SECONDS": "25",
           "GENLAB_LAB_NICE": "0"}
    with uvicorn_server(tmp_path, env=env) as (url, _):
        report = _run_schemathesis(url, tmp_path)
    assert report["operations"], "schemathesis could not load /openapi.json: its output (captured stdout) says why"
    assert report["operations"]["tested"] == report["operations"]["total"] > 0
    failures = [f"{f['code']} {f['title']} ({f['count']}): {', '.join(f['operations'])}" for f in report["failures"]]
    errors = [json.dumps(e)[:300] for e in report["errors"]]
    assert not failures + errors, "\n".join(failures + errors) + "\n(curl reproductions: captured stdout)"
