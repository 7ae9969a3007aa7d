"""Evaluate an NER pipeline: strict and partial scores, a confusion table and every error.

Conventions (the notebooks explain them, tests/test_evaluate.py pins them down):

* Strict scores come from spaCy's own scorer (`spacy.scorer.get_ner_prf` on
  `Example`s): a prediction is right only with the same start, end and label.
  `support` is the number of gold entities with that label.
* Nothing to count gives 0.0, never None or NaN: precision without predictions,
  recall without gold entities, and so the micro F1 of an empty gold set with no
  predictions is 0.0 — as spaCy's `PRFScore` and seqeval (zero_division=0) say.
* `per_label` has one entry per label in `labels` when given (0.0 and support 0 for
  a label nobody used); with labels=None, one per label that occurs in the gold data
  or the predictions, course labels first, in course order.
* `labels` also restricts the evaluation: gold and predicted entities outside it are
  not scored (`gold_docs`/`pred_docs` hold only the scored ones), so a rule set for
  three labels can be scored on fully annotated posts, and a pretrained pipeline's
  extra labels are not "spurious".
* Partial scores: a prediction is a hit if it has the same label as a gold entity it
  overlaps that no other prediction has taken (one-to-one; exact matches pair first).
* Confusion and error tables pair each gold entity with at most one prediction and
  vice versa, of any label: exact boundaries first, then the largest overlap in characters
  (ties: same label first, then leftmost). Rows are gold labels, columns predicted
  labels; a gold entity without a partner counts in column "(missed)", a prediction
  without one in row "(none)". So a gold row sums to the label's support, and a
  predicted column (all but "(missed)") to the number of predictions with that label.
  The diagonal counts pairs with the right label, including wrong boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import Example

from .annotations import to_docs
from .errors import TrainingError
from .settings import LABELS

MISSED, NONE = "(missed)", "(none)"
ERROR_TYPES = ("missed", "spurious", "wrong label", "wrong boundary", "wrong label and boundary")
ERROR_COLUMNS = ["doc", "snippet", "gold_text", "gold_label", "pred_text", "pred_label", "error"]
_METRICS = {"p": "p", "precision": "p", "r": "r", "recall": "r", "f": "f", "f1": "f"}
Ent = tuple[int, int, str]  # start char, end char (exclusive), label


@dataclass
class EvalResult:
    """Scores and tables for one pipeline on one set of annotated records.

    micro (dict): strict micro-averaged {"p", "r", "f"}.
    per_label (dict): LABEL → {"p", "r", "f", "support"}, in course order.
    partial (dict): overlap-based micro {"p", "r", "f"}.
    seqeval_f1 (float): strict IOB2 F1 from seqeval, a cross-check of micro["f"].
    n_docs (int): number of evaluated documents.
    confusion (DataFrame): gold label × predicted label counts (see module docs).
    errors (DataFrame): one row per error, columns ERROR_COLUMNS.
    gold_docs, pred_docs (list[Doc]): the annotated and the predicted docs.
    """

    micro: dict[str, float]
    per_label: dict[str, dict[str, float]]
    partial: dict[str, float]
    seqeval_f1: float
    n_docs: int
    confusion: pd.DataFrame = field(repr=False)
    errors: pd.DataFrame = field(repr=False)
    gold_docs: list[Doc] = field(repr=False)
    pred_docs: list[Doc] = field(repr=False)

    def table(self) -> pd.DataFrame:
        """RETURNS (DataFrame): precision, recall, f1, support per label and "micro", 3 decimals."""
        rows = {
            **self.per_label,
            "micro": {**self.micro, "support": sum(s["support"] for s in self.per_label.values())},
        }
        frame = pd.DataFrame(
            {
                "precision": [s["p"] for s in rows.values()],
                "recall": [s["r"] for s in rows.values()],
                "f1": [s["f"] for s in rows.values()],
                "support": [int(s["support"]) for s in rows.values()],
            },
            index=pd.Index(list(rows), name="label"),
        )
        return frame.round({"precision": 3, "recall": 3, "f1": 3})

    def to_json(self) -> dict[str, Any]:
        """RETURNS (dict): {"micro", "per_label", "partial", "n_docs"}, floats rounded to 4 decimals."""

        def prf(scores: Mapping[str, float]) -> dict[str, float]:
            return {k: round(float(scores[k]), 4) for k in ("p", "r", "f")}

        return {
            "micro": prf(self.micro),
            "per_label": {label: {**prf(s), "support": int(s["support"])} for label, s in self.per_label.items()},
            "partial": prf(self.partial),
            "n_docs": self.n_docs,
        }

    def _repr_html_(self) -> str:
        head = (
            f"<p>{self.n_docs} doc(s) — strict micro F1 <b>{self.micro['f']:.3f}</b>, "
            f"partial (overlap) F1 {self.partial['f']:.3f}, seqeval F1 {self.seqeval_f1:.3f}, "
            f"{len(self.errors)} error(s)</p>"
        )
        return head + self.table().to_html()


def _ents(doc: Doc) -> list[Ent]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def match(gold: Sequence[Ent], pred: Sequence[Ent], same_label: bool = False) -> list[tuple[int, int]]:
    """Pair gold and predicted entities one-to-one by overlap.

    gold (Sequence[Ent]): (start, end, label) of the gold entities, character
        offsets; pred likewise.
    same_label (bool): only pair entities with the same label (partial scoring).
    RETURNS (list[tuple[int, int]]): (gold index, pred index) pairs: exact boundaries
        first, then the largest overlap; ties prefer the same label, then the leftmost.
    """
    candidates = []
    for i, (gs, ge, gl) in enumerate(gold):
        for j, (ps, pe, pl) in enumerate(pred):
            overlap = min(ge, pe) - max(gs, ps)
            if overlap > 0 and (gl == pl or not same_label):
                candidates.append(((gs, ge) != (ps, pe), gl != pl, -overlap, i, j))
    used_gold, used_pred, pairs = set(), set(), []
    for *_, i, j in sorted(candidates):
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}


def _course_order(seen: set[str]) -> list[str]:
    """RETURNS (list[str]): course labels in course order, then any others alphabetically."""
    return [label for label in LABELS if label in seen] + sorted(seen - set(LABELS))


def _restrict(doc: Doc, labels: set[str]) -> Doc:
    """A copy of `doc` whose entities are only those with a label in `labels`."""
    if all(e.label_ in labels for e in doc.ents):
        return doc
    copy = doc.copy()
    copy.ents = [Span(copy, e.start, e.end, label=e.label_) for e in doc.ents if e.label_ in labels]
    return copy


def _iob2(doc: Doc) -> list[str]:
    return [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else "O" for t in doc]


def _pred_tags(gold: Doc, pred: Doc) -> list[str]:
    """IOB2 tags of `pred`'s entities on `gold`'s tokens (they differ only if a component retokenized)."""
    if [t.idx for t in gold] == [t.idx for t in pred]:
        return _iob2(pred)
    tags = ["O"] * len(gold)
    for ent in pred.ents:  # expand to gold tokens, as spaCy's scorer does through the alignment
        span = gold.char_span(ent.start_char, ent.end_char, alignment_mode="expand")
        if span is not None and all(tag == "O" for tag in tags[span.start : span.end]):
            tags[span.start : span.end] = [f"B-{ent.label_}"] + [f"I-{ent.label_}"] * (len(span) - 1)
    return tags


def _seqeval_f1(gold: Sequence[Doc], pred: Sequence[Doc]) -> float:
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    if not gold:
        return 0.0
    return float(
        f1_score(
            [_iob2(g) for g in gold],
            [_pred_tags(g, p) for g, p in zip(gold, pred)],
            mode="strict",
            scheme=IOB2,
            zero_division=0,
        )
    )


def _snippet(text: str, start: int, end: int, context: int = 30) -> str:
    """Characters [start, end) of `text` with `context` characters either side, on one line."""
    left, right = max(0, start - context), min(len(text), end + context)
    return ("…" if left else "") + text[left:right].replace("\n", " ") + ("…" if right < len(text) else "")


def _tables(gold_docs: Sequence[Doc], pred_docs: Sequence[Doc], labels: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    confusion = pd.DataFrame(
        0, index=pd.Index([*labels, NONE], name="gold"), columns=pd.Index([*labels, MISSED], name="predicted")
    )
    rows = []
    for k, (g_doc, p_doc) in enumerate(zip(gold_docs, pred_docs)):
        gold, pred = _ents(g_doc), _ents(p_doc)
        pairs = match(gold, pred)
        found: list[tuple[int, str, tuple[int, int, str] | None, tuple[int, int, str] | None]] = []
        for i, j in pairs:
            (gs, ge, gl), (ps, pe, pl) = gold[i], pred[j]
            confusion.loc[gl, pl] += 1
            boundary, label = (gs, ge) != (ps, pe), gl != pl
            if boundary or label:
                kind = (
                    "wrong label and boundary"
                    if boundary and label
                    else "wrong boundary"
                    if boundary
                    else "wrong label"
                )
                found.append((min(gs, ps), kind, gold[i], pred[j]))
        for i in sorted(set(range(len(gold))) - {i for i, _ in pairs}):
            confusion.loc[gold[i][2], MISSED] += 1
            found.append((gold[i][0], "missed", gold[i], None))
        for j in sorted(set(range(len(pred))) - {j for _, j in pairs}):
            confusion.loc[NONE, pred[j][2]] += 1
            found.append((pred[j][0], "spurious", None, pred[j]))
        for _, kind, g, p in sorted(found, key=lambda item: item[0]):
            lo, hi = min(e[0] for e in (g, p) if e), max(e[1] for e in (g, p) if e)
            text = g_doc.text
            rows.append(
                {
                    "doc": k,
                    "snippet": _snippet(text, lo, hi),
                    "gold_text": text[g[0] : g[1]] if g else "",
                    "gold_label": g[2] if g else "",
                    "pred_text": text[p[0] : p[1]] if p else "",
                    "pred_label": p[2] if p else "",
                    "error": kind,
                }
            )
    return confusion, pd.DataFrame(rows, columns=ERROR_COLUMNS)


def evaluate(
    nlp: Language,
    records: Iterable[Any],
    labels: Iterable[str] | None = None,
    *,
    source: str = "<records>",
    lines: Sequence[int] | None = None,
) -> EvalResult:
    """Run `nlp` over the records' texts and compare its entities with the annotations.

    nlp (Language): the pipeline; its tokenizer also builds the gold docs.
    records (Iterable): canonical records {"text", "entities": [[start, end, label]]}.
    labels (Iterable[str] | None): labels to evaluate and report, in this order; None:
        every label seen (see the module docs).
    source (str): file name for problem messages; lines (Sequence[int] | None): line per record.
    RETURNS (EvalResult): strict, partial and seqeval scores, confusion and error tables.
    RAISES AnnotationError: if any record is invalid (every problem is listed).
    """
    records = list(records)
    labels = list(labels) if labels is not None else None
    gold_docs = to_docs(nlp, records, source=source, lines=lines)
    pred_docs = list(nlp.pipe([rec["text"] for rec in records]))
    if labels is not None:
        gold_docs = [_restrict(doc, set(labels)) for doc in gold_docs]
        pred_docs = [_restrict(doc, set(labels)) for doc in pred_docs]
    report = labels if labels is not None else _course_order({e.label_ for d in gold_docs + pred_docs for e in d.ents})
    scores = get_ner_prf([Example(p, g) for p, g in zip(pred_docs, gold_docs)])
    per_type = scores["ents_per_type"] or {}
    support = {label: sum(e.label_ == label for d in gold_docs for e in d.ents) for label in report}
    per_label = {
        label: {**{k: float(per_type.get(label, {}).get(k, 0.0)) for k in ("p", "r", "f")}, "support": support[label]}
        for label in report
    }
    micro = {k: float(scores[f"ents_{k}"] or 0.0) for k in ("p", "r", "f")}
    hits = sum(len(match(_ents(g), _ents(p), same_label=True)) for g, p in zip(gold_docs, pred_docs))
    partial = _prf(hits, sum(len(d.ents) for d in pred_docs), sum(len(d.ents) for d in gold_docs))
    confusion, errors = _tables(gold_docs, pred_docs, report)
    return EvalResult(
        micro,
        per_label,
        partial,
        _seqeval_f1(gold_docs, pred_docs),
        len(records),
        confusion,
        errors,
        gold_docs,
        pred_docs,
    )


def compare(
    models: Mapping[str, Language | EvalResult],
    records: Iterable[Any],
    labels: Iterable[str] | None = None,
    metric: str = "f1",
) -> pd.DataFrame:
    """Strict scores of several pipelines side by side.

    models (Mapping[str, Language | EvalResult]): name → pipeline (or a result already computed).
    records (Iterable): canonical records, the same for every model.
    labels (Iterable[str] | None): as in `evaluate`.
    metric (str): "f1" (default), "precision" or "recall".
    RETURNS (DataFrame): rows = labels in course order + "micro", columns = model names, 3 decimals.
    RAISES TrainingError: N420 for an unknown metric.
    """
    key = _metric_key(metric)
    records, labels = list(records), list(labels) if labels is not None else None
    results = {name: m if isinstance(m, EvalResult) else evaluate(m, records, labels) for name, m in models.items()}
    rows = labels if labels is not None else _course_order({l for r in results.values() for l in r.per_label})
    data = {
        name: [r.per_label.get(label, {}).get(key, 0.0) for label in rows] + [r.micro[key]]
        for name, r in results.items()
    }
    return pd.DataFrame(data, index=pd.Index([*rows, "micro"], name="label")).round(3)


def _metric_key(metric: str) -> str:
    if metric not in _METRICS:
        raise TrainingError("N420", metric=metric, choices="f1, precision, recall")
    return _METRICS[metric]


# --- plain-text report (the `evaluate` command prints it) ----------------------------


def format_result(result: EvalResult) -> str:
    """RETURNS (str): the per-label table, micro row and partial scores as plain text."""
    p = result.partial
    return (
        f"{result.n_docs} doc(s)\n{result.table().to_string(index_names=False)}\n"
        f"partial (overlap): precision {p['p']:.3f}  recall {p['r']:.3f}  f1 {p['f']:.3f}"
    )
