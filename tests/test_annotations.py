"""course/annotations.py: every problem reported with its code, line, span text and fix."""

# no `from __future__ import annotations`: the module `annotations` is imported below
import copy
import json
import re
import warnings
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings, strategies as st
from spacy.training import Example

from course import annotations
from course.annotations import fix, from_doc, to_doc, to_docs, validate
from course.errors import AnnotationError, Problem
from course.settings import LABELS

# 0       8   12   17   22   27 29 33     41   47   52
SELL = "Selling RTX 3080 FTW3 Ultra, $450 shipped from 94110"
POST = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra [W] $450 shipped"
GLUED = "EVGA RTX3080 FTW3"  # a learner's typo: no space, so 'RTX3080' is one token
BROKEN = Path(__file__).resolve().parents[1] / "data" / "broken_annotations.jsonl"
BROKEN_TAGS = {
    "misaligned": "N101",
    "whitespace": "N102",
    "overlap": "N103",
    "duplicate": "N104",
    "out_of_range": "N105",
    "empty_span": "N106",
    "unknown_label": "N107",
    "label_case": "N108",
    "missing_key": "N109",
    "wrong_type": "N110",
    "empty_text": "N111",
    "whitespace_span": "N112",
}


def rec(text: str, *entities) -> dict:
    return {"text": text, "entities": [list(e) for e in entities]}


def only(report, code: str) -> Problem:
    """The single problem of `report`, which must have `code`."""
    assert [p.code for p in report.problems] == [code], report.lines()
    return report.problems[0]


def test_offsets_in_this_file_are_what_the_comments_say():
    assert SELL[8:16] == "RTX 3080" and SELL[29:33] == "$450" and SELL[47:52] == "94110" and len(SELL) == 52
    assert POST[13:37] == "EVGA RTX 3080 FTW3 Ultra" and POST[42:46] == "$450"


def test_valid_records_have_no_problems(nlp):
    records = [
        rec(SELL, (8, 21, "PRODUCT"), (29, 33, "PRICE"), (47, 52, "ZIP")),
        rec(POST, (1, 7, "LOCATION"), (13, 37, "PRODUCT"), (42, 46, "PRICE")),
        rec("Anyone selling a cheap PSU?"),
    ]
    report = validate(records, nlp, LABELS)
    assert report.ok and bool(report) and len(report) == 0 and report.n_records == 3
    assert str(report) == "3 record(s), 0 problem(s)"


# --- one test per code ---------------------------------------------------------------


def test_n100_record_is_not_an_object(nlp):
    report = validate([[SELL, []], SELL, None, 7], nlp, source="posts.jsonl")
    assert [(p.code, p.line) for p in report.problems] == [("N100", 1), ("N100", 2), ("N100", 3), ("N100", 4)]
    assert [p.message for p in report.problems] == [
        "record is a list, not a JSON object",
        "record is a string, not a JSON object",
        "record is a null, not a JSON object",
        "record is a number, not a JSON object",
    ]
    assert report.problems[0].format().startswith("posts.jsonl:1: N100 record is a list")


def test_n101_suggests_the_nearest_token_aligned_span(nlp):
    p = only(validate([rec(SELL, (8, 15, "PRODUCT"))], nlp), "N101")
    assert (p.index, p.line, p.source, p.entity) == (0, 1, "<records>", 0)
    assert p.span == (8, 15, "PRODUCT")
    assert p.message == "span [8, 15) 'RTX 308' (PRODUCT) does not align with token boundaries"
    assert "nearest aligned span: [8, 16) 'RTX 3080'" in p.hint
    assert p.fix == (8, 16, "PRODUCT")


def test_n101_uses_the_file_name_and_line_when_given(nlp):
    report = validate([rec(SELL), rec(SELL, (8, 15, "PRODUCT"))], nlp, source="posts.jsonl", lines=[4, 9])
    p = only(report, "N101")
    assert (p.index, p.line, p.source) == (1, 9, "posts.jsonl")
    assert p.format() == (
        "posts.jsonl:9: N101 span [8, 15) 'RTX 308' (PRODUCT) does not align with token "
        "boundaries — nearest aligned span: [8, 16) 'RTX 3080'; use course.annotations.fix() "
        "or correct the offsets"
    )


def test_n101_picks_whichever_of_expand_and_contract_moves_the_boundaries_least(nlp):
    text = "EVGA RTX 3080 FTW3"
    # 'A RTX 3080 F': expanding to [0, 18) moves 6 characters, contracting to [5, 13) moves 4
    p = only(validate([rec(text, (3, 15, "PRODUCT"))], nlp), "N101")
    assert p.message.startswith("span [3, 15) 'A RTX 3080 F'")
    assert p.fix == (5, 13, "PRODUCT") and "[5, 13) 'RTX 3080'" in p.hint


def test_n101_inside_one_token_suggests_the_whole_token_but_does_not_apply_it(nlp):
    """'308' lies inside the token 'RTX3080': expanding adds more than the span held, so it is a suggestion."""
    assert nlp.make_doc(GLUED).char_span(8, 11) is None
    p = only(validate([rec(GLUED, (8, 11, "PRODUCT"))], nlp), "N101")
    assert p.message == "span [8, 11) '308' (PRODUCT) does not align with token boundaries"
    assert p.fix is None and "nearest aligned span: [5, 12) 'RTX3080', but that changes" in p.hint


@pytest.mark.parametrize(
    "text, span, near",
    [
        ("a big crowd in San Francisco", (9, 28), "crowd in San Francisco"),  # 'wd' → 'crowd': a new word
        ("I love M&M. Really", (7, 10), "M&M."),  # adds punctuation
    ],
)
def test_n101_snap_that_changes_the_words_is_only_a_suggestion(nlp, text, span, near):
    p = only(validate([rec(text, (*span, "PRODUCT"))], nlp), "N101")
    assert p.fix is None and f"'{near}', but that changes which words are covered" in p.hint
    result = fix([rec(text, (*span, "PRODUCT"))], nlp)
    assert result.changes == [] and only(result.remaining, "N101")


def test_n101_snap_that_completes_a_word_is_safe(nlp):
    p = only(validate([rec(SELL, (8, 15, "PRODUCT"))], nlp), "N101")  # 'RTX 308' → 'RTX 3080'
    assert p.fix == (8, 16, "PRODUCT")
    p = only(validate([rec("EVGA RTX 3080 Ti", (5, 15, "PRODUCT"))], nlp), "N101")  # '... T' → '... Ti'
    assert p.fix == (5, 16, "PRODUCT")


def test_n101_without_any_aligned_span_has_no_fix_and_fix_leaves_it(nlp, monkeypatch):
    """With spaCy's tokenizer an expanded span always exists; the no-suggestion branch is for when it does not."""
    monkeypatch.setattr(annotations, "nearest_aligned", lambda doc, start, end: None)
    records = [rec(GLUED, (8, 11, "PRODUCT"))]
    p = only(validate(records, nlp), "N101")
    assert p.fix is None
    assert p.hint == (
        "no token-aligned span is close (tokens here: 'RTX3080'); annotate whole tokens or add a space to the text"
    )
    result = fix(records, nlp)
    assert result.changes == [] and result.records == records
    assert only(result.remaining, "N101").fix is None


def test_n102_leading_trailing_and_both(nlp):
    report = validate(
        [rec(SELL, (7, 16, "PRODUCT"), (29, 34, "PRICE"), (46, 53 - 1, "ZIP")), rec(SELL, (7, 17, "PRODUCT"))], nlp
    )
    assert [p.code for p in report.problems] == ["N102"] * 4
    lead, trail, zip_lead, both = report.problems
    assert lead.message == "span [7, 16) ' RTX 3080' (PRODUCT) has leading whitespace inside it"
    assert lead.hint == "strip it to [8, 16) 'RTX 3080' (course.annotations.fix does this)"
    assert lead.fix == (8, 16, "PRODUCT")
    assert trail.message == "span [29, 34) '$450 ' (PRICE) has trailing whitespace inside it"
    assert trail.fix == (29, 33, "PRICE")
    assert zip_lead.fix == (47, 52, "ZIP")
    assert "has leading and trailing whitespace" in both.message and both.fix == (8, 16, "PRODUCT")
    assert (both.line, both.entity) == (2, 0)


def test_n102_and_e101_on_one_span_suggest_strip_then_snap(nlp):
    report = validate([rec(SELL, (7, 15, "PRODUCT"))], nlp)
    assert [(p.code, p.fix) for p in report.problems] == [("N102", (8, 15, "PRODUCT")), ("N101", (8, 16, "PRODUCT"))]
    assert "' RTX 308'" in report.problems[1].message  # the span as the learner wrote it


def test_n103_overlap_names_both_spans(nlp):
    p = only(validate([rec(SELL, (8, 21, "PRODUCT"), (8, 16, "PRODUCT"))], nlp), "N103")
    assert p.message == "spans overlap: [8, 16) 'RTX 3080' (PRODUCT) and [8, 21) 'RTX 3080 FTW3' (PRODUCT)"
    assert "keep one span" in p.hint and p.fix is None and p.entity == 0


def test_n103_same_offsets_with_two_labels_is_an_overlap_not_a_duplicate(nlp):
    p = only(validate([rec(SELL, (29, 33, "PRICE"), (29, 33, "PRODUCT"))], nlp), "N103")
    assert p.message == "spans overlap: [29, 33) '$450' (PRICE) and [29, 33) '$450' (PRODUCT)"


def test_n103_at_most_one_overlap_per_span_naming_how_many_others(nlp):
    report = validate([rec(POST, (13, 26, "PRODUCT"), (18, 26, "PRODUCT"), (18, 37, "PRODUCT"))], nlp)
    assert report.counts() == {"N103": 2}
    assert [p.message for p in report.problems] == [
        "spans overlap: [13, 26) 'EVGA RTX 3080' (PRODUCT) and [18, 26) 'RTX 3080' (PRODUCT)",
        "spans overlap: [13, 26) 'EVGA RTX 3080' (PRODUCT) and [18, 37) 'RTX 3080 FTW3 Ultra' (PRODUCT)"
        " (and 1 other span(s))",
    ]


def test_n103_is_capped_per_record_with_e133_and_short_texts(nlp):
    text = " ".join(["word"] * 300)
    spans = [(0, len(text) - 5 * k, "PRODUCT") for k in range(60)]  # 60 nested spans
    report = validate([rec(text, *spans)], nlp)
    assert report.counts() == {"N103": annotations.MAX_OVERLAPS, "N133": 1}
    assert "… and 39 more overlapping span(s)" in report.problems[-1].message
    assert max(len(p.message) for p in report.problems) < 200


def test_n103_one_shared_character_is_an_overlap(nlp):
    p = only(validate([rec(POST, (1, 5, "LOCATION"), (4, 7, "LOCATION"))], nlp), "N103")
    assert p.message == "spans overlap: [1, 5) 'USA-' (LOCATION) and [4, 7) '-TX' (LOCATION)"


def test_touching_spans_do_not_overlap(nlp):
    assert validate([rec(POST, (13, 17, "PRODUCT"), (18, 26, "PRODUCT"))], nlp).ok
    assert validate([rec("$450", (0, 1, "PRICE"), (1, 4, "PRICE"))], nlp).ok


def test_n104_duplicate_names_the_span_and_marks_the_later_copy(nlp):
    report = validate([rec(SELL, (29, 33, "PRICE"), (8, 16, "PRODUCT"), (29, 33, "PRICE"), (29, 33, "PRICE"))], nlp)
    assert [(p.code, p.entity) for p in report.problems] == [("N104", 2), ("N104", 3)]
    p = report.problems[0]
    assert p.message == "span [29, 33) '$450' (PRICE) is listed twice"
    assert p.span == (29, 33, "PRICE") and "delete the duplicate" in p.hint


def test_n105_out_of_range(nlp):
    report = validate([rec(SELL, (47, 60, "ZIP"), (-1, 7, "PRODUCT"))], nlp)
    assert [p.code for p in report.problems] == ["N105", "N105"]
    p = report.problems[0]
    assert p.message == "span [47, 60) (ZIP) is outside the text, which has 52 characters"
    assert "the largest valid end is 52" in p.hint and p.fix is None
    assert report.problems[1].message.startswith("span [-1, 7) (PRODUCT) is outside the text")


def test_n106_empty_or_reversed(nlp):
    report = validate([rec(SELL, (16, 8, "PRODUCT"), (8, 8, "PRODUCT"))], nlp)
    assert [(p.code, p.entity) for p in report.problems] == [("N106", 0), ("N106", 1)]
    assert report.problems[0].message == "span [16, 8) (PRODUCT) is empty or reversed: start must be smaller than end"
    assert "exclusive" in report.problems[0].hint


def test_n107_unknown_label_only_with_a_label_set(nlp):
    records = [rec(SELL, (8, 16, "GPU"), (29, 33, "PRICE"))]
    assert validate(records, nlp).ok
    p = only(validate(records, nlp, ["PRODUCT", "PRICE"]), "N107")
    assert p.message == "unknown label 'GPU' on span [8, 16) 'RTX 3080'"
    assert p.hint.startswith("allowed labels: PRICE, PRODUCT;") and p.fix is None


def test_n108_case_differs_from_the_label_set(nlp):
    p = only(validate([rec(SELL, (8, 16, "Product"))], nlp, LABELS), "N108")  # N108, not also N107
    assert p.message == "label 'Product' on span [8, 16) 'RTX 3080' differs only in case from 'PRODUCT'"
    assert p.hint == "labels are case-sensitive: use 'PRODUCT' everywhere"
    assert p.fix == (8, 16, "PRODUCT")


def test_n108_without_a_label_set_follows_the_majority_spelling(nlp):
    records = [rec(SELL, (29, 33, "price")), rec(POST, (42, 46, "Price")), rec("$90 OBO", (0, 3, "Price"))]
    p = only(validate(records, nlp), "N108")
    assert (p.line, p.fix) == (1, (29, 33, "Price"))
    assert "differs only in case from 'Price'" in p.message


def test_n108_tie_prefers_the_upper_case_spelling(nlp):
    records = [rec(SELL, (29, 33, "price")), rec(POST, (42, 46, "PRICE"))]
    p = only(validate(records, nlp), "N108")
    assert (p.line, p.fix) == (1, (29, 33, "PRICE"))


def test_n109_missing_keys(nlp):
    report = validate([{"text": SELL}, {}], nlp)
    assert [(p.code, p.line, p.message) for p in report.problems] == [
        ("N109", 1, "record has no 'entities' key"),
        ("N109", 2, "record has no 'text' key"),
        ("N109", 2, "record has no 'entities' key"),
    ]


def test_n110_wrong_types(nlp):
    report = validate(
        [
            {"text": 42, "entities": []},
            {"text": SELL, "entities": "8-16 PRODUCT"},
            rec(SELL, (8.0, 16, "PRODUCT"), (8, 16), (True, 3, "PRODUCT"), (8, 16, 7)),
            {"text": SELL, "entities": [{"start": 8, "end": 16, "label": "PRODUCT"}]},
        ],
        nlp,
    )
    assert report.counts() == {"N110": 7}
    messages = [p.message for p in report.problems]
    assert messages[0] == "'text' must be a string, got number"
    assert messages[1] == "'entities' must be a list, got string"
    assert messages[2].startswith('entity #0 must be [start, end, "LABEL"] with integer offsets')
    assert messages[2].endswith("got [8.0, 16, 'PRODUCT']")
    assert [p.entity for p in report.problems[2:6]] == [0, 1, 2, 3]
    assert "got [True, 3, 'PRODUCT']" in messages[4]  # a bool is not an offset
    assert messages[6].endswith("got {'start': 8, 'end': 16, 'label': 'PRODUCT'}")


def test_n110_empty_label_is_refused_because_spacy_would_drop_the_span(nlp):
    doc = nlp.make_doc(SELL)
    doc.ents = [doc.char_span(8, 16, label="")]
    assert doc.ents == (), "spaCy silently drops an entity whose label is ''"
    p = only(validate([rec(SELL, (8, 16, ""))], nlp), "N110")
    assert p.message.endswith("got [8, 16, '']")
    with pytest.raises(AnnotationError):
        to_doc(nlp, rec(SELL, (8, 16, "")))


def test_n111_empty_text(nlp):
    p = only(validate([rec(SELL), {"text": "", "entities": []}], nlp), "N111")
    assert (p.line, p.message) == (2, "text is empty")


def test_n135_whitespace_only_text_says_so(nlp):
    report = validate([rec(SELL), {"text": "   \n\t", "entities": [[0, 1, "ZIP"]]}], nlp)
    assert report.counts() == {"N135": 1, "N112": 1}
    p = report.problems[0]
    assert (p.line, p.message) == (2, "text is only whitespace (5 character(s)), so there is nothing to annotate")
    report = validate([{"text": " ", "entities": []}], nlp)  # nothing to lose: a warning, not a refusal
    assert report.ok and [p.code for p in report.warnings] == ["N135"]


def test_n112_whitespace_only_span(nlp):
    p = only(validate([rec(SELL, (16, 17, "PRODUCT"))], nlp), "N112")
    assert p.message == "span [16, 17) (PRODUCT) covers only whitespace" and p.fix is None


# --- all problems, not just the first ----------------------------------------------------


def test_validate_lists_every_problem_of_every_record(nlp):
    records = [
        rec(SELL, (8, 15, "PRODUCT"), (29, 33, "price"), (29, 33, "price"), (47, 99, "ZIP")),
        rec(POST, (42, 46, "PRICE")),
        {"text": "", "entities": [[0, 1, "ZIP"]]},
        "[H] RTX 3080 [W] PayPal",
    ]
    report = validate(records, nlp, LABELS, source="posts.jsonl", lines=[2, 3, 5, 8])
    assert [(p.line, p.code) for p in report.problems] == [
        (2, "N101"),
        (2, "N108"),
        (2, "N108"),
        (2, "N105"),
        (2, "N104"),
        (5, "N111"),
        (5, "N105"),
        (8, "N100"),
    ]
    assert report.counts() == {"N101": 1, "N108": 2, "N105": 2, "N104": 1, "N111": 1, "N100": 1}
    assert report.lines()[0].startswith("posts.jsonl:2: N101 span [8, 15) 'RTX 308'")
    assert str(report).splitlines()[0] == "4 record(s), 8 problem(s)"
    frame = report.to_frame()
    assert list(frame.columns) == ["line", "code", "message", "hint"]
    assert list(frame["line"]) == [2, 2, 2, 2, 2, 5, 5, 8]
    assert "8 problem(s)" in report._repr_html_()


# --- fix -----------------------------------------------------------------------------


def test_fix_applies_each_safe_fix_reports_it_and_keeps_the_input(nlp):
    records = [
        rec(SELL, (7, 16, "PRODUCT"), (29, 33, "PRICE"), (29, 33, "PRICE"), (47, 52, "zip")),
        rec(GLUED, (5, 11, "PRODUCT")),
    ]
    before = copy.deepcopy(records)
    result = fix(records, nlp, LABELS, source="posts.jsonl", lines=[1, 4])
    assert records == before, "fix must not modify its input"
    assert result.records[0] is not records[0] and result.records[0]["entities"] is not records[0]["entities"]
    assert result.records == [
        rec(SELL, (8, 16, "PRODUCT"), (29, 33, "PRICE"), (47, 52, "ZIP")),
        rec(GLUED, (5, 12, "PRODUCT")),
    ]
    assert [(c.line, c.code, c.before, c.after) for c in result.changes] == [
        (1, "N102", (7, 16, "PRODUCT"), (8, 16, "PRODUCT")),
        (1, "N104", (29, 33, "PRICE"), None),
        (1, "N108", (47, 52, "zip"), (47, 52, "ZIP")),
        (4, "N101", (5, 11, "PRODUCT"), (5, 12, "PRODUCT")),
    ]
    assert [c.format() for c in result.changes] == [
        "posts.jsonl:1: fixed N102: [7, 16) ' RTX 3080' PRODUCT → [8, 16) 'RTX 3080' PRODUCT",
        "posts.jsonl:1: fixed N104: [29, 33) '$450' PRICE → removed",
        "posts.jsonl:1: fixed N108: [47, 52) '94110' zip → [47, 52) '94110' ZIP",
        "posts.jsonl:4: fixed N101: [5, 11) 'RTX308' PRODUCT → [5, 12) 'RTX3080' PRODUCT",
    ]
    assert result.remaining.ok
    assert str(result).splitlines()[0] == "4 change(s); 0 problem(s) need a decision"
    assert validate(result.records, nlp, LABELS).ok


def test_fix_strips_then_snaps_the_same_span_in_one_pass(nlp):
    result = fix([rec(SELL, (7, 15, "PRODUCT"))], nlp)
    assert [(c.code, c.before, c.after) for c in result.changes] == [
        ("N102", (7, 15, "PRODUCT"), (8, 15, "PRODUCT")),
        ("N101", (8, 15, "PRODUCT"), (8, 16, "PRODUCT")),
    ]
    assert result.records == [rec(SELL, (8, 16, "PRODUCT"))]


def test_fix_dedupes_spans_that_snapping_made_identical(nlp):
    records = [rec(SELL, (8, 15, "PRODUCT"), (8, 16, "PRODUCT"))]
    assert validate(records, nlp).counts() == {"N101": 1, "N103": 1}  # not duplicates yet
    result = fix(records, nlp)
    assert [(c.code, c.after) for c in result.changes] == [("N101", (8, 16, "PRODUCT")), ("N104", None)]
    assert result.records == [rec(SELL, (8, 16, "PRODUCT"))] and result.remaining.ok


def test_fix_dedupes_spans_that_a_label_case_fix_made_identical(nlp):
    result = fix([rec(SELL, (47, 52, "zip"), (47, 52, "ZIP"), (47, 52, "ZIP"))], nlp)
    assert result.records == [rec(SELL, (47, 52, "ZIP"))] and result.remaining.ok
    # pass 1: the case fix and the exact copy; pass 2: the copy the case fix created
    assert [(c.code, c.before, c.after) for c in result.changes] == [
        ("N108", (47, 52, "zip"), (47, 52, "ZIP")),
        ("N104", (47, 52, "ZIP"), None),
        ("N104", (47, 52, "ZIP"), None),
    ]


def test_fix_leaves_decisions_to_a_human_and_lists_them(nlp):
    records = [
        rec(
            SELL,
            (8, 16, "PRODUCT"),
            (8, 21, "PRODUCT"),
            (29, 33, "GPU"),
            (47, 99, "ZIP"),
            (16, 17, "PRICE"),
            (40, 30, "PRICE"),
        ),
        {"text": SELL},
        42,
        {"text": "  ", "entities": []},
    ]
    result = fix(records, nlp, LABELS, source="posts.jsonl")
    assert result.changes == [] and result.records == records
    assert result.remaining.counts() == {
        "N103": 2,
        "N107": 1,
        "N105": 1,
        "N112": 1,
        "N106": 1,
        "N109": 1,
        "N100": 1,
    }  # [8, 21) overlaps [8, 16) and [16, 17)
    assert str(result).splitlines()[0] == "0 change(s); 8 problem(s) need a decision"


def test_fix_of_records_with_broken_types_does_not_crash(nlp):
    """Regression: a record whose text is not a string used to crash fix() on its entities."""
    records = [{"text": 5, "entities": [7, None]}, {"entities": [None]}, {"text": SELL, "entities": [None]}]
    result = fix(records, nlp)
    assert result.changes == [] and result.records == records
    assert [p.code for p in result.remaining.problems] == ["N110", "N109", "N110"]


# --- to_doc / from_doc ------------------------------------------------------------------


def test_to_doc_round_trips_a_valid_record(nlp):
    record = rec(POST, (1, 7, "LOCATION"), (13, 37, "PRODUCT"), (42, 46, "PRICE"))
    doc = to_doc(nlp, record, LABELS)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("USA-TX", "LOCATION"),
        ("EVGA RTX 3080 FTW3 Ultra", "PRODUCT"),
        ("$450", "PRICE"),
    ]
    assert from_doc(doc) == record


def test_to_doc_sorts_entities_and_from_doc_returns_them_in_text_order(nlp):
    doc = to_doc(nlp, rec(SELL, (47, 52, "ZIP"), (8, 16, "PRODUCT")))
    assert from_doc(doc) == rec(SELL, (8, 16, "PRODUCT"), (47, 52, "ZIP"))


def test_spacy_drops_misaligned_spans_silently_which_is_why_to_doc_refuses(nlp):
    doc = nlp.make_doc(SELL)
    assert doc.char_span(8, 15, label="PRODUCT") is None  # no error: just None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        example = Example.from_dict(nlp.make_doc(SELL), {"entities": [(8, 15, "PRODUCT"), (29, 33, "PRICE")]})
    assert any("W030" in str(w.message) for w in caught)
    assert [e.text for e in example.reference.ents] == ["$450"], "spaCy trained on this would never see the GPU"
    with pytest.raises(AnnotationError) as info:
        to_doc(nlp, rec(SELL, (8, 15, "PRODUCT"), (29, 33, "PRICE")))
    assert [p.code for p in info.value.problems] == ["N101"]


def test_to_docs_raises_with_every_problem(nlp):
    records = [
        rec(SELL, (8, 15, "PRODUCT"), (29, 33, "PRICE"), (29, 33, "PRICE")),
        rec(POST, (42, 60, "PRICE")),
        rec(POST, (13, 37, "GPU")),
    ]
    with pytest.raises(AnnotationError) as info:
        to_docs(nlp, records, LABELS, source="posts.jsonl", lines=[1, 2, 6])
    err = info.value
    assert err.code == "N120" and isinstance(err, ValueError)
    assert [(p.line, p.code) for p in err.problems] == [(1, "N101"), (1, "N104"), (2, "N105"), (6, "N107")]
    assert str(err).startswith("N120 4 annotation problem(s); the first: posts.jsonl:1: N101 span [8, 15) 'RTX 308'")


# --- the hand-made broken data file ---------------------------------------------------


@pytest.mark.skipif(not BROKEN.is_file(), reason="data/broken_annotations.jsonl is not written yet")
def test_every_line_of_the_broken_data_file_has_a_problem(nlp):
    from course.formats import load

    loaded = load(BROKEN, "jsonl")
    report = validate(loaded.records, nlp, LABELS, source=str(BROKEN), lines=loaded.lines)
    found: dict[int, set[str]] = {}
    for p in loaded.problems + report.problems:
        found.setdefault(p.line, set()).add(p.code)
    raw = BROKEN.read_text(encoding="utf-8").splitlines()
    numbered = [n for n, line in enumerate(raw, start=1) if line.strip()]
    assert numbered, "the file is empty"
    clean = [n for n in numbered if n not in found]
    assert not clean, f"lines without any problem: {clean}"
    for record, line in zip(loaded.records, loaded.lines):  # a tag we know must come with its code
        tag = record.get("problem") if isinstance(record, dict) else None
        code = tag if isinstance(tag, str) and re.fullmatch(r"E1\d\d", tag) else BROKEN_TAGS.get(tag)
        if code:
            assert code in found[line], f"line {line} is tagged {tag!r} but validate found {sorted(found[line])}"


# --- properties ------------------------------------------------------------------------

CHARS = st.one_of(
    st.sampled_from(list(" \n\t$€.,:;-/[]()'\"&!?0123456789")),
    st.characters(categories=("Lu", "Ll", "Lo", "Nd", "Zs", "Mn")),
)
WORDS = st.sampled_from(
    [
        "[USA-TX]",
        "[H]",
        "[W]",
        "EVGA",
        "RTX",
        "3080",
        "RTX3080",
        "$450",
        "€",
        "shipped",
        "München",
        "like new",
        "U.S.",
        "can't",
        "94110",
        "G&S",
        "!!",
        "(OBO)",
    ]
)
TEXT = st.one_of(
    st.text(CHARS, max_size=40),
    st.lists(st.tuples(WORDS, st.sampled_from([" ", "", "  ", "\n", ", "])), max_size=10).map(
        lambda parts: "".join(w + sep for w, sep in parts)
    ),
)
ANY_LABEL = st.sampled_from(["PRODUCT", "Product", "product", "PRICE", "price", "ZIP", "GPU", ""])
JUNK = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=3),
    st.just([1, 2]),
    st.just([1.0, 2, "PRICE"]),
    st.just({"start": 0, "end": 1, "label": "ZIP"}),
    st.just([True, 1, "ZIP"]),
)
# what fix cannot decide for a human; N101/N113 only when no aligned / non-punctuation span exists
UNFIXABLE = {"N100", "N101", "N103", "N105", "N106", "N107", "N109", "N110", "N111", "N112", "N113", "N130", "N135"}


@st.composite
def messy_record(draw):
    text = draw(TEXT)
    n = len(text)
    span = st.tuples(st.integers(-3, n + 3), st.integers(-3, n + 3), ANY_LABEL).map(list)
    ents = draw(st.lists(st.one_of(span, span, span, JUNK), max_size=6))
    if draw(st.booleans()) and ents:  # duplicates are common in real exports
        ents.append(list(ents[0]) if isinstance(ents[0], list) else ents[0])
    record = {"text": text, "entities": ents}
    return draw(
        st.one_of(
            st.just(record),
            st.just(record),
            st.just(record),
            st.just(record),
            JUNK,
            st.just({"text": text}),
            st.just({"entities": ents}),
            st.just({"text": n, "entities": ents}),
            st.just({"text": text, "entities": "x"}),
        )
    )


@settings(derandomize=True, max_examples=200, deadline=None)
@given(records=st.lists(messy_record(), max_size=4), labels=st.sampled_from([None, ["PRODUCT", "PRICE", "ZIP"]]))
def test_property_validate_and_fix_never_raise_and_fix_leaves_only_decisions(nlp, records, labels):
    before = copy.deepcopy(records)
    report = validate(records, nlp, labels, source="posts.jsonl")
    assert all(p.source == "posts.jsonl" and 1 <= p.line <= len(records) for p in report.problems)
    result = fix(records, nlp, labels)
    assert json.dumps(records, sort_keys=True, default=repr) == json.dumps(before, sort_keys=True, default=repr)
    for p in result.remaining.problems:
        assert p.code in UNFIXABLE, p.format()
        assert not (p.code in ("N101", "N113") and p.fix is not None), p.format()
    # nothing left that fix could do: a second run changes nothing
    assert fix(result.records, nlp, labels).changes == []
    assert len(result.records) == len(records)


@st.composite
def disjoint_spans(draw):
    text = draw(TEXT)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=10))))
    labels = st.sampled_from(["PRODUCT", "PRICE", "ZIP"])
    return rec(text, *[(a, b, draw(labels)) for a, b in zip(cuts[::2], cuts[1::2])])


@settings(derandomize=True, max_examples=200, deadline=None)
@given(records=st.lists(disjoint_spans(), min_size=1, max_size=3))
def test_property_fix_of_disjoint_in_range_spans(nlp, records):
    """In-range, non-overlapping, correctly labelled spans: fix makes every span usable, except that
    - a whitespace-only span (N112), a punctuation-only span (N113 without a fix) or an empty
      text (N111) needs a human, and
    - snapping can make two spans overlap (N103); both cannot come from the input, which had none.
    N101 remains only as a suggestion, when snapping would change which words are covered.
    """
    result = fix(records, nlp, ["PRODUCT", "PRICE", "ZIP"])
    assert set(result.remaining.counts()) <= {"N101", "N103", "N111", "N112", "N113", "N135"}, result.remaining.lines()
    removed = sum(1 for c in result.changes if c.after is None)
    assert sum(len(r["entities"]) for r in result.records) == sum(len(r["entities"]) for r in records) - removed
    for p in result.remaining.problems:
        if p.code in ("N111", "N135"):
            assert not records[p.index]["text"].strip()
        if p.code == "N101":  # a suggestion only; the span at most lost its whitespace
            assert p.fix is None and "changes which words are covered" in p.hint
            assert any(s <= p.span[0] < p.span[1] <= e for s, e, _ in records[p.index]["entities"])
        if p.code == "N112":  # left exactly as the learner wrote it
            assert list(p.span) in records[p.index]["entities"]
        if p.code == "N113":  # only when nothing but punctuation is left, or a bracket lacks its partner
            assert p.fix is None or "'[" in p.message or "'(" in p.message or any(b in p.message for b in "])}>{<")
    overlapping = 0
    for before, after in zip(records, result.records):
        text, original = after["text"], {tuple(e) for e in before["entities"]}
        doc = nlp.make_doc(text)
        spans = sorted(tuple(e) for e in after["entities"])
        suggested = {p.span[:2] for p in result.remaining.problems if p.code == "N101"}
        for s, e, _label in spans:
            if text[s:e].strip() and (s, e) not in suggested:
                assert text[s:e] == text[s:e].strip() and doc.char_span(s, e) is not None, (s, e, text)
        for i, a in enumerate(spans):
            for b in spans[i + 1 :]:
                if b[0] < a[1]:  # overlap: at least one side was moved by fix
                    assert a not in original or b not in original, (a, b, before)
                    overlapping += 1
    found = result.remaining.counts()["N103"]
    assert (found > 0) == (overlapping > 0) and found <= overlapping, "at most one N103 per overlapping span"
    if not result.changes:
        assert set(result.remaining.counts()) <= {"N101", "N111", "N112", "N113", "N135"}


_BLANK = spacy.blank("en")  # strategies cannot use fixtures


@st.composite
def token_aligned(draw):
    text = draw(TEXT.filter(str.strip))
    doc = _BLANK.make_doc(text)
    visible = [t for t in doc if not t.is_space and t.text not in "[](){}<>,.;:!?"]  # N113 edges
    if not visible:
        return rec(text)
    picks = sorted(set(draw(st.lists(st.integers(0, len(visible) - 1), max_size=8))))
    spans = [
        (visible[a].idx, visible[b].idx + len(visible[b]), draw(st.sampled_from(["PRODUCT", "PRICE"])))
        for a, b in zip(picks[::2], picks[1::2])
    ]
    return rec(text, *spans)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(records=st.lists(token_aligned(), min_size=1, max_size=3))
def test_property_token_aligned_records_are_clean_and_round_trip(nlp, records):
    assert validate(records, nlp).ok
    assert fix(records, nlp).changes == []
    assert [from_doc(d) for d in to_docs(nlp, records)] == records


def test_n113_stray_bracket_is_an_error_and_edge_punctuation_a_warning_both_fixed(nlp):
    text = "[USA-CA] [H] RTX 3080, like new"
    report = validate([rec(text, (0, 7, "LOCATION"), (13, 22, "PRODUCT"))], nlp)
    assert [(p.code, p.fix) for p in report.problems + report.warnings] == [
        ("N113", (1, 7, "LOCATION")),
        ("N113", (13, 21, "PRODUCT")),
    ]
    assert len(report.problems) == 1 and len(report.warnings) == 1
    assert report.warning_lines()[0].startswith("<records>:1: warning N113 span [13, 22) 'RTX 3080,'")
    assert "starts with the punctuation token '['" in report.problems[0].message
    assert "ends with the punctuation token ','" in report.warnings[0].message
    assert "[1, 7) 'USA-CA'" in report.problems[0].hint
    fixed = fix([rec(text, (0, 7, "LOCATION"), (13, 22, "PRODUCT"))], nlp)
    assert fixed.records[0]["entities"] == [[1, 7, "LOCATION"], [13, 21, "PRODUCT"]]
    assert fixed.remaining.ok


@pytest.mark.parametrize(
    "text, span",
    [
        ("Aqua (Water) for sale", (0, 12)),
        ("Mladost ( L ) flat", (0, 13)),
        ("( Tom ) Seaver pitched", (0, 14)),
        ("Selling [RTX 3080] today", (8, 18)),
    ],
)
def test_n113_balanced_brackets_belong_to_the_entity(nlp, text, span):
    report = validate([rec(text, (*span, "PRODUCT"))], nlp)
    assert report.ok and not report.warnings, report.lines() + report.warning_lines()
    assert fix([rec(text, (*span, "PRODUCT"))], nlp).changes == []


def test_n113_gold_tokens_with_edge_punctuation_still_convert(nlp):
    """CoNLL-2003 style: 'Corp .' as gold keeps the period; a warning, not a refusal."""
    record = {
        "text": "Acme Corp . said",
        "entities": [[0, 11, "ORG"]],
        "words": ["Acme", "Corp", ".", "said"],
        "spaces": [True, True, True, False],
    }
    report = validate([record], nlp)
    assert report.ok and [p.code for p in report.warnings] == ["N113"]
    assert [t.text for t in to_docs(nlp, [record])[0]] == record["words"]


def test_n113_punctuation_only_span_has_no_fix(nlp):
    p = only(validate([rec("[H] RTX 3080", (0, 1, "PRODUCT"))], nlp), "N113")
    assert p.fix is None and "delete it" in p.hint


def test_n113_keeps_punctuation_inside_a_token(nlp):
    """'U.S.' and 'A2+' keep their dots and plus: only separate punctuation tokens count."""
    text = "Audioengine A2+ speakers shipped from the U.S."
    assert validate([rec(text, (0, 15, "PRODUCT"), (42, 46, "LOCATION"))], nlp).ok


def test_make_record_names_entities_instead_of_counting():
    from course.annotations import make_record

    record = make_record("[USA-TX] [H] RTX 3080 [W] $450", ("USA-TX", "LOCATION"), ("$450", "PRICE"))
    assert record == {"text": "[USA-TX] [H] RTX 3080 [W] $450", "entities": [[1, 7, "LOCATION"], [26, 30, "PRICE"]]}
    with pytest.raises(ValueError, match="'RTX 4090' does not occur"):
        make_record("RTX 3080", ("RTX 4090", "PRODUCT"))
