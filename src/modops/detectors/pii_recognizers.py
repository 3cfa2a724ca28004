"""Pattern recognizers for PII: bounded regexes + validation (checksums, ranges) + context words.

Every pattern here is written so its run time is linear in the input on adversarial text:
quantifiers are bounded, starts are anchored with look-behinds so a long run of digits,
at-signs or dots offers only one candidate start, and alternatives never overlap in a way that
lets the engine backtrack exponentially. ``tests/pii/test_recognizers.py`` checks 100 KB inputs.

Entity names follow presidio's (EMAIL_ADDRESS, PHONE_NUMBER, US_SSN, CREDIT_CARD, IBAN_CODE,
IP_ADDRESS, URL, DATE_TIME→DATE_OF_BIRTH, CRYPTO, US_PASSPORT, US_DRIVER_LICENSE) so users can
switch between the two.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# --------------------------------------------------------------------------------------------- types


@dataclass(slots=True)
class Span:
    """One candidate entity found by a recognizer or model, in the coordinates of the text it ran on."""

    label: str
    start: int
    end: int
    score: float
    source: str  # recognizer or model name
    validation: str | None = None  # e.g. "luhn:pass", "mod97:pass", "phonenumbers:valid"
    context: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


Validator = Callable[[str], "str | None"]
"""Returns a validation tag (``"luhn:pass"``) when the candidate is valid, ``None`` to reject it."""


@dataclass(frozen=True, slots=True)
class PatternRecognizer:
    """A regex candidate finder plus an optional validator and context words.

    ``score`` is the score of a validated match without context; each context word found near
    the match raises it by ``context_boost`` (once). ``needs_context`` matches are dropped unless a
    context word is present (passport numbers, driver's licences, dates of birth).
    """

    name: str
    label: str
    pattern: re.Pattern[str]
    score: float
    validator: Validator | None = None
    context: tuple[str, ...] = ()
    context_boost: float = 0.3
    needs_context: bool = False
    group: int = 0
    # Cheap prefilters (substring checks in C), exact: a text without them cannot match ``pattern``.
    needs_digit: bool = False
    needs_any: tuple[str, ...] = ()

    def find(self, text: str, lowered: str | None = None) -> list[Span]:
        lowered = text.lower() if lowered is None else lowered
        out: list[Span] = []
        for m in self.pattern.finditer(text):
            start, end = m.span(self.group)
            if start == end:
                continue
            value = text[start:end]
            tag: str | None = "pattern"
            if self.validator is not None:
                tag = self.validator(value)
                if tag is None:
                    continue
            ctx = context_words(lowered, start, end, self.context) if self.context else []
            if self.needs_context and not ctx:
                continue
            score = self.score + (self.context_boost if ctx else 0.0)
            out.append(Span(self.label, start, end, min(score, 1.0), self.name, tag, ctx))
        return out


# ------------------------------------------------------------------------------------------ context

_WORD_RE = re.compile(r"[a-z][a-z.'#]{0,24}")
CONTEXT_BEFORE = 48
CONTEXT_AFTER = 24


def context_words(lowered: str, start: int, end: int, words: Iterable[str]) -> list[str]:
    """Context words (lower-case) that occur shortly before or after ``[start, end)``."""
    window = lowered[max(0, start - CONTEXT_BEFORE) : start] + " " + lowered[end : end + CONTEXT_AFTER]
    found: list[str] = []
    for w in words:
        if " " in w:
            if w in window:
                found.append(w)
            continue
        # whole-word match; a cheap scan because windows are tiny
        for m in _WORD_RE.finditer(window):
            tok = m.group(0).strip(".'")
            if tok == w:
                found.append(w)
                break
    return found


# --------------------------------------------------------------------------------------- validators


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3(?:0[0-5]|[68])|6(?:011|5|4[4-9]|22)|35|62|81)")


def validate_card(value: str) -> str | None:
    digits = re.sub(r"[ -]", "", value)
    if not 13 <= len(digits) <= 19 or not digits.isdigit():
        return None
    seps = set(re.findall(r"[ -]", value))
    if len(seps) > 1:  # "4111 1111-1111 1111" is not how anyone writes a card
        return None
    if len(set(digits)) == 1:
        return None
    if not _CARD_PREFIX.match(digits):
        return None
    return "luhn:pass" if luhn_ok(digits) else None


def validate_ssn(value: str) -> str | None:
    digits = re.sub(r"[ .-]", "", value)
    if len(digits) != 9 or not digits.isdigit():
        return None
    seps = set(re.findall(r"[ .-]", value))
    if len(seps) > 1:
        return None
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    # SSA rules: area 000, 666 and 900-999 are never issued; group 00 and serial 0000 neither.
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return None
    if digits in ("123456789", "078051120", "219099999"):  # advertising/sample numbers
        return None
    if len(set(digits)) == 1:
        return None
    return "ssn_ranges:pass"


_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_mod97(iban: str) -> bool:
    s = iban[4:] + iban[:4]
    rem = 0
    for ch in s:
        v = int(ch, 36)
        rem = (rem * (100 if v > 9 else 10) + v) % 97
    return rem == 1


def validate_iban(value: str) -> str | None:
    iban = value.replace(" ", "").upper()
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return None
    if not 15 <= len(iban) <= 34:
        return None
    return "mod97:pass" if iban_mod97(iban) else None


def validate_ip(value: str) -> str | None:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and value.count(":") < 2:
        return None
    return f"ipv{ip.version}:valid"


def validate_ipv6(value: str) -> str | None:
    if value in ("::", "::1") and len(value) < 3:
        return None
    hexdigits = sum(ch not in ":" for ch in value)
    if hexdigits < 4:  # "12::", "a::b": too short to be a real address in prose
        return None
    return validate_ip(value)


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def base58check_ok(value: str) -> bool:
    n = 0
    for ch in value:
        idx = _B58_INDEX.get(ch)
        if idx is None:
            return False
        n = n * 58 + idx
    raw = n.to_bytes(25, "big") if n.bit_length() <= 200 else b""
    if len(raw) != 25:
        return False
    payload, check = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == check


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def bech32_ok(value: str) -> bool:
    v = value.lower()
    hrp, _, data = v.rpartition("1")
    if hrp != "bc" or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + [_BECH32.index(c) for c in data]
    return _bech32_polymod(values) in (1, 0x2BC830A3)  # bech32, bech32m


def validate_crypto(value: str) -> str | None:
    if value.lower().startswith("bc1"):
        return "bech32:pass" if bech32_ok(value) else None
    if value.startswith("0x"):
        body = value[2:]
        if len(set(body.lower())) < 6:  # 0x000...0 style constants
            return None
        return "eth:format"
    return "base58check:pass" if base58check_ok(value) else None


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ]
    )
    for m in names
}  # fmt: skip


def _valid_ymd(y: int, m: int, d: int) -> bool:
    if not 1900 <= y <= _dt.date.today().year:
        return False
    try:
        _dt.date(y, m, d)
    except ValueError:
        return False
    return True


def validate_date(value: str) -> str | None:
    v = value.lower().replace(",", " ").replace("  ", " ")
    nums = [int(x) for x in re.findall(r"\d+", v)]
    month = next((_MONTHS[w] for w in re.findall(r"[a-z]+", v) if w in _MONTHS), None)
    if month is not None:
        if len(nums) != 2:
            return None
        a, b = nums
        day, year = (a, b) if b > 31 else (b, a)
        return "date:valid" if _valid_ymd(year, month, day) else None
    if len(nums) != 3:
        return None
    a, b, c = nums
    if a > 31:  # ISO: Y-M-D
        return "date:valid" if _valid_ymd(a, b, c) else None
    year = c + (1900 if c > 30 else 2000) if c < 100 else c
    if _valid_ymd(year, a, b) or _valid_ymd(year, b, a):
        return "date:valid"
    return None


def validate_passport(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if len(set(digits)) <= 1:
        return None
    return "format:pass"


def validate_dl(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 5 or len(set(digits)) <= 1:
        return None
    return "format:pass"


_TLDS = (
    "com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|ca|au|in|info|biz|me|us|eu|ch|at|be|se|no|dk|fi|pl|"
    "ru|jp|cn|br|mx|app|dev|ai|xyz|ly|tv|blog|online|site|tech"
)


def validate_url(value: str) -> str | None:
    return "url:format"


# ----------------------------------------------------------------------------------------- patterns

_EMAIL = re.compile(
    r"(?<![\w.%+\-@])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,63})@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62})\.){1,6}[A-Za-z]{2,24}(?![\w\-@])"
)
# "john dot doe at gmail dot com", "jane [at] example [dot] org", "bob (at) foo.com"
_SP_AT = r"(?:\s{0,3}[\(\[\{]\s{0,2}at\s{0,2}[\)\]\}]\s{0,3}|\s{1,3}at\s{1,3})"
_SP_DOT = r"(?:\s{0,3}[\(\[\{]\s{0,2}dot\s{0,2}[\)\]\}]\s{0,3}|\s{1,3}dot\s{1,3}|\.)"
_EMAIL_SPELLED = re.compile(
    r"(?<![\w.\-])[A-Za-z0-9][A-Za-z0-9_\-]{0,40}(?:"
    + _SP_DOT
    + r"[A-Za-z0-9_\-]{1,40}){0,3}"
    + _SP_AT
    + r"(?!(?:the|a|an|my|this|that|home|work|least|all|last|first|once|night|noon)\b)"
    r"[A-Za-z0-9][A-Za-z0-9\-]{0,40}(?:"
    + _SP_DOT
    + r"[A-Za-z0-9\-]{1,40}){0,2}"
    + _SP_DOT
    + r"(?:"
    + _TLDS
    + r")(?![\w\-])",
    re.IGNORECASE,
)

# phone candidates: validated by the phonenumbers library
_PHONE = re.compile(
    r"(?<![\w+./\-])(?:\+|00)?(?:\(?\d{1,4}\)?[\s.\-]{0,2}){1,2}(?:\(0\)\s?)?\(?\d{1,5}\)?[\s.\-]{0,2}\d{2,5}"
    r"(?:[\s.\-]{1,2}\d{2,8}){0,3}(?:\s{0,2}(?:x|ext\.?|extension)\s{0,2}\d{1,5})?(?![\w/]|[.:,]\d|-\d)"
)

_SSN = re.compile(r"(?<![\w\-./])(\d{3}[- .]\d{2}[- .]\d{4}|\d{9})(?![\w\-]|\.\d)")
_CARD = re.compile(r"(?<![\w\-.])\d(?:[ \-]?\d){12,18}(?![\w\-]|\.\d)")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])")
_IPV4 = re.compile(
    r"(?<![\w.\-])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?![\w\-]|\.\d)"
)
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|:){2,8}(?:[0-9A-Fa-f]{1,4}|:)?(?![\w:])")
_URL = re.compile(
    r"(?<![\w@.\-/])(?:(?:https?|ftp)://[^\s<>\"'`]{1,2000}|www\.[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,5}"
    r"(?:/[^\s<>\"'`]{0,2000})?|(?:[A-Za-z0-9\-]{1,63}\.){1,4}(?:" + _TLDS + r")/[^\s<>\"'`]{1,2000})",
)
_DATE = re.compile(
    r"(?<![\w/.\-])(?:"
    r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?\s{1,2}\d{1,2}(?:st|nd|rd|th)?,?\s{1,2}\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s{1,2}(?:of\s{1,2})?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?,?\s{1,2}\d{4}"
    r")(?![\w/\-]|\.\d)",
    re.IGNORECASE,
)
_CRYPTO = re.compile(
    r"(?<![\w])(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71}|0x[0-9a-fA-F]{40})(?![\w])"
)
_PASSPORT = re.compile(r"(?<![\w\-])(?:[A-Z]\d{8}|\d{9})(?![\w\-])")
_DL = re.compile(
    r"(?<![\w\-])(?:[A-Z]{1,2}\d{5,13}|[A-Z]\d{3}-\d{3,4}-\d{3,4}(?:-\d{1,3})?|\d{7,12})(?![\w\-])"
)

EMAIL_CTX = ("email", "e-mail", "mail", "contact", "reach", "write", "address", "inbox")
PHONE_CTX = (
    "phone", "call", "tel", "telephone", "mobile", "cell", "number", "whatsapp", "text", "sms", "fax",
    "reach", "ring", "contact", "dial",
)  # fmt: skip
SSN_CTX = ("ssn", "social security", "social", "security number", "ss#", "ss", "taxpayer")
CARD_CTX = ("card", "credit", "visa", "mastercard", "amex", "debit", "cc", "payment", "pay", "charge")
IBAN_CTX = ("iban", "bank", "account", "transfer", "wire", "sepa", "payment")
IP_CTX = ("ip", "address", "server", "host", "connect", "login", "logged", "ping")
URL_CTX = ("website", "site", "url", "link", "profile", "page", "blog")
DOB_CTX = (
    "born", "birth", "birthday", "dob", "d.o.b", "date of birth", "b-day", "bday", "birthdate", "age",
)  # fmt: skip
CRYPTO_CTX = ("bitcoin", "btc", "wallet", "eth", "ethereum", "crypto", "send", "address")
PASSPORT_CTX = ("passport", "passport#", "passport no", "travel document")
DL_CTX = ("driver", "driver's", "drivers", "license", "licence", "dl", "dl#", "driving", "dmv")


RECOGNIZERS: tuple[PatternRecognizer, ...] = (
    PatternRecognizer("email_regex", "EMAIL_ADDRESS", _EMAIL, 0.85, None, EMAIL_CTX, 0.15, needs_any=("@",)),
    # the spelled-out "at" is matched case-insensitively; "at" also covers "(at)" and "[at]"
    PatternRecognizer(
        "email_spelled",
        "EMAIL_ADDRESS",
        _EMAIL_SPELLED,
        0.6,
        None,
        EMAIL_CTX,
        0.3,
        needs_any=("at", "AT", "At", "aT"),
    ),
    PatternRecognizer("us_ssn", "US_SSN", _SSN, 0.5, validate_ssn, SSN_CTX, 0.45, needs_digit=True),
    PatternRecognizer(
        "credit_card_luhn", "CREDIT_CARD", _CARD, 0.75, validate_card, CARD_CTX, 0.2, needs_digit=True
    ),
    PatternRecognizer(
        "iban_mod97", "IBAN_CODE", _IBAN, 0.85, validate_iban, IBAN_CTX, 0.15, needs_digit=True
    ),
    PatternRecognizer("ipv4", "IP_ADDRESS", _IPV4, 0.6, validate_ip, IP_CTX, 0.3, needs_digit=True),
    PatternRecognizer("ipv6", "IP_ADDRESS", _IPV6, 0.6, validate_ipv6, IP_CTX, 0.3, needs_any=(":",)),
    PatternRecognizer("url", "URL", _URL, 0.6, validate_url, URL_CTX, 0.2, needs_any=("/", "www.")),
    PatternRecognizer(
        "date_of_birth", "DATE_OF_BIRTH", _DATE, 0.6, validate_date, DOB_CTX, 0.3, True, needs_digit=True
    ),
    PatternRecognizer(
        "crypto_wallet", "CRYPTO", _CRYPTO, 0.75, validate_crypto, CRYPTO_CTX, 0.2, needs_digit=True
    ),
    PatternRecognizer(
        "us_passport",
        "US_PASSPORT",
        _PASSPORT,
        0.55,
        validate_passport,
        PASSPORT_CTX,
        0.35,
        True,
        needs_digit=True,
    ),
    PatternRecognizer(
        "us_driver_license", "US_DRIVER_LICENSE", _DL, 0.5, validate_dl, DL_CTX, 0.35, True, needs_digit=True
    ),
)

# SSN without separators and 9-digit strings in general are only SSNs with context
_SSN_BARE = re.compile(r"^\d{9}$")

# words right before a number that say it is an identifier, not a phone number
NOT_PHONE_CTX = (
    "order",
    "invoice",
    "isbn",
    "ref",
    "reference",
    "tracking",
    "serial",
    "sku",
    "ticket",
    "case",
    "id",
    "version",
)
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_DOTTED_QUAD = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")

# bare digit runs after these words are identifiers (passport, licence, SSN), not phone numbers
_ID_WORDS = ("passport", "license", "licence", "ssn", "social", "dl#", "account", "iban", "card")
# "+1 477 466 3010", "(451) 285-8642", "+44(0)306 9990495": formatted like a phone number
_PHONE_SHAPE = re.compile(
    r"^(?:\+\d{1,3}[\s\-]?(?:\(0\))?\s?\(?\d{1,4}\)?|\(\d{2,5}\)|\d{1,2}\s\(\d{3}\))[\s.\-]?\d{2,5}(?:[\s.\-]\d{2,8}){0,3}$"
)

PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "AU", "CA", "BR", "MX")


def find_phones(text: str, lowered: str) -> list[Span]:
    """Phone numbers: a permissive bounded candidate regex, validated by ``phonenumbers``."""
    import phonenumbers

    out: list[Span] = []
    for m in _PHONE.finditer(text):
        start, end = m.span()
        value = text[start:end].rstrip(" .-")
        end = start + len(value)
        digits = sum(ch.isdigit() for ch in value)
        if digits < 7 or digits > 17:
            continue
        # bare digit runs with no separators are mostly order numbers and ids
        plain = value.isdigit()
        if _DATE_LIKE.match(value) or _DOTTED_QUAD.match(value):
            continue
        before = lowered[max(0, start - 16) : start]
        if "#" in before[-3:] or any(w in before for w in NOT_PHONE_CTX):
            continue
        region_hit: str | None = None
        candidates: Iterable[str | None] = (None,) if value.startswith(("+", "00")) else PHONE_REGIONS
        for region in candidates:
            try:
                num = phonenumbers.parse(value if not value.startswith("00") else "+" + value[2:], region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                region_hit = region or phonenumbers.region_code_for_number(num) or "intl"
                break
        possible_only = False
        if region_hit is None:
            # well-formatted but unassigned numbers (+1 477 ...) still count, with less confidence
            if plain or not _PHONE_SHAPE.match(value):
                continue
            region_hit, possible_only = "possible", True
        ctx = context_words(lowered, start, end, PHONE_CTX)
        if plain and (not ctx or any(w in lowered[max(0, start - 48) : start] for w in _ID_WORDS)):
            continue
        score = (0.5 if plain else 0.45 if possible_only else 0.7) + (0.25 if ctx else 0.0)
        out.append(
            Span(
                "PHONE_NUMBER",
                start,
                end,
                min(score, 1.0),
                "phonenumbers",
                f"phonenumbers:valid:{region_hit}",
                ctx,
            )
        )
    return out


def run_recognizers(text: str, labels: set[str] | None = None) -> list[Span]:
    """All pattern recognizers (not NER/address) over ``text``; spans in ``text`` coordinates."""
    lowered = text.lower()
    has_digit = has_digits(text)
    spans: list[Span] = []
    for rec in RECOGNIZERS:
        if labels is not None and rec.label not in labels:
            continue
        if (rec.needs_digit and not has_digit) or (
            rec.needs_any and not any(k in text for k in rec.needs_any)
        ):
            continue
        found = rec.find(text, lowered)
        if rec.label == "US_SSN":
            # a bare 9-digit run is an SSN only with context
            found = [s for s in found if not _SSN_BARE.match(text[s.start : s.end]) or s.context]
        spans.extend(found)
    if has_digit and (labels is None or "PHONE_NUMBER" in labels):
        spans.extend(find_phones(text, lowered))
    return spans


_DIGIT = re.compile(r"\d")


def has_digits(text: str) -> bool:
    """Whether ``text`` has a digit in the regex sense (``\\d``, any script), as the patterns use."""
    return _DIGIT.search(text) is not None
