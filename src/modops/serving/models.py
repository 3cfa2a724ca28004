"""Model manager: builds the Moderator from registry champions and hot-swaps it.

A swap is atomic: the new Moderator is built and warmed up completely, then one
reference assignment replaces the old one. A request takes a snapshot (``get()``)
once and uses it to the end, so requests in flight during a swap finish on the old
models and new requests start on the new ones; none fails.

New champions are found by polling a cheap ``probe`` (``registry.champion_versions``)
every ``reload_interval_s`` in a daemon thread, and on demand by the admin endpoint.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from modops.config import Settings
from modops.moderator import Moderator
from modops.serving.errors import ServiceError

log = logging.getLogger("modops.serving")

ModeratorFactory = Callable[[], Moderator]
VersionProbe = Callable[[], dict[str, str]]

# PII recognizers and the tagger only run when their trigger characters or name-like words are present,
# so the warm-up texts hold a name, an address, digits and a phone number (phonenumbers loads lazily).
_WARMUP_TEXTS = [
    "warm-up: hello there, mail jo@example.com",
    "you are an idiot",
    "Maria Lopez lives at 12 Oak Street, call her on +1 415 555 0100 or visit https://example.com",
]


@dataclass(frozen=True, slots=True)
class Served:
    """One loaded generation of models. Immutable: swapped as a whole."""

    moderator: Moderator
    registry_versions: dict[str, str]
    generation: int
    loaded_at: float
    load_seconds: float
    detector_versions: dict[str, str] = field(default_factory=dict)

    @property
    def model_versions(self) -> dict[str, str]:
        return dict(self.detector_versions) | {
            "normalizer": str(getattr(self.moderator.normalizer, "version", "none"))
        }


def registry_factory(settings: Settings) -> tuple[ModeratorFactory, VersionProbe]:
    """The default: registry champions of every text detector the policy enables."""

    def probe() -> dict[str, str]:
        from modops import registry

        return dict(registry.champion_versions())

    def build() -> Moderator:
        from modops import registry
        from modops.policy import load_policy

        registry.ensure_defaults_registered()
        # Detectors the policy names but nothing can serve yet (spam, image, ...) are skipped.
        return Moderator.from_registry(policy=load_policy(settings.policy))

    return build, probe


class ModelManager:
    """Owns the served models: initial load, polling for new champions, atomic swaps."""

    def __init__(
        self,
        factory: ModeratorFactory,
        probe: VersionProbe | None = None,
        reload_interval_s: float = 30.0,
        on_swap: Callable[[Served], None] | None = None,
    ) -> None:
        self._factory = factory
        self._probe = probe
        self.reload_interval_s = reload_interval_s
        self._on_swap = on_swap
        self._served: Served | None = None
        self._build_lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._threads: list[threading.Thread] = []
        self.last_error: str | None = None
        self.reloads = 0
        self.reload_failures = 0

    # -- access ----------------------------------------------------------------------------

    @property
    def served(self) -> Served | None:
        return self._served

    @property
    def ready(self) -> bool:
        return self._served is not None

    def get(self) -> Served:
        """The current generation, or 503 while the first load is still running."""
        served = self._served
        if served is None:
            msg = (
                "models are still loading"
                if self.last_error is None
                else f"models failed to load: {self.last_error}"
            )
            raise ServiceError(503, msg, "unavailable", headers={"Retry-After": "1"})
        return served

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    # -- loading ---------------------------------------------------------------------------

    def _probe_versions(self) -> dict[str, str]:
        return dict(self._probe()) if self._probe is not None else {}

    def _build(self) -> Served:
        t0 = time.perf_counter()
        for _ in range(3):
            before = self._probe_versions()
            moderator = self._factory()
            # Warm up so the first real request does not pay lazy initialisation.
            moderator.moderate(_WARMUP_TEXTS)
            after = self._probe_versions()
            if before == after:  # no promotion raced the build
                break
        previous = self._served
        return Served(
            moderator=moderator,
            registry_versions=after,
            generation=(previous.generation + 1) if previous else 1,
            loaded_at=time.time(),
            load_seconds=time.perf_counter() - t0,
            detector_versions={n: str(d.version) for n, d in moderator.detectors.items()},
        )

    def reload(self, force: bool = True) -> tuple[bool, str]:
        """Build a new generation and swap it in. Returns (swapped, message)."""
        with self._build_lock:
            current = self._served
            if not force and current is not None:
                try:
                    if self._probe_versions() == current.registry_versions:
                        return False, "champion versions unchanged"
                except Exception as err:
                    self.last_error = f"{type(err).__name__}: {err}"
                    return False, f"could not read the registry: {self.last_error}"
            try:
                new = self._build()
            except Exception as err:
                self.reload_failures += 1
                self.last_error = f"{type(err).__name__}: {err}"
                log.error(
                    "model load failed (still serving generation %s): %s",
                    current.generation if current else None,
                    self.last_error,
                )
                return False, f"load failed, still serving the previous models: {self.last_error}"
            self._served = new  # the atomic swap
            self.last_error = None
            self.reloads += 1 if current is not None else 0
            self._ready.set()
            log.info("serving generation %d: %s", new.generation, new.model_versions)
        if self._on_swap is not None:
            try:
                self._on_swap(new)
            except Exception:  # metrics must never break serving
                log.exception("on_swap callback failed")
        return True, f"loaded generation {new.generation}"

    # -- background ------------------------------------------------------------------------

    def start(self, background: bool = True) -> None:
        """Load the first generation (in a thread by default) and start polling."""
        self._stop.clear()
        if background:
            t = threading.Thread(target=self._initial_then_poll, name="modops-model-manager", daemon=True)
            t.start()
            self._threads.append(t)
        else:
            self.reload(force=True)
            if self._served is None:
                raise ServiceError(503, f"models failed to load: {self.last_error}", "unavailable")
            t = threading.Thread(target=self._poll_loop, name="modops-model-poller", daemon=True)
            t.start()
            self._threads.append(t)

    def _initial_then_poll(self) -> None:
        self.reload(force=True)
        self._poll_loop()

    def _poll_loop(self) -> None:
        while not self._stop.wait(
            self.reload_interval_s if self._served is not None else min(5.0, self.reload_interval_s)
        ):
            try:
                # A failed first load is retried; afterwards only a version change reloads.
                self.reload(force=self._served is None)
            except Exception:  # the poller must survive anything
                log.exception("model poll failed")

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
