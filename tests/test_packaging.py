"""The app installs as a wheel and runs from it alone: the templates, static files, migrations,
reference and demo data travel inside the package, and nothing is read from the source tree.

The wheel is built from this checkout and installed, not editable, into a new virtualenv. Its
dependencies are not fetched again: a .pth file puts this environment's site-packages after the new
one's. Python reads the .pth files of site directories only, not of folders a .pth names, so this
checkout's editable install (its own .pth) stays out, and `app` can only come from the wheel.
"""

from __future__ import annotations

import importlib.util
import os
import site
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import _free_port, _wait_until_up

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None,
    reason="hatchling, the build backend (in the dev extras), is not installed",
)


def _run(
    command: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd, env=env)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def _installed_venv(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    # Offline: hatchling comes from this environment, and the wheel's dependencies are not
    # resolved here but given by the .pth below.
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, ROOT])
    (wheel,) = dist.glob("border_incident_tracker-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel])
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    Path(purelib.strip(), "_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def test_the_wheel_migrates_and_serves_without_the_source_tree(tmp_path: Path) -> None:
    venv = _installed_venv(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "LOG_LEVEL": "warning",
    }

    where = _run(
        [
            venv / "bin" / "python",
            "-c",
            "import app, app.resources; print(app.__file__); print(app.resources.ROOT)",
        ],
        cwd=elsewhere,
        env=env,
    ).split()
    package = venv.resolve() / "lib"
    assert Path(where[0]).resolve().is_relative_to(package), where
    assert Path(where[1]).is_relative_to(package) and Path(where[1]).name == "share", where
    assert Path(where[0]).resolve() != ROOT / "app" / "__init__.py"

    incidents = venv / "bin" / "incidents"
    assert "up to date" in _run([incidents, "migrate"], cwd=elsewhere, env=env)
    assert "Demo data: 10 incidents" in _run([incidents, "demo"], cwd=elsewhere, env=env)

    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [incidents, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", server)
        status, body = _get(f"{base}/healthz")
        assert status == 200 and b'"database":"ok"' in body.replace(b" ", b"")

        status, body = _get(f"{base}/")
        assert status == 200
        assert b"Border Incident Tracker" in body and b"/static/css/app.css" in body

        status, body = _get(f"{base}/incidents")
        assert status == 200 and b"Clashes at Spin Boldak and Chaman" in body

        status, body = _get(f"{base}/sectors")  # the reference data, loaded by migrate
        assert status == 200 and b"Chaman" in body

        status, body = _get(f"{base}/ur/incidents")  # the catalogues travel in the wheel
        assert status == 200 and b'lang="ur"' in body and "واقعات".encode() in body

        status, body = _get(f"{base}/static/css/app.css")
        assert status == 200 and body == (ROOT / "static" / "css" / "app.css").read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
