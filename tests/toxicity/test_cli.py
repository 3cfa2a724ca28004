"""CLI errors: one readable line, exit code 2."""

from __future__ import annotations

import pytest

from modops.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "toxicity", "--model", "bert"], "unknown model family 'bert'"),
        (["eval", "toxicity", "--model-uri", "/nonexistent/bundle", "--no-peer"], "not a bundle folder"),
        (
            ["eval", "toxicity", "--model-uri", "models:/other/1", "--no-peer"],
            "expected models:/modops-toxicity",
        ),
        (["train", "toxicity", "--dataset", "no-such-dataset-1"], "unknown dataset version"),
    ],
)
def test_cli_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("layers", ["0", "7"])
def test_cli_num_layers_range(layers: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "toxicity", "--model", "minilm", "--num-layers", layers]) == 2
    err = capsys.readouterr().err
    assert "--num-layers" in err and "Traceback" not in err
