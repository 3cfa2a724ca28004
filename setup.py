"""Build hook: compile the normalizer engine with mypyc when possible (everything else is in pyproject.toml).

``modops.normalize.engine`` runs once per text on every text path, and it is pure Python made of
many small steps; compiled with mypyc it runs about 2.5x fewer instructions on texts it has not
seen before (callgrind, ``benchmarks/normalizer.py``'s unseen tweets). The compiled module is optional: without
a C compiler, or with ``MODOPS_PURE_PYTHON=1``, the build keeps the pure-Python engine, which gives
identical results. The build records the hash of ``engine.py`` it compiled, so that
``modops.normalize`` can ignore a compiled module that no longer matches its source (an edited
file in an editable install) instead of silently running old code.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
ENGINE = Path("src/modops/normalize/engine.py")
STAMP = ENGINE.with_name("engine.compiled-sha256")
# Type information for the compiler: only the normalizer package is analysed; every other import is
# treated as Any, so the isolated build environment needs nothing but mypy.
MYPYC_CONFIG = """
[mypy]
follow_imports = skip
ignore_missing_imports = True
[mypy-modops.normalize.*]
follow_imports = normal
[mypy-modops.errors]
follow_imports = normal
[mypy-modops.caches]
follow_imports = normal
"""


def _ext_modules() -> list[object]:
    if os.environ.get("MODOPS_PURE_PYTHON") == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError as err:  # pragma: no cover - mypy is a build requirement
        print(f"modops: building the pure-Python normalizer ({err})", file=sys.stderr)
        return []
    os.chdir(ROOT)  # mypyc names modules from paths relative to the working directory
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as cfg:
        cfg.write(MYPYC_CONFIG)
    try:
        modules = mypycify(["--config-file", cfg.name, str(ENGINE)], opt_level="3")
    except Exception as err:  # a mypyc failure must not break the install: fall back to pure Python
        print(f"modops: building the pure-Python normalizer (mypyc failed: {err})", file=sys.stderr)
        return []
    finally:
        os.unlink(cfg.name)
    STAMP.write_text(hashlib.sha256(ENGINE.read_bytes()).hexdigest() + "\n", encoding="utf-8")
    return list(modules)


setup(ext_modules=_ext_modules())
