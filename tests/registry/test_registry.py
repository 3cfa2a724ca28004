"""Registry against a real SQLite MLflow store in the per-test MODOPS_HOME (no mocks of MLflow)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from modops import registry
from modops.config import get_settings
from modops.errors import ArtifactError, InputError, NotFoundError, RegistryError
from tests.registry.kwdetector import NAME, pretend_shipped_default

Bundle = Callable[..., Path]


def _client() -> MlflowClient:
    uri = get_settings().resolved_tracking_uri
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _all_runs(client: MlflowClient) -> list:
    from mlflow.entities import ViewType

    exp_ids = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    return client.search_runs(exp_ids, run_view_type=ViewType.ALL) if exp_ids else []


def test_log_run_registers_pyfunc_with_params_metrics_artifacts_tags(
    store: Path, make_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # artifacts must land in MODOPS_HOME, never in ./mlruns
    report = tmp_path / "reports"
    report.mkdir()
    (report / "eval.json").write_text('{"f1": 0.8}', encoding="utf-8")
    bundle = make_bundle()

    info = registry.log_training_run(
        NAME,
        bundle,
        params={"lr": 0.1, "model": {"C": 2, "penalty": "l2"}},
        metrics={"f1": 0.8, "f1_ci": {"low": 0.7, "high": 0.9}, "converged": True},
        dataset_version="ds-test",
        artifacts={"reports": report, "notes": bundle / "MODEL_CARD.md"},
        tags={"owner": "tests"},
    )
    assert info.model_version == "1"

    client = _client()
    run = client.get_run(info.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"lr": "0.1", "model.C": "2", "model.penalty": "l2"}
    assert run.data.metrics == {"f1": 0.8, "f1_ci.low": 0.7, "f1_ci.high": 0.9, "converged": 1.0}
    tags = run.data.tags
    assert tags["modops.detector"] == NAME
    assert tags["modops.dataset_version"] == "ds-test"
    assert tags["owner"] == "tests"
    assert tags["git_sha"] == "unknown" or len(tags["git_sha"]) == 40
    paths = {a.path for a in client.list_artifacts(info.run_id)}
    assert {"model", "reports", "notes", "MODEL_CARD.md"} <= paths
    assert {a.path for a in client.list_artifacts(info.run_id, "reports")} == {"reports/eval.json"}

    artifact_root = get_settings().artifacts_dir
    assert run.info.artifact_uri.startswith(artifact_root.as_uri())
    assert (artifact_root / f"modops-{NAME}" / info.run_id / "artifacts" / "model" / "MLmodel").is_file()
    assert not (tmp_path / "mlruns").exists()

    mv = client.get_model_version(f"modops-{NAME}", "1")
    assert mv.run_id == info.run_id
    assert mv.tags["modops.dataset_version"] == "ds-test"
    assert mv.tags["modops.bundle_version"] == "kw-1"


def test_log_run_without_register_creates_no_version(store: Path, make_bundle: Bundle) -> None:
    info = registry.log_training_run(NAME, make_bundle(), {}, {"f1": 0.5}, "ds-test", register=False)
    assert info.model_version is None
    assert _client().get_run(info.run_id).info.status == "FINISHED"
    assert registry.list_models() == []


def test_aliases_set_and_read(store: Path, make_bundle: Bundle) -> None:
    v1 = registry.register_bundle(NAME, make_bundle("kw-1"))
    v2 = registry.register_bundle(NAME, make_bundle("kw-2"))
    assert (v1, v2) == ("1", "2")
    assert registry.get_alias(NAME, "champion") is None
    registry.set_alias(NAME, "champion", v1)
    registry.set_alias(f"modops-{NAME}", "challenger", 2)  # model name and int version accepted
    assert registry.get_alias(NAME, "champion") == "1"
    assert registry.aliases(NAME) == {"champion": "1", "challenger": "2"}
    assert registry.champion_versions() == {NAME: "1"}
    rows = registry.list_models()
    assert rows == [
        {
            "detector": NAME,
            "name": f"modops-{NAME}",
            "versions": 2,
            "latest_version": "2",
            "aliases": {"champion": "1", "challenger": "2"},
            "updated": rows[0]["updated"],
        }
    ]


def test_promote_and_rollback_round_trip_with_recorded_tags(store: Path, make_bundle: Bundle) -> None:
    versions = [registry.register_bundle(NAME, make_bundle(f"kw-{i}")) for i in (1, 2, 3)]
    assert versions == ["1", "2", "3"]
    eval_run = registry.log_training_run(
        NAME, make_bundle("eval"), {}, {"f1": 0.9}, None, register=False
    ).run_id

    first = registry.promote(NAME, "1", reason="initial", actor="alice")
    assert first.previous_version is None
    registry.promote(NAME, "2", alias="challenger", reason="candidate", actor="ci")
    rec = registry.promote(NAME, "2", reason="beats v1 on f1", evaluation_run_id=eval_run, actor="ci")
    assert (rec.version, rec.previous_version, rec.cleared_challenger) == ("2", "1", "2")
    assert registry.aliases(NAME) == {"champion": "2"}  # the decided challenger is cleared
    registry.promote(NAME, "3", reason="beats v2", actor="ci")

    mv = _client().get_model_version(f"modops-{NAME}", "2")
    assert mv.tags["modops.champion.reason"] == "beats v1 on f1"
    assert mv.tags["modops.champion.evaluation_run_id"] == eval_run
    assert mv.tags["modops.champion.actor"] == "ci"
    assert mv.tags["modops.champion.previous_version"] == "1"
    assert mv.tags["modops.champion.at"].endswith("+00:00")
    assert mv.tags["modops.champion.replaced_by"] == "3"
    assert mv.tags["modops.challenger.reason"] == "candidate"

    back = registry.rollback(NAME, reason="v3 regressed in prod", actor="oncall")
    assert (back.action, back.mode, back.version, back.previous_version) == ("rollback", "undo", "2", "3")
    assert registry.get_alias(NAME, "champion") == "2"
    assert registry.rollback(NAME, reason="v2 too").version == "1"
    with pytest.raises(RegistryError, match="no earlier champion"):
        registry.rollback(NAME, reason="nothing left")
    assert registry.rollback(NAME, to_version="3", reason="fixed upstream").version == "3"
    assert registry.rollback(NAME, reason="undo the explicit one").version == "1"

    events = registry.describe(NAME)["history"]
    assert [(e["action"], e["alias"], e["version"], e["previous_version"]) for e in events] == [
        ("promote", "champion", "1", None),
        ("promote", "challenger", "2", None),
        ("promote", "champion", "2", "1"),
        ("promote", "champion", "3", "2"),
        ("rollback", "champion", "2", "3"),
        ("rollback", "champion", "1", "2"),
        ("rollback", "champion", "3", "1"),
        ("rollback", "champion", "1", "3"),
    ]
    assert [e["seq"] for e in events] == list(range(1, 9))
    assert events[2]["evaluation_run_id"] == eval_run
    assert events[4]["reason"] == "v3 regressed in prod" and events[4]["actor"] == "oncall"


def test_promotion_refusals(store: Path, make_bundle: Bundle) -> None:
    registry.register_bundle(NAME, make_bundle("kw-1"))
    registry.register_bundle(NAME, make_bundle("kw-2"))
    registry.promote(NAME, "1", reason="initial")
    with pytest.raises(RegistryError, match="already the champion"):
        registry.promote(NAME, "1", reason="again")
    with pytest.raises(RegistryError, match="challenger must be another version"):
        registry.promote(NAME, "1", alias="challenger", reason="x")
    with pytest.raises(InputError, match="reason"):
        registry.promote(NAME, "2", reason="   ")
    with pytest.raises(InputError, match="alias must be one of"):
        registry.promote(NAME, "2", alias="staging", reason="x")
    with pytest.raises(NotFoundError, match="unknown evaluation run"):
        registry.promote(NAME, "2", reason="x", evaluation_run_id="0123456789abcdef0123456789abcdef")
    with pytest.raises(NotFoundError, match="no version 9"):
        registry.promote(NAME, "9", reason="x")
    with pytest.raises(InputError, match="positive integer"):
        registry.promote(NAME, "two", reason="x")
    with pytest.raises(NotFoundError, match="no registered model 'modops-ghost'"):
        registry.promote("ghost", "1", reason="x")
    assert registry.aliases(NAME) == {"champion": "1"}
    assert len(registry.describe(NAME)["history"]) == 1  # refusals recorded nothing


def test_rollback_needs_a_champion(store: Path, make_bundle: Bundle) -> None:
    registry.register_bundle(NAME, make_bundle())
    with pytest.raises(RegistryError, match="no champion to roll back"):
        registry.rollback(NAME, reason="x")


def test_pyfunc_model_loads_and_predicts_through_mlflow(store: Path, make_bundle: Bundle) -> None:
    import mlflow
    import mlflow.pyfunc

    version = registry.register_bundle(NAME, make_bundle(keywords=("scam", "idiot")))
    registry.promote(NAME, version, reason="test")
    mv = _client().get_model_version(f"modops-{NAME}", version)
    uri = get_settings().resolved_tracking_uri
    previous = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        model = mlflow.pyfunc.load_model(f"models:/modops-{NAME}@champion")
    finally:
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])
    signature = model.metadata.signature
    assert signature.inputs.input_names() == ["text"]
    assert signature.outputs.input_names() == ["score", "findings"]
    out = model.predict(pd.DataFrame({"text": ["what a SCAM, idiot", "hello there"]}))
    assert list(out.columns) == ["score", "findings"]
    assert out["score"].tolist() == [1.0, 0.0]
    found = json.loads(out["findings"][0])
    assert [(f["start"], f["end"], f["explanation"]["keyword"]) for f in found] == [
        (7, 11, "scam"),
        (13, 18, "idiot"),
    ]
    assert json.loads(out["findings"][1]) == []
    # The same artifact also loads straight from its storage location.
    direct = mlflow.pyfunc.load_model(mv.source)
    assert direct.predict(pd.DataFrame({"text": ["scam"]}))["score"].tolist() == [1.0]


def test_load_detector_goes_through_the_registry(store: Path, make_bundle: Bundle) -> None:
    from modops.detectors.loading import load_detector

    registry.register_bundle(NAME, make_bundle("kw-1", keywords=("alpha",)))
    registry.register_bundle(NAME, make_bundle("kw-2", keywords=("beta",)))
    registry.promote(NAME, "2", reason="test")
    detector = load_detector(NAME)
    assert detector.version == "kw-2"
    assert [f.label for f in detector.analyze(["beta alpha"])[0]] == ["keyword"]
    assert load_detector(NAME, alias="1").version == "kw-1"


def test_resolve_bundle_downloads_once_and_follows_the_alias(store: Path, make_bundle: Bundle) -> None:
    registry.register_bundle(NAME, make_bundle("kw-1"))
    registry.register_bundle(NAME, make_bundle("kw-2"))
    registry.promote(NAME, "1", reason="test")

    path = registry.resolve_bundle(NAME)
    cache = store / "cache" / NAME / "1"
    assert path == cache / "artifacts" / "bundle"
    assert json.loads((path / "detector.json").read_text())["version"] == "kw-1"
    marker = (cache / ".modops-source.json").stat().st_mtime_ns

    # Remove the stored artifacts: a second resolve must be served from the cache alone.
    source = Path(_client().get_model_version(f"modops-{NAME}", "1").source.removeprefix("file://"))
    import shutil

    shutil.rmtree(source)
    assert registry.resolve_bundle(NAME) == path
    assert (cache / ".modops-source.json").stat().st_mtime_ns == marker

    registry.promote(NAME, "2", reason="newer")
    path2 = registry.resolve_bundle(NAME)
    assert path2 == store / "cache" / NAME / "2" / "artifacts" / "bundle"
    assert registry.resolve_bundle(NAME, "2") == path2  # a version number works as well

    # A stale cache entry (the marker no longer matches) is refetched, and fails cleanly without its source.
    (cache / ".modops-source.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RegistryError, match="cannot download"):
        registry.resolve_bundle(NAME, "1")


def test_resolve_bundle_not_found_hints(store: Path, make_bundle: Bundle) -> None:
    with pytest.raises(NotFoundError, match=r"no registered model 'modops-ghost'.*modops init"):
        registry.resolve_bundle("ghost")
    registry.register_bundle(NAME, make_bundle())
    with pytest.raises(NotFoundError, match=r"has no alias 'champion'.*registry promote"):
        registry.resolve_bundle(NAME)
    with pytest.raises(NotFoundError, match="no version 7"):
        registry.resolve_bundle(NAME, "7")
    with pytest.raises(NotFoundError):
        registry.get_alias("ghost", "champion")
    with pytest.raises(NotFoundError):
        registry.describe("ghost")
    with pytest.raises(InputError, match="invalid detector name"):
        registry.describe("bad'name")


def _incomplete_bundles(tmp_path: Path, make_bundle: Bundle) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_thresholds = make_bundle()
    meta = json.loads((no_thresholds / "detector.json").read_text())
    del meta["thresholds"]
    (no_thresholds / "detector.json").write_text(json.dumps(meta))
    lacks_file = make_bundle()
    (lacks_file / "keywords.txt").unlink()
    broken_json = make_bundle()
    (broken_json / "detector.json").write_text("{not json")
    return {
        "no detector.json": empty,
        "no thresholds": no_thresholds,
        "lacks weights": lacks_file,
        "bad json": broken_json,
    }


def test_incomplete_bundles_are_refused_before_any_run(
    store: Path, make_bundle: Bundle, tmp_path: Path
) -> None:
    for label, bundle in _incomplete_bundles(tmp_path, make_bundle).items():
        with pytest.raises(ArtifactError):
            registry.log_training_run(NAME, bundle, {}, {}, "ds-test")
        with pytest.raises(ArtifactError):
            registry.register_bundle(NAME, bundle)
        assert _all_runs(_client()) == [], label
    with pytest.raises(NotFoundError, match="bundle not found"):
        registry.register_bundle(NAME, tmp_path / "missing")
    with pytest.raises(ArtifactError, match="is for detector 'kwtest', not 'other'"):
        registry.log_training_run("other", make_bundle(), {}, {}, None)
    with pytest.raises(InputError, match="metric 'cm' must be a number"):
        registry.log_training_run(NAME, make_bundle(), {}, {"cm": [[1, 2], [3, 4]]}, None)
    with pytest.raises(NotFoundError, match="artifact 'report' not found"):
        registry.log_training_run(
            NAME, make_bundle(), {}, {}, None, artifacts={"report": tmp_path / "nope.html"}
        )
    with pytest.raises(InputError, match="dataset version mismatch"):
        registry.log_training_run(NAME, make_bundle(dataset_version="ds-a"), {}, {}, "ds-b")
    client = _client()
    assert _all_runs(client) == []
    assert client.search_registered_models() == []
    assert not (store / "mlartifacts").exists() or not any((store / "mlartifacts").rglob("MLmodel"))


def test_failure_after_the_run_started_leaves_no_registry_entry(
    store: Path, make_bundle: Bundle, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "ok.json").write_text("{}")
    (reports / "dangling.json").symlink_to(tmp_path / "does-not-exist")  # copying it fails mid-upload
    with pytest.raises(RegistryError, match="cannot log run"):
        registry.log_training_run(NAME, make_bundle(), {}, {"f1": 1.0}, None, artifacts={"reports": reports})
    client = _client()
    runs = _all_runs(client)
    assert [r.info.lifecycle_stage for r in runs] == ["deleted"]
    assert [r.info.status for r in runs] == ["FAILED"]
    assert client.search_registered_models() == []
    assert registry.list_models() == []


def test_registry_list_is_empty_on_a_fresh_home(modops_home: Path) -> None:
    assert registry.list_models() == []
    assert registry.champion_versions() == {}
    assert not (modops_home / "mlflow.db").exists()  # read-only calls create nothing


def test_ensure_default_registered_is_idempotent(
    store: Path, make_bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert registry.ensure_default_registered(NAME) is None  # no shipped default: nothing to do
    pretend_shipped_default(monkeypatch, make_bundle("kw-default"))
    assert registry.ensure_default_registered(NAME) == "1"
    assert registry.ensure_default_registered(NAME) is None
    assert NAME not in registry.ensure_defaults_registered()  # only the real shipped defaults are new
    info = registry.describe(NAME)
    assert [v["version"] for v in info["versions"]] == ["1"]
    assert info["aliases"] == {"champion": "1"}
    assert info["versions"][0]["tags"]["modops.source"] == "shipped-default"
    assert [e["action"] for e in info["history"]] == ["register-default"]


def test_ensure_default_registered_concurrent_threads(
    store: Path, make_bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    pretend_shipped_default(monkeypatch, make_bundle("kw-default"))
    results: list[str | None] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(registry.ensure_default_registered(NAME))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(results, key=str) == ["1", None, None]
    assert registry.list_models()[0]["versions"] == 1


def test_ensure_defaults_registered_covers_available_detectors(
    store: Path, make_bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    pretend_shipped_default(monkeypatch, make_bundle("kw-default"))
    from modops.core import available_detectors
    from modops.detectors.bundle import default_bundle_path

    expected = {d: "1" for d in available_detectors() if default_bundle_path(d) is not None}
    assert NAME in expected and {"toxicity", "pii"} <= set(expected)
    assert registry.ensure_defaults_registered() == expected
    assert registry.champion_versions() == expected


@pytest.mark.slow  # a real migration of a fresh SQLite store takes seconds
def test_store_recreated_after_home_is_wiped(store: Path, make_bundle: Bundle) -> None:
    import shutil

    registry.register_bundle(NAME, make_bundle())
    shutil.rmtree(store)
    assert registry.list_models() == []
    registry.init_store()
    assert (store / "mlflow.db").is_file()
    assert registry.register_bundle(NAME, make_bundle()) == "1"


_RACE_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import modops.detectors.bundle as bundle_mod
from tests.registry.kwdetector import register
register()
bundle = Path(sys.argv[2])
bundle_mod.default_bundle_path = lambda d: bundle if d == "kwtest" else None
from modops import registry
print(registry.ensure_default_registered("kwtest"))
"""


@pytest.mark.slow
def test_two_processes_starting_at_once_register_the_default_once(
    modops_home: Path, make_bundle: Bundle
) -> None:
    """Two processes on an empty home: one migrates the store and registers v1, the other waits and reuses it."""
    from tests.conftest import REPO_ROOT

    bundle = make_bundle("kw-default")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACE_SCRIPT, str(REPO_ROOT), str(bundle)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    assert sorted(out.strip().splitlines()[-1] for out, _ in outs) == ["1", "None"]
    assert registry.list_models()[0]["versions"] == 1
    assert registry.champion_versions() == {NAME: "1"}
