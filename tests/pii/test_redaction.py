"""Redaction operators over detector findings."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from modops.config import reset_settings
from modops.core import Finding
from modops.detectors.redaction import deanonymize, redact
from modops.errors import InputError

TEXT = "Ask John Smith (john@x.com). john smith said call 415-555-2671; Mary Jones agreed."


def F(label: str, value: str, nth: int = 0) -> Finding:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.find(value, start + 1)
    assert start >= 0
    return Finding("pii", label, 0.9, start, start + len(value))


FINDINGS = [
    F("PERSON", "John Smith"),
    F("EMAIL_ADDRESS", "john@x.com"),
    F("PERSON", "john smith"),
    F("PHONE_NUMBER", "415-555-2671"),
    F("PERSON", "Mary Jones"),
    Finding("pii", "CONTAINS_PII", 0.9),  # no span: ignored
]


def test_replace() -> None:
    res = redact(TEXT, FINDINGS, "replace")
    assert res.text == "Ask <PERSON> (<EMAIL_ADDRESS>). <PERSON> said call <PHONE_NUMBER>; <PERSON> agreed."
    assert len(res.items) == 5


def test_placeholders_are_consistent_within_a_document() -> None:
    res = redact(TEXT, FINDINGS, "placeholder")
    assert (
        res.text
        == "Ask <PERSON_1> (<EMAIL_ADDRESS_1>). <PERSON_1> said call <PHONE_NUMBER_1>; <PERSON_2> agreed."
    )
    for item in res.items:
        assert res.text[item.new_start : item.new_end] == item.replacement
        assert item.end - item.start > 0


def test_mask_keeps_length_and_separators() -> None:
    res = redact(TEXT, [F("PHONE_NUMBER", "415-555-2671")], "mask", keep_last=4)
    assert "***-***-2671" in res.text
    assert len(res.text) == len(TEXT)


def test_hash_is_salted_and_deterministic() -> None:
    a = redact(TEXT, FINDINGS, "hash", salt="s1").text
    b = redact(TEXT, FINDINGS, "hash", salt="s1").text
    c = redact(TEXT, FINDINGS, "hash", salt="s2").text
    assert a == b != c
    assert "John Smith" not in a


def test_encrypt_round_trip() -> None:
    key = Fernet.generate_key().decode()
    res = redact(TEXT, FINDINGS, "encrypt", key=key)
    assert "John Smith" not in res.text and "<ENC:PERSON:" in res.text
    assert deanonymize(res.text, key) == TEXT


def test_encrypt_key_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODOPS_ENCRYPTION_KEY", Fernet.generate_key().decode())
    reset_settings()
    res = redact(TEXT, FINDINGS, "encrypt")
    assert deanonymize(res.text) == TEXT


def test_encrypt_without_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODOPS_ENCRYPTION_KEY", raising=False)
    reset_settings()
    with pytest.raises(InputError, match="MODOPS_ENCRYPTION_KEY"):
        redact(TEXT, FINDINGS, "encrypt")


def test_wrong_key_and_bad_operator() -> None:
    res = redact(TEXT, FINDINGS, "encrypt", key=Fernet.generate_key())
    with pytest.raises(InputError, match="different key"):
        deanonymize(res.text, Fernet.generate_key())
    with pytest.raises(InputError, match="invalid encryption key"):
        redact(TEXT, FINDINGS, "encrypt", key="not-a-key")
    with pytest.raises(InputError, match="unknown redaction operator"):
        redact(TEXT, FINDINGS, "shred")


def test_overlapping_findings_keep_the_longest() -> None:
    text = "Mail 12 Main Street, Springfield, IL 62704 now"
    s = text.index("12")
    e = text.index(" now")
    fs = [Finding("pii", "STREET_ADDRESS", 0.8, s, e), Finding("pii", "PERSON", 0.6, s + 3, s + 7)]
    assert redact(text, fs, "replace").text == "Mail <STREET_ADDRESS> now"
