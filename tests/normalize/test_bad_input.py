"""Bad input never raises and finishes in bounded time (no timing assertions: pytest-timeout)."""

from __future__ import annotations

import pytest

from modops.normalize import Normalizer

_NORM = Normalizer()

BAD = {
    "empty": "",
    "spaces": "   \n\t ",
    "control": "k\x00i\x01l\x02l\x1b[31m red \x7f",
    "lone_surrogates": "a\ud800b\udfffc k1ll",
    "rtl": "\u05e9\u05dc\u05d5\u05dd \u202ek1ll\u202c \u0645\u0631\u062d\u0628\u0627",
    "mixed_scripts": "kіll привет 你好 κόσμε 🔪 ｆｕｃｋ",
    "zalgo": "k̵̨͍̆i̸̡͚̐l̷̰̿l̴̝̓",
    "only_invisibles": "\u200b\u200c\u200d\ufeff",
    "emoji_soup": "🏳️‍🌈👨‍👩‍👧🇵🇸🔪" * 50,
    "long_token": "k" * 100_000,
    "long_symbols": "$@!*" * 50_000,
    "spaced_letters": "a " * 50_000,
    "nul_heavy": "\x00" * 10_000,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_gets_a_result(name: str) -> None:
    text = BAD[name]
    nt = _NORM.normalize(text)
    assert nt.original == text
    assert len(nt.offset_map) == len(nt.normalized) + 1
    assert nt.offset_map[-1] == len(text)
    assert "\ud800" not in nt.normalized and "\x00" not in nt.normalized
    nt.normalized.encode("utf-8")  # always encodable


@pytest.mark.timeout(120)
def test_one_megabyte_text() -> None:
    chunk = "you are a k1ll3r, sewer slide 🔪 ſuicide f*ck this, candy corn. " * 10
    text = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]
    nt = _NORM.normalize(text)
    assert len(nt.original) == 1_000_000
    assert nt.offset_map[-1] == 1_000_000
    assert "suicide" in nt.normalized and "sewer slide" not in nt.normalized
    assert len(nt.substitutions) > 10_000
