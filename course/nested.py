"""Nested spans: a brand inside a product, a condition inside a product phrase.

A nested record is `{"text": str, "spans": [[start, end, label], ...]}` (character offsets,
exclusive end, like `course.annotations`), except that spans may **nest**: one span may lie
inside another ("EVGA" BRAND inside "EVGA RTX 3080 FTW3" PRODUCT). Two spans may not *cross*
(share characters without one containing the other, N642), and one stretch of text has one
label (N643). Everything else (alignment, bounds, empty spans, labels, duplicates) is checked by
`course.annotations.validate`, with its codes; only its overlap codes (N103, N133) are dropped,
because overlap is the point here.

spaCy keeps such spans in `doc.spans[key]` (a `SpanGroup`, any overlap allowed); `doc.ents`
refuses them. `spancat`'s factory reads and writes `doc.spans["sc"]` by default, and its scorer
(`Scorer.score_spans` with `allow_overlap=True`) reports `spans_sc_p/r/f` and
`spans_sc_per_type`. To compare an entity recognizer on the same data, the nested spans are
cut into **layers** (`layers`): layer 0 holds the spans no other span contains, layer 1 the
spans inside one other span, and so on. Each layer is a valid `doc.ents`; one NER per layer
(`train_layers`), with their predictions pooled, is scored like spancat (`score`).
"""

from __future__ import annotations

import dataclasses
import random
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import spacy
from spacy.language import Language
from spacy.pipeline.spancat import spancat_score
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import minibatch

if TYPE_CHECKING:
    from spacy.pipeline import EntityRecognizer, SpanCategorizer
    from spacy.tokens import Span as SpacySpan

from .annotations import ValidationReport, validate as validate_records
from .errors import AnnotationError, CourseError, Problem
from .settings import data_path, seed_everything

LABELS: tuple[str, ...] = ("PRODUCT", "BRAND", "CONDITION", "PRICE")
SPANS_KEY = "sc"  # the key spancat's factory uses by default (DEFAULT_SPANS_KEY in spacy/pipeline/spancat.py)
Span = tuple[int, int, str]
Record = dict[str, Any]
_MARK = re.compile(r"\{\{|\|([A-Z]+)\}\}")


class NestedError(CourseError, ValueError):
    """Nested markup, a nesting layer or a suggester setting that cannot be used."""


def from_markup(line: str) -> Record:
    """Read one post written with nested `{{text|LABEL}}` markup.

    line (str): e.g. "[H] {{{{EVGA|BRAND}} RTX 3080|PRODUCT}} [W] {{$450|PRICE}}".
    RETURNS (Record): {"text": ..., "spans": [[start, end, label], ...]}, sorted by start, longest first.
    RAISES NestedError: N640 when a `{{` is never closed or a `|LABEL}}` closes nothing.
    """
    text, opened, spans, pos = [], [], [], 0
    length = 0
    for match in _MARK.finditer(line):
        piece = line[pos : match.start()]
        text.append(piece)
        length += len(piece)
        if match.group(0) == "{{":
            opened.append(length)
        elif not opened:
            raise NestedError("N640", what=f"'|{match.group(1)}}}}}' closes no '{{{{'", line=line[:80])
        else:
            spans.append([opened.pop(), length, match.group(1)])
        pos = match.end()
    if opened:
        raise NestedError("N640", what=f"{len(opened)} '{{{{' never closed", line=line[:80])
    text.append(line[pos:])
    return {"text": "".join(text), "spans": sorted(spans, key=lambda s: (s[0], -s[1], s[2]))}


def _shape_problem(rec: Any, at: tuple[int, int, str]) -> Problem | None:
    if isinstance(rec, dict) and isinstance(rec.get("text"), str) and isinstance(rec.get("spans"), list):
        return None
    kind = type(rec).__name__
    got = f"keys {sorted(rec)}" if isinstance(rec, dict) else f"a {kind}"
    return Problem.make("N641", at, got=got)


def _nesting_problems(rec: Record, at: tuple[int, int, str]) -> list[Problem]:
    """N642 for crossing spans, N643 for one stretch of text with two labels."""
    text, found = rec["text"], []
    spans = [tuple(s) for s in rec["spans"]]
    for i, a in enumerate(spans):
        for b in spans[i + 1 :]:
            same = (a[0], a[1]) == (b[0], b[1])
            if same and a[2] != b[2]:
                found.append(
                    Problem.make(
                        "N643", at, span=a, start=a[0], end=a[1], text=text[a[0] : a[1]], label=a[2], other=b[2]
                    )
                )
            elif a[0] < b[1] and b[0] < a[1] and not same:
                inside = (a[0] <= b[0] and b[1] <= a[1]) or (b[0] <= a[0] and a[1] <= b[1])
                if not inside:
                    first, second = sorted((a, b))
                    found.append(
                        Problem.make(
                            "N642",
                            at,
                            span=second,
                            a=text[first[0] : first[1]],
                            a_label=first[2],
                            b=text[second[0] : second[1]],
                            b_label=second[2],
                        )
                    )
    return found


def _own_hint(problem: Problem) -> Problem:
    """The same problem, its hint no longer pointing to course.annotations.fix (which reads flat records)."""
    hint = problem.hint.replace("use course.annotations.fix() or correct the offsets", "correct the offsets")
    hint = hint.replace(" (course.annotations.fix does this)", "")
    return dataclasses.replace(problem, hint=hint)


def validate(
    records: Iterable[Any], nlp: Language, labels: Iterable[str] | None = LABELS, *, source: str = "<records>"
) -> ValidationReport:
    """Check nested records: every problem, in input order.

    records (Iterable): nested records (anything else is reported, not raised).
    nlp (Language): pipeline whose tokenizer defines the token boundaries.
    labels (Iterable[str] | None): allowed labels; None accepts any.
    source (str): file name used in messages.
    RETURNS (ValidationReport): N641 for a record that is not {"text", "spans"}; the span
        checks of course.annotations (N101, N102, N104-N108, N112, N113 ...) except overlap;
        N642 crossing spans; N643 one stretch with two labels.
    """
    records = list(records)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for i, rec in enumerate(records):
        at = (i, i + 1, source)
        shape = _shape_problem(rec, at)
        if shape is not None:
            problems.append(shape)
            continue
        flat = {"text": rec["text"], "entities": rec["spans"]}
        report = validate_records([flat], nlp, labels, source=source, lines=[i + 1], first_index=i)
        kept = [_own_hint(p) for p in report.problems if p.code not in {"N103", "N133"}]
        problems.extend(kept)
        warnings.extend(_own_hint(p) for p in report.warnings)
        if not kept:
            problems.extend(_nesting_problems(rec, at))
    return ValidationReport(problems, len(records), warnings)


def load(split: str, nlp: Language | None = None, folder: Path | None = None) -> list[Record]:
    """Read and validate `data/nested/<split>.jsonl`.

    RETURNS (list[Record]): the records. RAISES AnnotationError: listing every problem.
    """
    import srsly

    path = (folder or data_path("nested")) / f"{split}.jsonl"
    records = list(srsly.read_jsonl(path))
    report = validate(records, nlp or spacy.blank("en"), source=path.name)
    if not report.ok:
        raise AnnotationError(report.problems)
    return records


def to_doc(nlp: Language, record: Record, key: str = SPANS_KEY) -> Doc:
    """The Doc of a valid nested record, its spans in `doc.spans[key]` (a SpanGroup)."""
    doc = nlp.make_doc(record["text"])
    doc.spans[key] = cast("list[SpacySpan]", [doc.char_span(s, e, label=label) for s, e, label in record["spans"]])
    return doc


def make_examples(nlp: Language, records: Sequence[Record], key: str = SPANS_KEY) -> list[Example]:
    """Nested records → Examples whose reference holds the spans in `doc.spans[key]`.

    RAISES AnnotationError: if any record is invalid (spaCy would raise on the first bad span).
    """
    report = validate(records, nlp, None)
    if not report.ok:
        raise AnnotationError(report.problems)
    return [
        Example.from_dict(nlp.make_doc(r["text"]), {"spans": {key: [tuple(s) for s in r["spans"]]}}) for r in records
    ]


def depth(record: Record) -> list[int]:
    """RETURNS (list[int]): per span, how many other spans contain it (0 = outermost)."""
    spans = record["spans"]
    return [
        sum(1 for j, (s2, e2, _) in enumerate(spans) if j != i and s2 <= s and e <= e2 and (s2, e2) != (s, e))
        for i, (s, e, _) in enumerate(spans)
    ]


def layers(record: Record, n_layers: int | None = None) -> list[Record]:
    """Cut a nested record into flat records (`entities`), one per nesting depth.

    record (Record): a valid nested record (no crossing spans).
    n_layers (int | None): how many layers to return (missing ones are empty; None: as deep as it goes).
    RETURNS (list[Record]): layer k holds the spans that k other spans contain; each is a valid
        course.annotations record, so `doc.ents` accepts it.
    RAISES NestedError: N644 if n_layers < 1, or a span lies deeper than n_layers allows.
    """
    depths = depth(record)
    deepest = max(depths, default=0) + 1
    if n_layers is not None and (n_layers < 1 or deepest > n_layers):
        raise NestedError("N644", n_layers=n_layers, deepest=deepest, text=record["text"][:60])
    count = n_layers or deepest
    return [
        {"text": record["text"], "entities": [list(s) for s, d in zip(record["spans"], depths) if d == k]}
        for k in range(count)
    ]


def span_lengths(nlp: Language, records: Sequence[Record]) -> dict[str, Counter]:
    """RETURNS (dict[str, Counter]): per label, how many spans have each length in tokens."""
    found: dict[str, Counter] = {}
    for rec in records:
        doc = to_doc(nlp, rec)
        for span in doc.spans[SPANS_KEY]:
            found.setdefault(span.label_, Counter())[len(span)] += 1
    return dict(sorted(found.items()))


def suggester_sizes(lengths: dict[str, Counter] | Counter, coverage: float = 1.0) -> list[int]:
    """The ngram sizes 1..n, with n the shortest that covers `coverage` of the spans.

    lengths: a Counter of span lengths (tokens), or one per label (`span_lengths`).
    coverage (float): share of spans the suggester must be able to propose, in (0, 1].
    RETURNS (list[int]): e.g. [1, 2, 3, 4, 5]. spancat never predicts a span it was not
        suggested, so a gold span longer than n caps recall.
    RAISES NestedError: N645 if coverage is outside (0, 1] or there are no spans.
    """
    total: Counter = Counter()
    for counts in lengths.values() if isinstance(lengths, dict) and not isinstance(lengths, Counter) else [lengths]:
        total.update(counts)
    n = sum(total.values())
    if not 0 < coverage <= 1 or n == 0:
        raise NestedError("N645", coverage=coverage, n=n)
    seen = 0
    for size in sorted(total):
        seen += total[size]
        if seen >= coverage * n - 1e-9:
            return list(range(1, size + 1))
    return list(range(1, max(total) + 1))  # pragma: no cover - the loop always reaches coverage


def spancat_pipeline(sizes: Sequence[int], labels: Iterable[str] = LABELS) -> Language:
    """RETURNS (Language): spacy.blank("en") + spancat with the ngram suggester `sizes`."""
    nlp = spacy.blank("en")
    config = {"spans_key": SPANS_KEY, "suggester": {"@misc": "spacy.ngram_suggester.v1", "sizes": list(sizes)}}
    spancat = cast("SpanCategorizer", nlp.add_pipe("spancat", config=config))
    for label in labels:
        spancat.add_label(label)
    return nlp


def ner_pipeline(labels: Iterable[str] = LABELS) -> Language:
    """RETURNS (Language): spacy.blank("en") + a new ner that knows `labels`."""
    nlp = spacy.blank("en")
    ner = cast("EntityRecognizer", nlp.add_pipe("ner"))
    for label in labels:
        ner.add_label(label)
    return nlp


@dataclass
class Trained:
    """One trained system: its pipelines (one for spancat, one per layer for NER), updates and time."""

    name: str
    pipelines: list[Language]
    updates: int = 0
    seconds: float = 0.0
    losses: list[float] = field(default_factory=list)
    layer_seconds: list[float] = field(default_factory=list)

    def predict(self, texts: Sequence[str]) -> list[Doc]:
        """RETURNS (list[Doc]): one Doc per text with every predicted span in doc.spans["sc"]."""
        docs = []
        outputs = [list(nlp.pipe(texts)) for nlp in self.pipelines]
        for per_text in zip(*outputs):
            doc = per_text[0]
            if "spancat" in self.pipelines[0].pipe_names:
                docs.append(doc)
                continue
            pooled = [(e.start_char, e.end_char, e.label_) for d in per_text for e in d.ents]
            doc.spans[SPANS_KEY] = cast("list[SpacySpan]", [doc.char_span(s, e, label=label) for s, e, label in pooled])
            docs.append(doc)
        return docs


def _update_loop(
    nlp: Language, examples: list[Example], n_iter: int, seed: int, batch_size: int
) -> tuple[int, list[float]]:
    optimizer = nlp.initialize(lambda: examples)
    rng, updates, losses = random.Random(seed), 0, []
    for _ in range(n_iter):
        rng.shuffle(examples)
        epoch: dict[str, float] = {}
        for batch in minibatch(examples, size=batch_size):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=epoch)
            updates += 1
        losses.append(float(sum(epoch.values())))
    return updates, losses


def train_spancat(
    records: Sequence[Record], sizes: Sequence[int], *, n_iter: int = 10, seed: int = 0, batch_size: int = 8
) -> Trained:
    """Train spancat on nested records (the plain update loop of notebook 03, batch size fixed).

    RETURNS (Trained): the pipeline, the number of updates, time and loss per epoch.
    """
    seed_everything(seed)
    nlp = spancat_pipeline(sizes)
    examples = make_examples(nlp, records)
    start = time.perf_counter()
    updates, losses = _update_loop(nlp, examples, n_iter, seed, batch_size)
    return Trained("spancat", [nlp], updates, time.perf_counter() - start, losses)


def train_layers(
    records: Sequence[Record], *, n_layers: int = 2, n_iter: int = 10, seed: int = 0, batch_size: int = 8
) -> Trained:
    """Train one NER per nesting layer (`layers`); n_layers=1 keeps only the outermost spans.

    Each NER sees every post, with that layer's spans as doc.ents, for the same epochs and
    batch size as spancat: the same number of updates per pipeline.
    RETURNS (Trained): name "ner (outer only)" or "ner × N layers"; updates counts one pipeline.
    """
    seed_everything(seed)
    cut = [layers(r, None) for r in records]
    pipelines: list[Language] = []
    losses: list[float] = []
    layer_seconds: list[float] = []
    updates, start = 0, time.perf_counter()
    for k in range(n_layers):
        nlp = ner_pipeline()
        flat = [c[k] if k < len(c) else {"text": r["text"], "entities": []} for c, r in zip(cut, records)]
        examples = [
            Example.from_dict(nlp.make_doc(f["text"]), {"entities": [tuple(e) for e in f["entities"]]}) for f in flat
        ]
        updates, layer_losses = _update_loop(nlp, examples, n_iter, seed + k, batch_size)
        losses = [a + b for a, b in zip(losses, layer_losses)] if losses else layer_losses
        pipelines.append(nlp)
        layer_seconds.append(time.perf_counter() - start - sum(layer_seconds))
    name = "ner (outer only)" if n_layers == 1 else f"ner × {n_layers} layers"
    return Trained(name, pipelines, updates, time.perf_counter() - start, losses, layer_seconds)


def outer_only(layered: Trained) -> Trained:
    """The outer-only NER inside a per-layer system: its layer-0 pipeline.

    train_layers trains layer 0 first, with the same seed, data and loop whatever n_layers is, so
    this is the model train_layers(n_layers=1) would give, without training it again.
    """
    seconds = layered.layer_seconds[0] if layered.layer_seconds else layered.seconds
    return Trained("ner (outer only)", layered.pipelines[:1], layered.updates, seconds, [], layered.layer_seconds[:1])


def score(predicted: Sequence[Doc], gold: Sequence[Record], labels: Iterable[str] = LABELS) -> dict[str, Any]:
    """Score predicted doc.spans["sc"] against nested gold with spancat's own scorer.

    RETURNS (dict): spaCy's keys `spans_sc_p`, `spans_sc_r`, `spans_sc_f`, `spans_sc_per_type`
        (labels with no gold and no prediction get p = r = f = 0.0 so every table has them).
    """
    nlp = spacy.blank("en")
    examples = [Example(doc, to_doc(nlp, rec)) for doc, rec in zip(predicted, gold)]
    scores = spancat_score(examples, spans_key=SPANS_KEY)
    per_type = scores.get(f"spans_{SPANS_KEY}_per_type") or {}
    scores[f"spans_{SPANS_KEY}_per_type"] = {
        label: per_type.get(label, {"p": 0.0, "r": 0.0, "f": 0.0}) for label in labels
    }
    return scores


def score_table(scores: dict[str, dict[str, Any]]) -> Any:
    """RETURNS (pandas.DataFrame): one row per system and label (plus ALL), columns p, r, f."""
    import pandas as pd

    rows = []
    for system, s in scores.items():
        for label, prf in s[f"spans_{SPANS_KEY}_per_type"].items():
            rows.append({"system": system, "label": label, **{k: prf[k] for k in ("p", "r", "f")}})
        rows.append(
            {"system": system, "label": "ALL", "p": s["spans_sc_p"], "r": s["spans_sc_r"], "f": s["spans_sc_f"]}
        )
    return pd.DataFrame(rows).set_index(["system", "label"]).round(3)


SYSTEMS: tuple[str, ...] = ("spancat", "ner (outer only)", "ner × 2 layers")


def train_system(system: str, records: Sequence[Record], sizes: Sequence[int], *, n_iter: int, seed: int) -> Trained:
    """Train one of SYSTEMS with the same epochs, batch size and seed (so the same number of updates).

    RAISES NestedError: N646 for a system name not in SYSTEMS.
    """
    if system == "spancat":
        return train_spancat(records, sizes, n_iter=n_iter, seed=seed)
    if system in SYSTEMS:
        return train_layers(records, n_layers=1 if system == "ner (outer only)" else 2, n_iter=n_iter, seed=seed)
    raise NestedError("N646", system=system, choices=", ".join(SYSTEMS))


def compare(
    train: Sequence[Record],
    evaluate_on: Mapping[str, Sequence[Record]],
    *,
    sizes: Sequence[int],
    seeds: Sequence[int] = (0,),
    n_iter: int = 10,
    systems: Sequence[str] = SYSTEMS,
) -> list[dict[str, Any]]:
    """Train every system once per seed and score it on each evaluation set.

    The outer-only NER is the per-layer system's layer 0 when both are asked for (`outer_only`).

    evaluate_on (dict): name → records, e.g. {"dev": dev} (add "test" once, at the very end).
    RETURNS (list[dict]): one row per system, seed, set and label (plus "ALL"): p, r, f,
        updates (per pipeline) and training seconds.
    """
    rows = []
    for seed in seeds:
        shared: dict[str, Trained] = {}
        for system in systems:
            if system == "ner (outer only)" and "ner × 2 layers" in systems:
                shared.setdefault(
                    "ner × 2 layers", train_system("ner × 2 layers", train, sizes, n_iter=n_iter, seed=seed)
                )
                trained = outer_only(shared["ner × 2 layers"])
            elif system in shared:
                trained = shared[system]
            else:
                trained = train_system(system, train, sizes, n_iter=n_iter, seed=seed)
            for name, records in evaluate_on.items():
                scores = score(trained.predict([r["text"] for r in records]), records)
                per_label = {
                    **scores[f"spans_{SPANS_KEY}_per_type"],
                    "ALL": {k: scores[f"spans_{SPANS_KEY}_{k}"] for k in ("p", "r", "f")},
                }
                for label, prf in per_label.items():
                    rows.append(
                        {
                            "system": system,
                            "seed": seed,
                            "set": name,
                            "label": label,
                            **{k: float(prf[k] or 0.0) for k in ("p", "r", "f")},
                            "updates": trained.updates,
                            "seconds": round(trained.seconds, 1),
                        }
                    )
    return rows


def summary(rows: Sequence[dict[str, Any]], on: str = "dev") -> Any:
    """RETURNS (pandas.DataFrame): per system and label, mean p/r/f over seeds and the sd of f."""
    import pandas as pd

    frame = pd.DataFrame([r for r in rows if r["set"] == on])
    grouped = frame.groupby(["system", "label"], sort=False)
    table = grouped[["p", "r", "f"]].mean()
    table["f_sd"] = grouped["f"].std(ddof=0) if frame["seed"].nunique() > 1 else float("nan")
    table["seeds"] = grouped["seed"].nunique()
    return table.round(3)


STORED = Path(__file__).resolve().parents[1] / "bench" / "spancat_vs_ner.json"


def load_stored(path: Path | None = None) -> dict[str, Any]:
    """Read the comparison `bench/spancat_vs_ner.py --test --json` stored (several seeds).

    RETURNS (dict): sizes, n_iter, seeds and rows (as `compare` returns them).
    RAISES NestedError: N647 if the file is missing.
    """
    import json

    path = path or STORED
    if not path.exists():
        raise NestedError("N647", path=path)
    return json.loads(path.read_text(encoding="utf-8"))
