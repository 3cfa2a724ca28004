"""``modops serve``: run the moderation service (FastAPI + uvicorn) on the registry champions.

With ``--workers N`` (N > 1) uvicorn's supervisor runs N processes on one port. Python runs one
request's pipeline at a time per process, so on a 2-core box a second process is what uses the
second core. The workers register the shipped defaults on a fresh home under the registry's
inter-process lock, so this command only prepares a run folder: Prometheus's multiprocess files and the file
through which an admin reload reaches every worker. Each worker builds its app with
``worker_app`` and loads its models before it takes a connection.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modops.errors import InputError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from modops.config import Settings
    from modops.serving.models import Served

# Passed from ``modops serve`` to its worker processes (uvicorn starts them by import string).
RUN_DIR_ENV = "MODOPS_SERVE_RUN_DIR"
BATCH_WORKERS_ENV = "MODOPS_SERVE_BATCH_WORKERS"

EXAMPLE_TEXT = "shut up you f*cking id10t, email me at jo.doe@example.com"


def curl_example(base: str, with_key: bool = False) -> str:
    auth = ' -H "Authorization: Bearer $MODOPS_API_KEY"' if with_key else ""
    return (
        f"curl -s {base}/v1/moderate -H 'content-type: application/json'{auth} \\\n"
        f'     -d \'{{"input": "{EXAMPLE_TEXT}"}}\''
    )


def _check_port_free(host: str, port: int) -> None:
    # A clear one-line error instead of uvicorn's bind traceback.
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise InputError(f"cannot resolve host {host!r}") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as err:
            raise InputError(f"cannot listen on {host}:{port}: {err.strerror}") from None


def _base_url(settings: Settings) -> str:
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{shown_host}:{settings.port}"


def ready_banner(settings: Settings, served: Served) -> str:
    base = _base_url(settings)
    versions = ", ".join(f"{k} {v}" for k, v in served.model_versions.items())
    workers = f"; {settings.workers} workers" if settings.workers > 1 else ""
    return "\n".join(
        [
            "",
            f"modops is ready on {base} (models: {versions}; loaded in {served.load_seconds:.1f}s{workers})",
            f"API docs: {base}/docs",
            "Try it:",
            curl_example(base, with_key=bool(settings.api_keys)),
            f"OpenAI SDK: OpenAI(base_url='{base}/v1', api_key='...').moderations.create(input=[...])",
            "",
        ]
    )


def worker_app() -> FastAPI:
    """App factory for one ``modops serve --workers N`` process (settings come from the environment)."""
    from modops.config import get_settings
    from modops.serving.app import create_app

    settings = get_settings()
    run_dir = Path(os.environ[RUN_DIR_ENV])
    raw = os.environ.get(BATCH_WORKERS_ENV, "")
    batch_workers = int(raw) if raw else None

    def on_ready(served: Served) -> None:
        # every worker gets here; the first to create the marker prints the banner
        try:
            os.close(os.open(run_dir / "banner-shown", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        typer.echo(ready_banner(settings, served))

    return create_app(
        settings,
        on_ready=on_ready,
        micro_batch=batch_workers != 0,
        batch_workers=batch_workers or None,
        load_before_serving=True,
        reload_signal=run_dir / "reload-request",
    )


def _prepare_workers(settings: Settings, batch_workers: int | None) -> None:
    """Hand the settings to the worker processes through the environment, with a fresh run folder."""
    from modops.config import reset_settings
    from modops.serving.balance import LEDGER_ENV

    run_dir = settings.resolved_home / "run" / f"serve-{settings.port}"
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(run_dir)  # metrics files of an earlier run on this port would be summed in
    (run_dir / "metrics").mkdir(parents=True)
    os.environ.update(
        {
            "PROMETHEUS_MULTIPROC_DIR": str(run_dir / "metrics"),
            RUN_DIR_ENV: str(run_dir),
            LEDGER_ENV: str(run_dir / "connections"),
            BATCH_WORKERS_ENV: "" if batch_workers is None else str(batch_workers),
            "MODOPS_HOST": settings.host,
            "MODOPS_PORT": str(settings.port),
            "MODOPS_RELOAD_INTERVAL_S": repr(settings.reload_interval_s),
            "MODOPS_WORKERS": str(settings.workers),
        }
    )
    reset_settings()


def serve_cmd(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default MODOPS_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default MODOPS_PORT, 8000).")] = None,
    reload_interval: Annotated[
        float | None,
        typer.Option(
            "--reload-interval", help="Seconds between checks for a new registry champion (default 30)."
        ),
    ] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="uvicorn access log.")
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    batch_workers: Annotated[
        int | None,
        typer.Option(
            "--batch-workers",
            help="Pipeline threads that merge concurrent requests into shared batches (0 = no micro-batching; "
            "default 1).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Server processes sharing the port (default MODOPS_WORKERS, 1). Use the number of cores.",
        ),
    ] = None,
) -> None:
    """Serve the moderation API: registry champions (shipped defaults on first start), hot reload."""
    from modops.config import get_settings

    settings = get_settings()
    update: dict[str, object] = {}
    if host is not None:
        update["host"] = host
    if port is not None:
        if not 0 < port < 65536:
            raise InputError(f"invalid port {port}: expected 1-65535")
        update["port"] = port
    if reload_interval is not None:
        if reload_interval <= 0:
            raise InputError(f"invalid --reload-interval {reload_interval}: must be > 0 seconds")
        update["reload_interval_s"] = reload_interval
    if batch_workers is not None and not 0 <= batch_workers <= 64:
        raise InputError(f"invalid --batch-workers {batch_workers}: expected 0-64")
    if workers is not None:
        if not 1 <= workers <= 64:
            raise InputError(f"invalid --workers {workers}: expected 1-64")
        update["workers"] = workers
    if log_level.lower() not in {"critical", "error", "warning", "info", "debug", "trace"}:
        raise InputError(f"invalid --log-level {log_level!r}")
    settings = settings.model_copy(update=update)
    _check_port_free(settings.host, settings.port)

    import uvicorn

    base = _base_url(settings)
    typer.echo(
        f"modops: starting on {base} (state in {settings.resolved_home}; "
        f"checking for new champions every {settings.reload_interval_s:g}s"
        + (f"; {settings.workers} worker processes)" if settings.workers > 1 else ")")
    )
    common: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": log_level.lower(),
        "access_log": access_log,
        "timeout_graceful_shutdown": 30,
    }
    if settings.workers > 1:
        _prepare_workers(settings, batch_workers)
        if importlib.util.find_spec("httptools") is not None:
            # keep-alive connections spread evenly over the workers (see modops.serving.balance)
            common["http"] = "modops.serving.balance:BalancedHttpToolsProtocol"
        uvicorn.run(
            "modops.commands.serve:worker_app",
            factory=True,
            workers=settings.workers,
            **common,  # type: ignore[arg-type]
        )
        return

    from modops.serving.app import create_app

    def on_ready(served: Served) -> None:
        # plain echo, not rich: the banner must not be re-wrapped (the curl line is copied as is)
        typer.echo(ready_banner(settings, served))

    app = create_app(
        settings,
        on_ready=on_ready,
        micro_batch=batch_workers != 0,
        batch_workers=batch_workers or None,
    )
    uvicorn.run(app, **common)  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    """Add the top-level ``modops serve`` command."""
    app.command("serve")(serve_cmd)
