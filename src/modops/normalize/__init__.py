"""Algospeak and obfuscation normalizer.

    from modops.normalize import normalize, get_normalizer, ensure_normalized, obfuscate

    nt = normalize("k1ll urself, seggs, sewer slide 🔪")
    nt.normalized          # "kill urself, sex, suicide knife"
    nt.substitutions       # each with original span, replacement, kind, pattern id, db version
    nt.to_original(0, 4)   # span of "kill" in the original text
    get_normalizer().version   # pattern database version, recorded in model bundles

The pattern database is versioned JSON under ``data/``; extra files in
``MODOPS_PATTERNS_DIR`` (or passed to ``Normalizer``) extend or override it by id, and
``Normalizer.reload()`` picks up changes without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from modops.errors import InputError
from modops.normalize._compiled import load_engine

ENGINE_COMPILED = load_engine()  # the mypyc-built engine when the build made one (same results)

from modops.normalize.db import PatternDB, PatternEntry, load_db  # noqa: E402
from modops.normalize.engine import Normalizer  # noqa: E402
from modops.normalize.obfuscate import OBFUSCATION_KINDS, obfuscate  # noqa: E402
from modops.normalize.types import NormalizedText, Substitution  # noqa: E402

__all__ = [
    "ENGINE_COMPILED",
    "OBFUSCATION_KINDS",
    "NormalizedText",
    "Normalizer",
    "PatternDB",
    "PatternEntry",
    "Substitution",
    "ensure_normalized",
    "get_normalizer",
    "load_db",
    "normalize",
    "obfuscate",
    "reset_normalizer",
]

_lock = threading.Lock()
_default: Normalizer | None = None
_default_key: object = None


def get_normalizer() -> Normalizer:
    """The process-wide normalizer (shipped patterns + ``settings.patterns_dir``), built once."""
    global _default, _default_key
    from modops.config import get_settings

    patterns_dir = get_settings().patterns_dir
    key = str(patterns_dir) if patterns_dir else None
    norm = _default
    if norm is not None and _default_key == key:
        return norm
    with _lock:
        if _default is None or _default_key != key:
            _default = Normalizer([patterns_dir] if patterns_dir else None)
            _default_key = key
        return _default


def reset_normalizer() -> None:
    """Forget the cached default normalizer (tests, or after changing settings)."""
    global _default, _default_key
    with _lock:
        _default = None
        _default_key = None


def normalize(text: str) -> NormalizedText:
    """Normalize one text with the default normalizer."""
    return get_normalizer().normalize(text)


def ensure_normalized(items: Sequence[str | NormalizedText]) -> list[NormalizedText]:
    """Normalize the strings in a batch and pass ``NormalizedText`` items through.

    Detectors call this so they accept either form. Raises ``InputError`` for anything else.
    """
    if isinstance(items, str | NormalizedText):
        raise InputError("expected a batch (a list) of texts, got a single item")
    out: list[NormalizedText] = []
    norm: Normalizer | None = None
    for i, item in enumerate(items):
        if isinstance(item, NormalizedText):
            out.append(item)
        elif isinstance(item, str):
            if norm is None:
                norm = get_normalizer()
            out.append(norm.normalize(item))
        else:
            raise InputError(f"item {i}: expected str or NormalizedText, got {type(item).__name__}")
    return out
