"""Seeded template generator for data/hardware_posts/generated.jsonl and unlabeled.txt.

The annotated posts (train.md, named after the split they used to belong to) are built into
generated.jsonl, not into the training split: issue 19's style-shift measurement found that
they add nothing to training, so train, dev and test are entirely hand-written, and dev and
test do not use these templates or slot lists. Output is reproducible byte for byte:
only random.Random(seed) is used, all slot lists are tuples, and nothing iterates
over a set or dict whose order could change.

Writes, into --out (default data/scripts/generated/):
    train.md        posts in the {{text|LABEL}} markup read by build.py
    unlabeled.txt   plain posts, one per line, for model-assisted annotation

Usage:
    python data/scripts/generate.py
    python data/scripts/generate.py --out /tmp/gen   # e.g. to compare with the repo
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

TRAIN_SEED = 20240611
UNLABELED_SEED = 20240612
N_TRAIN = 225
N_UNLABELED = 350

Segment = tuple[str, str | None]  # (surface, label or None)

# --- slot lists ------------------------------------------------------------------
# (product surface, generic noun that may follow it or "", typical USD price)
PRODUCTS: tuple[tuple[str, str, int], ...] = (
    ("EVGA RTX 3080 FTW3 Ultra", "", 420),
    ("RTX 3080", "", 380),
    ("RTX 3070", "", 280),
    ("RTX 3060 Ti", "", 240),
    ("MSI RTX 3070 Gaming X Trio", "", 300),
    ("Gigabyte RTX 4070 Eagle OC", "", 500),
    ("RTX 4070 Super Founders Edition", "", 560),
    ("Asus TUF RTX 4080", "", 950),
    ("RTX 4090 Founders Edition", "", 1600),
    ("Zotac RTX 3060 Twin Edge", "", 220),
    ("RX 6700 XT", "", 260),
    ("RX 6800 XT", "", 380),
    ("XFX Speedster MERC 319 RX 6950 XT", "", 520),
    ("Sapphire Pulse RX 7800 XT", "", 450),
    ("GTX 1080 Ti", "", 180),
    ("GTX 1660 Super", "", 110),
    ("Ryzen 7 5800X3D", "", 260),
    ("Ryzen 5 5600X", "", 100),
    ("Ryzen 9 5900X", "", 220),
    ("Ryzen 7 7800X3D", "", 340),
    ("Ryzen 5 7600X", "", 170),
    ("i5-12600K", "", 160),
    ("i7-12700K", "", 230),
    ("i9-13900K", "", 420),
    ("i5-13400F", "", 150),
    ("G.Skill Trident Z5 32GB DDR5 6000", "kit", 100),
    ("Corsair Vengeance LPX 16GB DDR4 3200", "kit", 35),
    ("32GB DDR4 3600", "kit", 60),
    ("64GB DDR5 5600", "kit", 170),
    ("Samsung 980 Pro 2TB", "", 140),
    ("Samsung 990 Pro 1TB", "", 100),
    ("WD Black SN770 1TB", "", 60),
    ("Crucial P5 Plus 2TB", "", 120),
    ("Samsung 870 EVO 500GB", "", 40),
    ("Kingston NV2 2TB", "", 90),
    ('Samsung Odyssey G7 32"', "monitor", 420),
    ("LG 27GP850-B", "monitor", 280),
    ("Dell S2722DGM", "monitor", 220),
    ("Gigabyte M32U", "monitor", 550),
    ("Asus VG27AQ", "monitor", 230),
    ("Keychron Q1 Pro", "keyboard", 150),
    ("Keychron K8 Pro", "keyboard", 80),
    ("Razer Huntsman V2 TKL", "keyboard", 100),
    ("Logitech G915 TKL", "keyboard", 130),
    ("Logitech G Pro X Superlight", "mouse", 90),
    ("Razer Viper V2 Pro", "mouse", 90),
    ("Logitech G502 X Plus", "mouse", 100),
    ("Zowie S2-C", "mouse", 50),
    ("Sony WH-1000XM4", "headphones", 170),
    ("Sennheiser HD 6XX", "headphones", 170),
    ("Beyerdynamic DT 990 Pro", "headphones", 110),
    ("SteelSeries Arctis Nova Pro Wireless", "headset", 250),
    ("Corsair RM850x", "PSU", 100),
    ("Seasonic Focus GX-750", "PSU", 80),
    ("EVGA SuperNOVA 850 G5", "PSU", 90),
    ("Corsair 4000D Airflow", "case", 70),
    ("Lian Li O11 Dynamic EVO", "case", 120),
    ("NZXT H510 Flow", "case", 60),
    ("Phanteks NV7", "case", 160),
    ("MSI MAG B550 Tomahawk", "", 120),
    ("Asus TUF Gaming B650-Plus WiFi", "", 160),
    ("Gigabyte Z790 Aorus Elite AX", "", 200),
    ("ASRock B650M Pro RS", "", 110),
    ("Noctua NH-D15", "cooler", 80),
    ("Deepcool AK620", "cooler", 50),
    ("Arctic Liquid Freezer II 360", "cooler", 90),
    ("Steam Deck 64GB", "", 280),
    ("Steam Deck OLED 512GB", "", 470),
    ("ROG Ally Z1 Extreme", "", 420),
    ("Nintendo Switch OLED", "", 260),
    ("PS5 Slim", "", 400),
    ("Xbox Series X", "", 370),
    ("Xbox Series S", "", 220),
    ("MacBook Air M1", "laptop", 550),
    ("ThinkPad X1 Carbon Gen 9", "laptop", 650),
    ("Asus ROG Zephyrus G14", "laptop", 1000),
    ("Dell XPS 15 9520", "laptop", 1000),
)

CONDITIONS: tuple[str, ...] = (
    "brand new",
    "BNIB",
    "like new",
    "mint",
    "lightly used",
    "gently used",
    "used",
    "open box",
    "refurbished",
    "good condition",
    "great condition",
    "excellent condition",
    "mint condition",
    "barely used",
)
PAYMENTS: tuple[str, ...] = (
    "PayPal",
    "local cash",
    "PayPal, local cash",
    "PayPal G&S",
    "Venmo, Zelle",
    "cash",
    "PayPal F&F",
)
NO_ENTITY: tuple[str, ...] = (
    "Bump, prices lowered",
    "All sold, thanks for looking",
    "Pending on everything, will update",
    "Bump, open to offers",
    "Everything sold, thank you",
    "Still available, will consider trades",
)

# (tag, city, postal code, currency)
PLACES: tuple[tuple[str, str, str, str], ...] = (
    ("USA-TX", "Austin", "78701", "USD"),
    ("USA-TX", "Houston", "77002", "USD"),
    ("USA-CA", "San Francisco", "94110", "USD"),
    ("USA-CA", "Los Angeles", "90012", "USD"),
    ("USA-NY", "Buffalo", "14201", "USD"),
    ("USA-NY", "Rochester", "14604", "USD"),
    ("USA-WA", "Tacoma", "98402", "USD"),
    ("USA-FL", "Jacksonville", "32202", "USD"),
    ("USA-IL", "Springfield", "62701", "USD"),
    ("USA-GA", "Savannah", "31401", "USD"),
    ("USA-AZ", "Mesa", "85201", "USD"),
    ("USA-CO", "Boulder", "80302", "USD"),
    ("USA-NC", "Durham", "27701", "USD"),
    ("USA-PA", "Philadelphia", "19103", "USD"),
    ("USA-OH", "Dayton", "45402", "USD"),
    ("USA-MI", "Detroit", "48226", "USD"),
    ("USA-MN", "Duluth", "55802", "USD"),
    ("USA-NJ", "Newark", "07102", "USD"),
    ("USA-VA", "Norfolk", "23510", "USD"),
    ("USA-OR", "Eugene", "97401", "USD"),
    ("UK", "London", "E1 6AN", "GBP"),
    ("UK", "Manchester", "M4 1HN", "GBP"),
    ("UK", "Edinburgh", "EH1 1YZ", "GBP"),
    ("EU-DE", "Munich", "80331", "EUR"),
    ("EU-DE", "Cologne", "50667", "EUR"),
    ("EU-FR", "Paris", "75011", "EUR"),
    ("EU-NL", "Rotterdam", "3011", "EUR"),
    ("EU-IT", "Rome", "00184", "EUR"),
    ("CAN-ON", "Toronto", "M5V 2T6", "CAD"),
    ("CAN-BC", "Victoria", "V8W 1P6", "CAD"),
    ("AUS", "Adelaide", "5000", "AUD"),
)
RATE = {"USD": 1.0, "GBP": 0.8, "EUR": 0.92, "CAD": 1.35, "AUD": 1.5}

USER_A = (
    "silent",
    "amber",
    "rusty",
    "cobalt",
    "lucky",
    "frozen",
    "turbo",
    "mellow",
    "pocket",
    "static",
    "velvet",
    "orbit",
    "copper",
    "night",
    "pixel",
    "salty",
)
USER_B = (
    "otter",
    "heatsink",
    "falcon",
    "capacitor",
    "badger",
    "sprocket",
    "lantern",
    "gecko",
    "voltage",
    "walrus",
    "cactus",
    "thread",
    "raven",
    "bit",
)

GENERIC_CITY_FORMS = ("{city}", "{city} area")


# --- small helpers ------------------------------------------------------------------
def draw_amount(rng: random.Random, usd: float, currency: str) -> int:
    return max(10, round(usd * RATE[currency] * rng.uniform(0.85, 1.1) / 5.0) * 5)


def money(rng: random.Random, usd: float, currency: str, bare_ok: bool = True) -> str:
    return fmt_money(rng, draw_amount(rng, usd, currency), currency, bare_ok)


def fmt_money(rng: random.Random, amount: int, currency: str, bare_ok: bool = True) -> str:
    pretty = f"{amount:,}"
    if currency == "USD":
        forms = ["${pretty}", "${pretty}", "${pretty}"]
        if amount < 1000:
            forms.append("{amount} bucks")
        else:
            forms.append(f"${amount / 1000:.1f}k")
        if bare_ok:
            forms.append("{amount}")
    elif currency == "GBP":
        forms = ["£{pretty}", "£{pretty}", "{amount} quid"]
    elif currency == "EUR":
        forms = ["€{pretty}", "{amount} EUR", "{amount}€", "EUR {amount}"]
    elif currency == "CAD":
        forms = ["C${pretty}", "${pretty} CAD", "CAD {amount}"]
    else:
        forms = ["AUD {amount}", "A${pretty}"]
    return rng.choice(forms).format(pretty=pretty, amount=amount)


def imgur(rng: random.Random) -> str:
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(rng.choice(alphabet) for _ in range(6)) + rng.choice("23456789")
    return f"https://imgur.com/a/{code}" if rng.random() < 0.3 else f"imgur.com/a/{code}"


def username(rng: random.Random) -> str:
    prefix = rng.choice(("u/", "u/", "u/", "/u/"))
    name = f"{rng.choice(USER_A)}_{rng.choice(USER_B)}"
    if rng.random() < 0.5:
        name += str(rng.randrange(2, 99))
    return prefix + name


def product(rng: random.Random, exclude: tuple[str, ...] = ()) -> tuple[str, str, int]:
    while True:
        item = rng.choice(PRODUCTS)
        if item[0] not in exclude:
            return item


def product_segments(rng: random.Random, item: tuple[str, str, int], lower: bool = False) -> list[Segment]:
    name, generic, _ = item
    segs: list[Segment] = [(name.lower() if lower else name, "PRODUCT")]
    if generic and rng.random() < 0.35:
        segs.append((" " + generic, None))
    return segs


# --- templates ---------------------------------------------------------------------
# Each template takes the rng and returns a list of segments.
def t_title_sell(rng: random.Random) -> list[Segment]:
    tag, _, _, cur = rng.choice(PLACES)
    item = product(rng)
    segs: list[Segment] = [("[", None), (tag, "LOCATION"), ("] [H] ", None)]
    segs += product_segments(rng, item)
    if rng.random() < 0.6:
        segs += [(", ", None), (rng.choice(CONDITIONS), "CONDITION")]
    segs.append((" [W] ", None))
    if rng.random() < 0.5:
        segs += [(money(rng, item[2], cur, bare_ok=False), "PRICE"), (" ", None)]
    segs.append((rng.choice(PAYMENTS), None))
    return segs


def t_title_multi(rng: random.Random) -> list[Segment]:
    tag, _, _, _ = rng.choice(PLACES)
    segs: list[Segment] = [("[", None), (tag, "LOCATION"), ("] [H] ", None)]
    names: tuple[str, ...] = ()
    for i in range(rng.choice((2, 2, 3))):
        item = product(rng, exclude=names)
        names += (item[0],)
        if i:
            segs.append((", ", None))
        segs += product_segments(rng, item)
    segs += [(" [W] ", None), (rng.choice(PAYMENTS), None)]
    return segs


def t_title_wtb(rng: random.Random) -> list[Segment]:
    tag, _, _, cur = rng.choice(PLACES)
    item = product(rng)
    segs: list[Segment] = [
        ("[", None),
        (tag, "LOCATION"),
        ("] [H] ", None),
        (rng.choice(PAYMENTS), None),
        (" [W] ", None),
    ]
    segs += product_segments(rng, item)
    if rng.random() < 0.7:
        segs += [
            (rng.choice((", up to ", " up to ", ", budget ")), None),
            (money(rng, item[2], cur, bare_ok=True), "PRICE"),
        ]
    return segs


def t_body_timestamps(rng: random.Random) -> list[Segment]:
    item = product(rng)
    opener = rng.choice(("Selling my ", "Selling a ", "For sale: ", ""))
    if opener == "Selling a " and item[0][0] in "AEIOU":
        opener = "Selling an "
    segs: list[Segment] = [(opener, None)]
    segs += product_segments(rng, item)
    amount = draw_amount(rng, item[2], "USD")
    segs += [
        (", ", None),
        (rng.choice(CONDITIONS), "CONDITION"),
        (". Asking ", None),
        (fmt_money(rng, amount, "USD", bare_ok=True), "PRICE"),
        (" shipped", None),
    ]
    if rng.random() < 0.4:
        local = fmt_money(rng, amount - rng.choice((10, 15, 20)), "USD", bare_ok=False)
        segs += [(" or ", None), (local, "PRICE"), (" local", None)]
    segs += [(". Timestamps: ", None), (imgur(rng), "URL")]
    return segs


def t_body_local(rng: random.Random) -> list[Segment]:
    _tag, city, zipcode, cur = rng.choice(PLACES)
    item = product(rng)
    segs: list[Segment] = [("Local pickup only: ", None)]
    segs += product_segments(rng, item)
    segs += [(" for ", None), (money(rng, item[2], cur, bare_ok=False), "PRICE"), (" in ", None), (city, "LOCATION")]
    if rng.random() < 0.7:
        word = ", zip " if cur == "USD" else ", postcode "
        segs += [(rng.choice((", ", " ", word)), None), (zipcode, "ZIP")]
    segs.append((".", None))
    return segs


def t_confirm(rng: random.Random) -> list[Segment]:
    item = product(rng)
    pattern = rng.randrange(4)
    if pattern == 0:
        article = "an" if item[0][0] in "AEIOU" else "a"
        segs: list[Segment] = [("Confirmed trade with ", None), (username(rng), "USERNAME"), (f" for {article} ", None)]
        return segs + product_segments(rng, item)
    if pattern == 1:
        article = "an" if item[0][0] in "AEIOU" else "a"
        segs = [(f"Bought {article} ", None)] + product_segments(rng, item)
        return segs + [(" from ", None), (username(rng), "USERNAME"), (", smooth transaction", None)]
    if pattern == 2:
        segs = [("Sold ", None)] + product_segments(rng, item)
        return segs + [
            (" to ", None),
            (username(rng), "USERNAME"),
            (" for ", None),
            (money(rng, item[2], "USD", bare_ok=False), "PRICE"),
        ]
    return [("Confirmed ", None), (username(rng), "USERNAME")]


def t_price_drop(rng: random.Random) -> list[Segment]:
    first = product(rng)
    second = product(rng, exclude=(first[0],))
    return (
        [("Price drop: ", None)]
        + product_segments(rng, first)
        + [(" now ", None), (money(rng, first[2] * 0.9, "USD", bare_ok=False), "PRICE"), (", ", None)]
        + product_segments(rng, second)
        + [(" now ", None), (money(rng, second[2] * 0.9, "USD", bare_ok=False), "PRICE"), (".", None)]
    )


def t_heatware(rng: random.Random) -> list[Segment]:
    item = product(rng)
    segs = product_segments(rng, item)
    segs += [
        (" - ", None),
        (money(rng, item[2], "USD", bare_ok=False), "PRICE"),
        (rng.choice((" obo", " firm", " shipped", "")), None),
        (". Heatware: ", None),
        (f"heatware.com/u/{rng.randrange(10000, 99999)}", "URL"),
    ]
    return segs


def t_informal(rng: random.Random) -> list[Segment]:
    _tag, city, _, _ = rng.choice(PLACES[:20])
    item = product(rng)
    amount = max(10, round(item[2] * rng.uniform(0.8, 1.0) / 5.0) * 5)
    segs: list[Segment] = [("selling my ", None)] + product_segments(rng, item, lower=True)
    segs += [
        (" for like ", None),
        (f"{amount} bucks", "PRICE"),
        (", ", None),
        (city.lower(), "LOCATION"),
        (" area", None),
    ]
    return segs


def t_wtb_body(rng: random.Random) -> list[Segment]:
    _tag, _city, zipcode, _ = rng.choice(PLACES[:20])
    item = product(rng)
    article = "an" if item[0][0] in "AEIOU" else "a"
    segs: list[Segment] = [(f"Looking for {article} ", None)] + product_segments(rng, item)
    segs += [
        (", paying up to ", None),
        (money(rng, item[2], "USD", bare_ok=True), "PRICE"),
        (" shipped to ", None),
        (zipcode, "ZIP"),
        (".", None),
    ]
    return segs


def t_no_entity(rng: random.Random) -> list[Segment]:
    return [(rng.choice(NO_ENTITY), None)]


TEMPLATES = (
    (t_title_sell, 5),
    (t_title_multi, 3),
    (t_title_wtb, 3),
    (t_body_timestamps, 3),
    (t_body_local, 3),
    (t_confirm, 3),
    (t_price_drop, 2),
    (t_heatware, 2),
    (t_informal, 2),
    (t_wtb_body, 2),
    (t_no_entity, 1),
)


# --- output ------------------------------------------------------------------------
def to_markup(segs: list[Segment]) -> str:
    return "".join(text if label is None else f"{{{{{text}|{label}}}}}" for text, label in segs)


def to_text(segs: list[Segment]) -> str:
    return "".join(text for text, _ in segs)


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def generate(seed: int, n: int, seen: set[str], max_no_entity: int) -> list[list[Segment]]:
    """Draw n distinct posts; `seen` (normalised texts) is updated in place."""
    rng = random.Random(seed)
    funcs = [f for f, _ in TEMPLATES]
    weights = [w for _, w in TEMPLATES]
    posts: list[list[Segment]] = []
    no_entity = 0
    while len(posts) < n:
        segs = rng.choices(funcs, weights=weights)[0](rng)
        key = norm(to_text(segs))
        if key in seen:
            continue
        if all(label is None for _, label in segs):
            if no_entity >= max_no_entity:
                continue
            no_entity += 1
        seen.add(key)
        posts.append(segs)
    return posts


HEADER = """# Generated posts — built into data/hardware_posts/generated.jsonl, not into train

Written by data/scripts/generate.py (seed {seed}); do not edit by hand.
Regenerate with `python data/scripts/generate.py`, then `python data/scripts/build.py`.

"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "generated")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    seen: set[str] = set()
    train = generate(TRAIN_SEED, N_TRAIN, seen, max_no_entity=6)
    unlabeled = generate(UNLABELED_SEED, N_UNLABELED, seen, max_no_entity=0)

    lines = [HEADER.format(seed=TRAIN_SEED)] + [f"- {to_markup(s)}\n" for s in train]
    (args.out / "train.md").write_text("".join(lines), encoding="utf-8", newline="\n")
    text = "".join(to_text(s) + "\n" for s in unlabeled)
    assert not re.search(r"\{\{|\}\}", text)
    (args.out / "unlabeled.txt").write_text(text, encoding="utf-8", newline="\n")
    print(
        f"wrote {len(train)} annotated posts (train.md, for generated.jsonl) and {len(unlabeled)} unlabeled posts to {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
