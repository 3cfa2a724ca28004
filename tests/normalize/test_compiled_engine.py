"""The mypyc-compiled engine is used only when it was built from the current ``engine.py``.

Each case runs a fresh interpreter on a copy of the ``modops.normalize`` package, so the loader
sees the files as an installed package would.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import modops
import modops.normalize
import modops.normalize.engine

SRC = Path(modops.__file__).resolve().parent
PROBE = (
    "import json, warnings\n"
    "warnings.simplefilter('always')\n"
    "with warnings.catch_warnings(record=True) as caught:\n"
    "    import modops.normalize as n\n"
    "    import modops.normalize.engine as e\n"
    "print(json.dumps({'compiled': n.ENGINE_COMPILED, 'file': e.__file__, 'out': n.Normalizer().normalize('k1ll ur$elf').normalized,"
    " 'warnings': [str(w.message) for w in caught]}))\n"
)


def _package_copy(tmp: Path, compiled: bool) -> Path:
    root = tmp / "site"
    pkg = root / "modops"
    (pkg / "normalize").mkdir(parents=True)
    for name in ("__init__.py", "errors.py", "caches.py"):  # what modops.normalize imports
        shutil.copy(SRC / name, pkg / name)
    for item in (SRC / "normalize").iterdir():
        if item.name == "__pycache__" or (not compiled and item.suffix == ".so"):
            continue
        if item.is_dir():
            shutil.copytree(item, pkg / "normalize" / item.name)
        else:
            shutil.copy(item, pkg / "normalize" / item.name)
    return pkg / "normalize"


def _probe(root: Path, **env: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_pure_python_engine_when_nothing_was_compiled(tmp_path: Path) -> None:
    pkg = _package_copy(tmp_path, compiled=False)
    got = _probe(pkg.parent.parent)
    assert got["compiled"] is False and str(got["file"]).endswith("engine.py")
    assert got["out"] == "kill yourself" and got["warnings"] == []


compiled_here = not str(modops.normalize.engine.__file__).endswith(".py")
needs_build = pytest.mark.skipif(not compiled_here, reason="this install has no compiled engine (setup.py)")


@needs_build
def test_compiled_engine_is_used_when_it_matches_the_source(tmp_path: Path) -> None:
    assert modops.normalize.ENGINE_COMPILED
    pkg = _package_copy(tmp_path, compiled=True)
    got = _probe(pkg.parent.parent)
    assert got["compiled"] is True and str(got["file"]).endswith(".so")
    assert got["out"] == "kill yourself" and got["warnings"] == []


@needs_build
def test_an_edited_source_wins_over_a_stale_compiled_engine(tmp_path: Path) -> None:
    pkg = _package_copy(tmp_path, compiled=True)
    engine = pkg / "engine.py"
    engine.write_text(engine.read_text(encoding="utf-8") + "\n# edited after the build\n", encoding="utf-8")
    assert (pkg / "engine.compiled-sha256").read_text().strip() != hashlib.sha256(
        engine.read_bytes()
    ).hexdigest()
    got = _probe(pkg.parent.parent)
    assert got["compiled"] is False and str(got["file"]).endswith("engine.py")
    assert got["out"] == "kill yourself"
    assert any("engine.py changed since it was built" in str(w) for w in got["warnings"])  # type: ignore[attr-defined]


@needs_build
def test_pure_python_on_request(tmp_path: Path) -> None:
    pkg = _package_copy(tmp_path, compiled=True)
    got = _probe(pkg.parent.parent, MODOPS_PURE_PYTHON="1")
    assert got["compiled"] is False and str(got["file"]).endswith("engine.py")
    assert got["out"] == "kill yourself" and got["warnings"] == []
