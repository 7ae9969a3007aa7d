"""Exercises of notebook 03 (training): Examples from offsets, the update loop, saving and
loading, and the DocBin file that `spacy train` reads."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

NOTEBOOK = "03_training"
RECORDS: list[dict[str, Any]] = [
    {
        "text": "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] $450 shipped",
        "entities": [[1, 7, "LOCATION"], [13, 37, "PRODUCT"], [39, 47, "CONDITION"], [52, 56, "PRICE"]],
    },
    {
        "text": "Selling my Samsung 980 Pro 2TB, brand new, $120 shipped from Chicago 60601",
        "entities": [
            [11, 30, "PRODUCT"],
            [32, 41, "CONDITION"],
            [43, 47, "PRICE"],
            [61, 68, "LOCATION"],
            [69, 74, "ZIP"],
        ],
    },
]


def _records() -> list[dict]:
    return [{"text": r["text"], "entities": [list(e) for e in r["entities"]]} for r in RECORDS]


def _modules() -> dict[str, Any]:
    import random

    import spacy
    from spacy.tokens import DocBin
    from spacy.training import Example
    from spacy.util import minibatch

    return {"spacy": spacy, "Example": Example, "DocBin": DocBin, "minibatch": minibatch, "random": random}


def _gold(record: dict) -> list[tuple[int, int, str]]:
    return [tuple(e) for e in record["entities"]]


# 03.1 ----------------------------------------------------------------------------------------


def _judge_examples(make_examples: Any) -> CheckResult:
    import spacy

    nlp = spacy.blank("en")
    got, failed = run_safely(make_examples, nlp, _records())
    if failed is not None and "incorrect type" in failed.message:
        return CheckResult(
            False,
            failed.message,
            "Example.from_dict wants a Doc as its first argument, not a string: "
            "nlp.make_doc(text) tokenizes without running any component.",
        )
    if failed is not None and "E983" in failed.message:
        return CheckResult(
            False,
            "spaCy did not recognise a key of your annotation dict (E983).",
            'The key for character-offset entities is "entities", not "ents".',
        )
    if failed is not None:
        return failed
    got = list(got) if isinstance(got, (list, tuple)) else got
    if not isinstance(got, list) or len(got) != len(RECORDS):
        return CheckResult(
            False, f"expected a list of {len(RECORDS)} Examples, got {got!r:.120}.", "Return one Example per record."
        )
    for example, record in zip(got, RECORDS):
        if not hasattr(example, "reference"):
            return CheckResult(
                False,
                f"an item is a {type(example).__name__}, not an Example.",
                "Build each item with Example.from_dict(doc, {'entities': ...}).",
            )
        ref = [(e.start_char, e.end_char, e.label_) for e in example.reference.ents]
        if ref != _gold(record):
            return CheckResult(
                False,
                f"the reference of {record['text'][:30]!r}... holds {ref}.",
                "Pass the record's entities unchanged: {'entities': record['entities']}.",
            )
        if example.predicted.ents:
            return CheckResult(
                False,
                "the predicted side already has entities.",
                "The predicted doc is the raw text (nlp.make_doc); the gold goes in the dict.",
            )
    return CheckResult(
        True, f"{len(got)} Examples; the reference docs hold the gold entities, the predicted docs none."
    )


register(
    Exercise(
        id="03.1",
        notebook=NOTEBOOK,
        title="Examples from character offsets",
        answer="make_examples",
        judge=_judge_examples,
        setup=lambda: {**_modules(), "records": _records()},
        solution='''def make_examples(nlp, records):
    """One Example per record: the raw text to predict on, and the gold entities."""
    examples = []
    for record in records:
        doc = nlp.make_doc(record["text"])
        examples.append(Example.from_dict(doc, {"entities": record["entities"]}))
    return examples''',
        wrong=(
            WrongAnswer(
                """def make_examples(nlp, records):
    return [Example.from_dict(r["text"], {"entities": r["entities"]}) for r in records]""",
                "not a string",
                "text instead of a Doc",
            ),
            WrongAnswer(
                """def make_examples(nlp, records):
    return [Example.from_dict(nlp.make_doc(r["text"]), {"ents": r["entities"]}) for r in records]""",
                'not "ents"',
                "wrong key",
            ),
        ),
    )
)


# 03.2 ----------------------------------------------------------------------------------------


def _train_setup() -> tuple[Any, list[Any]]:
    import spacy
    from spacy.training import Example

    nlp = spacy.blank("en")
    examples = [Example.from_dict(nlp.make_doc(r["text"]), {"entities": _gold(r)}) for r in RECORDS]
    return nlp, examples


def _judge_loop(train_ner: Any) -> CheckResult:
    from spacy.util import fix_random_seed

    nlp, examples = _train_setup()
    fix_random_seed(0)
    n_iter = 8
    got, failed = run_safely(train_ner, nlp, examples, n_iter)
    if failed is not None and "KeyError" in failed.message and "ner" in failed.message:
        return CheckResult(
            False,
            "losses has no 'ner' entry after the epoch (KeyError: 'ner').",
            "nlp.update only reports its loss into a dict you hand it: pass losses=losses.",
        )
    if failed is not None:
        return failed
    if not isinstance(got, tuple) or len(got) != 2:
        return CheckResult(False, f"expected (nlp, history), got {type(got).__name__}.", "Return nlp, history.")
    trained, history = got
    if "ner" not in getattr(trained, "pipe_names", []):
        return CheckResult(False, "the returned pipeline has no ner.", 'nlp.add_pipe("ner") adds one.')
    if history and all(isinstance(h, dict) for h in history):
        return CheckResult(
            False,
            f"history holds dicts such as {history[0]}.",
            "Append the number, losses['ner'], so that history is a list of floats you can plot.",
        )
    if len(history) != n_iter:
        return CheckResult(
            False,
            f"history has {len(history)} entries for {n_iter} epochs.",
            "Append one loss per epoch, after the loop over batches.",
        )
    if len({round(float(h), 4) for h in history}) == 1:
        return CheckResult(
            False,
            f"the loss was {history[0]:.1f} in every one of the {n_iter} epochs: the model "
            "never got past its starting point.",
            "nlp.initialize() creates new random weights: call it once, before the loop. Called in "
            "the loop, it throws away what every earlier epoch learned.",
        )
    return CheckResult(
        True,
        f"{n_iter} epochs, loss {history[0]:.1f} in the first and {history[-1]:.1f} in the last: "
        "the weights are changing. With this few updates the loss is still noisy; the "
        "notebook's models get hundreds of updates.",
    )


register(
    Exercise(
        id="03.2",
        notebook=NOTEBOOK,
        title="Write the training loop",
        answer="train_ner",
        judge=_judge_loop,
        setup=lambda: {**_modules(), "nlp": _train_setup()[0]},
        solution='''def train_ner(nlp, examples, n_iter=20):
    """Add an ner to the blank `nlp`, train it on `examples`; RETURNS (nlp, loss per epoch)."""
    nlp.add_pipe("ner")
    optimizer = nlp.initialize(lambda: examples)  # once: creates the weights
    history = []
    for epoch in range(n_iter):
        random.shuffle(examples)
        losses = {}
        for batch in minibatch(examples, size=8):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
        history.append(losses["ner"])
    return nlp, history''',
        wrong=(
            WrongAnswer(
                """def train_ner(nlp, examples, n_iter=20):
    nlp.add_pipe("ner")
    history = []
    for epoch in range(n_iter):
        optimizer = nlp.initialize(lambda: examples)
        random.shuffle(examples)
        losses = {}
        for batch in minibatch(examples, size=8):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
        history.append(losses["ner"])
    return nlp, history""",
                "call it once",
                "initialize in the loop",
            ),
            WrongAnswer(
                """def train_ner(nlp, examples, n_iter=20):
    nlp.add_pipe("ner")
    optimizer = nlp.initialize(lambda: examples)
    history = []
    for epoch in range(n_iter):
        random.shuffle(examples)
        losses = {}
        for batch in minibatch(examples, size=8):
            nlp.update(batch, drop=0.2, sgd=optimizer)
        history.append(losses["ner"])
    return nlp, history""",
                "pass losses=losses",
                "losses dict never handed to update",
            ),
            WrongAnswer(
                """def train_ner(nlp, examples, n_iter=20):
    nlp.add_pipe("ner")
    optimizer = nlp.initialize(lambda: examples)
    history = []
    for epoch in range(n_iter):
        random.shuffle(examples)
        losses = {}
        for batch in minibatch(examples, size=8):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
        history.append(losses)
    return nlp, history""",
                "Append the number",
                "dict appended",
            ),
        ),
    )
)


# 03.3 ----------------------------------------------------------------------------------------


def _tiny_trained() -> Any:
    from spacy.util import fix_random_seed

    nlp, examples = _train_setup()
    nlp.add_pipe("ner")
    fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    return nlp


def _judge_round_trip(round_trip: Any) -> CheckResult:
    nlp = _tiny_trained()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model"
        got, failed = run_safely(round_trip, nlp, path)
        if failed is not None:
            return failed
        if got is nlp:
            return CheckResult(
                False,
                "you returned the pipeline you were given, not one loaded from disk.",
                "Return spacy.load(path): only a pipeline read back from the folder proves it was saved.",
            )
        if not path.is_dir() or not (path / "config.cfg").is_file():
            return CheckResult(False, f"nothing was saved in {path.name}/.", "nlp.to_disk(path) writes the folder.")
        if "ner" not in getattr(got, "pipe_names", []):
            return CheckResult(
                False,
                f"the loaded pipeline has the pipes {getattr(got, 'pipe_names', None)}.",
                "spacy.blank('en').from_disk(path) reads the files into a pipeline without a ner; "
                "spacy.load(path) builds the pipeline from the saved config first.",
            )
        text = RECORDS[0]["text"]
        same = [(e.text, e.label_) for e in got(text).ents] == [(e.text, e.label_) for e in nlp(text).ents]
    if not same:
        return CheckResult(
            False,
            "the loaded pipeline predicts differently from the saved one.",
            "Save the pipeline you were given, then load that same folder.",
        )
    return CheckResult(True, "saved with nlp.to_disk, loaded with spacy.load: same pipes, same predictions.")


register(
    Exercise(
        id="03.3",
        notebook=NOTEBOOK,
        title="Save and load a pipeline",
        answer="round_trip",
        judge=_judge_round_trip,
        setup=_modules,
        solution='''def round_trip(nlp, path):
    """Save `nlp` to the folder `path` and RETURN the pipeline loaded back from it."""
    nlp.to_disk(path)
    return spacy.load(path)''',
        wrong=(
            WrongAnswer(
                """def round_trip(nlp, path):
    nlp.to_disk(path)
    return nlp""",
                "Return spacy.load(path)",
                "returns the original",
            ),
            WrongAnswer(
                """def round_trip(nlp, path):
    nlp.to_disk(path)
    return spacy.blank("en").from_disk(path)""",
                "without a ner",
                "from_disk on a blank pipeline",
            ),
        ),
    )
)


# 03.4 ----------------------------------------------------------------------------------------


def _judge_docbin(write_spacy: Any) -> CheckResult:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dev.spacy"
        _, failed = run_safely(write_spacy, nlp, _records(), path)
        if failed is not None:
            return failed
        if not path.is_file():
            return CheckResult(False, f"no file at {path.name}.", "Finish with DocBin(docs=docs).to_disk(path).")
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    if len(docs) != len(RECORDS):
        return CheckResult(False, f"the file holds {len(docs)} docs for {len(RECORDS)} records.", "Add every doc.")
    ents = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]
    if not any(ents):
        return CheckResult(
            False,
            "the docs in your file have no entities.",
            "DocBin stores what the Doc holds: set doc.ents (with doc.char_span) before adding it, "
            "or spacy train sees posts without a single entity.",
        )
    if ents != [_gold(r) for r in RECORDS]:
        return CheckResult(False, f"the first doc holds {ents[0]}.", "Set doc.ents from the record's offsets.")
    return CheckResult(True, f"{len(docs)} docs with their entities, ready for --paths.dev.")


register(
    Exercise(
        id="03.4",
        notebook=NOTEBOOK,
        title="Write the .spacy file spacy train reads",
        answer="write_spacy",
        judge=_judge_docbin,
        setup=_modules,
        solution='''def write_spacy(nlp, records, path):
    """Save `records` as a DocBin at `path`: one Doc per record, with doc.ents set."""
    docs = []
    for record in records:
        doc = nlp.make_doc(record["text"])
        doc.ents = [doc.char_span(start, end, label=label) for start, end, label in record["entities"]]
        docs.append(doc)
    DocBin(docs=docs).to_disk(path)''',
        wrong=(
            WrongAnswer(
                """def write_spacy(nlp, records, path):
    DocBin(docs=[nlp.make_doc(r["text"]) for r in records]).to_disk(path)""",
                "set doc.ents",
                "docs without entities",
            ),
            WrongAnswer(
                """def write_spacy(nlp, records, path):
    docs = []
    for record in records:
        doc = nlp.make_doc(record["text"])
        doc.ents = [doc.char_span(start, end, label=label) for start, end, label in record["entities"]]
        docs.append(doc)
    DocBin(docs=docs)""",
                "to_disk(path)",
                "never written",
            ),
        ),
    )
)


# 03.5 and 03.6: spaCy's command line, run in-process on two tiny .spacy files -----------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _tiny_corpus(folder: Path) -> tuple[Path, Path]:
    """Write train.spacy (both records) and dev.spacy (the first one). RETURNS (paths)."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    docs = []
    for record in RECORDS:
        doc = nlp.make_doc(record["text"])
        spans = [doc.char_span(s, e, label=label) for s, e, label in record["entities"]]
        doc.ents = [span for span in spans if span is not None]  # RECORDS are aligned: nothing is dropped
        docs.append(doc)
    train_path, dev_path = folder / "train.spacy", folder / "dev.spacy"
    DocBin(docs=docs).to_disk(train_path)
    DocBin(docs=docs[:1]).to_disk(dev_path)
    return train_path, dev_path


def _command_problem(got: Any, subcommand: list[str]) -> CheckResult | None:
    """A failing CheckResult if `got` is not a command list `python -m spacy <subcommand> ...`."""
    if not isinstance(got, (list, tuple)):
        return CheckResult(False, f"expected a list of strings, got {type(got).__name__}.", "Return the list.")
    odd = [item for item in got if not isinstance(item, (str, Path))]
    if odd:
        return CheckResult(
            False,
            f"the command holds {odd[0]!r}, a {type(odd[0]).__name__}.",
            "Every item of a command is a string (a shell passes text): write str(epochs), not epochs.",
        )
    start = [sys.executable, "-m", "spacy", *subcommand]
    if [str(item) for item in got[: len(start)]] != start:
        return CheckResult(
            False,
            f"the command starts {[str(i) for i in got[: len(start)]]}.",
            f"Start with sys.executable, '-m', 'spacy', then {' '.join(repr(s) for s in subcommand)}: this "
            "notebook's own Python, so the command uses the same spaCy.",
        )
    return None


def _run_cli(args: list[str]) -> tuple[str, BaseException | None]:
    """Run spaCy's command line in this process. RETURNS (output without colours, exception)."""
    from spacy.cli import app
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [str(a) for a in args])
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return _ANSI.sub("", result.output), exception


def _cli_failure(output: str, exception: BaseException | None) -> CheckResult | None:
    """Hints for the ways a spaCy command fails on wrongly written data options."""
    said = f"{output} {exception!r}"
    if "E913" in said:
        return CheckResult(
            False,
            "spaCy stopped with E913: a corpus path is None.",
            "The command also reads the dev set: add --paths.dev with the dev file.",
        )
    if "No such option" in said or "Invalid config override" in said:
        found = re.search(r"No such option '([^']+)'|Invalid config override '([^']+)'", said)
        name = next((g for g in found.groups() if g), "?") if found else "?"
        return CheckResult(
            False,
            f"spaCy does not know the option {name!r}.",
            "Data paths and settings are config overrides: a dotted name of the config section and "
            "key, like --paths.train FILE or --training.max_epochs N.",
        )
    if exception is not None:
        return CheckResult(False, f"spaCy raised {type(exception).__name__}: {str(exception)[:200]}", "")
    return None


def _judge_debug(debug_data_command: Any) -> CheckResult:
    from spacy.cli.init_config import init_config

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train_path, dev_path = _tiny_corpus(folder)
        config = folder / "ner.cfg"
        init_config(lang="en", pipeline=["ner"], optimize="efficiency").to_disk(config)
        got, failed = run_safely(debug_data_command, config, train_path, dev_path)
        if failed is not None:
            return failed
        problem = _command_problem(got, ["debug", "data"])
        if problem is not None:
            return problem
        output, exception = _run_cli(list(got[3:]))
    failure = _cli_failure(output, exception)
    if failure is not None:
        return failure
    n_train = re.search(r"(\d+) training docs", output)
    n_dev = re.search(r"(\d+) evaluation docs", output)
    if not n_train or not n_dev:
        return CheckResult(False, "spaCy's output has no training statistics.", "Pass the config file first.")
    if (n_train.group(1), n_dev.group(1)) == ("1", "2"):
        return CheckResult(
            False,
            "spaCy read 1 training doc and 2 evaluation docs: the files are the wrong way round.",
            "The training file goes with --paths.train, the dev file with --paths.dev.",
        )
    return CheckResult(
        True,
        f"spacy debug data read {n_train.group(1)} training and {n_dev.group(1)} evaluation docs "
        "and checked them against the config.",
    )


register(
    Exercise(
        id="03.5",
        notebook=NOTEBOOK,
        title="The spacy debug data command",
        answer="debug_data_command",
        judge=_judge_debug,
        setup=lambda: {"sys": sys},
        solution='''def debug_data_command(config, train_path, dev_path):
    """The command that runs `spacy debug data` on `config` with the training and the dev file."""
    return [sys.executable, "-m", "spacy", "debug", "data", str(config),
            "--paths.train", str(train_path), "--paths.dev", str(dev_path)]''',
        wrong=(
            WrongAnswer(
                """def debug_data_command(config, train_path, dev_path):
    return [sys.executable, "-m", "spacy", "debug", "data", str(config), "--paths.train", str(train_path)]""",
                "add --paths.dev",
                "dev file left out",
            ),
            WrongAnswer(
                """def debug_data_command(config, train_path, dev_path):
    return [sys.executable, "-m", "spacy", "debug", "data", str(config),
            "--train", str(train_path), "--dev", str(dev_path)]""",
                "config overrides",
                "not a dotted config override",
            ),
            WrongAnswer(
                """def debug_data_command(config, train_path, dev_path):
    return [sys.executable, "-m", "spacy", "debug", "data", str(config),
            "--paths.train", str(dev_path), "--paths.dev", str(train_path)]""",
                "wrong way round",
                "train and dev swapped",
            ),
        ),
    )
)


def _judge_train(train_command: Any) -> CheckResult:
    from spacy.util import load_config

    epochs = 2
    config = Path(__file__).resolve().parents[1] / "configs" / "blank_ner.cfg"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train_path, dev_path = _tiny_corpus(folder)
        output_dir = folder / "model"
        got, failed = run_safely(train_command, config, train_path, dev_path, output_dir, epochs)
        if failed is not None:
            return failed
        problem = _command_problem(got, ["train"])
        if problem is not None:
            return problem
        output, exception = _run_cli(list(got[3:]))
        failure = _cli_failure(output, exception)
        if failure is not None:
            return failure
        last = output_dir / "model-last"
        if not last.is_dir():
            return CheckResult(
                False,
                "spacy train ran, but no model folder was written.",
                "Without --output spacy train trains and keeps nothing: pass --output with the folder.",
            )
        saved = load_config(last / "config.cfg")["training"]["max_epochs"]
    if saved != epochs:
        return CheckResult(
            False,
            f"the model was trained with max_epochs = {saved}, not {epochs}.",
            "Set the number of epochs with --training.max_epochs and str(epochs).",
        )
    return CheckResult(
        True, f"spacy train ran {epochs} epochs, scored the dev file and saved model-best and model-last."
    )


register(
    Exercise(
        id="03.6",
        notebook=NOTEBOOK,
        title="The spacy train command",
        answer="train_command",
        judge=_judge_train,
        setup=lambda: {"sys": sys},
        solution='''def train_command(config, train_path, dev_path, output, epochs):
    """The `spacy train` command: both data files, a folder for the model, `epochs` passes."""
    return [sys.executable, "-m", "spacy", "train", str(config),
            "--output", str(output),
            "--paths.train", str(train_path), "--paths.dev", str(dev_path),
            "--training.max_epochs", str(epochs)]''',
        wrong=(
            WrongAnswer(
                """def train_command(config, train_path, dev_path, output, epochs):
    return [sys.executable, "-m", "spacy", "train", str(config),
            "--paths.train", str(train_path), "--paths.dev", str(dev_path),
            "--training.max_epochs", str(epochs)]""",
                "pass --output",
                "no output folder: the model is thrown away",
            ),
            WrongAnswer(
                """def train_command(config, train_path, dev_path, output, epochs):
    return [sys.executable, "-m", "spacy", "train", str(config), "--output", str(output),
            "--paths.train", str(train_path), "--paths.dev", str(dev_path),
            "--training.max_epochs", epochs]""",
                "not epochs",
                "an int in the command",
            ),
            WrongAnswer(
                """def train_command(config, train_path, dev_path, output, epochs):
    return [sys.executable, "-m", "spacy", "train", str(config), "--output", str(output),
            "--paths.train", str(train_path), "--paths.dev", str(dev_path),
            "--max_epochs", str(epochs)]""",
                "--training.max_epochs N",
                "override without its section",
            ),
        ),
    )
)
