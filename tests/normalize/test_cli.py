"""``modops normalize`` and ``modops eval normalizer`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modops.cli import main


def test_normalize_text_prints_result_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["normalize", "I will unalive u 🔪"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "I will kill u knife"
    assert "algospeak" in out and "emoji" in out and "1.0.0" in out


def test_normalize_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["normalize", "--json", "k1ll"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["normalized"] == "kill"
    assert data["substitutions"][0]["kind"] == "leet"


def test_normalize_clean_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["normalize", "hello world"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("hello world") and "no substitutions" in out


def test_normalize_file_streams(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "text": "k.y.s"})
        + "\n\n"
        + json.dumps("seggs \ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        + "\n",
        encoding="utf-8",
    )
    dst = tmp_path / "sub" / "out.jsonl"
    assert main(["normalize", "--file", str(src), "--out", str(dst)]) == 0
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["normalized"] for r in rows] == ["kill yourself", "sex \ufffd\ufffd\ufffd"]
    assert rows[0]["id"] == 1 and rows[0]["substitutions"] and rows[0]["db_version"]
    assert "normalized 2 rows" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "ok"}\n{"text": \n', ":2: malformed JSON"),
        ('{"body": "x"}\n', "missing field 'text'"),
        ('{"text": 5}\n', "must be a string"),
        (b"\xff\xfe\n", "not valid UTF-8"),
    ],
)
def test_normalize_file_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    src = tmp_path / "in.jsonl"
    if isinstance(content, bytes):
        src.write_bytes(content)
    else:
        src.write_text(content, encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    assert main(["normalize", "--file", str(src), "--out", str(dst)]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert message in last and last.startswith("error: ") and "Traceback" not in err
    assert not dst.exists()  # no half-written output


def test_normalize_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["normalize"]) == 2
    assert "give either TEXT or --file" in capsys.readouterr().err
    assert main(["normalize", "x", "--file", str(tmp_path / "a.jsonl")]) == 2
    capsys.readouterr()
    assert (
        main(["normalize", "--file", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o.jsonl")])
        == 2
    )
    assert "file not found" in capsys.readouterr().err
    (tmp_path / "a.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")
    assert main(["normalize", "--file", str(tmp_path / "a.jsonl")]) == 2
    assert "--file needs --out" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["normalize", "--patterns", str(bad), "x"]) == 2
    assert "malformed JSON" in capsys.readouterr().err


def test_normalize_with_user_patterns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pat = tmp_path / "mine.json"
    pat.write_text(
        json.dumps(
            {
                "entries": [
                    {
                        "id": "blorp",
                        "canonical": "fraud",
                        "variants": ["blorp"],
                        "category": "other",
                        "severity": 1,
                        "harmful": True,
                        "source": "test",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    assert main(["normalize", "--patterns", str(pat), "--json", "a blorp"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["normalized"] == "a fraud" and "+local." in data["db_version"]


@pytest.mark.data
def test_eval_normalizer_small(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for rel in (
        "algospeak_tiktok_lexicon/algospeak_lexicon.csv",
        "surge_profanity/profanity_en.csv",
        "blog_authorship_sample/blog_posts_sample.csv",
    ):
        if not (data_dir / rel).exists():
            pytest.skip(f"{rel} not available")
    out = tmp_path / "reports"
    assert main(["eval", "normalizer", "--out", str(out), "--sentences", "300"]) == 0
    payload = json.loads((out / "normalizer.json").read_text())
    assert (out / "normalizer.html").read_text().count("data:image/png;base64") == 2
    assert payload["blog_false_substitutions"]["sentences"] == 300
    assert payload["blog_false_substitutions"]["harmful_substitution_rate"]["value"] <= 0.02
    assert payload["surge"]["recall_all"]["value"] > 0.5
    assert 0 < payload["tiktok_lexicon"]["coverage"]["value"] < 1
    assert "Surge recall" in capsys.readouterr().out


def test_eval_normalizer_missing_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from modops.config import reset_settings

    monkeypatch.setenv("MODOPS_DATA_DIR", str(tmp_path / "nowhere"))
    reset_settings()
    assert main(["eval", "normalizer", "--out", str(tmp_path / "r")]) == 2
    assert "dataset file not found" in capsys.readouterr().err


def test_normalize_file_lone_surrogate_escape(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "k1ll \\ud800 \\ud83d\\udd2a"}\n', encoding="utf-8")  # JSON escapes: lone + pair
    dst = tmp_path / "out.jsonl"
    assert main(["normalize", "--file", str(src), "--out", str(dst)]) == 0
    row = json.loads(dst.read_text(encoding="utf-8"))
    assert row["normalized"] == "kill \ufffd knife"
    assert row["text"] == "k1ll \ud800 🔪"
