"""course/finetune.py and data/general_news: silver data, rehearsal mixes, forgetting tables,
training schedules, inference speed and model comparison."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import spacy
from spacy.language import Language

from course import finetune
from course.annotations import validate
from course.errors import TrainingError
from course.evaluate import evaluate
from course.settings import LABELS, data_path

PREDICTIONS: dict[str, list[list]] = {}


@Language.component("test_finetune_oracle")
def _oracle(doc):
    doc.ents = [doc.char_span(s, e, label=label) for s, e, label in PREDICTIONS.get(doc.text, [])]
    return doc


def oracle(predictions: dict[str, list[list]]) -> Language:
    PREDICTIONS.update(predictions)
    nlp = spacy.blank("en")
    nlp.add_pipe("test_finetune_oracle")
    return nlp


def at(text: str, sub: str, label: str) -> list:
    start = text.index(sub)
    return [start, start + len(sub), label]


# --- data/general_news ----------------------------------------------------------------


def test_general_eval_set_is_valid_and_large_enough(nlp):
    records = finetune.load_general_eval()
    assert len(records) >= 60
    assert validate(records, nlp, labels=finetune.GENERAL_LABELS).ok
    used = {label for r in records for _, _, label in r["entities"]}
    assert {"PERSON", "ORG", "GPE", "DATE", "MONEY", "CARDINAL", "NORP"} <= used
    assert len({r["text"] for r in records}) == len(records)


def test_rehearsal_sentences_are_separate_from_the_eval_set():
    texts = finetune.rehearsal_texts()
    assert len(texts) >= 150 and len(set(texts)) == len(texts)
    assert not set(texts) & {r["text"] for r in finetune.load_general_eval()}
    assert not any(t.startswith("#") for t in texts)


def test_datasheet_counts_match_the_file():
    readme = data_path("general_news", "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme
    counts = Counter(label for r in finetune.load_general_eval() for _, _, label in r["entities"])
    for label, n in counts.items():
        assert re.search(rf"^\| {label} \| {n} \|$", readme, flags=re.MULTILINE), label
    assert f"{len(finetune.load_general_eval())} annotated sentences" in readme


def test_original_model_scores_reasonably_on_the_general_set():
    from course.resources import load_pretrained

    result = evaluate(load_pretrained(), finetune.load_general_eval(), finetune.GENERAL_LABELS)
    assert result.micro["f"] > 0.8


# --- silver data and rehearsal ---------------------------------------------------------


def test_silver_records_keep_only_the_chosen_labels():
    text = "Maria Keller paid $40 for a Widget in Berlin."
    nlp = oracle(
        {
            text: [
                at(text, "Maria Keller", "PERSON"),
                at(text, "$40", "MONEY"),
                at(text, "Widget", "PRODUCT"),
                at(text, "Berlin", "GPE"),
            ]
        }
    )
    [silver] = finetune.silver_records(nlp, [text])
    assert silver["source"] == "silver" and silver["text"] == text
    assert [text[s:e] for s, e, _ in silver["entities"]] == ["Maria Keller", "$40", "Berlin"]
    [only] = finetune.silver_records(nlp, [text], labels=["GPE"])
    assert only["entities"] == [at(text, "Berlin", "GPE")]


@pytest.mark.parametrize("n_new,share,expected", [(300, 0.25, 100), (480, 0.25, 160), (10, 0.0, 0), (3, 0.5, 3)])
def test_n_rehearsal_is_a_share_of_the_final_mix(n_new, share, expected):
    assert finetune.n_rehearsal(n_new, share) == expected


@pytest.mark.parametrize("share", [1.0, -0.1, 2])
def test_n_rehearsal_rejects_bad_shares(share):
    with pytest.raises(TrainingError, match="N440"):
        finetune.n_rehearsal(10, share)


def test_rehearsal_mix_counts_and_is_reproducible():
    new = [{"text": f"post {i}", "entities": []} for i in range(30)]
    silver = [{"text": f"news {i}", "entities": [], "source": "silver"} for i in range(20)]
    mix = finetune.rehearsal_mix(new, silver, share=0.25, seed=1)
    assert len(mix) == 40 and sum(r.get("source") == "silver" for r in mix) == 10
    assert all(r in mix for r in new)
    assert mix == finetune.rehearsal_mix(new, silver, share=0.25, seed=1)
    assert mix != finetune.rehearsal_mix(new, silver, share=0.25, seed=2)
    with pytest.raises(TrainingError, match="N441"):
        finetune.rehearsal_mix(new, silver, share=0.5)


# --- forgetting table ------------------------------------------------------------------


def test_forgetting_table_reports_change_against_baseline():
    text = "Siemens hired Maria Keller in Berlin."
    gold = [
        {
            "text": text,
            "entities": [at(text, "Siemens", "ORG"), at(text, "Maria Keller", "PERSON"), at(text, "Berlin", "GPE")],
        }
    ]
    before = evaluate(oracle({text: gold[0]["entities"]}), gold, ["ORG", "PERSON", "GPE"])
    PREDICTIONS.clear()
    after = evaluate(oracle({text: [at(text, "Maria Keller", "PERSON")]}), gold, ["ORG", "PERSON", "GPE"])
    table = finetune.forgetting_table({"original": before, "updated": after})
    assert list(table.columns) == ["original", "updated", "Δ updated"]
    assert list(table.index) == ["ORG", "PERSON", "GPE", "micro"]
    assert table.loc["ORG", "Δ updated"] == -1.0 and table.loc["PERSON", "Δ updated"] == 0.0
    assert table.loc["micro", "updated"] == 0.5  # p = 1, r = 1/3
    flipped = finetune.forgetting_table({"original": before, "updated": after}, labels=["GPE"], baseline="updated")
    assert list(flipped.index) == ["GPE", "micro"] and flipped.loc["GPE", "Δ original"] == 1.0
    with pytest.raises(TrainingError, match="N442"):
        finetune.forgetting_table({"original": before}, baseline="missing")
    with pytest.raises(TrainingError, match="N442"):
        finetune.forgetting_table({})


def test_forgetting_table_takes_spacy_scores_too():
    """The dict of nlp.evaluate / Scorer.score_spans: a label it did not score counts as 0.0."""
    before = {"ents_f": 0.9, "ents_per_type": {"ORG": {"p": 1.0, "r": 0.8, "f": 0.9}}}
    after = {"ents_f": None, "ents_per_type": None}  # spaCy's scorer when nothing was scored
    table = finetune.forgetting_table({"original": before, "updated": after}, labels=["ORG", "GPE"])
    assert table.loc["ORG", "Δ updated"] == -0.9 and table.loc["GPE", "original"] == 0.0
    assert table.loc["micro", "updated"] == 0.0
    assert list(finetune.forgetting_table({"original": before}).index) == ["ORG", "micro"]


# --- training schedules and a real (tiny) training run ---------------------------------


def test_schedule_overrides_for_the_transformer():
    o = finetune.schedule_overrides("transformer", n_train=100, epochs=4, batch_size=8)
    assert o["training.optimizer.learn_rate.total_steps"] == 52  # ceil(100 / 8) * 4
    assert o["training.max_steps"] == 53 and o["training.max_epochs"] == 5
    assert o["training.eval_frequency"] == 13 and o["training.optimizer.learn_rate.warmup_steps"] == 5
    assert finetune.schedule_overrides("transformer", 100, 4, evals=1)["training.eval_frequency"] == 52
    assert finetune.schedule_overrides("blank", 100, 4) == {}


TINY = [
    {
        "text": "[USA-TX] [H] RTX 3080 [W] $450",
        "entities": [[1, 7, "LOCATION"], [13, 21, "PRODUCT"], [26, 30, "PRICE"]],
    },
    {"text": "Selling a 1070, $120 local", "entities": [[10, 14, "PRODUCT"], [16, 20, "PRICE"]]},
] * 3


@pytest.mark.slow  # trains three real pipelines, the transformer for about a minute
@pytest.mark.parametrize("base", ["blank", "en_core_web_sm", "transformer"])
def test_train_pipeline_runs_and_times(tmp_path, base):
    run = finetune.train_pipeline(base, TINY, TINY[:2], tmp_path / "model", epochs=1)
    assert run.path == tmp_path / "model" and (run.path / "config.cfg").is_file()
    assert run.seconds > 0 and run.epochs == 1 and run.n_train == len(TINY)
    labels = set(spacy.load(run.path).get_pipe("ner").labels)
    assert {"LOCATION", "PRODUCT", "PRICE"} <= labels
    assert ("PERSON" in labels) == (base == "en_core_web_sm")  # the pretrained ner keeps its old labels


# --- inference speed and model comparison ----------------------------------------------


def test_words_per_second_uses_the_fastest_run(monkeypatch):
    ticks = iter([0.0, 2.0, 10.0, 11.0, 20.0, 24.0])  # runs of 2 s, 1 s and 4 s
    monkeypatch.setattr(finetune.time, "perf_counter", lambda: next(ticks))
    nlp = spacy.blank("en")
    wps = finetune.words_per_second(nlp, ["one two three", "four five"], repeats=3)
    assert wps == pytest.approx(5.0)  # 5 tokens in the best run of 1 s
    with pytest.raises(TrainingError, match="N443"):
        finetune.words_per_second(nlp, [])
    with pytest.raises(TrainingError, match="N443"):
        finetune.words_per_second(nlp, ["text"], repeats=0)


def test_compare_models_table(tmp_path):
    text = "[H] RTX 3080 [W] $450"
    records = [{"text": text, "entities": [at(text, "RTX 3080", "PRODUCT"), at(text, "$450", "PRICE")]}]
    good = oracle({text: records[0]["entities"]})
    folder = tmp_path / "good"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"\0" * 2_000_000)
    table = finetune.compare_models({"good": finetune.ModelEntry(good, folder, 12.5)}, records, repeats=1)
    assert list(table.columns) == ["micro F1", *LABELS, "train s", "size MB", "words/s"]
    row = table.loc["good"]
    assert row["micro F1"] == 1.0 and row["PRODUCT"] == 1.0 and row["ZIP"] == 0.0
    assert row["train s"] == 12.5 and row["size MB"] == pytest.approx(2.0) and row["words/s"] > 0
    with pytest.raises(TrainingError, match="N442"):
        finetune.compare_models({}, records)


# --- learning-rate sweep and a second ner --------------------------------------------------


def test_learning_rate_sweep_trains_each_rate_and_reuses_done_runs(tmp_path, monkeypatch):
    general = [{"text": "Paris is in France", "entities": [[0, 5, "GPE"], [12, 18, "GPE"]]}]
    done = finetune.train_pipeline(
        "blank", TINY, TINY[:2], tmp_path / "done", epochs=1, overrides={"training.optimizer.learn_rate": 0.01}
    )
    calls = []
    real = finetune.train_pipeline
    monkeypatch.setattr(finetune, "train_pipeline", lambda *a, **k: calls.append(k) or real(*a, **k))
    table = finetune.learning_rate_sweep(
        TINY, TINY[:2], general, (0.01, 0.0001), tmp_path / "sweep", epochs=1, base="blank", done={0.01: done}
    )
    assert list(table.index) == [0.0001, 0.01] and table.index.name == "learn_rate"
    assert list(table.columns) == ["our labels (dev)", "general labels (news)", "train s"]
    assert [k["overrides"] for k in calls] == [{"training.optimizer.learn_rate": 0.0001}]  # 0.01 was reused
    saved = spacy.util.load_config(tmp_path / "sweep" / "lr_0.0001" / "config.cfg")
    assert saved["training"]["optimizer"]["learn_rate"] == 0.0001
    assert table.loc[0.01, "train s"] == done.seconds
    assert (table["general labels (news)"] == 0.0).all()  # a blank model knows no GPE
    with pytest.raises(TrainingError, match="N563"):
        finetune.learning_rate_sweep(TINY, TINY, general, (), tmp_path / "x", epochs=1)
    with pytest.raises(TrainingError, match="N563"):
        finetune.learning_rate_sweep(TINY, TINY, general, (0.001, 0.0), tmp_path / "x", epochs=1)
