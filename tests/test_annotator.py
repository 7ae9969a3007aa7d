"""course/annotator.py and course/annotation_session.py, driven headlessly (no browser)."""

# no `from __future__ import annotations`: the module `annotations` is imported below
import json
import os

import pytest
import spacy

from course import annotations, files
from course.annotator import Annotator, AnnotatorError, Session
from course.errors import FormatError

POSTS = [
    "Looking for a Zowie S2-C, paying up to $45 shipped to 32202.",
    {
        "text": "Selling a Corsair RM850x, like new. Asking 100 shipped.",
        "suggestions": [[10, 24, "PRODUCT", 0.93], [26, 34, "CONDITION", 0.71], [10, 17, "PRODUCT", 0.2]],
    },
    "[USA-NC] [H] Logitech G Pro X Superlight, like new [W] PayPal, local cash",
]


@pytest.fixture
def path(tmp_path):
    return tmp_path / "posts.jsonl"


@pytest.fixture
def ann(path):
    return Annotator(path, POSTS)


def saved(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def leftovers(path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp"))


def test_new_file_is_canonical_jsonl_with_status(ann, path):
    records = saved(path)
    assert [r["text"] for r in records] == [p if isinstance(p, str) else p["text"] for p in POSTS]
    assert all(r["status"] == "todo" and r["entities"] == [] for r in records)
    assert annotations.validate(records, spacy.blank("en")).ok
    assert ann.progress() == (0, 3) and ann.position == 0
    assert "new file posts.jsonl: 3 post(s)" in ann.message


def test_clicking_tokens_and_a_label_adds_a_token_aligned_span(ann, path):
    tokens = [b.description for b in ann.token_buttons]
    first, last = tokens.index("Zowie"), tokens.index("C")
    ann.token_buttons[first].click()
    ann.token_buttons[last].click()
    assert ann.selection == (first, last + 1)
    assert "course-annotator-token-selected" in ann.token_buttons[first]._dom_classes
    ann.label_picker.value = "PRODUCT"
    ann.add_button.click()
    assert ann.spans == [("Zowie S2-C", "PRODUCT")]
    assert saved(path)[0]["entities"] == [[14, 24, "PRODUCT"]]
    assert ann.selection is None and "✓ added 'Zowie S2-C' as PRODUCT" in ann.status.value


def test_one_click_selects_one_token(ann):
    i = [b.description for b in ann.token_buttons].index("32202")
    ann.click(i)
    ann.click(i)
    assert ann.add("ZIP") and ann.spans == [("32202", "ZIP")]


def test_overlap_is_refused_with_a_message_not_an_exception(ann, path):
    assert ann.select_text("Zowie S2-C") and ann.add("PRODUCT")
    before = path.read_bytes()
    assert ann.select_text("S2-C")
    assert ann.add("PRODUCT") is False
    assert ann.message.startswith("✗ N103 spans overlap")
    assert "N103" in ann.status.value and "b3261e" in ann.status.value  # shown in red in the widget
    assert ann.spans == [("Zowie S2-C", "PRODUCT")] and path.read_bytes() == before


@pytest.mark.parametrize(
    "action,code",
    [
        (lambda a: a.add("PRODUCT"), "N450"),
        (lambda a: (a.select(0, 2), a.add("GPU"))[1], "N451"),
        (lambda a: (a.select(5, 99), a.add("PRODUCT"))[1], "N452"),
        (lambda a: a.select_text("Zowie S"), "N453"),
        (lambda a: a.delete(0), "N454"),
        (lambda a: a.accept(0), "N454"),
        (lambda a: a.goto(7), "N454"),
        (lambda a: a.undo(), "N455"),
        (lambda a: a.session.set_status("finished"), "N459"),
    ],
)
def test_refused_actions_leave_a_coded_message(ann, action, code):
    assert action(ann) is False
    assert ann.message.startswith(f"✗ {code} ") and " — " in ann.message


def test_undo_reverts_the_last_change_and_saves(ann, path):
    ann.select_text("Zowie S2-C")
    ann.add("PRODUCT")
    ann.select_text("$45")
    ann.add("PRICE")
    ann.undo_button.click()
    assert ann.spans == [("Zowie S2-C", "PRODUCT")]
    assert saved(path)[0]["entities"] == [[14, 24, "PRODUCT"]]
    ann.done()
    assert ann.position == 1
    assert ann.undo() and ann.position == 0  # undo goes back to the post it changed
    assert saved(path)[0]["status"] == "todo"


def test_delete_a_span(ann, path):
    ann.select_text("$45")
    ann.add("PRICE")
    ann.spans_box.children[0].children[1].click()  # the row's delete button
    assert ann.spans == [] and saved(path)[0]["entities"] == []


def test_accept_and_reject_suggestions(ann, path):
    ann.next_button.click()
    assert [t for t, _, _ in ann.suggestions] == ["Corsair RM850x", "like new", "Corsair"]
    assert ann.accept(1) and ann.spans == [("like new", "CONDITION")]
    assert ann.accept() is True  # all: 'Corsair' overlaps 'Corsair RM850x' and stays, with a message
    assert ann.spans == [("Corsair RM850x", "PRODUCT"), ("like new", "CONDITION")]  # reading order
    assert ann.suggestions == [("Corsair", "PRODUCT", 0.2)] and "N103" in ann.message
    assert ann.reject(0) and ann.suggestions == []
    record = saved(path)[1]
    assert record["entities"] == [[10, 24, "PRODUCT"], [26, 34, "CONDITION"]] and record["suggestions"] == []


def test_adding_a_suggested_span_by_hand_settles_the_suggestion(ann):
    ann.goto(1)
    ann.select_text("Corsair RM850x")
    ann.add("PRODUCT")
    assert [t for t, _, _ in ann.suggestions] == ["like new", "Corsair"]


def test_done_and_skip_move_on_and_only_done_posts_are_for_training(ann, path):
    ann.select_text("Zowie S2-C")
    ann.add("PRODUCT")
    ann.done_button.click()
    assert ann.position == 1 and ann.progress() == (1, 3)
    ann.skip_button.click()
    assert ann.position == 2
    ann.done()
    assert ann.progress() == (3, 3) and "all posts are done" in ann.message
    assert [r["status"] for r in saved(path)] == ["done", "skipped", "done"]
    assert ann.annotated() == [
        {"text": POSTS[0], "entities": [[14, 24, "PRODUCT"]]},
        {"text": POSTS[2], "entities": []},
    ]


def test_reopening_resumes_position_and_spans(ann, path):
    ann.select_text("Zowie S2-C")
    ann.add("PRODUCT")
    ann.done()
    ann.next()
    again = Annotator(path, ["these posts are ignored: the file wins"])
    assert again.position == 2 and again.progress() == (1, 3)
    assert again.goto(0) and again.spans == [("Zowie S2-C", "PRODUCT")]
    assert again.message.startswith("✓") is False and "post 1 of 3" in again.message


def test_without_the_sidecar_it_resumes_at_the_first_post_to_do(ann, path):
    ann.done()
    path.with_suffix(".state.json").unlink()
    assert Annotator(path).position == 1


def test_a_failed_save_keeps_the_previous_file_and_the_change(ann, path, monkeypatch):
    ann.select_text("Zowie S2-C")
    ann.add("PRODUCT")
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    ann.select_text("$45")
    assert ann.add("PRICE") is True  # kept in memory ...
    assert ann.message.startswith("✗ N458") and "No space left" in ann.message
    assert path.read_bytes() == before and leftovers(path) == []  # ... the file is untouched
    monkeypatch.undo()
    assert ann.save() and saved(path)[0]["entities"] == [[14, 24, "PRODUCT"], [39, 42, "PRICE"]]


def test_a_crash_in_the_middle_of_writing_loses_nothing(ann, path, monkeypatch):
    ann.select_text("Zowie S2-C")
    ann.add("PRODUCT")
    before = path.read_bytes()
    real_fsync = os.fsync

    def dies(fd):
        os.write(fd, b"half a line {")  # the temp file is half written when the kernel dies
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", dies)
    ann.select_text("$45")
    with pytest.raises(KeyboardInterrupt):
        ann.add("PRICE")
    monkeypatch.setattr(files.os, "fsync", real_fsync)
    assert path.read_bytes() == before and leftovers(path) == []
    assert Annotator(path).spans == [("Zowie S2-C", "PRODUCT")]


def test_a_file_with_annotation_problems_is_refused(path):
    path.write_text(json.dumps({"text": "RTX 3080 for $450", "entities": [[0, 7, "PRODUCT"]]}) + "\n")
    with pytest.raises(AnnotatorError) as err:
        Annotator(path)
    assert err.value.code == "N456" and "N101" in str(err.value)


def test_a_broken_line_is_refused(path):
    path.write_text('{"text": "ok", "entities": []}\n{"text": \n')
    with pytest.raises(FormatError) as err:
        Session(path)
    assert err.value.code == "N203" and "posts.jsonl:2" in str(err.value)


def test_an_unknown_status_in_the_file_is_refused(path):
    path.write_text(json.dumps({"text": "RTX 3080 for $450", "entities": [], "status": "finished"}) + "\n")
    with pytest.raises(AnnotatorError) as err:
        Session(path)
    assert err.value.code == "N459" and "'finished' is not a status" in str(err.value)


def test_nothing_to_annotate(path):
    with pytest.raises(AnnotatorError) as err:
        Annotator(path)
    assert err.value.code == "N457"


def test_text_repr_is_plain_deterministic_and_ignores_suggestions(tmp_path):
    plain = Annotator(tmp_path / "a.jsonl", [POSTS[1]["text"]])
    suggested = Annotator(tmp_path / "b.jsonl", [POSTS[1]])
    text = plain._repr_mimebundle_()["text/plain"].replace("a.jsonl", "b.jsonl")
    assert text == suggested._repr_mimebundle_()["text/plain"]
    assert text == (
        "Annotator · post 1 of 1 · 0 of 1 done · b.jsonl\n"
        "Selling a Corsair RM850x, like new. Asking 100 shipped.\n  (no spans yet)"
    )
    assert "application/vnd.jupyter.widget-view+json" in suggested._repr_mimebundle_()


def test_dom_hooks_for_browser_tests(ann):
    classes = {css for w in ann.token_buttons for css in w._dom_classes}
    assert classes == {"course-annotator-token"}
    assert "course-annotator" in ann._dom_classes
    assert "course-annotator-label" in ann.label_picker._dom_classes
    assert list(ann.label_picker.options)[:2] == ["PRODUCT", "PRICE"]
    for widget, css in [
        (ann.add_button, "add"),
        (ann.status, "status"),
        (ann.undo_button, "undo"),
        (ann.done_button, "done"),
        (ann.next_button, "next"),
        (ann.prev_button, "prev"),
        (ann.progress_line, "progress"),
        (ann.accept_all_button, "accept-all"),
    ]:
        assert f"course-annotator-{css}" in widget._dom_classes
    ann.goto(1)
    row = ann.suggestions_box.children[0]
    assert [c._dom_classes[0] for c in row.children[1:]] == ["course-annotator-accept", "course-annotator-reject"]
    assert "Post 2 of 3" in ann.progress_line.value


# --- one writer per file (issue 14.2) -------------------------------------------------------


def test_rerunning_the_cell_while_the_old_widget_is_open_never_loses_an_annotation(path, tmp_path):
    old = Annotator(path, POSTS)
    old.select_text("Zowie S2-C")
    old.add("PRODUCT")
    new = Annotator(path)  # the cell is run again; the old widget is still on screen
    new.select_text("$45")
    assert new.add("PRICE") and new.message.startswith("✓")
    before = path.read_bytes()
    old.select_text("32202")
    assert old.add("ZIP") is True  # kept in memory ...
    assert old.message.startswith("✗ N474") and "save_as" in old.message
    assert path.read_bytes() == before  # ... and the other writer's PRICE is not overwritten
    assert old.done() and old.message.startswith("✗ N474")  # every later change is refused the same way
    assert old.save_as(tmp_path / "mine.jsonl") and "now writes there" in old.message
    assert saved(tmp_path / "mine.jsonl")[0]["entities"] == [[14, 24, "PRODUCT"], [54, 59, "ZIP"]]
    assert saved(path)[0]["entities"] == [[14, 24, "PRODUCT"], [39, 42, "PRICE"]]
    old.goto(1)
    assert old.accept(0) and old.message.startswith("✓")  # it now saves to its new file
    assert saved(tmp_path / "mine.jsonl")[1]["entities"] == [[10, 24, "PRODUCT"]]


def test_a_hand_edit_while_the_session_is_open_is_detected(path):
    session = Session(path, POSTS)
    edited = path.read_text(encoding="utf-8").replace("Zowie", "ZOWIE")  # same size, new content
    path.write_text(edited, encoding="utf-8")
    assert session.changed_on_disk()
    assert session.set_status("skipped") is True and session.message.startswith("✗ N474")
    assert not session.saved and path.read_text(encoding="utf-8") == edited
    path.unlink()  # deleted by hand: not written back behind the learner's back either
    assert session.save() is False and session.message.startswith("✗ N474")


def test_save_as_never_overwrites_an_existing_file(path, tmp_path):
    session = Session(path, POSTS)
    other = tmp_path / "other.jsonl"
    other.write_text("not mine\n", encoding="utf-8")
    assert session.save_as(other) is False and session.message.startswith("✗ N479")
    assert other.read_text(encoding="utf-8") == "not mine\n" and session.path == path
    assert session.save_as(tmp_path / "other.state.json") is False and "N477" in session.message


# --- API misuse gives coded errors (issue 14.9) ------------------------------------------------


@pytest.mark.parametrize(
    "posts,labels,code",
    [
        ("RTX", ("PRODUCT",), "N476"),  # one string, not three posts
        (["ok", 3], ("PRODUCT",), "N476"),
        (["ok", None], ("PRODUCT",), "N476"),
        (7, ("PRODUCT",), "N476"),
        (["ok"], [], "N476"),
        (["ok"], "PRODUCT", "N476"),  # not seven one-letter labels
        (["ok"], ["PRODUCT", None], "N476"),
        ([], ("PRODUCT",), "N457"),
    ],
)
def test_wrong_posts_or_labels_are_coded_errors_and_write_nothing(path, posts, labels, code):
    with pytest.raises(AnnotatorError) as err:
        Annotator(path, posts, labels=labels)
    assert err.value.code == code
    assert list(path.parent.iterdir()) == []


@pytest.mark.parametrize(
    "suggestion,problem",
    [
        ([0, 3], "is list"),
        ("RTX", "is the string"),
        ([0, "3", "PRODUCT"], "not whole numbers"),
        ([0, 3, None], "label None"),
        ([0, 99, "PRODUCT"], "not a span inside the text"),
        ([3, 0, "PRODUCT"], "not a span inside the text"),
        ([0, 3, "PRODUCT", "high"], "confidence 'high'"),
        ([0, 3, "PRODUCT", float("nan")], "confidence nan"),
    ],
)
def test_bad_suggestions_in_a_saved_file_are_refused_with_file_and_line(path, suggestion, problem):
    rows = [{"text": "ok", "entities": []}, {"text": "RTX 3080", "entities": [], "suggestions": [suggestion]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(AnnotatorError) as err:
        Annotator(path)
    assert err.value.code == "N475" and str(err.value).startswith("posts.jsonl:2: N475 suggestion #0")
    assert problem in str(err.value)
    assert path.read_bytes() == before


def test_a_failed_first_save_is_an_error_not_a_hidden_message(tmp_path):
    with pytest.raises(AnnotatorError) as err:
        Session(tmp_path / "missing" / "posts.jsonl", POSTS)
    assert err.value.code == "N478" and "posts.jsonl" in str(err.value)


def test_files_with_one_stem_keep_their_own_positions(tmp_path):
    a, b = Session(tmp_path / "a.jsonl", POSTS), Session(tmp_path / "a.json", POSTS)
    assert a.state_path != b.state_path
    a.goto(2)
    b.goto(1)
    assert Session(tmp_path / "a.jsonl").position == 2 and Session(tmp_path / "a.json").position == 1
