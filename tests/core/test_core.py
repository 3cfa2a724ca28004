from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from modops.config import Settings, get_settings, reset_settings
from modops.core import Finding, available_detectors, get_detector_spec
from modops.errors import NotFoundError
from modops.evaluation.bootstrap import bootstrap
from modops.normalize.types import NormalizedText


@pytest.mark.parametrize(
    "kwargs",
    [
        {"score": 1.5},
        {"score": -0.1},
        {"score": 0.5, "start": 3},
        {"score": 0.5, "start": 5, "end": 2},
        {"score": 0.5, "start": -1, "end": 2},
    ],
)
def test_finding_rejects_invalid_values(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Finding(detector="d", label="l", **kwargs)


def test_finding_is_frozen_and_serialisable() -> None:
    f = Finding("pii", "EMAIL_ADDRESS", 0.9, 4, 20, {"recognizer": "email"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.score = 0.1  # type: ignore[misc]
    assert f.to_dict()["end"] == 20


def test_unknown_detector_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="unknown detector 'nope'"):
        get_detector_spec("nope")
    assert "nope" not in available_detectors()


def test_settings_env_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("MODOPS_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("MODOPS_MAX_BATCH_SIZE", "7")
    reset_settings()
    s = get_settings()
    assert s.max_batch_size == 7
    assert s.resolved_tracking_uri == f"sqlite:///{(tmp_path / 'h').resolve() / 'mlflow.db'}"
    assert not (tmp_path / "h").exists(), "settings must not create anything"


def test_settings_defaults() -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert str(s.data_dir).endswith("shared/datasets")
    assert s.store_text is False


def test_identity_normalized_text_maps_offsets() -> None:
    nt = NormalizedText.identity("hello")
    assert nt.to_original(1, 3) == (1, 3)
    assert not nt.changed
    with pytest.raises(ValueError):
        nt.to_original(2, 9)


def test_bootstrap_ci_covers_point_and_is_reproducible() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=500)
    a = bootstrap(np.mean, [x], n_boot=300, seed=3)
    b = bootstrap(np.mean, [x], n_boot=300, seed=3)
    assert a == b
    assert a.low <= a.value <= a.high
    assert a.high - a.low < 0.3


def test_bootstrap_by_groups_and_degenerate_resamples() -> None:
    y = np.array([0, 1, 0, 1, 1, 0])
    groups = np.array([0, 0, 1, 1, 2, 2])
    est = bootstrap(lambda v: float(v.mean()), [y], n_boot=100, groups=groups)
    assert 0 <= est.low <= est.high <= 1
    with pytest.raises(ValueError):
        bootstrap(np.mean, [np.array([])])


def test_grouped_resamples_match_the_plain_per_group_draw() -> None:
    """The vectorised, cached group resampling draws exactly what one concatenation per resample did."""
    from modops.evaluation.bootstrap import _resamples

    rng = np.random.default_rng(3)
    groups = np.array([f"g{i}" for i in rng.integers(0, 40, 200)], dtype=object)
    draws = _resamples(200, 25, 7, groups)
    ref_rng = np.random.default_rng(7)
    uniq, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(uniq))]
    for idx in draws:
        pick = ref_rng.integers(0, len(members), len(members))
        assert np.array_equal(idx, np.concatenate([members[g] for g in pick]))
    assert _resamples(200, 25, 7, groups.copy()) is draws  # equal inputs share the cached draws
    assert not np.array_equal(_resamples(200, 25, 8, groups)[0], draws[0])
