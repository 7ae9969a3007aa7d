"""course/formats.py and course/files.py: every format round-trips, every bad file names its line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from spacy.tokens import DocBin

from course import files, formats
from course.annotations import to_docs
from course.errors import AnnotationError, FormatError
from course.formats import FORMATS, dump, guess_format, load

SELL = "Selling RTX 3080 FTW3 Ultra, $450 shipped from 94110"
POST = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra [W] $450 shipped"
GERMAN = "Verkaufe GeForce GTX 1080 Ti für 250 € in München"
RECORDS = [
    {"text": POST, "entities": [[1, 7, "LOCATION"], [13, 37, "PRODUCT"], [42, 46, "PRICE"]]},
    {"text": SELL, "entities": [[8, 21, "PRODUCT"], [29, 33, "PRICE"], [47, 52, "ZIP"]]},
    {"text": GERMAN, "entities": [[9, 28, "PRODUCT"], [33, 38, "PRICE"], [42, 49, "LOCATION"]]},
    {"text": "Anyone selling a cheap PSU?", "entities": []},
]
EXTENSION = {
    "jsonl": "jsonl",
    "prodigy": "jsonl",
    "doccano": "jsonl",
    "labelstudio": "json",
    "conll": "conll",
    "spacy": "spacy",
}


def write_lines(path: Path, *rows) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def plain(records: list[dict]) -> list[dict]:
    """Only text and entities (CoNLL records also carry their own tokens)."""
    return [{"text": r["text"], "entities": r["entities"]} for r in records]


def entity_tokens(nlp, records) -> list[list[tuple[tuple[str, ...], str]]]:
    """Per record, each entity as (its tokens, label): what CoNLL keeps of a record."""
    return [[(tuple(t.text for t in e), e.label_) for e in doc.ents] for doc in to_docs(nlp, records)]


def test_fixture_records_are_valid(nlp):
    assert [POST[1:7], SELL[8:21], GERMAN[33:38]] == ["USA-TX", "RTX 3080 FTW3", "250 €"]
    to_docs(nlp, RECORDS)


# --- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "conll"])
def test_round_trip_is_lossless(nlp, tmp_path, fmt):
    path = dump(RECORDS, tmp_path / f"posts.{EXTENSION[fmt]}", fmt, nlp)
    loaded = load(path, fmt, nlp)
    assert loaded.records == RECORDS
    assert loaded.lines == [1, 2, 3, 4] and loaded.problems == [] and loaded.skipped == []
    assert loaded.source == str(path)


def test_round_trip_guesses_the_format_of_each_file(nlp, tmp_path):
    for fmt in FORMATS:
        path = dump(RECORDS, tmp_path / f"{fmt}.{EXTENSION[fmt]}", fmt, nlp)
        assert guess_format(path, reading=True) == fmt
        if fmt != "conll":
            assert load(path, nlp=nlp).records == RECORDS


def test_jsonl_keeps_unicode_readable(nlp, tmp_path):
    text = dump(RECORDS, tmp_path / "posts.jsonl", "jsonl", nlp).read_text(encoding="utf-8")
    assert "München" in text and "€" in text and "\\u" not in text
    assert [json.loads(line) for line in text.splitlines()] == RECORDS


def test_conll_round_trip_keeps_tokens_and_labels(nlp, tmp_path):
    path = dump(RECORDS, tmp_path / "posts.conll", "conll", nlp)
    back = load(path, "conll")
    assert back.records[1]["text"] == "Selling RTX 3080 FTW3 Ultra , $ 450 shipped from 94110"  # single spaces
    assert entity_tokens(nlp, back.records) == entity_tokens(nlp, RECORDS)
    assert next([e.text for e in d.ents] for d in to_docs(nlp, back.records)) == [
        "USA - TX",
        "EVGA RTX 3080 FTW3 Ultra",
        "$ 450",
    ]
    again = dump(back.records, tmp_path / "again.conll", "conll", nlp)
    assert again.read_bytes() == path.read_bytes()


def test_conll_layout_is_token_tab_iob2_tag_with_blank_lines_between_docs(nlp, tmp_path):
    path = dump(RECORDS[1:2] + RECORDS[3:], tmp_path / "posts.conll", "conll", nlp)
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    assert blocks[0].splitlines()[:5] == [
        "Selling\tO",
        "RTX\tB-PRODUCT",
        "3080\tI-PRODUCT",
        "FTW3\tI-PRODUCT",
        "Ultra\tO",
    ]
    assert "$\tB-PRICE\n450\tI-PRICE" in blocks[0] and "94110\tB-ZIP" in blocks[0]
    assert blocks[1] == "Anyone\tO\nselling\tO\na\tO\ncheap\tO\nPSU\tO\n?\tO\n"
    assert load(path, "conll").lines == [1, 13]


def test_conll_adjacent_entities_of_one_label_stay_apart(nlp, tmp_path):
    records = [{"text": "EVGA RTX 3080", "entities": [[0, 4, "PRODUCT"], [5, 13, "PRODUCT"]]}]
    path = dump(records, tmp_path / "two.conll", "conll", nlp)
    assert path.read_text() == "EVGA\tB-PRODUCT\nRTX\tB-PRODUCT\n3080\tI-PRODUCT\n"
    assert plain(load(path, "conll").records) == records


def test_conll_reader_accepts_docstart_and_extra_columns(tmp_path):
    path = tmp_path / "ner.conll"
    path.write_text(
        "-DOCSTART- -X- O O\n\nEVGA NNP B-PRODUCT\nRTX NNP I-PRODUCT\nfor IN O\n$ $ B-PRICE\n450 CD I-PRICE\n"
    )
    loaded = load(path)
    assert plain(loaded.records) == [{"text": "EVGA RTX for $ 450", "entities": [[0, 8, "PRODUCT"], [13, 18, "PRICE"]]}]
    assert loaded.records[0]["words"] == ["EVGA", "RTX", "for", "$", "450"]
    assert loaded.lines == [3]


# --- Prodigy --------------------------------------------------------------------------


def test_prodigy_export_has_tokens_and_inclusive_token_end(nlp, tmp_path):
    path = dump(RECORDS[1:2], tmp_path / "prodigy.jsonl", "prodigy", nlp)
    task = json.loads(path.read_text(encoding="utf-8"))
    assert task["answer"] == "accept" and task["text"] == SELL
    assert task["tokens"][1] == {"text": "RTX", "start": 8, "end": 11, "id": 1, "ws": True}
    assert task["tokens"][4] == {"text": "Ultra", "start": 22, "end": 27, "id": 4, "ws": False}
    assert [t["text"] for t in task["tokens"]] == [t.text for t in nlp.make_doc(SELL)]
    # 'RTX 3080 FTW3' is tokens 1, 2, 3: Prodigy's token_end is the last token, not one past it
    assert task["spans"] == [
        {"start": 8, "end": 21, "label": "PRODUCT", "token_start": 1, "token_end": 3},
        {"start": 29, "end": 33, "label": "PRICE", "token_start": 6, "token_end": 7},
        {"start": 47, "end": 52, "label": "ZIP", "token_start": 10, "token_end": 10},
    ]


def test_prodigy_import_skips_rejected_and_ignored_answers(tmp_path):
    path = write_lines(
        tmp_path / "db-out.jsonl",
        {"text": SELL, "spans": [{"start": 8, "end": 16, "label": "PRODUCT"}], "answer": "accept"},
        {"text": POST, "spans": [{"start": 42, "end": 46, "label": "PRICE"}], "answer": "reject"},
        {"text": GERMAN, "spans": [], "answer": "ignore"},
        {"text": "WTB 3090", "spans": []},
        {"text": "WTS PSU", "answer": "accept"},
    )
    assert guess_format(path, reading=True) == "prodigy"
    loaded = load(path)
    assert loaded.records == [
        {"text": SELL, "entities": [[8, 16, "PRODUCT"]]},
        {"text": "WTB 3090", "entities": []},
        {"text": "WTS PSU", "entities": []},
    ]
    assert loaded.lines == [1, 4, 5]
    assert loaded.skipped == [(2, "prodigy answer is 'reject'"), (3, "prodigy answer is 'ignore'")]


def test_prodigy_task_without_text_names_the_line_and_reading_goes_on(tmp_path):
    path = write_lines(tmp_path / "db-out.jsonl", {"text": SELL, "spans": []}, {"spans": []}, {"text": POST})
    loaded = load(path, "prodigy")
    assert [(p.code, p.line) for p in loaded.problems] == [("N206", 2)]
    assert "Prodigy record is missing 'text'" in loaded.problems[0].message
    assert loaded.lines == [1, 3]


# --- doccano ---------------------------------------------------------------------------


def test_doccano_label_key_and_older_labels_key(tmp_path):
    path = write_lines(
        tmp_path / "doccano.jsonl",
        {"id": 1, "text": SELL, "label": [[8, 16, "PRODUCT"], [29, 33, "PRICE"]]},
        {"id": 2, "text": POST, "labels": [[42, 46, "PRICE"]]},
        {"id": 3, "text": "WTB 3090", "label": []},
    )
    assert guess_format(path, reading=True) == "doccano"
    assert load(path).records == [
        {"text": SELL, "entities": [[8, 16, "PRODUCT"], [29, 33, "PRICE"]], "id": 1},
        {"text": POST, "entities": [[42, 46, "PRICE"]], "id": 2},
        {"text": "WTB 3090", "entities": [], "id": 3},
    ]


def test_doccano_dict_spans_with_offsets(tmp_path):
    path = write_lines(
        tmp_path / "doccano.jsonl",
        {
            "text": SELL,
            "entities": [{"id": 7, "label": "PRODUCT", "start_offset": 8, "end_offset": 16}],
            "relations": [],
        },
        {"text": POST, "label": [{"start_offset": 42, "end_offset": 46, "label": "PRICE"}]},
    )
    assert load(path, "doccano").records == [
        {"text": SELL, "entities": [[8, 16, "PRODUCT"]]},
        {"text": POST, "entities": [[42, 46, "PRICE"]]},
    ]


def test_doccano_dict_span_without_offsets_is_a_problem_with_its_line(tmp_path):
    path = write_lines(
        tmp_path / "doccano.jsonl",
        {"text": SELL, "label": [{"start": 8, "end": 16, "label": "X"}]},
        {"text": POST, "label": []},
    )
    loaded = load(path, "doccano")
    assert [(p.code, p.line) for p in loaded.problems] == [("N224", 1)]
    assert "start_offset" in loaded.problems[0].hint
    assert loaded.lines == [2]


def test_doccano_export_uses_the_label_key(nlp, tmp_path):
    path = dump(RECORDS[1:2], tmp_path / "out.jsonl", "doccano", nlp)
    assert json.loads(path.read_text()) == {
        "text": SELL,
        "label": [[8, 21, "PRODUCT"], [29, 33, "PRICE"], [47, 52, "ZIP"]],
    }


# --- Label Studio ------------------------------------------------------------------------


def _ls_result(start: int, end: int, label: str) -> dict:
    return {
        "type": "labels",
        "from_name": "label",
        "to_name": "text",
        "value": {"start": start, "end": end, "labels": [label]},
    }


def test_labelstudio_takes_the_last_finished_annotation_and_skips_unfinished_tasks(tmp_path):
    tasks = [
        {
            "id": 11,
            "data": {"text": SELL},
            "annotations": [
                {"result": [_ls_result(8, 11, "PRODUCT")]},
                {"result": [_ls_result(8, 16, "PRODUCT"), {"type": "choices", "value": {"choices": ["sale"]}}]},
                {"was_cancelled": True, "result": [_ls_result(0, 7, "PRICE")]},
            ],
        },
        {"id": 12, "data": {"text": POST}, "annotations": [{"was_cancelled": True, "result": []}]},
        {"id": 13, "data": {"text": GERMAN}},
        {"id": 14, "data": {"text": "WTB 3090"}, "annotations": [{"result": []}]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    loaded = load(path)
    assert loaded.records == [{"text": SELL, "entities": [[8, 16, "PRODUCT"]]}, {"text": "WTB 3090", "entities": []}]
    assert loaded.lines == [1, 4]
    assert loaded.skipped == [
        (2, "Label Studio task 2: its annotation was skipped or cancelled"),
        (3, "Label Studio task 3: no annotation"),
    ]
    assert loaded.notes == [f"{path}: result(s) that are not text spans were dropped: 1 choices"]


def test_labelstudio_export_shape(nlp, tmp_path):
    path = dump(RECORDS[1:2], tmp_path / "out.json", "labelstudio", nlp)
    (task,) = json.loads(path.read_text(encoding="utf-8"))
    assert task["data"] == {"text": SELL}
    assert [r["value"] for r in task["annotations"][0]["result"]] == [
        {"start": 8, "end": 21, "text": "RTX 3080 FTW3", "labels": ["PRODUCT"]},
        {"start": 29, "end": 33, "text": "$450", "labels": ["PRICE"]},
        {"start": 47, "end": 52, "text": "94110", "labels": ["ZIP"]},
    ]


@pytest.mark.parametrize(
    "content, code",
    [
        ('{"text": "x", "label": []}', "N206"),  # not a list of tasks
        ('[{"id": 1, "text": "x", "label": [{"start": 0, "end": 1, "labels": ["A"]}]}]', "N226"),  # JSON-MIN
        ('[{"data": \n{"text": "x"}', "N203"),
    ],
)
def test_labelstudio_bad_exports_are_format_errors(tmp_path, content, code):
    path = tmp_path / "export.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load(path)
    assert info.value.code == code and str(path) in info.value.where


@pytest.mark.parametrize(
    "content, code",
    [
        ('[{"data": {"body": "x"}}]', "N206"),  # text field named differently
        (
            '[{"data": {"text": "x"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "labels": ["A"]}}]}]}]',
            "N206",
        ),
        ('[{"data": {"text": "x"}, "annotations": [{"result": ["labels"]}]}]', "N224"),  # result item not an object
        ('[{"data": {"text": "x"}, "annotations": [{"result": 3}]}]', "N224"),
        ('[{"data": {"text": "x"}, "annotations": "done"}]', "N224"),
        ("[7]", "N224"),
    ],
)
def test_labelstudio_bad_tasks_are_problems_and_the_next_task_is_read(tmp_path, content, code):
    tasks = json.loads(content) + [{"data": {"text": "WTB 3090"}, "annotations": [{"result": []}]}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    loaded = load(path)
    assert [(p.code, p.line, p.source) for p in loaded.problems] == [(code, 1, str(path))]
    assert loaded.records == [{"text": "WTB 3090", "entities": []}] and loaded.lines == [2]


# --- CoNLL errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, code, line, shown",
    [
        ("EVGA\tB-PRODUCT\nRTX\n", "N207", 2, "token line 'RTX' has no tag"),
        ("EVGA\tB-PRODUCT\n\nRTX\tPRODUCT\n", "N208", 3, "tag 'PRODUCT' in the last column is not a IOB2 tag"),
        ("RTX\tB-\n", "N208", 1, "tag 'B-' in the last column is not a IOB2 tag"),
        (
            "for\tO\n$\tO\n450\tI-PRICE\n",
            "N209",
            3,
            "'I-PRICE' continues an entity that was never started (previous tag 'O', scheme IOB2)",
        ),
        ("RTX\tB-PRODUCT\n3080\tI-PRICE\n", "N209", 2, "previous tag 'B-PRODUCT'"),
        ("RTX\tB-PRODUCT\n\n3080\tI-PRODUCT\n", "N209", 3, "previous tag 'O'"),  # entities do not cross documents
    ],
)
def test_conll_errors_name_the_line_and_the_next_sentence_is_read(tmp_path, body, code, line, shown):
    path = tmp_path / "bad.conll"
    path.write_text(body + "\nWTB\tO\n", encoding="utf-8")
    loaded = load(path, scheme="IOB2")
    (err,) = loaded.problems
    assert err.code == code and err.line == line and err.source == str(path)
    assert shown in err.message
    assert err.format().startswith(f"{path}:{line}: {code} ")
    if code == "N209":
        assert f"change it to B-{body.split('I-')[1].split()[0]}" in err.hint
    assert loaded.records[-1]["text"] == "WTB"


# --- unreadable files -------------------------------------------------------------------


def test_jsonl_bad_lines_become_problems_and_the_rest_is_read(tmp_path):
    path = write_lines(
        tmp_path / "posts.jsonl",
        RECORDS[0],
        '{"text": "WTB 3090", "entities": [}',
        "",
        RECORDS[1],
        "not json at all",
        RECORDS[3],
    )
    loaded = load(path)
    assert loaded.records == [RECORDS[0], RECORDS[1], RECORDS[3]]
    assert loaded.lines == [1, 4, 6]
    assert [(p.code, p.line, p.source) for p in loaded.problems] == [("N203", 2, str(path)), ("N203", 5, str(path))]
    assert loaded.problems[0].format().startswith(f"{path}:2: N203 line is not valid JSON (")


def test_read_jsonl_raises_on_the_first_bad_line(tmp_path):
    path = write_lines(tmp_path / "posts.jsonl", RECORDS[0], "{oops", "[also bad")
    with pytest.raises(FormatError) as info:
        formats.read_jsonl(path)
    assert info.value.code == "N203" and info.value.where == f"{path}:2"


def test_non_utf8_file_is_e202(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_bytes('{"text": "für 250 €", "entities": []}\n'.encode("latin-1", errors="replace"))
    with pytest.raises(FormatError) as info:
        load(path, "jsonl")
    assert info.value.code == "N202" and info.value.message == f"cannot read {path}: not UTF-8 text"
    assert info.value.where == f"{path}:1"


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_file_is_e201(tmp_path, fmt):
    path = tmp_path / "nope" / f"posts.{EXTENSION[fmt]}"
    with pytest.raises(FormatError) as info:
        load(path, fmt)
    assert info.value.code == "N201" and info.value.message == f"file not found: {path}"


def test_missing_jsonl_is_e201_even_while_guessing_the_format(tmp_path):
    with pytest.raises(FormatError) as info:
        load(tmp_path / "posts.jsonl")
    assert info.value.code == "N201"


@pytest.mark.parametrize("content", [b"", b"not a docbin", b"\x82\xa5attrs\x91\x01"])
def test_corrupt_docbin_is_e211(tmp_path, content):
    path = tmp_path / "train.spacy"
    path.write_bytes(content)
    with pytest.raises(FormatError) as info:
        load(path)
    assert info.value.code == "N211" and str(path) in info.value.message


def test_docbin_written_by_spacy_itself_is_read(nlp, tmp_path):
    DocBin(docs=to_docs(nlp, RECORDS)).to_disk(tmp_path / "train.spacy")
    assert load(tmp_path / "train.spacy").records == RECORDS


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("a.spacy", "spacy"),
        ("a.conll", "conll"),
        ("a.IOB", "conll"),
        ("a.bio", "conll"),
        ("a.iob2", "conll"),
        ("a.json", "labelstudio"),
    ],
)
def test_guess_format_by_extension(name, fmt):
    assert guess_format(name, reading=True) == guess_format(name, reading=False) == fmt


def test_jsonl_output_is_canonical_and_unknown_names_are_e205(tmp_path):
    assert guess_format(tmp_path / "never-read.jsonl", reading=False) == "jsonl"
    with pytest.raises(FormatError) as info:
        guess_format("posts.txt", reading=True)
    assert info.value.code == "N205" and "--from/--to" in info.value.hint


def test_jsonl_input_is_sniffed_from_many_objects_not_the_first(tmp_path):
    prodigy = [{"text": "x", "_input_hash": 1, "answer": "accept"}]  # Prodigy leaves out empty spans
    prodigy += [{"text": SELL, "spans": [{"start": 8, "end": 16, "label": "PRODUCT"}], "answer": "accept"}] * 3
    path = write_lines(tmp_path / "mixed.jsonl", "[1, 2]", "", {"text": "bare"}, *prodigy)
    assert guess_format(path, reading=True) == "prodigy"
    assert guess_format(write_lines(tmp_path / "plain.jsonl", *RECORDS), reading=True) == "jsonl"
    extra = [{**r, "spans": ["kept by another tool"]} for r in RECORDS]  # canonical with an extra key
    path = write_lines(tmp_path / "extra.jsonl", *extra)
    assert guess_format(path, reading=True) == "jsonl" and load(path).records == extra


def test_unknown_format_is_e204(tmp_path):
    for call in (lambda: load(tmp_path / "x.jsonl", "brat"), lambda: dump(RECORDS, tmp_path / "x.ann", "brat")):
        with pytest.raises(FormatError) as info:
            call()
        assert info.value.code == "N204" and "jsonl, prodigy, doccano, labelstudio, conll, spacy" in info.value.hint
    assert not (tmp_path / "x.ann").exists()


# --- writing: validate first, then replace atomically ---------------------------------------

BAD = [RECORDS[0], {"text": SELL, "entities": [[8, 15, "PRODUCT"], [29, 33, "PRICE"], [29, 33, "PRICE"]]}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_dump_refuses_invalid_records_and_keeps_the_old_file(nlp, tmp_path, fmt):
    path = tmp_path / f"out.{EXTENSION[fmt]}"
    path.write_bytes(b"previous content\n")
    with pytest.raises(AnnotationError) as info:
        dump(BAD, path, fmt, nlp)
    assert [(p.line, p.code) for p in info.value.problems] == [(2, "N101"), (2, "N104")]
    assert path.read_bytes() == b"previous content\n"
    assert sorted(os.listdir(tmp_path)) == [path.name]


@pytest.mark.parametrize("fmt", FORMATS)
def test_dump_refuses_invalid_records_and_creates_nothing(nlp, tmp_path, fmt):
    with pytest.raises(AnnotationError):
        dump(BAD, tmp_path / f"out.{EXTENSION[fmt]}", fmt, nlp)
    assert os.listdir(tmp_path) == []


def test_write_jsonl_validates_too(nlp, tmp_path):
    with pytest.raises(AnnotationError):
        formats.write_jsonl(BAD, tmp_path / "out.jsonl", nlp)
    assert formats.write_jsonl(RECORDS, tmp_path / "ok.jsonl", nlp).read_text(encoding="utf-8").count("\n") == 4


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_rename_leaves_the_target_intact_and_no_temp_file(nlp, tmp_path, monkeypatch, fmt):
    path = tmp_path / f"out.{EXTENSION[fmt]}"
    path.write_bytes(b"previous content\n")

    def broken_replace(src, dst):
        assert Path(src).parent == tmp_path and Path(src).read_bytes(), "the new content is written beside the target"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(FormatError) as info:
        dump(RECORDS, path, fmt, nlp)
    assert info.value.code == "N210" and info.value.message == f"cannot write {path}: No space left on device"
    assert path.read_bytes() == b"previous content\n"
    assert sorted(os.listdir(tmp_path)) == [path.name]


def test_interrupted_write_cleans_up_and_propagates(tmp_path, monkeypatch):
    path = tmp_path / "out.jsonl"
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        files.atomic_write_text(path, "half")
    assert os.listdir(tmp_path) == []


def test_atomic_write_into_a_missing_folder_is_e210(tmp_path):
    with pytest.raises(FormatError) as info:
        files.atomic_write_text(tmp_path / "missing" / "out.jsonl", "x")
    assert info.value.code == "N210" and "No such file or directory" in info.value.message
    assert os.listdir(tmp_path) == []


def test_atomic_write_replaces_the_whole_file(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("a much longer previous content\n" * 10)
    assert files.atomic_write_text(path, "short\n") == path
    assert path.read_text() == "short\n" and os.listdir(tmp_path) == ["out.jsonl"]


def test_atomic_write_keeps_permissions_readable(tmp_path):
    """mkstemp makes 0600 files; an atomic write must not make data unreadable for others."""
    import stat

    from course.files import atomic_write_text

    fresh = atomic_write_text(tmp_path / "new.jsonl", "x\n")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    existing = tmp_path / "old.jsonl"
    existing.write_text("old\n")
    existing.chmod(0o640)
    atomic_write_text(existing, "new\n")
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
