"""course/agreement.py: span F1, Cohen's kappa and the disagreement kinds, against figures computed by hand."""

from __future__ import annotations

import json

import pytest

from cli_support import assert_clean_exit, write_lines
from course.agreement import cohen_kappa, compare, disagreements, pair_records, token_labels
from course.errors import FormatError
from course.tokenizer import blank_english

T1 = "used RTX 3080 in Atlanta, GA for $450 shipped"
T2 = "Selling mint Pixel 7 from u/blue_falcon"


def spans(text: str, *pieces: tuple[str, str]) -> list[list]:
    out = []
    for piece, label in pieces:
        start = text.index(piece)
        out.append([start, start + len(piece), label])
    return out


A = [
    {
        "text": T1,
        "entities": spans(
            T1, ("used", "CONDITION"), ("RTX 3080", "PRODUCT"), ("Atlanta, GA", "LOCATION"), ("$450", "PRICE")
        ),
    },
    {"text": T2, "entities": spans(T2, ("mint", "CONDITION"), ("Pixel 7", "PRODUCT"))},
]
B = [
    {"text": T1, "entities": spans(T1, ("used RTX 3080", "PRODUCT"), ("Atlanta", "LOCATION"), ("$450", "PRICE"))},
    {"text": T2, "entities": spans(T2, ("mint", "PRODUCT"), ("Pixel 7", "PRODUCT"), ("u/blue_falcon", "USERNAME"))},
]


@pytest.fixture(scope="module")
def result():
    return compare(blank_english(), A, B)


def test_kappa_by_hand():
    # A: O O P P O L, B: O P P P O O. p_o = 4/6; p_e = (3*3 + 2*3 + 1*0) / 36 = 15/36
    kappa, observed, expected = cohen_kappa(list("OOPPOL"), list("OPPPOO"))
    assert observed == pytest.approx(4 / 6) and expected == pytest.approx(15 / 36)
    assert kappa == pytest.approx((4 / 6 - 15 / 36) / (1 - 15 / 36)) and kappa == pytest.approx(3 / 7)


def test_kappa_edge_cases():
    assert cohen_kappa(list("OOO"), list("OOO"))[0] == 1.0  # p_e = 1: nothing to chance
    assert cohen_kappa(list("OP"), list("PO"))[0] == pytest.approx(-1.0)  # systematic disagreement
    with pytest.raises(ValueError):
        cohen_kappa(list("OO"), list("O"))


def test_span_f1_overall_and_per_label(result):
    # agree exactly: $450 PRICE and Pixel 7 PRODUCT; A has 6 spans, B has 6: F1 = 2*2 / 12
    assert result.f1 == pytest.approx(4 / 12)
    per = result.per_label()
    assert per["PRODUCT"]["f1"] == pytest.approx(2 * 1 / (2 + 3))  # A: RTX 3080, Pixel 7; B: + used RTX 3080, mint
    assert per["PRICE"]["f1"] == 1.0
    assert per["CONDITION"] == {"f1": 0.0, "a": 2, "b": 0, "matched": 0}
    assert per["USERNAME"] == {"f1": 0.0, "a": 0, "b": 1, "matched": 0}
    assert set(per) == {"CONDITION", "LOCATION", "PRICE", "PRODUCT", "USERNAME"}  # ZIP and URL: nobody used them


def test_token_kappa_by_hand(result):
    # T1 tokens: used RTX 3080 in Atlanta , GA for $ 450 shipped (11)
    # T2 tokens: Selling mint Pixel 7 from u / blue_falcon (8: spaCy splits the handle at the slash)
    # agreeing tokens: 8 of 11 and 4 of 8 -> p_o = 12/19
    # A: O 8, CONDITION 2, PRODUCT 4, LOCATION 3, PRICE 2; B: O 7, PRODUCT 6, LOCATION 1, PRICE 2, USERNAME 3
    # p_e = (8*7 + 4*6 + 3*1 + 2*2) / 19**2 = 87/361; kappa = (228 - 87) / (361 - 87) = 141/274
    assert result.n_tokens == 19
    assert result.observed == pytest.approx(12 / 19)
    assert result.expected == pytest.approx(87 / 361)
    assert result.kappa == pytest.approx(141 / 274)


def test_disagreement_kinds(result):
    kinds = {(d.index, d.kind): d for d in result.disagreements}
    assert set(kinds) == {(0, "boundary+label"), (0, "boundary"), (1, "label"), (1, "only B")}
    swallowed = kinds[(0, "boundary+label")]  # used + RTX 3080 against 'used RTX 3080': one place, not two
    assert [T1[s:e] for s, e, _ in swallowed.a] == ["used", "RTX 3080"]
    assert [T1[s:e] for s, e, _ in swallowed.b] == ["used RTX 3080"]
    assert kinds[(0, "boundary")].describe() == "boundary: A 'Atlanta, GA' LOCATION · B 'Atlanta' LOCATION"
    assert result.kinds() == {"boundary+label": 1, "boundary": 1, "label": 1, "only B": 1}
    assert result.by_kind_and_label()[("only B", "USERNAME")] == 1


def test_only_a_and_identical_posts():
    text = "RTX 3080 $450"
    a = spans(text, ("RTX 3080", "PRODUCT"), ("$450", "PRICE"))
    assert [d.kind for d in disagreements(0, text, a, a[:1])] == ["only A"]
    assert disagreements(0, text, a, a) == []


def test_token_labels_refuse_a_misaligned_span():
    doc = blank_english().make_doc("RTX 3080")
    assert token_labels(doc, [(0, 8, "PRODUCT")]) == ["PRODUCT", "PRODUCT"]
    with pytest.raises(ValueError):
        token_labels(doc, [(0, 7, "PRODUCT")])


def test_the_posts_must_be_the_same():
    with pytest.raises(FormatError) as err:
        pair_records(A, B[:1])
    assert err.value.code == "N248"
    with pytest.raises(FormatError) as err:
        pair_records(A, [B[1], B[0]])
    assert err.value.code == "N247" and "B:1" in str(err.value)
    bad = [A[0], {"text": T2, "entities": [[0, 3, "PRODUCT"]]}]  # 'Sel' cuts 'Selling'
    with pytest.raises(FormatError) as err:
        compare(blank_english(), A, bad)
    assert err.value.code == "N249" and "B:2" in str(err.value)


def test_agreement_cli(cli, tmp_path):
    a = write_lines(tmp_path / "a.jsonl", *A)
    b = write_lines(tmp_path / "b.jsonl", *B)
    result = cli(["agreement", a, b], tmp_path)
    assert_clean_exit(result, 0)
    assert "span F1 (strict)  0.333" in result.stdout and "token kappa       0.515" in result.stdout
    assert f"{b}:1: boundary: A 'Atlanta, GA' LOCATION" in result.stdout
    data = json.loads(cli(["agreement", a, b, "--json"], tmp_path).stdout)
    assert data["span_f1"] == pytest.approx(1 / 3) and data["kinds"]["only B"] == 1
    short = write_lines(tmp_path / "short.jsonl", *B[:1])
    result = cli(["agreement", a, short], tmp_path)
    assert_clean_exit(result, 2)
    assert "N248" in result.stderr
    broken = write_lines(tmp_path / "broken.jsonl", B[0], '{"text": ')
    result = cli(["agreement", a, broken], tmp_path)
    assert_clean_exit(result, 2)
    assert f"{broken}:2: N203" in result.stderr


def test_the_table_names_the_annotators():
    frame = compare(blank_english(), A, B, "A", "C").to_frame()
    assert list(frame.columns) == ["A", "C", "matched", "f1"]
    assert frame.loc["all"].tolist() == [6, 6, 2, round(4 / 12, 3)]
    assert frame.loc["PRODUCT", "f1"] == 0.4
