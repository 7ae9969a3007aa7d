"""course/tokenizer.py: the tokenizer of spacy.blank("en") without building a Language.

The data commands use it to start fast, so it must split every text exactly as
`spacy.blank("en")` does; checked on every text of the course data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import spacy

from course.annotations import validate
from course.tokenizer import BlankTokenizer, blank_english

DATA = Path(__file__).resolve().parents[1] / "data"
# what a token carries that the course relies on: boundaries, whitespace and lexical attributes
ATTRS = (
    "text",
    "idx",
    "whitespace_",
    "lower_",
    "norm_",
    "shape_",
    "is_stop",
    "is_punct",
    "like_num",
    "like_url",
    "is_space",
)


def course_texts() -> list[str]:
    """RETURNS (list[str]): every text of data/**/*.jsonl and every line of unlabeled.txt."""
    texts = []
    for path in sorted(DATA.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line).get("text")
                if isinstance(text, str):  # broken_annotations.jsonl has a list in one "text"
                    texts.append(text)
    texts += (DATA / "hardware_posts" / "unlabeled.txt").read_text(encoding="utf-8").splitlines()
    return texts


@pytest.fixture(scope="module")
def fast() -> BlankTokenizer:
    return blank_english()


def tokens(doc) -> list[tuple]:
    return [tuple(getattr(t, a) for a in ATTRS) for t in doc]


def test_the_corpus_is_the_whole_course_data():
    texts = course_texts()
    assert len(texts) >= 480 + 121 + 120 + 350 + 72
    assert any(t.startswith("[USA-") for t in texts) and "" in texts  # broken_annotations' empty post too


def test_same_tokens_as_spacy_blank_on_every_course_text(fast):
    blank = spacy.blank("en")
    texts = course_texts()
    different = [t for t, a, b in zip(texts, fast.pipe(texts), blank.pipe(texts)) if tokens(a) != tokens(b)]
    assert not different, f"{len(different)} text(s) tokenized differently, e.g. {different[:3]}"


def test_tricky_strings_split_the_same(fast):
    blank = spacy.blank("en")
    for text in [
        "U.S. only, $1,200 obo :)",
        "{RTX 3080} [W] PayPal/F&F",
        "see https://imgur.com/a/Xk29sLq!",
        "  two  spaces\tand a tab\n",
        "u/blue_falcon's 5800X3D (like-new)",
        "don't can't 2TB",
        "",
    ]:
        assert tokens(fast.make_doc(text)) == tokens(blank.make_doc(text)), text
        assert tokens(fast(text)) == tokens(blank(text))


def test_validate_reports_the_same_with_either(fast):
    blank = spacy.blank("en")
    records = [json.loads(line) for line in (DATA / "broken_annotations.jsonl").read_text().splitlines()]
    assert validate(records, fast).lines() == validate(records, blank).lines()


def test_docs_belong_to_its_vocab_and_refuse_overlong_texts(fast):
    doc = fast.make_doc("Selling my RTX 3080")
    assert doc.vocab is fast.vocab and doc.lang_ == "en" and fast.pipe_names == []
    small = BlankTokenizer(max_length=5)
    with pytest.raises(ValueError, match="E088"):
        small.make_doc("longer than five")


def test_same_tokens_with_the_light_start_up_of_the_data_commands():
    """`python -m course validate` blocks torch before spaCy loads (course/cli/light.py): same tokens."""
    from cli_support import ENV

    code = (
        "import json, sys\n"
        "from course.cli.light import start_light\n"
        "assert start_light(['validate'])\n"
        "from course.tokenizer import blank_english\n"
        "from tests.test_tokenizer import ATTRS, course_texts\n"
        "import thinc.compat\n"
        "assert not thinc.compat.has_torch and 'torch' not in sys.modules\n"
        "nlp = blank_english()\n"
        "print(json.dumps([[[getattr(t, a) for a in ATTRS] for t in d] for d in nlp.pipe(course_texts())]))\n"
    )
    root = DATA.parent
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**ENV, "PYTHONPATH": f"{root}{os.pathsep}{root / 'tests'}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    light = json.loads(done.stdout.strip().splitlines()[-1])
    blank = spacy.blank("en")
    expected = [[list(t) for t in tokens(d)] for d in blank.pipe(course_texts())]
    assert len(light) == len(expected) and light == expected
