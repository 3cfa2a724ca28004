"""Readers and every bad-input case of issue 2: one-line error, exit code 2, no partial version."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from modops.data.io import parse_mapping, read_csv, read_jsonl, read_table
from modops.errors import DataError, InputError, NotFoundError

from .conftest import leftovers


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- readers (Python API) ---------------------------------------------------------------------------
def test_csv_reads_quoted_multiline_and_keeps_text_verbatim(files: Path) -> None:
    p = write(files / "a.csv", 'comment,class,n\n"hello, ""world""\nsecond line",1,007\nNA,0,010\n')
    df = read_table(p, mapping={"text": "comment", "label": "class"})
    assert list(df.columns) == ["text", "label", "n"]
    assert df["text"].tolist() == ['hello, "world"\nsecond line', "NA"]  # "NA" is text, not missing
    assert df["label"].tolist() == [1, 0]  # numeric columns are inferred
    assert df["n"].tolist() == ["007", "010"]  # zero-padded ids stay strings


def test_jsonl_and_parquet_roundtrip(files: Path) -> None:
    p = write(files / "a.jsonl", '{"body": "hi", "y": 1}\n\n{"body": "yo", "y": 0, "extra": [1]}\n')
    df = read_table(p, mapping={"text": "body", "label": "y"})
    assert df["text"].tolist() == ["hi", "yo"] and df["label"].tolist() == [1, 0]
    pq_path = files / "a.parquet"
    pd.DataFrame({"text": ["a", "b"], "label": [0, 1]}).to_parquet(pq_path)
    assert read_table(pq_path)["text"].tolist() == ["a", "b"]


@pytest.mark.parametrize(
    ("name", "content", "fmt", "exc", "fragment"),
    [
        (
            "bad_fields.csv",
            "text,label\nok,1\ntoo,many,fields\n",
            None,
            InputError,
            "bad_fields.csv:3: malformed CSV",
        ),
        ("bad_quote.csv", 'text,label\n"unterminated,1\n', None, InputError, "malformed CSV"),
        ("bad.jsonl", '{"text": "ok"}\n{"text": oops}\n', None, InputError, "bad.jsonl:2: malformed JSON"),
        ("list.jsonl", '{"text": "ok"}\n[1, 2]\n', None, InputError, "list.jsonl:2: expected a JSON object"),
        (
            "notext.jsonl",
            '{"text": "ok"}\n{"body": "x"}\n',
            None,
            DataError,
            "notext.jsonl:2: missing column 'text'",
        ),
        ("int.jsonl", '{"text": 5}\n', None, DataError, "int.jsonl:1: 'text' must be a string"),
        ("latin1.csv", b"text,label\nok,1\ncaf\xe9,0\n", None, InputError, "latin1.csv:3: not valid UTF-8"),
        (
            "latin1.jsonl",
            b'{"text": "ok"}\n{"text": "caf\xe9"}\n',
            None,
            InputError,
            "latin1.jsonl:2: not valid UTF-8",
        ),
        ("nocol.csv", "body,label\nx,1\n", None, DataError, "missing column 'text'"),
        ("empty.csv", "", None, InputError, "file is empty"),
        ("dup.csv", "text,text\na,b\n", None, InputError, "duplicate column name"),
        ("fake.parquet", "not parquet at all", None, InputError, "not a readable Parquet file"),
        ("data.txt", "text\na\n", None, InputError, "cannot tell the format"),
        ("data2.txt", "text\na\n", "xml", InputError, "unknown format 'xml'"),
    ],
)
def test_reader_errors(
    files: Path, name: str, content: str | bytes, fmt: str | None, exc: type[Exception], fragment: str
) -> None:
    p = write(files / name, content)
    with pytest.raises(exc) as info:
        read_table(p, fmt)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_unreadable_paths(files: Path) -> None:
    with pytest.raises(NotFoundError, match="file not found"):
        read_csv(files / "missing.csv")
    with pytest.raises(InputError, match="is a directory"):
        read_jsonl(files)
    if os.geteuid() != 0:  # root can read anything
        p = write(files / "secret.csv", "text\na\n")
        p.chmod(0)
        with pytest.raises(InputError, match="cannot read"):
            read_csv(p)


@pytest.mark.parametrize("bad", ["text", "=col", "text=", "text=a,text=b"])
def test_parse_mapping_errors(bad: str) -> None:
    with pytest.raises(InputError):
        parse_mapping(bad.split(","))


def test_mapping_may_not_overwrite_a_column(files: Path) -> None:
    p = write(files / "a.csv", "text,body\nx,y\n")
    with pytest.raises(DataError, match="overwrite"):
        read_table(p, mapping={"text": "body"})


# --- the CLI: exit 2, one line, nothing left behind --------------------------------------------------
BAD_FILES: list[tuple[str, str | bytes, list[str], str]] = [
    ("malformed.csv", "text,label\nok,1\nbroken,1,2\n", [], "malformed.csv:3: malformed CSV"),
    ("malformed.jsonl", '{"text": "a"}\n{"text": \n', [], "malformed.jsonl:2: malformed JSON"),
    ("missing_col.csv", "comment,label\nhello,1\n", ["--map", "text=body"], "missing column 'body'"),
    ("latin1.csv", b"text,label\nna\xefve,1\n", [], "latin1.csv:2: not valid UTF-8"),
    ("latin1.jsonl", b'{"text": "na\xefve"}\n', [], "latin1.jsonl:1: not valid UTF-8"),
]


@pytest.mark.parametrize(("name", "content", "extra", "fragment"), BAD_FILES)
def test_cli_bad_files_exit_2_and_leave_nothing(cli, files: Path, name, content, extra, fragment) -> None:
    p = write(files / name, content)
    code, out, err = cli("data", "import", "--file", str(p), "--name", "bad", *extra)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in err + out
    assert leftovers() == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["data", "import", "--file", "/nonexistent/x.csv", "--name", "n"],
            "file not found: /nonexistent/x.csv",
        ),
        (["data", "import", "--file", "/", "--name", "n", "--format", "csv"], "is a directory"),
        (["data", "show", "nope-000000000000"], "unknown dataset version 'nope-000000000000'"),
        (["data", "check", "nope"], "unknown dataset version 'nope'; run `modops data list`"),
        (["data", "split", "../../etc"], "unknown dataset version '../../etc'"),
        (["data", "import", "no_such_loader"], "unknown dataset loader 'no_such_loader'"),
        (["data", "import"], "nothing to import"),
        (["data", "import", "--file", "x.csv"], "--file needs --name"),
    ],
)
def test_cli_unknown_version_and_unreadable_path(cli, args: list[str], fragment: str) -> None:
    code, _, err = cli(*args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err
    assert leftovers() == []


def test_cli_bad_values_leave_nothing(cli, files: Path) -> None:
    p = write(files / "scores.csv", "text,score\na,0.5\nb,1.5\n")
    code, _, err = cli("data", "import", "--file", str(p), "--name", "s")
    assert code == 2 and "'score' must be in [0, 1]" in err
    p = write(files / "splits.csv", "text,split\na,train\nb,holdout\n")
    code, _, err = cli("data", "import", "--file", str(p), "--name", "s")
    assert code == 2 and "holdout" in err
    assert leftovers() == []


def test_mapping_a_column_twice_is_an_error(files: Path) -> None:
    p = write(files / "a.csv", "body,y\nx,1\n")
    with pytest.raises(InputError, match="mapped twice"):
        read_table(p, mapping={"text": "body", "label": "body"})
