"""Normalise what NER found: prices to {amount, currency}, products to a key you can group by.

Conventions (also in data/listings/README.md):

- A price's **amount** is a float in the currency's unit: `$1,200` → 1200.0, `1.2k` → 1200.0,
  `two hundred bucks` → 200.0, and the spoken `five fifty` → 550.0 (hundreds said first).
  Words around the amount that the guideline leaves outside the PRICE span (`shipped`, `obo`,
  `firm`, `local`, `each`, `ea`) are accepted and ignored, except that `each`/`ea` sets
  `per_item`. Anything else (a range `$400-450`, `free`, `best offer`) is not a price we can
  read: `normalise_price` returns None instead of a guess.
- The **currency** is an ISO 4217 code only when the text or the post says which one. Explicit
  markers (`C$`, `A$`, `£`, `€`, `EUR`, `quid`, `PLN`, `$300 CAD`) decide it. A bare `$`,
  `bucks` or `dollars` names *some* dollar: it becomes the currency of the post's location tag
  (`[USA-TX]` → USD, `[CAN-ON]` → CAD, `[AUS]` → AUD) when the caller passes one, and stays
  None otherwise. A number with no marker at all (`450 shipped`) has currency None.
- A product's **key** is its text in lower case, with separators and spacing normalised
  (`RTX3080`, `rtx  3080` → `rtx 3080`) and leading chip-maker and board-partner names dropped
  (`Nvidia GeForce RTX 3080`, `EVGA RTX 3080` → `rtx 3080 …`), so that posts about the same
  product group together. Its **family** (GPU, CPU, …) comes from a short keyword list and is
  "other" when no keyword matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Price", "dollar_currency", "normalise_price", "product_family", "product_key"]


@dataclass(frozen=True)
class Price:
    """A price read from text.

    amount (float): in the currency's unit. currency (str | None): ISO 4217 code, or None when
    the text does not say. per_item (bool): the text said `each`/`ea`. text (str): the input.
    """

    amount: float
    currency: str | None
    per_item: bool = False
    text: str = ""


# explicit markers: a symbol or word before or after the number -> ISO code
_PREFIX = {
    "c$": "CAD",
    "ca$": "CAD",
    "cad": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "aud": "AUD",
    "us$": "USD",
    "usd": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "€": "EUR",
    "eur": "EUR",
    "pln": "PLN",
    "zł": "PLN",
    "nz$": "NZD",
    "chf": "CHF",
}
_SUFFIX = {
    "cad": "CAD",
    "aud": "AUD",
    "usd": "USD",
    "gbp": "GBP",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "€": "EUR",
    "£": "GBP",
    "quid": "GBP",
    "pounds": "GBP",
    "pound": "GBP",
    "pln": "PLN",
    "zł": "PLN",
    "chf": "CHF",
    "nzd": "NZD",
}
_DOLLAR_WORDS = {"bucks", "buck", "dollars", "dollar"}
_IGNORED = {"shipped", "obo", "firm", "local", "net", "ono", "pp", "paypal", "ff", "g&s", "cash", "or", "best", "offer"}
_EACH = {"each", "ea", "apiece", "/ea", "per"}
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<k>[kK])?"
_PRICE = re.compile(r"^(?P<pre>[A-Za-z]{0,3}\$|£|€|zł|[A-Za-z]{3}\s)?\s*" + _NUMBER + r"\s*(?P<post>[^\d\s]*)$")
# location tag (or its country prefix) -> the dollar a bare `$` means there
_DOLLAR_OF = {"USA": "USD", "US": "USD", "CAN": "CAD", "CA": "CAD", "AUS": "AUD", "AU": "AUD", "NZ": "NZD"}


def dollar_currency(location: str | None) -> str | None:
    """The currency a bare `$` means in a post with this location tag.

    location (str | None): a LOCATION entity such as 'USA-TX', 'CAN-ON' or 'AUS'.
    RETURNS (str | None): USD, CAD, AUD or NZD for a country tag of a dollar country, else None
        (a city name is not read: 'Portland' says nothing the tag does not).
    """
    if not location:
        return None
    return _DOLLAR_OF.get(location.strip().upper().split("-")[0])


_UNITS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}  # fmt: skip
_TENS = {
    w: 10 * i
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2)
}


def _number_words(words: list[str]) -> float | None:
    """'two hundred' → 200, 'thirty five' → 35, and the spoken 'five fifty' → 550; else None."""
    values = []
    for w in words:
        w = w.casefold()
        if w in _UNITS:
            values.append(_UNITS[w])
        elif w in _TENS:
            values.append(_TENS[w])
        elif w == "hundred" and values:
            values[-1] *= 100
        elif w in ("thousand", "grand") and values:
            values = [sum(values) * 1000]
        else:
            return None
    if not values:
        return None
    if len(values) >= 2 and 1 <= values[0] <= 9 and 10 <= values[1] <= 99:
        return float(values[0] * 100 + sum(values[1:]))  # 'five fifty', 'one twenty': hundreds said first
    return float(sum(values))


def normalise_price(text: str, dollar: str | None = None) -> Price | None:
    """Read a price such as `$450`, `C$420`, `120 EUR`, `90 bucks`, `1.2k`, `75 each`, `£80`, `AUD 150`.

    text (str): the PRICE span, optionally with the words the guideline leaves outside it.
    dollar (str | None): what a bare `$`/`bucks` means here (see `dollar_currency`); None keeps
        such a currency unknown.
    RETURNS (Price | None): the amount and currency, or None when the text is not one amount.
    """
    words = text.strip().split()
    per_item = False
    while words and words[-1].casefold().strip(".,!") in _IGNORED | _EACH:
        per_item = per_item or words[-1].casefold().strip(".,!") in _EACH
        words.pop()
    spelled = words[:-1] if words and words[-1].casefold() in {*_SUFFIX, *_DOLLAR_WORDS} else words
    spoken = _number_words(spelled)
    if spoken is not None:  # 'eighty quid', 'two hundred bucks', 'five fifty'
        marker = words[-1].casefold() if len(spelled) < len(words) else ""
        spoken_currency = _SUFFIX.get(marker) or (dollar if marker in _DOLLAR_WORDS else None)
        return Price(spoken, spoken_currency, per_item, text)
    core, post_word = re.sub(r"^(US|CA|AU|NZ|C|A) \$", r"\1$", " ".join(words)), ""  # 'US $119.99'
    if core.endswith("$") and not core.startswith(("$", "£", "€")) and re.fullmatch(r"[\d.,]+\$", core):
        core = "$" + core[:-1]  # '500$': the marker after the number
    if len(words) >= 2 and not re.search(r"\d", words[-1]):
        core, post_word = " ".join(words[:-1]), words[-1].casefold()
    match = _PRICE.match(core)
    if match is None:
        return None
    pre = (match.group("pre") or "").strip().casefold()
    post = (match.group("post") or "").casefold() or post_word
    if match.group("post") and post_word:
        return None  # two markers after the number ('450€ quid'): not one price we can read
    currency: str | None
    if pre in _PREFIX:
        currency = _PREFIX[pre]
    elif pre == "$":
        currency = _SUFFIX.get(post) or dollar  # '$300 CAD' names the dollar; a bare '$' does not
        post = "" if post in _SUFFIX else post
    elif pre:
        return None  # 'xy$' or an unknown three-letter code before the number
    else:
        currency = None
    if post:
        if post in _SUFFIX and pre in ("", "$"):
            currency = _SUFFIX[post]
        elif post in _DOLLAR_WORDS and not pre:
            currency = dollar
        elif post in _EACH:
            per_item = True
        else:
            return None
    amount = float(match.group("num").replace(",", ""))
    if match.group("k"):
        amount *= 1000
    return Price(amount, currency, per_item, text)


# --- products ------------------------------------------------------------------------------------

# chip makers, GPU/board partners and sub-brands that posts add or leave out for the same product
_BRANDS = {
    "nvidia",
    "geforce",
    "amd",
    "radeon",
    "intel",
    "evga",
    "asus",
    "msi",
    "gigabyte",
    "zotac",
    "sapphire",
    "powercolor",
    "xfx",
    "pny",
    "asrock",
    "rog",
    "strix",
    "tuf",
    "aorus",
    "the",
    "a",
    "an",
    "my",
}
_SPLIT = re.compile(r"\b(rtx|gtx|rx|gt)(?=\d)|(?<=\d)(xt|ti|super)\b")  # 'rtx3080', '6800xt'


def product_key(text: str) -> str:
    """A key good enough to group posts about the same product.

    text (str): the PRODUCT span, e.g. 'Nvidia GeForce RTX 3080'.
    RETURNS (str): e.g. 'rtx 3080': lower case, '-'/'_' as spaces, letters and digits split,
        leading brand words dropped (never all words: 'Asus' alone stays 'asus').
    """
    low = text.casefold().replace("-", " ").replace("_", " ")
    words = _SPLIT.sub(lambda m: f"{m.group(1)} " if m.group(1) else f" {m.group(2)}", low).split()
    if words and words[0] == "core" and len(words) > 1 and re.fullmatch(r"i\d", words[1]):
        words = words[1:]  # 'Core i7 12700K' ~ 'i7 12700K'
    while len(words) > 1 and words[0] in _BRANDS:
        words = words[1:]
        if words[0] == "core" and len(words) > 1 and re.fullmatch(r"i\d", words[1]):
            words = words[1:]  # 'Intel Core i7 ...'
    return " ".join(words)


_FAMILIES: tuple[tuple[str, str], ...] = (
    ("GPU", r"\b(rtx|gtx|rx \d{3,4}|\d{4} (xt|ti)|radeon|geforce|quadro|arc a\d)"),
    ("CPU", r"\b(ryzen \d( pro)? \d{4}|i[3579] \d{4,5}|core i\d|xeon|threadripper|\d{4}x3d|\d{4}x\b)"),
    (
        "console",
        r"\b(ps5|ps4|playstation|xbox|switch|steam deck|rog ally|legion go|3ds|vita|retroid|miyoo|"
        r"dualsense|controller|kishi|backbone|quest)",
    ),
    ("monitor", r"\b(monitor|odyssey|27g|24g|32g|aw\d{4}|s\d{4}d|u\d{4}|pg\d{2,3}|m27q|proart|lg c\d|\d{2}\")"),
    ("motherboard", r"\b([abxz]\d{3}[em]?\b|tomahawk|crosshair|pro4|mortar|motherboard|board)"),
    ("RAM", r"\b(ddr\d|ram|vengeance|trident|dominator|fury beast|ballistix|ripjaws)"),
    (
        "storage",
        r"\b(ssd|nvme|hdd|sn\d{3}|9[789]0 (pro|evo)|870 evo|mx500|p[35] plus|t[57]\b|t500|ironwolf|"
        r"wd (red|blue|black)|\d+ ?tb\b|rocket)",
    ),
    (
        "PSU",
        r"\b(psu|rm\d{3,4}|sf\d{3,4}|supernova|focus gx|prime gx|straight power|hx\d{3,4}|ax\d{3,4}|"
        r"rm\d{3}e|\d{3,4}w\b)",
    ),
    ("case", r"\b(case|nr200|h510|h7|meshify|define \d|[45]000d|o11|north|p400a|q58|pop air|antec|lancool)"),
    ("cooler", r"\b(nh [du]\d|nh l\d|ak\d{3}|liquid freezer|kraken|dark rock|nf a\d|p12|cooler)"),
    (
        "keyboard",
        r"\b(keychron|ducky|leopold|gmmk|huntsman|k70|sonnet|epomaker|rk61|mx keys|alloy|keycaps|gmk|"
        r"keyboard|q\d pro)",
    ),
    ("mouse", r"\b(g502|g305|superlight|viper|zowie|basilisk|mx master|orochi|mx anywhere|deathadder|mouse)"),
    (
        "audio",
        r"\b(sennheiser|hd \d|bose|wh 1000|airpods|hs\d{2}|arctis|schiit|fiio|topping|modmic|audioengine|"
        r"headset|headphones|pulse 3d|qc\d{2}|dac)",
    ),
    ("computer", r"\b(macbook|xps|thinkcentre|optiplex|nuc|mac mini|ipad|laptop|thinkpad|nas|ds\d{3})"),
)
_FAMILY_RES = tuple((name, re.compile(pattern)) for name, pattern in _FAMILIES)


def product_family(text: str) -> str:
    """RETURNS (str): 'GPU', 'CPU', 'console', … for a product's text, or 'other' (first match wins)."""
    key = product_key(text)
    for name, pattern in _FAMILY_RES:
        if pattern.search(key):
            return name
    return "other"
