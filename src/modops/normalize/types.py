"""Types returned by the normalizer. Every text detector consumes ``NormalizedText``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Substitution:
    """One change the normalizer made, located in the *original* text."""

    start: int
    end: int
    original: str
    replacement: str
    kind: str  # algospeak | leet | stretch | separator | censor | homoglyph | invisible | diacritic | emoji | safe_context
    pattern_id: str | None = None
    db_version: str = ""
    category: str | None = None
    harmful: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "original": self.original,
            "replacement": self.replacement,
            "kind": self.kind,
            "pattern_id": self.pattern_id,
            "db_version": self.db_version,
            "category": self.category,
            "harmful": self.harmful,
        }


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Text after algospeak/obfuscation normalization.

    ``offset_map`` has ``len(normalized) + 1`` entries and is non-decreasing:
    ``offset_map[i]`` is the index in ``original`` where the source of normalized
    character ``i`` starts, and the last entry is ``len(original)``. So the
    normalized span ``[s, e)`` came from ``original[offset_map[s]:offset_map[e]]``.
    """

    original: str
    normalized: str
    offset_map: Sequence[int]
    substitutions: tuple[Substitution, ...] = ()
    db_version: str = ""
    truncated: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of ``normalized`` back to a span of ``original``."""
        if not 0 <= start <= end <= len(self.normalized):
            raise ValueError(
                f"span [{start}, {end}) outside normalized text of length {len(self.normalized)}"
            )
        return self.offset_map[start], self.offset_map[end]

    @property
    def changed(self) -> bool:
        return self.normalized != self.original

    @property
    def harmful_substitutions(self) -> list[Substitution]:
        return [s for s in self.substitutions if s.harmful]

    @classmethod
    def identity(cls, text: str, db_version: str = "") -> NormalizedText:
        """A NormalizedText that changes nothing (used when normalization is disabled)."""
        return cls(text, text, range(len(text) + 1), (), db_version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "original": self.original,
            "normalized": self.normalized,
            "substitutions": [s.to_dict() for s in self.substitutions],
            "db_version": self.db_version,
            "truncated": self.truncated,
        }
