"""``modops`` command line. Errors print one line and exit non-zero; ``--debug`` shows tracebacks."""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Annotated

import typer

from modops import __version__
from modops.commands.groups import data_app, eval_app, registry_app, train_app
from modops.errors import ModopsError

app = typer.Typer(
    name="modops",
    help="modops: self-hosted trust-&-safety ML. Detect, train, evaluate, register, serve, monitor.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data_app, name="data")
app.add_typer(registry_app, name="registry")
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")

# Area modules register their commands on the groups above at import; a module that
# adds top-level commands defines ``register(app)``.
_COMMAND_MODULES = ("data", "registry", "normalize", "toxicity", "pii", "moderate", "serve")
for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"modops.commands.{_name}")
    except ModuleNotFoundError as _err:  # an area not built yet
        if _err.name != f"modops.commands.{_name}":
            raise
        continue
    if hasattr(_module, "register"):
        _module.register(app)

_DEBUG = False


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"modops {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    global _DEBUG
    _DEBUG = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns the exit code instead of raising, for tests and ``console_scripts``."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        # With standalone_mode=False click returns a command's typer.Exit code instead of raising.
        rc = app(args=args, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 130
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        return 130
    except ModopsError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc.message}", err=True)
        return exc.exit_code
    except Exception as exc:  # click usage errors and anything unexpected
        code = getattr(exc, "exit_code", None)
        if hasattr(exc, "show") and isinstance(code, int):
            exc.show()  # a usage error (typer vendors click, so match by shape, not class)
            return code
        if debug:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        typer.echo(f"error: {type(exc).__name__}: {first} (run with --debug for the traceback)", err=True)
        return 1
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
