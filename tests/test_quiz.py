"""Behaviour of course.quiz: widgets, feedback, instructor mode, progress, schema errors."""

from __future__ import annotations

import html
import json
import os
import re
import textwrap

import pytest

from course import quiz, quiz_progress
from course.quiz import Option, Question, QuizError, QuizWidget, WrongAnswer

SINGLE = Question(
    id="t-single",
    kind="single",
    prompt="Which span is right for 'RTX 3080' at 4?",
    options=(
        Option("(4, 11)", False, "Inclusive end: cuts the last character."),
        Option("(4, 12)", True, "End is exclusive: 4 + 8 = 12."),
        Option("(5, 12)", False, "Counts from 1, not 0."),
    ),
    hint="Try text[start:end].",
    explanation="Offsets are 0-based, end exclusive.",
    common_mistake="Using the last character's index as end.",
    notebook="t_quiz",
)
MULTIPLE = Question(
    id="t-multiple",
    kind="multiple",
    prompt="Which labels suit patterns?",
    options=(
        Option("ZIP", True, "Five digits: a regex does it."),
        Option("PRODUCT", False, "Open-ended: needs a model."),
        Option("URL", True, "LIKE_URL matches it."),
        Option("CONDITION", False, "Too many phrasings."),
    ),
    hint="Fixed shapes.",
    explanation="Rigid formats suit rules.",
    common_mistake="Training models for regex jobs.",
    notebook="t_quiz",
)
NUMERIC = Question(
    id="t-numeric",
    kind="numeric",
    prompt="8 predicted, 6 correct, 10 gold: recall?",
    answer=0.6,
    tolerance=0.01,
    wrong_answers=(WrongAnswer(0.75, "0.75 is precision, not recall."),),
    hint="TP / gold.",
    explanation="6 / 10 = 0.6.",
    common_mistake="Dividing by predictions.",
    notebook="t_quiz",
)


def plain(markup: str) -> str:
    blocks = re.sub(r"<(br|/?p|/?li|/?ul|/?div)\b[^>]*>", " ", markup)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", blocks)).split())


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("COURSE_INSTRUCTOR", raising=False)
    monkeypatch.setattr(quiz, "_INSTRUCTOR", None)
    monkeypatch.setattr(quiz_progress, "_PROGRESS", None)


def answer(widget: QuizWidget, *choices) -> str:
    if widget.question.kind == "numeric":
        widget.set_answer(choices[0])
    else:
        widget.select(*choices)
    widget.check_button.click()
    return plain(widget.feedback.value)


# --- widget behaviour -----------------------------------------------------------------


def test_hint_button_adds_hint_and_keeps_result():
    w = QuizWidget(SINGLE)
    assert w.feedback.value == ""
    w.hint_button.click()
    assert "Hint: Try text[start:end]." in plain(w.feedback.value)
    shown = answer(w, 0)
    assert "Hint: Try text[start:end]." in shown and "Inclusive end" in shown


def test_nothing_selected_is_not_an_attempt():
    w = QuizWidget(SINGLE)
    w.check_button.click()
    assert "Select an answer first" in plain(w.feedback.value)
    assert w.wrong_tries == 0
    assert quiz.summary().empty


def test_explanation_only_after_three_wrong_tries():
    w = QuizWidget(SINGLE)
    first = answer(w, "A")
    assert "✗ Not yet" in first and "Inclusive end" in first
    assert "Offsets are 0-based" not in first and "2 more wrong tries" in first
    second = answer(w, "(5, 12)")
    assert "Counts from 1" in second and "Offsets are 0-based" not in second
    assert "1 more wrong try" in second
    third = answer(w, 2)
    assert "Offsets are 0-based, end exclusive." in third
    assert "Common mistake: Using the last character's index as end." in third
    assert "Answer: B. (4, 12)" in third
    assert not w.solved and w.revealed


def test_right_answer_shows_why_and_explanation():
    w = QuizWidget(SINGLE)
    shown = answer(w, "b")
    assert shown.startswith("✓ Correct! B. (4, 12)")
    assert "End is exclusive: 4 + 8 = 12." in shown
    assert "Explanation: Offsets are 0-based" in shown and "Common mistake:" in shown
    assert "Answer:" not in shown  # not needed when the learner found it


def test_select_by_index_letter_or_text_and_rejects_unknown():
    w = QuizWidget(SINGLE)
    for choice in (1, "B", "b", "(4, 12)"):
        w.select(choice)
        assert w.selected() == (1,)
    with pytest.raises(QuizError, match=r"N520.*t-single.*'Z'"):
        w.select("Z")
    with pytest.raises(QuizError, match="N520"):
        w.select(0, 1)  # single choice takes one option


def test_multiple_partly_right():
    w = QuizWidget(MULTIPLE)
    shown = answer(w, "ZIP", "PRODUCT")
    assert "✗ Not yet — partly right: 1 of 2 right options selected." in shown
    assert "Five digits: a regex does it." in shown and "Open-ended: needs a model." in shown
    assert "1 right option is still missing." in shown
    assert "LIKE_URL" not in shown  # the missing option is not given away
    shown = answer(w, "ZIP", "URL", "CONDITION")
    assert "Not yet" in shown and "Too many phrasings." in shown and "missing" not in shown


def test_multiple_nothing_right_and_all_right():
    w = QuizWidget(MULTIPLE)
    shown = answer(w, "PRODUCT")
    assert "✗ Not yet." in shown and "partly" not in shown and "2 right options are still missing." in shown
    shown = answer(w, "A", "C")
    assert "✓ Correct! You found all 2 right options." in shown
    assert "Five digits" in shown and "LIKE_URL matches it." in shown
    assert "Rigid formats suit rules." in shown


def test_numeric_tolerance_and_wrong_answers():
    w = QuizWidget(NUMERIC)
    assert "0.75 is precision, not recall." in answer(w, 0.75)
    assert "0.75 is precision" in answer(w, 0.745)  # within tolerance of the known wrong value
    shown = answer(w, 0.65)
    assert "0.65 is not within ± 0.01 of the answer." in shown
    assert "6 / 10 = 0.6." in shown  # third wrong try reveals the explanation
    assert "Answer: 0.6 (± 0.01)" in shown
    assert "✓ Correct! 0.609 is right." in answer(w, 0.609)


def test_numeric_percentage_gets_a_nudge():
    assert "looks like a percentage" in answer(QuizWidget(NUMERIC), 60)


def test_answer_helper_returns_plain_text():
    text = QuizWidget(SINGLE).answer("B")
    assert text.startswith("✓ Correct! B. (4, 12)") and "<" not in text


def test_feedback_is_never_printed(capsys):
    w = QuizWidget(SINGLE)
    answer(w, 0)
    w.hint_button.click()
    answer(w, 1)
    assert capsys.readouterr().out == ""


# --- instructor mode ----------------------------------------------------------------


def test_no_answer_key_by_default():
    w = QuizWidget(SINGLE)
    assert w.answer_key not in w.children and w.answer_key.value == ""
    assert "Answer key" not in w.render_text()


def test_instructor_mode_by_env(monkeypatch):
    monkeypatch.setenv("COURSE_INSTRUCTOR", "1")
    assert quiz.instructor_mode() is True
    w = QuizWidget(MULTIPLE)
    assert w.answer_key in w.children
    key = plain(w.answer_key.value)
    assert "Answer key: A. ZIP; C. URL" in key and "Rigid formats suit rules." in key
    assert "Answer key: A. ZIP; C. URL" in w.render_text()


def test_instructor_mode_function_overrides_env(monkeypatch):
    monkeypatch.setenv("COURSE_INSTRUCTOR", "1")
    assert quiz.instructor_mode(False) is False
    assert QuizWidget(NUMERIC).answer_key.value == ""
    assert quiz.instructor_mode(True) is True
    key = plain(QuizWidget(NUMERIC).answer_key.value)
    assert "Answer key: 0.6 (± 0.01)" in key and "6 / 10 = 0.6." in key


# --- text rendering and display -------------------------------------------------------


def test_render_text_single_and_numeric():
    text = quiz.render_text(SINGLE, instructor=False, number=3)
    assert text == textwrap.dedent("""\
        Question 3 [t-single]
        Which span is right for 'RTX 3080' at 4?
          A. (4, 11)
          B. (4, 12)
          C. (5, 12)
        (answer with one letter)""")
    assert quiz.render_text(NUMERIC, instructor=False).endswith("(answer with a number)")
    assert "select all that apply" in quiz.render_text(MULTIPLE, instructor=False)
    keyed = quiz.render_text(SINGLE, instructor=True)
    assert "Answer key: B. (4, 12)" in keyed and "Explanation: Offsets are 0-based" in keyed
    assert "Common mistake: Using the last" in keyed


def test_plain_text_repr_is_the_question_and_deterministic():
    a, b = QuizWidget(SINGLE, number=1), QuizWidget(SINGLE, number=1)
    bundle_a, bundle_b = a._repr_mimebundle_(), b._repr_mimebundle_()
    assert bundle_a["text/plain"] == bundle_b["text/plain"] == a.render_text() == str(a)
    assert "application/vnd.jupyter.widget-view+json" in bundle_a  # still a live widget
    assert "model_id" not in bundle_a["text/plain"]
    answer(a, 0)  # feedback state does not leak into the text repr
    assert a._repr_mimebundle_()["text/plain"] == bundle_b["text/plain"]


def test_show_prints_text_outside_a_kernel(capsys):
    assert quiz.show("05_evaluation", "05-recall-price") is None
    out = capsys.readouterr().out
    assert out.startswith("Question 1 [05-recall-price]") and "(answer with a number)" in out
    quiz.quiz("05")  # prefix of the notebook name works too
    out = capsys.readouterr().out
    assert out.count("Question ") == len(quiz.load_quiz("05_evaluation"))


def test_build_and_show_errors():
    widgets = quiz.build("02_annotation_and_validation.ipynb")
    assert [w.number for w in widgets] == list(range(1, len(widgets) + 1))
    with pytest.raises(QuizError, match=r"N521.*no question 'nope'.*05-recall-price"):
        quiz.show("05_evaluation", "nope")
    with pytest.raises(QuizError, match=r"N510.*'99_missing'.*00_welcome"):
        quiz.show("99_missing")


# --- results and progress -------------------------------------------------------------


def test_summary_counts_attempts_and_first_try():
    first, second, third = quiz.build("05_evaluation")[:3]
    answer(first, 0.75)
    answer(first, 0.6)
    answer(first, 0.3)  # after a right answer the record is final
    answer(second, 0.75)
    table = quiz.summary("05_evaluation")
    assert list(table.columns) == ["question", "attempts", "correct", "first_try_correct"]
    assert list(table["question"]) == [q.id for q in quiz.load_quiz("05_evaluation")]
    rows = table.set_index("question")
    assert rows.loc[first.question.id].tolist() == [2, True, False]
    assert rows.loc[second.question.id].tolist() == [1, True, True]
    assert rows.loc[third.question.id].tolist() == [0, False, False]
    everything = quiz.summary()
    assert list(everything["question"]) == [first.question.id, second.question.id]


def test_progress_is_saved_and_read_back(tmp_path):
    w = QuizWidget(SINGLE)
    answer(w, 0)
    answer(w, 1)
    saved = json.loads((tmp_path / "progress.json").read_text())
    assert saved["results"]["t_quiz"]["t-single"] == {
        "attempts": 2,
        "correct": True,
        "first_try_correct": False,
        "hints": 0,
        "wrong_choices": {"A": 1},
    }
    assert saved["version"] == 2 and saved["format"] == "ner-course-progress"
    quiz_progress._PROGRESS = None  # a new session
    assert quiz.summary("t_quiz").values.tolist() == [["t-single", 2, True, False]]


def test_default_progress_file_in_cwd_and_disabling(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_PROGRESS_FILE")
    answer(QuizWidget(SINGLE), 1)
    assert json.loads((tmp_path / ".course_progress.json").read_text())["results"]["t_quiz"]
    (tmp_path / ".course_progress.json").unlink()
    monkeypatch.setenv("COURSE_PROGRESS_FILE", "")
    answer(QuizWidget(NUMERIC), 0.6)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert quiz.summary().values.tolist() == [["t-numeric", 1, True, True]]


def test_failed_save_keeps_old_file_intact(monkeypatch, tmp_path):
    path = tmp_path / "progress.json"
    old = json.dumps(
        {"version": 1, "results": {"x": {"x-1": {"attempts": 1, "correct": True, "first_try_correct": True}}}}
    )
    path.write_text(old)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    shown = answer(QuizWidget(SINGLE), 1)  # must not raise
    assert "✓ Correct!" in shown and "N523" in shown and "No space left on device" in shown
    assert path.read_text() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json"]  # no temp left over
    assert quiz.summary("t_quiz")["attempts"].tolist() == [1]  # still counted in memory


def test_corrupt_progress_file_is_moved_to_bak(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("{not json")
    shown = answer(QuizWidget(SINGLE), 1)
    assert "N522" in shown and "progress.json.bak" in shown and "✓ Correct!" in shown
    assert (tmp_path / "progress.json.bak").read_text() == "{not json"
    saved = json.loads(path.read_text())
    assert list(saved["results"]) == ["t_quiz"]


def test_every_corruption_gets_its_own_backup_and_deep_nesting_does_not_crash(tmp_path):
    path = tmp_path / "progress.json"
    corrupt = ["{not json", "[" * 100_000, '{"results": {"x": {"x-1": {"attempts": "many"}}}}']
    for _n, text in enumerate(corrupt):
        path.write_text(text)
        quiz_progress._PROGRESS = None  # a new kernel
        shown = answer(QuizWidget(SINGLE), 1)
        assert "N522" in shown and "✓ Correct!" in shown
        assert json.loads(path.read_text())["results"]["t_quiz"]
    backups = ["progress.json.bak", "progress.json.2.bak", "progress.json.3.bak"]
    assert [(tmp_path / name).read_text() for name in backups] == corrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["progress.json", *backups])


def test_corrupt_file_that_cannot_be_moved_is_never_overwritten(monkeypatch, tmp_path):
    path = tmp_path / "progress.json"
    path.write_text('{"results": [1, 2]}')
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(PermissionError(13, "denied")))
    shown = answer(QuizWidget(SINGLE), 1)
    assert "N522" in shown and "saving is off" in shown
    assert path.read_text() == '{"results": [1, 2]}'


def test_reset_progress(tmp_path):
    answer(QuizWidget(SINGLE), 1)
    quiz.reset_progress()
    assert quiz.summary().empty
    assert json.loads((tmp_path / "progress.json").read_text())["results"] == {}


# --- schema validation ----------------------------------------------------------------

GOOD = """\
  - id: x-1
    kind: single
    prompt: p
    options:
      - {text: a, correct: true, feedback: fa}
      - {text: b, feedback: fb}
    hint: h
    explanation: e
    common_mistake: c
"""

BROKEN = {
    "missing-feedback": (
        """\
  - id: x-2
    kind: single
    prompt: p
    options:
      - {text: a, correct: true, feedback: fa}
      - {text: b}
    hint: h
    explanation: e
    common_mistake: c
""",
        "N516",
        "x-2",
    ),
    "no-correct": (GOOD.replace("x-1", "x-2").replace("correct: true, ", ""), "N514", "x-2"),
    "two-correct-single": (GOOD.replace("x-1", "x-2").replace("{text: b,", "{text: b, correct: true,"), "N514", "x-2"),
    "multiple-none-correct": (
        GOOD.replace("x-1", "x-2").replace("single", "multiple").replace("correct: true, ", ""),
        "N515",
        "x-2",
    ),
    "duplicate-id": (GOOD, "N518", "x-1"),
    "numeric-no-answer": (
        """\
  - id: x-2
    kind: numeric
    prompt: p
    tolerance: 0.01
    hint: h
    explanation: e
    common_mistake: c
""",
        "N517",
        "x-2",
    ),
    "numeric-wrong-answer-no-feedback": (
        """\
  - id: x-2
    kind: numeric
    prompt: p
    answer: 0.6
    tolerance: 0.01
    wrong_answers: [{value: 0.75}]
    hint: h
    explanation: e
    common_mistake: c
""",
        "N512",
        "x-2",
    ),
    "unknown-kind": (GOOD.replace("x-1", "x-2").replace("single", "ranking"), "N513", "x-2"),
    "missing-hint": (GOOD.replace("x-1", "x-2").replace("    hint: h\n", ""), "N512", "x-2"),
    "typo-field": (
        GOOD.replace("x-1", "x-2").replace("explanation:", "explaination: e\n    explanation:"),
        "N519",
        "x-2",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_schema_errors_name_code_file_and_id(tmp_path, name):
    snippet, code, qid = BROKEN[name]
    (tmp_path / "x_quiz.yaml").write_text("questions:\n" + GOOD + snippet)
    with pytest.raises(QuizError) as info:
        quiz.load_quiz("x_quiz", tmp_path)
    err = info.value
    assert err.code == code
    assert str(tmp_path / "x_quiz.yaml") in str(err) and f"'{qid}'" in str(err)
    assert " — " in str(err)  # every message carries a hint


def test_good_file_loads(tmp_path):
    (tmp_path / "x_quiz.yaml").write_text("notebook: x_quiz\nquestions:\n" + GOOD)
    (q,) = quiz.load_quiz("x_quiz", tmp_path)
    assert q == Question(
        "x-1", "single", "p", (Option("a", True, "fa"), Option("b", False, "fb")), "h", "e", "c", notebook="x_quiz"
    )


@pytest.mark.parametrize(
    "content,problem",
    [
        ("questions: []\n", "no `questions:` list"),
        ("- just a list\n", "no `questions:` list"),
        ("questions: [\n", "cannot read YAML"),
        ("notebook: other\nquestions:\n" + GOOD, "does not match the file name"),
    ],
)
def test_file_level_errors(tmp_path, content, problem):
    (tmp_path / "x_quiz.yaml").write_text(content)
    with pytest.raises(QuizError, match="N511") as info:
        quiz.load_quiz("x_quiz", tmp_path)
    assert problem in str(info.value) and "x_quiz.yaml" in str(info.value)


def test_missing_quiz_lists_available(tmp_path):
    (tmp_path / "a_quiz.yaml").write_text("questions:\n" + GOOD)
    with pytest.raises(QuizError, match=r"N510 no quiz for notebook 'b'.*a_quiz"):
        quiz.load_quiz("b", tmp_path)
