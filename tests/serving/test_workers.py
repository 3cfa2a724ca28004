"""Several server processes: an admin reload in one worker reaches the others through the signal file."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from modops.moderator import Moderator
from modops.serving.metrics import ServiceMetrics
from modops.serving.models import ModelManager


class _Counting:
    """A factory that hands out the same real Moderator and counts the builds."""

    def __init__(self, moderator: Moderator) -> None:
        self.moderator = moderator
        self.builds = 0
        self.lock = threading.Lock()

    def __call__(self) -> Moderator:
        with self.lock:
            self.builds += 1
        return self.moderator


def _wait(cond: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_broadcast_reload_reaches_the_other_manager_only(shared_moderator: Moderator, tmp_path: Path) -> None:
    signal = tmp_path / "reload-request"
    a_factory, b_factory = _Counting(shared_moderator), _Counting(shared_moderator)
    a = ModelManager(a_factory, lambda: {"toxicity": "1"}, reload_interval_s=600, signal_path=signal)
    b = ModelManager(b_factory, lambda: {"toxicity": "1"}, reload_interval_s=600, signal_path=signal)
    a.SIGNAL_CHECK_S = b.SIGNAL_CHECK_S = 0.05  # type: ignore[misc]
    a.start(background=False)
    b.start(background=False)
    try:
        assert (a.served and a.served.generation, b.served and b.served.generation) == (1, 1)
        # what the admin route does in the worker it reached: reload itself, then tell the others
        assert a.reload(force=True)[0]
        assert a.broadcast_reload(force=True)
        assert _wait(lambda: b.served is not None and b.served.generation == 2)
        time.sleep(0.3)  # the sender must not reload a second time on its own signal
        assert a.served is not None and a.served.generation == 2
        assert (a_factory.builds, b_factory.builds) == (2, 2)
        # an unforced request with unchanged versions is passed on but swaps nothing
        a.broadcast_reload(force=False)
        time.sleep(0.3)
        assert b.served is not None and b.served.generation == 2 and b_factory.builds == 2
        # a garbled signal file is ignored, not fatal
        signal.write_text("{not json", encoding="utf-8")
        time.sleep(0.2)
        assert b.served.generation == 2
    finally:
        a.stop()
        b.stop()
    assert ModelManager(a_factory).broadcast_reload(force=True) is False  # single process: nothing to tell


def test_multiprocess_metrics_zero_the_versions_no_longer_served() -> None:
    m = ServiceMetrics(multiprocess=True)
    m.set_models({"toxicity": "v1"}, {"toxicity": "1"}, 1)
    m.set_models({"toxicity": "v2"}, {"toxicity": "2"}, 2)
    value = m.registry.get_sample_value
    assert value("modops_model_info", {"detector": "toxicity", "version": "v1", "registry_version": "1"}) == 0
    assert value("modops_model_info", {"detector": "toxicity", "version": "v2", "registry_version": "2"}) == 1
    assert value("modops_model_reloads_total") == 1
