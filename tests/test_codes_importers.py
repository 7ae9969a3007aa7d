"""Codes of the CoNLL reader and of records that carry their own tokens, each triggered once."""

from __future__ import annotations

import pytest

from course import formats
from course.annotations import validate
from course.errors import FormatError


def test_n134_own_tokens_that_do_not_spell_the_text(nlp):
    record = {"text": "RTX 3080 for $450", "entities": [], "words": ["RTX", "308"], "spaces": [True, False]}
    codes = [p.code for p in validate([record], nlp).problems]
    assert codes == ["N134"]


def test_n232_unknown_scheme_is_refused_before_reading(tmp_path):
    path = tmp_path / "posts.conll"
    path.write_text("RTX\tB-PRODUCT\n3080\tI-PRODUCT\n", encoding="utf-8")
    with pytest.raises(FormatError) as err:
        formats.load(path, "conll", scheme="BILOU2")
    assert err.value.code == "N232" and "IOB2" in str(err.value)


def test_n233_tag_column_that_a_line_does_not_have(tmp_path):
    path = tmp_path / "posts.conll"
    path.write_text("RTX\tNNP\tB-PRODUCT\n3080\tCD\tI-PRODUCT\n\n$450\tCD\tB-PRICE\n", encoding="utf-8")
    loaded = formats.load(path, "conll", scheme="IOB2", tag_column=5)
    assert [p.code for p in loaded.problems] and {p.code for p in loaded.problems} == {"N233"}
    assert all(p.line >= 1 for p in loaded.problems)
