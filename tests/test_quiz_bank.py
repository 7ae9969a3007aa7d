"""Lint the quiz bank (course/quizzes/*.yaml) and answer every question headlessly."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from course import quiz, quiz_progress

NOTEBOOKS = [
    "00_welcome",
    "01_what_is_ner",
    "02_annotation_and_validation",
    "03_training",
    "04_inside_the_model",
    "05_evaluation",
    "06_small_and_imbalanced_data",
    "07_fine_tuning",
    "08_capstone",
    "09_listings",
    "10_beyond_flat_ner",
]
QUIZ_DIR = Path(quiz.__file__).parent / "quizzes"
RAW = {nb: yaml.safe_load((QUIZ_DIR / f"{nb}.yaml").read_text(encoding="utf-8")) for nb in NOTEBOOKS}
ALL = [(nb, q) for nb in NOTEBOOKS for q in RAW[nb]["questions"]]


def plain(markup: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    blocks = re.sub(r"<(br|/?p|/?li|/?ul|/?div)\b[^>]*>", " ", markup)
    return norm(html.unescape(re.sub(r"<[^>]+>", "", blocks)))


def norm(text: str) -> str:
    return " ".join(text.replace("`", "").split())


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS_FILE", "")
    monkeypatch.delenv("COURSE_INSTRUCTOR", raising=False)
    monkeypatch.setattr(quiz, "_INSTRUCTOR", None)
    monkeypatch.setattr(quiz_progress, "_PROGRESS", None)


def test_bank_has_exactly_the_course_notebooks():
    assert quiz.available_quizzes() == NOTEBOOKS


def test_question_counts():
    counts = {nb: len(RAW[nb]["questions"]) for nb in NOTEBOOKS}
    assert counts["00_welcome"] >= 3
    assert all(counts[nb] >= 5 for nb in NOTEBOOKS[1:]), counts
    assert sum(counts[nb] for nb in NOTEBOOKS[1:]) >= 35, counts


def test_ids_unique_across_bank_and_prefixed_with_notebook_number():
    ids = [q["id"] for _, q in ALL]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for nb, q in ALL:
        assert q["id"].startswith(nb[:2] + "-"), q["id"]


@pytest.mark.parametrize("nb,q", ALL, ids=[q["id"] for _, q in ALL])
def test_question_is_complete(nb, q):
    for field in ("id", "kind", "prompt", "hint", "explanation", "common_mistake"):
        assert isinstance(q.get(field), str) and q[field].strip(), f"{q.get('id')}: {field}"
    assert q["kind"] in ("single", "multiple", "numeric")
    if q["kind"] == "numeric":
        assert isinstance(q.get("answer"), (int, float)) and not isinstance(q["answer"], bool)
        assert isinstance(q.get("tolerance"), (int, float)) and q["tolerance"] >= 0
        assert "options" not in q
        for wrong in q.get("wrong_answers", []):
            assert wrong["feedback"].strip()
            assert abs(wrong["value"] - q["answer"]) > q["tolerance"], "wrong answer counts as right"
        return
    options = q["options"]
    assert len(options) >= 3
    for opt in options:
        assert str(opt["text"]).strip()
        # every option explains itself: why it is right, or why tempting but wrong
        assert len(opt["feedback"].split()) >= 8, f"{q['id']}: thin feedback for {opt['text']!r}"
    correct = [o for o in options if o.get("correct") is True]
    if q["kind"] == "single":
        assert len(correct) == 1, q["id"]
    else:
        assert 1 <= len(correct) < len(options), q["id"]
    texts = [str(o["text"]).strip().casefold() for o in options]
    assert len(texts) == len(set(texts)), f"{q['id']}: duplicate option text"


def test_every_notebook_after_welcome_has_multiple_or_numeric():
    for nb in NOTEBOOKS:
        kinds = {q["kind"] for q in RAW[nb]["questions"]}
        assert kinds & {"multiple", "numeric"}, nb
    assert sum(q["kind"] == "numeric" for q in RAW["05_evaluation"]["questions"]) >= 2


def test_correct_option_is_not_always_first():
    positions = [
        next(i for i, o in enumerate(q["options"]) if o.get("correct")) for _, q in ALL if q["kind"] == "single"
    ]
    assert len(set(positions)) >= 3, positions


def test_recall_question_flags_precision_as_the_tempting_answer():
    q = next(q for q in quiz.load_quiz("05_evaluation") if q.id == "05-recall-price")
    assert q.answer == pytest.approx(0.6) and q.tolerance == pytest.approx(0.01)
    assert any(w.value == pytest.approx(0.75) and "precision" in w.feedback for w in q.wrong_answers)


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_loader_accepts_bank_and_keeps_order(nb):
    questions = quiz.load_quiz(nb)
    assert [q.id for q in questions] == [q["id"] for q in RAW[nb]["questions"]]
    assert all(q.notebook == nb for q in questions)


@pytest.mark.parametrize("nb,q", ALL, ids=[q["id"] for _, q in ALL])
def test_answer_wrong_then_right_with_real_buttons(nb, q):
    question = next(x for x in quiz.load_quiz(nb) if x.id == q["id"])
    widget = quiz.QuizWidget(question)
    explanation = norm(question.explanation)

    # wrong answer first
    if question.kind == "numeric":
        if question.wrong_answers:
            widget.set_answer(question.wrong_answers[0].value)
            expected_feedback = question.wrong_answers[0].feedback
        else:
            widget.set_answer(question.answer + 10 * question.tolerance + 1)
            expected_feedback = "is not within"
    else:
        wrong = next(i for i, o in enumerate(question.options) if not o.correct)
        widget.select(wrong)
        expected_feedback = question.options[wrong].feedback
    widget.check_button.click()
    shown = plain(widget.feedback.value)
    assert shown.startswith("✗ Not yet")
    assert norm(expected_feedback) in shown
    assert explanation not in shown  # only after a right answer or three wrong tries

    # then the right answer
    if question.kind == "numeric":
        widget.set_answer(question.answer)
    else:
        widget.select(*question.correct_indices)
    widget.check_button.click()
    shown = plain(widget.feedback.value)
    assert shown.startswith("✓ Correct!")
    for i in question.correct_indices:
        assert norm(question.options[i].feedback) in shown
    assert explanation in shown
    assert norm(question.common_mistake) in shown


@pytest.mark.parametrize("nb,q", ALL, ids=[q["id"] for _, q in ALL])
def test_text_rendering_lists_every_option(nb, q):
    question = next(x for x in quiz.load_quiz(nb) if x.id == q["id"])
    text = norm(quiz.render_text(question, instructor=False))
    assert norm(question.prompt) in text
    for i, opt in enumerate(question.options):
        assert norm(f"{quiz.LETTERS[i]}. {opt.text}") in text
