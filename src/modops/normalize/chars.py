"""Character-level tables: invisibles, diacritics, fullwidth/math letters and homoglyphs.

Built once on first use (never at import) from ``unicodedata`` plus a hand-written
confusables table. Every output character is ASCII or outside the "special" set, so
running the character stage twice changes nothing (idempotence).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Removed outright: zero-width, bidi controls, variation selectors, tags, soft hyphen,
# C0/C1 controls except \t \n \r.  Kind "invisible".
_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0xAD, 0xAD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x1BCA0, 0x1BCA3),
    (0xE0000, 0xE007F),
    (0xE0100, 0xE01EF),
)
# Odd spaces become a plain space (kind "homoglyph").
_SPACES = (0xA0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000, 0x2028, 0x2029)
# Combining marks (zalgo, stacked accents) are dropped. Kind "diacritic".
_MARK_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))

# Look-alikes that are real letters of another script: only mapped inside a word that
# mixes them with Latin letters (or a word that then spells a known pattern word), so
# genuine Russian or Greek text is left alone.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic lower
    "а": "a", "в": "b", "е": "e", "ё": "e", "г": "r", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g", "ո": "n", "ս": "u",
    "օ": "o", "հ": "h", "ց": "g", "զ": "q",
    # Cyrillic upper
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ї": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D",
    "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Ь": "b",
    # Greek lower
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Greek upper
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
}  # fmt: skip

# Latin-script look-alikes that no real word needs: always mapped (kind "homoglyph").
_LATIN_LOOKALIKES: dict[str, str] = {
    "ſ": "s", "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ɪ": "i", "ʀ": "r", "ʏ": "y", "ʙ": "b",
    "ʜ": "h", "ʟ": "l", "ɴ": "n", "ɢ": "g", "ᴀ": "a", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ᴊ": "j",
    "ᴋ": "k", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z",
    "ꜰ": "f", "ꜱ": "s", "ǫ": "q", "ℓ": "l", "℮": "e", "ⅰ": "i", "Ⅰ": "I", "ǀ": "l", "ɾ": "r",
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d",
    "Đ": "D", "ł": "l", "Ł": "L", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i", "ʉ": "u", "İ": "I",
    "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"', "„": '"', "‐": "-", "‑": "-", "‒": "-",
    "–": "-", "—": "-", "―": "-", "⁄": "/", "∕": "/", "•": ".", "·": ".", "․": ".", "…": "...",
}  # fmt: skip


@dataclass(frozen=True)
class CharTables:
    """Unconditional char → (replacement, kind) map, homoglyphs, and the regexes that find them."""

    fixed: dict[str, tuple[str, str]]
    homoglyphs: dict[str, str]
    special_re: re.Pattern[str]  # any char that might change
    homoglyph_re: re.Pattern[str]
    special_set: frozenset[str]  # the same chars, for a fast ``isdisjoint`` pre-check


def _char_class(chars: set[str]) -> str:
    """A compact regex character class for a set of characters."""
    codes = sorted(ord(c) for c in chars)
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = codes[i], codes[j]
        parts.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def _ascii_fold(ch: str) -> str | None:
    """NFKC/NFD fold of one character to ASCII letters/digits, or None."""
    for form in ("NFKC", "NFD"):
        folded = unicodedata.normalize(form, ch)
        stripped = "".join(c for c in folded if not unicodedata.combining(c))
        if len(stripped) == 1 and stripped != ch and stripped.isascii() and stripped.isalpha():
            return stripped
    return None


@lru_cache(maxsize=1)
def char_tables() -> CharTables:
    """Build (once) the character tables."""
    fixed: dict[str, tuple[str, str]] = {}
    for lo, hi in _INVISIBLE_RANGES:
        for cp in range(lo, hi + 1):
            fixed[chr(cp)] = ("", "invisible")
    for cp in _SPACES:
        fixed[chr(cp)] = (" ", "homoglyph")
    for lo, hi in _MARK_RANGES:
        for cp in range(lo, hi + 1):
            fixed.setdefault(chr(cp), ("", "diacritic"))
    for ch, rep in _LATIN_LOOKALIKES.items():
        fixed[ch] = (rep, "homoglyph")
    # fullwidth ASCII
    for cp in range(0xFF01, 0xFF5F):
        fixed[chr(cp)] = (chr(cp - 0xFEE0), "homoglyph")
    # mathematical alphanumerics, circled/parenthesised/superscript letters, letterlike symbols
    for lo, hi in (
        (0x1D400, 0x1D7FF),
        (0x2460, 0x24FF),
        (0x2100, 0x214F),
        (0x1D2C, 0x1D6A),
        (0x2070, 0x209C),
    ):
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            folded = _ascii_fold(ch)
            if folded is not None and ch not in fixed:
                fixed[ch] = (folded, "homoglyph")
    # squared / negative circled / negative squared Latin capitals (🅰 🅱 🄰 ...)
    for block in (0x1F130, 0x1F150, 0x1F170):
        for k in range(26):
            fixed[chr(block + k)] = (chr(ord("A") + k), "homoglyph")
    # Latin letters with diacritics → base letter
    for lo, hi in ((0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if ch in fixed:
                continue
            decomposed = unicodedata.normalize("NFD", ch)
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            if base != ch and len(base) == 1 and base.isascii() and base.isalpha():
                fixed[ch] = (base, "diacritic")
    # Greek/Cyrillic letters with accents fold to their base letter first (ά → α); the
    # homoglyph rule then decides per word.
    homoglyphs = dict(HOMOGLYPHS)
    for lo, hi in ((0x0370, 0x03FF), (0x1F00, 0x1FFF), (0x0400, 0x04FF)):
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if ch in homoglyphs:
                continue
            base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
            if base != ch and base in HOMOGLYPHS:
                homoglyphs[ch] = HOMOGLYPHS[base]
    # Idempotence: nothing we emit may itself be special.
    special = set(fixed) | set(homoglyphs)
    for rep, _ in fixed.values():
        assert not (set(rep) & special), rep
    assert not (set("".join(homoglyphs.values())) & special)
    special_cls = _char_class(special)
    # lone surrogates cannot be encoded as UTF-8 downstream: replaced with U+FFFD
    special_re = re.compile(special_cls[:-1] + "\ud800-\udfff]")
    special_set = frozenset(special) | frozenset(chr(c) for c in range(0xD800, 0xE000))
    return CharTables(fixed, homoglyphs, special_re, re.compile(_char_class(set(homoglyphs))), special_set)
