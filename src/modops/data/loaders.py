"""Ready-made loaders for every public set in ``$MODOPS_DATA_DIR`` (see its README).

Each loader reads the files in place (never copies them), validates the schema and values
(a missing file is a ``NotFoundError``, a malformed one a ``DataError``/``InputError``, each one
line naming the file), maps to the standard columns (``text``, ``label``, ``score`` in [0, 1],
``split``, ``group``, ``source``), keeps the useful extra columns and records the source path,
licence and intended use. ``import_dataset(name)`` stores the result as a dataset version.

| loader | text | label | score | split | group |
|---|---|---|---|---|---|
| davidson | tweet | hate / offensive / neither | share of raters voting hate or offensive | - | - |
| ruddit | comment | offensive if offensiveness_score > 0 | (offensiveness_score + 1) / 2 | - | post_id |
| hatemoji | text | hate / not_hate | - | the set's own | contrastive pair |
| surge_profanity | obfuscated variant | canonical word | (severity_rating - 1) / 2 | - | - |
| dsojevic_profanity | match pattern | first tag | (severity - 1) / 3 | - | - |
| algospeak_tiktok | algospeak term | decoded meaning | - | - | - |
| sms_spam | message | ham / spam | - | - | - |
| twitter_bots | (none: tabular) | bot / human | - | - | screen_name |
| harmbench | behaviour | unsafe | - | - | - |
| advbench | behaviour | unsafe | - | - | - |
| blog_authorship | post | (none) | - | - | blogger_id |
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modops.errors import DataError, InputError, NotFoundError

if TYPE_CHECKING:
    import pandas as pd

    from modops.data.store import DatasetStore, DatasetVersion


@dataclass
class LoadedDataset:
    """A loader's output: a frame with standard columns plus what ``store.create`` records."""

    name: str
    frame: pd.DataFrame
    sources: list[dict[str, Any]]
    description: str
    text_col: str | None = "text"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoaderSpec:
    """A ready-made loader: ``files`` are relative to the data dir."""

    name: str
    title: str
    files: tuple[str, ...]
    license: str
    usage: str
    load: Callable[[Path], LoadedDataset]


def _data_dir(data_dir: Path | None) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    from modops.config import get_settings

    return get_settings().resolved_data_dir


def _file(root: Path, rel: str) -> Path:
    path = root / rel
    if not path.is_file():
        raise NotFoundError(
            f"dataset file not found: {path} (set MODOPS_DATA_DIR to the shared datasets folder)"
        )
    return path


def _columns(df: pd.DataFrame, path: Path, cols: list[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column {missing[0]!r} (columns: {', '.join(map(str, df.columns))})")


def _csv(root: Path, rel: str, cols: list[str], text_columns: tuple[str, ...]) -> tuple[Path, pd.DataFrame]:
    from modops.data.io import read_csv

    path = _file(root, rel)
    df = read_csv(path, text_columns=text_columns)
    _columns(df, path, cols)
    if df.empty:
        raise DataError(f"{path}: no rows")
    return path, df


def _values(df: pd.DataFrame, col: str, allowed: set[Any], path: Path) -> None:
    bad = ~df[col].isin(allowed)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{path}: column {col!r} row {row + 1}: unexpected value {df[col].iat[row]!r} "
            f"(expected one of {sorted(map(str, allowed))})"
        )


def _numeric(
    df: pd.DataFrame, col: str, path: Path, lo: float | None = None, hi: float | None = None
) -> pd.Series:
    import pandas as pd

    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna() & df[col].notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"{path}: column {col!r} row {row + 1}: not a number ({df[col].iat[row]!r})")
    out_of_range = pd.Series(False, index=values.index)
    if lo is not None:
        out_of_range |= values < lo
    if hi is not None:
        out_of_range |= values > hi
    if out_of_range.any():
        row = int(out_of_range.to_numpy().nonzero()[0][0])
        raise DataError(f"{path}: column {col!r} row {row + 1}: {values.iat[row]} outside [{lo}, {hi}]")
    return values


def _source(spec_name: str, path: Path | list[Path], **extra: Any) -> dict[str, Any]:
    spec = LOADERS[spec_name]
    paths = path if isinstance(path, list) else [path]
    return {
        "name": spec_name,
        "path": ", ".join(str(p) for p in paths),
        "license": spec.license,
        "usage": spec.usage,
        **extra,
    }


# -- loaders ---------------------------------------------------------------------------------------
def load_davidson(root: Path) -> LoadedDataset:
    path, df = _csv(
        root,
        "davidson_hate_offensive/labeled_data.csv",
        ["count", "hate_speech", "offensive_language", "neither", "class", "tweet"],
        ("tweet",),
    )
    votes = {c: _numeric(df, c, path, 0) for c in ("count", "hate_speech", "offensive_language", "neither")}
    _values(df, "class", {0, 1, 2}, path)
    total = votes["hate_speech"] + votes["offensive_language"] + votes["neither"]
    bad = (total != votes["count"]) | (votes["count"] <= 0)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"{path}: row {row + 1}: votes do not add up to 'count'")
    names = {0: "hate", 1: "offensive", 2: "neither"}
    import pandas as pd

    out = pd.DataFrame(
        {
            "text": df["tweet"],
            "label": df["class"].map(names),
            "score": 1.0 - votes["neither"] / votes["count"],
            "source": "davidson",
            "hate_score": votes["hate_speech"] / votes["count"],
            "class": df["class"].astype("int64"),
            "votes": votes["count"].astype("int64"),
            "votes_hate": votes["hate_speech"].astype("int64"),
            "votes_offensive": votes["offensive_language"].astype("int64"),
            "votes_neither": votes["neither"].astype("int64"),
        }
    )
    if "unnamed_0" in df.columns:
        out["tweet_id"] = df["unnamed_0"]
    return LoadedDataset(
        "davidson",
        out,
        [_source("davidson", path)],
        "Tweets labelled hate / offensive / neither by CrowdFlower raters (Davidson et al. 2017). "
        "`label` is the majority class; `score` is the share of raters who voted hate or offensive, "
        "`hate_score` the share who voted hate; the raw vote counts are kept. Texts are verbatim "
        "(HTML entities such as `&amp;` are not unescaped).",
    )


def load_ruddit(root: Path) -> LoadedDataset:
    import pandas as pd

    path, df = _csv(
        root,
        "ruddit/ruddit_with_text.csv",
        ["comment_id", "post_id", "offensiveness_score", "comment_body"],
        ("comment_body", "post_title"),
    )
    raw = _numeric(df, "offensiveness_score", path, -1.0, 1.0)
    body = df["comment_body"].fillna("")
    deleted = body.str.strip().isin(["[deleted]", "[removed]", ""]) | raw.isna()
    keep = ~deleted
    out = pd.DataFrame(
        {
            "text": body[keep],
            "label": (raw[keep] > 0).map({True: "offensive", False: "not_offensive"}),
            "score": (raw[keep] + 1.0) / 2.0,
            "group": df["post_id"][keep].astype(str),
            "source": "ruddit",
            "offensiveness_score": raw[keep],
            "comment_id": df["comment_id"][keep].astype(str),
            "post_id": df["post_id"][keep].astype(str),
        }
    )
    if "post_title" in df.columns:
        out["post_title"] = df["post_title"][keep]
    n_drop = int(deleted.sum())
    return LoadedDataset(
        "ruddit",
        out.reset_index(drop=True),
        [_source("ruddit", path, rows_read=len(df), rows_dropped=n_drop, dropped="deleted/removed comments")],
        "Reddit comments with a best-worst-scaling offensiveness score in [-1, 1] (Ruddit). "
        f"`score` = (offensiveness_score + 1) / 2; `label` = offensive when offensiveness_score > 0 "
        f"(derived, for stratification). `group` = post_id. {n_drop} deleted or removed comments dropped.",
    )


def _parse_targets(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        items = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value
    if isinstance(items, list | tuple):
        return ",".join(str(x) for x in items)
    return str(items)


def load_hatemoji(root: Path) -> LoadedDataset:
    import numpy as np
    import pandas as pd
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    parts, paths = [], []
    cols = ["entry_id", "text", "type", "target", "set", "split", "label_gold", "matched_text", "matched_id"]
    for split, names in (("train", {"train"}), ("validation", {"validation", "dev"}), ("test", {"test"})):
        path, df = _csv(root, f"hatemoji/hatemojibuild_{split}.csv", cols, ("text", "matched_text"))
        _values(df, "label_gold", {0, 1}, path)
        _values(df, "split", names, path)
        df["split"] = split
        paths.append(path)
        parts.append(df)
    df = pd.concat(parts, ignore_index=True)
    ids = pd.to_numeric(df["entry_id"], errors="raise").astype("int64")
    if not ids.is_unique:
        raise DataError(f"{paths[0].parent}: entry_id is not unique across the three files")
    # contrastive pairs (entry_id <-> matched_id) form groups, so a custom split keeps them together
    index = {int(e): i for i, e in enumerate(ids)}
    matched = pd.to_numeric(df["matched_id"], errors="coerce")
    left = [i for i, m in enumerate(matched) if not pd.isna(m) and int(m) in index]
    right = [index[int(matched.iat[i])] for i in left]
    n = len(df)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    first = pd.Series(ids.to_numpy()).groupby(comp).transform("min")
    out = pd.DataFrame(
        {
            "text": df["text"],
            "label": df["label_gold"].map({1: "hate", 0: "not_hate"}),
            "split": df["split"],
            "group": "pair-" + first.astype(str),
            "source": "hatemoji",
            "type": df["type"],
            "target": df["target"].map(_parse_targets),
            "set": df["set"],
            "round": df["round.set"].astype(str) if "round.set" in df.columns else None,
            "entry_id": ids,
            "matched_id": matched.astype("Int64"),
            "matched_text": df["matched_text"],
        }
    )
    return LoadedDataset(
        "hatemoji",
        out,
        [_source("hatemoji", paths)],
        "HatemojiBuild: adversarial emoji-based hate, with the authors' train/validation/test split. "
        "`label` = hate / not_hate (label_gold); `type` and `target` (comma-separated) kept. `group` "
        "links each contrastive pair (entry_id <-> matched_id); the official split does not keep "
        "pairs together, which `modops data check` reports as group leakage.",
    )


def load_surge_profanity(root: Path) -> LoadedDataset:
    import pandas as pd

    path, df = _csv(
        root,
        "surge_profanity/profanity_en.csv",
        ["text", "canonical_form_1", "category_1", "severity_rating", "severity_description"],
        ("text", "canonical_form_1", "canonical_form_2", "canonical_form_3"),
    )
    sev = _numeric(df, "severity_rating", path, 1.0, 3.0)
    out = pd.DataFrame(
        {
            "text": df["text"],
            "label": df["canonical_form_1"],
            "score": (sev - 1.0) / 2.0,
            "source": "surge_profanity",
            "severity_rating": sev,
            "severity_description": df["severity_description"],
        }
    )
    for col in ("canonical_form_2", "canonical_form_3", "category_1", "category_2", "category_3"):
        if col in df.columns:
            out[col] = df[col]
    return LoadedDataset(
        "surge_profanity",
        out,
        [_source("surge_profanity", path)],
        "Obfuscated profanity variants (`text`) mapped to their canonical word (`label`), with "
        "categories and a 1-3 severity rating (`score` = (severity_rating - 1) / 2). For normalizer "
        "patterns and tests.",
    )


def load_dsojevic_profanity(root: Path) -> LoadedDataset:
    import pandas as pd

    rows, paths = [], []
    for fname in ("en.json", "emoji.json"):
        path = _file(root, f"dsojevic_profanity/{fname}")
        paths.append(path)
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise InputError(f"{path}: not valid UTF-8") from None
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{err.lineno}: malformed JSON ({err.msg})") from None
        if not isinstance(items, list):
            raise DataError(f"{path}: expected a JSON list of patterns")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not {"id", "match", "severity", "tags"} <= set(item):
                raise DataError(f"{path}: entry {i} lacks one of id, match, severity, tags")
            sev = item["severity"]
            if not isinstance(sev, int) or not 1 <= sev <= 4:
                raise DataError(f"{path}: entry {i} ({item['id']}): severity must be 1-4, got {sev!r}")
            tags = item["tags"] if isinstance(item["tags"], list) else [item["tags"]]
            rows.append(
                {
                    "text": str(item["match"]),
                    "label": str(tags[0]) if tags else "untagged",
                    "score": (sev - 1) / 3.0,
                    "source": "dsojevic_profanity",
                    "pattern_id": str(item["id"]),
                    "severity": sev,
                    "tags": ",".join(map(str, tags)),
                    "exceptions": "|".join(map(str, item.get("exceptions") or [])),
                    "file": fname.removesuffix(".json"),
                }
            )
    return LoadedDataset(
        "dsojevic_profanity",
        pd.DataFrame(rows),
        [_source("dsojevic_profanity", paths)],
        "Profanity match patterns (`text` = the `match` expression: alternatives separated by `|`, "
        "a `*` repeats the previous character). `label` = first tag, `tags` all of them, "
        "`score` = (severity - 1) / 3 for severity 1-4, `exceptions` joined by `|`.",
    )


def load_algospeak_tiktok(root: Path) -> LoadedDataset:
    import pandas as pd

    path, df = _csv(
        root,
        "algospeak_tiktok_lexicon/algospeak_lexicon.csv",
        ["algospeak", "decoded_meaning"],
        ("algospeak", "decoded_meaning", "notes"),
    )
    out = pd.DataFrame(
        {
            "text": df["algospeak"],
            "label": df["decoded_meaning"],
            "source": "algospeak_tiktok",
            "notes": df["notes"] if "notes" in df.columns else "",
        }
    )
    if "idx" in df.columns:
        out["idx"] = df["idx"]
    return LoadedDataset(
        "algospeak_tiktok",
        out,
        [_source("algospeak_tiktok", path)],
        "TikTok algospeak terms (`text`) and their decoded meaning (`label`), 2023-24. "
        "LICENCE UNKNOWN: for reference and evaluation only; do not ship its contents or train "
        "a shipped model on it.",
    )


def load_sms_spam(root: Path) -> LoadedDataset:
    import pandas as pd

    path, df = _csv(root, "sms_spam_uci/sms_spam_collection.csv", ["label", "text"], ("text",))
    _values(df, "label", {"ham", "spam"}, path)
    out = pd.DataFrame({"text": df["text"], "label": df["label"], "source": "sms_spam"})
    return LoadedDataset(
        "sms_spam",
        out,
        [_source("sms_spam", path)],
        "SMS messages labelled ham / spam (UCI SMS Spam Collection).",
    )


_BOT_FEATURES = (
    "user_tweeted",
    "user_retweeted",
    "user_favourited",
    "user_replied",
    "likes_per_tweet",
    "retweets_per_tweet",
    "lists_per_user",
    "follower_friend_ratio",
    "tweet_frequency",
    "favourite_tweet_ratio",
    "age_of_account_in_days",
    "sources_count",
    "urls_count",
    "cdn_content_in_kb",
)


def load_twitter_bots(root: Path) -> LoadedDataset:
    import pandas as pd

    path, df = _csv(
        root,
        "twitter_bots_gilani2017/gilani2017_combined.csv",
        ["screen_name", *_BOT_FEATURES, "source_identity", "label", "follower_band"],
        ("screen_name", "source_identity"),
    )
    _values(df, "label", {"bot", "human"}, path)
    out = pd.DataFrame(
        {"label": df["label"], "group": df["screen_name"].astype(str), "source": "twitter_bots"}
    )
    for col in _BOT_FEATURES:
        out[col] = _numeric(df, col, path).astype(float)
    out["source_identity"] = df["source_identity"].astype(str)
    out["follower_band"] = df["follower_band"].astype(str)
    out["screen_name"] = df["screen_name"].astype(str)
    return LoadedDataset(
        "twitter_bots",
        out,
        [_source("twitter_bots", path)],
        "Twitter accounts annotated bot / human (Gilani et al. 2017): 14 behaviour features, "
        "`follower_band`, `source_identity`. Tabular (no text). `group` = screen_name: a few "
        "accounts appear in more than one follower band, so split by group.",
        text_col=None,
    )


def load_harmbench(root: Path) -> LoadedDataset:
    import pandas as pd

    path, df = _csv(
        root,
        "harmbench/harmbench_behaviors_text_all.csv",
        ["Behavior", "FunctionalCategory", "SemanticCategory", "BehaviorID"],
        ("Behavior", "ContextString"),
    )
    out = pd.DataFrame(
        {
            "text": df["Behavior"],
            "label": "unsafe",
            "source": "harmbench",
            "category": df["SemanticCategory"],
            "functional_category": df["FunctionalCategory"],
            "behavior_id": df["BehaviorID"].astype(str),
        }
    )
    if "ContextString" in df.columns:
        out["context"] = df["ContextString"].fillna("")
    if "Tags" in df.columns:
        out["tags"] = df["Tags"]
    return LoadedDataset(
        "harmbench",
        out,
        [_source("harmbench", path)],
        "HarmBench harmful behaviours (requests). All `unsafe`; `category` = SemanticCategory "
        "(7 categories), `functional_category` = standard / contextual / copyright, `context` = the "
        "context string contextual behaviours need.",
    )


def load_advbench(root: Path) -> LoadedDataset:
    import pandas as pd

    path, df = _csv(root, "advbench/advbench_behaviors.csv", ["Behavior", "BehaviorID"], ("Behavior",))
    out = pd.DataFrame(
        {
            "text": df["Behavior"],
            "label": "unsafe",
            "source": "advbench",
            "behavior_id": df["BehaviorID"].astype(str),
        }
    )
    return LoadedDataset(
        "advbench",
        out,
        [_source("advbench", path)],
        "AdvBench harmful behaviours (requests), all `unsafe`.",
    )


def load_blog_authorship(root: Path) -> LoadedDataset:
    import pandas as pd

    path, df = _csv(
        root,
        "blog_authorship_sample/blog_posts_sample.csv",
        ["blogger_id", "gender", "age", "industry", "sign", "date", "text"],
        ("text", "date", "blogger_id"),
    )
    out = pd.DataFrame(
        {
            "text": df["text"],
            "group": df["blogger_id"].astype(str),
            "source": "blog_authorship",
            "blogger_id": df["blogger_id"].astype(str),
            "gender": df["gender"],
            "age": _numeric(df, "age", path, 0, 150).astype("Int64"),
            "industry": df["industry"],
            "sign": df["sign"],
            "date": df["date"],
        }
    )
    return LoadedDataset(
        "blog_authorship",
        out,
        [_source("blog_authorship", path)],
        "Real 2004 blog posts (Blog Authorship Corpus sample), unlabelled: carrier text for PII "
        "injection. `group` = blogger_id (split by it so one blogger's style stays in one split). "
        "NON-COMMERCIAL research licence; may contain first names and places (PII-light).",
    )


LOADERS: dict[str, LoaderSpec] = {
    s.name: s
    for s in (
        LoaderSpec(
            "davidson",
            "Davidson hate/offensive tweets",
            ("davidson_hate_offensive/labeled_data.csv",),
            "MIT",
            "training and evaluation",
            load_davidson,
        ),
        LoaderSpec(
            "ruddit",
            "Ruddit offensiveness scores",
            ("ruddit/ruddit_with_text.csv",),
            "MIT",
            "training and evaluation (graded severity, calibration)",
            load_ruddit,
        ),
        LoaderSpec(
            "hatemoji",
            "HatemojiBuild emoji hate",
            tuple(f"hatemoji/hatemojibuild_{s}.csv" for s in ("train", "validation", "test")),
            "CC-BY-4.0",
            "training and evaluation (attribution required)",
            load_hatemoji,
        ),
        LoaderSpec(
            "surge_profanity",
            "Surge AI obfuscated profanity",
            ("surge_profanity/profanity_en.csv",),
            "MIT",
            "normalizer patterns and tests",
            load_surge_profanity,
        ),
        LoaderSpec(
            "dsojevic_profanity",
            "dsojevic profanity patterns",
            ("dsojevic_profanity/en.json", "dsojevic_profanity/emoji.json"),
            "MIT",
            "normalizer patterns and tests",
            load_dsojevic_profanity,
        ),
        LoaderSpec(
            "algospeak_tiktok",
            "TikTok algospeak lexicon",
            ("algospeak_tiktok_lexicon/algospeak_lexicon.csv",),
            "unknown",
            "evaluation and reference only; do not ship its contents",
            load_algospeak_tiktok,
        ),
        LoaderSpec(
            "sms_spam",
            "UCI SMS spam",
            ("sms_spam_uci/sms_spam_collection.csv",),
            "CC-BY-4.0",
            "training and evaluation (attribution required)",
            load_sms_spam,
        ),
        LoaderSpec(
            "twitter_bots",
            "Gilani 2017 Twitter bots (tabular)",
            ("twitter_bots_gilani2017/gilani2017_combined.csv",),
            "research use (unknown)",
            "evaluation and research only",
            load_twitter_bots,
        ),
        LoaderSpec(
            "harmbench",
            "HarmBench behaviours",
            ("harmbench/harmbench_behaviors_text_all.csv",),
            "MIT",
            "request-guard training (unsafe side) and evaluation",
            load_harmbench,
        ),
        LoaderSpec(
            "advbench",
            "AdvBench behaviours",
            ("advbench/advbench_behaviors.csv",),
            "MIT",
            "request-guard training (unsafe side) and evaluation",
            load_advbench,
        ),
        LoaderSpec(
            "blog_authorship",
            "Blog Authorship Corpus sample",
            ("blog_authorship_sample/blog_posts_sample.csv",),
            "NC (non-commercial research)",
            "research only; do not ship models trained on it as defaults",
            load_blog_authorship,
        ),
    )
}
LOADER_NAMES: tuple[str, ...] = tuple(LOADERS)


def get_loader(name: str) -> LoaderSpec:
    """The loader called ``name`` (``NotFoundError`` listing the known ones)."""
    try:
        return LOADERS[name]
    except KeyError:
        raise NotFoundError(f"unknown dataset loader {name!r}; known: {', '.join(LOADER_NAMES)}") from None


def load(name: str, data_dir: Path | None = None) -> LoadedDataset:
    """Run loader ``name`` on ``data_dir`` (default ``get_settings().resolved_data_dir``)."""
    spec = get_loader(name)
    root = _data_dir(data_dir)
    if not root.is_dir():
        raise NotFoundError(f"datasets folder not found: {root} (set MODOPS_DATA_DIR)")
    return spec.load(root)


def import_dataset(
    name: str,
    *,
    store: DatasetStore | None = None,
    data_dir: Path | None = None,
    run_qc: bool = True,
    on_step: Callable[[str], None] | None = None,
) -> DatasetVersion:
    """Load a public set and store it as a dataset version named after the loader."""
    from modops.data.store import get_store

    if on_step:
        on_step(f"reading {name}")
    loaded = load(name, data_dir)
    target = store if store is not None else get_store()
    return target.create(
        loaded.frame,
        loaded.name,
        text_col=loaded.text_col,
        sources=loaded.sources,
        description=loaded.description,
        run_qc=run_qc,
        on_step=on_step,
    )
