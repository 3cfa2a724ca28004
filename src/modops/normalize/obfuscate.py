"""Generate obfuscated variants of a text by inverting the normalizer's tables.

Used for training-data augmentation and robustness tests. Stable API::

    obfuscate(text, kind, rng=None, *, rate=1.0) -> str

``kind`` is one of ``OBFUSCATION_KINDS``; ``rng`` is a ``random.Random``, an int seed or
None (seed 0, deterministic). ``rate`` is the share of eligible words that get
obfuscated (at least one eligible word always is). Whatever a kind produces, the
normalizer maps back, as long as the word is in its pattern database (for ``algospeak``,
words with a known algospeak variant; for the other kinds, any word for ``homoglyph``,
``invisible``, and database words for ``leet``/``separator``/``censor``/``stretch``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from modops.errors import InputError

OBFUSCATION_KINDS: tuple[str, ...] = (
    "leet",
    "separator",
    "homoglyph",
    "algospeak",
    "stretch",
    "censor",
    "invisible",
)

_LEET_OUT: dict[str, tuple[str, ...]] = {
    "a": ("4", "@"),
    "e": ("3",),
    "i": ("1", "!"),
    "o": ("0",),
    "s": ("5", "$"),
    "t": ("7",),
    "b": ("8",),
    "g": ("9",),
}
_HOMO_OUT: dict[str, tuple[str, ...]] = {
    "a": ("а", "α"),
    "c": ("с",),
    "e": ("е", "ε"),
    "i": ("і", "ι"),
    "k": ("κ", "к"),
    "o": ("о", "ο"),
    "p": ("р", "ρ"),
    "s": ("ѕ",),
    "x": ("х", "χ"),
    "y": ("у",),
    "j": ("ј",),
    "h": ("һ",),
}
_INVISIBLES = ("\u200b", "\u200c", "\u00ad", "\u2060", "\ufeff")
_SEPARATORS = (".", "-", "_", " ", "/")
_WORD = re.compile(r"[A-Za-z]{3,}")


def _rng(rng: random.Random | int | None) -> random.Random:
    if isinstance(rng, random.Random):
        return rng
    return random.Random(0 if rng is None else rng)


def _leet(word: str, r: random.Random) -> str:
    idx = [i for i, c in enumerate(word) if c.lower() in _LEET_OUT]
    if not idx:
        return word
    chosen = set(r.sample(idx, k=max(1, len(idx) // 2)))
    # keep at least one real letter so the token still reads as a word
    if len(chosen) == len(word):
        chosen.discard(next(iter(chosen)))
    return "".join(r.choice(_LEET_OUT[c.lower()]) if i in chosen else c for i, c in enumerate(word))


def _separator(word: str, r: random.Random) -> str:
    return r.choice(_SEPARATORS).join(word)


def _homoglyph(word: str, r: random.Random) -> str:
    idx = [i for i, c in enumerate(word) if c.lower() in _HOMO_OUT and c.islower()]
    if not idx:
        return word
    # a mixed-script word: at least one Latin letter stays (that is what the normalizer maps)
    k = max(1, min(len(idx), len(word) - 1) // 2)
    chosen = set(r.sample(idx, k=k))
    return "".join(r.choice(_HOMO_OUT[c]) if i in chosen else c for i, c in enumerate(word))


def _stretch(word: str, r: random.Random) -> str:
    idx = [i for i, c in enumerate(word) if c.lower() in "aeiouy"] or [len(word) - 1]
    i = r.choice(idx)
    return word[: i + 1] + word[i] * r.randint(2, 5) + word[i + 1 :]


def _censor(word: str, r: random.Random) -> str:
    idx = [i for i, c in enumerate(word) if 0 < i < len(word) - 1 and c.lower() in "aeiou"]
    if not idx:
        idx = [len(word) // 2]
    chosen = set(r.sample(idx, k=1 if len(idx) == 1 else r.randint(1, min(2, len(idx)))))
    return "".join("*" if i in chosen else c for i, c in enumerate(word))


def _invisible(word: str, r: random.Random) -> str:
    i = r.randint(1, len(word) - 1)
    return word[:i] + r.choice(_INVISIBLES) + word[i:]


_WORD_FUNCS: dict[str, Callable[[str, random.Random], str]] = {
    "leet": _leet,
    "separator": _separator,
    "homoglyph": _homoglyph,
    "stretch": _stretch,
    "censor": _censor,
    "invisible": _invisible,
}


def _algospeak_table() -> dict[str, list[str]]:
    """canonical word/phrase → algospeak variants, inverted from the default database."""
    from modops.normalize import get_normalizer

    table: dict[str, list[str]] = {}
    for e in get_normalizer().entries:
        if e.category in ("sensitive", "platform"):
            continue
        for v in e.variants:
            if v.isascii() and re.fullmatch(r"[a-z' ]+", v):
                table.setdefault(e.canonical.lower(), []).append(v)
    return table


def obfuscate(text: str, kind: str, rng: random.Random | int | None = None, *, rate: float = 1.0) -> str:
    """Return ``text`` with its words obfuscated the way ``kind`` says (see module doc)."""
    if not isinstance(text, str):
        raise InputError(f"obfuscate expects str, got {type(text).__name__}")
    if kind not in OBFUSCATION_KINDS:
        raise InputError(f"unknown obfuscation kind {kind!r}; choose from {', '.join(OBFUSCATION_KINDS)}")
    if not 0.0 <= rate <= 1.0:
        raise InputError("rate must be between 0 and 1")
    r = _rng(rng)
    if kind == "algospeak":
        table = _algospeak_table()
        keys = sorted(table, key=len, reverse=True)
        pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b", re.IGNORECASE)
        matches = list(pattern.finditer(text))
        if not matches:
            return text
        keep = {id(m) for m in matches if r.random() < rate} or {id(r.choice(matches))}
        out: list[str] = []
        prev = 0
        for m in matches:
            if id(m) not in keep:
                continue
            out.append(text[prev : m.start()])
            out.append(r.choice(table[m.group().lower()]))
            prev = m.end()
        out.append(text[prev:])
        return "".join(out)
    func = _WORD_FUNCS[kind]
    words = list(_WORD.finditer(text))
    if not words:
        return text
    chosen = [m for m in words if r.random() < rate] or [r.choice(words)]
    out = []
    prev = 0
    for m in chosen:
        out.append(text[prev : m.start()])
        out.append(func(m.group(), r))
        prev = m.end()
    out.append(text[prev:])
    return "".join(out)
