"""``modops moderate`` and ``modops serve`` command lines (real pipeline, real registry)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from modops.cli import main


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["moderate"], "nothing to moderate"),
        (["moderate", "   "], "empty"),
        (["moderate", "hi", "--file", "x.jsonl"], "not both"),
        (["moderate", "hi", "--out", "o.jsonl"], "--out needs --file"),
        (["moderate", "--file", "does-not-exist.jsonl"], "not found"),
        (["moderate", "--file", "in.jsonl", "--batch-size", "0"], "batch-size"),
        (["serve", "--port", "70000"], "invalid port"),
        (["serve", "--reload-interval", "0"], "reload-interval"),
        (["serve", "--workers", "0"], "invalid --workers"),
        (["serve", "--workers", "65"], "invalid --workers"),
    ],
)
def test_cli_usage_errors(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and needle in err and "\n" not in err and "Traceback" not in err


def test_serve_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_moderate_text_pretty_json_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["moderate", "shut up retard, mail me at jo.doe@example.com"]) == 0
    out = capsys.readouterr().out
    assert "action:" in out and "toxicity" in out and "EMAIL_ADDRESS" in out

    assert main(["moderate", "mail me at jo.doe@example.com", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["action"] == "redact" and "<EMAIL_ADDRESS>" in d["redacted_text"]

    src = tmp_path / "in.jsonl"
    rows = [{"id": i, "text": t} for i, t in enumerate(["hello", "you idiot", "call 415-555-0132"] * 5)]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out_path = tmp_path / "out.jsonl"
    assert main(["moderate", "--file", str(src), "--out", str(out_path), "--batch-size", "4"]) == 0
    got = [json.loads(line) for line in out_path.read_text().splitlines()]
    assert [g["id"] for g in got] == list(range(15)) and all("action" in g for g in got)
    assert got[2]["action"] == "redact"

    # a bad line: one error line naming it, exit 2, no partial output file
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": 5}\n')
    bad_out = tmp_path / "bad_out.jsonl"
    assert main(["moderate", "--file", str(bad), "--out", str(bad_out)]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:2" in err and not bad_out.exists()
    assert not list(tmp_path.glob(".bad_out*"))

    # unknown detector
    assert main(["moderate", "hi", "--detector", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
