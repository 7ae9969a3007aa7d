"""course/train.py: the plain loop, spacy train through a config, saving, loading and the CLI.

Training is kept tiny (a handful of posts, at most a few epochs). A `python -m course`
process costs several seconds here, so the few real processes this file needs are
started together by one module fixture, as in tests/test_cli.py; the other CLI cases
call `course.cli.main` in-process.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import spacy
from spacy.training import Example

from cli_support import Result, assert_clean_exit, run_python, write_lines
from course.annotations import make_record as rec
from course.errors import AnnotationError, TrainingError
from course.train import (
    TrainResult,
    blank_ner,
    folder_size_mb,
    load_model,
    make_examples,
    train_blank,
    train_config,
    write_docbin,
)

ROOT = Path(__file__).resolve().parents[1]

POSTS = [
    rec(
        "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra [W] $450 shipped",
        ("USA-TX", "LOCATION"),
        ("EVGA RTX 3080 FTW3 Ultra", "PRODUCT"),
        ("$450", "PRICE"),
    ),
    rec(
        "Selling my Ryzen 7 5800X3D, like new, $260 local in Austin 78701",
        ("Ryzen 7 5800X3D", "PRODUCT"),
        ("like new", "CONDITION"),
        ("$260", "PRICE"),
        ("Austin", "LOCATION"),
        ("78701", "ZIP"),
    ),
    rec(
        "WTB Steam Deck 512GB, paying $300. Timestamps: imgur.com/a/Xk29sLq",
        ("Steam Deck 512GB", "PRODUCT"),
        ("$300", "PRICE"),
        ("imgur.com/a/Xk29sLq", "URL"),
    ),
    rec(
        "[EU-DE] [H] Samsung 980 Pro 2TB, used [W] 120 EUR. References: u/blue_falcon",
        ("EU-DE", "LOCATION"),
        ("Samsung 980 Pro 2TB", "PRODUCT"),
        ("used", "CONDITION"),
        ("120 EUR", "PRICE"),
        ("u/blue_falcon", "USERNAME"),
    ),
    {"text": "Bump, still available", "entities": []},
    rec(
        "[USA-CA] [H] Logitech G Pro X Superlight, open box [W] 80 bucks",
        ("USA-CA", "LOCATION"),
        ("Logitech G Pro X Superlight", "PRODUCT"),
        ("open box", "CONDITION"),
        ("80 bucks", "PRICE"),
    ),
]
NEW_POST = "[USA-NY] [H] RTX 3070 Founders Edition, like new [W] $300 shipped"
MISALIGNED = {"text": POSTS[0]["text"], "entities": [[13, 36, "PRODUCT"]]}  # 'EVGA RTX 3080 FTW3 Ultr'


def ents(nlp, texts) -> list[list[tuple[int, int, str]]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]


@pytest.fixture(scope="module")
def trained() -> TrainResult:
    return train_blank(POSTS, n_iter=8, seed=0, progress=False)


def test_make_examples_pairs_tokens_with_gold_entities():
    nlp = blank_ner()
    (example,) = make_examples(nlp, POSTS[:1])
    assert isinstance(example, Example)
    assert [t.text for t in example.predicted] == [t.text for t in example.reference]
    assert not example.predicted.ents
    assert [(e.text, e.label_) for e in example.reference.ents] == [
        ("USA-TX", "LOCATION"),
        ("EVGA RTX 3080 FTW3 Ultra", "PRODUCT"),
        ("$450", "PRICE"),
    ]


def test_blank_ner_has_one_ner_with_the_labels():
    nlp = blank_ner(["PRODUCT", "PRICE"])
    assert nlp.pipe_names == ["ner"] and set(nlp.get_pipe("ner").labels) == {"PRODUCT", "PRICE"}


def test_loss_history_decreases(trained):
    losses = trained.losses
    assert len(losses) == 8 and all(loss >= 0 for loss in losses)
    assert losses[-1] < losses[0] / 2, losses
    assert trained.words == 8 * sum(len(spacy.blank("en").make_doc(p["text"])) for p in POSTS)
    assert trained.seconds > 0 and trained.cpu_seconds > 0 and trained.words_per_second > 0


def test_same_seed_same_losses_and_predictions(trained):
    again = train_blank(POSTS, n_iter=8, seed=0, progress=False)
    assert again.losses == trained.losses
    texts = [p["text"] for p in POSTS] + [NEW_POST]
    assert ents(again.nlp, texts) == ents(trained.nlp, texts)
    other = train_blank(POSTS, n_iter=8, seed=1, progress=False)
    assert other.losses != trained.losses


def test_training_memorises_the_training_posts():
    result = train_blank(POSTS[:3], n_iter=100, seed=0, progress=False)
    gold = [[tuple(e) for e in p["entities"]] for p in POSTS[:3]]
    assert ents(result.nlp, [p["text"] for p in POSTS[:3]]) == gold


def test_keeps_training_an_existing_pipeline():
    nlp = blank_ner()
    first = train_blank(POSTS, n_iter=8, seed=0, progress=False, nlp=nlp)  # initializes the blank ner
    assert first.nlp is nlp
    weights = nlp.get_pipe("ner").model.get_ref("tok2vec").to_bytes()
    more = train_blank(POSTS, n_iter=1, seed=0, progress=False, nlp=nlp)  # resumes: no re-initialisation
    assert more.nlp is nlp and more.losses[0] < first.losses[0] / 2, (first.losses, more.losses)
    assert nlp.get_pipe("ner").model.get_ref("tok2vec").to_bytes() != weights


@pytest.mark.parametrize(
    "records,code",
    [
        ([POSTS[0], MISALIGNED], "N101"),
        ([rec("RTX 3080 for $450", ("RTX 3080", "GPU"))], "N107"),
        ([{"text": "RTX 3080"}], "N109"),
    ],
)
def test_invalid_records_raise_instead_of_being_dropped(records, code):
    with pytest.raises(AnnotationError) as info:
        train_blank(records, n_iter=1, progress=False)
    assert [p.code for p in info.value.problems] == [code]


def test_labels_restrict_what_may_be_trained():
    with pytest.raises(AnnotationError) as info:
        train_blank(POSTS[1:2], labels=["PRODUCT", "PRICE", "CONDITION", "LOCATION"], n_iter=1, progress=False)
    assert [(p.code, p.span[2]) for p in info.value.problems] == [("N107", "ZIP")]


def test_train_blank_refuses_nothing_to_do():
    with pytest.raises(TrainingError, match="N403"):
        train_blank([], n_iter=1, progress=False)
    with pytest.raises(TrainingError, match="N408"):
        train_blank(POSTS, n_iter=0, progress=False)
    with pytest.raises(TrainingError, match="N405"):
        train_blank(POSTS, n_iter=1, progress=False, nlp=spacy.blank("en"))


def test_save_and_load_round_trip(trained, tmp_path):
    trained.nlp.to_disk(tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    texts = [p["text"] for p in POSTS] + [NEW_POST]
    assert ents(loaded, texts) == ents(trained.nlp, texts)
    assert 0 < folder_size_mb(tmp_path / "model") < 50


def test_load_model_errors(tmp_path):
    with pytest.raises(TrainingError, match="N401"):
        load_model(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainingError, match="N402"):
        load_model(tmp_path / "empty")
    spacy.blank("en").to_disk(tmp_path / "blank")
    with pytest.raises(TrainingError, match="N405"):
        load_model(tmp_path / "blank")


def test_write_docbin_validates(tmp_path):
    path = write_docbin(spacy.blank("en"), POSTS, tmp_path / "train.spacy")
    from spacy.tokens import DocBin

    docs = list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))
    assert [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs] == [
        [tuple(e) for e in p["entities"]] for p in POSTS
    ]
    with pytest.raises(AnnotationError):
        write_docbin(spacy.blank("en"), [MISALIGNED], tmp_path / "bad.spacy")


# --- spacy train through a config ---------------------------------------------------------


def test_train_config_refuses_before_training(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(TrainingError, match="N404"):
        train_config("bert", POSTS, POSTS, out)
    with pytest.raises(TrainingError, match="N408"):
        train_config("blank", POSTS, POSTS, out, epochs=0)  # spaCy would read 0 as "no limit"
    with pytest.raises(TrainingError, match="N403"):
        train_config("blank", [], POSTS, out)
    with pytest.raises(TrainingError, match="N409"):
        train_config("blank", POSTS, [], out)
    with pytest.raises(AnnotationError):
        train_config("blank", [MISALIGNED], POSTS, out, epochs=1)
    assert not out.exists()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(TrainingError, match="N407"):
        train_config("blank", POSTS, POSTS, tmp_path / "notes", epochs=1)
    assert (tmp_path / "notes" / "keep.txt").read_text(encoding="utf-8") == "my notes"


def test_train_config_missing_config_file_is_e406(tmp_path, monkeypatch):
    from course import train

    monkeypatch.setattr(train, "CONFIG_DIR", tmp_path)  # an installation without course/configs
    with pytest.raises(TrainingError) as err:
        train_config("blank", POSTS[:2], POSTS[2:3], tmp_path / "out")
    assert err.value.code == "N406" and "blank_ner.cfg" in str(err.value)
    assert not (tmp_path / "out").exists()


def _fake_training(monkeypatch, calls=None, fail=False):
    """Replace spacy train by a stand-in that writes a 'model' the way train_config does."""
    import course.train as train_module

    def fake(config, base, train, dev, staging, **kwargs):
        if calls is not None:
            calls.append(staging.path)
        if fail:
            raise KeyboardInterrupt
        (staging.path / "config.cfg").write_text("new", encoding="utf-8")
        (staging.path / "meta.json").write_text("{}", encoding="utf-8")
        (staging.path / train_module.MARKER).write_text(train_module.MARKER_TEXT, encoding="utf-8")

    monkeypatch.setattr(train_module, "_train_into", fake)


def test_train_config_never_deletes_a_pipeline_folder_it_did_not_write(tmp_path, monkeypatch):
    # config.cfg + meta.json used to be enough to wipe the whole folder, notes and data included
    project = tmp_path / "project"
    project.mkdir()
    for name, text in [("config.cfg", "mine"), ("meta.json", "{}"), ("train.jsonl", "data"), ("notes.md", "n")]:
        (project / name).write_text(text, encoding="utf-8")
    sibling = tmp_path / "project.partial"
    sibling.mkdir()
    (sibling / "keep.txt").write_text("not the course's", encoding="utf-8")
    calls = []
    _fake_training(monkeypatch, calls)
    with pytest.raises(TrainingError, match="N407"):
        train_config("blank", POSTS, POSTS, project, epochs=1)
    assert not calls  # refused before training
    assert sorted(p.name for p in project.iterdir()) == ["config.cfg", "meta.json", "notes.md", "train.jsonl"]
    model = train_config("blank", POSTS, POSTS, tmp_path / "project_model", epochs=1)
    assert (sibling / "keep.txt").read_text(encoding="utf-8") == "not the course's"
    assert (model / ".course-model").is_file() and calls[0].parent == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "project.partial", "project_model"]


def test_train_config_replaces_its_own_model_and_keeps_it_when_training_fails(tmp_path, monkeypatch):
    out = tmp_path / "model"
    _fake_training(monkeypatch)
    train_config("blank", POSTS, POSTS, out, epochs=1)
    (out / "config.cfg").write_text("old", encoding="utf-8")
    train_config("blank", POSTS, POSTS, out, epochs=1)  # the marker says the course wrote it
    assert (out / "config.cfg").read_text(encoding="utf-8") == "new"
    (out / "config.cfg").write_text("old", encoding="utf-8")
    _fake_training(monkeypatch, fail=True)
    with pytest.raises(KeyboardInterrupt):
        train_config("blank", POSTS, POSTS, out, epochs=1)
    assert (out / "config.cfg").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no staging folder left behind


@pytest.mark.parametrize(
    "case,code", [("dot", "N470"), ("parent", "N470"), ("link", "N471"), ("file", "N473"), ("under_a_file", "N472")]
)
def test_train_config_checks_the_output_path_before_training(tmp_path, monkeypatch, case, code):
    work = tmp_path / "work"
    (work / "real").mkdir(parents=True)
    (work / "real" / "data.txt").write_text("mine", encoding="utf-8")
    (work / "link").symlink_to(work / "real")
    (work / "file.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(work)
    calls = []
    _fake_training(monkeypatch, calls)
    output = {"dot": ".", "parent": "..", "link": "link", "file": "file.txt", "under_a_file": "file.txt/model"}[case]
    with pytest.raises(TrainingError, match=code):
        train_config("blank", POSTS, POSTS, output, epochs=1)
    assert not calls
    assert (work / "real" / "data.txt").read_text(encoding="utf-8") == "mine"
    assert (work / "file.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in work.iterdir()) == ["file.txt", "link", "real"]


def test_cli_train_refuses_the_current_folder_before_training(cli, tmp_path):
    write_lines(tmp_path / "train.jsonl", *POSTS)
    result = cli(["train", "--train", "train.jsonl", "--dev", "train.jsonl", "--output", "."], tmp_path)
    assert_clean_exit(result, 2)
    assert "N470 output folder . is the current folder" in result.stderr
    assert "training" not in result.stderr.split("N470")[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


def test_train_config_rejected_config_is_a_coded_error(tmp_path, capsys):
    with pytest.raises(TrainingError, match="N410"):
        train_config("blank", POSTS, POSTS, tmp_path / "out", epochs=1, overrides={"training.dropout": "lots"})
    assert not (tmp_path / "out").exists()


# --- real processes, started together -------------------------------------------------------

LOAD_AND_PREDICT = (
    "import json, sys, spacy\n"
    "nlp = spacy.load(sys.argv[1])\n"
    "docs = list(nlp.pipe(json.loads(sys.argv[2])))\n"
    "print(json.dumps({'pipes': nlp.pipe_names, 'ents': [[[e.start_char, e.end_char, e.label_] for e in d.ents]"
    " for d in docs]}))\n"
)


@pytest.fixture(scope="module")
def processes(tmp_path_factory):
    """Train with train_config in-process, then run every subprocess this file needs at once."""
    d = tmp_path_factory.mktemp("train")
    write_lines(d / "train.jsonl", *POSTS)
    write_lines(d / "dev.jsonl", *POSTS[:3])
    write_lines(d / "bad.jsonl", POSTS[0], MISALIGNED, {"text": "RTX 3080", "entities": [[0, 2, "PRODUCT"]]})
    model = train_config("blank", POSTS, POSTS[:3], d / "config_model", epochs=2, quiet=True)
    texts = [p["text"] for p in POSTS] + [NEW_POST]

    def train_then_evaluate() -> tuple[Result, Result]:
        trained = run_python(
            [
                "-m",
                "course",
                "train",
                "--train",
                "train.jsonl",
                "--dev",
                "dev.jsonl",
                "--output",
                "cli_model",
                "--base",
                "blank",
                "--epochs",
                "1",
            ],
            d,
        )
        return trained, run_python(["-m", "course", "evaluate", "cli_model", "dev.jsonl", "--json"], d)

    jobs = {
        "fresh": lambda: run_python(["-c", LOAD_AND_PREDICT, str(model), json.dumps(texts)], d),
        "cli": train_then_evaluate,
        "bad": lambda: run_python(
            [
                "-m",
                "course",
                "train",
                "--train",
                "bad.jsonl",
                "--dev",
                "dev.jsonl",
                "--output",
                "never",
                "--epochs",
                "1",
            ],
            d,
        ),
    }
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
    return d, model, texts, {name: future.result() for name, future in futures.items()}


@pytest.mark.slow
def test_train_config_model_loads_in_a_fresh_process(processes):
    d, model, texts, results = processes
    assert model == d / "config_model"
    assert_clean_exit(results["fresh"], 0)
    fresh = json.loads(results["fresh"].stdout)
    assert fresh["pipes"] == ["ner"] and len(fresh["ents"]) == len(texts)
    here = load_model(model)
    assert [[tuple(e) for e in doc] for doc in fresh["ents"]] == ents(here, texts)
    assert set(here.get_pipe("ner").labels) == {"PRODUCT", "PRICE", "LOCATION", "ZIP", "CONDITION", "URL", "USERNAME"}
    assert not list(d.glob("*.partial")) and not list(d.glob(".*course-staging"))
    assert (model / ".course-model").is_file()


@pytest.mark.slow
def test_cli_train_then_evaluate_json(processes):
    d, _, _, results = processes
    trained, evaluated = results["cli"]
    assert_clean_exit(trained, 0)
    assert "spacy.load('cli_model')" in trained.stderr
    assert "E    #" in trained.stdout  # spaCy's training table is the progress report
    assert spacy.load(d / "cli_model").pipe_names == ["ner"]
    assert_clean_exit(evaluated, 0)
    data = json.loads(evaluated.stdout)
    assert list(data) == ["micro", "per_label", "partial", "n_docs"] and data["n_docs"] == 3
    assert set(data["micro"]) == {"p", "r", "f"}


@pytest.mark.slow
def test_cli_invalid_training_data_exits_1_and_writes_nothing(processes):
    d, _, _, results = processes
    result = results["bad"]
    assert_clean_exit(result, 1)
    lines = result.stdout.splitlines()
    assert [line.split(" ")[:2] for line in lines] == [["bad.jsonl:2:", "N101"], ["bad.jsonl:3:", "N101"]]
    assert "nothing trained" in result.stderr
    assert not (d / "never").exists()


# --- CLI in-process -------------------------------------------------------------------------


def test_cli_reports_problems_in_both_files(cli, tmp_path):
    write_lines(tmp_path / "train.jsonl", POSTS[0], MISALIGNED)
    write_lines(tmp_path / "dev.jsonl", POSTS[1], "{oops")
    result = cli(["train", "--train", "train.jsonl", "--dev", "dev.jsonl", "--output", "out"], tmp_path)
    assert_clean_exit(result, 1)
    assert [line.split(" ")[:2] for line in result.stdout.splitlines()] == [
        ["train.jsonl:2:", "N101"],
        ["dev.jsonl:2:", "N203"],
    ]
    assert not (tmp_path / "out").exists()


def test_cli_labels_option_flags_unknown_labels(cli, tmp_path):
    write_lines(tmp_path / "train.jsonl", *POSTS[:2])
    result = cli(
        [
            "train",
            "--train",
            "train.jsonl",
            "--dev",
            "train.jsonl",
            "--output",
            "out",
            "--labels",
            "PRODUCT,PRICE,LOCATION,CONDITION",
        ],
        tmp_path,
    )
    assert_clean_exit(result, 1)
    assert "N107 unknown label 'ZIP'" in result.stdout
    assert not (tmp_path / "out").exists()


def test_cli_missing_file_exits_2(cli, tmp_path):
    write_lines(tmp_path / "dev.jsonl", *POSTS)
    result = cli(["train", "--train", "nope.jsonl", "--dev", "dev.jsonl", "--output", "out"], tmp_path)
    assert_clean_exit(result, 2)
    assert result.stderr.startswith("error: N201 file not found: nope.jsonl")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args,message", [(["--base", "bert"], "invalid choice: 'bert'"), (["--epochs", "0"], "must be at least 1")]
)
def test_cli_usage_errors_exit_2(cli, tmp_path, args, message):
    write_lines(tmp_path / "train.jsonl", *POSTS)
    result = cli(["train", "--train", "train.jsonl", "--dev", "train.jsonl", "--output", "out", *args], tmp_path)
    assert_clean_exit(result, 2)
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_empty_training_file_and_foreign_output_folder_exit_2(cli, tmp_path):
    write_lines(tmp_path / "train.jsonl", *POSTS)
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    result = cli(["train", "--train", "empty.jsonl", "--dev", "train.jsonl", "--output", "out"], tmp_path)
    assert_clean_exit(result, 2)
    assert "N403 no training examples in empty.jsonl" in result.stderr
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.txt").write_text("do not delete", encoding="utf-8")
    result = cli(["train", "--train", "train.jsonl", "--dev", "train.jsonl", "--output", "docs"], tmp_path)
    assert_clean_exit(result, 2)
    assert "N407 output folder docs already exists and is not a model the course trained" in result.stderr
    assert (tmp_path / "docs" / "thesis.txt").exists()
