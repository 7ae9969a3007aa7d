"""Small data: nested training subsets, learning curves and data augmentation on records.

Augmentation makes new training posts from the ones you have, and every new post must
be annotated as carefully as the originals:

* `swap_entities` / `swap_augment` replace entities with other strings of the same
  label from a gazetteer built from the training posts, and recompute every offset.
* `apply_augmenter` runs any spaCy augmenter (`spacy.training.augment`, e.g.
  `create_lower_casing_augmenter` or `create_orth_variants_augmenter`) over records;
  `lowercase_augment` and `lowercase` are the two uses the course needs.

Augmented records are validated like hand-made ones (`course.annotations.validate`);
a replacement that would not align with the tokens is not made (the original entity
is kept and counted), so nothing is dropped silently.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
import spacy
from spacy.language import Language
from spacy.training import Example

from .annotations import Record, from_doc, to_docs, validate
from .errors import TrainingError
from .settings import LABELS

Gazetteer = dict[str, list[str]]
Augmenter = Callable[[Language, Example], Iterator[Example]]


def label_counts(records: Iterable[Record], labels: Iterable[str] = LABELS) -> dict[str, int]:
    """RETURNS (dict[str, int]): number of entity mentions per label, in the order of `labels`."""
    counts = Counter(label for rec in records for _, _, label in rec["entities"])
    return {label: counts.get(label, 0) for label in labels}


def nested_subsets(records: Sequence[Record], sizes: Sequence[int], seed: int = 0) -> dict[int, list[Record]]:
    """Training subsets of growing size, each one containing the smaller ones.

    records (Sequence[Record]): the full training set.
    sizes (Sequence[int]): subset sizes, each between 1 and len(records).
    seed (int): seed of the one shuffle all subsets are cut from.
    RETURNS (dict[int, list[Record]]): size → the first `size` records of the shuffle.
    RAISES TrainingError: N430 for a size outside 1..len(records).
    """
    for size in sizes:
        if not 1 <= size <= len(records):
            raise TrainingError("N430", size=size, n=len(records))
    order = list(records)
    random.Random(seed).shuffle(order)
    return {size: order[:size] for size in sizes}


@dataclass
class LearningCurve:
    """Scores of models trained on growing subsets, and the models themselves.

    scores (DataFrame): one row per size (index "posts"): strict F1 per label, "micro", "seconds".
    models (dict[int, Language]): size → the model trained on that many posts.
    """

    scores: pd.DataFrame
    models: dict[int, Language]


def learning_curve(
    train: Sequence[Record],
    dev: Sequence[Record],
    sizes: Sequence[int],
    *,
    n_iter: int = 10,
    labels: Sequence[str] = LABELS,
    seed: int = 0,
) -> LearningCurve:
    """Train a blank CNN model on growing subsets and score each on the same dev set.

    The same number of epochs for every size means far fewer updates for the small sizes, so
    this curve mixes "less data" with "less training". Notebook 06 uses the fair version,
    `course.experiments.learning_curve_runs` (same updates for every size, several seeds).

    train, dev (Sequence[Record]): training records (subsets are cut from them) and dev records.
    sizes (Sequence[int]): number of training posts per point, e.g. (25, 50, 100, 200, 480).
    n_iter (int): epochs per training run (the same for every size).
    labels (Sequence[str]): labels to score.
    seed (int): seed for the subsets and the training runs.
    RETURNS (LearningCurve): the scores table and the trained models.
    RAISES TrainingError: N430 for a size outside 1..len(train).
    """
    from .evaluate import evaluate
    from .train import train_blank

    rows, models = {}, {}
    for size, subset in nested_subsets(train, sizes, seed).items():
        result = train_blank(subset, labels=labels, n_iter=n_iter, seed=seed, progress=False)
        scores = evaluate(result.nlp, dev, labels)
        rows[size] = {
            **{l: scores.per_label[l]["f"] for l in labels},
            "micro": scores.micro["f"],
            "seconds": result.seconds,
        }
        models[size] = result.nlp
    return LearningCurve(pd.DataFrame.from_dict(rows, orient="index").rename_axis("posts"), models)


def build_gazetteer(records: Iterable[Record], labels: Iterable[str] = LABELS) -> Gazetteer:
    """Every distinct entity string per label, as annotated in `records`.

    records (Iterable[Record]): annotated records (usually the training split only, so that
        no dev or test entity leaks into training).
    labels (Iterable[str]): labels to collect.
    RETURNS (Gazetteer): label → sorted list of distinct surface strings.
    """
    wanted = list(labels)
    found: dict[str, set[str]] = {label: set() for label in wanted}
    for rec in records:
        for start, end, label in rec["entities"]:
            if label in found:
                found[label].add(rec["text"][start:end])
    return {label: sorted(found[label]) for label in wanted}


@dataclass
class SwapResult:
    """One augmented record and what happened to its entities.

    record (Record): the new record (text and recomputed offsets).
    swapped (int): entities replaced by another string.
    kept (int): entities that kept their text because no replacement aligned with the tokens.
    """

    record: Record
    swapped: int
    kept: int


def _render(text: str, ents: Sequence[Sequence], surfaces: Sequence[str]) -> Record:
    """Rebuild `text` with each entity replaced by its surface; RETURNS the record with new offsets."""
    pieces, entities, cursor, offset = [], [], 0, 0
    for (start, end, label), surface in zip(ents, surfaces):
        pieces.append(text[cursor:start])
        offset += start - cursor
        entities.append([offset, offset + len(surface), label])
        pieces.append(surface)
        offset += len(surface)
        cursor = end
    pieces.append(text[cursor:])
    return {"text": "".join(pieces), "entities": entities}


def swap_entities(
    record: Record,
    gazetteer: Gazetteer,
    rng: random.Random,
    *,
    labels: Iterable[str] = ("PRODUCT",),
    prob: float = 1.0,
    nlp: Language | None = None,
) -> SwapResult:
    """Replace entities with other strings of the same label and recompute all offsets.

    record (Record): a valid record.
    gazetteer (Gazetteer): label → candidate strings (see `build_gazetteer`).
    rng (random.Random): the random source (pass a seeded one for reproducible data).
    labels (Iterable[str]): labels whose entities may be replaced.
    prob (float): chance that each such entity is replaced.
    nlp (Language | None): tokenizer for the alignment check; None: spacy.blank("en").
    RETURNS (SwapResult): the new record, how many entities were swapped and how many kept.
    RAISES TrainingError: N431 if `prob` is not between 0 and 1.
    """
    if not 0.0 <= prob <= 1.0:
        raise TrainingError("N431", name="prob", value=prob)
    nlp = nlp or spacy.blank("en")
    wanted = set(labels)
    ents = sorted(tuple(e) for e in record["entities"])
    text = record["text"]
    surfaces = [text[s:e] for s, e, _ in ents]
    for k, (_, _, label) in enumerate(ents):
        options = [c for c in gazetteer.get(label, []) if c != surfaces[k]]
        if label in wanted and options and rng.random() < prob:
            surfaces[k] = rng.choice(options)
    original = [text[s:e] for s, e, _ in ents]
    kept = 0
    while True:  # undo replacements that do not align; the original record always does
        new = _render(text, ents, surfaces)
        doc = nlp.make_doc(new["text"])
        bad = [k for k, (s, e, _) in enumerate(new["entities"]) if doc.char_span(s, e) is None]
        if not bad:
            break
        undo = [k for k in bad if surfaces[k] != original[k]]
        undo = undo or [k for k in range(len(ents)) if surfaces[k] != original[k]]  # a neighbour broke it
        for k in undo:
            surfaces[k] = original[k]
        kept += len(undo)
    swapped = sum(a != b for a, b in zip(surfaces, original))
    return SwapResult(new, swapped, kept)


def swap_augment(
    records: Sequence[Record],
    gazetteer: Gazetteer,
    *,
    labels: Iterable[str] = ("PRODUCT",),
    n_copies: int = 1,
    prob: float = 1.0,
    seed: int = 0,
    nlp: Language | None = None,
) -> list[Record]:
    """New records made by entity swapping: `n_copies` per record that has a swappable entity.

    records (Sequence[Record]): valid training records.
    gazetteer (Gazetteer): label → candidate strings.
    labels (Iterable[str]): labels to swap.
    n_copies (int): augmented copies per record.
    prob (float): chance that each entity with a label in `labels` is swapped.
    seed (int): seed for the choices.
    nlp (Language | None): tokenizer for alignment checks; None: spacy.blank("en").
    RETURNS (list[Record]): only the new records (add them to the originals yourself);
        each has "augmented": "swap". Copies in which nothing changed are left out.
    RAISES TrainingError: N431 for a bad n_copies or prob; AnnotationError if an input record is invalid.
    """
    if n_copies < 0:
        raise TrainingError("N431", name="n_copies", value=n_copies)
    nlp = nlp or spacy.blank("en")
    labels = list(labels)
    to_docs(nlp, records)  # refuse invalid input with every problem listed
    rng, out = random.Random(seed), []
    for rec in records:
        for _ in range(n_copies):
            result = swap_entities(rec, gazetteer, rng, labels=labels, prob=prob, nlp=nlp)
            if result.swapped:
                out.append({**result.record, "augmented": "swap"})
    report = validate(out, nlp)
    # cannot happen unless the gazetteer holds strings with bad edges; in a *generated* record an
    # edge-punctuation warning (N113) is the gazetteer's fault, not a judgement call, so it refuses too
    bad = report.problems + [w for w in report.warnings if w.code == "N113"]
    if bad:
        raise TrainingError("N432", first=bad[0].format())
    return out


def apply_augmenter(
    records: Sequence[Record],
    augmenter: Augmenter,
    nlp: Language | None = None,
    *,
    seed: int = 0,
    tag: str = "spacy",
    skipped: list[Record] | None = None,
) -> list[Record]:
    """Run a spaCy augmenter over records and collect every record it yields.

    records (Sequence[Record]): valid records.
    augmenter (Callable): from `spacy.training.augment`, e.g. `create_lower_casing_augmenter(0.5)`;
        it receives an Example per record and yields Examples.
    nlp (Language | None): the pipeline whose tokenizer builds the Examples; None: spacy.blank("en").
    seed (int): seeds Python's `random`, which spaCy's augmenters draw from.
    tag (str): value of the "augmented" key on records the augmenter changed.
    skipped (list | None): if given, collects the changed records left out because a span no
        longer aligns with the tokens of their new text. spaCy's augmenters keep the original
        tokens, but the tokenizer's exceptions depend on case: `Denver, CO.` is `CO` + `.`, while
        `denver, co.` has the exception `co.`, so the span `denver, co` cuts a token.
    RETURNS (list[Record]): what the augmenter yielded, unchanged records included, without the
        changed records whose spans would not align.
    RAISES AnnotationError: if an input record is invalid.
    """
    nlp = nlp or spacy.blank("en")
    state = random.getstate()
    random.seed(seed)
    try:
        out = []
        for doc in to_docs(nlp, records):
            for example in augmenter(nlp, Example(nlp.make_doc(doc.text), doc)):
                new = from_doc(example.reference)
                if new["text"] == doc.text:
                    out.append(new)
                elif _aligns(nlp, new):
                    out.append({**new, "augmented": tag})
                elif skipped is not None:
                    skipped.append(new)
    finally:
        random.setstate(state)
    return out


def _aligns(nlp: Language, record: Record) -> bool:
    """RETURNS (bool): every span of `record` starts and ends on a token of `nlp`'s tokenizer."""
    doc = nlp.make_doc(record["text"])
    return all(doc.char_span(start, end) is not None for start, end, _ in record["entities"])


def lowercase_augment(
    records: Sequence[Record],
    fraction: float = 0.5,
    *,
    seed: int = 0,
    nlp: Language | None = None,
    skipped: list[Record] | None = None,
) -> list[Record]:
    """Lower-cased copies of a random share of the records, by spaCy's lower-casing augmenter.

    records (Sequence[Record]): valid records.
    fraction (float): share of the records to copy in lower case.
    seed (int): seed for which records are picked.
    skipped (list | None): collects picked records whose lower-cased copy would not align (see
        `apply_augmenter`); they get no copy.
    RETURNS (list[Record]): only the new lower-cased records ("augmented": "lower").
    RAISES TrainingError: N431 if fraction is not between 0 and 1.
    """
    from spacy.training.augment import create_lower_casing_augmenter

    if not 0.0 <= fraction <= 1.0:
        raise TrainingError("N431", name="fraction", value=fraction)
    picked = random.Random(seed).sample(list(records), round(fraction * len(records)))
    lower = create_lower_casing_augmenter(level=1.0)
    copies = apply_augmenter(picked, lower, nlp, seed=seed, tag="lower", skipped=skipped)
    return [rec for rec in copies if rec.get("augmented")]


def lowercase(
    records: Sequence[Record], nlp: Language | None = None, *, skipped: list[Record] | None = None
) -> list[Record]:
    """Every record in lower case, offsets kept (e.g. a lower-cased dev set).

    skipped (list | None): collects the records left out because their lower-cased spans would
        not align (see `apply_augmenter`).
    RETURNS (list[Record]): the lower-cased records.
    """
    from spacy.training.augment import create_lower_casing_augmenter

    lower = create_lower_casing_augmenter(level=1.0)
    return [
        {k: v for k, v in rec.items() if k != "augmented"}
        for rec in apply_augmenter(records, lower, nlp, tag="lower", skipped=skipped)
    ]
