"""Exercises of notebook 01 (what NER is): run a pretrained pipeline, map its labels to ours,
write a ZIP rule with an entity_ruler, count labels over `doc.ents`, read entities out as
character offsets, and set `doc.ents` from character offsets with `doc.char_span`."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

if TYPE_CHECKING:
    from spacy.tokens import Span

NOTEBOOK = "01_what_is_ner"
POST = "Selling my RTX 3080 in Austin, Texas for $450, paid $700 last year"
MAPPING = {"MONEY": "PRICE", "GPE": "LOCATION"}


@lru_cache(maxsize=1)
def _sm() -> Any:
    from .. import resources

    return resources.load_pretrained("en_core_web_sm")


def _blank_doc(text: str, ents: list[tuple[str, str]]) -> Any:
    """A Doc of `text` (blank English tokenizer) with `ents` given as (piece, label)."""
    import spacy

    doc = spacy.blank("en").make_doc(text)
    spans = []
    for piece, label in ents:
        start = text.index(piece)
        spans.append(doc.char_span(start, start + len(piece), label=label))
    doc.ents = cast("list[Span]", spans)  # each piece is a whole word of the text: no None
    return doc


# 01.1 ----------------------------------------------------------------------------------------


def _setup_list() -> dict[str, Any]:
    return {"sm": _sm()}


def _judge_list(list_ents: Any) -> CheckResult:
    sm = _sm()
    got, failed = run_safely(list_ents, sm, POST)
    if failed is not None:
        return failed
    want = [(ent.text, ent.label_) for ent in sm(POST).ents]
    got = [tuple(pair) for pair in got] if isinstance(got, (list, tuple)) else got
    if got == want:
        return CheckResult(True, f"{len(want)} entities, each as (text, label): {want}.")
    if isinstance(got, list) and got and all(isinstance(p[1], int) for p in got if len(p) == 2):
        return CheckResult(
            False,
            "your labels are numbers, such as " + repr(got[0][1]) + ".",
            "ent.label is the label's hash in the string store; ent.label_ (with the "
            "underscore) is the readable name, as for token.text versus token.orth.",
        )
    n_tokens = len(sm.make_doc(POST))
    if isinstance(got, list) and len(got) == n_tokens:
        return CheckResult(
            False,
            f"you returned {len(got)} pairs, one per token, not one per entity.",
            "doc.ents holds the entity spans; 'RTX 3080' is one entity of two tokens. "
            "Loop over nlp(text).ents, not over the doc's tokens.",
        )
    return CheckResult(
        False,
        f"expected {want}, got {got!r}.",
        "Run the pipeline on the text, then list (ent.text, ent.label_) for ent in doc.ents.",
    )


register(
    Exercise(
        id="01.1",
        notebook=NOTEBOOK,
        title="Run a pretrained pipeline and list its entities",
        answer="list_ents",
        judge=_judge_list,
        setup=_setup_list,
        solution='''def list_ents(nlp, text):
    """The entities `nlp` finds in `text`, as (text, label) pairs."""
    doc = nlp(text)
    return [(ent.text, ent.label_) for ent in doc.ents]''',
        wrong=(
            WrongAnswer(
                """def list_ents(nlp, text):
    return [(ent.text, ent.label) for ent in nlp(text).ents]""",
                "ent.label_",
                "hash instead of name",
            ),
            WrongAnswer(
                """def list_ents(nlp, text):
    return [(token.text, token.ent_type_) for token in nlp(text)]""",
                "one per token",
                "tokens instead of entity spans",
            ),
        ),
    )
)


# 01.2 ----------------------------------------------------------------------------------------

MAP_TEXT = "[USA-TX] EVGA RTX 3080 from Austin, sold in March for $450"
MAP_ENTS = [("USA", "ORG"), ("EVGA", "ORG"), ("Austin", "GPE"), ("March", "DATE"), ("$450", "MONEY")]


def _setup_map() -> dict[str, Any]:
    return {"mapping": dict(MAPPING), "doc": _blank_doc(MAP_TEXT, MAP_ENTS)}


def _judge_map(to_our_labels: Any) -> CheckResult:
    doc = _blank_doc(MAP_TEXT, MAP_ENTS)
    got, failed = run_safely(to_our_labels, doc, dict(MAPPING))
    if failed is not None:
        if "KeyError" in failed.message:
            return CheckResult(
                False,
                failed.message,
                "mapping only has MONEY and GPE; keep an entity only when its label is in "
                "the mapping (`if ent.label_ in mapping`), and drop the rest.",
            )
        return failed
    want = [("Austin", "LOCATION"), ("$450", "PRICE")]
    got = [tuple(pair) for pair in got] if isinstance(got, (list, tuple)) else got
    if got == want:
        return CheckResult(True, f"{want}: ORG and DATE have no counterpart among our labels and are dropped.")
    if isinstance(got, list) and any(pair[1] is None for pair in got):
        return CheckResult(
            False,
            f"some labels came out as None: {got}.",
            "mapping.get(label) is None for a label without a counterpart; such an entity "
            "is not one of ours, so leave it out instead of keeping it with None.",
        )
    if isinstance(got, list) and any(pair[1] in {"ORG", "DATE"} for pair in got):
        return CheckResult(
            False,
            f"you kept OntoNotes labels: {got}.",
            "ORG and DATE are not among our seven labels; an entity whose label is not in "
            "the mapping should be dropped, not kept under its old name.",
        )
    return CheckResult(
        False,
        f"expected {want}, got {got!r}.",
        "Return (ent.text, mapping[ent.label_]) for every entity whose label is in mapping.",
    )


register(
    Exercise(
        id="01.2",
        notebook=NOTEBOOK,
        title="Map the pretrained labels to ours",
        answer="to_our_labels",
        judge=_judge_map,
        setup=_setup_map,
        solution='''def to_our_labels(doc, mapping):
    """(text, our label) for each entity whose label has a counterpart in `mapping`."""
    return [(ent.text, mapping[ent.label_]) for ent in doc.ents if ent.label_ in mapping]''',
        wrong=(
            WrongAnswer(
                """def to_our_labels(doc, mapping):
    return [(ent.text, mapping[ent.label_]) for ent in doc.ents]""",
                "keep an entity only when",
                "KeyError on ORG",
            ),
            WrongAnswer(
                """def to_our_labels(doc, mapping):
    return [(ent.text, mapping.get(ent.label_)) for ent in doc.ents]""",
                "instead of keeping it with None",
                "None labels kept",
            ),
            WrongAnswer(
                """def to_our_labels(doc, mapping):
    return [(ent.text, mapping.get(ent.label_, ent.label_)) for ent in doc.ents]""",
                "kept under its old name",
                "OntoNotes labels kept",
            ),
        ),
    )
)


# 01.4 ----------------------------------------------------------------------------------------

ZIP_CASES = [
    ("Selling RTX 3080 in Austin, TX 78701", ["78701"]),
    ("[USA-CA] [H] Ryzen 5 5600X [W] $90, zip 94110", ["94110"]),
    ("asking 180 shipped for the 4070, 2 left", []),
]


def _setup_zip() -> dict[str, Any]:
    import spacy

    return {"spacy": spacy, "nlp": spacy.blank("en")}


def _judge_zip(add_zip_rule: Any) -> CheckResult:
    import spacy

    nlp = spacy.blank("en")
    got, failed = run_safely(add_zip_rule, nlp)
    if failed is not None:
        return failed
    nlp = got if got is not None else nlp
    if "entity_ruler" not in nlp.pipe_names:
        return CheckResult(
            False,
            f"the pipeline has no entity_ruler (pipes: {nlp.pipe_names}).",
            'Add it with nlp.add_pipe("entity_ruler") and return nlp.',
        )
    missed, extra = [], []
    for text, zips in ZIP_CASES:
        try:
            found = [ent.text for ent in nlp(text).ents if ent.label_ == "ZIP"]
        except Exception as err:  # noqa: BLE001 - a malformed pattern raises when the ruler runs
            return CheckResult(
                False,
                f"the ruler raised {type(err).__name__}: {str(err)[:160]}",
                'A pattern is a list of token dicts, e.g. [{"SHAPE": "dddd"}].',
            )
        missed += [z for z in zips if z not in found]
        extra += [t for t in found if t not in zips]
    if not missed and not extra:
        return CheckResult(True, "78701 and 94110 are ZIPs; 3080, 4070 and 180 are left alone.")
    if extra and any(len(t) != 4 for t in extra):
        return CheckResult(
            False,
            f"your rule also matched {extra}.",
            "IS_DIGIT (or LIKE_NUM) accepts any run of digits, like the price '180'; a US ZIP "
            "has exactly five, so constrain LENGTH (and SHAPE) too.",
        )
    if extra:
        return CheckResult(
            False,
            f"your rule also matched the model numbers {extra}.",
            "'3080' and '78701' share the SHAPE 'dddd': add LENGTH to tell four digits from five.",
        )
    if len(missed) == 2:
        return CheckResult(
            False,
            "your rule matched no ZIP code at all.",
            "SHAPE caps runs of the same kind of character at four: the shape of '78701' is "
            "'dddd', not 'ddddd'. Print [t.shape_ for t in nlp('TX 78701')] to see it.",
        )
    return CheckResult(
        False,
        f"missed {missed}, matched {extra}.",
        'Use a one-token pattern: [{"SHAPE": ..., "LENGTH": ...}] with label "ZIP".',
    )


register(
    Exercise(
        id="01.4",
        notebook=NOTEBOOK,
        title="A ZIP rule with an entity_ruler",
        answer="add_zip_rule",
        judge=_judge_zip,
        setup=_setup_zip,
        solution='''def add_zip_rule(nlp):
    """Add an entity_ruler to `nlp` that labels five-digit numbers as ZIP."""
    ruler = nlp.add_pipe("entity_ruler")
    # SHAPE caps runs at four characters, so '78701' and '3080' both have shape 'dddd';
    # LENGTH tells them apart.
    ruler.add_patterns([{"label": "ZIP", "pattern": [{"SHAPE": "dddd", "LENGTH": 5}]}])
    return nlp''',
        wrong=(
            WrongAnswer(
                """def add_zip_rule(nlp):
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ZIP", "pattern": [{"SHAPE": "ddddd"}]}])
    return nlp""",
                "SHAPE caps runs",
                "shape of five d's never occurs",
            ),
            WrongAnswer(
                """def add_zip_rule(nlp):
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ZIP", "pattern": [{"SHAPE": "dddd"}]}])
    return nlp""",
                "add LENGTH",
                "matches 3080",
            ),
            WrongAnswer(
                """def add_zip_rule(nlp):
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ZIP", "pattern": [{"IS_DIGIT": True}]}])
    return nlp""",
                "IS_DIGIT",
                "matches every number",
            ),
        ),
    )
)


# 01.3 ----------------------------------------------------------------------------------------

COUNT_DOCS = [
    (
        "EVGA RTX 3080 FTW3 for $450 in Austin",
        [("EVGA RTX 3080 FTW3", "PRODUCT"), ("$450", "PRICE"), ("Austin", "LOCATION")],
    ),
    (
        "Ryzen 7 5800X3D and Samsung 980 Pro, $300",
        [("Ryzen 7 5800X3D", "PRODUCT"), ("Samsung 980 Pro", "PRODUCT"), ("$300", "PRICE")],
    ),
]


def _docs() -> list[Any]:
    return [_blank_doc(text, ents) for text, ents in COUNT_DOCS]


def _setup_count() -> dict[str, Any]:
    return {"Counter": Counter, "docs": _docs()}


def _judge_count(count_labels: Any) -> CheckResult:
    got, failed = run_safely(count_labels, _docs())
    if failed is not None:
        return failed
    want = {"PRODUCT": 3, "PRICE": 2, "LOCATION": 1}
    got_dict = dict(got) if hasattr(got, "items") else None
    if got_dict == want:
        return CheckResult(True, f"{want}: one count per entity, however many tokens it has.")
    if got_dict and got_dict.get("PRODUCT", 0) > 3:
        return CheckResult(
            False,
            f"you got {got_dict}: PRODUCT is counted {got_dict['PRODUCT']} times.",
            "You counted tokens: 'EVGA RTX 3080 FTW3' is one entity of four tokens. "
            "Count ent.label_ over doc.ents instead of token.ent_type_ over tokens.",
        )
    if got_dict and "$450" in got_dict:
        return CheckResult(
            False,
            f"your keys are entity texts: {sorted(got_dict)[:3]} ...",
            "Count ent.label_ (the type), not ent.text (the words).",
        )
    return CheckResult(
        False,
        f"expected {want}, got {got!r}.",
        "Counter(ent.label_ for doc in docs for ent in doc.ents) counts every entity once.",
    )


register(
    Exercise(
        id="01.3",
        notebook=NOTEBOOK,
        title="Count labels over doc.ents",
        answer="count_labels",
        judge=_judge_count,
        setup=_setup_count,
        solution='''def count_labels(docs):
    """How many entities of each label `docs` hold, as a Counter."""
    return Counter(ent.label_ for doc in docs for ent in doc.ents)''',
        wrong=(
            WrongAnswer(
                """def count_labels(docs):
    return Counter(token.ent_type_ for doc in docs for token in doc if token.ent_type_)""",
                "You counted tokens",
                "tokens instead of entities",
            ),
            WrongAnswer(
                """def count_labels(docs):
    return Counter(ent.text for doc in docs for ent in doc.ents)""",
                "not ent.text",
                "texts instead of labels",
            ),
        ),
    )
)


# 01.5 ----------------------------------------------------------------------------------------

OFFSET_TEXT = "[USA-TX] RTX 3080 FTW3, $450 shipped, Austin TX 78701"
OFFSET_ENTS = [("RTX 3080 FTW3", "PRODUCT"), ("$450", "PRICE"), ("Austin", "LOCATION"), ("78701", "ZIP")]


def _setup_records() -> dict[str, Any]:
    return {"doc": _blank_doc(OFFSET_TEXT, OFFSET_ENTS)}


def _judge_records(ent_records: Any) -> CheckResult:
    doc = _blank_doc(OFFSET_TEXT, OFFSET_ENTS)
    got, failed = run_safely(ent_records, doc)
    if failed is not None:
        return failed
    want = [(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents]
    got = [tuple(r) for r in got] if isinstance(got, (list, tuple)) else got
    if got == want:
        return CheckResult(
            True, f"{want[0]}: text[{want[0][2]}:{want[0][3]}] is {OFFSET_TEXT[want[0][2] : want[0][3]]!r}."
        )
    if got == [(e.text, e.label_, e.start, e.end) for e in doc.ents]:
        return CheckResult(
            False,
            f"your offsets {got[0][2:]} for {got[0][0]!r} are token positions.",
            "ent.start and ent.end count tokens; ent.start_char and ent.end_char count characters, "
            "which is what our annotation files store.",
        )
    if got == [(e.text, e.label_, e.start_char, e.end_char - 1) for e in doc.ents]:
        return CheckResult(
            False,
            f"text[{got[0][2]}:{got[0][3]}] is {OFFSET_TEXT[got[0][2] : got[0][3]]!r}, one character short.",
            "The end offset is exclusive, as in Python slicing: ent.end_char already points just past "
            "the last character, so do not subtract 1.",
        )
    return CheckResult(
        False,
        f"expected {want}, got {got!r}.",
        "Return (ent.text, ent.label_, ent.start_char, ent.end_char) for each ent in doc.ents.",
    )


register(
    Exercise(
        id="01.5",
        notebook=NOTEBOOK,
        title="From doc.ents to character offsets",
        answer="ent_records",
        judge=_judge_records,
        setup=_setup_records,
        solution='''def ent_records(doc):
    """(text, label, start, end) for each entity of `doc`; start and end count characters."""
    return [(ent.text, ent.label_, ent.start_char, ent.end_char) for ent in doc.ents]''',
        wrong=(
            WrongAnswer(
                """def ent_records(doc):
    return [(ent.text, ent.label_, ent.start, ent.end) for ent in doc.ents]""",
                "count tokens",
                "token positions instead of character offsets",
            ),
            WrongAnswer(
                """def ent_records(doc):
    return [(ent.text, ent.label_, ent.start_char, ent.end_char - 1) for ent in doc.ents]""",
                "exclusive",
                "inclusive end",
            ),
        ),
    )
)


# 01.6 ----------------------------------------------------------------------------------------

SPAN_ENTS = [(9, 22, "PRODUCT"), (24, 28, "PRICE"), (38, 44, "LOCATION"), (48, 53, "ZIP")]


def _setup_char_spans() -> dict[str, Any]:
    import spacy
    from spacy.tokens import Span

    return {"nlp": spacy.blank("en"), "Span": Span}


def _judge_char_spans(make_doc_with_ents: Any) -> CheckResult:
    import spacy

    nlp = spacy.blank("en")
    got, failed = run_safely(make_doc_with_ents, nlp, OFFSET_TEXT, list(SPAN_ENTS))
    want = [(OFFSET_TEXT[s:e], label) for s, e, label in SPAN_ENTS]
    if failed is not None:
        if "E035" in failed.message or "IndexError" in failed.message:
            return CheckResult(
                False,
                failed.message,
                "Span(doc, start, end) and doc[start:end] count tokens, but the offsets count "
                "characters: doc.char_span(start, end, label=label) converts them.",
            )
        return failed
    if not hasattr(got, "ents"):
        return CheckResult(
            False,
            f"you returned a {type(got).__name__}, not a Doc.",
            "Build the spans, assign them with doc.ents = spans, and return the doc.",
        )
    ents = [(e.text, e.label_) for e in got.ents]
    if ents == want:
        return CheckResult(True, f"{len(want)} entities, from {want[0]} to {want[-1]}.")
    if not ents and all(t.ent_iob_ == "" for t in got):
        return CheckResult(
            False,
            "the doc has no entities: its tokens carry no entity annotation at all.",
            "Spans made with doc.char_span are not entities until you assign them: doc.ents = spans.",
        )
    if not ents:
        return CheckResult(
            False,
            "the doc has no entities, and its tokens are marked as outside any entity.",
            "doc.char_span(start, end) without label= makes a span without a label; doc.ents keeps "
            "no entity for it. Pass label=label.",
        )
    return CheckResult(
        False,
        f"expected {want}, got {ents}.",
        "doc = nlp.make_doc(text); doc.ents = [doc.char_span(s, e, label=l) for s, e, l in entities].",
    )


register(
    Exercise(
        id="01.6",
        notebook=NOTEBOOK,
        title="Set doc.ents from character offsets",
        answer="make_doc_with_ents",
        judge=_judge_char_spans,
        setup=_setup_char_spans,
        solution='''def make_doc_with_ents(nlp, text, entities):
    """A Doc of `text` whose doc.ents are the (start, end, label) character offsets."""
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(start, end, label=label) for start, end, label in entities]
    return doc''',
        wrong=(
            WrongAnswer(
                """def make_doc_with_ents(nlp, text, entities):
    doc = nlp.make_doc(text)
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in entities]
    return doc""",
                "count tokens",
                "token-based Span with character offsets",
            ),
            WrongAnswer(
                """def make_doc_with_ents(nlp, text, entities):
    doc = nlp.make_doc(text)
    spans = [doc.char_span(start, end, label=label) for start, end, label in entities]
    return doc""",
                "not entities until you assign",
                "spans built but never assigned",
            ),
            WrongAnswer(
                """def make_doc_with_ents(nlp, text, entities):
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(start, end) for start, end, label in entities]
    return doc""",
                "without label=",
                "labels left out",
            ),
        ),
    )
)
