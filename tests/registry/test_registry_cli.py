"""``modops registry ...`` and ``modops init`` through the real CLI entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from modops import registry
from modops.cli import main
from tests.registry.kwdetector import NAME, pretend_shipped_default

Bundle = Callable[..., Path]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_registry_list_on_an_empty_home(modops_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "registry", "list")
    assert code == 0, err
    assert "modops models" in out and "champion" in out
    assert "modops init" in out
    code, out, _ = _run(capsys, "registry", "list", "--json")
    assert code == 0 and json.loads(out) == []
    for args in (
        ["describe", "toxicity"],
        ["aliases", "toxicity"],
        ["rollback", "toxicity", "--reason", "x"],
    ):
        code, _, err = _run(capsys, "registry", *args)
        assert code == 2
        assert "no registered model 'modops-toxicity'" in _one_error_line(err)
    assert not (modops_home / "mlflow.db").exists()


def test_registry_commands_round_trip(
    store: Path, make_bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in (1, 2):
        registry.log_training_run(NAME, make_bundle(f"kw-{i}"), {"C": i}, {"f1": 0.5 + i / 10}, "ds-test")
    eval_run = registry.log_training_run(NAME, make_bundle("e"), {}, {}, None, register=False).run_id

    code, out, err = _run(capsys, "registry", "promote", NAME, "1", "--reason", "initial", "--actor", "alice")
    assert code == 0, err
    assert out.strip() == f"promoted modops-{NAME} version 1 to champion"
    code, out, err = _run(
        capsys, "registry", "promote", NAME, "2", "--alias", "challenger", "--reason", "candidate"
    )
    assert code == 0, err
    code, out, _ = _run(capsys, "registry", "aliases", NAME)
    assert out.splitlines() == ["champion: 1", "challenger: 2"]

    code, out, err = _run(
        capsys,
        "registry",
        "promote",
        NAME,
        "2",
        "--reason",
        "better f1",
        "--eval-run",
        eval_run,
        "--actor",
        "ci",
    )
    assert code == 0, err
    assert out.strip() == f"promoted modops-{NAME} version 2 to champion (was 1); challenger alias cleared"

    code, out, _ = _run(capsys, "registry", "list")
    assert code == 0 and f"modops-{NAME}" in out

    code, out, err = _run(capsys, "registry", "rollback", NAME, "--reason", "regression", "--actor", "oncall")
    assert code == 0, err
    assert out.strip() == f"rolled back modops-{NAME} version 1 to champion (was 2)"
    code, out, err = _run(capsys, "registry", "rollback", NAME, "--to", "2", "--reason", "fixed")
    assert code == 0, err
    assert out.strip() == f"rolled back modops-{NAME} version 2 to champion (was 1)"

    code, out, err = _run(capsys, "registry", "describe", NAME)
    assert code == 0, err
    for text in ("versions", "promotion history", "better f1", "regression", "ds-test", eval_run[:8]):
        assert text in out
    code, out, _ = _run(capsys, "registry", "describe", NAME, "--json")
    info = json.loads(out)
    assert info["aliases"] == {"champion": "2"}
    assert [e["action"] for e in info["history"]] == ["promote", "promote", "promote", "rollback", "rollback"]
    assert info["versions"][1]["metrics"] == {"f1": 0.7}
    assert info["versions"][1]["params"] == {"C": "2"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["registry", "describe", "ghost"], "no registered model 'modops-ghost'"),
        (["registry", "aliases", "ghost"], "no registered model 'modops-ghost'"),
        (["registry", "promote", "ghost", "1", "--reason", "x"], "no registered model 'modops-ghost'"),
        (["registry", "promote", NAME, "42", "--reason", "x"], "has no version 42"),
        (["registry", "promote", NAME, "v1", "--reason", "x"], "positive integer"),
        (["registry", "promote", NAME, "1", "--alias", "prod", "--reason", "x"], "alias must be one of"),
        (["registry", "promote", NAME, "1", "--reason", " "], "non-empty reason"),
        (["registry", "promote", NAME, "1", "--reason", "x", "--eval-run", "nope"], "unknown evaluation run"),
        (["registry", "rollback", NAME, "--reason", "x"], "no champion to roll back"),
        (["registry", "rollback", NAME, "--to", "9", "--reason", "x"], "no champion to roll back"),
        (["registry", "describe", "bad name!"], "invalid detector name"),
    ],
)
def test_registry_bad_input_is_one_line_exit_2(
    store: Path,
    make_bundle: Bundle,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    registry.register_bundle(NAME, make_bundle())
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert message in _one_error_line(err)
    assert registry.aliases(NAME) == {}  # nothing changed


def test_unknown_alias_and_version_after_promotion(
    store: Path, make_bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    registry.register_bundle(NAME, make_bundle())
    registry.promote(NAME, "1", reason="x")
    code, _, err = _run(capsys, "registry", "rollback", NAME, "--to", "7", "--reason", "x")
    assert code == 2 and "has no version 7" in _one_error_line(err)
    code, _, err = _run(capsys, "registry", "promote", NAME, "1", "--reason", "again")
    assert code == 2 and "already the champion" in _one_error_line(err)


def test_promote_requires_reason(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "registry", "promote", NAME, "1")
    assert code == 2
    assert "--reason" in err


def test_init_is_idempotent(
    modops_home: Path,
    make_bundle: Bundle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pretend_shipped_default(monkeypatch, make_bundle("kw-default"))
    code, out, err = _run(capsys, "init")
    assert code == 0, err
    assert f"home: {modops_home}" in out
    assert f"tracking: sqlite:///{modops_home}/mlflow.db" in out
    assert f"{NAME}: registered shipped default as modops-{NAME} v1 (champion)" in out
    assert (modops_home / "mlflow.db").is_file()
    code, out, err = _run(capsys, "init")
    assert code == 0, err
    assert f"{NAME}: already registered (champion v1)" in out
    assert registry.list_models()[0]["versions"] == 1


def test_corrupt_store_is_one_line_exit_2(modops_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    modops_home.mkdir(parents=True)
    (modops_home / "mlflow.db").write_bytes(b"not a database\n")
    code, _, err = _run(capsys, "registry", "list")
    assert code == 2
    assert "file is not a database" in _one_error_line(err)
