"""PII redaction operators over detector findings (Python API; the service's ``/v1/pii/redact`` uses it).

``redact(text, findings, operator="placeholder")`` returns a ``RedactionResult`` with the new
text and one item per replaced span (original offsets, new offsets, label, replacement).

Operators (presidio's names where they exist):

* ``replace``: ``<PERSON>``.
* ``placeholder``: consistent numbered placeholders; the same value (case- and whitespace-
  insensitive) gets the same ``<PERSON_1>`` everywhere in one document.
* ``mask``: every character but separators becomes ``*`` (keeps the last ``keep_last`` chars).
* ``hash``: ``<EMAIL_ADDRESS:3f2a...>`` = salted SHA-256 (salt from ``salt=`` or settings.hash_salt).
* ``encrypt``: reversible Fernet token ``<ENC:EMAIL_ADDRESS:gAAAA...>``; key from ``key=`` or
  ``MODOPS_ENCRYPTION_KEY``. ``deanonymize(text, key)`` restores the original values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from modops.core import Finding
from modops.errors import InputError

OPERATORS = ("replace", "placeholder", "mask", "hash", "encrypt")
_ENC_RE = re.compile(r"<ENC:([A-Z_]{1,40}):([A-Za-z0-9_\-=]{20,20000})>")


@dataclass(frozen=True, slots=True)
class RedactedItem:
    label: str
    start: int  # in the original text
    end: int
    new_start: int  # in the redacted text
    new_end: int
    replacement: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "new_start": self.new_start,
            "new_end": self.new_end,
            "replacement": self.replacement,
        }


@dataclass(frozen=True, slots=True)
class RedactionResult:
    text: str
    items: list[RedactedItem] = field(default_factory=list)
    operator: str = "placeholder"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "operator": self.operator, "items": [i.to_dict() for i in self.items]}


def _fernet(key: str | bytes | None) -> Any:
    from cryptography.fernet import Fernet

    if key is None:
        from modops.config import get_settings

        secret = get_settings().encryption_key
        if secret is None:
            raise InputError(
                "encrypt needs a key: set MODOPS_ENCRYPTION_KEY to a Fernet key "
                "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
            )
        key = secret.get_secret_value()
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError):
        raise InputError("invalid encryption key: expected a url-safe base64 Fernet key (32 bytes)") from None


def _select(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """Span findings, longest-first on overlap, in text order."""
    spans = [
        f
        for f in findings
        if f.start is not None and f.end is not None and f.end > f.start and f.end <= len(text)
    ]
    spans.sort(key=lambda f: (-(f.end - f.start), -f.score))  # type: ignore[operator]
    chosen: list[Finding] = []
    for f in spans:
        if all(f.end <= c.start or f.start >= c.end for c in chosen):  # type: ignore[operator]
            chosen.append(f)
    chosen.sort(key=lambda f: f.start)  # type: ignore[arg-type,return-value]
    return chosen


def _norm_value(value: str) -> str:
    return " ".join(value.lower().split())


def redact(
    text: str,
    findings: Sequence[Finding],
    operator: str = "placeholder",
    key: str | bytes | None = None,
    salt: str | None = None,
    mask_char: str = "*",
    keep_last: int = 0,
    labels: Sequence[str] | None = None,
) -> RedactionResult:
    """Replace every span finding (optionally only ``labels``) in ``text`` with ``operator``."""
    if operator not in OPERATORS:
        raise InputError(f"unknown redaction operator {operator!r} (choose from {', '.join(OPERATORS)})")
    wanted = set(labels) if labels else None
    chosen = _select(text, [f for f in findings if wanted is None or f.label in wanted])
    fernet = _fernet(key) if operator == "encrypt" and chosen else None
    if operator == "hash" and salt is None:
        from modops.config import get_settings

        salt = get_settings().hash_salt.get_secret_value()
    numbering: dict[str, dict[str, int]] = {}
    out: list[str] = []
    items: list[RedactedItem] = []
    pos = 0
    new_len = 0
    for f in chosen:
        assert f.start is not None and f.end is not None
        value = text[f.start : f.end]
        if operator == "replace":
            rep = f"<{f.label}>"
        elif operator == "placeholder":
            seen = numbering.setdefault(f.label, {})
            n = seen.setdefault(_norm_value(value), len(seen) + 1)
            rep = f"<{f.label}_{n}>"
        elif operator == "mask":
            keep = max(0, min(keep_last, len(value)))
            head, tail = value[: len(value) - keep], value[len(value) - keep :]
            rep = "".join(ch if ch in " -.\n@" else mask_char for ch in head) + tail
        elif operator == "hash":
            digest = hashlib.sha256(((salt or "") + value).encode("utf-8")).hexdigest()[:16]
            rep = f"<{f.label}:{digest}>"
        else:
            assert fernet is not None
            token = fernet.encrypt(value.encode("utf-8")).decode("ascii")
            rep = f"<ENC:{f.label}:{token}>"
        out.append(text[pos : f.start])
        new_len += f.start - pos
        items.append(RedactedItem(f.label, f.start, f.end, new_len, new_len + len(rep), rep))
        out.append(rep)
        new_len += len(rep)
        pos = f.end
    out.append(text[pos:])
    return RedactionResult("".join(out), items, operator)


def deanonymize(text: str, key: str | bytes | None = None) -> str:
    """Reverse the ``encrypt`` operator: decrypt every ``<ENC:LABEL:token>`` in ``text``."""
    from cryptography.fernet import InvalidToken

    fernet = _fernet(key)

    def _sub(m: re.Match[str]) -> str:
        try:
            return str(fernet.decrypt(m.group(2).encode("ascii")).decode("utf-8"))
        except InvalidToken:
            raise InputError("cannot decrypt: token was made with a different key or is corrupted") from None

    return _ENC_RE.sub(_sub, text)
