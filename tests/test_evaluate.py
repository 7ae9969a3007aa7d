"""course/evaluate.py: strict, partial and seqeval scores, confusion and error tables, CLI.

Predictions are controlled with an "oracle" component that sets the entities listed
in PREDICTIONS for a text, so every expected score can be worked out by hand.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import spacy
from hypothesis import given, settings, strategies as st
from spacy.language import Language
from spacy.training import Example

from course.annotations import to_docs
from course.cli import main
from course.errors import AnnotationError, TrainingError
from course.evaluate import ERROR_COLUMNS, MISSED, NONE, EvalResult, compare, evaluate, match
from course.settings import LABELS

ROOT = Path(__file__).resolve().parents[1]
PREDICTIONS: dict[str, list[list]] = {}


@Language.component("test_evaluate_oracle")
def _oracle(doc):
    doc.ents = [doc.char_span(s, e, label=label) for s, e, label in PREDICTIONS.get(doc.text, [])]
    return doc


NLP = spacy.blank("en")
NLP.add_pipe("test_evaluate_oracle")


def at(text: str, sub: str, label: str) -> list:
    """[start, end, label] of the first occurrence of `sub` in `text`."""
    start = text.index(sub)
    return [start, start + len(sub), label]


def run(items: list[tuple[str, list, list]], labels=None) -> EvalResult:
    """Evaluate (text, gold entities, predicted entities) triples with the oracle."""
    PREDICTIONS.clear()
    PREDICTIONS.update({text: pred for text, _, pred in items})
    return evaluate(NLP, [{"text": text, "entities": gold} for text, gold, _ in items], labels)


def all_finite(result: EvalResult) -> bool:
    data = result.to_json()
    numbers = [
        *data["micro"].values(),
        *data["partial"].values(),
        result.seqeval_f1,
        *(v for s in data["per_label"].values() for v in s.values()),
    ]
    table_ok = not result.table().isna().any().any() and not result.errors.isna().any().any()
    return all(isinstance(x, (int, float)) and math.isfinite(x) for x in numbers) and table_ok


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r)


# --- strict and partial scores ----------------------------------------------------


def price_case() -> EvalResult:
    """10 gold PRICE spans; 8 predictions of which 6 exact, 2 too short; 2 missed."""
    items = []
    for k in range(10):
        text = f"Item {k}: asking 350 EUR, pickup only"
        pred = [at(text, "350 EUR", "PRICE")] if k < 6 else [at(text, "350", "PRICE")] if k < 8 else []
        items.append((text, [at(text, "350 EUR", "PRICE")], pred))
    return run(items)


def test_strict_scores_by_hand():
    result = price_case()
    price = result.per_label["PRICE"]
    assert price["support"] == 10
    assert price["p"] == pytest.approx(0.75) and price["r"] == pytest.approx(0.6)
    assert price["f"] == pytest.approx(f1(0.75, 0.6))
    assert result.micro == pytest.approx({"p": 0.75, "r": 0.6, "f": f1(0.75, 0.6)})
    assert list(result.per_label) == ["PRICE"]
    assert result.n_docs == 10


def test_partial_counts_overlaps_as_hits():
    result = price_case()
    assert result.partial == pytest.approx({"p": 1.0, "r": 0.8, "f": f1(1.0, 0.8)})


def test_seqeval_agrees_with_strict_micro_f1():
    result = price_case()
    assert abs(result.seqeval_f1 - result.micro["f"]) < 1e-9


def test_partial_overlap_product_is_strict_miss():
    text = "Selling my EVGA RTX 3080 FTW3 for 500 EUR"
    result = run([(text, [at(text, "EVGA RTX 3080 FTW3", "PRODUCT")], [at(text, "RTX 3080", "PRODUCT")])])
    assert result.micro == {"p": 0.0, "r": 0.0, "f": 0.0}
    assert result.partial == pytest.approx({"p": 1.0, "r": 1.0, "f": 1.0})
    [row] = result.errors.to_dict("records")
    assert row["error"] == "wrong boundary"
    assert (row["gold_text"], row["pred_text"]) == ("EVGA RTX 3080 FTW3", "RTX 3080")
    assert result.confusion.loc["PRODUCT", "PRODUCT"] == 1


def test_wrong_label_is_no_hit_even_partially():
    text = "Selling my RTX 3080 today"
    result = run([(text, [at(text, "RTX 3080", "PRODUCT")], [at(text, "RTX 3080", "PRICE")])])
    assert result.micro["f"] == 0.0 and result.partial["f"] == 0.0
    assert result.per_label["PRICE"] == {"p": 0.0, "r": 0.0, "f": 0.0, "support": 0}
    assert result.per_label["PRODUCT"]["support"] == 1
    assert result.confusion.loc["PRODUCT", "PRICE"] == 1
    assert list(result.errors["error"]) == ["wrong label"]


def test_partial_is_never_below_strict():
    text = "a b c d e f"
    result = run([(text, [[0, 3, "PRODUCT"], [4, 5, "PRODUCT"]], [[0, 5, "PRODUCT"]])])
    assert result.partial["p"] >= result.micro["p"] and result.partial["r"] >= result.micro["r"]


# --- nothing to count -------------------------------------------------------------


def test_empty_gold_and_no_predictions_is_zero_not_nan():
    result = run([("Nothing to see here", [], []), ("Still nothing", [], [])])
    assert result.micro == {"p": 0.0, "r": 0.0, "f": 0.0}
    assert result.partial == {"p": 0.0, "r": 0.0, "f": 0.0}
    assert result.seqeval_f1 == 0.0
    assert result.per_label == {}
    assert list(result.table().index) == ["micro"]
    assert result.errors.empty and list(result.errors.columns) == ERROR_COLUMNS
    assert result.confusion.shape == (1, 1) and result.confusion.to_numpy().sum() == 0
    assert all_finite(result)


def test_explicit_labels_report_every_label_with_zero_support():
    result = run([("Nothing to see here", [], [])], labels=LABELS)
    assert list(result.per_label) == list(LABELS)
    assert all(s == {"p": 0.0, "r": 0.0, "f": 0.0, "support": 0} for s in result.per_label.values())
    assert list(result.table().index) == [*LABELS, "micro"]
    assert all_finite(result)


def test_no_predictions_at_all():
    text = "RTX 3080 in Berlin"
    result = run([(text, [at(text, "RTX 3080", "PRODUCT"), at(text, "Berlin", "LOCATION")], [])])
    assert result.micro == {"p": 0.0, "r": 0.0, "f": 0.0}
    assert {k: v["support"] for k, v in result.per_label.items()} == {"PRODUCT": 1, "LOCATION": 1}
    assert list(result.errors["error"]) == ["missed", "missed"]
    assert all_finite(result)


def test_spurious_prediction_in_doc_without_entities_counts():
    text1, text2 = "RTX 3080 for sale", "Thanks for reading"
    result = run(
        [
            (text1, [at(text1, "RTX 3080", "PRODUCT")], [at(text1, "RTX 3080", "PRODUCT")]),
            (text2, [], [at(text2, "Thanks", "PRODUCT")]),
        ]
    )
    assert result.micro == pytest.approx({"p": 0.5, "r": 1.0, "f": f1(0.5, 1.0)})
    assert abs(result.seqeval_f1 - result.micro["f"]) < 1e-9
    assert result.confusion.loc[NONE, "PRODUCT"] == 1
    assert result.errors.to_dict("records")[0]["doc"] == 1
    assert all_finite(result)


def test_empty_record_list():
    result = run([])
    assert result.n_docs == 0 and result.micro["f"] == 0.0 and result.seqeval_f1 == 0.0
    assert all_finite(result)


# --- labels and invalid data --------------------------------------------------------


def test_labels_restrict_predictions():
    text = "RTX 3080 from Nvidia"
    result = run(
        [(text, [at(text, "RTX 3080", "PRODUCT")], [at(text, "RTX 3080", "PRODUCT"), at(text, "Nvidia", "ORG")])],
        labels=["PRODUCT"],
    )
    assert result.micro["p"] == 1.0
    assert [e.label_ for e in result.pred_docs[0].ents] == ["PRODUCT"]
    assert "ORG" in run([(text, [], [at(text, "Nvidia", "ORG")])]).per_label


def test_invalid_records_raise_instead_of_dropping_spans():
    with pytest.raises(AnnotationError) as err:
        evaluate(NLP, [{"text": "RTX 3080", "entities": [[0, 2, "PRODUCT"]]}])
    assert err.value.problems[0].code == "N101"
    with pytest.raises(AnnotationError) as err:
        evaluate(NLP, [{"text": "RTX 3080", "entities": [[0, 3, "RTX"], [1, 5, "GPU"]]}], labels=LABELS)
    assert err.value.problems[0].code == "N101"


def test_labels_restrict_gold_as_well_as_predictions():
    """Scoring three rule-based labels on fully annotated posts ignores the other labels."""
    text = "Selling RTX 3080 for $450 in 78701"
    result = run(
        [(text, [at(text, "RTX 3080", "PRODUCT"), at(text, "78701", "ZIP")], [at(text, "78701", "ZIP")])],
        labels=["ZIP"],
    )
    assert result.micro == {"p": 1.0, "r": 1.0, "f": 1.0}
    assert list(result.per_label) == ["ZIP"] and result.per_label["ZIP"]["support"] == 1
    assert [e.label_ for e in result.gold_docs[0].ents] == ["ZIP"]


# --- confusion and error tables ---------------------------------------------------

ERROR_TEXT = "Selling EVGA RTX 3080 FTW3 in Berlin 10115 for 500 EUR via ebay"
ERROR_CASES = {  # error type → (gold entities, predicted entities)
    "missed": ([at(ERROR_TEXT, "Berlin", "LOCATION")], []),
    "spurious": ([], [at(ERROR_TEXT, "ebay", "URL")]),
    "wrong label": ([at(ERROR_TEXT, "10115", "ZIP")], [at(ERROR_TEXT, "10115", "PRICE")]),
    "wrong boundary": ([at(ERROR_TEXT, "500 EUR", "PRICE")], [at(ERROR_TEXT, "500", "PRICE")]),
    "wrong label and boundary": (
        [at(ERROR_TEXT, "EVGA RTX 3080 FTW3", "PRODUCT")],
        [at(ERROR_TEXT, "RTX 3080", "CONDITION")],
    ),
}


@pytest.mark.parametrize("kind", list(ERROR_CASES))
def test_error_table_classifies(kind):
    gold, pred = ERROR_CASES[kind]
    result = run([(ERROR_TEXT, gold, pred)])
    [row] = result.errors.to_dict("records")
    assert row["error"] == kind and row["doc"] == 0
    assert row["gold_label"] == (gold[0][2] if gold else "") and row["pred_label"] == (pred[0][2] if pred else "")
    assert (row["gold_text"] or row["pred_text"]) in row["snippet"]


def test_confusion_table_counts():
    gold = [g for g, _ in ERROR_CASES.values() for g in g] + [at(ERROR_TEXT, "Selling", "CONDITION")]
    pred = [p for _, p in ERROR_CASES.values() for p in p] + [at(ERROR_TEXT, "Selling", "CONDITION")]
    result = run([(ERROR_TEXT, gold, pred)])
    c = result.confusion
    assert list(c.index) == ["PRODUCT", "PRICE", "LOCATION", "ZIP", "CONDITION", "URL", NONE]
    assert list(c.columns) == ["PRODUCT", "PRICE", "LOCATION", "ZIP", "CONDITION", "URL", MISSED]
    expected = {
        ("LOCATION", MISSED): 1,
        (NONE, "URL"): 1,
        ("ZIP", "PRICE"): 1,
        ("PRICE", "PRICE"): 1,
        ("PRODUCT", "CONDITION"): 1,
        ("CONDITION", "CONDITION"): 1,
    }
    assert {(r, k): int(c.loc[r, k]) for r in c.index for k in c.columns if c.loc[r, k]} == expected
    assert sorted(result.errors["error"]) == sorted(ERROR_CASES)
    assert result.micro["p"] == pytest.approx(1 / 5) and result.micro["r"] == pytest.approx(1 / 5)


def test_retokenizing_pipeline_still_agrees_with_seqeval():
    merged = spacy.blank("en")
    merged.add_pipe("test_evaluate_oracle")
    merged.add_pipe("merge_entities")
    text = "Selling my EVGA RTX 3080 FTW3 for 500 EUR in Berlin"
    gold = [at(text, "RTX 3080", "PRODUCT"), at(text, "500 EUR", "PRICE"), at(text, "Berlin", "LOCATION")]
    PREDICTIONS.clear()
    PREDICTIONS[text] = [at(text, "EVGA RTX 3080", "PRODUCT"), at(text, "500 EUR", "PRICE")]
    result = evaluate(merged, [{"text": text, "entities": gold}])
    assert len(result.pred_docs[0]) < len(result.gold_docs[0])
    assert result.micro == pytest.approx({"p": 0.5, "r": 1 / 3, "f": f1(0.5, 1 / 3)})
    assert abs(result.seqeval_f1 - result.micro["f"]) < 1e-9
    assert sorted(result.errors["error"]) == ["missed", "wrong boundary"]


def test_match_prefers_exact_then_overlap():
    gold = [(0, 2, "PRODUCT"), (2, 4, "PRODUCT")]
    assert match(gold, [(0, 4, "PRODUCT")]) == [(0, 0)]
    assert match(gold, [(1, 4, "PRICE")]) == [(1, 0)]
    assert match(gold, [(2, 4, "PRICE")], same_label=True) == []


# --- random cases: seqeval and table invariants -------------------------------------

TEST_LABELS = ["PRODUCT", "PRICE", "ZIP"]


def _spans(draw, starts: list[int], words: list[str]) -> list[list]:
    out, i = [], 0
    while i < len(words):
        if draw(st.booleans()):
            n = draw(st.integers(1, min(3, len(words) - i)))
            out.append([starts[i], starts[i + n - 1] + len(words[i + n - 1]), draw(st.sampled_from(TEST_LABELS))])
            i += n
        else:
            i += 1
    return out


@st.composite
def cases(draw):
    items = []
    for k in range(draw(st.integers(1, 4))):
        words = [f"w{k}t{i}" for i in range(draw(st.integers(1, 8)))]
        starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
        items.append((" ".join(words), _spans(draw, starts, words), _spans(draw, starts, words)))
    return items


@settings(derandomize=True, max_examples=80, deadline=None)
@given(cases())
def test_random_cases_agree_with_seqeval(items):
    result = run(items)
    assert abs(result.seqeval_f1 - result.micro["f"]) < 1e-9
    assert result.partial["f"] >= result.micro["f"] - 1e-12
    c = result.confusion
    for label, scores in result.per_label.items():
        assert c.loc[label].sum() == scores["support"]
        assert c[label].sum() == sum(e.label_ == label for d in result.pred_docs for e in d.ents)
    n_gold = sum(len(g) for _, g, _ in items)
    correct = int(result.micro["r"] * n_gold + 0.5)
    n_paired_errors = (~result.errors["error"].isin(["missed", "spurious"])).sum()
    assert correct + n_paired_errors + (result.errors["error"] == "missed").sum() == n_gold
    assert all_finite(result)


# --- reproducibility, compare, reports ------------------------------------------------

TRAIN = [
    {
        "text": "Selling my RTX 3080 for 500 EUR in Berlin",
        "entities": [[11, 19, "PRODUCT"], [24, 31, "PRICE"], [35, 41, "LOCATION"]],
    },
    {"text": "GTX 1080 Ti, used, 250 EUR", "entities": [[0, 11, "PRODUCT"], [13, 17, "CONDITION"], [19, 26, "PRICE"]]},
    {"text": "Ryzen 5 3600 boxed, pickup in Hamburg", "entities": [[0, 12, "PRODUCT"], [30, 37, "LOCATION"]]},
    {"text": "Looking for a cheap monitor", "entities": []},
    {"text": "RX 6800 like new 400 EUR", "entities": [[0, 7, "PRODUCT"], [8, 16, "CONDITION"], [17, 24, "PRICE"]]},
]


def train_tiny(seed: int = 0, steps: int = 4) -> Language:
    """A blank English pipeline with an untuned NER, a few updates on TRAIN."""
    spacy.util.fix_random_seed(seed)
    nlp = spacy.blank("en")
    ner: Any = nlp.add_pipe("ner")  # an EntityRecognizer (spaCy types add_pipe as a callable)
    for label in ("PRODUCT", "PRICE", "LOCATION", "CONDITION"):
        ner.add_label(label)
    examples = [Example(nlp.make_doc(d.text), d) for d in to_docs(nlp, TRAIN)]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(steps):
        nlp.update(examples, sgd=optimizer, drop=0.1)
    return nlp


def test_same_seed_same_scores():
    first, second = evaluate(train_tiny(0), TRAIN), evaluate(train_tiny(0), TRAIN)
    assert first.to_json() == second.to_json()
    ents = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in first.pred_docs]
    assert ents == [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in second.pred_docs]


def test_to_json_keys_and_rounding():
    data = price_case().to_json()
    assert list(data) == ["micro", "per_label", "partial", "n_docs"]
    assert set(data["micro"]) == set(data["partial"]) == {"p", "r", "f"}
    assert data["per_label"]["PRICE"] == {"p": 0.75, "r": 0.6, "f": 0.6667, "support": 10}
    assert json.loads(json.dumps(data)) == data


def test_table_and_html():
    table = price_case().table()
    assert list(table.columns) == ["precision", "recall", "f1", "support"]
    assert table.loc["micro"].tolist() == [0.75, 0.6, 0.667, 10]
    assert "<table" in price_case()._repr_html_()


def test_compare_columns_and_rows():
    text = "RTX 3080 for 500 EUR"
    gold = [at(text, "RTX 3080", "PRODUCT"), at(text, "500 EUR", "PRICE")]
    good, half = run([(text, gold, gold)]), run([(text, gold, gold[:1])])
    records = [{"text": text, "entities": gold}]
    table = compare({"good": good, "half": half}, records)
    assert list(table.columns) == ["good", "half"]
    assert list(table.index) == ["PRODUCT", "PRICE", "micro"]
    assert table.loc["PRICE"].tolist() == [1.0, 0.0]
    assert table.loc["micro", "half"] == round(f1(1.0, 0.5), 3)
    assert compare({"half": half}, records, metric="precision").loc["micro", "half"] == 1.0
    PREDICTIONS.clear()
    assert compare({"oracle": NLP}, records).loc["micro", "oracle"] == 0.0
    with pytest.raises(TrainingError, match="N420"):
        compare({"good": good}, records, metric="accuracy")


# --- command line -------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny"
    train_tiny(0, steps=2).to_disk(path)
    return path


@pytest.fixture()
def data_file(tmp_path) -> Path:
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TRAIN), encoding="utf-8")
    return path


def test_cli_json(model_dir, data_file, capsys):
    assert main(["evaluate", str(model_dir), str(data_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["micro", "per_label", "partial", "n_docs"] and data["n_docs"] == len(TRAIN)
    assert all(set(s) == {"p", "r", "f", "support"} for s in data["per_label"].values())


def test_cli_table(model_dir, data_file, capsys):
    assert main(["evaluate", str(model_dir), str(data_file)]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "micro" in out and "partial" in out


def test_cli_missing_model_dir(cli, tmp_path, data_file):
    result = cli(["evaluate", tmp_path / "nope", data_file], ROOT)
    assert result.returncode == 2
    assert "N401" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_cli_not_a_pipeline_and_no_ner(tmp_path, data_file, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["evaluate", str(tmp_path / "empty"), str(data_file)]) == 2
    assert "N402" in capsys.readouterr().err
    spacy.blank("en").to_disk(tmp_path / "blank")
    assert main(["evaluate", str(tmp_path / "blank"), str(data_file)]) == 2
    assert "N405" in capsys.readouterr().err


def test_cli_invalid_data(model_dir, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps(TRAIN[0]) + "\n" + json.dumps({"text": "RTX 3080", "entities": [[0, 2, "PRODUCT"]]}) + "\n",
        encoding="utf-8",
    )
    for mode in (["--json"], []):
        assert main(["evaluate", str(model_dir), str(bad), *mode]) == 1
        captured = capsys.readouterr()
        assert captured.err.startswith(f"{bad}:2: N101")  # the line, on stderr, in both modes
        assert captured.out == "" and "--skip-invalid to score the 1 valid record(s)" in captured.err
        assert "Traceback" not in captured.out + captured.err


def test_cli_skip_invalid_scores_the_valid_records_and_says_how_many_were_skipped(model_dir, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    rows = [
        json.dumps(TRAIN[0]),
        json.dumps({"text": "RTX 3080", "entities": [[0, 2, "PRODUCT"]]}),
        "{oops",
        *[json.dumps(r) for r in TRAIN[1:]],
    ]
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["evaluate", str(model_dir), str(bad), "--json", "--skip-invalid"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["skipped"] == 2 and data["n_docs"] == len(TRAIN)
    assert data["micro"] == json.loads(_evaluate_json(model_dir, tmp_path))["micro"]  # the valid ones only
    err = captured.err.splitlines()
    assert [line.split(" ")[:2] for line in err[:2]] == [[f"{bad}:2:", "N101"], [f"{bad}:3:", "N203"]]
    assert f"skipped 2 invalid record(s) of {bad}" in err[2] and f"scored the other {len(TRAIN)}" in err[2]
    assert main(["evaluate", str(model_dir), str(bad), "--skip-invalid"]) == 1
    captured = capsys.readouterr()
    assert "micro" in captured.out and "skipped 2 invalid record(s)" in captured.err


def _evaluate_json(model_dir, tmp_path) -> str:
    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps(r) + "\n" for r in TRAIN), encoding="utf-8")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["evaluate", str(model_dir), str(good), "--json"]) == 0
    return out.getvalue()
