"""``modops data ...`` end to end, including the issue's "done when": import davidson, then check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modops.data.store import get_store
from tests.conftest import require_dataset

from .conftest import random_texts


@pytest.mark.data
def test_import_davidson_then_check_prints_report_and_writes_card(cli) -> None:
    require_dataset("davidson_hate_offensive/labeled_data.csv")
    code, out, err = cli("data", "import", "davidson", "--quiet")
    assert code == 0, err
    version = out.strip()
    assert version.startswith("davidson-")
    v = get_store().get(version)
    v.card_path.unlink()  # prove that check (re)writes it
    v.qc_path.unlink()
    code, out, err = cli("data", "check", version)
    assert code == 0, err
    for fragment in ("QC report for " + version, "Near-duplicates", "Class balance", "Leakage", "QC passed"):
        assert fragment in out
    card = v.card_path.read_text()
    assert (
        "## Quality control" in card and "| Exact duplicates |" in card and "| hate | 1,430 | 5.8% |" in card
    )
    assert json.loads(v.qc_path.read_text())["rows"] == 24_783

    # split it (derived version with parent), and the split passes QC: exit 0
    code, out, err = cli("data", "split", version, "--seed", "1", "-q")
    assert code == 0, err
    child = get_store().get(out.strip())
    assert child.manifest["parent"] == version and child.manifest["generator"]["seed"] == 1
    assert set(child.splits) == {"train", "validation", "test"}
    code, out, _ = cli("data", "check", child.id)
    assert code == 0 and "QC passed" in out


def write_csv(path: Path, texts: list[str], labels: list[str], splits: list[str] | None = None) -> Path:
    import pandas as pd

    df = pd.DataFrame({"comment_body": texts, "class": labels})
    if splits is not None:
        df["part"] = splits
    df.to_csv(path, index=False)
    return path


def test_file_import_list_show_split_check(cli, files: Path) -> None:
    texts = random_texts(120, seed=3)
    labels = ["spam" if i % 4 == 0 else "ham" for i in range(120)]
    path = write_csv(files / "msgs.csv", texts, labels)
    code, out, err = cli(
        "data",
        "import",
        "--file",
        str(path),
        "--name",
        "msgs",
        "--map",
        "text=comment_body",
        "--map",
        "label=class",
        "--license",
        "CC0-1.0",
        "--description",
        "Test messages.",
    )
    assert code == 0, err
    assert "imported dataset version msgs-" in out
    (v,) = get_store().list()
    assert v.manifest["sources"][0]["license"] == "CC0-1.0" and v.manifest["columns"][:2] == ["text", "label"]
    # the same import again: same id, still one version
    code, out, _ = cli(
        "data", "import", "-f", str(path), "-n", "msgs", "-m", "text=comment_body", "-m", "label=class", "-q"
    )
    assert code == 0 and out.strip() == v.id and len(get_store().list()) == 1

    code, out, _ = cli("data", "list")
    assert code == 0 and v.id in out
    code, out, _ = cli("data", "list", "--json")
    assert json.loads(out)[0]["id"] == v.id
    code, out, _ = cli("data", "show", v.id, "--head", "2")
    assert code == 0 and "schema" in out and "first 2 rows" in out
    code, out, _ = cli("data", "show", "msgs", "--json")
    assert json.loads(out)["id"] == v.id

    code, out, err = cli(
        "data", "split", v.id, "--ratios", "0.5,0.25,0.25", "--seed", "2", "--name", "msgs-split", "-q"
    )
    assert code == 0, err
    child = get_store().get(out.strip())
    assert child.splits == {"train": 60, "validation": 30, "test": 30}
    assert child.manifest["generator"]["config"]["stratify"] == "label"
    code, out, _ = cli("data", "check", child.id, "--json")
    assert code == 0 and json.loads(out)["leakage"] is False


def test_check_exits_1_on_leakage_and_strict(cli, files: Path) -> None:
    texts = random_texts(30, seed=4)
    texts[25] = texts[0]  # a train text copied into test
    splits = ["train"] * 20 + ["test"] * 10
    path = write_csv(files / "leaky.csv", texts, ["a", "b"] * 15, splits)
    code, out, err = cli(
        "data",
        "import",
        "-f",
        str(path),
        "-n",
        "leaky",
        "-m",
        "text=comment_body",
        "-m",
        "label=class",
        "-m",
        "split=part",
        "-q",
    )
    assert code == 0, err
    code, out, err = cli("data", "check", out.strip())
    assert code == 1
    assert "QC FAILED: leakage across splits" in out
    assert err.strip().startswith("error: leaky-") and "leakage across splits" in err and err.count("\n") == 1

    clean = write_csv(files / "clean.csv", random_texts(30, seed=6), ["a"] * 29 + ["b"])
    code, out, _ = cli(
        "data",
        "import",
        "-f",
        str(clean),
        "-n",
        "clean",
        "-m",
        "text=comment_body",
        "-m",
        "label=class",
        "-q",
    )
    assert cli("data", "check", out.strip())[0] == 0
    assert cli("data", "check", out.strip(), "--strict")[0] == 1  # the class-balance warning


@pytest.mark.parametrize(
    "args",
    [
        ["data", "--help"],
        *[["data", c, "--help"] for c in ("import", "list", "show", "split", "check", "loaders")],
    ],
)
def test_help(cli, args: list[str]) -> None:
    code, out, _ = cli(*args)
    assert code == 0 and "Usage" in out


def test_bad_options_are_one_line_errors(cli) -> None:
    get_store().create(
        __import__("pandas").DataFrame({"text": random_texts(10), "label": ["a"] * 10}), "tiny", run_qc=False
    )
    for args, fragment in (
        (["data", "split", "tiny", "--ratios", "a,b"], "bad --ratios"),
        (["data", "split", "tiny", "--ratios", "0.9,0.9"], "ratios must be non-negative and sum to 1"),
        (["data", "split", "tiny", "--stratify", "nope"], "no column 'nope'"),
        (["data", "check", "tiny", "--near-dup-threshold", "1.5"], "--near-dup-threshold"),
        (["data", "import", "davidson", "--name", "x"], "apply to --file imports only"),
    ):
        code, _, err = cli(*args)
        assert code == 2 and err.startswith("error: ") and fragment in err and err.count("\n") == 1, (
            args,
            err,
        )
    assert [v.name for v in get_store().list()] == ["tiny"]


def test_loaders_command(cli) -> None:
    code, out, _ = cli("data", "loaders")
    assert code == 0 and "davidson" in out and "blog_authorship" in out
