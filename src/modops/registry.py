"""The model registry: the only module that talks to MLflow tracking and the model registry.

One registered model per detector, named ``modops-<detector>``; each version wraps a
detector bundle as an MLflow pyfunc model (``modops.detectors.pyfunc.DetectorModel``,
artifact key ``bundle``). Two aliases matter: ``champion`` (served) and ``challenger``
(candidate).

Storage comes from settings: tracking and registry default to
``sqlite:///$MODOPS_HOME/mlflow.db`` with artifacts in ``$MODOPS_HOME/mlartifacts``;
``MODOPS_TRACKING_URI`` points the same code at an MLflow server. Nothing global is set
in MLflow: every call builds (or reuses) an ``MlflowClient`` for the current URIs, so a
changed ``MODOPS_HOME`` takes effect on the next call.

Promotion history
-----------------
``promote`` and ``rollback`` move an alias in one call and record who, why, which
evaluation run and the previous version, twice: as tags on the promoted model version
(``modops.<alias>.reason``, ``.evaluation_run_id``, ``.actor``, ``.previous_version``,
``.at``, ``.action``) and as one registered-model tag per event
(``modops.history.000001``, ...; JSON), which ``describe`` returns in order.

- Promoting the current ``challenger`` to ``champion`` clears the ``challenger`` alias
  (the candidate has been decided on); the event records ``cleared_challenger``.
- A version that is already ``champion`` cannot be made ``challenger``, and promoting a
  version to the alias it already holds is refused.
- ``rollback(detector)`` without a version undoes champion changes like a stack:
  v1 → promote v2 → promote v3 → rollback gives v2, a second rollback gives v1.
  ``rollback(detector, to_version=N)`` moves champion to N (and can itself be undone).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from modops.config import get_settings
from modops.errors import ArtifactError, InputError, ModopsError, NotFoundError, RegistryError

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion, RegisteredModel
    from mlflow.models import ModelSignature

log = logging.getLogger(__name__)

MODEL_PREFIX = "modops-"
CHAMPION = "champion"
CHALLENGER = "challenger"
PROMOTION_ALIASES = (CHAMPION, CHALLENGER)
BUNDLE_KEY = "bundle"
MODEL_ARTIFACT_PATH = "model"
HISTORY_TAG_PREFIX = "modops.history."
_CACHE_MARKER = ".modops-source.json"
_MAX_REASON_CHARS = 2000
_DETECTOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")
_REMOTE_SCHEMES = {"http", "https", "databricks", "databricks-uc", "uc"}


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What ``log_training_run`` created: the MLflow run and, if registered, the model version."""

    run_id: str
    model_version: str | None


@dataclass(frozen=True, slots=True)
class PromotionRecord:
    """One alias move (promotion or rollback), as recorded in the registry."""

    detector: str
    alias: str
    version: str
    previous_version: str | None
    action: str  # "promote", "rollback" or "register-default"
    reason: str
    evaluation_run_id: str | None
    actor: str
    timestamp: str
    cleared_challenger: str | None = None
    mode: str | None = None  # rollback only: "undo" (to the previous champion) or "explicit"
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- names & validation


def model_name(detector: str) -> str:
    """Registered-model name for ``detector`` (``modops-<detector>``)."""
    return MODEL_PREFIX + _check_detector(detector)


def _check_detector(detector: str) -> str:
    if not isinstance(detector, str) or not _DETECTOR_RE.match(detector):
        raise InputError(f"invalid detector name {detector!r} (letters, digits, '_', '-', '.')")
    return detector


def _strip_prefix(detector: str) -> str:
    """Accept ``toxicity`` and ``modops-toxicity`` alike."""
    return detector[len(MODEL_PREFIX) :] if detector.startswith(MODEL_PREFIX) else detector


def _check_version(version: str | int) -> str:
    text = str(version).strip()
    if not text.isdigit() or int(text) < 1:
        raise InputError(f"model version must be a positive integer, got {version!r}")
    return str(int(text))


def _check_alias(alias: str) -> str:
    if not isinstance(alias, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]{0,99}", alias):
        raise InputError(f"invalid alias {alias!r}")
    if alias.lower() == "latest":
        raise InputError("'latest' is reserved by MLflow and cannot be an alias")
    return alias


def _check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InputError("a promotion or rollback needs a non-empty reason (--reason)")
    if len(text) > _MAX_REASON_CHARS:
        raise InputError(f"reason is too long ({len(text)} chars, max {_MAX_REASON_CHARS})")
    return text


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


# --------------------------------------------------------------------------- clients & errors

_CLIENTS: dict[tuple[str, str], MlflowClient] = {}
_CLIENTS_LOCK = threading.Lock()


def _uris() -> tuple[str, str]:
    settings = get_settings()
    tracking = settings.resolved_tracking_uri
    return tracking, settings.registry_uri or tracking


def _sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite:"):
        return None
    parsed = urlparse(uri)
    path = unquote(parsed.path)
    if not path or path == "/:memory:" or path == ":memory:":
        return None
    # sqlite:////abs/path -> path "//abs/path"; sqlite:///rel -> "/rel" (relative to cwd)
    if uri.startswith("sqlite:////"):
        return Path(path[1:]) if path.startswith("//") else Path(path)
    return Path(path.lstrip("/"))


def _is_remote(uri: str) -> bool:
    return urlparse(uri).scheme in _REMOTE_SCHEMES or uri in _REMOTE_SCHEMES


def _forget_mlflow_stores(uris: set[str]) -> None:
    """Drop MLflow's cached stores and engines for ``uris`` (a deleted SQLite file must be re-created).

    MLflow caches stores per URI and SQLAlchemy engines per database URI; an engine kept
    across a wiped ``MODOPS_HOME`` would keep writing to the deleted file.
    """
    with contextlib.suppress(Exception):  # private MLflow caches: best effort only
        from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistrySqlStore
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as TrackingSqlStore
        from mlflow.tracking._model_registry.utils import _get_store_registry
        from mlflow.tracking._tracking_service.utils import _tracking_store_registry

        _tracking_store_registry._get_store_with_resolved_uri.cache_clear()
        _get_store_registry()._get_store_with_resolved_uri.cache_clear()
        for cls in (TrackingSqlStore, RegistrySqlStore):
            with cls._engine_map_lock:
                for uri in uris:
                    engine = cls._engine_map.pop(uri, None)
                    if engine is not None:
                        engine.dispose()


@contextlib.contextmanager
def _quiet_migrations() -> Iterator[None]:
    """Silence MLflow's INFO lines while it creates/migrates a fresh SQLite store."""
    names = ("mlflow.store.db.utils", "alembic", "alembic.runtime.migration")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _client() -> MlflowClient:
    """An MlflowClient for the current settings; creates and migrates a local SQLite store once."""
    tracking, registry = _uris()
    key = (tracking, registry)
    fresh = []
    for uri in {tracking, registry}:
        db = _sqlite_path(uri)
        if db is not None and not db.exists():
            fresh.append(db)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is not None and not fresh:
            return client
        if fresh:  # a new store, or the file vanished (home wiped): no cached engine may survive
            _CLIENTS.pop(key, None)
            _forget_mlflow_stores({tracking, registry})
        from mlflow import MlflowClient

        for db in fresh:
            try:
                db.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise RegistryError(
                    f"cannot create the registry folder {db.parent}: {err.strerror}"
                ) from None
        with _translate("cannot open the MLflow store"):
            if fresh:
                # Two processes starting at once must not both run the migrations.
                with _home_lock("store"), _quiet_migrations():
                    client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
                    client.search_experiments(max_results=1)
                    client.search_registered_models(max_results=1)
            else:
                client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
        _CLIENTS[key] = client
        return client


def _client_for(detector: str) -> MlflowClient:
    """A client for calls about an existing model: on a home with no store yet, fail fast instead of creating one."""
    if _store_missing():
        name = model_name(detector)
        raise NotFoundError(
            f"no registered model {name!r} for detector {detector!r} (the registry is empty: run `modops init`)"
        )
    return _client()


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= 300 else line[:297] + "..."


@contextlib.contextmanager
def _translate(context: str, not_found: str | None = None) -> Iterator[None]:
    """Turn MLflow/SQL/network failures into one-line ModopsErrors (never a traceback in the CLI)."""
    try:
        yield
    except ModopsError:
        raise
    except Exception as err:
        from mlflow.exceptions import MlflowException

        if isinstance(err, MlflowException):
            code = getattr(err, "error_code", "")
            if not_found is not None and code in {"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"}:
                raise NotFoundError(not_found) from None
            raise RegistryError(f"{context}: {_first_line(err.message)}") from None
        if isinstance(err, OSError) or type(err).__module__.split(".")[0] in {
            "sqlalchemy",
            "requests",
            "urllib3",
        }:
            raise RegistryError(f"{context}: {type(err).__name__}: {_first_line(str(err))}") from None
        raise


@contextlib.contextmanager
def _home_lock(name: str, timeout_s: float = 300.0) -> Iterator[None]:
    """An inter-process lock file under ``$MODOPS_HOME/.locks`` (fcntl where available)."""
    lock_dir = get_settings().resolved_home / ".locks"
    try:
        lock_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RegistryError(f"cannot create {lock_dir}: {err.strerror}") from None
    path = lock_dir / f"{name}.lock"
    deadline = time.monotonic() + timeout_s

    def wait_for(acquire: Callable[[], bool]) -> None:
        while not acquire():
            if time.monotonic() > deadline:
                raise RegistryError(f"timed out waiting for lock {path}")
            time.sleep(0.05)

    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX: exclusive-create lock file
        excl = path.with_suffix(".excl")
        fds: list[int] = []

        def create() -> bool:
            try:
                fds.append(os.open(excl, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return False
            return True

        wait_for(create)
        try:
            yield
        finally:
            os.close(fds[0])
            with contextlib.suppress(OSError):
                os.unlink(excl)
        return
    with path.open("a+") as fh:

        def flock() -> bool:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        wait_for(flock)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------- lookups


def _registered_model(client: MlflowClient, detector: str) -> RegisteredModel:
    name = model_name(detector)
    with _translate(
        f"cannot read registered model {name}",
        not_found=(
            f"no registered model {name!r} for detector {detector!r} "
            f"(run `modops init`, or train one with `modops train {detector}`)"
        ),
    ):
        return client.get_registered_model(name)


def _model_version(client: MlflowClient, detector: str, version: str) -> ModelVersion:
    name = model_name(detector)
    _registered_model(client, detector)  # a missing model gets its own, clearer message
    with _translate(
        f"cannot read {name} version {version}",
        not_found=f"{name} has no version {version} (see `modops registry describe {detector}`)",
    ):
        return client.get_model_version(name, version)


def _aliases(model: RegisteredModel) -> dict[str, str]:
    return {str(a): str(v) for a, v in (model.aliases or {}).items()}


def _all_versions(client: MlflowClient, detector: str) -> list[ModelVersion]:
    name = model_name(detector)
    out: list[ModelVersion] = []
    token: str | None = None
    with _translate(f"cannot list versions of {name}"):
        while True:
            page = client.search_model_versions(f"name='{name}'", page_token=token)
            out.extend(page)
            token = page.token
            if not token:
                break
    return sorted(out, key=lambda mv: int(mv.version))


def _modops_models(client: MlflowClient) -> list[RegisteredModel]:
    out: list[RegisteredModel] = []
    token: str | None = None
    with _translate("cannot list registered models"):
        while True:
            page = client.search_registered_models(f"name LIKE '{MODEL_PREFIX}%'", page_token=token)
            out.extend(page)
            token = page.token
            if not token:
                break
    return sorted((m for m in out if m.name.startswith(MODEL_PREFIX)), key=lambda m: m.name)


def _store_missing() -> bool:
    """True when the local SQLite store does not exist yet (read-only calls then create nothing)."""
    return any((db := _sqlite_path(uri)) is not None and not db.exists() for uri in _uris())


def _has_versions(client: MlflowClient, detector: str) -> bool:
    name = model_name(detector)
    with _translate(f"cannot list versions of {name}"):
        return len(client.search_model_versions(f"name='{name}'", max_results=1)) > 0


# --------------------------------------------------------------------------- logging runs


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


def _clean_key(key: str) -> str:
    # MLflow keys allow alphanumerics, _ - . space / only.
    return re.sub(r"[^A-Za-z0-9_\-. /]", "_", key)[:250] or "_"


def _flatten_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    flat: dict[str, Any] = {}
    _flatten("", dict(params or {}), flat)
    out: dict[str, str] = {}
    for key, value in flat.items():
        text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
        out[_clean_key(key)] = text[:6000]
    return out


def _flatten_metrics(metrics: Mapping[str, Any] | None) -> dict[str, float]:
    flat: dict[str, Any] = {}
    _flatten("", dict(metrics or {}), flat)
    out: dict[str, float] = {}
    for key, value in flat.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = float(value)
        try:
            out[_clean_key(key)] = float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"metric {key!r} must be a number, got {type(value).__name__} (log structured results as an artifact)"
            ) from None
    return out


def _git_sha() -> str:
    """HEAD of the repository the package (or the working directory) lives in, else 'unknown'."""
    import modops

    for cwd in (Path(modops.__file__).resolve().parent, Path.cwd()):
        try:
            res = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.SubprocessError):
            continue
        sha = res.stdout.strip()
        if res.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", sha):
            return sha
    return "unknown"


def text_signature() -> ModelSignature:
    """Pyfunc signature for text detectors: ``text`` (string) → ``score`` (double), ``findings`` (JSON string)."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(
        inputs=Schema([ColSpec("string", "text")]),
        outputs=Schema([ColSpec("double", "score"), ColSpec("string", "findings")]),
    )


def _check_artifacts(artifacts: Mapping[str, Path | str] | None) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for name, raw in (artifacts or {}).items():
        path = Path(raw)
        if not path.exists():
            raise NotFoundError(f"artifact {name!r} not found: {path}")
        if not os.access(path, os.R_OK):
            raise InputError(f"artifact {name!r} is not readable: {path}")
        clean = _clean_key(str(name)).strip("/ ") or "artifacts"
        if ".." in Path(clean).parts:
            raise InputError(f"invalid artifact name {name!r}")
        out[clean] = path
    return out


_MODEL_CODE = """\
# Written by modops.registry: the pyfunc entry point (MLflow "models from code", no pickle).
import mlflow.models

from modops.detectors.pyfunc import DetectorModel

mlflow.models.set_model(DetectorModel())
"""


_QUIET_ENV = {
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
}
_QUIET_LOGGERS = ("mlflow.pyfunc", "mlflow.store.model_registry.abstract_store", "mlflow.models.model")


@contextlib.contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """No progress bars, run URLs on stdout or advisory warnings from MLflow inside registry calls.

    Only defaults are set: an MLFLOW_* variable the user set is left alone.
    """
    added = [k for k in _QUIET_ENV if k not in os.environ]
    for key in added:
        os.environ[key] = _QUIET_ENV[key]
    loggers = [logging.getLogger(n) for n in _QUIET_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*input example was not provided.*")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
        for key in added:
            os.environ.pop(key, None)


def _save_pyfunc(bundle_dir: Path, dest: Path, signature: ModelSignature | None, meta: Any) -> Path:
    """Write the MLflow pyfunc model wrapping ``bundle_dir`` into ``dest`` (no tracking I/O).

    The model is saved "from code" (a two-line entry script importing
    ``modops.detectors.pyfunc.DetectorModel``) rather than cloudpickled, so loading it runs
    only modops code, never unpickled bytes.
    """
    import mlflow
    import mlflow.pyfunc

    import modops

    # Stage the bundle as a folder named "bundle" so it always lands at artifacts/bundle.
    staged = dest.parent / "staged" / BUNDLE_KEY
    shutil.copytree(bundle_dir, staged)
    code = dest.parent / "modops_detector_model.py"
    code.write_text(_MODEL_CODE, encoding="utf-8")
    metadata = {
        "modops_detector": meta.detector,
        "modops_bundle_version": meta.version,
        "modops_family": meta.family,
        "modops_dataset_version": meta.dataset_version or "",
    }
    with _quiet_mlflow():
        mlflow.pyfunc.save_model(
            path=str(dest),
            python_model=str(code),
            artifacts={BUNDLE_KEY: str(staged)},
            signature=signature,
            pip_requirements=[f"modops=={modops.__version__}", f"mlflow-skinny=={mlflow.__version__}"],
            metadata=metadata,
        )
    return dest


def _artifact_location(experiment: str) -> str | None:
    """Local stores keep artifacts under $MODOPS_HOME/mlartifacts; a server chooses its own."""
    tracking, _ = _uris()
    if _is_remote(tracking):
        return None
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", experiment)
    return (get_settings().artifacts_dir / safe).as_uri()


def _ensure_experiment(client: MlflowClient, name: str) -> str:
    from mlflow.exceptions import MlflowException

    with _translate(f"cannot prepare experiment {name!r}"):
        exp = client.get_experiment_by_name(name)
        if exp is not None:
            if exp.lifecycle_stage == "deleted":
                client.restore_experiment(exp.experiment_id)
            return str(exp.experiment_id)
        try:
            return str(
                client.create_experiment(
                    name, artifact_location=_artifact_location(name), tags={"modops": "1"}
                )
            )
        except MlflowException:
            exp = client.get_experiment_by_name(name)  # another process created it meanwhile
            if exp is None:
                raise
            return str(exp.experiment_id)


def _ensure_registered_model(client: MlflowClient, detector: str) -> bool:
    """Create ``modops-<detector>`` if needed; True if this call created it."""
    from mlflow.exceptions import MlflowException

    name = model_name(detector)
    with _translate(f"cannot create registered model {name}"):
        try:
            client.get_registered_model(name)
            return False
        except MlflowException as err:
            if getattr(err, "error_code", "") not in {"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"}:
                raise
        try:
            client.create_registered_model(
                name, tags={"modops.detector": detector}, description=f"modops {detector} detector"
            )
            return True
        except MlflowException as err:
            if getattr(err, "error_code", "") == "RESOURCE_ALREADY_EXISTS":
                return False
            raise


def log_training_run(
    detector: str,
    bundle_dir: Path | str,
    params: Mapping[str, Any] | None,
    metrics: Mapping[str, Any] | None,
    dataset_version: str | None,
    artifacts: Mapping[str, Path | str] | None = None,
    register: bool = True,
    tags: Mapping[str, str] | None = None,
    experiment: str | None = None,
    signature: ModelSignature | None = None,
    description: str = "",
    run_type: str = "train",
) -> RunInfo:
    """Log one MLflow run for a trained bundle and (by default) register it as ``modops-<detector>``.

    The run gets ``params`` and ``metrics`` (nested dicts are flattened with dots),
    ``artifacts`` (name → file or folder, logged under that name), the bundle as a pyfunc
    model under ``model/``, and tags ``modops.detector``, ``modops.dataset_version`` and
    ``git_sha``. Everything is validated first: an incomplete bundle (ArtifactError), a
    missing artifact or a non-numeric metric fails before any run exists. If a later step
    fails, the run is deleted and no model version is left behind.
    """
    detector = _check_detector(_strip_prefix(detector))
    bundle_dir = Path(bundle_dir)
    meta = read_bundle_checked(bundle_dir, detector)
    if dataset_version is not None and meta.dataset_version and dataset_version != meta.dataset_version:
        raise InputError(
            f"dataset version mismatch: the run says {dataset_version!r}, the bundle was trained on "
            f"{meta.dataset_version!r}"
        )
    dataset_version = dataset_version or meta.dataset_version
    flat_params = _flatten_params(params)
    flat_metrics = _flatten_metrics(metrics)
    extra = _check_artifacts(artifacts)
    if signature is None:
        from modops.core import get_detector_spec

        if get_detector_spec(detector).kind == "text":
            signature = text_signature()
        else:
            log.warning(
                "detector %s is not a text detector and no signature was given: logging none", detector
            )
    git_sha = _git_sha()
    run_tags = {
        **{str(k): str(v) for k, v in (tags or {}).items()},
        "modops.detector": detector,
        "modops.dataset_version": dataset_version or "none",
        "modops.bundle_version": meta.version,
        "modops.family": meta.family,
        "modops.run_type": run_type,
        "git_sha": git_sha,
    }

    with tempfile.TemporaryDirectory(prefix="modops-model-") as tmp:
        try:
            model_dir = _save_pyfunc(bundle_dir, Path(tmp) / MODEL_ARTIFACT_PATH, signature, meta)
        except ModopsError:
            raise
        except Exception as err:
            raise ArtifactError(
                f"cannot package {bundle_dir} as an MLflow model: {_first_line(str(err))}"
            ) from None

        client = _client()
        exp_id = _ensure_experiment(client, experiment or model_name(detector))
        with _translate("cannot start an MLflow run"):
            run = client.create_run(exp_id, tags=run_tags, run_name=f"{run_type}-{detector}-{meta.version}")
        run_id = run.info.run_id
        created_model = False
        version: str | None = None
        try:
            with _translate(f"cannot log run {run_id}"), _quiet_mlflow():
                from mlflow.entities import Metric, Param

                stamp = int(time.time() * 1000)
                params_list = [Param(k, v) for k, v in flat_params.items()]
                metric_list = [Metric(k, v, stamp, 0) for k, v in flat_metrics.items()]
                for i in range(0, len(params_list), 100):
                    client.log_batch(run_id, params=params_list[i : i + 100])
                for i in range(0, len(metric_list), 1000):
                    client.log_batch(run_id, metrics=metric_list[i : i + 1000])
                client.log_artifacts(run_id, str(model_dir), MODEL_ARTIFACT_PATH)
                card = bundle_dir / "MODEL_CARD.md"
                if card.is_file():
                    client.log_artifact(run_id, str(card))
                for name, path in extra.items():
                    if path.is_dir():
                        client.log_artifacts(run_id, str(path), name)
                    else:
                        client.log_artifact(run_id, str(path), name)
            if register:
                created_model = _ensure_registered_model(client, detector)
                version_tags = {k: v for k, v in run_tags.items() if k != "modops.run_type"}
                source = f"{run.info.artifact_uri.rstrip('/')}/{MODEL_ARTIFACT_PATH}"
                with _translate(f"cannot register {model_name(detector)}"), _quiet_mlflow():
                    mv = client.create_model_version(
                        model_name(detector),
                        source,
                        run_id=run_id,
                        tags=version_tags,
                        description=description or f"{meta.family} model {meta.version}",
                    )
                version = str(mv.version)
            with _translate(f"cannot finish run {run_id}"), _quiet_mlflow():
                client.set_terminated(run_id, "FINISHED")
        except BaseException:
            with _quiet_mlflow():
                _cleanup_failed_run(client, detector, run_id, version, created_model)
            raise
    return RunInfo(run_id=run_id, model_version=version)


def read_bundle_checked(bundle_dir: Path, detector: str) -> Any:
    """``read_bundle`` plus a check that the bundle belongs to ``detector``."""
    from modops.detectors.bundle import read_bundle

    if not bundle_dir.exists():
        raise NotFoundError(f"model bundle not found: {bundle_dir}")
    meta = read_bundle(bundle_dir)
    if meta.detector != detector:
        raise ArtifactError(f"bundle {bundle_dir} is for detector {meta.detector!r}, not {detector!r}")
    return meta


def _cleanup_failed_run(
    client: MlflowClient, detector: str, run_id: str, version: str | None, created_model: bool
) -> None:
    """Leave no partial registry entry behind after a failed log/register."""
    name = model_name(detector)
    with contextlib.suppress(Exception):
        if version is not None:
            client.delete_model_version(name, version)
    with contextlib.suppress(Exception):
        if created_model and not client.search_model_versions(f"name='{name}'", max_results=1):
            client.delete_registered_model(name)
    with contextlib.suppress(Exception):
        client.set_terminated(run_id, "FAILED")
    with contextlib.suppress(Exception):
        client.delete_run(run_id)


def register_bundle(
    detector: str,
    bundle_dir: Path | str,
    *,
    description: str = "",
    tags: Mapping[str, str] | None = None,
) -> str:
    """Register an existing bundle folder as a new version of ``modops-<detector>``; returns the version.

    The bundle's own ``training_config`` and ``metrics`` become the run's params and metrics.
    """
    detector = _check_detector(_strip_prefix(detector))
    meta = read_bundle_checked(Path(bundle_dir), detector)
    info = log_training_run(
        detector,
        bundle_dir,
        params=meta.training_config,
        metrics=_flat_numeric(meta.metrics),
        dataset_version=meta.dataset_version,
        register=True,
        tags=tags,
        description=description,
        run_type="register",
    )
    assert info.model_version is not None
    return info.model_version


def _flat_numeric(metrics: Mapping[str, Any]) -> dict[str, float]:
    """Numeric leaves of a bundle's metrics dict (bundles may carry text, e.g. notes)."""
    flat: dict[str, Any] = {}
    _flatten("", dict(metrics or {}), flat)
    return {k: float(v) for k, v in flat.items() if isinstance(v, int | float)}


# --------------------------------------------------------------------------- aliases & promotion


def set_alias(detector: str, alias: str, version: str | int) -> None:
    """Point ``alias`` at ``version`` (no history record; use ``promote`` for audited moves)."""
    detector = _check_detector(_strip_prefix(detector))
    alias = _check_alias(alias)
    version = _check_version(version)
    client = _client_for(detector)
    _model_version(client, detector, version)
    with _translate(f"cannot set alias {alias!r} on {model_name(detector)}"):
        client.set_registered_model_alias(model_name(detector), alias, version)


def get_alias(detector: str, alias: str) -> str | None:
    """The version ``alias`` points at, or None if unset. Unknown model → NotFoundError."""
    detector = _check_detector(_strip_prefix(detector))
    alias = _check_alias(alias)
    return _aliases(_registered_model(_client_for(detector), detector)).get(alias)


def aliases(detector: str) -> dict[str, str]:
    """All aliases of ``modops-<detector>`` (alias → version)."""
    detector = _check_detector(_strip_prefix(detector))
    return _aliases(_registered_model(_client_for(detector), detector))


def _history_from_tags(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for key, value in tags.items():
        if not key.startswith(HISTORY_TAG_PREFIX):
            continue
        try:
            event = json.loads(value)
            event["seq"] = int(key[len(HISTORY_TAG_PREFIX) :])
        except (ValueError, TypeError):
            continue
        events.append(event)
    return sorted(events, key=lambda e: e["seq"])


def history(detector: str) -> list[dict[str, Any]]:
    """Every promotion/rollback of ``modops-<detector>``, oldest first."""
    detector = _check_detector(_strip_prefix(detector))
    return _history_from_tags(_registered_model(_client_for(detector), detector).tags or {})


def _record(client: MlflowClient, record: PromotionRecord, events: list[dict[str, Any]]) -> PromotionRecord:
    name = model_name(record.detector)
    seq = max((e["seq"] for e in events), default=0) + 1
    record = PromotionRecord(**{**record.to_dict(), "seq": seq})
    payload = {k: v for k, v in record.to_dict().items() if k not in {"seq", "detector"}}
    alias = record.alias
    mv_tags = {
        f"modops.{alias}.action": record.action,
        f"modops.{alias}.reason": record.reason,
        f"modops.{alias}.evaluation_run_id": record.evaluation_run_id or "",
        f"modops.{alias}.actor": record.actor,
        f"modops.{alias}.previous_version": record.previous_version or "",
        f"modops.{alias}.at": record.timestamp,
    }
    with _translate(f"cannot record the {record.action} of {name}"):
        client.set_registered_model_tag(
            name, f"{HISTORY_TAG_PREFIX}{seq:06d}", json.dumps(payload, sort_keys=True)
        )
        for key, value in mv_tags.items():
            client.set_model_version_tag(name, record.version, key, value)
        if record.previous_version and record.previous_version != record.version:
            with contextlib.suppress(Exception):  # the old version may have been deleted
                client.set_model_version_tag(
                    name, record.previous_version, f"modops.{alias}.replaced_by", record.version
                )
                client.set_model_version_tag(
                    name, record.previous_version, f"modops.{alias}.replaced_at", record.timestamp
                )
    return record


def _move_alias(
    detector: str,
    version: str,
    alias: str,
    *,
    action: str,
    reason: str,
    evaluation_run_id: str | None,
    actor: str | None,
    mode: str | None = None,
) -> PromotionRecord:
    client = _client()
    name = model_name(detector)
    with _home_lock(f"alias-{detector}"):
        model = _registered_model(client, detector)
        _model_version(client, detector, version)
        current = _aliases(model)
        previous = current.get(alias)
        if previous == version:
            raise RegistryError(f"{name} version {version} is already the {alias}")
        if alias == CHALLENGER and current.get(CHAMPION) == version:
            raise RegistryError(
                f"{name} version {version} is the champion; a challenger must be another version"
            )
        cleared = None
        with _translate(f"cannot set alias {alias!r} on {name}"):
            client.set_registered_model_alias(name, alias, version)
            if alias == CHAMPION and current.get(CHALLENGER) == version:
                client.delete_registered_model_alias(name, CHALLENGER)
                cleared = version
        record = PromotionRecord(
            detector=detector,
            alias=alias,
            version=version,
            previous_version=previous,
            action=action,
            reason=reason,
            evaluation_run_id=evaluation_run_id,
            actor=actor or _default_actor(),
            timestamp=_now(),
            cleared_challenger=cleared,
            mode=mode,
        )
        return _record(client, record, _history_from_tags(model.tags or {}))


def _check_run(client: MlflowClient, run_id: str | None) -> str | None:
    if run_id is None:
        return None
    run_id = run_id.strip()
    if not run_id:
        return None
    with _translate("cannot read the evaluation run", not_found=f"unknown evaluation run {run_id!r}"):
        try:
            client.get_run(run_id)
        except Exception as err:
            from mlflow.exceptions import MlflowException

            if (
                isinstance(err, MlflowException)
                and getattr(err, "error_code", "") == "INVALID_PARAMETER_VALUE"
            ):
                raise NotFoundError(f"unknown evaluation run {run_id!r}") from None
            raise
    return run_id


def promote(
    detector: str,
    version: str | int,
    alias: str = CHAMPION,
    *,
    reason: str,
    evaluation_run_id: str | None = None,
    actor: str | None = None,
) -> PromotionRecord:
    """Point ``alias`` (champion or challenger) at ``version`` and record why (see module docs)."""
    detector = _check_detector(_strip_prefix(detector))
    if alias not in PROMOTION_ALIASES:
        raise InputError(f"alias must be one of {', '.join(PROMOTION_ALIASES)}, got {alias!r}")
    version = _check_version(version)
    reason = _check_reason(reason)
    client = _client_for(detector)
    _model_version(client, detector, version)
    eval_run = _check_run(client, evaluation_run_id)
    return _move_alias(
        detector, version, alias, action="promote", reason=reason, evaluation_run_id=eval_run, actor=actor
    )


def _undo_target(events: list[dict[str, Any]], current: str, existing: set[str]) -> str | None:
    """The champion before the current one, replaying champion moves as an undo stack."""
    stack: list[str] = []
    for event in events:
        if event.get("alias") != CHAMPION:
            continue
        if event.get("action") == "rollback" and event.get("mode") == "undo":
            target = str(event.get("version"))
            while stack:
                if stack.pop() == target:
                    break
        elif event.get("previous_version"):
            stack.append(str(event["previous_version"]))
    while stack:
        candidate = stack.pop()
        if candidate != current and candidate in existing:
            return candidate
    return None


def rollback(
    detector: str,
    to_version: str | int | None = None,
    *,
    reason: str,
    actor: str | None = None,
    evaluation_run_id: str | None = None,
) -> PromotionRecord:
    """Move ``champion`` back: to ``to_version``, or (None) to the champion before the current one."""
    detector = _check_detector(_strip_prefix(detector))
    reason = _check_reason(reason)
    client = _client_for(detector)
    model = _registered_model(client, detector)
    current = _aliases(model).get(CHAMPION)
    name = model_name(detector)
    if current is None:
        raise RegistryError(f"{name} has no champion to roll back")
    eval_run = _check_run(client, evaluation_run_id)
    if to_version is None:
        existing = {str(mv.version) for mv in _all_versions(client, detector)}
        target = _undo_target(_history_from_tags(model.tags or {}), current, existing)
        if target is None:
            raise RegistryError(f"{name} has no earlier champion to roll back to; pass --to VERSION")
        mode = "undo"
    else:
        target = _check_version(to_version)
        mode = "explicit"
    return _move_alias(
        detector,
        target,
        CHAMPION,
        action="rollback",
        reason=reason,
        evaluation_run_id=eval_run,
        actor=actor,
        mode=mode,
    )


# --------------------------------------------------------------------------- reading the registry


def _ms_to_iso(ms: int | None) -> str | None:
    if not ms:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def list_models() -> list[dict[str, Any]]:
    """One row per ``modops-*`` registered model: versions, latest, aliases, last update."""
    if _store_missing():
        return []
    client = _client()
    rows = []
    for model in _modops_models(client):
        detector = model.name[len(MODEL_PREFIX) :]
        versions = _all_versions(client, detector)
        rows.append(
            {
                "detector": detector,
                "name": model.name,
                "versions": len(versions),
                "latest_version": str(versions[-1].version) if versions else None,
                "aliases": _aliases(model),
                "updated": _ms_to_iso(model.last_updated_timestamp),
            }
        )
    return rows


def describe(detector: str) -> dict[str, Any]:
    """Everything about ``modops-<detector>``: versions (with source-run metrics), aliases, tags, history."""
    detector = _check_detector(_strip_prefix(detector))
    client = _client_for(detector)
    model = _registered_model(client, detector)
    tags = dict(model.tags or {})
    model_aliases = _aliases(model)
    versions = []
    for mv in _all_versions(client, detector):
        run_metrics: dict[str, float] = {}
        run_params: dict[str, str] = {}
        run_status = None
        if mv.run_id:
            with contextlib.suppress(Exception):  # a deleted run must not break describe
                run = client.get_run(mv.run_id)
                run_metrics = dict(run.data.metrics)
                run_params = dict(run.data.params)
                run_status = run.info.status
        mv_tags = dict(mv.tags or {})
        versions.append(
            {
                "version": str(mv.version),
                "aliases": sorted(a for a, v in model_aliases.items() if v == str(mv.version)),
                "created": _ms_to_iso(mv.creation_timestamp),
                "status": mv.status,
                "run_id": mv.run_id,
                "run_status": run_status,
                "source": mv.source,
                "description": mv.description,
                "dataset_version": mv_tags.get("modops.dataset_version"),
                "bundle_version": mv_tags.get("modops.bundle_version"),
                "family": mv_tags.get("modops.family"),
                "git_sha": mv_tags.get("git_sha"),
                "tags": mv_tags,
                "metrics": run_metrics,
                "params": run_params,
            }
        )
    return {
        "detector": detector,
        "name": model.name,
        "description": model.description,
        "created": _ms_to_iso(model.creation_timestamp),
        "updated": _ms_to_iso(model.last_updated_timestamp),
        "aliases": model_aliases,
        "tags": {k: v for k, v in tags.items() if not k.startswith(HISTORY_TAG_PREFIX)},
        "history": _history_from_tags(tags),
        "versions": versions,
    }


def champion_versions() -> dict[str, str]:
    """``{detector: champion version}`` for every modops model with a champion (one query; for hot reload)."""
    if _store_missing():
        return {}
    client = _client()
    out: dict[str, str] = {}
    for model in _modops_models(client):
        version = _aliases(model).get(CHAMPION)
        if version is not None:
            out[model.name[len(MODEL_PREFIX) :]] = version
    return out


def _resolve_version(client: MlflowClient, detector: str, alias: str) -> str:
    if str(alias).isdigit():
        version = _check_version(alias)
        _model_version(client, detector, version)
        return version
    alias = _check_alias(alias)
    model = _registered_model(client, detector)
    target = _aliases(model).get(alias)
    if target is None:
        known = ", ".join(f"{a}={v}" for a, v in sorted(_aliases(model).items())) or "none"
        raise NotFoundError(
            f"{model.name} has no alias {alias!r} (aliases: {known}); set one with "
            f"`modops registry promote {detector} <version> --alias {alias} --reason ...`"
        )
    return target


def _bundle_in(model_dir: Path) -> Path:
    """The bundle folder inside a downloaded pyfunc model (from MLmodel; default artifacts/bundle)."""
    import yaml

    rel = f"artifacts/{BUNDLE_KEY}"
    with contextlib.suppress(Exception):
        spec = yaml.safe_load((model_dir / "MLmodel").read_text(encoding="utf-8"))
        rel = spec["flavors"]["python_function"]["artifacts"][BUNDLE_KEY]["path"]
    return model_dir / rel


def resolve_bundle(detector: str, alias: str = CHAMPION) -> Path:
    """Local path of the bundle behind ``modops-<detector>@<alias>`` (or a version number).

    Downloads the model version's artifacts once into ``$MODOPS_HOME/cache/<detector>/<version>/``
    and reuses them afterwards (re-downloading if the registry now points elsewhere).
    """
    from modops.detectors.bundle import read_bundle

    detector = _check_detector(_strip_prefix(detector))
    client = _client_for(detector)
    version = _resolve_version(client, detector, alias)
    name = model_name(detector)
    with _translate(f"cannot locate {name} version {version}"):
        source = client.get_model_version_download_uri(name, version)
    cache_root = get_settings().resolved_home / "cache" / detector
    target = cache_root / version
    marker = target / _CACHE_MARKER
    stamp = {"name": name, "version": version, "source": source}
    if _marker_matches(marker, stamp):
        return _bundle_in(target)
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = cache_root / f".tmp-{version}-{uuid.uuid4().hex[:8]}"
    try:
        from mlflow.artifacts import download_artifacts

        tracking, _ = _uris()
        with _translate(f"cannot download {name} version {version}"), _quiet_mlflow():
            local = Path(download_artifacts(artifact_uri=source, dst_path=str(tmp), tracking_uri=tracking))
        if local != tmp:  # download_artifacts puts a folder named after the source inside dst
            staged = tmp.with_name(tmp.name + "-m")
            local.rename(staged)
            shutil.rmtree(tmp, ignore_errors=True)
            staged.rename(tmp)
        read_bundle(_bundle_in(tmp))  # refuse a corrupt artifact before it enters the cache
        (tmp / _CACHE_MARKER).write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
        with _home_lock(f"cache-{detector}"):
            if _marker_matches(marker, stamp):  # another process finished first
                return _bundle_in(target)
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(tmp.with_name(tmp.name + "-m"), ignore_errors=True)
    return _bundle_in(target)


def _marker_matches(marker: Path, stamp: dict[str, str]) -> bool:
    try:
        return bool(json.loads(marker.read_text(encoding="utf-8")) == stamp)
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------- shipped defaults


def ensure_default_registered(detector: str) -> str | None:
    """Register the shipped default bundle as version 1 ``champion`` if ``modops-<detector>`` has no versions.

    Returns the version registered now, or None when nothing was needed (the model already has
    versions, or the package ships no default). Safe when several processes sharing one
    ``MODOPS_HOME`` start at once (a lock file under the home serialises them).
    """
    from modops.detectors.bundle import default_bundle_path

    detector = _check_detector(_strip_prefix(detector))
    path = default_bundle_path(detector)
    if path is None:
        return None
    client = _client()
    if _has_versions(client, detector):
        return None
    with _home_lock(f"default-{detector}"):
        if _has_versions(client, detector):
            return None
        version = register_bundle(
            detector, path, description="shipped default model", tags={"modops.source": "shipped-default"}
        )
        name = model_name(detector)
        with _translate(f"cannot set the champion of {name}"):
            client.set_registered_model_alias(name, CHAMPION, version)
        record = PromotionRecord(
            detector=detector,
            alias=CHAMPION,
            version=version,
            previous_version=None,
            action="register-default",
            reason="shipped default registered on first use",
            evaluation_run_id=None,
            actor="modops",
            timestamp=_now(),
        )
        _record(client, record, [])
        log.info("registered the shipped default of %s as %s version %s (champion)", detector, name, version)
        return version


def ensure_defaults_registered() -> dict[str, str]:
    """``ensure_default_registered`` for every registered detector with a shipped default.

    Returns ``{detector: version}`` for the defaults registered by this call.
    """
    from modops.core import available_detectors
    from modops.detectors.bundle import default_bundle_path

    out: dict[str, str] = {}
    for detector in available_detectors():
        if default_bundle_path(detector) is None:
            continue
        version = ensure_default_registered(detector)
        if version is not None:
            out[detector] = version
    return out


def init_store() -> dict[str, str]:
    """Create ``$MODOPS_HOME`` and the tracking/registry store (migrating SQLite); returns the locations."""
    home = get_settings().resolved_home
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RegistryError(f"cannot create MODOPS_HOME {home}: {err.strerror}") from None
    _client()
    tracking, registry = _uris()
    return {"home": str(home), "tracking_uri": tracking, "registry_uri": registry}


__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "PromotionRecord",
    "RunInfo",
    "aliases",
    "champion_versions",
    "describe",
    "ensure_default_registered",
    "ensure_defaults_registered",
    "get_alias",
    "history",
    "init_store",
    "list_models",
    "log_training_run",
    "model_name",
    "promote",
    "register_bundle",
    "resolve_bundle",
    "rollback",
    "set_alias",
    "text_signature",
]
