"""Fair training comparisons: the same number of updates for every run, several seeds, the spread.

Two runs can only be compared if they differ in the one thing under study. Training for
a fixed number of *epochs* does not do that: an epoch over 25 posts is a handful of
updates, an epoch over a training set doubled by augmentation twice as many as over the
original. So every run here makes exactly `n_updates` updates of `batch_size` examples,
cycling through its training posts in a new shuffled order each pass (a small set is
simply seen more often), and every comparison is repeated over several seeds.

* `train_updates` trains one blank `ner` for a fixed number of updates.
* `learning_curve_runs` trains one model per (size, seed) on nested subsets and scores
  it on dev, optionally also with extra components added (e.g. an EntityRuler).
* `training_set_runs` trains one model per (training set, seed) and scores it on several
  evaluation sets (e.g. dev and lower-cased dev).
* `style_shift_variants` and `style_shift_runs` measure the style shift: a model trained
  only on template-generated posts against one trained on as many hand-written posts, and
  all hand-written training posts with and without the generated ones, all scored on
  hand-written sets (issue 19.2; the measurement that moved the generated posts out of
  train into data/hardware_posts/generated.jsonl).
* `spread` turns the long table of runs into mean, min and max per group.

The seed fixes the weight initialisation, dropout, the order of the examples and (in
`learning_curve_runs`) which posts the subsets are cut from, so the spread over seeds
covers both the luck of the sample and the luck of training.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, cast

import pandas as pd
import spacy
from spacy.language import Language

from .annotations import Record
from .errors import TrainingError
from .settings import LABELS, seed_everything

if TYPE_CHECKING:
    from spacy.pipeline import EntityRecognizer
    from spacy.training import Example

AddOn = Callable[[Language], Language]  # trained model -> pipeline to score (e.g. with a ruler)


def train_updates(
    records: Sequence[Record],
    *,
    n_updates: int,
    batch_size: int = 8,
    dropout: float = 0.2,
    seed: int = 0,
    labels: Sequence[str] = LABELS,
) -> Language:
    """Train a blank `ner` for exactly `n_updates` updates of `batch_size` examples.

    records (Sequence[Record]): valid training records.
    n_updates (int): number of `nlp.update` calls, at least 1.
    batch_size (int): examples per update, at least 1; a pass over the records ends in
        the next shuffled pass, so every batch is full.
    dropout (float): dropout rate.
    seed (int): seed for the weights, dropout and the order of the examples.
    labels (Sequence[str]): entity labels; other labels are refused (N107).
    RETURNS (Language): the trained pipeline.
    RAISES TrainingError: N408 for n_updates or batch_size < 1, N403 without records.
    """
    from .train import make_examples

    for what, value in (("n_updates", n_updates), ("batch_size", batch_size)):
        if value < 1:
            raise TrainingError("N408", what=what, value=value)
    if not records:
        raise TrainingError("N403", path="the training records")
    seed_everything(seed)
    nlp = spacy.blank("en")
    ner = cast("EntityRecognizer", nlp.add_pipe("ner"))
    for label in labels:
        ner.add_label(label)
    examples = make_examples(nlp, records, labels)
    optimizer = nlp.initialize(lambda: examples)
    queue: list[Example]
    rng, queue = random.Random(seed), []
    for _ in range(n_updates):
        batch: list[Example] = []
        while len(batch) < batch_size:
            if not queue:
                queue = list(examples)
                rng.shuffle(queue)
            batch.append(queue.pop())
        nlp.update(batch, drop=dropout, sgd=optimizer)
    return nlp


def _scores(nlp: Language, dev: Sequence[Record], labels: Sequence[str]) -> dict[str, float]:
    from .evaluate import evaluate

    result = evaluate(nlp, dev, labels)
    return {**{label: result.per_label[label]["f"] for label in labels}, "micro": result.micro["f"]}


def learning_curve_runs(
    train: Sequence[Record],
    dev: Sequence[Record],
    sizes: Sequence[int],
    seeds: Sequence[int],
    *,
    n_updates: int,
    batch_size: int = 8,
    labels: Sequence[str] = LABELS,
    add_ons: Mapping[str, AddOn] | None = None,
    keep: int | None = None,
) -> tuple[pd.DataFrame, dict[int, Language]]:
    """Learning curve with the same number of updates for every size, repeated over seeds.

    train, dev (Sequence[Record]): subsets are cut from `train`; every model is scored on `dev`.
    sizes (Sequence[int]): training posts per point.
    seeds (Sequence[int]): one run per seed and size; seed s cuts its own nested subsets.
    n_updates (int): updates per run, the same for every size.
    batch_size (int): examples per update.
    labels (Sequence[str]): labels to train and score.
    add_ons (Mapping[str, AddOn] | None): name → function turning the trained model into
        another pipeline to score as well (e.g. with a ruler); the plain model is "model".
    keep (int | None): keep the models trained with this seed (None: the first seed).
    RETURNS (tuple): a long DataFrame (columns posts, seed, pipeline, the labels, micro;
        one row per run and pipeline) and size → model trained with seed `keep`.
    RAISES TrainingError: N430 for a size outside 1..len(train), N408 as in train_updates.
    """
    from .augment import nested_subsets

    keep = seeds[0] if keep is None else keep
    rows, models = [], {}
    for seed in seeds:
        for size, subset in nested_subsets(train, sizes, seed).items():
            nlp = train_updates(subset, n_updates=n_updates, batch_size=batch_size, seed=seed, labels=labels)
            rows.append({"posts": size, "seed": seed, "pipeline": "model", **_scores(nlp, dev, labels)})
            for name, make in (add_ons or {}).items():  # after scoring the model, in case `make` changes it
                rows.append({"posts": size, "seed": seed, "pipeline": name, **_scores(make(nlp), dev, labels)})
            if seed == keep:
                models[size] = nlp
    return pd.DataFrame(rows), models


def training_set_runs(
    variants: Mapping[str, Sequence[Record]],
    evals: Mapping[str, Sequence[Record]],
    seeds: Sequence[int],
    *,
    n_updates: int,
    batch_size: int = 8,
    labels: Sequence[str] = LABELS,
    per_label: Sequence[str] = (),
) -> pd.DataFrame:
    """Train one model per training set and seed, all with the same number of updates.

    variants (Mapping[str, Sequence[Record]]): name → training records (e.g. original, + swapped).
    evals (Mapping[str, Sequence[Record]]): name → evaluation records (e.g. dev, lower-cased dev).
    seeds (Sequence[int]): one run per seed and variant.
    n_updates, batch_size (int): as in `train_updates`, the same for every variant.
    labels (Sequence[str]): labels to train and score.
    per_label (Sequence[str]): labels whose F1 is reported too, as columns "<eval> <label>".
    RETURNS (DataFrame): one row per run: variant, seed, posts, then micro F1 per evaluation set
        (and the F1 of each label in `per_label`).
    """
    from .evaluate import evaluate

    rows = []
    for name, records in variants.items():
        for seed in seeds:
            nlp = train_updates(records, n_updates=n_updates, batch_size=batch_size, seed=seed, labels=labels)
            row: dict = {"variant": name, "seed": seed, "posts": len(records)}
            for e, recs in evals.items():
                result = evaluate(nlp, recs, labels)
                row[e] = result.micro["f"]
                row.update({f"{e} {label}": result.per_label[label]["f"] for label in per_label})
            rows.append(row)
    return pd.DataFrame(rows)


def spread(runs: pd.DataFrame, by: str | Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """Mean, min and max over seeds of some score columns, per group.

    runs (DataFrame): a table of runs, e.g. from `learning_curve_runs`.
    by (str | Sequence[str]): the grouping column(s), e.g. "posts"; groups keep their first-seen order.
    columns (Sequence[str]): score columns to summarise.
    RETURNS (DataFrame): one row per group; columns (score, "mean" | "min" | "max"), 3 decimals.
    """
    grouped = runs.groupby(by, sort=False)[list(columns)]
    return grouped.agg(["mean", "min", "max"]).round(3)


# --- the style shift (issue 19.2) ----------------------------------------------------------
GENERATED_ONLY, HAND_ONLY = "generated only", "hand-written only"
ALL_HAND, ALL_POSTS = "all hand-written", "hand-written + generated"


def style_shift_variants(
    train: Sequence[Record], origins: Sequence[str], size: int, seed: int, *, whole: bool = True
) -> dict[str, list[Record]]:
    """Training sets that differ only in where their posts come from.

    train (Sequence[Record]): hand-written and generated posts together, e.g. the training
        split plus `course.provenance.generated_records()`.
    origins (Sequence[str]): "hand" or "generated" for each record of `train`, e.g.
        `course.provenance.origins(train)`.
    size (int): posts in each of the two same-size sets.
    seed (int): seed of the random sample of `size` posts of each kind.
    whole (bool): also return every hand-written post, and every post (hand-written +
        generated): the choice between keeping and dropping the generated posts.
    RETURNS (dict[str, list[Record]]): variant name → records: "generated only" and
        "hand-written only" (`size` posts each), then (if `whole`) "all hand-written" and
        "hand-written + generated".
    RAISES TrainingError: N571 if `origins` does not match `train`, N570 if `size` is not
        between 1 and the number of posts of the rarer kind.
    """
    if len(origins) != len(train) or not set(origins) <= {"hand", "generated"}:
        raise TrainingError("N571", n_origins=len(origins), n=len(train), found=sorted(set(origins))[:4])
    hand = [r for r, o in zip(train, origins) if o == "hand"]
    generated = [r for r, o in zip(train, origins) if o == "generated"]
    limit = min(len(hand), len(generated))
    if not 1 <= size <= limit:
        raise TrainingError("N570", size=size, hand=len(hand), generated=len(generated), limit=limit)
    rng = random.Random(seed)
    variants = {GENERATED_ONLY: rng.sample(generated, size), HAND_ONLY: rng.sample(hand, size)}
    if whole:
        variants.update({ALL_HAND: hand, ALL_POSTS: list(train)})
    return variants


def style_shift_runs(
    train: Sequence[Record],
    origins: Sequence[str],
    evals: Mapping[str, Sequence[Record]],
    seeds: Sequence[int],
    *,
    size: int,
    n_updates: int,
    batch_size: int = 8,
    whole: bool = True,
    labels: Sequence[str] = LABELS,
) -> pd.DataFrame:
    """Score generated-only against hand-written-only training, same size, same updates, several seeds.

    train, origins, size, whole: as in `style_shift_variants`; each seed draws its own samples.
    evals (Mapping[str, Sequence[Record]]): name → hand-written evaluation records (e.g. dev
        and test_shift; never the test split, which is looked at once, in notebook 07).
    seeds (Sequence[int]): one run per seed and variant (at least 3 for a spread worth reading).
    n_updates, batch_size (int): as in `train_updates`, the same for every variant.
    labels (Sequence[str]): labels to train and score.
    RETURNS (DataFrame): one row per run: variant, seed, posts, then micro F1 per evaluation set.
    RAISES TrainingError: N570, N571 as in `style_shift_variants`.
    """
    tables = [
        training_set_runs(
            style_shift_variants(train, origins, size, seed, whole=whole),
            evals,
            [seed],
            n_updates=n_updates,
            batch_size=batch_size,
            labels=labels,
        )
        for seed in seeds
    ]
    runs = pd.concat(tables, ignore_index=True)
    order = runs["variant"].map({name: i for i, name in enumerate((GENERATED_ONLY, HAND_ONLY, ALL_HAND, ALL_POSTS))})
    return (
        runs.assign(_order=order)
        .sort_values(["_order", "seed"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
