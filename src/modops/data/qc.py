"""Dataset quality control: duplicates, near-duplicates, balance, leakage, empty/overlong/mojibake texts.

``run_qc(df)`` returns a :class:`QCReport`. Each check has a status:

- ``ok``: nothing found;
- ``warn``: a quality problem worth fixing (duplicates, imbalance, bad encoding, ...);
- ``fail``: leakage across splits, which invalidates any evaluation on the split;
- ``skip``: the check does not apply (no split column, no labels, no text).

``report.passed`` is true when no check failed; ``report.leakage`` tells whether a leakage
check failed (``modops data check`` exits 1 on it, so pipelines can gate on the result).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from modops.errors import ModopsError

if TYPE_CHECKING:
    import pandas as pd

Status = Literal["ok", "warn", "fail", "skip"]

DEFAULT_MAX_CHARS = 10_000
DEFAULT_NEAR_DUP_THRESHOLD = 0.8
DEFAULT_MIN_CLASS_SHARE = 0.05
_MAX_LABELS_FOR_BALANCE = 50
_N_EXAMPLES = 5

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_HTML_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos|nbsp);")


class QCFailed(ModopsError):
    """QC found leakage across splits (or, in strict mode, any warning): exit code 1, not 2.

    Distinct from input errors (exit 2) so a pipeline can tell "the data leaks" from "the
    command was wrong".
    """

    exit_code = 1


@dataclass
class Check:
    """One QC check: ``count`` rows (or items) found, with example row indices and texts."""

    name: str
    title: str
    status: Status
    count: int
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class QCReport:
    """The result of :func:`run_qc`. ``to_dict()`` is what ``qc.json`` holds."""

    rows: int
    checks: list[Check]
    params: dict[str, Any]
    stats: dict[str, Any]

    @property
    def passed(self) -> bool:
        """True when no check failed (warnings allowed)."""
        return not any(c.status == "fail" for c in self.checks)

    @property
    def leakage(self) -> bool:
        """True when a leakage check (exact, near-duplicate or group) failed."""
        return any(c.status == "fail" and c.name.startswith("leakage") for c in self.checks)

    @property
    def issues(self) -> list[Check]:
        """Checks with status warn or fail."""
        return [c for c in self.checks if c.status in ("warn", "fail")]

    def check(self, name: str) -> Check:
        """The check called ``name`` (KeyError if absent)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "passed": self.passed,
            "leakage": self.leakage,
            "params": self.params,
            "stats": self.stats,
            "checks": [asdict(c) for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QCReport:
        return cls(
            rows=int(data["rows"]),
            checks=[Check(**c) for c in data["checks"]],
            params=dict(data.get("params", {})),
            stats=dict(data.get("stats", {})),
        )

    def to_markdown(self, *, balance: bool = True) -> str:
        """A Markdown section: verdict, a table of checks, then (``balance``) label and length figures."""
        verdict = "PASSED" if self.passed else "FAILED (leakage across splits)"
        warn = sum(c.status == "warn" for c in self.checks)
        p = self.params
        lines = [
            f"**QC {verdict}** on {self.rows:,} rows: {warn} warning(s). "
            f"Near-duplicates: MinHash Jaccard >= {p.get('near_dup_threshold')} on character "
            f"{p.get('ngram')}-grams; overlong > {p.get('max_chars'):,} chars.",
            "",
            "| check | status | found | result |",
            "|---|---|---:|---|",
        ]
        for c in self.checks:
            lines.append(f"| {c.title} | {c.status} | {c.count:,} | {_md(c.summary)} |")
        bal = self.stats.get("label_counts")
        if bal and balance:
            lines += ["", "Label balance:", "", "| label | rows | share |", "|---|---:|---:|"]
            total = sum(bal.values())
            for label, n in bal.items():
                lines.append(f"| {_md(str(label))} | {n:,} | {n / total:.1%} |")
        lengths = self.stats.get("text_chars")
        if lengths:
            lines += [
                "",
                "Text length (chars): "
                + ", ".join(f"{k} {v:,.0f}" for k, v in lengths.items() if isinstance(v, int | float)),
            ]
        examples = [c for c in self.checks if c.examples and c.status != "ok"]
        if examples:
            lines += ["", "Example rows (0-based row numbers in `data.parquet`):", ""]
            for c in examples:
                rows = ", ".join(str(e.get("row")) for e in c.examples)
                lines.append(f"- {c.title}: rows {rows}")
        return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _snippet(text: Any, n: int = 80) -> str:
    if not isinstance(text, str):
        return repr(text)
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def _examples(
    df: pd.DataFrame, rows: np.ndarray, text_col: str | None, extra: str | None = None
) -> list[dict]:
    out = []
    for r in rows[:_N_EXAMPLES]:
        item: dict[str, Any] = {"row": int(r)}
        if text_col:
            item["text"] = _snippet(df[text_col].iat[int(r)])
        if extra and extra in df.columns:
            item[extra] = _plain(df[extra].iat[int(r)])
        out.append(item)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return v if isinstance(v, int | float | str | bool) else str(v)


def run_qc(
    df: pd.DataFrame,
    *,
    text_col: str | None = "text",
    label_col: str | None = "label",
    split_col: str | None = "split",
    group_col: str | None = "group",
    near_dup_threshold: float = DEFAULT_NEAR_DUP_THRESHOLD,
    max_chars: int = DEFAULT_MAX_CHARS,
    min_class_share: float = DEFAULT_MIN_CLASS_SHARE,
    ngram: int = 5,
    num_perm: int = 64,
    on_step: Callable[[str], None] | None = None,
) -> QCReport:
    """Run every QC check on ``df`` and return the report. Columns that are absent are skipped.

    - exact duplicates: rows whose text equals an earlier row's (and how many carry a
      different label: label noise);
    - near-duplicates: clusters of distinct texts with MinHash-estimated Jaccard >=
      ``near_dup_threshold`` (casefolded, whitespace collapsed, character ``ngram``-grams);
    - class balance: warn when a label's share is below ``min_class_share``;
    - leakage across splits: a text, a near-duplicate cluster or a ``group_col`` value found
      in two different splits (status ``fail``);
    - empty or whitespace-only texts, texts longer than ``max_chars``;
    - mojibake (``ftfy.badness.is_bad``), invalid encoding (U+FFFD, control characters,
      lone surrogates) and HTML-escaped texts (``&amp;``, ``&#128514;``).

    ``on_step(name)`` is called before each step (for progress bars). 25k tweets take ~2 s.
    """
    import pandas as pd

    from modops.data.split import near_duplicate_groups

    def step(name: str) -> None:
        if on_step is not None:
            on_step(name)

    n = len(df)
    cols = set(df.columns)
    text_col = text_col if text_col in cols else None
    label_col = label_col if label_col in cols else None
    split_col = split_col if split_col in cols else None
    group_col = group_col if group_col in cols else None
    params = {
        "near_dup_threshold": near_dup_threshold,
        "ngram": ngram,
        "num_perm": num_perm,
        "max_chars": max_chars,
        "min_class_share": min_class_share,
        "columns": {"text": text_col, "label": label_col, "split": split_col, "group": group_col},
    }
    checks: list[Check] = []
    stats: dict[str, Any] = {}
    splits = df[split_col].astype(object).where(df[split_col].notna(), None).to_numpy() if split_col else None

    def skip(name: str, title: str, why: str) -> None:
        checks.append(Check(name, title, "skip", 0, why))

    # --- text checks -------------------------------------------------------------------------
    step("text checks")
    titles = {
        "empty": "Empty or whitespace texts",
        "exact_duplicates": "Exact duplicates",
        "near_duplicates": "Near-duplicates",
        "overlong": "Overlong texts",
        "mojibake": "Mojibake",
        "invalid_encoding": "Invalid encoding",
        "html_escaped": "HTML-escaped texts",
    }
    clusters: np.ndarray | None = None
    if text_col is None:
        for name, title in titles.items():
            skip(name, title, "no text column")
    else:
        raw = df[text_col].tolist()
        texts = [t if isinstance(t, str) else "" for t in raw]
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
        if n:
            stats["text_chars"] = {
                "min": int(lengths.min()),
                "median": float(np.median(lengths)),
                "p95": float(np.percentile(lengths, 95)),
                "max": int(lengths.max()),
            }
        empty = np.fromiter((not t.strip() for t in texts), dtype=bool, count=n)
        rows = np.flatnonzero(empty)
        checks.append(
            Check(
                "empty",
                titles["empty"],
                "warn" if rows.size else "ok",
                int(rows.size),
                f"{rows.size:,} empty, whitespace-only or missing texts" if rows.size else "none",
                examples=_examples(df, rows, text_col),
            )
        )

        codes, _ = pd.factorize(pd.Series(texts, dtype=object))
        dup = pd.Series(codes).duplicated().to_numpy() & ~empty
        dup_rows = np.flatnonzero(dup)
        n_dup_groups = int(pd.Series(codes[dup]).nunique())
        conflicting = 0
        if label_col is not None and dup_rows.size:
            lab = df[label_col].astype(str).to_numpy()
            per_text = pd.DataFrame({"t": codes, "l": lab})[~empty]
            nlab = per_text.groupby("t")["l"].nunique()
            conflicting = int((nlab > 1).sum())
        summary = (
            f"{dup_rows.size:,} rows repeat an earlier text ({n_dup_groups:,} texts)"
            + (f"; {conflicting:,} texts carry conflicting labels" if conflicting else "")
            if dup_rows.size
            else "none"
        )
        checks.append(
            Check(
                "exact_duplicates",
                titles["exact_duplicates"],
                "warn" if dup_rows.size else "ok",
                int(dup_rows.size),
                summary,
                details={"duplicate_texts": n_dup_groups, "conflicting_label_texts": conflicting},
                examples=_examples(df, dup_rows, text_col, label_col),
            )
        )

        step("near-duplicates")
        clusters = near_duplicate_groups(texts, near_dup_threshold, num_perm=num_perm, ngram=ngram)
        frame = pd.DataFrame({"c": clusters, "t": codes})[~empty]
        distinct = frame.groupby("c")["t"].nunique()
        multi = distinct[distinct > 1].index.to_numpy()
        in_multi = np.isin(clusters, multi) & ~empty
        nd_rows = np.flatnonzero(in_multi)
        checks.append(
            Check(
                "near_duplicates",
                titles["near_duplicates"],
                "warn" if multi.size else "ok",
                int(nd_rows.size),
                f"{multi.size:,} clusters of near-identical but different texts ({nd_rows.size:,} rows)"
                if multi.size
                else "none",
                details={"clusters": int(multi.size)},
                examples=_examples(df, nd_rows[np.argsort(clusters[nd_rows], kind="stable")], text_col),
            )
        )

        step("length and encoding")
        rows = np.flatnonzero(lengths > max_chars)
        checks.append(
            Check(
                "overlong",
                titles["overlong"],
                "warn" if rows.size else "ok",
                int(rows.size),
                f"{rows.size:,} texts longer than {max_chars:,} characters (max {int(lengths.max()):,})"
                if rows.size
                else f"none longer than {max_chars:,} characters",
                examples=_examples(df, rows, text_col),
            )
        )
        from ftfy.badness import is_bad

        # ftfy's heuristic only fires on non-ASCII text, so skip the (many) ASCII-only texts
        moji = np.fromiter((not t.isascii() and is_bad(t) for t in texts), dtype=bool, count=n)
        rows = np.flatnonzero(moji)
        checks.append(
            Check(
                "mojibake",
                titles["mojibake"],
                "warn" if rows.size else "ok",
                int(rows.size),
                f"{rows.size:,} texts look mis-decoded (ftfy)" if rows.size else "none",
                examples=_examples(df, rows, text_col),
            )
        )
        repl = np.fromiter(("\ufffd" in t for t in texts), dtype=bool, count=n)
        ctrl = np.fromiter((_CONTROL.search(t) is not None for t in texts), dtype=bool, count=n)
        rows = np.flatnonzero(repl | ctrl)
        checks.append(
            Check(
                "invalid_encoding",
                titles["invalid_encoding"],
                "warn" if rows.size else "ok",
                int(rows.size),
                f"{int(repl.sum()):,} with U+FFFD replacement characters, "
                f"{int(ctrl.sum()):,} with control characters or lone surrogates"
                if rows.size
                else "none",
                details={"replacement_char": int(repl.sum()), "control_or_surrogate": int(ctrl.sum())},
                examples=_examples(df, rows, text_col),
            )
        )
        html = np.fromiter((_HTML_ENTITY.search(t) is not None for t in texts), dtype=bool, count=n)
        rows = np.flatnonzero(html)
        checks.append(
            Check(
                "html_escaped",
                titles["html_escaped"],
                "warn" if rows.size else "ok",
                int(rows.size),
                f"{rows.size:,} texts contain HTML entities such as `&amp;` or `&#128514;`"
                if rows.size
                else "none",
                examples=_examples(df, rows, text_col),
            )
        )

    # --- labels --------------------------------------------------------------------------------
    step("class balance")
    if label_col is None:
        skip("class_balance", "Class balance", "no label column")
    else:
        labels = df[label_col]
        counts = labels.astype(object).where(labels.notna(), "<missing>").astype(str).value_counts()
        stats["n_labels"] = int(counts.size)
        if counts.size > _MAX_LABELS_FOR_BALANCE:
            checks.append(
                Check(
                    "class_balance",
                    "Class balance",
                    "ok",
                    int(counts.size),
                    f"{counts.size:,} distinct labels (not a classification target); most common "
                    f"{counts.index[0]!r} x{int(counts.iloc[0]):,}",
                )
            )
        else:
            stats["label_counts"] = {str(k): int(v) for k, v in counts.items()}
            shares = counts / counts.sum()
            low = shares[shares < min_class_share]
            ratio = float(counts.max() / counts.min()) if counts.size else 0.0
            details: dict[str, Any] = {
                "shares": {str(k): round(float(v), 4) for k, v in shares.items()},
                "imbalance_ratio": round(ratio, 2),
            }
            summary = ", ".join(f"{k} {v:.1%}" for k, v in shares.items()) + f" (max/min {ratio:.1f}x)"
            if splits is not None:
                tab = pd.crosstab(
                    pd.Series(splits, name="split"), labels.astype(str).to_numpy(), normalize="index"
                )
                drift = float((tab.max(axis=0) - tab.min(axis=0)).max()) if len(tab) > 1 else 0.0
                details["share_by_split"] = {
                    str(s): {str(k): round(float(v), 4) for k, v in row.items()} for s, row in tab.iterrows()
                }
                details["max_share_gap_between_splits"] = round(drift, 4)
                summary += f"; largest share gap between splits {drift:.1%}"
            if len(low):
                summary += f"; under {min_class_share:.0%}: " + ", ".join(map(str, low.index))
            if counts.size < 2:
                summary = (
                    f"only one label ({counts.index[0]}): add other classes before training a classifier"
                )
            checks.append(
                Check(
                    "class_balance",
                    "Class balance",
                    "warn" if len(low) or counts.size < 2 else "ok",
                    int(counts.size),
                    summary,
                    details=details,
                )
            )

    # --- leakage across splits -------------------------------------------------------------------
    step("leakage")
    if splits is None:
        for name, title in (
            ("leakage_exact", "Leakage: exact texts"),
            ("leakage_near", "Leakage: near-duplicates"),
            ("leakage_group", "Leakage: groups"),
        ):
            skip(name, title, "no split column")
    else:
        split_counts = pd.Series(splits).astype(str).value_counts()
        stats["split_counts"] = {str(k): int(v) for k, v in split_counts.items()}
        s_codes, _ = pd.factorize(pd.Series(splits, dtype=object))

        def spanning(keys: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """Keys present in >=2 splits, and the rows that carry them."""
            frame = pd.DataFrame({"k": keys[mask], "s": s_codes[mask]})
            nsplit = frame.groupby("k")["s"].nunique()
            bad = nsplit[nsplit > 1].index.to_numpy()
            rows = np.flatnonzero(mask & np.isin(keys, bad))
            return bad, rows

        if text_col is None or clusters is None:
            skip("leakage_exact", "Leakage: exact texts", "no text column")
            skip("leakage_near", "Leakage: near-duplicates", "no text column")
        else:
            valid = ~empty & (s_codes >= 0)
            bad, rows = spanning(codes.astype(np.int64), valid)
            checks.append(
                Check(
                    "leakage_exact",
                    "Leakage: exact texts",
                    "fail" if bad.size else "ok",
                    int(bad.size),
                    f"{bad.size:,} text(s) appear in more than one split ({rows.size:,} rows)"
                    if bad.size
                    else "none",
                    details={"rows": int(rows.size)},
                    examples=_examples(df, rows[np.argsort(codes[rows], kind="stable")], text_col, split_col),
                )
            )
            # a cluster leaks when it spans splits AND holds >=2 distinct texts (exact copies are above)
            multi_mask = valid & np.isin(clusters, multi)
            bad, rows = spanning(clusters, multi_mask)
            checks.append(
                Check(
                    "leakage_near",
                    "Leakage: near-duplicates",
                    "fail" if bad.size else "ok",
                    int(bad.size),
                    f"{bad.size:,} near-duplicate clusters span more than one split ({rows.size:,} rows)"
                    if bad.size
                    else "none",
                    details={"rows": int(rows.size)},
                    examples=_examples(
                        df, rows[np.argsort(clusters[rows], kind="stable")], text_col, split_col
                    ),
                )
            )
        if group_col is None:
            skip("leakage_group", "Leakage: groups", "no group column")
        else:
            g_codes, _ = pd.factorize(df[group_col], use_na_sentinel=True)
            bad, rows = spanning(g_codes.astype(np.int64), (g_codes >= 0) & (s_codes >= 0))
            checks.append(
                Check(
                    "leakage_group",
                    "Leakage: groups",
                    "fail" if bad.size else "ok",
                    int(bad.size),
                    f"{bad.size:,} '{group_col}' values appear in more than one split ({rows.size:,} rows)"
                    if bad.size
                    else "none",
                    details={"rows": int(rows.size)},
                    examples=_examples(
                        df, rows[np.argsort(g_codes[rows], kind="stable")], text_col, group_col
                    ),
                )
            )
    return QCReport(rows=n, checks=checks, params=params, stats=stats)
