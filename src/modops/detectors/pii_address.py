"""STREET_ADDRESS: rule-based street-address finder (presidio has none).

Covers the common shapes:

* English: ``<number> [<direction>] <name words> <suffix> [<direction>]`` with an optional unit
  (``Apt 4B``, ``Suite 200``, ``Unit 3``, ``#12``, ``Flat 2``) before or after, an optional
  ``PO Box``, and an optional tail on the same or the next line(s):
  ``City, ST 12345`` / ``City ST 12345-6789`` / a UK postcode / a Canadian postal code.
* Continental: ``<name>straße|weg|gasse|platz|ring <number>`` and ``<number>, rue|avenue|boulevard
  <name>`` followed by an optional ``<5-digit zip> <City>``.

All quantifiers are bounded and every branch needs a concrete anchor (a house number followed by
a capitalised word), so runs of digits or punctuation cannot make the engine backtrack far.
"""

from __future__ import annotations

import re

from modops.detectors.pii_recognizers import Span, context_words, has_digits

_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|"
    "circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|crescent|cres|close|row|walk|alley|aly|"
    "plaza|plz|loop|path|pike|run|point|pt|ridge|rdg|view|vw|park|grove|gardens|gdns|hill|hills|heights|"
    "hts|mews|green|oval|port|ports|prairie|pr|plains|pines|pass|passage|valley|vly|village|vlg|ville|"
    "vista|vis|well|wells|burg|burgs|bypass|byp|camp|canyon|cape|causeway|center|centre|ctr|club|common|"
    "commons|corner|corners|cove|coves|creek|crossing|xing|crossroad|curve|dale|dam|divide|estate|estates|"
    "expressway|expy|extension|ext|falls|ferry|field|fields|flat|flats|ford|fords|forest|forge|forges|fork|"
    "forks|fort|freeway|fwy|garden|gateway|glen|glens|harbor|harbour|haven|island|islands|isle|junction|"
    "jct|key|keys|knoll|knolls|lake|lakes|landing|light|lights|lock|locks|lodge|manor|manors|meadow|"
    "meadows|mill|mills|mission|motorway|mount|mountain|mountains|neck|orchard|overpass|parks|radial|"
    "ramp|ranch|rapid|rapids|rest|route|rte|shoal|shoals|shore|shores|skyway|spring|springs|spur|spurs|"
    "station|stravenue|stream|summit|throughway|trace|track|trafficway|tunnel|turnpike|underpass|union|"
    "unions|viaduct|views|villages|villas|wall|ways|arcade|drives|streets|roads|lanes|courts|"
    "embankment|parade|promenade|quay|wharf|rise|approach|broadway|esplanade|wynd|crest|gate|glade|grange|"
    "nook|retreat|reach|strand|vale|circuit|chase|brow|river|riv|shoal|flats|green|meadow|mall|row"
)
_DIRECTION = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West|Northeast|Northwest|Southeast|Southwest)\.?"
_UNIT = (
    r"(?:(?:Apt|Apartment|Suite|Ste|Unit|Flat|Studio|Room|Rm|Floor|Fl|Bldg|Building|Apt\.|Ste\.)\.?\s{0,2}#?\s{0,2}"
    r"[A-Za-z0-9]{1,5}|#\s{0,2}[A-Za-z0-9]{1,5})"
)
_WORD = (
    r"(?:[A-Z][a-zà-ÿ'’\-]{1,24}|\d{1,3}(?:st|nd|rd|th)|[A-Z]{2,10}|O'[A-Z][a-z]{1,20}|Mc[A-Z][a-z]{1,20})"
)
_CITY = r"[A-Z][A-Za-zà-ÿ'’\-\.]{1,30}(?:[ \-][A-Z][A-Za-zà-ÿ'’\-\.]{1,30}){0,3}"
_STATE = (
    r"(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]|T[NX]|"
    r"UT|V[TA]|W[AVIY]|AS|GU|MP|PR|VI|AA|AE|AP|"
    r"ON|QC|NS|NB|MB|BC|PE|SK|AB|NL|NT|YT|NU|NSW|VIC|QLD|ACT|TAS|WA|SA|NT)"
)
_ZIP = r"(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{4})"
_SEP = r"(?:,\s{0,2}|\s{0,2}\n\s{0,2}|\s{1,2})"
_TAIL = (
    r"(?:"
    + _SEP
    + r"(?:"
    + _UNIT
    + _SEP
    + r")?"
    + _CITY
    + r"(?:,\s{0,2}|\s{1,2})"
    + _STATE
    + r"\.?(?:,?\s{1,2}"
    + _ZIP
    + r")?"
    r"|"
    + _SEP
    + _CITY
    + r"(?:,\s{0,2}|\s{0,2}\n\s{0,2})"
    + _ZIP
    + r"|"
    + _SEP
    + _CITY
    + r"\s{1,2}(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{5}(?:-\d{4})?)(?![\w])"
    + r"|\s{0,2}\n\s{0,2}"
    + _CITY
    + r")"
)

_EN_ADDRESS = re.compile(
    r"(?<![\w\-/.])(?:(?:" + _UNIT + r"),?\s{1,2}|" + _UNIT + r"\s{0,2}\n\s{0,2})?"
    r"\d{1,6}[A-Za-z]?(?:-\d{1,4})?,?\s{1,2}(?:" + _DIRECTION + r"\s{1,2})?"
    r"(?:" + _WORD + r"\s{1,2}){0,3}" + _WORD + r"\s{1,2}(?i:" + _SUFFIXES + r")\b\.?"
    r"(?:\s{1,2}" + _DIRECTION + r"(?![a-z]))?"
    r"(?:,?\s{1,2}" + _UNIT + r")?"
    r"(?:" + _TAIL + r")?",
)
_UNIT_FIRST = re.compile(
    r"(?<![\w\-/.])"
    + _UNIT
    + r",?\s{0,2}\n?\s{0,2}(?:"
    + _WORD
    + r"\s{1,2}){0,3}"
    + _WORD
    + r"\s{1,2}(?i:"
    + _SUFFIXES
    + r")\b\.?(?:"
    + _TAIL
    + r")?"
    + r"(?:\s{0,2}\n\s{0,2}"
    + _ZIP
    + r"(?![\w]))?",
)
_PO_BOX = re.compile(
    r"(?<![\w])(?:P\.?\s?O\.?\s?Box|Post Office Box)\s{1,2}\d{1,6}(?:" + _TAIL + r")?",
    re.IGNORECASE,
)
_DE_ADDRESS = re.compile(
    r"(?<![\w\-])[A-ZÄÖÜ][\wäöüß\-]{1,40}(?i:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|steig|"
    r"chaussee|pfad|markt|gracht|laan|singel|kade|straat|plein)\s{1,2}\d{1,5}[a-z]?"
    r"(?:(?:,\s{0,2}|\s{0,2}\n\s{0,2})\d{4,5}(?:\s?[A-Z]{2})?\s{1,2}" + _CITY + r")?",
)
_FR_ADDRESS = re.compile(
    r"(?<![\w\-])\d{1,5}(?:\s?(?:bis|ter))?,?\s{1,2}(?:rue|avenue|av\.|boulevard|bd|chemin|place|impasse|allée|"
    r"allee|quai|route|cours|passage|square|calle|avenida|plaza|paseo|via|viale|piazza|corso|largo|vicolo|"
    r"borgo|contrada)\s{1,2}(?:(?:de|du|des|la|le|les|d'|del|della|di|l')\s{0,2})?(?:[A-Za-zÀ-ÿ'’\-]{1,24}\s{1,2}){0,4}"
    r"[A-ZÀ-Ý][A-Za-zÀ-ÿ'’\-]{1,24}"
    r"(?:(?:,\s{0,2}|\s{0,2}\n\s{0,2})\d{5}\s{1,2}" + _CITY + r")?",
)
_ES_IT_ADDRESS = re.compile(
    r"(?<![\w\-])(?:Calle|Avenida|Plaza|Paseo|Camino|Ronda|Via|Viale|Piazza|Corso|Largo|Vicolo|Borgo|"
    r"Contrada|Rue|Avenue|Boulevard)\s{1,2}(?:(?:de|del|de la|della|di|dei|degli)\s{1,2})?"
    r"(?:[A-ZÀ-Ý][A-Za-zÀ-ÿ'’\-]{1,24}\s{1,2}){0,3}[A-ZÀ-Ý][A-Za-zÀ-ÿ'’\-]{1,24},?\s{1,2}\d{1,4}"
    r"(?:\s{1,2}(?:Piso|Puerta|Apartamento|Appartamento|Interno|Piano)\s{1,2}\d{1,3})?"
    r"(?:\s{0,2}(?:,\s{0,2}|\n\s{0,2})(?:\d{5},?\s{1,2}" + _CITY + r"|" + _CITY + r",?\s{1,2}\d{5}))?",
)

ADDRESS_CTX = (
    "live",
    "lives",
    "living",
    "address",
    "moved",
    "ship",
    "shipping",
    "mail",
    "send",
    "home",
    "located",
    "at",
)

# (name, pattern, base score, whether a match always holds a digit: a cheap exact prefilter)
_ADDRESS_PATTERNS = (
    ("street_address_en", _EN_ADDRESS, 0.7, True),
    ("street_address_unit", _UNIT_FIRST, 0.6, False),
    ("street_address_pobox", _PO_BOX, 0.7, True),
    ("street_address_de_nl", _DE_ADDRESS, 0.65, True),
    ("street_address_fr", _FR_ADDRESS, 0.65, True),
    ("street_address_es_it", _ES_IT_ADDRESS, 0.6, True),
)


def find_addresses(text: str, lowered: str | None = None) -> list[Span]:
    """STREET_ADDRESS spans. A match with a city/state/zip tail scores higher than a bare street."""
    lowered = text.lower() if lowered is None else lowered
    has_digit = has_digits(text)
    out: list[Span] = []
    for name, pattern, base, needs_digit in _ADDRESS_PATTERNS:
        if needs_digit and not has_digit:
            continue
        for m in pattern.finditer(text):
            start, end = m.span()
            value = text[start:end].rstrip(" ,\n")
            end = start + len(value)
            if len(value) < 8:
                continue
            has_tail = "\n" in value or bool(re.search(r"\d{4,5}(?:-\d{4})?$|[A-Z]{2}$|\d[A-Z]{2}$", value))
            ctx = context_words(lowered, start, end, ADDRESS_CTX)
            score = base + (0.15 if has_tail else 0.0) + (0.1 if ctx else 0.0)
            out.append(
                Span(
                    "STREET_ADDRESS",
                    start,
                    end,
                    min(score, 0.99),
                    name,
                    "address:with_locality" if has_tail else "address:street",
                    ctx,
                )
            )
    return out
