"""Training: the plain update loop a learner can read, and the same data through `spacy train`.

`train_blank` is the loop from countless blog posts, written out so every line can
be explained. `train_config` sends the same records through spaCy's config system
(configs live in course/configs/), which is what you would use in a real project.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import spacy
from spacy.language import Language
from spacy.tokens import DocBin
from spacy.training import Example
from spacy.util import compounding, minibatch

from .annotations import Record, to_docs
from .errors import TrainingError
from .settings import LABELS, seed_everything

CONFIG_DIR = Path(__file__).parent / "configs"
BASES = {"blank": "blank_ner.cfg", "en_core_web_sm": "sm_ner.cfg", "transformer": "transformer_ner.cfg"}


@dataclass
class TrainResult:
    """What `train_blank` returns: the trained pipeline and how training went."""

    nlp: Language
    losses: list[float] = field(default_factory=list)  # NER loss summed over each epoch
    seconds: float = 0.0
    words: int = 0  # tokens seen over all epochs

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def blank_ner(labels: Iterable[str] = LABELS, lang: str = "en") -> Language:
    """RETURNS (Language): a blank pipeline with one `ner` component that knows `labels`."""
    nlp = spacy.blank(lang)
    ner = nlp.add_pipe("ner")
    for label in labels:
        ner.add_label(label)
    return nlp


def make_examples(nlp: Language, records: Sequence[Record], labels: Iterable[str] | None = None) -> list[Example]:
    """Validated records → training Examples (predicted side: tokens only; reference: gold ents).

    RAISES AnnotationError: if any record is invalid; spaCy would silently skip misaligned spans.
    """
    docs = to_docs(nlp, records, labels)
    return [Example(nlp.make_doc(doc.text), doc) for doc in docs]


def train_blank(records: Sequence[Record], *, labels: Iterable[str] = LABELS, n_iter: int = 20,
                dropout: float = 0.2, seed: int = 0, nlp: Language | None = None,
                batch_size: tuple[float, float, float] = (4.0, 32.0, 1.001), progress: bool = True) -> TrainResult:
    """Train an NER model with the plain spaCy v3 update loop.

    records (Sequence[Record]): canonical training records.
    labels (Iterable[str]): entity labels to add to a new `ner` component.
    n_iter (int): passes over the data (epochs).
    dropout (float): dropout rate during updates.
    seed (int): seed for weight initialisation and shuffling.
    nlp (Language | None): an existing pipeline to keep training (its weights are kept);
        None builds `spacy.blank("en")` with a new `ner`.
    batch_size (tuple): compounding batch sizes (start, stop, factor), in examples.
    progress (bool): show a tqdm progress bar.
    RETURNS (TrainResult): the pipeline, the loss per epoch, time and words seen.
    """
    from tqdm.auto import tqdm

    seed_everything(seed)
    fresh = nlp is None
    nlp = blank_ner(labels) if fresh else nlp
    examples = make_examples(nlp, records)
    if fresh:
        optimizer = nlp.initialize(lambda: examples)
    else:
        for label in labels:
            nlp.get_pipe("ner").add_label(label)
        optimizer = nlp.resume_training()
    rng = random.Random(seed)
    result = TrainResult(nlp)
    n_words = sum(len(eg.reference) for eg in examples)
    start = time.perf_counter()
    for _ in tqdm(range(n_iter), desc="epochs", disable=not progress, leave=False):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(*batch_size)):
            nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        result.losses.append(float(losses.get("ner", 0.0)))
        result.words += n_words
    result.seconds = time.perf_counter() - start
    return result


def write_docbin(nlp: Language, records: Sequence[Record], path: Path) -> Path:
    """Validate `records` and save them as a `.spacy` DocBin for `spacy train`."""
    DocBin(docs=to_docs(nlp, records), store_user_data=False).to_disk(path)
    return path


def _config_overrides(base: str) -> dict[str, str]:
    from .resources import minilm_path, pretrained_path, require_transformer_stack

    if base == "en_core_web_sm":
        return {"paths.base_model": str(pretrained_path("en_core_web_sm"))}
    if base == "transformer":
        require_transformer_stack()
        return {"paths.transformer": str(minilm_path())}
    return {}


def train_config(base: str, train: Sequence[Record], dev: Sequence[Record], output: str | Path, *,
                 epochs: int = 20, seed: int = 0, overrides: dict | None = None, quiet: bool = False) -> Path:
    """Train with `spacy train` in-process, from a config in course/configs/.

    base (str): "blank", "en_core_web_sm" or "transformer".
    train, dev (Sequence[Record]): canonical records (dev picks the best checkpoint).
    output (str | Path): folder for the best model; replaced only once training succeeded.
    epochs (int): passes over the training data.
    seed (int): training seed.
    overrides (dict | None): extra config overrides, e.g. {"training.dropout": 0.3}.
    quiet (bool): hide spaCy's training table.
    RETURNS (Path): `output`, loadable with `spacy.load`.
    RAISES TrainingError: E403 no training data, E404 unknown base.
    """
    if base not in BASES:
        raise TrainingError("E404", base=base, choices=", ".join(BASES))
    if not train:
        raise TrainingError("E403", path="the training records")
    from spacy.cli.train import train as spacy_train

    output = Path(output)
    tokenizer_nlp = spacy.blank("en")
    with tempfile.TemporaryDirectory(prefix="course-train-") as tmp:
        tmp_path = Path(tmp)
        settings = {"paths.train": str(write_docbin(tokenizer_nlp, train, tmp_path / "train.spacy")),
                    "paths.dev": str(write_docbin(tokenizer_nlp, dev, tmp_path / "dev.spacy")),
                    "training.max_epochs": epochs, "training.seed": seed, "system.seed": seed,
                    **_config_overrides(base), **(overrides or {})}
        seed_everything(seed)
        with redirect_stdout(_Null() if quiet else sys.stdout):
            spacy_train(CONFIG_DIR / BASES[base], tmp_path / "out", use_gpu=-1, overrides=settings)
        staged = output.with_name(output.name + ".partial")
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(tmp_path / "out" / "model-best", staged)
        shutil.rmtree(output, ignore_errors=True)
        staged.rename(output)
    return output


class _Null:
    def write(self, _: str) -> int:
        return 0

    def flush(self) -> None:
        pass


def load_model(path: str | Path) -> Language:
    """Load a saved pipeline with `spacy.load`, with coded errors instead of tracebacks.

    RAISES TrainingError: E401 missing folder, E402 not a pipeline, E405 no ner.
    """
    path = Path(path)
    if not path.exists():
        raise TrainingError("E401", path=str(path))
    if not (path / "config.cfg").is_file() or not (path / "meta.json").is_file():
        raise TrainingError("E402", path=str(path), reason="config.cfg or meta.json is missing")
    try:
        nlp = spacy.load(path)
    except Exception as err:  # spaCy raises many types for a broken folder
        raise TrainingError("E402", path=str(path), reason=f"{type(err).__name__}: {str(err)[:120]}") from None
    if "ner" not in nlp.pipe_names:
        raise TrainingError("E405")
    return nlp


def folder_size_mb(path: str | Path) -> float:
    """RETURNS (float): size of a saved pipeline on disk, in megabytes."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add `python -m course train ...` to the CLI."""
    p = sub.add_parser("train", help="train an NER model from annotated files")
    p.add_argument("--train", required=True, help="training annotations (any supported format)")
    p.add_argument("--dev", required=True, help="development annotations, used to pick the best model")
    p.add_argument("--output", required=True, help="folder for the trained pipeline")
    p.add_argument("--base", choices=sorted(BASES), default="blank", help="what to start from")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_train)


def _cmd_train(args: argparse.Namespace) -> int:
    from .annotations import validate
    from .formats import load

    nlp = spacy.blank("en")
    data = {}
    for name in ("train", "dev"):
        loaded = load(getattr(args, name))
        report = validate(loaded.records, nlp, source=loaded.source, lines=loaded.lines)
        problems = loaded.problems + report.problems
        if problems:
            for problem in problems:
                print(problem.format())
            print(f"nothing trained: {len(problems)} problem(s) in {loaded.source}", file=sys.stderr)
            return 1
        if name == "train" and not loaded.records:
            raise TrainingError("E403", path=loaded.source)
        data[name] = loaded.records
    out = train_config(args.base, data["train"], data["dev"], args.output, epochs=args.epochs, seed=args.seed)
    print(f"saved the best model to {out} — load it with spacy.load({str(out)!r})", file=sys.stderr)
    return 0
