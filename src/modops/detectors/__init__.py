"""Detectors: inference side only. Each module registers itself in ``register_builtin_detectors``."""

from __future__ import annotations

_registered = False


def register_builtin_detectors() -> None:
    """Register the shipped detectors once. Adding a detector = one import line here."""
    global _registered
    if _registered:
        return
    _registered = True
    import importlib

    for module in _BUILTIN_MODULES:
        importlib.import_module(f"modops.detectors.{module}").register()


# Each module exposes ``register()``; keep this list the single place that names them.
_BUILTIN_MODULES: list[str] = ["pii", "toxicity"]
