"""Model manager: builds the Moderator from registry champions and hot-swaps it.

A swap is atomic: the new Moderator is built and warmed up completely, then one
reference assignment replaces the old one. A request takes a snapshot (``get()``)
once and uses it to the end, so requests in flight during a swap finish on the old
models and new requests start on the new ones; none fails.

New champions are found by polling a cheap ``probe`` (``registry.champion_versions``)
every ``reload_interval_s`` in a daemon thread, and on demand by the admin endpoint. With
several server processes (``modops serve --workers N``) the admin request reaches one of them;
it writes a ``signal_path`` file that every other worker checks once a second.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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
        signal_path: Path | None = None,
    ) -> None:
        self._factory = factory
        self._signal_path = signal_path
        self._signal_seen = self._read_signal()[0]
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
        if self._served is None:
            self.reload(force=True)
        self._poll_loop()

    # Seconds between checks of ``signal_path`` (a stat and a tiny read).
    SIGNAL_CHECK_S = 1.0

    def _poll_loop(self) -> None:
        last_probe = time.monotonic()
        while True:
            interval = (
                self.reload_interval_s if self._served is not None else min(5.0, self.reload_interval_s)
            )
            due = last_probe + interval
            wait = due - time.monotonic()
            if self._signal_path is not None:
                wait = min(wait, self.SIGNAL_CHECK_S)
            if self._stop.wait(max(wait, 0.0)):
                return
            try:
                token, force = self._read_signal()
                if token is not None and token != self._signal_seen:
                    self._signal_seen = token
                    log.info("reload requested by another worker (force=%s)", force)
                    self.reload(force=force or self._served is None)
                    last_probe = time.monotonic()
                elif time.monotonic() >= due:
                    # A failed first load is retried; afterwards only a version change reloads.
                    self.reload(force=self._served is None)
                    last_probe = time.monotonic()
            except Exception:  # the poller must survive anything
                log.exception("model poll failed")

    # -- several workers ---------------------------------------------------------------------

    def _read_signal(self) -> tuple[str | None, bool]:
        if self._signal_path is None:
            return None, False
        try:
            data = json.loads(self._signal_path.read_text(encoding="utf-8"))
            return str(data["token"]), bool(data.get("force", False))
        except (OSError, ValueError, KeyError, TypeError):
            return None, False

    def broadcast_reload(self, force: bool) -> bool:
        """Ask the other workers to reload (this one already did). False without a signal file."""
        if self._signal_path is None:
            return False
        token = uuid.uuid4().hex
        self._signal_seen = token
        tmp = self._signal_path.with_name(f".{self._signal_path.name}.{os.getpid()}")
        tmp.write_text(json.dumps({"token": token, "force": force, "pid": os.getpid()}), encoding="utf-8")
        os.replace(tmp, self._signal_path)  # atomic: readers see the old or the new token, never half
        return True

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
