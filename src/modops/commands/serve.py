"""``modops serve``: run the moderation service (FastAPI + uvicorn) on the registry champions."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Annotated

import typer

from modops.errors import InputError

if TYPE_CHECKING:
    from modops.serving.models import Served

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
    if log_level.lower() not in {"critical", "error", "warning", "info", "debug", "trace"}:
        raise InputError(f"invalid --log-level {log_level!r}")
    settings = settings.model_copy(update=update)
    _check_port_free(settings.host, settings.port)

    import uvicorn

    from modops.serving.app import create_app

    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    base = f"http://{shown_host}:{settings.port}"

    def on_ready(served: Served) -> None:
        # plain echo, not rich: the banner must not be re-wrapped (the curl line is copied as is)
        versions = ", ".join(f"{k} {v}" for k, v in served.model_versions.items())
        lines = [
            "",
            f"modops is ready on {base} (models: {versions}; loaded in {served.load_seconds:.1f}s)",
            f"API docs: {base}/docs",
            "Try it:",
            curl_example(base, with_key=bool(settings.api_keys)),
            f"OpenAI SDK: OpenAI(base_url='{base}/v1', api_key='...').moderations.create(input=[...])",
            "",
        ]
        typer.echo("\n".join(lines))

    typer.echo(
        f"modops: starting on {base} (state in {settings.resolved_home}; "
        f"checking for new champions every {settings.reload_interval_s:g}s)"
    )
    app = create_app(
        settings,
        on_ready=on_ready,
        micro_batch=batch_workers != 0,
        batch_workers=batch_workers or None,
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level.lower(),
        access_log=access_log,
        timeout_graceful_shutdown=30,
    )


def register(app: typer.Typer) -> None:
    """Add the top-level ``modops serve`` command."""
    app.command("serve")(serve_cmd)
