"""Exercises of notebook 04 (inside the model)."""

from __future__ import annotations

from typing import Any

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

POST = "[USA-TX] [H] EVGA RTX 3080 FTW3, like new [W] $450 shipped, PM u/gpu_guy"
ENTITIES = [(1, 7, "LOCATION"), (13, 31, "PRODUCT"), (33, 41, "CONDITION"), (46, 50, "PRICE")]


def _spacy() -> dict[str, Any]:
    import spacy

    return {"spacy": spacy}


# --- 04.1: the four attributes a token is embedded by -------------------------------------


def _judge_features(features: Any) -> CheckResult:
    import spacy

    doc = spacy.blank("en")("isn't RTX3080 $450 Ryzen5600X")
    for token in doc:
        got, failed = run_safely(features, token)
        if failed is not None:
            return failed
        want = {"NORM": token.norm_, "PREFIX": token.prefix_, "SUFFIX": token.suffix_, "SHAPE": token.shape_}
        if not isinstance(got, dict) or set(got) != set(want):
            return CheckResult(
                False,
                f"for '{token.text}' you returned {got!r}.",
                "Return a dict with exactly the keys NORM, PREFIX, SUFFIX and SHAPE.",
            )
        if any(isinstance(value, int) for value in got.values()):
            return CheckResult(
                False,
                f"for '{token.text}' some values are numbers: {got!r}.",
                "token.shape is the 64-bit hash the model is fed; for the readable string use "
                "the attribute with a trailing underscore, e.g. token.shape_.",
            )
        if got["NORM"] != want["NORM"]:
            return CheckResult(
                False,
                f"NORM of '{token.text}' came out {got['NORM']!r}, spaCy says {want['NORM']!r}.",
                "NORM is not simply the lower-cased text: tokenizer exceptions normalise "
                "\"n't\" to 'not'. Use token.norm_.",
            )
        if got["PREFIX"] != want["PREFIX"] or got["SUFFIX"] != want["SUFFIX"]:
            return CheckResult(
                False,
                f"for '{token.text}' PREFIX/SUFFIX are {got['PREFIX']!r}/{got['SUFFIX']!r}, "
                f"spaCy says {want['PREFIX']!r}/{want['SUFFIX']!r}.",
                "spaCy's PREFIX is the first character only and SUFFIX the last three: "
                "token.prefix_ and token.suffix_.",
            )
        if got != want:
            return CheckResult(
                False, f"for '{token.text}' you returned {got!r}, expected {want!r}.", "Use token.shape_ for SHAPE."
            )
    return CheckResult(
        True, "NORM, PREFIX, SUFFIX and SHAPE match spaCy for \"n't\", 'RTX3080', '$', '450' and 'Ryzen5600X'."
    )


register(
    Exercise(
        id="04.1",
        notebook="04_inside_the_model",
        title="The four attributes a token is embedded by",
        answer="features",
        judge=_judge_features,
        setup=_spacy,
        solution='''def features(token):
    """The four attribute strings MultiHashEmbed embeds for one token."""
    return {"NORM": token.norm_, "PREFIX": token.prefix_, "SUFFIX": token.suffix_, "SHAPE": token.shape_}''',
        wrong=(
            WrongAnswer(
                """def features(token):
    return {"NORM": token.norm_, "PREFIX": token.prefix_, "SUFFIX": token.suffix_, "SHAPE": token.shape}""",
                "trailing underscore",
                "the hash instead of the string",
            ),
            WrongAnswer(
                """def features(token):
    return {"NORM": token.lower_, "PREFIX": token.prefix_, "SUFFIX": token.suffix_, "SHAPE": token.shape_}""",
                "not simply the lower-cased text",
                "lower_ for norm_",
            ),
            WrongAnswer(
                """def features(token):
    return {"NORM": token.norm_, "PREFIX": token.text[:3], "SUFFIX": token.text[-3:], "SHAPE": token.shape_}""",
                "first character only",
                "three-character prefix",
            ),
        ),
    )
)


# --- 04.2: how far the encoder sees, read from the config ---------------------------------


def _judge_reach(reach: Any) -> CheckResult:
    import spacy

    for depth, window, want in ((4, 1, 4), (3, 2, 6), (1, 1, 1)):
        nlp = spacy.blank("en")
        nlp.add_pipe("ner", config={"model": {"tok2vec": {"depth": depth, "window_size": window}}})
        got, failed = run_safely(reach, nlp)
        if failed is not None:
            return failed
        if got == want:
            continue
        where = f"with depth {depth} and window_size {window} you returned {got!r}, expected {want}."
        if got == 2 * window * depth + 1:
            return CheckResult(
                False,
                where,
                "That is the whole window (both sides and the token itself); "
                "the question is how many tokens on each side.",
            )
        if got == window + depth:
            return CheckResult(False, where, "Every layer adds window_size tokens on each side: multiply, don't add.")
        if got == depth:
            return CheckResult(False, where, "You ignored window_size: each layer reaches window_size tokens further.")
        return CheckResult(
            False,
            where,
            'Read nlp.config["components"]["ner"]["model"]["tok2vec"] and combine its depth and window_size.',
        )
    return CheckResult(True, "window_size × depth tokens on each side: 4, 6 and 1 for the three configs.")


register(
    Exercise(
        id="04.2",
        notebook="04_inside_the_model",
        title="How far does the encoder see?",
        answer="reach",
        judge=_judge_reach,
        setup=_spacy,
        solution='''def reach(nlp):
    """How many tokens on each side can change a token's vector after the encoder."""
    tok2vec = nlp.config["components"]["ner"]["model"]["tok2vec"]
    return tok2vec["window_size"] * tok2vec["depth"]''',
        wrong=(
            WrongAnswer(
                """def reach(nlp):
    tok2vec = nlp.config["components"]["ner"]["model"]["tok2vec"]
    return 2 * tok2vec["window_size"] * tok2vec["depth"] + 1""",
                "on each side",
                "the full field, both sides",
            ),
            WrongAnswer(
                """def reach(nlp):
    tok2vec = nlp.config["components"]["ner"]["model"]["tok2vec"]
    return tok2vec["window_size"] + tok2vec["depth"]""",
                "multiply",
                "adds instead of multiplying",
            ),
            WrongAnswer(
                """def reach(nlp):
    return nlp.config["components"]["ner"]["model"]["tok2vec"]["depth"]""",
                "ignored window_size",
                "depth only",
            ),
        ),
    )
)


# --- 04.3: measure how far a token's vector reaches ---------------------------------------

WORDS = ["[", "H", "]", "EVGA", "RTX", "3080", "FTW3", ",", "like", "new", "$", "450"]
CENTER = 5  # '3080'


def _probe_pipeline(depth: int) -> Any:
    """A blank pipeline with an ner (encoder of `depth` layers, window 1), random weights."""
    import spacy

    nlp = spacy.blank("en")
    tok2vec = {
        "@architectures": "spacy.HashEmbedCNN.v2",
        "width": 96,
        "depth": depth,
        "embed_size": 2000,
        "window_size": 1,
        "maxout_pieces": 3,
        "subword_features": True,
        "pretrained_vectors": None,
    }
    nlp.add_pipe("ner", config={"model": {"tok2vec": tok2vec}})
    nlp.initialize()
    return nlp


def _judge_reaches(reaches: Any) -> CheckResult:
    from spacy.util import fix_random_seed

    fix_random_seed(0)
    for depth in (1, 2):
        nlp = _probe_pipeline(depth)
        got, failed = run_safely(reaches, nlp, list(WORDS), CENTER)
        if failed is not None and "broadcast" in failed.message:
            return CheckResult(
                False,
                failed.message,
                "token.vector is the static word-vector table, empty (shape (0,)) in a blank pipeline; "
                "the encoder's vectors come from tok2vec.predict([doc]), one row per token.",
            )
        if failed is not None and "Cannot get reference" in failed.message:
            return CheckResult(
                False,
                failed.message,
                "The ner's model names its parts 'tok2vec', 'lower' and 'upper'; the embed and encode "
                "steps are 'tok2vec'.",
            )
        if failed is not None:
            return failed
        want = list(range(CENTER - depth, CENTER + depth + 1))
        try:
            got = sorted(int(j) for j in got)
        except TypeError:
            return CheckResult(False, f"expected a list of positions, got {got!r:.80}.", "Return found.")
        if not got:
            return CheckResult(
                False,
                f"with depth {depth} no replaced word changed the vector of '{WORDS[CENTER]}'.",
                "Compute `after` from `changed`, the words with one of them replaced, not from `words`.",
            )
        if len(got) == len(WORDS) and depth < CENTER:
            return CheckResult(
                False,
                f"with depth {depth} every one of the {len(WORDS)} words seemed to change the vector.",
                "predict returns one row per token for the whole batch: take row i, as `before` does, "
                "so that you compare one token's vector with the same token's vector.",
            )
        if got != want:
            return CheckResult(
                False,
                f"with depth {depth} you found {got}; the encoder lets {want} reach token {CENTER}.",
                "Replace one word at a time and compare the vector of token i only.",
            )
    return CheckResult(
        True,
        f"depth 1 reaches one token on each side of '{WORDS[CENTER]}', depth 2 two: window_size x depth, "
        "measured on the model itself.",
    )


register(
    Exercise(
        id="04.3",
        notebook="04_inside_the_model",
        title="Measure how far a token's vector reaches",
        answer="reaches",
        judge=_judge_reaches,
        setup=lambda: {**_spacy(), **_probe_names()},
        solution="""import numpy
from spacy.tokens import Doc

def reaches(nlp, words, i):
    \"\"\"Positions j where replacing words[j] changes the encoder's vector of token i.\"\"\"
    tok2vec = nlp.get_pipe("ner").model.get_ref("tok2vec")
    before = tok2vec.predict([Doc(nlp.vocab, words=words)])[i]
    found = []
    for j in range(len(words)):
        changed = words[:j] + ["zzz"] + words[j + 1:]
        after = tok2vec.predict([Doc(nlp.vocab, words=changed)])[i]
        if not numpy.allclose(before, after):
            found.append(j)
    return found""",
        wrong=(
            WrongAnswer(
                """import numpy
from spacy.tokens import Doc

def reaches(nlp, words, i):
    tok2vec = nlp.get_pipe("ner").model.get_ref("tok2vec")
    before = tok2vec.predict([Doc(nlp.vocab, words=words)])[i]
    found = []
    for j in range(len(words)):
        changed = words[:j] + ["zzz"] + words[j + 1:]
        after = tok2vec.predict([Doc(nlp.vocab, words=words)])[i]
        if not numpy.allclose(before, after):
            found.append(j)
    return found""",
                "not from `words`",
                "predicts on the unchanged words",
            ),
            WrongAnswer(
                """import numpy
from spacy.tokens import Doc

def reaches(nlp, words, i):
    tok2vec = nlp.get_pipe("ner").model.get_ref("tok2vec")
    before = tok2vec.predict([Doc(nlp.vocab, words=words)])[i]
    found = []
    for j in range(len(words)):
        changed = words[:j] + ["zzz"] + words[j + 1:]
        after = tok2vec.predict([Doc(nlp.vocab, words=changed)])
        if not numpy.allclose(before, after):
            found.append(j)
    return found""",
                "take row i",
                "compares a row with the whole matrix",
            ),
            WrongAnswer(
                """import numpy
from spacy.tokens import Doc

def reaches(nlp, words, i):
    tok2vec = nlp.get_pipe("ner").model.get_ref("tok2vec")
    before = tok2vec.predict([Doc(nlp.vocab, words=words)])[i]
    found = []
    for j in range(len(words)):
        changed = words[:j] + ["zzz"] + words[j + 1:]
        after = Doc(nlp.vocab, words=changed)[i].vector
        if not numpy.allclose(before, after):
            found.append(j)
    return found""",
                "static word-vector table",
                "token.vector instead of the encoder's output",
            ),
            WrongAnswer(
                """import numpy
from spacy.tokens import Doc

def reaches(nlp, words, i):
    tok2vec = nlp.get_pipe("ner").model.get_ref("encoder")
    before = tok2vec.predict([Doc(nlp.vocab, words=words)])[i]
    return [i]""",
                "'lower' and 'upper'",
                "a reference name the model does not have",
            ),
        ),
    )
)


def _probe_names() -> dict[str, Any]:
    import numpy
    from spacy.tokens import Doc

    return {"numpy": numpy, "Doc": Doc}


# --- 04.4: the actions that build the gold entities ---------------------------------------


def _post_setup() -> dict[str, Any]:
    import spacy

    return {"spacy": spacy, "nlp": spacy.blank("en"), "post": POST, "entities": list(ENTITIES)}


def _judge_actions(gold_actions: Any) -> CheckResult:
    import spacy
    from spacy.training import offsets_to_biluo_tags

    nlp = spacy.blank("en")
    cases = [
        (POST, ENTITIES),
        (
            "Selling a Ryzen 5 5600X for $110 in Seattle 98101",
            [(10, 23, "PRODUCT"), (28, 32, "PRICE"), (36, 43, "LOCATION"), (44, 49, "ZIP")],
        ),
    ]
    for text, ents in cases:
        doc = nlp.make_doc(text)
        got, failed = run_safely(gold_actions, doc, list(ents))
        if failed is not None:
            return failed
        want = offsets_to_biluo_tags(doc, list(ents))
        got = list(got) if isinstance(got, (list, tuple)) else got
        if got == want:
            continue
        if isinstance(got, list) and len(got) == len(want) and not any(str(t).startswith(("L-", "U-")) for t in got):
            return CheckResult(
                False,
                f"your actions for '{text[:30]}…' have no L- or U- actions: {got[:8]}…",
                "That is the IOB scheme. The transition system needs BILUO: L- closes an entity "
                "on its last token, U- is a one-token entity (offsets_to_biluo_tags).",
            )
        if isinstance(got, list) and len(got) != len(want):
            return CheckResult(
                False,
                f"you returned {len(got)} actions for {len(want)} tokens.",
                "One action per token: pass the Doc (not the text) to offsets_to_biluo_tags.",
            )
        return CheckResult(
            False,
            f"for '{text[:30]}…' expected {want}, got {got}.",
            "spacy.training.offsets_to_biluo_tags(doc, entities) gives one BILUO tag per token.",
        )
    return CheckResult(
        True,
        "one BILUO action per token; e.g. '$450' is a single U-PRICE and 'EVGA RTX 3080 FTW3' "
        "is B-, I-, I-, L-PRODUCT.",
    )


register(
    Exercise(
        id="04.4",
        notebook="04_inside_the_model",
        title="The actions that build the gold entities",
        answer="gold_actions",
        judge=_judge_actions,
        setup=_post_setup,
        solution='''from spacy.training import offsets_to_biluo_tags

def gold_actions(doc, entities):
    """One BILUO action per token that builds `entities` ((start, end, label) offsets)."""
    return offsets_to_biluo_tags(doc, entities)''',
        wrong=(
            WrongAnswer(
                """from spacy.training import biluo_to_iob, offsets_to_biluo_tags

def gold_actions(doc, entities):
    return biluo_to_iob(offsets_to_biluo_tags(doc, entities))""",
                "IOB scheme",
                "IOB instead of BILUO",
            ),
            WrongAnswer(
                """from spacy.training import offsets_to_biluo_tags

def gold_actions(doc, entities):
    return offsets_to_biluo_tags(doc, entities)[1:]""",
                "One action per token",
                "one action lost",
            ),
        ),
    )
)


# --- 04.5: a pipeline without the SHAPE table ---------------------------------------------

NO_SHAPE_CELL_HINT = "attrs and rows"


def _tables(nlp: Any) -> list[tuple[str, int]]:
    model = nlp.get_pipe("ner").model
    columns = next(n.attrs["columns"] for n in model.walk() if n.name == "extract_features")
    return list(zip(columns, [n.get_dim("nV") for n in model.walk() if n.name == "hashembed"]))


def _judge_no_shape(no_shape_ner: Any) -> CheckResult:
    nlp, failed = run_safely(no_shape_ner)
    if failed is not None:
        if "Mismatched lengths" in failed.message:
            return CheckResult(
                False,
                failed.message,
                "MultiHashEmbed needs one rows entry per attribute: remove SHAPE's entry from rows as well.",
            )
        return failed
    if nlp is None or "ner" not in getattr(nlp, "pipe_names", []):
        return CheckResult(
            False,
            "your function did not return a pipeline with a 'ner' component.",
            "Return the nlp object after nlp.add_pipe('ner', config=...).",
        )
    tables = _tables(nlp)
    attrs = [a for a, _ in tables]
    if "SHAPE" in attrs:
        return CheckResult(False, f"the model still embeds {attrs}.", "SHAPE is still embedded: take it out of attrs.")
    if attrs != ["NORM", "PREFIX", "SUFFIX"]:
        return CheckResult(False, f"the model embeds {attrs}.", "Drop SHAPE only; keep NORM, PREFIX and SUFFIX.")
    if [r for _, r in tables] != [2000, 1000, 1000]:
        return CheckResult(
            False,
            f"the tables have {[r for _, r in tables]} rows.",
            "Keep the default sizes of the other tables: 2000 for NORM, 1000 for PREFIX and SUFFIX.",
        )
    return CheckResult(True, "three tables: NORM (2000 rows), PREFIX and SUFFIX (1000 each); no SHAPE.")


register(
    Exercise(
        id="04.5",
        notebook="04_inside_the_model",
        title="An NER model that does not see word shapes",
        answer="no_shape_ner",
        judge=_judge_no_shape,
        setup=_spacy,
        solution='''def no_shape_ner():
    """A blank English pipeline whose ner embeds NORM, PREFIX and SUFFIX but not SHAPE."""
    nlp = spacy.blank("en")
    embed = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 96, "include_static_vectors": False,
             "attrs": ["NORM", "PREFIX", "SUFFIX"], "rows": [2000, 1000, 1000]}
    encode = {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4, "window_size": 1,
              "maxout_pieces": 3}
    nlp.add_pipe("ner", config={"model": {"tok2vec": {"@architectures": "spacy.Tok2Vec.v2",
                                                      "embed": embed, "encode": encode}}})
    return nlp''',
        wrong=(
            WrongAnswer(
                """def no_shape_ner():
    nlp = spacy.blank("en")
    embed = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 96, "include_static_vectors": False,
             "attrs": ["NORM", "PREFIX", "SUFFIX"], "rows": [2000, 1000, 1000, 1000]}
    encode = {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4, "window_size": 1,
              "maxout_pieces": 3}
    nlp.add_pipe("ner", config={"model": {"tok2vec": {"@architectures": "spacy.Tok2Vec.v2",
                                                      "embed": embed, "encode": encode}}})
    return nlp""",
                "one rows entry per attribute",
                "rows left at four entries",
            ),
            WrongAnswer(
                """def no_shape_ner():
    nlp = spacy.blank("en")
    embed = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 96, "include_static_vectors": False,
             "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "rows": [2000, 1000, 1000, 1000]}
    encode = {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4, "window_size": 1,
              "maxout_pieces": 3}
    nlp.add_pipe("ner", config={"model": {"tok2vec": {"@architectures": "spacy.Tok2Vec.v2",
                                                      "embed": embed, "encode": encode}}})
    return nlp""",
                "SHAPE is still embedded",
                "nothing dropped",
            ),
            WrongAnswer(
                """def no_shape_ner():
    nlp = spacy.blank("en")
    embed = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 96, "include_static_vectors": False,
             "attrs": ["NORM"], "rows": [2000]}
    encode = {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4, "window_size": 1,
              "maxout_pieces": 3}
    nlp.add_pipe("ner", config={"model": {"tok2vec": {"@architectures": "spacy.Tok2Vec.v2",
                                                      "embed": embed, "encode": encode}}})
    return nlp""",
                "Drop SHAPE only",
                "dropped too much",
            ),
        ),
    )
)


# --- 04.6: change one hyperparameter and retrain tiny -------------------------------------


def _tiny_examples(nlp: Any) -> list:
    from spacy.training import Example

    return [Example.from_dict(nlp.make_doc(POST), {"entities": list(ENTITIES)})]


N_UPDATES = 3


def _judge_depth(make_ner: Any) -> CheckResult:
    for depth in (1, 3):
        nlp, failed = run_safely(make_ner, depth)
        if failed is not None:
            if "unexpected argument: 'depth'" in failed.message or "ConfigValidationError" in failed.message:
                return CheckResult(
                    False,
                    "spaCy rejected the config: " + failed.message[:160],
                    'depth is a setting of the tok2vec block: config={"model": {"tok2vec": {"depth": depth}}}.',
                )
            return failed
        if nlp is None or "ner" not in getattr(nlp, "pipe_names", []):
            return CheckResult(
                False, "your function did not return a pipeline with a 'ner' component.", "Return nlp at the end."
            )
        got = nlp.config["components"]["ner"]["model"]["tok2vec"].get("depth")
        if got != depth:
            return CheckResult(
                False,
                f"make_ner({depth}) built a tok2vec with depth {got}.",
                "Pass the function's depth argument into the config instead of a fixed number.",
            )
        ner = nlp.get_pipe("ner")
        if "PRICE" not in ner.labels:
            return CheckResult(
                False,
                f"the ner knows the labels {list(ner.labels)}.",
                "Call ner.add_label(label) for every label in LABELS before you return.",
            )
    import numpy
    import spacy

    spacy.util.fix_random_seed(0)  # the same message on every run
    examples = _tiny_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    model = nlp.get_pipe("ner").model
    before = [node.get_param(p).copy() for node in model.walk() for p in node.param_names if node.has_param(p)]
    for _ in range(N_UPDATES):
        nlp.update(examples, sgd=optimizer)
    after = [node.get_param(p) for node in model.walk() for p in node.param_names if node.has_param(p)]
    moved = sum(int(not numpy.array_equal(x, y)) for x, y in zip(before, after))
    layers = sum(1 for n in model.walk() if n.name == "expand_window")  # one per encoder layer
    return CheckResult(
        True,
        f"depth 3 builds {layers} encoder layers, and it trains: {N_UPDATES} updates on one post "
        f"changed {moved} of its {len(before)} weight arrays.",
    )


register(
    Exercise(
        id="04.6",
        notebook="04_inside_the_model",
        title="Change the encoder depth and retrain",
        answer="make_ner",
        judge=_judge_depth,
        setup=lambda: {**_spacy(), "LABELS": ["PRODUCT", "PRICE", "LOCATION", "ZIP", "CONDITION", "URL", "USERNAME"]},
        solution='''def make_ner(depth):
    """A blank English pipeline with an untrained ner whose encoder has `depth` layers."""
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner", config={"model": {"tok2vec": {"depth": depth}}})
    for label in LABELS:
        ner.add_label(label)
    return nlp''',
        wrong=(
            WrongAnswer(
                """def make_ner(depth):
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner", config={"depth": depth})
    for label in LABELS:
        ner.add_label(label)
    return nlp""",
                "setting of the tok2vec block",
                "depth at the component level",
            ),
            WrongAnswer(
                """def make_ner(depth):
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner", config={"model": {"tok2vec": {"depth": 2}}})
    for label in LABELS:
        ner.add_label(label)
    return nlp""",
                "instead of a fixed number",
                "argument ignored",
            ),
            WrongAnswer(
                """def make_ner(depth):
    nlp = spacy.blank("en")
    nlp.add_pipe("ner", config={"model": {"tok2vec": {"depth": depth}}})
    return nlp""",
                "add_label",
                "labels forgotten",
            ),
        ),
    )
)
