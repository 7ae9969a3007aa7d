"""Normalise what NER found: prices to {amount, currency}, products to a key you can group by.

Conventions (also in data/listings/README.md):

- A price's **amount** is a float in the currency's unit: `$1,200` → 1200.0, `1.2k` → 1200.0,
  `two hundred bucks` → 200.0, `two hundred and fifty` → 250.0, and the spoken `five fifty` →
  550.0 (hundreds said first). Words around the amount that the guideline leaves outside the
  PRICE span (`shipped`, `obo`, `firm`, `local`, `each`, `ea`) are accepted and ignored, except
  that `each`/`ea` sets `per_item`. Anything else (a range `$400-450`, `free`, `best offer`) is
  not a price we can read: `normalise_price` returns None instead of a guess.
- **Separators.** A number written the way only one convention writes it reads the same with
  any marker: `1,200` and `1,200.50` (commas group thousands), `1.234.567` (several dot groups),
  `1.234,56` (dot groups, then a decimal comma). Two forms are ambiguous and the marker decides:
  with a *continental* marker (`€`, `EUR`, `euro(s)`, `kr`, `Kč`, `CZK`, `zł`, `PLN`, `R$`, `BRL`,
  `CHF`) a dot followed by exactly three digits groups thousands (`1.100 kr` → 1100, `€1.150` →
  1150) and a comma followed by one or two digits is a decimal comma (`5,49 €` → 5.49). With any
  other marker, or none, the dot is a decimal point (`$119.99`, `£3.50`, `1.500` → 1.5) and
  `5,49` is not read. Before a `k` the dot is always a decimal point (`€1.5k` → 1500).
- The **currency** is an ISO 4217 code only when the text or the post says which one. Explicit
  markers decide it: symbols (`C$`, `A$`, `HK$`, `S$`, `R$`, `£`, `€`, `¥` = JPY, `₹`, `₱`),
  words (`Rs`, `RM`, `Kč`, `baht`, `quid`, `euros`), a lone `R` right before the digits (`R650`
  = ZAR) and ISO codes before or after the number (`AUD 150`, `1900 AED`; `$300 CAD` and
  `$4,500 MXN` say which `$`). `kr` is read but names no country (SEK, NOK, DKK or ISK): its
  currency stays None. A bare `$` (before or after the number), `bucks` or `dollars` names
  *some* dollar: it becomes the currency of the post's location tag (`[USA-TX]` → USD,
  `[CAN-ON]` → CAD, `[AUS]` → AUD) when the caller passes one, and stays None otherwise. A
  number with no marker at all (`450 shipped`) has currency None.
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


# ISO codes read before or after the number ('AUD 150', '1900 AED')
_CODES = ("USD", "CAD", "AUD", "NZD", "GBP", "EUR", "PLN", "CHF", "CZK", "MXN", "BRL", "AED", "ZAR", "INR", "MYR",
          "SGD", "HKD", "JPY", "PHP", "THB")  # fmt: skip
_SOME_DOLLAR = "$"  # a marker for "some dollar": the caller's `dollar` says which
# explicit markers -> ISO code; None: a currency the marker does not pin down
_PREFIX: dict[str, str | None] = {
    **{code.casefold(): code for code in _CODES},
    "$": _SOME_DOLLAR,
    "us$": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "r$": "BRL",
    "£": "GBP",
    "€": "EUR",
    "zł": "PLN",
    "¥": "JPY",
    "₹": "INR",
    "rs": "INR",
    "rs.": "INR",
    "₱": "PHP",
    "rm": "MYR",
    "r": "ZAR",  # only right before the digits ('R650'), see _ATTACHED
}
_SUFFIX: dict[str, str | None] = {
    **{code.casefold(): code for code in _CODES},
    "$": _SOME_DOLLAR,
    "bucks": _SOME_DOLLAR,
    "buck": _SOME_DOLLAR,
    "dollars": _SOME_DOLLAR,
    "dollar": _SOME_DOLLAR,
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "quid": "GBP",
    "pounds": "GBP",
    "pound": "GBP",
    "zł": "PLN",
    "kč": "CZK",
    "baht": "THB",
    "kr": None,  # krona/krone: Swedish, Norwegian, Danish or Icelandic
}
_ATTACHED = {"r"}  # markers read only without a space before the number: 'R650' but not 'R 650'
# markers of the continental number format: '1.100 kr' is 1100, '5,49 €' is 5.49
_CONTINENTAL = {"€", "eur", "euro", "euros", "kr", "kč", "czk", "zł", "pln", "r$", "brl", "chf"}
_IGNORED = {"shipped", "obo", "firm", "local", "net", "ono", "pp", "paypal", "ff", "g&s", "cash", "or", "best", "offer"}
_EACH = {"each", "ea", "apiece", "/ea", "per"}
# a marker glued to the number or a word away, the digits and separators, `k`, one marker after
_PRICE = re.compile(r"^(?P<pre>[^\d\s]*)(?P<gap>\s*)(?P<num>\d[\d.,]*)\s*(?P<k>[kK](?![^\W\d_]))?\s*(?P<post>\S*)$")
_POINT = re.compile(r"\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # 119.99, 1,200, 1,200.50
_COMMA = re.compile(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d{1,2})?|\d{1,3}(?:\.\d{3})+,\d{1,2}")  # 1.234.567, 1.234,56
_COMMA_OR_POINT = re.compile(r"\d{1,3}(?:\.\d{3})+|\d+,\d{1,2}")  # 1.100, 5,49: the marker decides
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
_SCALES = {"hundred", "thousand", "grand"}


def _number_words(words: list[str]) -> float | None:
    """'two hundred' → 200, 'thirty five' → 35, the spoken 'five fifty' → 550; else None.

    'and' is read only after 'hundred'/'thousand' and before more number words: 'two hundred and fifty' → 250.
    """
    values: list[int] = []
    low = [w.casefold() for w in words]
    for i, w in enumerate(low):
        if w in _UNITS:
            values.append(_UNITS[w])
        elif w in _TENS:
            values.append(_TENS[w])
        elif w == "hundred" and values:
            values[-1] *= 100
        elif w in ("thousand", "grand") and values:
            values = [sum(values) * 1000]
        elif w == "and" and 0 < i < len(low) - 1 and low[i - 1] in _SCALES:
            continue
        else:
            return None
    if not values:
        return None
    if len(values) >= 2 and 1 <= values[0] <= 9 and 10 <= values[1] <= 99:
        return float(values[0] * 100 + sum(values[1:]))  # 'five fifty', 'one twenty': hundreds said first
    return float(sum(values))


def _amount(num: str, continental: bool) -> float | None:
    """The value of digits with separators (the rule is in the module docstring), or None."""
    if _COMMA.fullmatch(num) or (continental and _COMMA_OR_POINT.fullmatch(num)):
        return float(num.replace(".", "").replace(",", "."))  # '1.100 kr', '5,49 €', '1.234,56'
    if _POINT.fullmatch(num):
        return float(num.replace(",", ""))  # '$119.99', '1,200', '1.2k'
    return None


def _currency(code: str | None, dollar: str | None) -> str | None:
    """The ISO code a marker's table entry stands for: `dollar` for "some dollar"."""
    return dollar if code == _SOME_DOLLAR else code


def normalise_price(text: str, dollar: str | None = None) -> Price | None:
    """Read a price such as `$450`, `C$420`, `120 EUR`, `90 bucks`, `1.2k`, `1.100 kr`, `R650`, `£80`.

    text (str): the PRICE span, optionally with the words the guideline leaves outside it.
    dollar (str | None): what a bare `$`/`bucks` means here (see `dollar_currency`); None keeps
        such a currency unknown.
    RETURNS (Price | None): the amount and currency, or None when the text is not one amount.
        Markers and separators are read as the module docstring says.
    """
    words = text.strip().split()
    per_item = False
    while words and words[-1].casefold().strip(".,!") in _IGNORED | _EACH:
        per_item = per_item or words[-1].casefold().strip(".,!") in _EACH
        words.pop()
    marker = words[-1].casefold() if words else ""
    spelled = words[:-1] if marker in _SUFFIX else words
    spoken = _number_words(spelled)
    if spoken is not None:  # 'eighty quid', 'two hundred bucks', 'five fifty'
        code = _SUFFIX[marker] if len(spelled) < len(words) else None
        return Price(spoken, _currency(code, dollar), per_item, text)
    core = re.sub(r"^([A-Za-z]{1,3}) \$(?=\d)", r"\1$", " ".join(words))  # 'US $119.99'
    match = _PRICE.match(core)
    if match is None:
        return None
    pre, post = match.group("pre").casefold(), match.group("post").casefold()
    if post in _EACH:  # '$50/ea'
        per_item, post = True, ""
    if pre == "$" and post.upper() in _CODES:  # '$300 CAD', '$4,500 MXN': the code says which '$'
        pre = ""
    if (pre and post) or (pre in _ATTACHED and match.group("gap")):
        return None  # two markers ('C$300 CAD', '$50 €'), or 'R 650'
    table, key = (_PREFIX, pre) if pre else (_SUFFIX, post)
    if key and key not in table:
        return None  # an unknown marker: 'xyz 20', '20 apples', '+$20'
    code = table.get(key)
    amount = _amount(match.group("num"), continental=bool({pre, post} & _CONTINENTAL) and not match.group("k"))
    if amount is None:
        return None
    if match.group("k"):
        amount *= 1000
    return Price(amount, _currency(code, dollar), per_item, text)


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
