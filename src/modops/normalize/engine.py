"""The normalizer: three passes, each one compiled object, no loop over patterns.

1. **characters**: one regex finds every character that may change (invisibles,
   diacritics, fullwidth/math letters, homoglyphs, lone surrogates); pure ASCII text with
   none of them skips the pass.
2. **obfuscated tokens**: one regex finds tokens that look obfuscated (leetspeak/symbols,
   separators inside words, censoring asterisks, stretched letters); each is decoded to a
   skeleton and looked up in one dict of known words (hash lookups, cached per token).
3. **algospeak, emoji and safe contexts**: one Aho-Corasick automaton over the whole
   database (variants + safe-context phrases), with word-boundary checks.

Each pass returns an offset map; the maps are composed so every normalized character
points back into the original text, and every change becomes a ``Substitution``.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import operator
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import ahocorasick_rs

from modops.caches import evict_half
from modops.errors import DataError, InputError
from modops.normalize.chars import CharTables, _char_class, char_tables
from modops.normalize.db import PatternDB, PatternEntry, extra_files_signature, load_db
from modops.normalize.types import NormalizedText, Substitution

if TYPE_CHECKING:  # mypyc's native 64-bit int; plain int to the interpreter
    from mypy_extensions import i64

# leetspeak → letter (primary reading), and the second reading of ambiguous symbols
LEET: dict[str, str] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a",
    "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "e", "¢": "c", "(": "c", "¡": "i",
}  # fmt: skip
LEET_ALT: dict[str, str] = {"1": "l", "!": "l", "|": "i", "£": "l", "9": "q", "6": "b"}
CENSOR_CHARS = frozenset("*#%")
_BOUND: Final = r"\w@$*#%+€£¢¡"
_SEP_CLS: Final = r"[ .\-_/\\|~:+,*]"
# single characters split by separators: "k.i.l.l", "k-y-s", "k i l l", "f*u*c*k"
SPACED_RE = re.compile(
    rf"(?<![{_BOUND}])[a-z0-9@$](?:(?: ?[.\-_/\\|~:+,*] ?| )[a-z0-9@$!]){{2,}}(?![{_BOUND}])"
)
# Cheap scans (each pattern starts with a character set, so the regex engine skips
# ahead in C): a leet/censor symbol or separator, and "X a X b X" for spaced letters.
# Runs of three equal letters (stretching) come from the Aho-Corasick pass.
_SYM_TRIGGER: Final = re.compile(r"[0-9@$|*#%+€£¢¡!.\-_]+")
_SPACED_TRIGGER: Final = re.compile(rf"{_SEP_CLS}[a-z0-9@$]{_SEP_CLS}+[a-z0-9@$!]{_SEP_CLS}")
# The same triggers, filtered in C: a trigger run of 2+ symbols, a leet/censor symbol, "!"
# before a letter, or one of ".-_|" between letters (sentence punctuation is no trigger).
# A match then runs to the end of its token, so each token is found once.
_TOKEN_FAST: Final = re.compile(
    r"[0-9@$|*#%+€£¢¡!.\-_]"  # a leading character class lets the regex engine skip ahead in C
    r"(?:(?<=[0-9@$*#%+€£¢¡])|(?=[0-9@$|*#%+€£¢¡!.\-_])|(?<=[a-z][.\-_|])(?=[a-z])|(?<=!)(?=[a-z]))"
    r"[a-z0-9@$!|*#%+€£¢¡.\-_]*"
)
_TOK_RUN: Final = re.compile(r"[a-z0-9@$!|*#%+€£¢¡.\-_]*")
_ALNUM_AT: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$")
_ASCII_SPECIAL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# _SPACED_TRIGGER over ASCII, as bytes: separator → "s", letter/digit/@/$ → "a", "!" → "b".
# A search with a literal prefix ("sas") skips ahead in C, unlike a character-class start.
# A control character (_ASCII_SPECIAL) → "c": one byte search tells printable ASCII.
_SPACED_TT: Final = bytes(
    ord(
        "s"
        if ch in " .-_/\\|~:+,*"
        else "a"
        if ch in _ALNUM_AT
        else "b"
        if ch == "!"
        else "c"
        if _ASCII_SPECIAL.match(ch)
        else "o"
    )
    for ch in map(chr, range(256))
)
_SPACED_CLASSES: Final = re.compile(rb"sas+[ab]s")
_TOKSET: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$!|*#%+€£¢¡.-_")
# ASCII → class for _ascii_runs_loop: 0 no token character, 1 a letter, 2 a digit or
# symbol that is always a trigger, 3 one of ".-_|", 4 "!"
_TRIGGER_CLASSES: Final = bytes(
    1 if "a" <= ch <= "z" else 2 if ch in "0123456789@$*#%+" else 3 if ch in ".-_|" else 4 if ch == "!" else 0
    for ch in map(chr, range(256))
)
# Both tables in one byte, so that one translate serves every scan of a printable-ASCII
# text: 8 × (_SPACED_TT class: "o" 0, "s" 1, "a" 2, "b" 3) + _TRIGGER_CLASSES class, and
# 255 for a control character (_ASCII_SPECIAL).
_ASCII_CLASSES: Final = bytes(
    255 if sp == ord("c") else 8 * b"osab".index(sp) + trig
    for sp, trig in zip(_SPACED_TT, _TRIGGER_CLASSES, strict=True)
)
# _SPACED_CLASSES over _ASCII_CLASSES bytes (the interpreted engine's _ascii_runs)
_SPACED_CLASS_RANGES: Final = re.compile(rb"[\x08-\x0f][\x10-\x17][\x08-\x0f]+[\x10-\x1f][\x08-\x0f]")
_ALNUMSYM: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$*#%+€£¢¡!|")
_SEP_SPLIT: Final = re.compile(r"[.\-_]")
_ALNUM_RUN: Final = re.compile(r"[^\W_]*")  # str.isalnum() characters
_RUN2: Final = re.compile(r"(.)\1")
_RUN3: Final = re.compile(r"(.)\1\1")
_COLLAPSE: Final = re.compile(r"(.)\1+")
_MAX_TOKEN: Final = 48
# "not in the cache" for ``st.cache.get`` (whose values include None), one lookup instead of two
# (an object: a tuple-typed constant would be a new boxed tuple at each use when compiled)
_MISS: Final = object()
_Decoded = tuple[str, str, int] | None  # a token's decoding: (word, kind, entry index), or None
_SURROGATE: Final = re.compile(f"[{chr(0xD800)}-{chr(0xDFFF)}]")


def _char_subs(text: str, c_hits: list[list[Any]], version: str) -> list[Substitution]:
    """The substitutions of pass 1's hits (see ``_char_pass`` for the hit layout)."""
    return [
        _new_sub(
            s,
            e,
            text[s:e],
            rep,
            kind,
            entry.id if entry is not None else f"char:{kind}",
            version,
            entry.category if entry is not None else None,
            harmful,
        )
        for s, e, rep, kind, _, _, entry, harmful in c_hits
    ]


def _trim_token(low: str, s: int, e: int) -> tuple[int, int] | None:
    """A token run without its leading separators and trailing punctuation; None when too short or long."""
    while s < e and low[s] in ".-_|":
        s += 1
    while e > s and low[e - 1] in ".-_!|":
        e -= 1
    return (s, e) if 2 <= e - s <= _MAX_TOKEN else None


# decoded-token cache: ~100 bytes an entry; when full the older half goes (a working set a
# little over the size would otherwise be cleared over and over)
_CACHE_MAX: Final = 1 << 17
_SUFFIXES: Final = ("ings", "ing", "ers", "er", "ed", "es", "s", "in", "z", "y")
_TRIPLE: tuple[tuple[str, int], ...] = ()  # the payload of the stretch-mark keys
# Precompiled helpers for the token decoder: C-level scans instead of per-character loops.
_HAS_AZ: Final = re.compile(r"[a-z]")
_NON_AZ: Final = re.compile(r"[^a-z]")


def _seq_table(table: dict[int, Any]) -> list[Any]:
    """``table`` for ``str.translate`` as a list indexed by code point (identity where
    unmapped; past its end IndexError, a LookupError, means identity as well). A dict
    raises and clears a KeyError for every unmapped character of every call, which
    cost more than the rest of the translation."""
    return [table.get(i, i) for i in range(max(table) + 1)]


_MASKED: Final = frozenset("@$!|+€£¢¡")
_MASK_TABLE: Final = _seq_table(str.maketrans(dict.fromkeys(_MASKED, "*")))
# spaced tokens are ASCII: keep [a-z0-9@$!], drop the separators
_SPACED_DROP: Final = _seq_table(str.maketrans(dict.fromkeys(" .-_/\\|~:+,*")))
_SPACED_KEEP_ONLY: Final = re.compile(r"[a-z0-9@$!]*")
_SKEL_TABLE: Final = _seq_table(
    str.maketrans({**{k: v for k, v in LEET_ALT.items() if k not in LEET}, **LEET})
)
_SKEL_BAD: Final = re.compile(
    "[^a-z" + "".join(re.escape(c) for c in sorted(set(LEET) | set(LEET_ALT))) + "]"
)
_SKEL_AMB: Final = re.compile("[" + "".join(re.escape(c) for c in sorted(set(LEET) & set(LEET_ALT))) + "]")
# the same two character classes as sets: for a few characters a set test costs less than
# a regex call
_SKEL_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz") | frozenset(LEET) | frozenset(LEET_ALT)
_AMB_CHARS: Final = frozenset(LEET) & frozenset(LEET_ALT)
_KIND_ORDER: Final = {
    "invisible": 0, "diacritic": 1, "homoglyph": 2, "separator": 3, "censor": 4, "leet": 5, "stretch": 6,
    "algospeak": 7, "emoji": 8, "safe_context": 9,
}  # fmt: skip


def _slot_setters(cls: type, names: tuple[str, ...]) -> list[Any] | None:
    """Slot setters of a frozen, slotted dataclass with exactly these fields, else None."""
    fields = tuple(f.name for f in dataclasses.fields(cls))
    if fields != names or getattr(cls, "__slots__", None) != names or hasattr(cls, "__post_init__"):
        return None
    return [cls.__dict__[name].__set__ for name in names]


def _nt_ctor() -> Any:
    """``NormalizedText(...)`` without the frozen ``__init__`` (seven ``object.__setattr__``
    calls cost as much as a whole clean text); the object is the same."""
    setters = _slot_setters(
        NormalizedText,
        ("original", "normalized", "offset_map", "substitutions", "db_version", "truncated", "notes"),
    )
    if setters is None:
        return NormalizedText
    s0, s1, s2, s3, s4, s5, s6 = setters
    new = object.__new__
    cls = NormalizedText

    def make(
        a: str, b: str, c: Sequence[int], d: tuple[Substitution, ...], e: str, f: bool, g: tuple[str, ...]
    ) -> NormalizedText:
        obj = new(cls)
        s0(obj, a)
        s1(obj, b)
        s2(obj, c)
        s3(obj, d)
        s4(obj, e)
        s5(obj, f)
        s6(obj, g)
        return obj

    return make


def _sub_ctor() -> Any:
    """``Substitution(...)`` (all nine fields, positional) without the frozen ``__init__``."""
    setters = _slot_setters(
        Substitution,
        (
            "start",
            "end",
            "original",
            "replacement",
            "kind",
            "pattern_id",
            "db_version",
            "category",
            "harmful",
        ),
    )
    if setters is None:
        return Substitution
    s0, s1, s2, s3, s4, s5, s6, s7, s8 = setters
    new = object.__new__
    cls = Substitution

    def make(
        a: int, b: int, c: str, d: str, e: str, f: str | None, g: str, h: str | None, i: bool
    ) -> Substitution:
        obj = new(cls)
        s0(obj, a)
        s1(obj, b)
        s2(obj, c)
        s3(obj, d)
        s4(obj, e)
        s5(obj, f)
        s6(obj, g)
        s7(obj, h)
        s8(obj, i)
        return obj

    return make


# Final: compiled, these are C variables instead of lookups in the module's namespace
_OBJECT_NEW: Final = object.__new__
_NT_CLASS: Final = NormalizedText
_SUB_CLASS: Final = Substitution


def _new_nt(
    a: str, b: str, c: Sequence[int], d: tuple[Substitution, ...], e: str, f: bool, g: tuple[str, ...]
) -> NormalizedText:
    """``NormalizedText(...)`` without the frozen ``__init__`` (its seven Python-level
    ``object.__setattr__`` calls cost as much as a whole clean text); the object is the same.
    Compiled, each ``object.__setattr__`` below is one C call (see the rebinding below)."""
    obj = _OBJECT_NEW(_NT_CLASS)
    object.__setattr__(obj, "original", a)
    object.__setattr__(obj, "normalized", b)
    object.__setattr__(obj, "offset_map", c)
    object.__setattr__(obj, "substitutions", d)
    object.__setattr__(obj, "db_version", e)
    object.__setattr__(obj, "truncated", f)
    object.__setattr__(obj, "notes", g)
    return obj


def _new_sub(
    a: int, b: int, c: str, d: str, e: str, f: str | None, g: str, h: str | None, i: bool
) -> Substitution:
    """``Substitution(...)`` (all nine fields, positional) without the frozen ``__init__``."""
    obj = _OBJECT_NEW(_SUB_CLASS)
    object.__setattr__(obj, "start", a)
    object.__setattr__(obj, "end", b)
    object.__setattr__(obj, "original", c)
    object.__setattr__(obj, "replacement", d)
    object.__setattr__(obj, "kind", e)
    object.__setattr__(obj, "pattern_id", f)
    object.__setattr__(obj, "db_version", g)
    object.__setattr__(obj, "category", h)
    object.__setattr__(obj, "harmful", i)
    return obj


# True when mypyc compiled this module (its functions are then C functions)
_COMPILED: Final = not isinstance(_new_nt, types.FunctionType)
# mypyc compiles a constant-name ``object.__setattr__`` to one C call; interpreted, calling
# each slot's setter costs less (so the pure-Python engine keeps those)
if not _COMPILED:
    globals().update(_new_nt=_nt_ctor(), _new_sub=_sub_ctor())


def _spellings(word: str) -> set[str]:
    """Common letter swaps of a word: u→v, f→ph, ck→k/kk/kk, er→a (one or two at a time)."""
    swaps = (("u", "v"), ("f", "ph"), ("ck", "k"), ("ck", "kk"), ("ck", "cc"), ("er", "a"), ("er", "ah"))
    out: set[str] = set()
    frontier = {word}
    for _ in range(2):
        nxt: set[str] = set()
        for w in frontier:
            for a, b in swaps:
                if a in w:
                    if a == "er" and not w.endswith(("er", "ers")):
                        continue
                    nxt.add(w.replace(a, b))
        out |= nxt
        frontier = nxt
    out.discard(word)
    return {w for w in out if len(w) >= 4}


_GROUP1: Final = operator.itemgetter(1)


def _collapse(word: str) -> str:
    # a C callable instead of the "\1" template (which re expands in Python per match)
    return _COLLAPSE.sub(_GROUP1, word)


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _is_emojiish(key: str) -> bool:
    return any(ord(c) > 0x2000 and not c.isalnum() for c in key)


def match_case(src: str, rep: str) -> str:
    """Give ``rep`` the casing of ``src`` (ALL CAPS, Capitalised or lower)."""
    if src.islower():  # no uppercase letter (the usual case): neither rule below applies
        return rep
    letters = [c for c in src if c.isalpha()]
    if not letters:
        return rep
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return rep.upper()
    if letters[0].isupper():
        return rep[:1].upper() + rep[1:]
    return rep


_INTS: Final = list(range(8192))


def _ints(a: int, b: int) -> list[int]:
    """``list(range(a, b))``: a slice of one shared list of ints, which copies pointers instead
    of creating int objects (offset maps are built from such runs)."""
    return _INTS[a:b] if b <= 8192 else list(range(a, b))


def _splice(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with each one-character edit ``(at, at + 1, replacement)`` applied (sorted, at
    distinct positions): the slices between the edits joined, not a list of every character."""
    pieces: list[str] = []
    prev = 0
    for at, _, rep in edits:
        pieces.append(text[prev:at])
        pieces.append(rep)
        prev = at + 1
    pieces.append(text[prev:])
    return "".join(pieces)


def _one_for_one(edits: Sequence[tuple[int, int, str]]) -> bool:
    return all(e - s == 1 and len(r) == 1 for s, e, r in edits)


def apply_edits(
    text: str, edits: Sequence[tuple[int, int, str]]
) -> tuple[str, list[int], list[tuple[int, int]]]:
    """Apply sorted, non-overlapping ``(start, end, replacement)`` edits.

    Returns the new text, its offset map into ``text`` (len(new)+1 entries, last =
    len(text)) and the span each edit occupies in the new text. A deleted span belongs to
    the next kept character, so the source spans of all characters partition ``text``.
    """
    if _one_for_one(edits):
        # one character for one character: the map is the identity
        return _splice(text, edits), _ints(0, len(text) + 1), [(a, b) for a, b, _ in edits]
    out: list[str] = []
    omap: list[int] = []
    spans: list[tuple[int, int]] = []
    prev = 0
    pending: int | None = None
    pos = 0
    for start, end, rep in edits:
        if start > prev:
            out.append(text[prev:start])
            if pending is not None:
                omap.append(pending)
                omap.extend(_ints(prev + 1, start))
                pending = None
            else:
                omap.extend(_ints(prev, start))
            pos += start - prev
        r = len(rep)
        if r == 0:
            if pending is None:
                pending = start
        else:
            span = end - start
            first = start if pending is None else pending
            pending = None
            omap.append(first)
            if span == r:  # same length ("k1ll" → "kill"): start + j
                omap.extend(_ints(start + 1, end))
            else:
                omap.extend(start + (j * span) // r for j in range(1, r))
            out.append(rep)
        spans.append((pos, pos + r))
        pos += r
        prev = end
    if prev < len(text):
        out.append(text[prev:])
        if pending is not None:
            omap.append(pending)
            omap.extend(_ints(prev + 1, len(text)))
        else:
            omap.extend(_ints(prev, len(text)))
    omap.append(len(text))
    return "".join(out), omap, spans


@dataclass(slots=True)
class _Hit:
    """A candidate change inside one pass, in that pass's input coordinates."""

    start: int
    end: int
    replacement: str
    kind: str
    entry: PatternEntry | None
    harmful: bool
    out_span: tuple[int, int] = (0, 0)


# what the ASCII pre-scan hands to _once: the text lowercased, automaton matches, token hits
_Pre = tuple[str, "list[tuple[int, int, int]]", "list[_Hit] | None"]


@dataclass
class _State:
    """Everything compiled from one database snapshot (swapped atomically by reload)."""

    db: PatternDB
    version: str
    entries: list[PatternEntry]
    vocab: dict[str, int]  # decoded word → entry index
    strength: dict[str, int]  # 3 canonical/form, 2 variant, 0 word of a phrase
    prefix2: frozenset[str]  # first two letters of every vocab word
    collapsed: dict[str, str]  # collapsed skeleton → vocab word
    by_length: dict[tuple[int, str], list[str]]  # (length, first letter) → words, most severe first
    # one DFA over every key; its matches are (key index, start, end), see _ac_matches
    automaton: Any
    # the same keys as UTF-8 bytes, for ASCII text (there byte offsets are character
    # offsets, and a bytes search skips the str search's offset conversion)
    ascii_automaton: Any
    # the keys, and per key index (check the left boundary, check the right boundary,
    # payload); the stretch marks are the keys from ``triple0`` on
    ac_keys: list[str]
    ac_values: list[tuple[bool, bool, Any]]
    triple0: int
    chars: CharTables
    joiners: frozenset[str]  # invisible/combining chars that do not end a word
    cache: dict[str, tuple[str, str, int] | None] = field(default_factory=dict)
    spellings: dict[str, str] = field(default_factory=dict)  # letter-swap key → word
    window_cache: dict[str, Any] = field(default_factory=dict)  # spaced token → _spaced_window
    word_re: re.Pattern[str] = _ALNUM_RUN  # a run of word characters and joiners (set by _build)
    homoglyph_words: dict[str, bool] = field(default_factory=dict)  # word → _map_homoglyph_word
    # the look-alike characters, as a set: ``frozenset.isdisjoint(dict)`` walks the whole dict
    homo_set: frozenset[str] = frozenset()
    # _lookup's exact early reject (see _head_ok): what the first 3 and 4 letters of a
    # skeleton must be for one of its rules to find a word
    heads: frozenset[str] = frozenset()  # s[:3] and s[:4] of what _lookup can find
    collapsed_heads: frozenset[str] = frozenset()  # c[:1] … c[:4] of collapsed keys
    # token[:4] → _may_find's verdict (a 4-character key: its 3- and 4-letter heads both ok)
    head_ok: dict[str, bool] = field(default_factory=dict)
    # by_length as bit sets: (length, first) → (words, (position, letter) → bit i for words[i])
    fit_index: dict[tuple[int, str], tuple[list[str], dict[tuple[int, str], int]]] = field(
        default_factory=dict
    )


class Normalizer:
    """Algospeak/obfuscation normalizer backed by a versioned pattern database.

    ``extra`` are pattern files or folders that extend or override the shipped entries by
    id (``settings.patterns_dir`` is passed here by ``get_normalizer()``). ``max_chars``
    truncates longer texts (``truncated=True``); ``None`` keeps everything. Thread-safe:
    ``reload()`` swaps one compiled snapshot.
    """

    def __init__(
        self, extra: Sequence[Path | str] | Path | str | None = None, max_chars: int | None = None
    ) -> None:
        if extra is None:
            self._extra: tuple[Path, ...] = ()
        elif isinstance(extra, str | Path):
            self._extra = (Path(extra),)
        else:
            self._extra = tuple(Path(p) for p in extra)
        if max_chars is not None and max_chars < 1:
            raise InputError("max_chars must be positive")
        self.max_chars = max_chars
        self._state = self._build()
        #: the pattern database version (semver, ``+local.<hash>`` with user files)
        self.version: str = self._state.version
        self._signature = extra_files_signature(self._extra)

    # ------------------------------------------------------------------ building
    def _build(self) -> _State:
        db = load_db(self._extra)
        entries = list(db.entries)
        chars = char_tables()
        vocab: dict[str, int] = {}
        rank: dict[str, tuple[int, int]] = {}

        def add_word(word: str, idx: int, strength: int) -> None:
            if not word.isascii() or not word.isalpha() or len(word) < 2:
                return
            key = (strength, entries[idx].severity)
            if word not in vocab or key > rank[word]:
                vocab[word] = idx
                rank[word] = key

        for idx, e in enumerate(entries):
            canon = e.canonical.lower()
            add_word(canon, idx, 3)
            for f in e.forms:
                add_word(f, idx, 3)
            for v in e.variants:
                if " " not in v:
                    add_word(v, idx, 2)
                else:  # words of phrases are decodable but carry no meaning of their own
                    for w in v.split():
                        if len(w) >= 3:
                            add_word(w, idx, 0)
        collapsed: dict[str, str] = {}
        for w in sorted(vocab, key=lambda w: (-rank[w][0], -entries[vocab[w]].severity, len(w), w)):
            c = _collapse(w)
            if len(c) >= 2:
                collapsed.setdefault(c, w)
        by_length: dict[tuple[int, str], list[str]] = {}
        for w in sorted(vocab, key=lambda w: (-entries[vocab[w]].severity, -rank[w][0], w)):
            if rank[w][0] >= 2:
                by_length.setdefault((len(w), w[0]), []).append(w)
        joiners = {c for c, (rep, _) in chars.fixed.items() if rep == ""}
        strength = {w: r[0] for w, r in rank.items()}
        prefix2 = frozenset(w[:2] for w in vocab) | frozenset(c[:2] for c in collapsed)
        state = _State(
            db,
            db.version,
            entries,
            vocab,
            strength,
            prefix2,
            collapsed,
            by_length,
            None,
            None,
            [],
            [],
            0,
            chars,
            frozenset(joiners),
        )
        state.homo_set = frozenset(chars.homoglyphs)
        # _char_pass looks a character up in ``fixed`` first and tracks words for look-alikes only
        assert state.homo_set.isdisjoint(chars.fixed)
        state.word_re = (
            re.compile(r"[\w" + _char_class(set(joiners))[1:] + "*") if joiners else re.compile(r"\w*")
        )
        # before the automaton: building it decodes keys through _lookup
        state.heads, state.collapsed_heads = _lookup_heads(vocab, strength, collapsed)
        for key, words in by_length.items():
            masks: dict[tuple[int, str], int] = {}
            for j, w in enumerate(words):
                for i, ch in enumerate(w):
                    masks[(i, ch)] = masks.get((i, ch), 0) | (1 << j)
            state.fit_index[key] = (words, masks)
        state.automaton, state.ac_keys, state.ac_values, state.triple0 = self._build_automaton(state)
        state.ascii_automaton = ahocorasick_rs.BytesAhoCorasick(
            [k.encode("utf-8") for k in state.ac_keys],
            matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
            implementation=ahocorasick_rs.Implementation.DFA,
        )
        return state

    def _build_automaton(self, st: _State) -> tuple[Any, list[str], list[tuple[bool, bool, Any]], int]:
        table: dict[str, list[tuple[str, int]]] = {}

        def add(key: str, kind: str, idx: int) -> None:
            pre = self._prenormalize(st, key)
            for k in {key, pre}:
                # a decoded key that is a plain known word would rewrite clean text
                if not k.strip() or (k is pre and k != key and kind == "v" and st.strength.get(k, 0) >= 3):
                    continue
                lst = table.setdefault(k, [])
                if (kind, idx) not in lst:
                    lst.append((kind, idx))

        for idx, e in enumerate(st.entries):
            for v in e.variants:
                add(v, "v", idx)
            for s in e.safe_contexts:
                add(s, "s", idx)
        # letter-swap spellings of harmful words ("fvck", "phuck", "fuking"), as literal keys
        for word, idx in st.vocab.items():
            e = st.entries[idx]
            if not e.harmful or e.severity < 2 or st.strength.get(word, 0) < 3 or len(word) < 4:
                continue
            for sp in _spellings(word):
                if sp not in st.vocab and sp not in table:
                    st.spellings[sp] = word
                    table[sp] = [("w", idx)]
        # a key with a lone surrogate can never match: pass 1 replaces them in every text
        keys = [k for k in table if _SURROGATE.search(k) is None]
        values: list[tuple[bool, bool, Any]] = [
            (_wordish(k[0]), _wordish(k[-1]), tuple(table[k])) for k in keys
        ]
        # runs of three equal letters mark stretched words for the token pass (the last keys)
        triple0 = len(keys)
        for c in "abcdefghijklmnopqrstuvwxyz":
            key = c * 3
            if key in table:
                raise DataError(f"pattern key {key!r} is reserved")
            keys.append(key)
            values.append((False, False, _TRIPLE))
        automaton = ahocorasick_rs.AhoCorasick(
            keys,
            matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
            implementation=ahocorasick_rs.Implementation.DFA,
        )
        return automaton, keys, values, triple0

    def _prenormalize(self, st: _State, key: str) -> str:
        """A key as the first two passes would leave it (so literal keys still match)."""
        t1, _, _ = self._char_pass(st, key)
        low = t1.lower()
        triples = [m.start() for m in _RUN3.finditer(low)]
        hits = self._token_hits(st, low, low, triples)
        if not hits:
            return low
        out, _, _ = apply_edits(low, [(h.start, h.end, h.replacement.lower()) for h in hits])
        return out

    # ------------------------------------------------------------------ public API

    @property
    def db(self) -> PatternDB:
        return self._state.db

    @property
    def entries(self) -> list[PatternEntry]:
        return list(self._state.entries)

    def reload(self) -> bool:
        """Re-read the pattern files (shipped and extra); returns True if the version changed.

        A broken file raises ``DataError`` and leaves the current snapshot in place.
        """
        old = self._state.version
        self._state = self._build()
        self.version = self._state.version
        self._signature = extra_files_signature(self._extra)
        return self._state.version != old

    def reload_if_changed(self) -> bool:
        """Reload only when an extra pattern file changed on disk (mtime/size)."""
        if extra_files_signature(self._extra) != self._signature:
            return self.reload()
        return False

    def normalize_batch(self, texts: Sequence[str]) -> list[NormalizedText]:
        return [self.normalize(t) for t in texts]

    def normalize(self, text: object) -> NormalizedText:
        """Normalize one text. Never raises on any ``str`` (empty, huge, odd code points).

        Anything else is an InputError (typed ``object``: the compiled engine checks argument types).
        """
        if not isinstance(text, str):
            raise InputError(f"normalize expects str, got {type(text).__name__}")
        st = self._state
        notes: tuple[str, ...] = ()
        truncated = False
        if self.max_chars is not None and len(text) > self.max_chars:
            text = text[: self.max_chars]
            truncated = True
            notes = (f"truncated to {self.max_chars} characters",)
        pre: _Pre | None = None
        # printable ASCII (the usual case) has no special character
        if text.isascii():
            low = text.lower()
            raw = low.encode("ascii")
            classes = _printable_classes(raw)
            if classes is not None:
                pre = self._ascii_scan(st, low, text, raw, classes)
                if pre is None:
                    return _new_nt(text, text, _identity_map(len(text)), (), st.version, truncated, notes)
        box: list[tuple[str, list[tuple[int, int, int]]]] = []
        result, done = self._once(st, text, truncated, notes, pre=pre, out_ac=box)
        assert result is not None
        # A replacement can meet its neighbours and form something new ("suicide$",
        # "ass_ѕ"); re-run until nothing changes so normalize() is idempotent.
        for _ in range(3):
            t = result.normalized
            if done or t == result.original:
                break
            # the re-run almost never changes anything: it then stops before building a result
            pre = None
            if t.isascii():
                low = t.lower()
                raw = low.encode("ascii")
                classes = _printable_classes(raw)
                if classes is not None:
                    # the last run's automaton matches, when they were over this very text
                    ac_known = box[-1][1] if box and box[-1][0] == low else None
                    pre = self._ascii_scan(st, low, t, raw, classes, ac_known)
                    if pre is None:  # the re-run would give ``t`` again
                        break
            box.clear()
            again, done = self._once(st, t, False, (), same_as=t, pre=pre, out_ac=box)
            if again is None or again.normalized == t:
                break
            result = _compose(result, again)
        return result

    def _ascii_scan(
        self,
        st: _State,
        low: str,
        cased: str,
        raw: bytes,
        classes: bytes,
        ac_known: list[tuple[int, int, int]] | None = None,
    ) -> _Pre | None:
        """None when the passes cannot change a printable-ASCII text (the usual case), else
        what ``_once`` needs: ``low`` (the text lowercased), its automaton matches and the
        token hits (pass 2 in full).

        No automaton key but stretch marks (so no pass 3) and no token or spaced-letter
        span that decodes: then all three passes return no hit, i.e. the identity.
        ``raw``: ``low`` as ASCII bytes; ``classes``: ``_printable_classes(raw)``.
        ``ac_known``: the automaton matches of ``low``, when already at hand.
        """
        ac = st.ascii_automaton.find_matches_as_indexes(raw, True) if ac_known is None else ac_known
        runs, spaced = _ascii_runs(low, classes)
        if spaced:
            # pass 2 in full (what _once would run): most spaced-looking spans ("c u l8r",
            # a re-run over spaced words that did not decode) decode to nothing, and then
            # with no automaton key either this is the identity, with no _once at all
            triples = [s for i, s, _ in ac if i >= st.triple0]
            all_hits = self._token_hits(st, low, cased, triples, runs=runs)
            return (low, ac, all_hits) if all_hits or len(triples) < len(ac) else None
        if ac:
            # stretch marks alone ("sooo"): pass 3 has no key to act on, pass 2 is the token
            # scan with those marks
            triples = [s for i, s, _ in ac if i >= st.triple0]
            if len(triples) < len(ac):
                # pass 3 has keys; pass 2 (no spaced span) is this token scan, known here
                return low, ac, self._token_hits_fast(st, low, cased, [], triples, [], runs)
            hits = self._token_hits_fast(st, low, cased, [], triples, [], runs)
            return (low, ac, hits) if hits else None
        # no spaced span and no stretch mark: pass 2 is the token scan of _token_hits_fast
        # alone, done here in one loop (same tokens, same order; most texts end with no hit).
        # In ASCII text the character next to a token is never alphanumeric (letters and
        # digits are token characters), so no boundary check.
        cache = st.cache
        found: list[_Hit] | None = None
        for s, e in runs:
            # _trim_token, inlined: this loop runs on every ASCII text (the call cost ~1%)
            while s < e and low[s] in ".-_|":
                s += 1
            while e > s and low[e - 1] in ".-_!|":
                e -= 1
            if e - s < 2 or e - s > _MAX_TOKEN:
                continue
            tok = low[s:e]
            got: object = cache.get(tok, _MISS)
            res = self._decode_and_store(st, tok, tok, False) if got is _MISS else cast(_Decoded, got)
            if res is not None:
                if found is None:
                    found = []
                word, kind, idx = res
                entry = st.entries[idx]
                found.append(_Hit(s, e, match_case(cased[s:e], word), kind, entry, entry.harmful))
        return None if found is None else (low, ac, found)

    def _once(
        self,
        st: _State,
        text: str,
        truncated: bool,
        notes: tuple[str, ...],
        same_as: str | None = None,
        pre: _Pre | None = None,
        fast: bool = True,
        out_ac: list[tuple[str, list[tuple[int, int, int]]]] | None = None,
    ) -> tuple[NormalizedText | None, bool]:
        """One run of the three passes; None when the output text equals ``same_as``.

        ``pre``: from ``_ascii_scan`` when ``text`` is printable ASCII. The flag is True when a
        re-run is known to change nothing. ``fast=False`` takes no shortcut (tests compare).
        """
        # pass 1: characters
        c_hits: list[list[Any]]  # see _char_pass
        t_hits: list[_Hit] | None = None
        if pre is not None:
            t1, m1, c_hits = text, None, []
            low1, ac, t_hits = pre
        else:
            present: frozenset[str] | None = None
            if text.isascii():
                if not (text.isprintable() or _ASCII_SPECIAL.search(text) is None):
                    present = st.chars.special_set.intersection(text)
            else:
                present = st.chars.special_set.intersection(text)
            if not present:
                t1, m1, c_hits = text, None, []
            else:
                t1, m1, c_hits = self._char_pass(st, text, present)
            low1 = t1.lower()
            if len(low1) != len(t1):
                low1 = "".join(c.lower() if len(c.lower()) == 1 else c for c in t1)
            if c_hits:
                self._flag_char_hits(st, low1, c_hits)
                # pass 1 left printable ASCII (homoglyphs, invisibles): the scan that spares
                # most texts the other passes, and then a re-run would change nothing either
                raw1 = low1.encode("ascii") if fast and t1.isascii() else None
                classes = _printable_classes(raw1) if raw1 is not None else None
                if raw1 is not None and classes is not None:
                    scan = self._ascii_scan(st, low1, t1, raw1, classes)
                    if scan is None:
                        if same_as is not None and t1 == same_as:
                            return None, True
                        return self._char_result(st, text, t1, m1, c_hits, truncated, notes), True  # type: ignore[arg-type]
                    _, ac, t_hits = scan
                else:
                    ac = _ac_matches(st, low1)
            else:
                # one Aho-Corasick pass: phrase/emoji/safe keys plus stretch markers
                ac = _ac_matches(st, low1)
        triples = [s for i, s, _ in ac if i >= st.triple0]
        # pass 2: obfuscated tokens
        if t_hits is None:
            t_hits = self._token_hits(st, low1, t1, triples)
        if t_hits:
            t2, m2, spans = apply_edits(t1, [(h.start, h.end, h.replacement) for h in t_hits])
            for h, sp in zip(t_hits, spans, strict=True):
                h.out_span = sp
            low2 = t2.lower()
            if len(low2) != len(t2):
                low2 = "".join(c.lower() if len(c.lower()) == 1 else c for c in t2)
            ac = _ac_matches(st, low2)
        else:
            t2, m2, low2 = t1, None, low1
        # pass 3: algospeak / emoji / safe contexts
        a_hits, safe_hits = self._phrase_hits(st, low2, t2, t_hits, ac) if ac else ([], [])
        if a_hits:
            t3, m3, spans = apply_edits(t2, [(h.start, h.end, h.replacement) for h in a_hits])
            for h, sp in zip(a_hits, spans, strict=True):
                h.out_span = sp
        else:
            t3, m3 = t2, None
            if out_ac is not None:
                out_ac.append((low2, ac))  # the matches over the output text (lowercased)
        if same_as is not None and t3 == same_as:
            return None, False
        if not (c_hits or t_hits or a_hits or safe_hits):
            return _new_nt(text, text, _identity_map(len(text)), (), st.version, truncated, notes), False

        def to_orig1(i: int) -> int:  # pass-2 input coords → original
            return m1[i] if m1 is not None else i

        def to_orig2(i: int) -> int:  # pass-3 input coords → original
            return to_orig1(m2[i] if m2 is not None else i)

        ver = st.version
        subs: list[Substitution] = _char_subs(text, c_hits, ver)
        for h in t_hits:
            s, e = to_orig1(h.start), to_orig1(h.end)
            subs.append(self._sub(text, s, e, h, ver))
        for h in a_hits + safe_hits:
            s, e = to_orig2(h.start), to_orig2(h.end)
            subs.append(self._sub(text, s, e, h, ver))
        if len(subs) > 1:
            subs.sort(key=lambda x: (x.start, x.end, _KIND_ORDER.get(x.kind, 99)))
        offset_map: Sequence[int]
        if m1 is None and m2 is None and m3 is None:
            offset_map = range(len(text) + 1)
        else:
            # compose the pass maps (each is a fresh list; a missing one is the identity)
            offset_map = m3 if m3 is not None else range(len(t3) + 1)
            if m2 is not None:
                offset_map = m2 if m3 is None else list(map(m2.__getitem__, offset_map))
            if m1 is not None:
                offset_map = list(map(m1.__getitem__, offset_map))
            if isinstance(offset_map, range):
                offset_map = list(offset_map)
        return _new_nt(text, t3, offset_map, tuple(subs), ver, truncated, notes), False

    @staticmethod
    def _char_result(
        st: _State,
        text: str,
        t1: str,
        m1: list[int],
        c_hits: list[list[Any]],
        truncated: bool,
        notes: tuple[str, ...],
    ) -> NormalizedText:
        """The result when only pass 1 changed something. Its hits are disjoint runs in
        text order, i.e. already sorted, and its map is the whole offset map."""
        ver = st.version
        return _new_nt(text, t1, m1, tuple(_char_subs(text, c_hits, ver)), ver, truncated, notes)

    @staticmethod
    def _sub(text: str, s: int, e: int, h: _Hit, ver: str) -> Substitution:
        e_ = h.entry
        return _new_sub(
            s,
            e,
            text[s:e],
            h.replacement,
            h.kind,
            e_.id if e_ is not None else None,
            ver,
            e_.category if e_ is not None else None,
            h.harmful,
        )

    # ------------------------------------------------------------------ pass 1
    def _char_pass(
        self, st: _State, text: str, present: frozenset[str] | None = None
    ) -> tuple[str, list[int] | None, list[list[Any]]]:
        """Pass 1; ``present``: the special characters of ``text``, when already known.

        The hits are lists ``[start, end, replacement, kind, out_start, out_end, entry,
        harmful]``, one per run of adjacent same-kind changes (cheaper than ``_Hit``s: a
        homoglyph text has one per changed letter).
        """
        tables = st.chars
        fixed = tables.fixed
        homo = tables.homoglyphs
        # positions of every special character: one C-level set intersection, then str.find
        if present is None:
            present = tables.special_set.intersection(text)
        positions: list[int] = []
        for ch in present:
            i = text.find(ch)
            while i != -1:
                positions.append(i)
                i = text.find(ch, i + 1)
        positions.sort()
        # one visit per position; a look-alike is mapped only when its word qualifies (see
        # _map_homoglyph_word). A word: alphanumerics, "_" and joiners (\w is exactly
        # isalnum() or "_"). No character is both fixed and a look-alike (checked at build).
        check_words = not present.isdisjoint(st.homo_set)
        if check_words:
            word_run = st.word_re.match
            rev = text[::-1]
            n = len(text)
            verdicts = st.homoglyph_words
        word_end = -1
        word_ok = False
        hits: list[list[Any]] = []
        edits: list[tuple[int, int, str]] = []
        one_for_one = True
        last: list[Any] | None = None
        for p in positions:
            ch = text[p]
            got = fixed.get(ch)
            if got is not None:
                rep, kind = got
                if len(rep) != 1:
                    one_for_one = False
            elif ch in homo:
                if p >= word_end:
                    ws = n - word_run(rev, n - p).end()  # type: ignore[union-attr]
                    word_end = word_run(text, p + 1).end()  # type: ignore[union-attr]
                    word = text[ws:word_end]
                    got_ok = verdicts.get(word)
                    if got_ok is None:
                        got_ok = self._map_homoglyph_word(st, word)
                        if len(verdicts) >= _CACHE_MAX:
                            evict_half(verdicts)
                        verdicts[word] = got_ok
                    word_ok = got_ok
                if not word_ok:
                    continue
                rep, kind = homo[ch], "homoglyph"
            else:  # lone surrogate
                rep, kind = "\ufffd", "invisible"
            edits.append((p, p + 1, rep))
            if last is not None and last[1] == p and last[3] == kind:
                last[1] = p + 1
                last[2] += rep
            else:
                last = [p, p + 1, rep, kind, 0, 0, None, False]
                hits.append(last)
        if not edits:
            return text, None, []
        if not one_for_one and all(len(r) <= 1 for _, _, r in edits):
            return self._char_deletions(text, edits, hits)
        if one_for_one:
            # one character for one character: the map is the identity, spans stay put
            for h in hits:
                h[4] = h[0]
                h[5] = h[1]
            return _splice(text, edits), _ints(0, len(text) + 1), hits
        out, omap, spans = apply_edits(text, edits)
        k = 0
        for h in hits:  # each hit covers h[1] - h[0] consecutive edits
            h[4] = spans[k][0]
            k += h[1] - h[0]
            h[5] = spans[k - 1][1]
        return out, omap, hits

    @staticmethod
    def _char_deletions(
        text: str, edits: list[tuple[int, int, str]], hits: list[list[Any]]
    ) -> tuple[str, list[int], list[list[Any]]]:
        """``apply_edits`` for one-character edits that delete or replace (no expansion):
        what invisibles and combining marks need, without its per-edit map building.

        A deleted character belongs to the next kept one, so output character j maps to
        (the previous kept position) + 1, or 0 for the first; the last entry is len(text).
        """
        n = len(text)
        after = _ints(1, n + 1)  # position + 1, for each kept position below
        gone = 0
        out_at: list[int] = []  # output index of each edit
        for p, _, rep in edits:
            out_at.append(p - gone)
            if not rep:
                del after[p - gone]
                gone += 1
        omap = [0, *after[:-1], n] if after else [n]
        k = 0
        for h in hits:  # each hit covers h[1] - h[0] consecutive edits
            h[4] = out_at[k]
            k += h[1] - h[0]
            p, _, rep = edits[k - 1]
            h[5] = out_at[k - 1] + len(rep)
        return _splice(text, edits), omap, hits

    def _flag_char_hits(self, st: _State, low: str, hits: list[list[Any]]) -> None:
        """A character change that spells out a harmful word ("fυck") is a harmful change."""
        n = len(low)
        vocab = st.vocab
        b = -1
        clean = False  # the hits since the word was found changed letters/digits only
        entry: PatternEntry | None = None
        for h in hits:
            # a hit that ends within the word of the hits before it is in that word when
            # those changed letters or digits only: one scan of a word however many hits it
            # has (linear even for a 1 MB "word")
            if not (clean and h[5] <= b):
                a = h[4]
                while a > 0 and low[a - 1].isalnum():
                    a -= 1
                b = h[5]
                while b < n and low[b].isalnum():
                    b += 1
                word = low[a:b]
                idx = vocab.get(word)
                entry = st.entries[idx] if idx is not None and st.strength.get(word, 0) >= 2 else None
            clean = h[4] == h[5] or low[h[4] : h[5]].isalnum()
            if entry is not None:
                h[6] = entry
                h[7] = entry.harmful

    def _map_homoglyph_word(self, st: _State, word: str) -> bool:
        fixed = st.chars.fixed
        homo = st.chars.homoglyphs
        has_latin = has_other = False
        mapped: list[str] = []
        for c in word:
            if c in homo:
                mapped.append(homo[c])
                continue
            f = fixed.get(c)
            rep = f[0] if f is not None else c
            if rep.isascii() and rep.isalpha():
                has_latin = True
            elif c.isalpha():
                has_other = True
            mapped.append(rep)
        if has_other:
            return False
        if has_latin:
            return True
        skel = "".join(mapped).lower()
        if skel in st.vocab:
            return True
        dec = self._decode(st, skel)
        return dec is not None

    # ------------------------------------------------------------------ pass 2
    def _token_hits(
        self,
        st: _State,
        low: str,
        cased: str,
        triples: Sequence[int] = (),
        fast: bool = True,
        runs: list[tuple[int, int]] | None = None,
    ) -> list[_Hit]:
        """Pass 2 hits. ``fast=False`` forces the generic trigger loop (tests compare both).
        ``runs``: ``_token_runs(low)``, when already known."""
        n = len(low)
        hits: list[_Hit] = []
        covered: list[tuple[int, int]] = []
        # spaced letters: "k i l l", "k.y.s" (ASCII text: a literal search rules them out first)
        spaced_iter: Any
        if low.isascii():
            # over ASCII, _SPACED_CLASSES on the class bytes matches where _SPACED_TRIGGER
            # matches " " + low + " " (same positions), and its literal prefix skips ahead in C
            spaced_iter = _SPACED_CLASSES.finditer(b"s" + low.encode("ascii").translate(_SPACED_TT) + b"s")
        else:
            spaced_iter = _SPACED_TRIGGER.finditer(" " + low + " ")
        for m in spaced_iter:
            p = m.start()
            if covered and p < covered[-1][1]:
                continue
            mm = SPACED_RE.match(low, p)
            if mm is None:
                continue
            s, e = mm.span()
            covered.append((s, e))
            tok = low[s:e]
            res = self._cached_decode(st, tok, True)
            if res is None:
                # "i k i l l": retry without up to two stray letters on either side
                found = self._spaced_window(st, tok)
                if found is None:
                    continue
                res, (ws, we) = found
                s, e = s + ws, s + we
            self._add_hit(st, hits, s, e, res, cased)
        if fast:
            done_hits = self._token_hits_fast(st, low, cased, hits, triples, covered, runs)
            if done_hits is not None:
                return done_hits
        triggers: list[int] = []
        for m in _SYM_TRIGGER.finditer(low):
            p, q = m.span()
            if q - p == 1 and low[p] in "!.-_|":
                # sentence punctuation, unless it sits inside a word ("sh!t", "fu.ck")
                if q >= n or low[q] not in _ALNUMSYM:
                    continue
                if low[p] != "!" and (p == 0 or low[p - 1] not in _ALNUMSYM):
                    continue
            triggers.append(p)
        if triples:
            triggers.extend(triples)
            triggers.sort()
        cov_starts = [c[0] for c in covered]
        cov_ends = [c[1] for c in covered]
        done = -1
        rev = ""
        for p in triggers:
            if p < done or (covered and _overlaps(cov_starts, cov_ends, p, p + 1)):
                continue
            if not rev:
                rev = low[::-1]
            e = _TOK_RUN.match(low, p + 1).end()  # type: ignore[union-attr]
            s = n - _TOK_RUN.match(rev, n - p).end()  # type: ignore[union-attr]
            done = e
            trimmed = _trim_token(low, s, e)
            if trimmed is None:
                continue
            s, e = trimmed
            # a token glued to a letter of another script is not ours to decode
            if (s > 0 and low[s - 1].isalnum()) or (e < n and low[e].isalnum()):
                continue
            if covered and _overlaps(cov_starts, cov_ends, s, e):
                continue
            res = self._cached_decode(st, low[s:e], False)
            if res is not None:
                self._add_hit(st, hits, s, e, res, cased)
        if len(hits) > 1:
            hits.sort(key=lambda h: h.start)
        return hits

    def _token_hits_fast(
        self,
        st: _State,
        low: str,
        cased: str,
        hits: list[_Hit],
        triples: Sequence[int],
        covered: list[tuple[int, int]],
        runs: list[tuple[int, int]] | None = None,
    ) -> list[_Hit] | None:
        """The trigger loop of ``_token_hits`` without visiting each trigger.

        The loop decodes each token (maximal run of token characters) that holds a
        trigger, once. Each match of ``_TOKEN_FAST`` starts at the first symbol trigger of
        a token and ends where the token ends; stretch markers add their tokens. So the
        tokens, and the hits, are identical. Spaced-letter spans (``covered``): a token
        whose trimmed span overlaps one is skipped either way; a token that only touches
        one with its trimmed-off edge depends on which triggers it holds, and then this
        returns None so the caller runs the trigger loop. ``runs``: ``_token_runs(low)``, when
        already known.
        """
        if runs is None:
            runs = _token_runs(low)
        if not runs and not triples:
            return hits
        if covered:
            hits = list(hits)  # the caller keeps its list if we give up
            cov_starts = [c[0] for c in covered]
            cov_ends = [c[1] for c in covered]
        n = len(low)
        cache = st.cache
        if triples:
            rev = low[::-1]
            seen = dict(runs)
            last_end = -1
            for p in triples:  # ascending; "oooo" gives several markers in one token
                if p < last_end:
                    continue
                s0 = n - _TOK_RUN.match(rev, n - p).end()  # type: ignore[union-attr]
                if s0 not in seen:
                    seen[s0] = _TOK_RUN.match(low, p + 1).end()  # type: ignore[union-attr]
                last_end = seen[s0]
            runs = sorted(seen.items())
        for s, e in runs:
            run_s, run_e = s, e
            trimmed = _trim_token(low, s, e)
            if trimmed is None:
                continue
            s, e = trimmed
            if (s > 0 and low[s - 1].isalnum()) or (e < n and low[e].isalnum()):
                continue
            if covered and _overlaps(cov_starts, cov_ends, run_s, run_e):
                if _overlaps(cov_starts, cov_ends, s, e):
                    continue
                return None
            tok = low[s:e]
            got: object = cache.get(tok, _MISS)
            res = self._decode_and_store(st, tok, tok, False) if got is _MISS else cast(_Decoded, got)
            if res is not None:
                self._add_hit(st, hits, s, e, res, cased)
        if covered and len(hits) > 1:
            hits.sort(key=lambda h: h.start)
        return hits

    @staticmethod
    def _add_hit(st: _State, hits: list[_Hit], s: int, e: int, res: tuple[str, str, int], cased: str) -> None:
        word, kind, idx = res
        entry = st.entries[idx]
        hits.append(_Hit(s, e, match_case(cased[s:e], word), kind, entry, entry.harmful))

    def _cached_decode(self, st: _State, tok: str, spaced: bool) -> tuple[str, str, int] | None:
        key = ("\x00" + tok) if spaced else tok
        got: object = st.cache.get(key, _MISS)
        return self._decode_and_store(st, key, tok, spaced) if got is _MISS else cast(_Decoded, got)

    def _decode_and_store(self, st: _State, key: str, tok: str, spaced: bool) -> tuple[str, str, int] | None:
        """``_cached_decode`` once ``key`` is known to be missing from the cache."""
        cache = st.cache
        res = self._decode(st, tok, spaced=spaced)
        if len(cache) >= _CACHE_MAX:
            evict_half(cache)
        cache[key] = res
        return res

    def _spaced_window(self, st: _State, tok: str) -> tuple[tuple[str, str, int], tuple[int, int]] | None:
        cache = st.window_cache
        if tok in cache:
            return cache[tok]
        found = self._spaced_window_uncached(st, tok)
        if len(cache) >= _CACHE_MAX:
            evict_half(cache)
        cache[tok] = found
        return found

    def _spaced_window_uncached(
        self, st: _State, tok: str
    ) -> tuple[tuple[str, str, int], tuple[int, int]] | None:
        pos = [i for i, c in enumerate(tok) if c.isalnum() or c in "@$!"]
        n = len(pos)
        # _decode(sub, spaced=True) joins exactly the characters at ``pos`` in the window
        joined = "".join([tok[i] for i in pos])
        if _is_az(joined):
            # letters only (the usual case): _decode(sub, spaced=True) is then _lookup of the
            # window's letters, kind "separator" (sub has separators, so it is never the word
            # itself): call _lookup directly. For a window of 4+ letters without "ph",
            # _may_find reads only its first four letters, i.e. depends on ``left`` alone.
            heads: dict[int, bool] = {}
            for drop in range(1, 5):
                for left in range(0, min(drop, 2) + 1):
                    right = drop - left
                    if right > 2 or n - drop < 3:
                        continue
                    w = joined[left : n - right]
                    if len(w) >= 4 and "ph" not in w:
                        ok = heads.get(left)
                        if ok is None:
                            ok = heads[left] = self._may_find(st, w[:4])
                        if not ok:
                            continue
                        # _may_find(w) is this very verdict: skip asking again
                        found = self._lookup_after_heads(st, w)
                    else:
                        found = self._lookup(st, w)
                    if found is not None:
                        return (found[0], "separator", found[1]), (pos[left], pos[n - 1 - right] + 1)
            return None
        for drop in range(1, 5):
            for left in range(0, min(drop, 2) + 1):
                right = drop - left
                if right > 2 or n - drop < 3:
                    continue
                sub = tok[pos[left] : pos[n - 1 - right] + 1]
                res = self._cached_decode(st, sub, True)
                if res is not None:
                    return res, (pos[left], pos[n - 1 - right] + 1)
        return None

    def _decode(self, st: _State, tok: str, spaced: bool = False) -> tuple[str, str, int] | None:
        """Decode one lowercased token to a known word, with the obfuscation kind, or None."""
        if spaced:
            joined = tok.translate(_SPACED_DROP)
            if _SPACED_KEEP_ONLY.fullmatch(joined) is None:  # not from SPACED_RE: the generic rule
                joined = "".join(c for c in tok if c.isalnum() or c in "@$!")
            kind = "separator"
        elif "." in tok or "-" in tok or "_" in tok:
            pieces = [p for p in _SEP_SPLIT.split(tok) if p]
            joined = "".join(pieces)
            # "self-harm", "well-known", "e.g." are compounds/abbreviations, not split words
            if all(p.isalpha() and len(p) >= 3 for p in pieces) and st.strength.get(joined, 0) < 3:
                return None
            if all(p in st.vocab or len(p) <= 1 or p.isdigit() for p in pieces) and not all(
                len(p) == 1 for p in pieces
            ):
                return None
            kind = "separator"
        else:
            joined = tok
            kind = ""
        # (str methods where they decide: a regex call costs more than these scans)
        letters_only = _is_az(joined)  # [a-z]+
        if not letters_only and not _has_az(joined):
            return None
        if not letters_only and ("*" in joined or "#" in joined or "%" in joined):
            word = self._uncensor(st, joined)
            if word is None or word == tok:
                return None
            return word, kind or "censor", st.vocab[word]
        has_leet = not letters_only  # _NON_AZ.search(joined) is not None
        found = self._lookup(st, joined)
        # a leading mark ("@user" → "*user") is never uncensored: skip the masking (no "*"
        # here: those tokens went to _uncensor above)
        if found is None and has_leet and joined[0] not in _MASKED:
            # a symbol that is no leet letter for this word is a censor mark ("f@ck")
            masked = joined.translate(_MASK_TABLE)
            if masked != joined and len(_NON_AZ.sub("", masked)) >= 3:
                w = self._uncensor(st, masked)
                if w is not None and w != tok:
                    return w, kind or "censor", st.vocab[w]
        if found is None or found[0] == tok:
            return None
        if not kind:
            kind = "leet" if has_leet else "stretch"
            if not has_leet and _RUN3.search(joined) is None:
                return None
        return found[0], kind, found[1]

    @staticmethod
    def _skeletons(token: str) -> list[str]:
        # every symbol maps to exactly one letter, so positions line up with ``token``
        if _SKEL_BAD.search(token) is not None:
            return []
        first = token.translate(_SKEL_TABLE)
        out = [first]
        if first != token:
            amb = [m.start() for m in _SKEL_AMB.finditer(token, 0)][:4]
            if amb:
                base = list(first)
                for r in range(1, len(amb) + 1):
                    for combo in itertools.combinations(amb, r):
                        alt = base.copy()
                        for i in combo:
                            alt[i] = LEET_ALT[token[i]]
                        out.append("".join(alt))
        if "ph" in first:
            out.append(out[0].replace("ph", "f"))
        return out

    def _lookup(self, st: _State, token: str) -> tuple[str, int] | None:
        if not self._may_find(st, token):
            return None
        return self._lookup_after_heads(st, token)

    def _lookup_after_heads(self, st: _State, token: str) -> tuple[str, int] | None:
        """``_lookup`` once ``_may_find`` said yes (callers that know it skip the memo)."""
        # [a-z]+ (spaced letters, plain words): its only skeletons, without the regex scan
        if _is_az(token):
            skel_list = [token, token.replace("ph", "f")] if "ph" in token else [token]
        else:
            skel_list = self._skeletons(token)
        # cheap reject first: most tokens (mentions, URLs, codes) start like no known word
        p2 = st.prefix2
        # collapse(s[:3])[:2] differs from s[:2] only when the first two letters are equal
        skels = [s for s in skel_list if s[:2] in p2 or (s[1:2] == s[:1] and _collapse(s[:3])[:2] in p2)]
        if not skels:
            return None
        vocab = st.vocab
        for s in skels:
            if s in vocab:
                return s, vocab[s]
        for s in skels:
            if _RUN2.search(s) is not None:
                w = st.collapsed.get(_collapse(s))
                if w is not None:
                    return w, vocab[w]
        # inflections of known words: "d1cks", "sh1tting", "k1llers"
        for s in skels[:4]:
            if not s.endswith(_SUFFIXES):
                continue
            for suffix in _SUFFIXES:
                if s.endswith(suffix) and len(s) - len(suffix) >= 3:
                    stem = s[: -len(suffix)]
                    if stem in vocab and st.strength.get(stem, 0) >= 2:
                        return s, vocab[stem]
                    if stem[-1:] == stem[-2:-1] and stem[:-1] in vocab and st.strength.get(stem[:-1], 0) >= 2:
                        return s, vocab[stem[:-1]]
        return None

    def _may_find(self, st: _State, token: str) -> bool:
        """False when ``_lookup`` provably finds nothing, from the token's first 3 and 4
        characters (memoized); "ph" → "f" shifts letters, so a token with "ph" may."""
        if len(token) < 3 or "ph" in token:
            return True
        # one memo probe: a 3-character key holds _head_ok(key), a 4-character key holds
        # _head_ok(key[:3]) and _head_ok(key), i.e. the verdict for every longer token
        head = token[:4]
        memo = st.head_ok
        ok = memo.get(head)
        if ok is None:
            if len(head) == 4:
                ok3 = memo.get(head[:3])
                if ok3 is None:
                    ok3 = self._head_ok(st, head[:3])
                    if len(memo) >= _CACHE_MAX:
                        evict_half(memo)
                    memo[head[:3]] = ok3
                ok = ok3 and self._head_ok(st, head)
            else:
                ok = self._head_ok(st, head)
            if len(memo) >= _CACHE_MAX:
                evict_half(memo)
            memo[head] = ok
        return ok

    @staticmethod
    def _head_ok(st: _State, head: str) -> bool:
        """False when ``_lookup`` finds no skeleton of any token that starts with ``head``
        (its first k = 3 or 4 characters; no "ph" in the token, len ≥ k): see
        ``_lookup_heads``. A character with no reading means no skeleton at all."""
        if not _SKEL_CHARS.issuperset(head):
            return False  # a character with no reading
        if _AMB_CHARS.isdisjoint(head):
            # one reading per character (the usual case): a single skeleton, no product;
            # collapse(sk) is sk when sk has no run, so one membership test covers both rules
            sk = head.translate(_SKEL_TABLE)
            if sk in st.heads:
                return True
            return (_collapse(sk) if _RUN2.search(sk) is not None else sk) in st.collapsed_heads
        readings: list[str] = []
        for ch in head:
            if "a" <= ch <= "z":
                readings.append(ch)
            elif ch in LEET or ch in LEET_ALT:
                readings.append(LEET.get(ch, "") + LEET_ALT.get(ch, ""))
            else:
                return False
        heads = st.heads
        cheads = st.collapsed_heads
        for letters in itertools.product(*readings):
            sk = "".join(letters)
            if sk in heads:
                return True
            if any(a == b for a, b in itertools.pairwise(sk)):
                if _collapse(sk) in cheads:
                    return True
            elif sk in cheads:  # no run: collapse(sk) is sk
                return True
        return False

    def _uncensor(self, st: _State, token: str) -> str | None:
        """Fill censor marks from the vocabulary ("f*ck" → "fuck"); most severe word wins."""
        if token[0] in CENSOR_CHARS:
            return None
        head = token.rstrip("*#%")
        if len(head) < len(token) and len(head) >= 3 and not any(c in CENSOR_CHARS for c in head):
            return None  # "word*" is a footnote or emphasis, "f***" is censoring
        slots: list[str | None] = []
        known: list[tuple[int, str]] = []  # (position, letters it may be)
        for i, ch in enumerate(token):
            if ch in CENSOR_CHARS:
                slots.append(None)
            elif "a" <= ch <= "z":
                slots.append(ch)
                known.append((i, ch))
            elif ch in LEET:
                sl = LEET[ch] + LEET_ALT.get(ch, "")
                slots.append(sl)
                known.append((i, sl))
            else:
                return None
        first = slots[0] or ""
        n = len(slots)
        index = st.fit_index
        # the first word of by_length[(n, f)] whose letters fit every known slot
        for f in first:
            group = index.get((n, f))
            if group is not None:
                w = _first_fit(group, known)
                if w is not None:
                    return w
        # one run of marks may hide more letters than it has ("f*k" → "fuck")
        runs = [i for i, sl in enumerate(slots) if sl is None and (i == 0 or slots[i - 1] is not None)]
        if len(known) < 2 or len(runs) != 1:
            return None
        r0 = runs[0]
        r1 = r0
        while r1 < n and slots[r1] is None:
            r1 += 1
        # known slots after the run sit len(suffix) from the end of the longer word
        head_slots = [(i, sl) for i, sl in known if i < r0]
        tail_slots = [(i - n, sl) for i, sl in known if i >= r1]
        for extra in (1, 2, 3):
            size = n + extra
            fits = head_slots + [(size + i, sl) for i, sl in tail_slots]
            for f in first:
                group = index.get((size, f))
                if group is not None:
                    w = _first_fit(group, fits)
                    if w is not None:
                        return w
        return None

    # ------------------------------------------------------------------ pass 3
    def _phrase_hits(
        self, st: _State, low: str, cased: str, t_hits: list[_Hit], ac: list[tuple[int, int, int]]
    ) -> tuple[list[_Hit], list[_Hit]]:
        n = len(low)
        safe: list[_Hit] = []
        cands: list[tuple[int, int, int, PatternEntry, str]] = []
        values = st.ac_values
        triple0 = st.triple0
        for k, start, end in ac:
            if k >= triple0:
                continue
            left, right, payload = values[k]
            if left and start > 0 and _wordish(low[start - 1]):
                continue
            if right and end < n and _wordish(low[end]):
                continue
            for kind, idx in payload:
                e = st.entries[idx]
                if kind == "s":
                    safe.append(_Hit(start, end, cased[start:end], "safe_context", e, False))
                elif kind == "w":
                    cands.append((start, end, -1, e, low[start:end]))
                else:
                    cands.append((start, end, idx, e, low[start:end]))
        if not cands and not safe:
            return [], []
        # safe contexts first: keep the longest non-overlapping ones
        safe.sort(key=lambda h: (h.start, -(h.end - h.start)))
        kept_safe: list[_Hit] = []
        for h in safe:
            if kept_safe and h.start < kept_safe[-1].end:
                continue
            kept_safe.append(h)

        safe_starts = [h.start for h in kept_safe]
        safe_ends = [h.end for h in kept_safe]

        def in_safe(s: int, e: int) -> bool:
            return _overlaps(safe_starts, safe_ends, s, e)

        if kept_safe and t_hits:
            for th in t_hits:
                if th.harmful and in_safe(*th.out_span):
                    th.harmful = False
        cands.sort(key=lambda c: (c[0], -(c[1] - c[0]), -c[3].severity))
        hits: list[_Hit] = []
        last_end = -1
        for start, end, flag, e, key in cands:
            if start < last_end or in_safe(start, end):
                continue
            rep = e.canonical
            if flag == -1:
                kind = "leet"
                rep = match_case(cased[start:end], st.spellings[key])
            elif _is_emojiish(key):
                kind = "emoji"
                if _wordish(rep[:1]) and start > 0 and _wordish(cased[start - 1]):
                    rep = " " + rep
                if _wordish(rep[-1:]) and end < n and _wordish(cased[end]):
                    rep = rep + " "
            else:
                kind = "algospeak"
                rep = match_case(cased[start:end], rep)
            if rep == cased[start:end]:
                continue
            hits.append(_Hit(start, end, rep, kind, e, e.harmful))
            last_end = end
        return hits, kept_safe


# the offset maps of unchanged texts (ranges are immutable: one per length is shared)
_IDENTITY_MAPS: Final = [range(n + 1) for n in range(1024)]


def _identity_map(n: int) -> range:
    """``range(n + 1)``, the offset map of an unchanged text of length ``n``."""
    return _IDENTITY_MAPS[n] if n < 1024 else range(n + 1)


def _has_az(s: str) -> bool:
    """Does ``s`` hold a letter a-z?"""
    if _COMPILED:
        n: i64 = len(s)
        i: i64 = 0
        while i < n:
            c: i64 = ord(s[i])
            if 97 <= c <= 122:
                return True
            i += 1
        return False
    # interpreted: for ASCII, ``upper()`` changes exactly those (cheaper than a regex call)
    return s.upper() != s if s.isascii() else _HAS_AZ.search(s) is not None


def _is_az(s: str) -> bool:
    """Is ``s`` one or more letters a-z (``isascii() and isalpha() and islower()``)?

    Compiled, a loop over code points: three str method calls cost mypyc a method lookup
    each, many times the loop."""
    if not _COMPILED:
        return s.isascii() and s.isalpha() and s.islower()
    n: i64 = len(s)
    if n == 0:
        return False
    i: i64 = 0
    while i < n:
        c: i64 = ord(s[i])
        if c < 97 or c > 122:
            return False
        i += 1
    return True


def _first_fit(
    group: tuple[list[str], dict[tuple[int, str], int]], fits: list[tuple[int, str]]
) -> str | None:
    """The first word of ``group`` with, at each position, one of the given letters."""
    words, masks = group
    get = masks.get
    m = (1 << len(words)) - 1
    for pos, letters in fits:
        if len(letters) == 1:
            m &= get((pos, letters), 0)
        else:
            alt = 0
            for c in letters:
                alt |= get((pos, c), 0)
            m &= alt
        if not m:
            return None
    return words[(m & -m).bit_length() - 1]


def _lookup_heads(
    vocab: dict[str, int], strength: dict[str, int], collapsed: dict[str, str]
) -> tuple[frozenset[str], frozenset[str]]:
    """What the first k (3 or 4) letters of a skeleton s (len(s) ≥ k) must be for
    ``Normalizer._lookup`` to find it, and the prefixes of collapsed keys.

    Skeletons map the token character by character (the "ph" → "f" one aside): each
    character to one of its readings (the letter, ``LEET``, ``LEET_ALT``; every ambiguous
    position among the first four is varied), so s[:k] is one product of the readings of
    the token's first k characters. _lookup finds s only (a) as a vocab word w: s[:k] =
    w[:k], len(w) ≥ k; (b) when collapse(s) is a collapsed key c: collapse(s[:k]) is a
    prefix of collapse(s) = c, i.e. c[:j] for some j ≤ k; (c) as stem + suffix, the stem
    (len ≥ 3, strength ≥ 2) a vocab word w or w + w[-1]: s[:k] = (stem + suffix)[:k].
    """
    heads: set[str] = set()
    for w in vocab:
        for k in (3, 4):
            if len(w) >= k:
                heads.add(w[:k])
        if strength.get(w, 0) >= 2:
            for stem in (w, w + w[-1]):
                if len(stem) >= 3:
                    for suffix in _SUFFIXES:
                        heads.add((stem + suffix)[:3])
                        heads.add((stem + suffix)[:4])
    cheads = {c[:j] for c in collapsed for j in (1, 2, 3, 4)}
    return frozenset(heads), frozenset(cheads)


def _token_runs(low: str) -> list[tuple[int, int]]:
    """(start, end) of each token (maximal run of token characters) that holds a trigger
    (``_TOKEN_FAST``), in text order. Compiled, printable ASCII goes through a byte loop."""
    if _COMPILED and low.isascii():
        return _ascii_runs_loop(low.encode("ascii").translate(_ASCII_CLASSES))[0]
    return _token_runs_re(low)


def _ascii_runs(low: str, classes: bytes) -> tuple[list[tuple[int, int]], bool]:
    """``_token_runs(low)`` of a printable-ASCII text, and whether ``_SPACED_TRIGGER`` matches
    ``" " + low + " "``. ``classes``: ``_printable_classes`` of ``low``."""
    if _COMPILED:
        return _ascii_runs_loop(classes)
    return _token_runs_re(low), _SPACED_CLASS_RANGES.search(b"\x08" + classes + b"\x08") is not None


def _token_runs_re(low: str) -> list[tuple[int, int]]:
    """``_token_runs`` through ``_TOKEN_FAST`` (any text)."""
    runs: list[tuple[int, int]] = []
    # most tokens start at their trigger ("@user", "#tag", "2day"); the rest start a few
    # letters before it (runs are disjoint: linear in all)
    for m in _TOKEN_FAST.finditer(low):
        p, e = m.span()
        while p and low[p - 1] in _TOKSET:
            p -= 1
        runs.append((p, e))
    return runs


def _ascii_runs_loop(cls: bytes) -> tuple[list[tuple[int, int]], bool]:
    """``_ascii_runs`` from the ``_ASCII_CLASSES`` bytes, in one pass (compiled: about 33
    instructions a byte, less than the two regexes it replaces; interpreted, this loop
    costs more than they do).

    Tokens: a run of token characters (``_TRIGGER_CLASSES`` part, byte & 7, not 0) is
    kept when it holds a trigger: a digit or symbol (2), or one of ".-_|" (3) or "!" (4)
    followed by another symbol, or by a letter when it is "!" or follows a letter
    ("sh!t", "fu.ck"). Spaced letters: ``_SPACED_CLASSES`` ("sas+[ab]s") over the
    ``_SPACED_TT`` part (byte >> 3: "s" 1, "a" 2, "b" 3), with an "s" at either end, as
    a DFA whose state is the longest matched prefix ("", "s", "sa", "sas+", "sas+[ab]").
    """
    runs: list[tuple[int, int]] = []
    n: i64 = len(cls)
    state: i64 = 1  # the text's start counts as a separator
    spaced = False
    in_run = False
    hit = False
    start: i64 = 0
    prev: i64 = 0  # the previous byte's token class, within the run (else 0)
    pending: i64 = 0  # a 3 or 4 at i - 1, decided by the class at i
    pending_prev: i64 = 0  # the token class before that one, within the run
    i: i64 = 0
    while i < n:
        b: i64 = cls[i]
        if not spaced:
            sp = b >> 3
            if sp == 1:
                if state == 4:
                    spaced = True
                elif state >= 2:
                    state = 3
                else:
                    state = 1
            elif sp == 2:
                state = 2 if state == 1 else 4 if state == 3 else 0
            elif sp == 3:
                state = 4 if state == 3 else 0
            else:
                state = 0
        tr = b & 7
        if tr == 0:
            if in_run:
                if hit:
                    runs.append((start, i))
                in_run = False
        else:
            if not in_run:
                in_run = True
                hit = False
                start = i
                prev = 0
                pending = 0
            if not hit:
                if pending != 0:
                    hit = tr >= 2 or (tr == 1 and (pending == 4 or pending_prev == 1))
                    pending = 0
                if not hit:
                    if tr == 2:
                        hit = True
                    elif tr >= 3:
                        pending = tr
                        pending_prev = prev
            prev = tr
        i += 1
    if in_run and hit:
        runs.append((start, n))
    return runs, spaced or state == 4


def _ac_matches(st: _State, low: str) -> list[tuple[int, int, int]]:
    """The automaton's matches over ``low``, overlapping: (key index, start, end), by end."""
    return st.automaton.find_matches_as_indexes(low, True)  # type: ignore[no-any-return]


def _printable_classes(raw: bytes) -> bytes | None:
    """An ASCII text (lowercased, as bytes) through ``_ASCII_CLASSES``; None when it has a
    control character other than tab and line breaks (what ``isprintable() or not
    _ASCII_SPECIAL`` tells, cheaper)."""
    classes = raw.translate(_ASCII_CLASSES)
    # an int operand: a bytes operand would first fail as an int (a raised TypeError)
    return None if 255 in classes else classes


def _overlaps(starts: list[int], ends: list[int], s: int, e: int) -> bool:
    """Does [s, e) overlap one of the sorted, non-overlapping spans (starts[i], ends[i])?"""
    j = bisect.bisect_left(starts, e) - 1
    return j >= 0 and ends[j] > s


def _compose(first: NormalizedText, second: NormalizedText) -> NormalizedText:
    """``second`` normalized ``first.normalized``; express it against ``first.original``."""
    m1 = first.offset_map
    text = first.original
    offset_map = [m1[i] for i in second.offset_map]
    subs = list(first.substitutions)
    seen = {(x.start, x.end, x.kind, x.pattern_id) for x in subs}
    for x in second.substitutions:
        s, e = m1[x.start], m1[x.end]
        key = (s, e, x.kind, x.pattern_id)
        if key in seen:
            continue
        seen.add(key)
        subs.append(
            _new_sub(
                s, e, text[s:e], x.replacement, x.kind, x.pattern_id, x.db_version, x.category, x.harmful
            )
        )
    subs.sort(key=lambda x: (x.start, x.end, _KIND_ORDER.get(x.kind, 99)))
    return NormalizedText(
        text, second.normalized, offset_map, tuple(subs), first.db_version, first.truncated, first.notes
    )
