"""Fine-tuning a pretrained pipeline: forgetting, rehearsal, and comparing models.

* `silver_records` lets the original pipeline annotate unlabelled text; `rehearsal_mix`
  mixes those "silver" records into the new training data at a chosen share.
* `forgetting_table` puts the scores of several models on the general labels side by
  side, with the change against the original.
* `train_pipeline` wraps `course.train.train_config` with a timer and, for the
  transformer, a learning-rate schedule that matches the number of steps actually run.
* `learning_rate_sweep` fine-tunes at several learning rates and scores both sides of
  the trade-off: our labels on dev, the old labels on the news sentences (forgetting).
* `words_per_second` and `compare_models` measure what a model costs: F1, training
  time, size on disk and inference speed.

The general-domain data live in data/general_news/ (see its README).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluate import EvalResult

import pandas as pd
from spacy.language import Language

from .annotations import Record
from .errors import TrainingError
from .settings import GENERAL_LABELS, LABELS, data_path


def load_general_eval() -> list[Record]:
    """RETURNS (list[Record]): the annotated general-news sentences (data/general_news/eval.jsonl)."""
    from .formats import read_jsonl

    return read_jsonl(data_path("general_news", "eval.jsonl"))


def rehearsal_texts() -> list[str]:
    """RETURNS (list[str]): the unlabelled general-news sentences (data/general_news/rehearsal.txt)."""
    lines = data_path("general_news", "rehearsal.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def silver_records(
    nlp: Language, texts: Iterable[str], labels: Iterable[str] = GENERAL_LABELS, batch_size: int = 64
) -> list[Record]:
    """Annotate texts with a pipeline's own predictions ("silver" data for rehearsal).

    nlp (Language): the ORIGINAL pipeline, before any fine-tuning.
    texts (Iterable[str]): unlabelled text, ideally close to what the model must still handle.
    labels (Iterable[str]): predicted labels to keep; others are dropped, so that they do not
        compete with your own labels (en_core_web_sm's PRODUCT, for example).
    batch_size (int): texts per batch for `nlp.pipe`.
    RETURNS (list[Record]): one record per text, with "source": "silver".
    """
    keep = set(labels)
    return [
        {
            "text": doc.text,
            "source": "silver",
            "entities": [[e.start_char, e.end_char, e.label_] for e in doc.ents if e.label_ in keep],
        }
        for doc in nlp.pipe(texts, batch_size=batch_size)
    ]


def n_rehearsal(n_new: int, share: float) -> int:
    """How many rehearsal records make up `share` of the final mix with `n_new` new records.

    RETURNS (int): r with r / (n_new + r) ≈ share, i.e. round(n_new * share / (1 - share)).
    RAISES TrainingError: N440 if share is not in [0, 1).
    """
    if not 0.0 <= share < 1.0:
        raise TrainingError("N440", share=share)
    return round(n_new * share / (1.0 - share))


def rehearsal_mix(new: Sequence[Record], silver: Sequence[Record], share: float = 0.25, seed: int = 0) -> list[Record]:
    """Mix silver records into new training records so that they make up `share` of the result.

    new (Sequence[Record]): your annotated records.
    silver (Sequence[Record]): records from `silver_records`.
    share (float): the silver share of the final mix, e.g. 0.25 → 1 silver for 3 new.
    seed (int): seed for which silver records are used and for the final shuffle.
    RETURNS (list[Record]): the shuffled mix.
    RAISES TrainingError: N440 bad share, N441 if there are not enough silver records.
    """
    needed = n_rehearsal(len(new), share)
    if needed > len(silver):
        raise TrainingError("N441", needed=needed, share=share, n_new=len(new), have=len(silver))
    rng = random.Random(seed)
    mix = list(new) + rng.sample(list(silver), needed)
    rng.shuffle(mix)
    return mix


def _f1_per_label(result: EvalResult | Mapping[str, Any]) -> tuple[dict[str, float], float]:
    """RETURNS (tuple): (label → F1, micro F1) of a course result or of a spaCy scores dict."""
    if isinstance(result, Mapping):  # what nlp.evaluate and Scorer.score_spans return
        per_type = result.get("ents_per_type") or {}
        return {label: s["f"] for label, s in per_type.items()}, result.get("ents_f") or 0.0
    return {label: s["f"] for label, s in result.per_label.items()}, result.micro["f"]


def forgetting_table(
    results: Mapping[str, EvalResult | Mapping[str, Any]],
    labels: Sequence[str] | None = None,
    baseline: str | None = None,
) -> pd.DataFrame:
    """F1 per label for several models on the same data, plus the change against a baseline.

    results (Mapping): model name → scores: a `course.evaluate.evaluate(...)` result, or the
        dict of spaCy's scorer (`nlp.evaluate(...)`, `Scorer.score_spans(...)`) with "ents_f"
        and "ents_per_type".
    labels (Sequence[str] | None): rows; None: the labels of the first result.
    baseline (str | None): the model to compare with (default: the first one).
    RETURNS (DataFrame): rows labels + "micro"; one F1 column per model and, for every other
        model, a "Δ name" column (its F1 minus the baseline's), rounded to 3 decimals. A label
        a result does not score has F1 0.0.
    RAISES TrainingError: N442 if results is empty or baseline is not one of them.
    """
    names = list(results)
    baseline = baseline or (names[0] if names else None)
    if not names or baseline not in results:
        raise TrainingError("N442", name=baseline, choices=", ".join(names) or "none")
    scores = {name: _f1_per_label(result) for name, result in results.items()}
    rows = list(labels) if labels is not None else list(scores[names[0]][0])
    data = {
        name: [per_label.get(label, 0.0) for label in rows] + [micro] for name, (per_label, micro) in scores.items()
    }
    table = pd.DataFrame(data, index=pd.Index([*rows, "micro"], name="label"))
    for name in names:
        if name != baseline:
            table[f"Δ {name}"] = table[name] - table[baseline]
    return table.round(3)


@dataclass
class TrainRun:
    """A trained pipeline on disk and what it took: path, seconds, epochs and examples."""

    path: Path
    seconds: float
    epochs: int
    n_train: int


def schedule_overrides(base: str, n_train: int, epochs: int, batch_size: int = 8, evals: int | None = None) -> dict:
    """Config overrides that make `epochs` passes end exactly on an evaluation.

    For the transformer (fixed batches of `batch_size`) the warm-up and linear decay of the
    learning rate are stretched over the steps that will really run, so a short run still
    decays to zero. spaCy evaluates at steps 0, k, 2k, ...; one extra step makes the last
    evaluation happen after the final epoch.
    base (str): "blank", "en_core_web_sm" or "transformer".
    n_train (int): number of training records.
    epochs (int): passes over the data.
    batch_size (int): records per batch (transformer only).
    evals (int | None): evaluations after step 0; None: one per epoch.
    RETURNS (dict): overrides for `course.train.train_config`.
    """
    if base != "transformer":
        return {}
    per_epoch = math.ceil(n_train / batch_size)
    total = per_epoch * epochs
    every = max(1, total // (evals or epochs))
    return {
        "training.batcher.size": batch_size,
        "training.max_epochs": epochs + 1,
        "training.max_steps": total + 1,
        "training.eval_frequency": every,
        "training.optimizer.learn_rate.total_steps": total,
        "training.optimizer.learn_rate.warmup_steps": max(1, total // 10),
    }


def train_pipeline(
    base: str,
    train: Sequence[Record],
    dev: Sequence[Record],
    output: str | Path,
    *,
    epochs: int,
    seed: int = 0,
    overrides: dict | None = None,
    evals: int | None = None,
    quiet: bool = True,
) -> TrainRun:
    """Train with `course.train.train_config` and time it.

    base, train, dev, output, epochs, seed: as in `train_config`.
    overrides (dict | None): extra config overrides, applied last.
    evals (int | None): transformer only: evaluations on dev after step 0 (None: one per epoch).
    quiet (bool): hide spaCy's training table.
    RETURNS (TrainRun): where the best model is and how long training took.
    """
    from .train import train_config

    settings = {**schedule_overrides(base, len(train), epochs, evals=evals), **(overrides or {})}
    start = time.perf_counter()
    path = train_config(base, train, dev, output, epochs=epochs, seed=seed, overrides=settings, quiet=quiet)
    return TrainRun(Path(path), time.perf_counter() - start, epochs, len(train))


def learning_rate_sweep(
    train: Sequence[Record],
    dev: Sequence[Record],
    general: Sequence[Record],
    rates: Sequence[float],
    output: str | Path,
    *,
    epochs: int,
    base: str = "en_core_web_sm",
    seed: int = 0,
    labels: Sequence[str] = LABELS,
    general_labels: Sequence[str] = GENERAL_LABELS,
    done: Mapping[float, TrainRun] | None = None,
) -> pd.DataFrame:
    """Fine-tune at several learning rates: how much is learned, and how much is forgotten.

    Every run uses the same data, epochs and seed; only `training.optimizer.learn_rate` changes.
    train, dev (Sequence[Record]): our posts; dev picks each run's best checkpoint and is scored.
    general (Sequence[Record]): sentences annotated with the old labels (`load_general_eval`).
    rates (Sequence[float]): learning rates to try, e.g. (0.0001, 0.0003, 0.001).
    output (str | Path): folder; run k is saved in output/lr_<rate>.
    epochs (int): passes over `train` for every run.
    base (str): the config to fine-tune ("en_core_web_sm").
    seed (int): training seed.
    labels, general_labels (Sequence[str]): the labels scored on dev and on `general`.
    done (Mapping[float, TrainRun] | None): runs already trained with these settings, by rate
        (reused instead of trained again).
    RETURNS (DataFrame): index learn_rate (rising); columns "our labels (dev)", "general labels
        (news)" (micro F1) and "train s".
    RAISES TrainingError: N563 if no rate is positive.
    """
    from .evaluate import evaluate
    from .train import load_model

    if not rates or any(r <= 0 for r in rates):
        raise TrainingError("N563", rates=tuple(rates))
    rows = {}
    for rate in sorted(rates):
        run = (done or {}).get(rate) or train_pipeline(
            base,
            train,
            dev,
            Path(output) / f"lr_{rate:g}",
            epochs=epochs,
            seed=seed,
            overrides={"training.optimizer.learn_rate": rate},
        )
        nlp = load_model(run.path)
        rows[rate] = {
            "our labels (dev)": evaluate(nlp, dev, labels).micro["f"],
            "general labels (news)": evaluate(nlp, general, general_labels).micro["f"],
            "train s": run.seconds,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("learn_rate")


def words_per_second(
    nlp: Language, texts: Sequence[str], *, batch_size: int = 64, repeats: int = 3, n_process: int = 1
) -> float:
    """Inference speed of `nlp.pipe`, best of a few runs (the least disturbed by other work).

    nlp (Language): the pipeline.
    texts (Sequence[str]): texts to process.
    batch_size (int): `nlp.pipe` batch size.
    repeats (int): number of timed runs.
    n_process (int): worker processes for `nlp.pipe`.
    RETURNS (float): tokens per second of the fastest run.
    RAISES TrainingError: N443 if there is no text or repeats < 1.
    """
    if not texts or repeats < 1:
        raise TrainingError("N443", n_texts=len(texts), repeats=repeats)
    best = math.inf
    n_words = 0
    for _ in range(repeats):
        start = time.perf_counter()
        n_words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process))
        best = min(best, time.perf_counter() - start)
    return n_words / best if best > 0 else float("inf")


@dataclass
class ModelEntry:
    """One model to compare: the loaded pipeline, its folder and its training time in seconds."""

    nlp: Language
    path: Path
    train_seconds: float


def compare_models(
    models: Mapping[str, ModelEntry], records: Sequence[Record], labels: Sequence[str] = LABELS, repeats: int = 3
) -> pd.DataFrame:
    """Accuracy and cost of several models on the same records.

    models (Mapping[str, ModelEntry]): name → model, folder and training time.
    records (Sequence[Record]): the evaluation records (the test split, once, at the end).
    labels (Sequence[str]): labels to score.
    repeats (int): timed inference runs per model (see `words_per_second`).
    RETURNS (DataFrame): one row per model: "micro F1", one F1 column per label,
        "train s", "size MB" and "words/s".
    RAISES TrainingError: N442 if `models` is empty.
    """
    from .evaluate import evaluate
    from .train import folder_size_mb

    if not models:
        raise TrainingError("N442", name=None, choices="none")
    texts = [rec["text"] for rec in records]
    rows = {}
    for name, entry in models.items():
        result = evaluate(entry.nlp, records, labels)
        rows[name] = {
            "micro F1": result.micro["f"],
            **{l: result.per_label[l]["f"] for l in labels},
            "train s": entry.train_seconds,
            "size MB": folder_size_mb(entry.path),
            "words/s": words_per_second(entry.nlp, texts, repeats=repeats),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")
