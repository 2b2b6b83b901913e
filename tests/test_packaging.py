"""The wheel on its own: built from the checkout's files, installed (not editable) into a fresh virtual
environment, run from outside the checkout, `genlab serve` serves every shipped model, the pages and the
static files, and reads them from the installed package (server/share/), not from this repository.

The fresh environment borrows this one's dependencies through a .pth file, so no torch is downloaded; only
genlab itself is installed there, from the wheel, with --no-deps."""

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from server.spawn import free_port

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in (REPO / "checkpoints").glob("*.json"))


def _checkout_copy(dest: Path) -> Path:
    """The files a clone of the working tree would hold (tracked or new, never ignored), so the build sees
    neither build/ nor *.egg-info of earlier builds, and runs beside other builds of the same checkout."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():  # a tracked file deleted in the working tree is not there
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


def _pip(python: Path | str, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "-q", "--disable-pip-version-check", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = _checkout_copy(tmp / "src")
    _pip(sys.executable, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp / "dist"), str(src))
    return next((tmp / "dist").glob("genlab-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A virtual environment holding genlab from the wheel; its other packages are this environment's."""
    env = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "genlab-test-deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    # --ignore-installed: the borrowed site-packages holds the editable genlab, which pip must not count as installed
    _pip(python, "install", "--no-deps", "--no-index", "--ignore-installed", str(wheel))
    return env


def test_wheel_holds_every_package_and_the_shared_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.parent.relative_to(REPO)) for top in ("models", "server") for p in (REPO / top).rglob("__init__.py")}
    assert {f"{p}/__init__.py" for p in packages} <= names
    assert {f"server/share/checkpoints/{m}.{ext}" for m in SHIPPED for ext in ("json", "safetensors")} <= names
    assert {"server/share/templates/base.html", "server/share/static/vendor/swagger-ui/swagger-ui-bundle.js",
            "models/assets/mnist.npz", "genlab-0.1.0.dist-info/licenses/LICENSE"} <= names
    assert any(n.startswith("server/share/checkpoints/films/") for n in names)
    assert not any(n.startswith(("tests/", "runs/", "docs/")) or "__pycache__" in n for n in names)


def test_installed_genlab_serves_from_the_package(installed, tmp_path):
    genlab = installed / "bin" / "genlab"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENLAB_", "PYTHON"))}
    env |= {"GENLAB_TORCH_THREADS": "1"}
    share = subprocess.run([installed / "bin" / "python", "-c", "from server.config import REPO_ROOT; print(REPO_ROOT)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(share).is_relative_to(installed) and Path(share).name == "share"
    version = subprocess.run([genlab, "--version"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "genlab 0.1.0"

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    server = subprocess.Popen([genlab, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        ready = _wait_ready(url, server, log)
        assert ready == {**ready, "ready": True, "models": len(SHIPPED), "failed": []}
        models = httpx.get(f"{url}/api/models", timeout=10).json()["models"]
        assert sorted(m["id"] for m in models) == SHIPPED
        for path in ("/", "/vae", "/docs", "/static/css/genlab.css", "/static/vendor/redoc/redoc.standalone.js",
                     "/api/models/dcgan-mnist/film"):
            assert httpx.get(f"{url}{path}", timeout=30).status_code == 200, path
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_ready(url: str, server: subprocess.Popen, log: Path, seconds: float = 90) -> dict:
    """/readyz's body once it answers 200; the server's log in the failure if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"genlab serve exited {server.returncode}: {log.read_text()[-3000:]}")
        try:
            response = httpx.get(f"{url}/readyz", timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"not ready after {seconds} s: {log.read_text()[-3000:]}")
