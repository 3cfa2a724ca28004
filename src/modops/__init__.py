"""modops: a self-hosted trust-&-safety ML platform."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from modops.core import Detector


def load_detector(name: str, alias: str = "champion") -> Detector:
    """Load a detector by name: the registry's ``alias`` version, else the shipped default."""
    from modops.detectors.loading import load_detector as _load

    return _load(name, alias=alias)


def __getattr__(name: str) -> Any:  # lazy public API, so `import modops` stays cheap
    if name in {"Finding", "Decision", "Detector"}:
        from modops import core

        return getattr(core, name)
    if name == "Moderator":
        from modops.moderator import Moderator

        return Moderator
    raise AttributeError(name)


__all__ = ["__version__", "load_detector"]
