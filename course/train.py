"""Training: the plain update loop a learner can read, and the same data through `spacy train`.

`train_blank` is the loop from countless blog posts, written out so every line can
be explained. `train_config` sends the same records through spaCy's config system
(configs live in course/configs/), which is what you would use in a real project.
Both read the same records, validate them first (nothing is dropped silently) and
use the same architecture, optimizer, dropout and batch-size schedule, so their
results and speed can be compared like for like (bench/train_throughput.py).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import spacy
import srsly
from spacy.language import Language
from spacy.tokens import DocBin
from spacy.training import Example
from spacy.util import compounding, minibatch

from .annotations import Record, to_docs, validate
from .errors import AnnotationError, TrainingError
from .settings import LABELS, seed_everything

if TYPE_CHECKING:
    from spacy.pipeline import EntityRecognizer

CONFIG_DIR = Path(__file__).parent / "configs"
BASES = {"blank": "blank_ner.cfg", "en_core_web_sm": "sm_ner.cfg", "transformer": "transformer_ner.cfg"}


@dataclass
class TrainResult:
    """What `train_blank` returns: the trained pipeline and how training went."""

    nlp: Language
    losses: list[float] = field(default_factory=list)  # NER loss summed over each epoch
    seconds: float = 0.0  # wall time of the update loop (not building examples or initializing)
    words: int = 0  # tokens seen over all epochs
    cpu_seconds: float = 0.0  # CPU time of the same loop: steadier than `seconds` on a busy machine

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def blank_ner(labels: Iterable[str] = LABELS, lang: str = "en") -> Language:
    """RETURNS (Language): a blank pipeline with one `ner` component that knows `labels`."""
    nlp = spacy.blank(lang)
    ner = cast("EntityRecognizer", nlp.add_pipe("ner"))
    for label in labels:
        ner.add_label(label)
    return nlp


def make_examples(nlp: Language, records: Sequence[Record], labels: Iterable[str] | None = None) -> list[Example]:
    """Validated records → training Examples (predicted side: tokens only; reference: gold ents).

    labels (Iterable[str] | None): allowed labels; None accepts any label.
    RAISES AnnotationError: listing every problem. spaCy itself would skip a misaligned
        span with warning W030 and train as if the entity were not there.
    """
    records = list(records)
    report = validate(records, nlp, labels)
    if not report.ok:
        raise AnnotationError(report.problems)
    return [
        Example.from_dict(nlp.make_doc(rec["text"]), {"entities": [tuple(e) for e in rec["entities"]]})
        for rec in records
    ]


def train_blank(
    records: Sequence[Record],
    *,
    labels: Iterable[str] = LABELS,
    n_iter: int = 20,
    dropout: float = 0.2,
    seed: int = 0,
    nlp: Language | None = None,
    batch_size: tuple[float, float, float] = (4.0, 32.0, 1.001),
    progress: bool = True,
) -> TrainResult:
    """Train an NER model with the plain spaCy v3 update loop.

    records (Sequence[Record]): canonical training records.
    labels (Iterable[str]): entity labels; a record with any other label is refused (N107).
    n_iter (int): passes over the data (epochs), at least 1.
    dropout (float): dropout rate during updates.
    seed (int): seed for weight initialisation, dropout masks and shuffling.
    nlp (Language | None): an existing pipeline with a `ner` to keep training (its weights
        are kept); None builds `spacy.blank("en")` with a new `ner`.
    batch_size (tuple): compounding batch sizes (start, stop, factor), in examples. One
        schedule runs across all epochs, as in `spacy train`.
    progress (bool): show a tqdm progress bar over the epochs.
    RETURNS (TrainResult): the pipeline, the loss per epoch, time and words seen.
    RAISES AnnotationError: invalid records. TrainingError: N403 no records, N405 `nlp`
        has no ner, N408 n_iter < 1.
    """
    from tqdm.auto import tqdm

    if n_iter < 1:
        raise TrainingError("N408", what="n_iter", value=n_iter)
    labels = list(labels)
    seed_everything(seed)
    if nlp is None:
        nlp = spacy.blank("en")  # a tokenizer and nothing else
        ner = cast("EntityRecognizer", nlp.add_pipe("ner"))  # a new, untrained entity recognizer
    elif "ner" in nlp.pipe_names:
        ner = cast("EntityRecognizer", nlp.get_pipe("ner"))  # keep training what is there
    else:
        raise TrainingError("N405")
    for label in labels:
        ner.add_label(label)
    examples = make_examples(nlp, records, list(dict.fromkeys([*labels, *ner.labels])))
    if not examples:
        raise TrainingError("N403", path="the training records")
    # initialize() creates the weights (once!) and returns the optimizer; for a trained
    # pipeline, resume_training() keeps the weights and only returns an optimizer.
    optimizer = nlp.resume_training() if _has_weights(ner) else nlp.initialize(lambda: examples)
    result = TrainResult(nlp)
    n_words = sum(len(eg.reference) for eg in examples)
    rng = random.Random(seed)
    sizes = compounding(*batch_size)  # 4, 4.004, 4.008, ... up to 32 examples per batch
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in tqdm(range(n_iter), desc="epochs", disable=not progress, leave=False):
        rng.shuffle(examples)  # a new order every epoch
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=sizes):
            nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        result.losses.append(float(losses.get("ner", 0.0)))
        result.words += n_words
    result.seconds, result.cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return result


def _has_weights(pipe) -> bool:
    """RETURNS (bool): whether the component's weights exist (False until nlp.initialize())."""
    return any(node.has_param(name) for node in pipe.model.walk() for name in node.param_names)


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


def train_config(
    base: str,
    train: Sequence[Record],
    dev: Sequence[Record],
    output: str | Path,
    *,
    epochs: int = 20,
    seed: int = 0,
    overrides: dict | None = None,
    quiet: bool = False,
    progress: bool = False,
) -> Path:
    """Train with `spacy train` in-process, from a config in course/configs/.

    base (str): "blank", "en_core_web_sm" or "transformer".
    train, dev (Sequence[Record]): canonical records; dev is scored every
        `training.eval_frequency` steps and picks the best checkpoint (model-best).
    output (str | Path): folder for the best model; written only once training succeeded.
        An existing folder is replaced only if it is empty or a model the course trained
        (it carries the `.course-model` marker); the path is checked before training.
    epochs (int): passes over the training data, at least 1.
    seed (int): training seed.
    overrides (dict | None): extra config overrides, e.g. {"training.dropout": 0.3}.
    quiet (bool): hide spaCy's training table.
    progress (bool): show spaCy's progress bar between evaluations (on stderr).
    RETURNS (Path): `output`, loadable with `spacy.load`.
    RAISES AnnotationError: invalid records. TrainingError: N403 no training data, N404
        unknown base, N406 missing config, N407 output is a folder the course did not write,
        N408 epochs < 1, N409 no dev data, N410 spaCy rejected the config, N470-N473 an
        output path that must not be replaced or cannot be written.
    """
    if base not in BASES:
        raise TrainingError("N404", base=base, choices=", ".join(BASES))
    config = CONFIG_DIR / BASES[base]
    if not config.is_file():
        raise TrainingError("N406", path=str(config), choices=", ".join(BASES.values()))
    if epochs < 1:  # spaCy reads max_epochs = 0 as "no limit": it would never stop
        raise TrainingError("N408", what="epochs", value=epochs)
    if not train:
        raise TrainingError("N403", path="the training records")
    if not dev:
        raise TrainingError("N409", path="the dev records")
    output = Path(output)
    staging = _prepare_output(output)  # every check on the output path happens before training
    try:
        _train_into(
            config,
            base,
            train,
            dev,
            staging,
            epochs=epochs,
            seed=seed,
            overrides=overrides,
            quiet=quiet,
            progress=progress,
        )
        _replace_folder(staging, output)
    finally:
        staging.cleanup()
    return output


def _train_into(
    config: Path,
    base: str,
    train: Sequence[Record],
    dev: Sequence[Record],
    staging: _Staging,
    *,
    epochs: int,
    seed: int,
    overrides: dict | None,
    quiet: bool,
    progress: bool,
) -> None:
    """Run `spacy train` in a temporary folder and copy the final model into `staging.path`."""
    from spacy.cli.train import train as spacy_train

    tokenizer_nlp = spacy.blank("en")
    with tempfile.TemporaryDirectory(prefix="course-train-") as tmp:
        tmp_path = Path(tmp)
        settings = {
            "paths.train": str(write_docbin(tokenizer_nlp, train, tmp_path / "train.spacy")),
            "paths.dev": str(write_docbin(tokenizer_nlp, dev, tmp_path / "dev.spacy")),
            "training.max_epochs": epochs,
            "training.seed": seed,
            "system.seed": seed,
            **({"training.logger.progress_bar": True} if progress else {}),
            **_config_overrides(base),
            **(overrides or {}),
        }
        seed_everything(seed)
        try:
            with redirect_stdout(_Filtered(sys.stdout, hide=tmp, quiet=quiet)):
                spacy_train(config, tmp_path / "out", use_gpu=-1, overrides=settings)
        except SystemExit:  # spaCy's CLI exits after printing a config validation error
            raise TrainingError("N410", path=config.name) from None
        shutil.copytree(_pick_final(tmp_path / "out", tmp_path / "dev.spacy"), staging.path, dirs_exist_ok=True)
        (staging.path / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _weighted_score(scores: dict, weights: dict) -> float:
    """The single number spacy train maximises: score_weights · scores (ents_f for our configs)."""
    return sum(
        float(scores.get(k) or 0.0) * w
        for k, w in weights.items()
        if w and isinstance(scores.get(k) or 0.0, (int, float))
    )


def _pick_final(run: Path, dev_path: Path) -> Path:
    """model-best, unless model-last scores strictly higher on dev.

    spacy train scores dev every `eval_frequency` updates, so the last updates of a short
    run are never scored; this treats the end of training as one more checkpoint.
    """
    from spacy.training import Corpus

    best, last = run / "model-best", run / "model-last"
    if not last.is_dir():
        return best
    nlp = spacy.load(last)
    weights = dict(nlp.config["training"]["score_weights"])
    best_score = _weighted_score(srsly.read_json(best / "meta.json").get("performance", {}), weights)
    last_score = _weighted_score(nlp.evaluate(list(Corpus(dev_path)(nlp))), weights)
    return last if last_score > best_score else best


# --- the output folder: checked before training, replaced atomically ------------------
# A folder is replaced only if the course wrote it: every model it trains carries MARKER.
# A model is staged in a fresh hidden folder beside the target (mkdtemp: never a name
# someone else may own); the old folder is renamed aside first and deleted only if it
# carries the marker, so a crash leaves either the old model or the new one.

MARKER = ".course-model"
MARKER_TEXT = "written by course.train: this folder may be replaced by the next training run\n"
STAGING_SUFFIX = ".course-staging"


def _owned(folder: Path) -> bool:
    """RETURNS (bool): whether `folder` is empty or a model the course wrote (its marker is a real file)."""
    marker = folder / MARKER
    return (marker.is_file() and not marker.is_symlink()) or not any(folder.iterdir())


def check_output(output: Path) -> None:
    """Refuse an output path that training must not replace.

    RAISES TrainingError: N470 `.` or a parent of the working folder, N471 a symbolic link,
        N473 a file, N407 a folder the course did not write (no marker, not empty).
    """
    if output.is_symlink():
        raise TrainingError("N471", path=str(output))
    try:
        here = Path.cwd().resolve()
    except OSError:
        here = None
    resolved = output.resolve()
    if here is not None and (resolved == here or resolved in here.parents):
        raise TrainingError("N470", path=str(output))
    if not output.exists():
        return
    if not output.is_dir():
        raise TrainingError("N473", path=str(output))
    try:
        owned = _owned(output)
    except OSError as err:
        raise TrainingError("N472", path=str(output), reason=err.strerror or str(err)) from None
    if not owned:
        raise TrainingError("N407", path=str(output))


@dataclass
class _Staging:
    """A fresh hidden folder beside the output, and the parent folders made for it."""

    path: Path
    made: list[Path] = field(default_factory=list)

    def cleanup(self) -> None:
        """Remove the staging folder (if still there) and the parent folders made for it if empty."""
        shutil.rmtree(self.path, ignore_errors=True)
        for folder in self.made:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break


def _prepare_output(output: Path) -> _Staging:
    """Check `output` and create the staging folder beside it (which proves the folder is writable).

    RETURNS (_Staging): the empty staging folder.
    RAISES TrainingError: as `check_output`, and N472 if the parent cannot be written.
    """
    check_output(output)
    parent = output.absolute().parent
    made = [p for p in [parent, *parent.parents] if not p.exists()]
    try:
        for folder in reversed(made):
            folder.mkdir()
        path = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=STAGING_SUFFIX, dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        path.chmod(0o777 & ~umask)  # mkdtemp makes 0700; a model folder is as readable as any other
    except OSError as err:
        _Staging(parent / "missing", made).cleanup()
        raise TrainingError("N472", path=str(output), reason=err.strerror or str(err)) from None
    return _Staging(path, made)


def _replace_folder(staging: _Staging, output: Path) -> None:
    """Move the staged model to `output`; an old model is renamed aside first, then deleted.

    RAISES TrainingError: as `check_output` (checked again: training takes a while).
    """
    check_output(output)
    aside = None
    try:
        if output.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".course-old", dir=output.parent))
            os.replace(output, aside)  # renaming a folder over an empty folder is atomic on POSIX
        try:
            os.rename(staging.path, output)
        except OSError:
            if aside is not None:
                os.replace(aside, output)  # put the old model back
                aside = None
            raise
    except OSError as err:
        if aside is not None and not any(aside.iterdir()):
            aside.rmdir()
        raise TrainingError("N472", path=str(output), reason=err.strerror or str(err)) from None
    staging.made.clear()  # the parents now hold the model
    if aside is not None and _owned(aside):
        shutil.rmtree(aside)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _Filtered:
    """A stdout that drops spaCy's lines about its temporary folder and colour codes (or everything)."""

    def __init__(self, target, hide: str, quiet: bool) -> None:
        self.target, self.hide, self.quiet, self.buffer = target, hide, quiet, ""

    def write(self, text: str) -> int:
        self.buffer += text
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            if not self.quiet and self.hide not in line:
                self.target.write(_ANSI.sub("", line) + "\n")
        return len(text)

    def flush(self) -> None:
        self.target.flush()


def load_model(path: str | Path) -> Language:
    """Load a saved pipeline with `spacy.load`, with coded errors instead of tracebacks.

    RAISES TrainingError: N401 missing folder, N402 not a pipeline, N405 no ner.
    """
    path = Path(path)
    if not path.exists():
        raise TrainingError("N401", path=str(path))
    if not (path / "config.cfg").is_file() or not (path / "meta.json").is_file():
        raise TrainingError("N402", path=str(path), reason="config.cfg or meta.json is missing")
    try:
        nlp = spacy.load(path)
    except Exception as err:  # noqa: BLE001 - spaCy raises OSError, ValueError, KeyError ... for a broken folder
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:160]
        raise TrainingError("N402", path=str(path), reason=f"{type(err).__name__}: {reason}") from None
    if not any(nlp.get_pipe_meta(name).factory in ("ner", "beam_ner") for name in nlp.pipe_names):
        raise TrainingError("N405")
    return nlp


def folder_size_mb(path: str | Path) -> float:
    """RETURNS (float): size of a saved pipeline on disk, in megabytes."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6
