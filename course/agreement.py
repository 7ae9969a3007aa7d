"""Agreement between two annotators of the same posts: span F1, token kappa, and what they disagree on.

Conventions:

* Records are paired by position; both annotators must have labelled the same texts
  (`pair_records` refuses otherwise, N247/N248) and every record must be valid (N249).
* **Span F1** is strict: a span agrees only when start, end and label are all equal. With
  `m` agreeing spans and `a`, `b` spans per annotator, precision = m/b and recall = m/a if A is
  taken as the reference; F1 = 2m / (a + b) either way, so the figure is symmetric. Per label
  the same with that label's spans; a label neither annotator used is left out. No spans at
  all: F1 = 1.0 (nothing to disagree on).
* **Token kappa** is Cohen's kappa over one label per token, `O` included (the IO view of the
  BILUO tags of `spacy.blank("en")`'s tokens): p_o = share of tokens with the same label,
  p_e = sum over labels of p_A(label) * p_B(label), kappa = (p_o - p_e) / (1 - p_e); when
  p_e = 1 (both annotators used one label for every token) kappa = 1.0.
* **Disagreements** are counted once per place, in four kinds: `label` (same tokens, another
  label), `boundary` (overlapping spans of the same label, other edges), `boundary+label`
  (overlapping, other edges and label), `only A` / `only B` (a span the other annotator has
  nothing overlapping). A span of A overlapping two spans of B ('Atlanta, GA' against 'Atlanta'
  and 'GA') is one boundary disagreement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import FormatError

Span = tuple[int, int, str]
KINDS = ("only A", "only B", "boundary", "label", "boundary+label")


@dataclass(frozen=True)
class Disagreement:
    """One place where the annotators differ: `a` and `b` are the spans each gave there."""

    index: int  # position of the post in both files
    kind: str
    a: tuple[Span, ...]
    b: tuple[Span, ...]
    text: str = field(repr=False, default="")

    @property
    def label(self) -> str:
        """RETURNS (str): the label concerned (A's when both annotators gave one)."""
        return (self.a or self.b)[0][2]

    def describe(self) -> str:
        """RETURNS (str): e.g. "boundary: A 'Atlanta, GA' LOCATION · B 'Atlanta' LOCATION"."""

        def show(spans: tuple[Span, ...]) -> str:
            return " + ".join(f"'{self.text[s:e]}' {label}" for s, e, label in spans) or "—"

        return f"{self.kind}: A {show(self.a)} · B {show(self.b)}"


@dataclass
class Agreement:
    """Every agreement figure for two annotators of the same posts."""

    n_posts: int
    n_tokens: int
    matched: Counter  # label -> spans both gave exactly
    spans_a: Counter  # label -> spans of A
    spans_b: Counter
    kappa: float
    observed: float  # p_o of the kappa
    expected: float  # p_e of the kappa
    disagreements: list[Disagreement]
    name_a: str = "A"
    name_b: str = "B"

    @staticmethod
    def _f1(m: int, a: int, b: int) -> float:
        return 1.0 if a + b == 0 else 2 * m / (a + b)

    @property
    def f1(self) -> float:
        """RETURNS (float): strict span F1 over all labels."""
        return self._f1(sum(self.matched.values()), sum(self.spans_a.values()), sum(self.spans_b.values()))

    def per_label(self) -> dict[str, dict[str, float]]:
        """RETURNS (dict): label -> {"f1", "a", "b", "matched"}, labels in alphabetical order."""
        labels = sorted(set(self.spans_a) | set(self.spans_b))
        return {
            label: {
                "f1": self._f1(self.matched[label], self.spans_a[label], self.spans_b[label]),
                "a": self.spans_a[label],
                "b": self.spans_b[label],
                "matched": self.matched[label],
            }
            for label in labels
        }

    def kinds(self) -> Counter:
        """RETURNS (Counter): disagreements per kind, most common first when listed."""
        return Counter(d.kind for d in self.disagreements)

    def by_kind_and_label(self) -> Counter:
        """RETURNS (Counter): (kind, label) -> disagreements."""
        return Counter((d.kind, d.label) for d in self.disagreements)

    def to_frame(self):
        """RETURNS (pandas.DataFrame): per label and for all: spans of each annotator (named), agreeing, F1."""
        import pandas as pd

        rows = [{"label": label, **scores} for label, scores in self.per_label().items()]
        rows.append(
            {
                "label": "all",
                "f1": self.f1,
                "a": sum(self.spans_a.values()),
                "b": sum(self.spans_b.values()),
                "matched": sum(self.matched.values()),
            }
        )
        frame = pd.DataFrame(rows, columns=["label", "a", "b", "matched", "f1"]).set_index("label")
        return frame.rename(columns={"a": self.name_a, "b": self.name_b}).round(3)

    def summary(self) -> str:
        """RETURNS (str): the headline figures in one line."""
        kinds = ", ".join(f"{k} {n}" for k, n in self.kinds().most_common())
        return (
            f"{self.n_posts} posts: span F1 {self.f1:.3f}, token kappa {self.kappa:.3f} "
            f"({self.n_tokens} tokens); {len(self.disagreements)} disagreements ({kinds or 'none'})"
        )

    def to_dict(self) -> dict[str, Any]:
        """RETURNS (dict): the figures and every disagreement, JSON-ready."""
        return {
            "posts": self.n_posts,
            "tokens": self.n_tokens,
            "span_f1": self.f1,
            "per_label": self.per_label(),
            "token_kappa": self.kappa,
            "observed": self.observed,
            "expected": self.expected,
            "kinds": dict(self.kinds().most_common()),
            "disagreements": [
                {"post": d.index, "kind": d.kind, "label": d.label, "what": d.describe()} for d in self.disagreements
            ],
        }


def cohen_kappa(labels_a: Sequence[str], labels_b: Sequence[str]) -> tuple[float, float, float]:
    """Cohen's kappa of two label sequences of the same items.

    RETURNS (tuple[float, float, float]): (kappa, p_o, p_e); see the module docstring.
    RAISES ValueError: if the sequences differ in length or are empty.
    """
    if len(labels_a) != len(labels_b) or not labels_a:
        raise ValueError(f"kappa needs two label lists of the same, non-zero length: {len(labels_a)}, {len(labels_b)}")
    n = len(labels_a)
    observed = sum(x == y for x, y in zip(labels_a, labels_b)) / n
    count_a, count_b = Counter(labels_a), Counter(labels_b)
    expected = sum(count_a[k] * count_b[k] for k in count_a) / (n * n)
    kappa = 1.0 if expected == 1 else (observed - expected) / (1 - expected)
    return kappa, observed, expected


def token_labels(doc, spans: Sequence[Span]) -> list[str]:
    """RETURNS (list[str]): one label per token of `doc`: the span's label, or 'O'."""
    labels = ["O"] * len(doc)
    for start, end, label in spans:
        span = doc.char_span(start, end)
        if span is None:
            raise ValueError(f"span [{start}, {end}) {label} does not align with the tokens of {doc.text!r}")
        labels[span.start : span.end] = [label] * len(span)
    return labels


def _as_spans(entities: Sequence[Sequence[Any]]) -> set[Span]:
    return {(int(e[0]), int(e[1]), str(e[2])) for e in entities}


def _overlap(x: Span, y: Span) -> bool:
    return x[0] < y[1] and y[0] < x[1]


def disagreements(index: int, text: str, a: Sequence[Span], b: Sequence[Span]) -> list[Disagreement]:
    """Every place where one post's spans differ: each group of overlapping unmatched spans is one.

    RETURNS (list[Disagreement]): in text order (kinds: see the module docstring).
    """
    set_a, set_b = _as_spans(a), _as_spans(b)
    left, right = sorted(set_a - set_b), sorted(set_b - set_a)
    found = []
    seen_a: set[Span] = set()
    seen_b: set[Span] = set()
    for x in left:
        if x in seen_a:
            continue
        group_a: set[Span] = {x}
        group_b: set[Span] = set()
        grew = True
        while grew:  # grow the group until no unmatched span of either side overlaps it
            new_b = {y for y in right if y not in group_b and any(_overlap(z, y) for z in group_a)}
            new_a = {z for z in left if z not in group_a and any(_overlap(z, y) for y in group_b | new_b)}
            group_a |= new_a
            group_b |= new_b
            grew = bool(new_a or new_b)
        seen_a |= group_a
        seen_b |= group_b
        if not group_b:
            kind = "only A"
        elif len(group_a) == len(group_b) == 1 and next(iter(group_a))[:2] == next(iter(group_b))[:2]:
            kind = "label"
        else:
            kind = "boundary" if len({s[2] for s in group_a | group_b}) == 1 else "boundary+label"
        found.append(Disagreement(index, kind, tuple(sorted(group_a)), tuple(sorted(group_b)), text))
    found += [Disagreement(index, "only B", (), (y,), text) for y in right if y not in seen_b]
    return sorted(found, key=lambda d: (d.a or d.b)[0][:2])


def pair_records(a: Sequence[dict], b: Sequence[dict], name_a: str = "A", name_b: str = "B") -> list[tuple[dict, dict]]:
    """Pair two annotators' records by position.

    RETURNS (list[tuple[dict, dict]]): (record of A, record of B) per post.
    RAISES FormatError: N248 if the numbers of posts differ, N247 at the first text that differs.
    """
    if len(a) != len(b):
        raise FormatError("N248", a=name_a, b=name_b, n_a=len(a), n_b=len(b))
    for i, (x, y) in enumerate(zip(a, b), 1):
        if x.get("text") != y.get("text"):
            raise FormatError("N247", where=f"{name_b}:{i}", n=i, a=name_a, b=name_b)
    return list(zip(a, b))


def compare(
    nlp, records_a: Sequence[dict], records_b: Sequence[dict], name_a: str = "A", name_b: str = "B"
) -> Agreement:
    """All agreement figures for two annotators of the same posts.

    nlp: a pipeline or course.tokenizer.BlankTokenizer; its tokens are the kappa's items.
    RETURNS (Agreement): span F1 (overall, per label), token kappa and every disagreement.
    RAISES FormatError: N247/N248 if the posts differ, N249 if a record has annotation problems.
    """
    from .annotations import validate

    pairs = pair_records(records_a, records_b, name_a, name_b)
    for records, name in ((records_a, name_a), (records_b, name_b)):
        report = validate(records, nlp, source=name)
        if not report.ok:
            first = report.problems[0]
            raise FormatError("N249", where=f"{name}:{first.line}", name=name, count=len(report), first=first.message)
    matched: Counter = Counter()
    spans_a: Counter = Counter()
    spans_b: Counter = Counter()
    tags_a: list[str] = []
    tags_b: list[str] = []
    found: list[Disagreement] = []
    for i, (x, y) in enumerate(pairs):
        a, b = _as_spans(x["entities"]), _as_spans(y["entities"])
        spans_a.update(label for _, _, label in a)
        spans_b.update(label for _, _, label in b)
        matched.update(label for _, _, label in a & b)
        doc = nlp.make_doc(x["text"])
        tags_a += token_labels(doc, sorted(a))
        tags_b += token_labels(doc, sorted(b))
        found += disagreements(i, x["text"], sorted(a), sorted(b))
    kappa, observed, expected = cohen_kappa(tags_a, tags_b) if tags_a else (1.0, 1.0, 0.0)
    return Agreement(
        len(pairs), len(tags_a), matched, spans_a, spans_b, kappa, observed, expected, found, name_a, name_b
    )
