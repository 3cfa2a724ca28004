"""Choose between the mypyc-compiled normalizer engine and its source (see ``setup.py``).

The build compiles ``engine.py`` when it can and records the source's hash next to the compiled
module. Python would import a compiled module in preference to ``engine.py`` even after the source
was edited (an editable install), so the compiled module is used only when the hash matches, and
``engine.py`` is run otherwise. Both give identical results; the compiled one is faster.
``MODOPS_PURE_PYTHON=1`` runs the source anyway (readable tracebacks, profiling).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import warnings
from pathlib import Path

ENGINE = "modops.normalize.engine"


def load_engine() -> bool:
    """Import ``modops.normalize.engine``; True when it is the compiled module."""
    if ENGINE in sys.modules:
        return is_compiled()
    spec = importlib.util.find_spec(ENGINE)
    if spec is None or spec.origin is None or spec.origin.endswith(".py"):
        importlib.import_module(ENGINE)
        return False
    here = Path(spec.origin).parent
    source, stamp = here / "engine.py", here / "engine.compiled-sha256"
    if os.environ.get("MODOPS_PURE_PYTHON") == "1" and source.exists():
        return _load_source(source)
    try:
        fresh = stamp.read_text(encoding="utf-8").strip() == hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        fresh = not source.exists()  # installed without sources: the compiled module is all there is
    if fresh:
        try:
            importlib.import_module(ENGINE)
            return True
        except ImportError as err:
            reason = f"it does not load ({err})"
    else:
        reason = "engine.py changed since it was built (reinstall to recompile)"
    warnings.warn(f"modops: not using the compiled normalizer: {reason}", RuntimeWarning, stacklevel=2)
    return _load_source(source)


def _load_source(source: Path) -> bool:
    src_spec = importlib.util.spec_from_file_location(ENGINE, source)
    assert src_spec is not None and src_spec.loader is not None
    module = importlib.util.module_from_spec(src_spec)
    sys.modules[ENGINE] = module
    try:
        src_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[ENGINE]
        raise
    setattr(sys.modules["modops.normalize"], "engine", module)  # noqa: B010 - as a normal import would
    return False


def is_compiled() -> bool:
    """Whether the loaded engine is the compiled module."""
    module = sys.modules.get(ENGINE)
    return module is not None and not str(getattr(module, "__file__", "")).endswith(".py")
