"""CLI errors (exit 2, one line), redact command, tiny token-classifier training + ONNX export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modops.cli import main


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    return err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["redact", "hi", "--operator", "shred"], "unknown operator"),
        (["redact"], "TEXT argument or --file"),
        (["redact", "   "], "empty"),
        (["redact", "--file", "nope.jsonl", "--out", "o.jsonl"], "not found"),
        (["redact", "--file", "x.jsonl"], "--out"),
        (["redact", "hi", "--bundle", "/no/such/dir"], "not found"),
        (["data", "generate", "pii", "--carrier", "web"], "--carrier"),
        (["train", "pii", "--dataset", "no-such-dataset"], "no-such-dataset"),
        (["eval", "pii"], "--dataset"),
    ],
)
def test_cli_errors_exit_2_one_line(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert needle in _err(capsys)


def test_redact_encrypt_without_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODOPS_ENCRYPTION_KEY", raising=False)
    assert main(["redact", "mail me at a.b@example.com", "--operator", "encrypt"]) == 2
    assert "MODOPS_ENCRYPTION_KEY" in _err(capsys)


def test_redact_text_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redact", "mail me at a.b@example.com or a.b@example.com"]) == 0
    assert capsys.readouterr().out.strip() == "mail me at <EMAIL_ADDRESS_1> or <EMAIL_ADDRESS_1>"
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "text": "call 415-555-2671 now"}) + "\n\n" + json.dumps("plain") + "\n"
    )
    out = tmp_path / "out.jsonl"
    assert main(["redact", "--file", str(src), "--out", str(out), "--operator", "replace"]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[0]["text"] == "call <PHONE_NUMBER> now" and rows[0]["id"] == 1
    assert rows[1]["text"] == "plain"
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "ok"}\n{broken\n')
    capsys.readouterr()
    assert main(["redact", "--file", str(bad), "--out", str(out)]) == 2
    assert "bad.jsonl:2" in _err(capsys)


@pytest.mark.slow  # ~15-30 s: loads torch + transformers, exports and quantizes ONNX
def test_tiny_training_and_onnx_export(tmp_path: Path) -> None:
    from modops.data.pii_synth import SynthConfig, generate
    from modops.detectors.bundle import read_bundle
    from modops.detectors.pii import from_bundle
    from modops.training.pii import TrainConfig, build_bundle, train_token_classifier

    df, _ = generate(SynthConfig(n_docs=24, carrier="faker", seed=5, pii_fraction=1.0))
    cfg = TrainConfig(max_rows=24, max_steps=2, batch_size=4, num_layers=1)
    info = train_token_classifier(df, tmp_path / "b", cfg)
    build_bundle(tmp_path / "b", info, cfg, dataset_version=None)
    meta = read_bundle(tmp_path / "b")
    assert meta.files == ["model.onnx", "tokenizer.json"]
    assert info["onnx_bytes"] < 25 * 1024 * 1024
    det = from_bundle(tmp_path / "b")
    assert det.tagger is not None
    text = "Call me at (415) 555-2671."
    out = det.analyze([text])[0]
    assert any(f.label == "PHONE_NUMBER" and text[f.start : f.end] == "(415) 555-2671" for f in out)


@pytest.mark.slow  # ~15-30 s: loads torch + transformers, exports and quantizes ONNX
def test_tiny_training_prunes_the_ffn(tmp_path: Path) -> None:
    import onnx
    from onnx import numpy_helper

    from modops.data.pii_synth import SynthConfig, generate
    from modops.detectors.bundle import read_bundle
    from modops.detectors.pii import from_bundle
    from modops.training.pii import TrainConfig, build_bundle, train_token_classifier

    df, _ = generate(SynthConfig(n_docs=16, carrier="faker", seed=5, pii_fraction=1.0))
    cfg = TrainConfig(max_rows=16, max_steps=1, batch_size=4, num_layers=1, max_len=32, ffn_dim=400)
    info = train_token_classifier(df, tmp_path / "b", cfg)
    build_bundle(tmp_path / "b", info, cfg, dataset_version=None)
    assert read_bundle(tmp_path / "b").training_config["ffn_dim"] == 400
    shapes = {
        tuple(numpy_helper.to_array(t).shape)
        for t in onnx.load(str(tmp_path / "b" / "model.onnx")).graph.initializer
    }
    assert (384, 400) in shapes and (400, 384) in shapes  # FFN up / down projections (MatMul: in x out)
    assert not any(1536 in s for s in shapes)
    det = from_bundle(tmp_path / "b")
    assert det.tagger is not None
    assert det.analyze(["Call me at (415) 555-2671."])[0]  # the pruned int8 graph runs
