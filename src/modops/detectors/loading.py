"""Load detectors: the registry's alias version, registering the shipped default on first use."""

from __future__ import annotations

import logging
from pathlib import Path

from modops.core import Detector, get_detector_spec
from modops.detectors.bundle import default_bundle_path, require_default_bundle

log = logging.getLogger(__name__)


def load_bundle(folder: Path) -> Detector:
    """Build a detector straight from a bundle folder (no registry)."""
    from modops.detectors.pyfunc import detector_from_bundle

    return detector_from_bundle(folder)


def load_detector(name: str, alias: str | None = "champion") -> Detector:
    """Load detector ``name``.

    ``alias=None`` loads the shipped default bundle without touching the registry.
    Otherwise the registry's ``modops-<name>@<alias>`` is loaded; if the registry has
    no model for ``name`` yet and the package ships a default, that default is first
    registered as version 1 ``champion`` (DESIGN §8).
    """
    get_detector_spec(name)  # unknown names fail with a clear error before any I/O
    if alias is None:
        return load_bundle(require_default_bundle(name))
    from modops import registry

    if alias == "champion" and default_bundle_path(name) is not None:
        registry.ensure_default_registered(name)
    return load_bundle(registry.resolve_bundle(name, alias))
