"""Importers against the shapes that annotation tools really export (issue 15, issue 14 items 3-6, 9).

Each fixture here is written by hand in the shape of a real export (see
../shared/real_exports/README.md); the real files are not part of the repository.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from course import formats
from course.annotations import MAX_OVERLAPS, AnnotationError, to_docs, validate
from course.errors import FormatError
from course.formats import FORMATS, dump, guess_format, load

SELL = "Selling RTX 3080 FTW3 Ultra, $450 shipped from 94110"
EXT = {
    "jsonl": "jsonl",
    "prodigy": "jsonl",
    "doccano": "jsonl",
    "labelstudio": "json",
    "conll": "conll",
    "spacy": "spacy",
}


def lines(path, *rows) -> str:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def codes(loaded) -> list[tuple[str, int]]:
    return [(p.code, p.line) for p in loaded.problems]


# --- shared reader: lines, BOM, what a path really is (14.3, 14.6) -----------------------------


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "spacy"])
@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\u0085"])
def test_line_separators_inside_a_text_survive_every_writer(nlp, tmp_path, fmt, sep):
    records = [
        {"text": f"RTX 3080{sep}like new", "entities": [[0, 8, "PRODUCT"]]},
        {"text": "WTB 3090", "entities": []},
    ]
    path = dump(records, tmp_path / f"out.{EXT[fmt]}", fmt, nlp)
    loaded = load(path, fmt)
    assert not loaded.problems and len(loaded.records) == 2
    if fmt == "conll":  # CoNLL keeps tokens, not whitespace: the separator is not a token
        assert loaded.records[0]["words"] == ["RTX", "3080", "like", "new"]
        assert [r["text"][s:e] for r in loaded.records for s, e, _ in r["entities"]] == ["RTX 3080"]
    else:
        assert [(r["text"], r["entities"]) for r in loaded.records] == [(r["text"], r["entities"]) for r in records]


def test_crlf_and_bom_are_accepted(tmp_path):
    path = tmp_path / "win.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + b'{"text": "RTX", "entities": [[0, 3, "PRODUCT"]]}\r\n{"text": "x", "entities": []}\r\n'
    )
    loaded = load(path)
    assert not loaded.problems and [r["text"] for r in loaded.records] == ["RTX", "x"]
    ls = tmp_path / "win.json"
    ls.write_bytes(b"\xef\xbb\xbf" + json.dumps([{"data": {"text": "x"}, "annotations": [{"result": []}]}]).encode())
    assert load(ls).records == [{"text": "x", "entities": []}]


def test_a_folder_a_fifo_and_an_unreadable_file_are_named_for_what_they_are(tmp_path):
    (tmp_path / "d.jsonl").mkdir()
    with pytest.raises(FormatError) as info:
        load(tmp_path / "d.jsonl", "jsonl")
    assert info.value.code == "N220"
    os.mkfifo(tmp_path / "pipe.jsonl")
    with pytest.raises(FormatError) as info:
        load(tmp_path / "pipe.jsonl", "jsonl")
    assert info.value.code == "N221"
    locked = lines(tmp_path / "locked.jsonl", {"text": "x", "entities": []})
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(FormatError) as info:
            load(locked, "jsonl")
        assert info.value.code == "N222" and "UTF-8" not in info.value.hint
    finally:
        locked.chmod(0o644)


# --- hostile values become coded problems with their line (14.9, reader side) ---------------


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("[" * 5000 + "]" * 5000, "nested deeper"),
        ('{"text": "x", "entities": [[0, 1' + "0" * 5000 + ', "A"]]}', "too many digits"),
    ],
)
def test_deep_nesting_and_huge_integers_are_e203_and_reading_goes_on(tmp_path, raw, reason):
    path = lines(tmp_path / "posts.jsonl", raw, {"text": "RTX", "entities": []})
    loaded = load(path, "jsonl")
    assert codes(loaded) == [("N203", 1)] and reason in loaded.problems[0].message
    assert loaded.lines == [2]


def test_lone_surrogates_and_huge_texts_are_coded_problems(nlp, tmp_path):
    path = lines(
        tmp_path / "posts.jsonl",
        '{"text": "RTX \\ud83d", "entities": []}',
        {"text": "x" * (nlp.max_length + 1), "entities": [[0, 1, "A"]]},
    )
    loaded = load(path)
    report = validate(loaded.records, nlp, source=str(path), lines=loaded.lines)
    assert [(p.code, p.line) for p in report.problems] == [("N131", 1), ("N132", 2)]
    with pytest.raises(AnnotationError):
        dump(loaded.records[:1], tmp_path / "out.jsonl", "jsonl", nlp)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nan_and_infinity_are_never_written(nlp, tmp_path, value):
    record = {"text": "RTX", "entities": [], "meta": {"score": value}}
    with pytest.raises(FormatError) as info:
        dump([record], tmp_path / "out.jsonl", "jsonl", nlp)
    assert info.value.code == "N230" and not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("label", ["GPU MODEL", "PRO\tDUCT", "PRODUCT\n", "PRO\x00DUCT", "PRO\u200bDUCT"])
def test_labels_with_whitespace_or_control_characters_are_refused(nlp, label):
    (p,) = validate([{"text": SELL, "entities": [[8, 16, label]]}], nlp).problems
    assert p.code == "N130"


# --- doccano (15.5, 14.4, 14.9) -----------------------------------------------------------------


def test_doccano_1x_reads_data_as_the_text_and_keeps_the_id(tmp_path):
    path = lines(tmp_path / "d.jsonl", {"id": 7, "data": SELL, "label": [[8, 16, "PRODUCT"]]})
    assert guess_format(path, reading=True) == "doccano"
    assert load(path).records == [{"text": SELL, "entities": [[8, 16, "PRODUCT"]], "id": 7}]


def test_doccano_with_label_and_labels_keeps_both(tmp_path):
    path = lines(
        tmp_path / "d.jsonl",
        {"text": SELL, "label": [[8, 16, "PRODUCT"]], "labels": [[29, 33, "PRICE"], [8, 16, "PRODUCT"]]},
    )
    assert load(path, "doccano").records[0]["entities"] == [[8, 16, "PRODUCT"], [29, 33, "PRICE"]]


@pytest.mark.parametrize("label", [None, 3, "PRODUCT", [["x"]][0], ["positive"]])
def test_doccano_label_that_is_not_spans_is_a_problem_and_reading_goes_on(tmp_path, label):
    path = lines(
        tmp_path / "d.jsonl",
        {"text": SELL, "label": label},
        {"text": "WTB", "label": []},
        {"label": [[0, 1, "PER"]], "meta": {"wikiPageID": 3}},
    )
    loaded = load(path, "doccano")
    assert codes(loaded) == [("N224", 1), ("N206", 3)]
    assert loaded.lines == [2]


def test_round_trip_keeps_doccano_id_and_meta(nlp, tmp_path):
    path = lines(tmp_path / "d.jsonl", {"id": 4, "text": SELL, "label": [[8, 16, "PRODUCT"]], "meta": {"src": "a"}})
    out = dump(load(path, "doccano").records, tmp_path / "again.jsonl", "doccano", nlp)
    assert json.loads(out.read_text()) == {"id": 4, "text": SELL, "label": [[8, 16, "PRODUCT"]], "meta": {"src": "a"}}


# --- Prodigy (15.2, 15.8, 15.9, 14.9) -----------------------------------------------------------


def _task(text=SELL, spans=None, **extra) -> dict:
    task = {"text": text, "_input_hash": 11, "_task_hash": 22, "meta": {"section": "gpu"}, "answer": "accept"}
    if spans is not None:
        task["spans"] = spans
    return {**task, **extra}


def test_prodigy_first_task_without_spans_is_still_prodigy(tmp_path):
    path = lines(tmp_path / "p.jsonl", _task("WTB"), _task(spans=[{"start": 8, "end": 16, "label": "PRODUCT"}]))
    assert guess_format(path, reading=True) == "prodigy"
    assert [r["entities"] for r in load(path).records] == [[], [[8, 16, "PRODUCT"]]]


def test_prodigy_round_trip_keeps_meta_and_hashes(nlp, tmp_path):
    path = lines(tmp_path / "p.jsonl", _task(spans=[{"start": 8, "end": 16, "label": "PRODUCT"}]))
    out = dump(load(path, "prodigy").records, tmp_path / "again.jsonl", "prodigy", nlp)
    task = json.loads(out.read_text())
    assert (task["_input_hash"], task["_task_hash"], task["meta"]) == (11, 22, {"section": "gpu"})


@pytest.mark.parametrize("spans", [3, "PRODUCT", [7], [{"start": 8}]])
def test_prodigy_bad_spans_are_problems_and_reading_goes_on(tmp_path, spans):
    path = lines(tmp_path / "p.jsonl", _task(spans=spans), _task("WTB", spans=[]))
    loaded = load(path, "prodigy")
    assert [c for c, _ in codes(loaded)] in (["N224"], ["N206"]) and codes(loaded)[0][1] == 1
    assert loaded.lines == [2]


def test_prodigy_binary_tasks_are_refused_unless_asked(tmp_path):
    binary = [
        _task(spans=[{"start": 8, "end": 16, "label": "PRODUCT"}], _view_id="ner", answer=a)
        for a in ("accept", "reject", "accept")
    ]
    path = lines(tmp_path / "teach.jsonl", *binary, _task("WTB", spans=[], _view_id="ner_manual"))
    loaded = load(path, "prodigy")
    assert codes(loaded) == [("N225", 1)] and "2 task(s) are binary" in loaded.problems[0].message
    assert loaded.lines == [4]
    accepted = load(path, "prodigy", accept_binary=True)
    assert not accepted.problems and accepted.lines == [1, 3, 4]


def test_prodigy_relations_and_choices_are_counted_in_a_note(tmp_path):
    rel = _task(spans=[{"start": 8, "end": 16, "label": "PRODUCT"}], relations=[{"head": 0, "child": 1}])
    choice = _task(spans=[], options=[{"id": "Q1"}], accept=["Q1"])
    loaded = load(lines(tmp_path / "p.jsonl", rel, rel, choice), "prodigy")
    assert any("2 task(s) carry relations" in n for n in loaded.notes)
    assert any("1 task(s) carry a choice answer" in n for n in loaded.notes)
    assert len(loaded.records) == 3


def test_canonical_jsonl_with_an_extra_spans_key_keeps_its_entities(tmp_path):
    rows = [{"text": SELL, "entities": [[8, 16, "PRODUCT"]], "spans": []}] * 3
    path = lines(tmp_path / "c.jsonl", *rows)
    assert guess_format(path, reading=True) == "jsonl" and load(path).records[0]["entities"] == [[8, 16, "PRODUCT"]]


# --- Label Studio (15.1, 14.4, 14.9) ------------------------------------------------------------


def _ls(start, end, labels, text=None, **value) -> dict:
    v = {"start": start, "end": end, "labels": labels, **value}
    if text is not None:
        v["text"] = text
    return {"type": "labels", "from_name": "label", "to_name": "text", "value": v}


def _write(tmp_path, tasks, name="export.json"):
    path = tmp_path / name
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def test_labelstudio_completions_one_task_object_is_read(tmp_path):
    task = {"id": 348, "data": {"text": SELL}, "completions": [{"id": 1, "result": [_ls(8, 16, ["PRODUCT"])]}]}
    assert load(_write(tmp_path, task)).records == [{"text": SELL, "entities": [[8, 16, "PRODUCT"]]}]


def test_labelstudio_skipped_and_newest_by_created_at(tmp_path):
    tasks = [
        {
            "data": {"text": SELL},
            "annotations": [
                {"created_at": "2024-03-02T10:00:00Z", "result": [_ls(8, 16, ["PRODUCT"])]},
                {"created_at": "2024-01-01T10:00:00Z", "result": [_ls(29, 33, ["PRICE"])]},
            ],
        },
        {"data": {"text": "WTB"}, "annotations": [{"skipped": True, "result": [_ls(0, 3, ["X"])]}]},
    ]
    loaded = load(_write(tmp_path, tasks))
    assert loaded.records == [{"text": SELL, "entities": [[8, 16, "PRODUCT"]]}]
    assert loaded.skipped == [(2, "Label Studio task 2: its annotation was skipped or cancelled")]


def test_labelstudio_image_results_are_a_problem_not_empty_documents(tmp_path):
    rect = {"type": "rectanglelabels", "value": {"x": 1, "y": 2, "rectanglelabels": ["Car"]}}
    loaded = load(_write(tmp_path, [{"data": {"text": "x", "image": "a.jpg"}, "annotations": [{"result": [rect]}]}]))
    assert codes(loaded) == [("N227", 1)] and "rectanglelabels" in loaded.problems[0].message
    assert loaded.records == []


def test_labelstudio_json_min_gets_its_own_message(tmp_path):
    with pytest.raises(FormatError) as info:
        load(_write(tmp_path, [{"id": 1, "text": SELL, "label": [{"start": 8, "end": 16, "labels": ["PRODUCT"]}]}]))
    assert info.value.code == "N226" and "JSON-MIN" in info.value.message


def test_labelstudio_utf16_offsets_and_drift_are_repaired_and_reported(tmp_path):
    text = "🎮 RTX 3080 for 😀 $450"
    # a JavaScript front-end counts the emoji as two code units
    s16 = len(text[:2].encode("utf-16-le")) // 2
    tasks = [
        {
            "data": {"text": text},
            "annotations": [{"result": [_ls(s16, s16 + 8, ["PRODUCT"], "RTX 3080"), _ls(19, 23, ["PRICE"], "$450")]}],
        },
        {"data": {"text": SELL}, "annotations": [{"result": [_ls(9, 17, ["PRODUCT"], "RTX 3080")]}]},
    ]  # drift
    loaded = load(_write(tmp_path, tasks))
    assert loaded.records[0]["entities"] == [[2, 10, "PRODUCT"], [17, 21, "PRICE"]]
    assert loaded.records[1]["entities"] == [[8, 16, "PRODUCT"]]
    assert len([n for n in loaded.notes if "repaired" in n and "UTF-16" in n]) == 2
    assert [n for n in loaded.notes if "task 2: repaired [9, 17) → [8, 16)" in n and "-1 character" in n]


def test_labelstudio_text_that_occurs_nowhere_is_e228(tmp_path):
    tasks = [{"data": {"text": SELL}, "annotations": [{"result": [_ls(8, 16, ["PRODUCT"], "RTX 4090")]}]}]
    assert codes(load(_write(tmp_path, tasks))) == [("N228", 1)]


def test_labelstudio_string_label_and_several_labels_on_one_region(nlp, tmp_path):
    tasks = [
        {"data": {"text": SELL}, "annotations": [{"result": [_ls(8, 16, "PRODUCT")]}]},
        {"data": {"text": SELL}, "annotations": [{"result": [_ls(8, 16, ["PRODUCT", "BRAND"])]}]},
    ]
    loaded = load(_write(tmp_path, tasks))
    assert loaded.records[0]["entities"] == [[8, 16, "PRODUCT"]]  # not 'P'
    report = validate(loaded.records, nlp, source="x", lines=loaded.lines)
    assert [(p.code, p.line) for p in report.problems] == [("N103", 2)]  # both labels kept and reported


# --- CoNLL (15.4) ---------------------------------------------------------------------------------

SENT = [
    ("EU", "ORG", "B"),
    ("rejects", "O", ""),
    ("German", "MISC", "B"),
    ("call", "O", ""),
    ("to", "O", ""),
    ("boycott", "O", ""),
    ("British", "MISC", "B"),
    ("lamb", "O", ""),
    (".", "O", ""),
    ("Peter", "PER", "B"),
    ("Blackburn", "PER", "I"),
    ("Acme", "ORG", "B"),
    ("Corp", "ORG", "I"),
    (".", "ORG", "I"),
    ("(", "O", ""),
    ("Mladost", "LOC", "B"),
    ("(", "LOC", "I"),
    ("L", "LOC", "I"),
    (")", "LOC", "I"),
]


def _conll(scheme: str) -> str:
    """SENT in one scheme, with POS and chunk columns like CoNLL-2003."""
    rows, tags = [], []
    for k, (word, label, _) in enumerate(SENT):
        prev = SENT[k - 1][1] if k else "O"
        nxt = SENT[k + 1][1] if k + 1 < len(SENT) else "O"
        start, end = label != prev or SENT[k][2] == "B", nxt != label or (k + 1 < len(SENT) and SENT[k + 1][2] == "B")
        if label == "O":
            tag = "O"
        elif scheme == "IOB2":
            tag = ("B-" if start else "I-") + label
        elif scheme == "IOB1":
            tag = ("B-" if start and prev == label else "I-") + label
        else:
            tag = {(True, True): "S-", (True, False): "B-", (False, True): "E-", (False, False): "I-"}[
                start, end
            ] + label
        tags.append(tag)
        rows.append(f"{word} NNP I-NP {tag}")
    return "-DOCSTART- -X- -X- O\n\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("scheme", ["IOB1", "IOB2", "BIOES"])
def test_conll_schemes_give_the_same_entities_and_tokens(nlp, tmp_path, scheme):
    path = tmp_path / f"{scheme}.conll"
    path.write_text(_conll(scheme), encoding="utf-8")
    assert formats.detect_scheme(path) == scheme
    loaded = load(path, scheme=scheme)
    assert not loaded.problems and any(scheme in n for n in loaded.notes)
    (record,) = loaded.records
    assert record["words"] == [w for w, _, _ in SENT]
    (doc,) = to_docs(nlp, loaded.records)
    assert [t.text for t in doc] == [w for w, _, _ in SENT]
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("EU", "ORG"),
        ("German", "MISC"),
        ("British", "MISC"),
        ("Peter Blackburn", "PER"),
        ("Acme Corp .", "ORG"),
        ("Mladost ( L )", "LOC"),
    ]
    report = validate(loaded.records, nlp)
    assert report.ok, report.lines()  # gold converts without edits ('Corp .' is only a warning)
    out = dump(loaded.records, tmp_path / "again.conll", "conll", nlp)
    again = load(out)
    assert again.records[0]["words"] == record["words"] and again.records[0]["entities"] == record["entities"]


def test_conll_iob1_is_detected_when_an_entity_starts_with_i(tmp_path):
    path = tmp_path / "iob1.conll"
    path.write_text("EU I-ORG\nrejects O\nGerman I-MISC\n", encoding="utf-8")
    assert formats.detect_scheme(path) == "IOB1"
    assert load(path).records[0]["entities"] == [[0, 2, "ORG"], [11, 17, "MISC"]]


def test_conll_tag_column_is_chosen_and_a_wrong_one_says_so(tmp_path):
    path = tmp_path / "cols.conll"
    path.write_text("EVGA B-PRODUCT 0\nRTX I-PRODUCT 0\n", encoding="utf-8")
    wrong = load(path)
    assert codes(wrong) == [("N208", 1)] and "--tag-column" in wrong.problems[0].hint
    assert load(path, tag_column=1).records[0]["entities"] == [[0, 8, "PRODUCT"]]


def test_conll_problems_cite_the_entity_line(nlp, tmp_path):
    path = tmp_path / "lines.conll"
    path.write_text(
        "Selling O\nRTX B-product\n3080 I-product\nand O\nGTX B-PRODUCT\nGTX B-PRODUCT\nGTX B-PRODUCT\n",
        encoding="utf-8",
    )
    loaded = load(path)
    report = validate(loaded.records, nlp, source=str(path), lines=loaded.lines, entity_lines=loaded.entity_lines)
    assert [(p.code, p.line) for p in report.problems] == [("N108", 2)]


def test_conll_bioes_errors_name_the_scheme(tmp_path):
    path = tmp_path / "bad.conll"
    path.write_text("RTX B-PRODUCT\n3080 O\n\nok S-PRICE\n", encoding="utf-8")
    loaded = load(path)
    assert codes(loaded) == [("N229", 2)] and "BIOES" in loaded.problems[0].message
    assert loaded.records[0]["entities"] == [[0, 2, "PRICE"]]


# --- bounded cost (14.8) ------------------------------------------------------------------------


def test_1500_nested_spans_validate_quickly_with_bounded_output(nlp):
    words = [f"w{k:04d}" for k in range(7500)]
    text = " ".join(words)  # ~45 KB
    spans = [[k * 6, len(text) - k * 6, "PRODUCT"] for k in range(1500)]
    spans = [[s, e - (1 if text[e - 1] == " " else 0), label] for s, e, label in spans]
    started = time.perf_counter()
    report = validate([{"text": text, "entities": spans}], nlp)
    elapsed = time.perf_counter() - started
    assert report.counts()["N103"] == MAX_OVERLAPS and report.counts()["N133"] == 1
    assert sum(len(p.message) + len(p.hint) for p in report.problems) < 20_000
    assert elapsed < 10, elapsed


# --- streaming convert (14.13) ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_streaming_convert_writes_what_dump_writes_across_chunks(nlp, tmp_path, monkeypatch, fmt):
    from course.formats import iter_records, stream

    monkeypatch.setattr(stream, "CHUNK", 2)
    records = [{"text": f"Selling RTX 30{k}0 for ${k}50", "entities": [[8, 16, "PRODUCT"]]} for k in range(5)]
    src = lines(tmp_path / "in.jsonl", *records)
    result = stream.convert_file(
        lambda: iter_records(src, "jsonl"), tmp_path / f"out.{EXT[fmt]}", fmt, nlp, source=str(src)
    )
    assert (result.written, result.entities, result.problems) == (5, 5, [])
    expected = dump(records, tmp_path / f"dump.{EXT[fmt]}", fmt, nlp)
    got = load(tmp_path / f"out.{EXT[fmt]}", fmt)
    assert [(r["text"], r["entities"]) for r in got.records] == [
        (r["text"], r["entities"]) for r in load(expected, fmt).records
    ]


def test_streaming_convert_refuses_and_leaves_the_old_output(nlp, tmp_path, monkeypatch):
    from course.formats import iter_records, stream

    monkeypatch.setattr(stream, "CHUNK", 2)
    good = {"text": "RTX 3080", "entities": [[0, 8, "PRODUCT"]]}
    src = lines(tmp_path / "in.jsonl", good, good, good, {"text": "RTX", "entities": [[0, 2, "PRODUCT"]]}, "{bad")
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    result = stream.convert_file(lambda: iter_records(src, "jsonl"), out, "jsonl", nlp, source=str(src))
    assert result.written == 0 and sorted((p.code, p.line) for p in result.problems) == [("N101", 4), ("N203", 5)]
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
