"""Synthetic PII injection: diverse Faker PII placed in carrier text through templates, exact spans.

Two carriers:

* ``blog``: real 2004 blog posts (``blog_authorship_sample``, licence NC / research). Used for
  evaluation and to reproduce the original system's setup. Sentences in which the current
  detector (recognizers + spaCy) already finds an entity (a name, an e-mail, ...) are DROPPED
  (not labelled), so every carrier is PII-free as far as the current detector can tell; places
  (LOCATION) are kept, unlabelled, because a city alone identifies nobody.
* ``faker``: carrier sentences generated here from Faker word lists and neutral templates
  (licence-clean). The shipped token classifier is trained on this carrier only.

Each row: ``text``, ``entities`` (JSON list of ``{label, start, end, value}``; ``text[start:end]
== value`` always), ``contains_pii`` (0/1), ``label`` (same, for QC/stratification), ``group``
(blogger id or synthetic group), ``n_hard_negatives``, ``locales``, ``carrier``.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from modops.errors import DataError

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_IN", "en_CA", "en_AU")
BLOG_REL = "blog_authorship_sample/blog_posts_sample.csv"

# ------------------------------------------------------------------------------------- value makers


@dataclass
class Ctx:
    rng: random.Random
    fakers: dict[str, Any]
    locale: str = "en_US"

    @property
    def f(self) -> Any:
        return self.fakers[self.locale]


def _b58(n: int) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return out


def btc_address(rng: random.Random) -> str:
    import hashlib

    payload = bytes([0]) + bytes(rng.getrandbits(8) for _ in range(20))
    check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    raw = payload + check
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + _b58(int.from_bytes(raw, "big"))


def person(c: Ctx) -> str:
    r = c.rng.random()
    if r < 0.55:
        return str(c.f.name())
    if r < 0.85:
        return f"{c.f.first_name()} {c.f.last_name()}"
    if r < 0.93:
        return f"{c.f.first_name()} {c.rng.choice(string.ascii_uppercase)}. {c.f.last_name()}"
    return str(c.f.last_name() + ", " + c.f.first_name())


def email(c: Ctx) -> str:
    r = c.rng.random()
    if r < 0.45:
        return str(c.f.email())
    first, last = c.f.first_name().lower(), c.f.last_name().lower()
    first = re.sub(r"[^a-z]", "", first) or "jo"
    last = re.sub(r"[^a-z]", "", last) or "doe"
    dom = c.rng.choice(
        ["gmail.com", "yahoo.com", "hotmail.co.uk", "outlook.com", "web.de", "proton.me", "aol.com"]
    )
    if r < 0.75:
        return f"{first}{c.rng.choice(['.', '_', ''])}{last}{c.rng.choice(['', str(c.rng.randint(1, 99))])}@{dom}"
    name, tld = dom.split(".", 1)
    at = c.rng.choice([" at ", " [at] ", " (at) ", " AT "])
    dot = c.rng.choice([" dot ", " [dot] ", " (dot) ", " DOT "])
    return f"{first}{dot}{last}{at}{name}{dot}{tld.replace('.', dot)}"


def phone(c: Ctx) -> str:
    r = c.rng.random()
    if r < 0.5:
        return str(c.f.phone_number())
    a, b, d = c.rng.randint(201, 989), c.rng.randint(200, 999), c.rng.randint(0, 9999)
    styles = [
        f"({a}) {b}-{d:04d}", f"{a}-{b}-{d:04d}", f"{a}.{b}.{d:04d}", f"+1 {a} {b} {d:04d}",
        f"+1-{a}-{b}-{d:04d}", f"1 ({a}) {b} {d:04d}", f"+44 20 {c.rng.randint(7000, 8999)} {d:04d}",
        f"+49 30 {c.rng.randint(100000, 999999)}", f"+33 6 {c.rng.randint(10, 99)} {c.rng.randint(10, 99)} "
        f"{c.rng.randint(10, 99)} {c.rng.randint(10, 99)}", f"07{c.rng.randint(100, 999)} {c.rng.randint(100000, 999999)}",
    ]  # fmt: skip
    return c.rng.choice(styles)


def ssn(c: Ctx) -> str:
    s = str(c.fakers["en_US"].ssn())
    r = c.rng.random()
    return s if r < 0.7 else (s.replace("-", " ") if r < 0.85 else s.replace("-", ""))


def card(c: Ctx) -> str:
    kind = c.rng.choice(["visa16", "mastercard", "amex", "discover", "visa16"])
    num = str(c.fakers["en_US"].credit_card_number(card_type=kind))
    sep = c.rng.choice(["", " ", "-", " "])
    if not sep:
        return num
    if len(num) == 15:
        return sep.join([num[:4], num[4:10], num[10:]])
    return sep.join(num[i : i + 4] for i in range(0, len(num), 4))


def iban(c: Ctx) -> str:
    loc = c.rng.choice(["de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_GB"])
    v = str(c.fakers[loc].iban())
    return v if c.rng.random() < 0.5 else " ".join(v[i : i + 4] for i in range(0, len(v), 4))


def ip(c: Ctx) -> str:
    f = c.fakers["en_US"]
    r = c.rng.random()
    return str(f.ipv4_public() if r < 0.5 else f.ipv4_private() if r < 0.7 else f.ipv6())


def url(c: Ctx) -> str:
    first = re.sub(r"[^a-z]", "", c.f.first_name().lower()) or "jo"
    last = re.sub(r"[^a-z]", "", c.f.last_name().lower()) or "doe"
    return c.rng.choice(
        [
            f"https://www.linkedin.com/in/{first}-{last}-{c.rng.randint(10, 999)}",
            f"https://{first}{last}.github.io",
            f"http://www.{last}-family.net/~{first}",
            f"https://twitter.com/{first}_{last}",
            f"https://www.facebook.com/{first}.{last}",
            f"www.{first}{last}.com/about",
        ]
    )


def dob(c: Ctx) -> str:
    d = c.fakers["en_US"].date_of_birth(minimum_age=16, maximum_age=90)
    fmts = ["%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d", "%B %d, %Y", "%d %B %Y", "%d.%m.%Y", "%b %d, %Y", "%m-%d-%Y"]
    return str(d.strftime(c.rng.choice(fmts)))


def crypto(c: Ctx) -> str:
    if c.rng.random() < 0.6:
        return btc_address(c.rng)
    return "0x" + "".join(c.rng.choice("0123456789abcdefABCDEF") for _ in range(40))


def passport(c: Ctx) -> str:
    if c.rng.random() < 0.5:
        return str(c.rng.randint(100000000, 999999999))
    return c.rng.choice(string.ascii_uppercase) + str(c.rng.randint(10000000, 99999999))


def driver_license(c: Ctx) -> str:
    L = string.ascii_uppercase
    return c.rng.choice(
        [
            c.rng.choice(L) + str(c.rng.randint(1000000, 9999999)),
            c.rng.choice(L) + str(c.rng.randint(100000000000, 999999999999)),
            f"{c.rng.choice(L)}{c.rng.randint(100, 999)}-{c.rng.randint(100, 999)}-{c.rng.randint(100, 999)}-{c.rng.randint(100, 999)}",
            str(c.rng.randint(10000000, 999999999)),
        ]
    )


def address(c: Ctx) -> str:
    r = c.rng.random()
    f = c.f
    if r < 0.45:
        return str(f.address())  # multi-line, locale format
    if c.locale in ("en_US", "en_CA") or r < 0.7:
        us = c.fakers["en_US"]
        street = str(us.street_address())
        tail = f"{us.city()}, {us.state_abbr()} {us.zipcode()}"
        return c.rng.choice([f"{street}, {tail}", f"{street}\n{tail}", street, f"{street} {tail}"])
    return str(f.street_address())


MAKERS: dict[str, Callable[[Ctx], str]] = {
    "PERSON": person,
    "EMAIL_ADDRESS": email,
    "PHONE_NUMBER": phone,
    "US_SSN": ssn,
    "CREDIT_CARD": card,
    "IBAN_CODE": iban,
    "IP_ADDRESS": ip,
    "URL": url,
    "DATE_OF_BIRTH": dob,
    "CRYPTO": crypto,
    "US_PASSPORT": passport,
    "US_DRIVER_LICENSE": driver_license,
    "STREET_ADDRESS": address,
}
TYPE_WEIGHTS = {
    "PERSON": 4, "EMAIL_ADDRESS": 3, "PHONE_NUMBER": 3, "STREET_ADDRESS": 3, "US_SSN": 1.5, "CREDIT_CARD": 1.5,
    "IBAN_CODE": 1, "IP_ADDRESS": 1, "URL": 1, "DATE_OF_BIRTH": 1.5, "CRYPTO": 0.7, "US_PASSPORT": 0.7,
    "US_DRIVER_LICENSE": 0.7,
}  # fmt: skip

# ---------------------------------------------------------------------------------------- templates
# {X} is replaced by a value of entity X; {PERSON2} is a second person. Templates say things the
# way people write them in posts and messages: natural context words, some without any.
TEMPLATES: dict[str, list[str]] = {
    "PERSON": [
        "I had lunch with {PERSON} today and we talked for hours.",
        "{PERSON} said the party is still on for Saturday.",
        "Shout out to {PERSON} for helping me move!",
        "My new roommate, {PERSON}, is from out of town.",
        "Ran into {PERSON} at the mall, haven't seen them in years.",
        "anyway {PERSON} and {PERSON2} are coming over later",
        "Happy birthday to my best friend {PERSON}!!",
        "The teacher, Mr. {PERSON}, gave us way too much homework.",
    ],
    "EMAIL_ADDRESS": [
        "You can email me at {EMAIL_ADDRESS} if you want the pictures.",
        "my email is {EMAIL_ADDRESS}",
        "Contact: {EMAIL_ADDRESS}",
        "Send your stories to {EMAIL_ADDRESS} and I'll post them.",
        "{PERSON} gave me her address, {EMAIL_ADDRESS}, so I'll write tonight.",
        "drop me a line ({EMAIL_ADDRESS})",
    ],
    "PHONE_NUMBER": [
        "Call me at {PHONE_NUMBER} when you get this.",
        "My new cell number is {PHONE_NUMBER}.",
        "text {PERSON} on {PHONE_NUMBER} about the tickets",
        "Phone: {PHONE_NUMBER}",
        "If anyone wants to buy my old guitar, ring {PHONE_NUMBER}.",
        "reach me on {PHONE_NUMBER} after 6pm",
    ],
    "US_SSN": [
        "I had to write my SSN ({US_SSN}) on like five forms today.",
        "Social security number: {US_SSN}",
        "the form asked for my social security # {US_SSN} again",
    ],
    "CREDIT_CARD": [
        "I paid with my card {CREDIT_CARD} and it still got declined.",
        "Visa {CREDIT_CARD} exp 09/27",
        "ok the credit card number is {CREDIT_CARD}, don't lose it",
        "charged to card ending... actually the full number is {CREDIT_CARD}",
    ],
    "IBAN_CODE": [
        "Wire the rent to IBAN {IBAN_CODE} by Friday.",
        "my bank account is {IBAN_CODE} if you want to pay me back",
        "Transfer to: {IBAN_CODE}",
    ],
    "IP_ADDRESS": [
        "The server at {IP_ADDRESS} keeps dropping my connection.",
        "someone logged into my account from {IP_ADDRESS}",
        "my IP is {IP_ADDRESS} lol",
    ],
    "URL": [
        "Check out my profile at {URL}",
        "My new blog lives at {URL} now.",
        "add me: {URL}",
    ],
    "DATE_OF_BIRTH": [
        "I was born on {DATE_OF_BIRTH} so I'm older than you.",
        "DOB: {DATE_OF_BIRTH}",
        "my birthday is {DATE_OF_BIRTH}, don't forget!",
        "{PERSON} (born {DATE_OF_BIRTH}) is my cousin.",
        "date of birth {DATE_OF_BIRTH}",
    ],
    "CRYPTO": [
        "Tips welcome: BTC {CRYPTO}",
        "send the bitcoin to {CRYPTO} please",
        "my wallet address is {CRYPTO}",
    ],
    "US_PASSPORT": [
        "My passport number is {US_PASSPORT}, renewing it next month.",
        "passport no. {US_PASSPORT}",
    ],
    "US_DRIVER_LICENSE": [
        "The cop wrote down my driver's license number, {US_DRIVER_LICENSE}.",
        "DL# {US_DRIVER_LICENSE}",
        "driver license: {US_DRIVER_LICENSE}",
    ],
    "STREET_ADDRESS": [
        "We finally moved to {STREET_ADDRESS}, come visit!",
        "Send the package to {STREET_ADDRESS}.",
        "My address is:\n{STREET_ADDRESS}",
        "{PERSON} lives at {STREET_ADDRESS} now.",
        "party at my place, {STREET_ADDRESS}, bring snacks",
    ],
}


# Hard negatives: things that look like PII but are not (labelled O everywhere).
def _luhn_fail_card(rng: random.Random, fake: Any) -> str:
    from modops.detectors.pii_recognizers import luhn_ok

    num = str(fake.credit_card_number(card_type="visa16"))
    last = int(num[-1])
    while True:
        last = (last + rng.randint(1, 9)) % 10
        cand = num[:-1] + str(last)
        if not luhn_ok(cand):
            return " ".join(cand[i : i + 4] for i in range(0, 16, 4))


def hard_negative(rng: random.Random, fake: Any) -> str:
    isbn = f"978-{rng.randint(0, 1)}-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-{rng.randint(0, 9)}"
    choices = [
        f"My order #{rng.randint(100000, 9999999)} still hasn't shipped.",
        f"Order number {rng.randint(100, 999)}-{rng.randint(1000000, 9999999)} was cancelled.",
        f"The ISBN is {isbn}, look it up.",
        f"Finally updated to version {rng.randint(1, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 99)} and it crashes.",
        f"Posted at {fake.date_time_this_decade().strftime('%Y-%m-%d %H:%M:%S')}",
        f"if x = {rng.randint(2, 99)} then 3x + {rng.randint(1, 9)} = {rng.randint(10, 400)}, right?",
        f"It cost ${rng.randint(1, 9)},{rng.randint(100, 999)}.{rng.randint(10, 99)} which is insane.",
        f"The card 4{_luhn_fail_card(rng, fake)[1:]} in the ad is obviously fake.",
        f"Tracking number 1Z{rng.randint(100000, 999999)}{rng.randint(10000000, 99999999)}",
        f"Room {rng.randint(100, 999)}, building {rng.randint(1, 30)}, floor {rng.randint(1, 9)}.",
        f"I ran {rng.randint(2, 26)}.{rng.randint(1, 9)} miles in {rng.randint(20, 59)}:{rng.randint(10, 59)} today.",
        f"The score was {rng.randint(50, 130)}-{rng.randint(50, 130)} in overtime.",
        f"Flight UA{rng.randint(100, 9999)} leaves at {rng.randint(1, 12)}:{rng.randint(10, 59)} from gate B{rng.randint(1, 40)}.",
        f"{rng.randint(1000, 99999)} people showed up, up from {rng.randint(100, 999)} last year.",
        f"Part no. {rng.choice(string.ascii_uppercase)}{rng.randint(1000000, 9999999)} is back-ordered.",
        f"The year {rng.randint(1900, 2004)} was a good one for music.",
        f"Call of Duty {rng.randint(2, 4)} comes out on {fake.month_name()} {rng.randint(1, 28)}.",
    ]
    return rng.choice(choices)


_NEUTRAL = [
    "Today was a long day at work.", "I can't believe how fast this week went.", "The weather finally cleared up.",
    "We watched a movie and ordered pizza.", "Class was cancelled again, so I slept in.",
    "I really need to start going to the gym.", "My mom called about the holidays.",
    "The new album is better than I expected.", "Traffic was terrible on the way home.",
    "I think I'll go to bed early tonight.", "Nothing much happened, honestly.",
    "Exams start next week and I'm not ready at all.", "The coffee shop on the corner closed down.",
]  # fmt: skip


def faker_carrier(rng: random.Random, fake_en: Any, fake: Any) -> list[str]:
    """Licence-clean carrier sentences: neutral templates + Faker word-list sentences + places."""
    sents: list[str] = []
    for _ in range(rng.randint(2, 6)):
        r = rng.random()
        if r < 0.4:
            sents.append(rng.choice(_NEUTRAL))
        elif r < 0.8:
            sents.append(str(fake_en.sentence(nb_words=rng.randint(5, 16))))
        elif r < 0.9:
            sents.append(f"We drove up to {fake.city()} over the weekend.")
        else:
            sents.append(f"{fake.company()} announced a new {fake.word()} today.")
    return sents


_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Za-z\"'(])")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_SPLIT.split(text) if s.strip()]


# ------------------------------------------------------------------------------------- composition


@dataclass
class Doc:
    parts: list[tuple[str, str | None]] = field(default_factory=list)  # (text, label or None)

    def add(self, text: str, label: str | None = None) -> None:
        self.parts.append((text, label))

    def render(self) -> tuple[str, list[dict[str, Any]]]:
        out: list[str] = []
        ents: list[dict[str, Any]] = []
        pos = 0
        for text, label in self.parts:
            if label is not None:
                ents.append({"label": label, "start": pos, "end": pos + len(text), "value": text})
            out.append(text)
            pos += len(text)
        return "".join(out), ents


def fill_template(template: str, c: Ctx, doc: Doc) -> None:
    """Append ``template`` with each ``{LABEL}`` filled by a fresh value, recording spans."""
    for piece in re.split(r"(\{[A-Z_0-9]+\})", template):
        if piece.startswith("{") and piece.endswith("}"):
            label = piece[1:-1].rstrip("2")
            doc.add(MAKERS[label](c), label)
        elif piece:
            doc.add(piece)


def pii_sentence(c: Ctx, label: str, doc: Doc) -> None:
    fill_template(c.rng.choice(TEMPLATES[label]), c, doc)


def compose(
    carrier: Sequence[str], c: Ctx, n_pii: int, n_hard: int, fake_en: Any, max_chars: int = 900
) -> tuple[str, list[dict[str, Any]]]:
    """Interleave carrier sentences with ``n_pii`` PII sentences and ``n_hard`` hard negatives."""
    sents = list(carrier)
    # keep the carrier short enough for the tagger's window and fast evaluation
    kept: list[str] = []
    total = 0
    for s in sents:
        if total + len(s) > max_chars and kept:
            break
        kept.append(s)
        total += len(s) + 1
    labels = list(TYPE_WEIGHTS)
    weights = [TYPE_WEIGHTS[k] for k in labels]
    inserts: list[tuple[str, str | None]] = [("pii", c.rng.choices(labels, weights)[0]) for _ in range(n_pii)]
    inserts += [("hard", None) for _ in range(n_hard)]
    slots = sorted(c.rng.randint(0, len(kept)) for _ in inserts)
    c.rng.shuffle(inserts)
    doc = Doc()
    ins_i = 0
    for pos in range(len(kept) + 1):
        while ins_i < len(slots) and slots[ins_i] == pos:
            kind, label = inserts[ins_i]
            if doc.parts:
                doc.add(" " if c.rng.random() < 0.85 else "\n")
            c.locale = c.rng.choice(LOCALES)
            if kind == "pii" and label is not None:
                pii_sentence(c, label, doc)
            else:
                doc.add(hard_negative(c.rng, fake_en))
            ins_i += 1
        if pos < len(kept):
            if doc.parts:
                doc.add(" ")
            doc.add(kept[pos])
    return doc.render()


# -------------------------------------------------------------------------------------- carriers


def load_blog_posts(data_dir: Path | None = None) -> pd.DataFrame:
    """The blog sample via the dataset loader: ``group`` (blogger id) and ``text``."""
    from modops.data.loaders import load

    df = load("blog_authorship", data_dir=data_dir).frame
    df = df.dropna(subset=["text"])
    df = df[df["text"].astype(str).str.strip() != ""]
    return pd.DataFrame({"group": df["group"].astype(str), "text": df["text"].astype(str)}).reset_index(
        drop=True
    )


def clean_carriers(
    texts: Sequence[str], detector: Any | None, batch: int = 64, max_chars: int | None = None
) -> tuple[list[list[str]], int]:
    """Split into sentences; drop sentences where ``detector`` finds any non-LOCATION entity.

    With ``max_chars`` only the leading sentences that ``compose`` can use are kept (and vetted).
    """
    sentence_lists = [split_sentences(" ".join(t.split())) for t in texts]
    if max_chars is not None:
        budget = max_chars * 2  # slack: dropped sentences free room for later ones
        trimmed = []
        for sents in sentence_lists:
            keep: list[str] = []
            total = 0
            for s in sents:
                if total > budget:
                    break
                keep.append(s)
                total += len(s) + 1
            trimmed.append(keep)
        sentence_lists = trimmed
    if detector is None:
        return sentence_lists, 0
    flat = [(i, s) for i, sents in enumerate(sentence_lists) for s in sents]
    drop: set[int] = set()
    for b in range(0, len(flat), batch):
        chunk = flat[b : b + batch]
        res = detector.analyze([s for _, s in chunk])
        for k, findings in enumerate(res):
            if any(f.start is not None and f.label != "LOCATION" for f in findings):
                drop.add(b + k)
    out: list[list[str]] = [[] for _ in texts]
    for k, (i, s) in enumerate(flat):
        if k not in drop:
            out[i].append(s)
    return out, len(drop)


# --------------------------------------------------------------------------------------- generator


@dataclass
class SynthConfig:
    n_docs: int = 1000
    carrier: str = "blog"  # blog | faker
    pii_fraction: float = 0.5
    hard_negative_fraction: float = 0.4
    max_pii_per_doc: int = 3
    max_chars: int = 900
    seed: int = 0
    drop_detected_names: bool = True

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def generate(
    cfg: SynthConfig, data_dir: Path | None = None, detector: Any | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Build the PII dataset. Returns ``(frame, stats)``; ``frame`` has the columns in the module doc."""
    from faker import Faker

    if cfg.carrier not in ("blog", "faker"):
        raise DataError(f"unknown carrier {cfg.carrier!r} (blog or faker)")
    if cfg.n_docs <= 0:
        raise DataError("n_docs must be positive")
    rng = random.Random(cfg.seed)
    fakers = {}
    for i, loc in enumerate(LOCALES):
        fk = Faker(loc)
        fk.seed_instance(cfg.seed * 1000 + i)
        fakers[loc] = fk
    c = Ctx(rng, fakers)
    fake_en = fakers["en_US"]
    stats: dict[str, Any] = {"carrier": cfg.carrier}
    if cfg.carrier == "blog":
        posts = load_blog_posts(data_dir)
        posts = posts.sample(n=min(cfg.n_docs, len(posts)), random_state=cfg.seed).reset_index(drop=True)
        if len(posts) < cfg.n_docs:
            # more docs than posts: reuse posts (same blogger group, so no split leakage)
            extra = posts.sample(n=cfg.n_docs - len(posts), replace=True, random_state=cfg.seed + 1)
            posts = pd.concat([posts, extra], ignore_index=True)
        carriers, dropped = clean_carriers(
            posts["text"].tolist(), detector if cfg.drop_detected_names else None, max_chars=cfg.max_chars
        )
        stats["carrier_sentences_dropped"] = dropped
        stats["carrier_sentences_kept"] = sum(len(s) for s in carriers)
        groups = posts["group"].tolist()
    else:
        carriers = [faker_carrier(rng, fake_en, fakers[rng.choice(LOCALES)]) for _ in range(cfg.n_docs)]
        groups = [f"synth-{i // 5}" for i in range(cfg.n_docs)]
    rows = []
    n_pos = round(cfg.n_docs * cfg.pii_fraction)
    flags = [1] * n_pos + [0] * (cfg.n_docs - n_pos)
    rng.shuffle(flags)
    for i in range(cfg.n_docs):
        sents = carriers[i] or [rng.choice(_NEUTRAL)]
        n_pii = rng.randint(1, cfg.max_pii_per_doc) if flags[i] else 0
        n_hard = rng.randint(1, 2) if rng.random() < cfg.hard_negative_fraction else 0
        text, ents = compose(sents, c, n_pii, n_hard, fake_en, cfg.max_chars)
        for e in ents:
            assert text[e["start"] : e["end"]] == e["value"]
        rows.append(
            {
                "id": f"pii-{cfg.carrier}-{cfg.seed}-{i:05d}",
                "text": text,
                "entities": json.dumps(ents, ensure_ascii=False),
                "contains_pii": int(bool(ents)),
                "label": int(bool(ents)),
                "group": str(groups[i]),
                "n_entities": len(ents),
                "n_hard_negatives": n_hard,
                "carrier": cfg.carrier,
            }
        )
    df = pd.DataFrame(rows)
    counts: dict[str, int] = {}
    for ents_json in df["entities"]:
        for e in json.loads(ents_json):
            counts[e["label"]] = counts.get(e["label"], 0) + 1
    stats["entity_counts"] = dict(sorted(counts.items()))
    stats["docs"] = len(df)
    stats["positive_docs"] = int(df["contains_pii"].sum())
    return df, stats


def entities_of(row_entities: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return json.loads(row_entities) if isinstance(row_entities, str) else list(row_entities)


def dataset_card(cfg: SynthConfig, stats: dict[str, Any], qc_summary: str | None = None) -> str:
    """Markdown card for a generated PII dataset."""
    lines = [
        f"# PII injection dataset ({cfg.carrier} carrier)",
        "",
        "Synthetic PII (Faker, locales " + ", ".join(LOCALES) + ") injected into carrier text through "
        f"{sum(len(v) for v in TEMPLATES.values())} templates at sentence boundaries, with exact character spans "
        "(`text[start:end] == value`, asserted at generation).",
        "",
        "## Carrier and licence",
    ]
    if cfg.carrier == "blog":
        lines += [
            "- Carrier: `blog_authorship_sample` (Blog Authorship Corpus sample, 2004). **Licence: NC (research "
            "only).** Use this dataset for evaluation and research; do not ship a model trained on it.",
            "- Existing names in the carrier: **dropped**. Every carrier sentence in which the current detector "
            "(recognizers + spaCy `en_core_web_sm`) finds an entity other than LOCATION is removed "
            f"({stats.get('carrier_sentences_dropped', 0)} sentences dropped, {stats.get('carrier_sentences_kept', 0)} kept). "
            "Names the detector misses remain unlabelled (a known source of label noise). Places are kept and "
            "unlabelled: LOCATION is not scored in the entity evaluation.",
            "- Split grouped by blogger (`group` = blogger id): no blogger is in two splits.",
        ]
    else:
        lines += [
            "- Carrier: sentences generated from Faker word lists plus neutral templates written for modops. "
            "**Licence-clean** (no third-party text). The shipped token classifier is trained on this carrier.",
            "- Groups: synthetic (5 docs per group) so the grouped split is still exercised.",
        ]
    lines += [
        "",
        "## Contents",
        f"- config: `{json.dumps(cfg.to_dict())}`",
        f"- documents: {stats.get('docs')}, with PII: {stats.get('positive_docs')}",
        f"- entity counts: `{json.dumps(stats.get('entity_counts', {}))}`",
        "- Format variety: spelled-out e-mails (`john dot doe at gmail dot com`), spaced/dashed cards, 10+ phone styles "
        "and locale formats, multi-line addresses, several date formats.",
        "- Hard negatives (labelled as no PII): order numbers, ISBNs, version strings, timestamps, maths, prices, "
        "Luhn-failing card numbers, tracking numbers, flight numbers, scores.",
        "",
        "## Known limitations",
        "- Faker values are plausible but synthetic; real PII is messier (typos, partial numbers).",
        "- Templates are English; only the values are multi-locale.",
        "- The recognizers' rules and the generator were written by the same team: entity scores on this data are "
        "optimistic for rule-based types (street addresses especially).",
    ]
    if qc_summary:
        lines += ["", "## Quality control", qc_summary]
    return "\n".join(lines) + "\n"
