"""The same registry code against a real ``mlflow server`` on a loopback port (``MODOPS_TRACKING_URI``).

``mlflow server`` needs the full ``mlflow`` package (Flask, graphene, the UI), which the core
``mlflow-skinny`` lacks. Installing it into the project venv would downgrade pyarrow and
python-dateutil, so unless the current interpreter can already serve, the test builds a separate
venv once under ``$MODOPS_TEST_CACHE`` (default ``~/.cache/modops``) and starts the server from it.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modops import registry
from modops.config import get_settings, reset_settings
from modops.errors import NotFoundError
from tests.registry.kwdetector import NAME

Bundle = Callable[..., Path]


def _cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "modops"
    return Path(os.environ.get("MODOPS_TEST_CACHE", default))


def _mlflow_server_executable() -> Path:
    """An ``mlflow`` CLI that can serve: this venv's if it has the server deps, else a cached venv."""
    if importlib.util.find_spec("flask") and importlib.util.find_spec("graphene"):
        return Path(sys.executable).parent / "mlflow"
    import mlflow

    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    venv = cache / f"mlflow-server-{mlflow.__version__}"
    with (cache / "mlflow-server.lock").open("a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # xdist workers build it once
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            res = subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"mlflow=={mlflow.__version__}"],
                capture_output=True,
                text=True,
                timeout=900,
            )
            if res.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                tail = (res.stderr or res.stdout).strip().splitlines()[-1:]
                pytest.skip(f"cannot install mlflow=={mlflow.__version__} for the server venv: {tail}")
            (venv / ".complete").touch()
    return venv / "bin" / "mlflow"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _mlflow_server(root: Path) -> Iterator[tuple[str, Path]]:
    """Start ``mlflow server`` (SQLite backend, proxied artifacts in ``root``); always stop it."""
    exe = _mlflow_server_executable()
    port = _free_port()
    artifacts = root / "artifacts"
    root.mkdir(parents=True, exist_ok=True)
    log_path = root / "server.log"
    cmd = [
        str(exe), "server",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--backend-store-uri", f"sqlite:///{root / 'server.db'}",
        "--artifacts-destination", str(artifacts),
        "--serve-artifacts",
        "--workers", "1",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MODOPS_"))}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise AssertionError(
                    f"mlflow server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"mlflow server not ready after 180 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, artifacts
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@pytest.mark.slow
def test_register_promote_resolve_through_a_real_mlflow_server(
    modops_home: Path, make_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _mlflow_server(tmp_path / "server") as (url, artifacts):
        monkeypatch.setenv("MODOPS_TRACKING_URI", url)
        reset_settings()
        assert get_settings().resolved_tracking_uri == url

        info = registry.log_training_run(
            NAME, make_bundle("kw-1", keywords=("alpha",)), {"C": 1}, {"f1": 0.5}, "ds-test"
        )
        assert info.model_version == "1"
        assert registry.register_bundle(NAME, make_bundle("kw-2", keywords=("beta",))) == "2"
        registry.promote(NAME, "1", reason="initial", actor="ci")
        rec = registry.promote(NAME, "2", reason="better", evaluation_run_id=info.run_id, actor="ci")
        assert rec.previous_version == "1"
        assert registry.champion_versions() == {NAME: "2"}

        bundle = registry.resolve_bundle(NAME)
        assert bundle == modops_home / "cache" / NAME / "2" / "artifacts" / "bundle"
        from modops.detectors.loading import load_bundle

        detector = load_bundle(bundle)
        assert [f.explanation["keyword"] for f in detector.analyze(["beta alpha"])[0]] == ["beta"]

        assert registry.rollback(NAME, reason="regression").version == "1"
        described = registry.describe(NAME)
        assert described["aliases"] == {"champion": "1"}
        assert [e["action"] for e in described["history"]] == ["promote", "promote", "rollback"]
        assert described["versions"][0]["metrics"] == {"f1": 0.5}
        assert described["versions"][0]["source"].startswith("mlflow-artifacts:")
        assert [m["name"] for m in registry.list_models()] == [f"modops-{NAME}"]
        with pytest.raises(NotFoundError):
            registry.describe("ghost")

        # Artifacts went to the server's store, not to the local home.
        assert len(list(artifacts.rglob("MLmodel"))) == 2
        assert not (modops_home / "mlflow.db").exists()
        assert not (modops_home / "mlartifacts").exists()
