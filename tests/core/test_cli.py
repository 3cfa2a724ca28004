from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer

from modops.cli import app, main


def _all_command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        paths.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "modops")
def test_every_command_has_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("modops ")


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["definitely-not-a-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_console_script_errors_are_one_line() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from modops.cli import main; sys.exit(main())",
            "registry",
            "describe",
            "nope",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "No such command" in proc.stderr:
        pytest.skip("registry commands not built yet")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_command_exit_codes_are_kept() -> None:
    import typer as _typer

    from modops.cli import app as _app

    @_app.command("exit-three", hidden=True)
    def _exit_three() -> None:
        raise _typer.Exit(3)

    try:
        assert main(["exit-three"]) == 3
    finally:
        _app.registered_commands = [c for c in _app.registered_commands if c.name != "exit-three"]
