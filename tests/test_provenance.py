"""course/provenance.py: telling hand-written from template-generated posts."""

from __future__ import annotations

import pytest

from course import formats, provenance, settings
from course.provenance import GENERATED, HAND, ProvenanceError


def test_texts_in_markup_strips_the_markup(tmp_path):
    path = tmp_path / "train.md"
    path.write_text(
        "# heading\n\n- [{{USA-TX|LOCATION}}] [H] {{RTX 3080|PRODUCT}} [W] cash\nnot a post\n", encoding="utf-8"
    )
    assert provenance.texts_in_markup(path) == {"[USA-TX] [H] RTX 3080 [W] cash"}
    assert provenance.origins(["[USA-TX] [H] RTX 3080 [W] cash", "[H] something else"], path) == [GENERATED, HAND]


def test_missing_markup_file_is_an_error(tmp_path):
    with pytest.raises(ProvenanceError, match="N560"):
        provenance.texts_in_markup(tmp_path / "nope.md")


def test_origins_of_train_and_generated_agree_with_the_build():
    train = formats.read_jsonl(settings.data_path("hardware_posts", "train.jsonl"))
    generated = provenance.generated_records()
    pooled = train + generated  # how bench/style_shift.py and notebook 08 mix the two kinds
    found = provenance.origins(pooled)
    assert found == [r["source"] for r in pooled]  # build.py wrote the same fact into each record

    def posts_in(path):  # markup posts are the lines starting with "- "
        return sum(line.startswith("- ") for line in path.read_text(encoding="utf-8").splitlines())

    scripts = settings.data_path("scripts")
    assert set(provenance.origins(train)) == {HAND}  # issue 19: train is hand-written only
    assert set(provenance.origins(generated)) == {GENERATED}
    assert found.count(GENERATED) == len(generated) == posts_in(scripts / "generated" / "train.md")
    assert found.count(HAND) == len(train) == posts_in(scripts / "hand_written" / "train.md")
    records_without_flag = [{"text": r["text"], "entities": r["entities"]} for r in pooled[-20:]]
    assert provenance.origins(records_without_flag) == found[-20:]


def test_generated_records_reads_a_given_file(tmp_path):
    path = tmp_path / "generated.jsonl"
    path.write_text('{"text": "[H] RTX 3080 [W] cash", "entities": [[4, 12, "PRODUCT"]], "source": "generated"}\n')
    assert [r["text"] for r in provenance.generated_records(path)] == ["[H] RTX 3080 [W] cash"]


def test_dev_test_and_test_shift_are_hand_written():
    for split in ("dev", "test", "test_shift"):
        records = formats.read_jsonl(settings.data_path("hardware_posts", f"{split}.jsonl"))
        assert set(provenance.origins(records)) == {HAND}


def test_origin_shares():
    assert provenance.origin_shares([HAND, HAND, GENERATED, HAND]) == {HAND: 0.75, GENERATED: 0.25}
    with pytest.raises(ProvenanceError, match="N561"):
        provenance.origin_shares([])
    with pytest.raises(ProvenanceError, match="N561"):
        provenance.origin_shares(["hand", "silver"])
