"""Table-driven recognizer tests: positives, negatives, validation rules, adversarial inputs."""

from __future__ import annotations

import pytest

from modops.detectors.pii_address import find_addresses
from modops.detectors.pii_recognizers import (
    iban_mod97,
    luhn_ok,
    run_recognizers,
    validate_card,
    validate_iban,
    validate_ssn,
)


def labels_found(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in run_recognizers(text) + find_addresses(text):
        out.setdefault(s.label, []).append(text[s.start : s.end])
    return out


POSITIVES = [
    ("EMAIL_ADDRESS", "write to jane.doe+news@example.co.uk today", "jane.doe+news@example.co.uk"),
    ("EMAIL_ADDRESS", "email: john dot doe at gmail dot com", "john dot doe at gmail dot com"),
    ("EMAIL_ADDRESS", "mail me jane [at] example [dot] org", "jane [at] example [dot] org"),
    ("PHONE_NUMBER", "call me at (415) 555-2671", "(415) 555-2671"),
    ("PHONE_NUMBER", "my number is +44 20 7946 0958", "+44 20 7946 0958"),
    ("PHONE_NUMBER", "Phone: +33 6 12 34 56 78", "+33 6 12 34 56 78"),
    ("PHONE_NUMBER", "ring 415.555.2671 tonight", "415.555.2671"),
    ("US_SSN", "my SSN is 536-22-1234", "536-22-1234"),
    ("US_SSN", "social security number 536 22 1234", "536 22 1234"),
    ("CREDIT_CARD", "card 4111 1111 1111 1111 exp 09/27", "4111 1111 1111 1111"),
    ("CREDIT_CARD", "visa 4111-1111-1111-1111", "4111-1111-1111-1111"),
    ("CREDIT_CARD", "amex 378282246310005", "378282246310005"),
    ("IBAN_CODE", "IBAN DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00"),
    ("IBAN_CODE", "pay GB82WEST12345698765432", "GB82WEST12345698765432"),
    ("IP_ADDRESS", "server 192.168.1.20 is down", "192.168.1.20"),
    ("IP_ADDRESS", "from 2001:db8::8a2e:370:7334 again", "2001:db8::8a2e:370:7334"),
    ("URL", "see https://www.linkedin.com/in/jane-doe-12 now", "https://www.linkedin.com/in/jane-doe-12"),
    ("DATE_OF_BIRTH", "I was born on March 3, 1985.", "March 3, 1985"),
    ("DATE_OF_BIRTH", "DOB: 04/12/1990", "04/12/1990"),
    ("CRYPTO", "btc 1BoatSLRHtKNngkdXEeobR76b53LETtpyT thanks", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
    (
        "CRYPTO",
        "send to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    ),
    ("US_PASSPORT", "passport number 912803456", "912803456"),
    ("US_DRIVER_LICENSE", "driver's license D1234567", "D1234567"),
    (
        "STREET_ADDRESS",
        "she lives at 150 Anthony Plains\nSouth Glendachester, VA 04307 now",
        "150 Anthony Plains\nSouth Glendachester, VA 04307",
    ),
    ("STREET_ADDRESS", "send it to 221B Baker Street, London NW1 6XE", "221B Baker Street, London NW1 6XE"),
    (
        "STREET_ADDRESS",
        "Apt 4B, 12 Main St., Springfield, IL 62704",
        "Apt 4B, 12 Main St., Springfield, IL 62704",
    ),
    ("STREET_ADDRESS", "Hauptstraße 12\n10115 Berlin", "Hauptstraße 12\n10115 Berlin"),
]


@pytest.mark.parametrize(
    ("label", "text", "value"), POSITIVES, ids=[f"{p[0]}-{i}" for i, p in enumerate(POSITIVES)]
)
def test_positive(label: str, text: str, value: str) -> None:
    assert value in labels_found(text).get(label, []), labels_found(text)


NEGATIVES = [
    ("CREDIT_CARD", "card 4111 1111 1111 1112 fails Luhn"),
    ("CREDIT_CARD", "0000 0000 0000 0000"),
    ("CREDIT_CARD", "mixed 4111 1111-1111 1111 separators"),
    ("US_SSN", "ssn 000-12-3456"),
    ("US_SSN", "ssn 666-12-3456"),
    ("US_SSN", "ssn 912-12-3456"),
    ("US_SSN", "ssn 123-00-4567"),
    ("US_SSN", "ssn 123-45-0000"),
    ("US_SSN", "order 536221234"),  # bare 9 digits without context
    ("IBAN_CODE", "IBAN DE89 3704 0044 0532 0130 01"),  # mod-97 fails
    ("IP_ADDRESS", "version 1.2.3 released"),
    ("IP_ADDRESS", "999.1.1.1 is not an address"),
    ("IP_ADDRESS", "it is 12:30:45 now"),
    ("PHONE_NUMBER", "Order #123-456-7890 shipped"),
    ("PHONE_NUMBER", "ISBN 978-3-16-148410-0"),
    ("PHONE_NUMBER", "posted 2024-03-12 14:22:01"),
    ("PHONE_NUMBER", "It cost $1,299.99 which is insane"),
    ("PHONE_NUMBER", "3 * 4 = 12 and 12 / 4 = 3"),
    ("DATE_OF_BIRTH", "the meeting is on 04/12/2020"),  # a date without birth context
    ("US_PASSPORT", "the number 912803456 again"),
    ("CRYPTO", "1BoatSLRHtKNngkdXEeobR76b53LETtpyX"),  # bad checksum
    ("EMAIL_ADDRESS", "I looked at the dot com bubble"),
    ("STREET_ADDRESS", "I ran 5 miles today"),
]


@pytest.mark.parametrize(("label", "text"), NEGATIVES, ids=[f"{n[0]}-{i}" for i, n in enumerate(NEGATIVES)])
def test_negative(label: str, text: str) -> None:
    assert label not in labels_found(text), labels_found(text)


@pytest.mark.parametrize(
    ("fn", "value", "ok"),
    [
        (luhn_ok, "4111111111111111", True),
        (luhn_ok, "4111111111111112", False),
        (iban_mod97, "GB82WEST12345698765432", True),
        (iban_mod97, "GB82WEST12345698765433", False),
        (validate_card, "5500 0000 0000 0004", True),
        (validate_card, "1234 5678 9012 3456", False),
        (validate_iban, "FR14 2004 1010 0505 0001 3M02 606", True),
        (validate_iban, "DE89370400440532013", False),  # wrong length for DE
        (validate_ssn, "078-05-1120", False),  # the Woolworth wallet SSN
        (validate_ssn, "536-22-1234", True),
    ],
)
def test_validators(fn, value: str, ok: bool) -> None:  # type: ignore[no-untyped-def]
    assert bool(fn(value)) is ok


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "@" * 100_000,
        "." * 100_000,
        "1.1@" * 25_000,
        "1 " * 50_000,
        ":" * 100_000,
        "a@" * 50_000,
        "12 Main " * 12_500,
        "x dot " * 20_000,
        "4111-" * 20_000,
        "+1 (" * 25_000,
    ],
    ids=[
        "digits",
        "at",
        "dots",
        "mixed",
        "spaced-digits",
        "colons",
        "a-at",
        "address-ish",
        "spelled-dots",
        "card-ish",
        "phone-ish",
    ],
)
def test_adversarial_inputs_finish(text: str) -> None:
    # no timing assertion (CI machines vary); pytest-timeout guards against a hang
    run_recognizers(text)
    find_addresses(text)


def test_context_raises_score() -> None:
    plain = next(s for s in run_recognizers("4111 1111 1111 1111") if s.label == "CREDIT_CARD")
    ctx = next(s for s in run_recognizers("my visa card 4111 1111 1111 1111") if s.label == "CREDIT_CARD")
    assert ctx.score > plain.score
    assert "card" in ctx.context
