"""Model-assisted annotation: entity confidence, pre-annotation and what to annotate next.

Confidence comes from **beam search over the normal `ner` component**. spaCy's
transition-based `ner` predicts greedily, one action per token, and keeps no
probability for the entities it finds. Its `beam_parse` method can still follow the
`beam_width` best action sequences with the same trained weights; each finished parse
gets a probability (normalised over the beam), and adding up the probability of every
parse that contains a given entity is what `EntityRecognizer.scored_ents` does (we do
the same from `moves.get_beam_parses`, which also gives the best parse). So, with no
change to training:

* an entity's **confidence** is the share of beam probability on parses that contain
  exactly that span with that label (1.0: every parse agrees; near 0: only a few do);
* a post's **uncertainty** is `1 - P(best parse)`, the "least confidence" of the whole
  post: 0 when one reading dominates, higher when several readings compete.

`select` ranks a pool by that uncertainty or samples it at random (seeded), and
`simulate` runs the classic experiment: start from a few labelled posts, add `k` per
round by each strategy (the held-back labels play the annotator), retrain, and
score every model on dev. Another cheap signal, not used here, is disagreement
between the model and the rules in `course.rules`.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Iterable, Sequence

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from .annotations import Record
from .errors import CourseError, TrainingError
from .settings import LABELS

STRATEGIES = ("random", "uncertainty")
BEAM_WIDTH = 16
BEAM_DENSITY = 0.0001
Scored = tuple[int, int, str, float]  # start char, end char (exclusive), label, confidence


class ActiveError(CourseError, ValueError):
    """A selection or simulation request that cannot be carried out as asked."""


@dataclass
class Prediction:
    """One post as the model sees it.

    text (str): the post.
    entities (list[Scored]): the greedy prediction (what `nlp(text)` returns), each with
        its beam confidence (0.0 if no parse in the beam contains it).
    candidates (list[Scored]): every span any parse in the beam proposed, best first.
    uncertainty (float): 1 - probability of the best parse in the beam.
    """

    text: str
    entities: list[Scored]
    candidates: list[Scored]
    uncertainty: float

    def suggestions(self) -> list[list]:
        """RETURNS (list[list]): [start, end, label, confidence] per entity, for the annotator."""
        return [[s, e, label, round(conf, 3)] for s, e, label, conf in self.entities]


def ner_name(nlp: Language) -> str:
    """RETURNS (str): the name of the pipeline's entity recognizer. RAISES TrainingError: E405."""
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory in ("ner", "beam_ner"):
            return name
    raise TrainingError("E405")


def predict(nlp: Language, texts: Iterable[str], *, beam_width: int = BEAM_WIDTH,
            batch_size: int = 64) -> list[Prediction]:
    """Run the pipeline and score its entities with beam search.

    nlp (Language): a pipeline with a `ner` (or `beam_ner`) component.
    texts (Iterable[str]): the posts.
    beam_width (int): parses followed by the beam (more: smoother scores, slower).
    batch_size (int): posts per batch.
    RETURNS (list[Prediction]): one per text, in order.
    RAISES TrainingError: E405 if there is no entity recognizer.
    """
    name = ner_name(nlp)
    ner = nlp.get_pipe(name)
    texts = list(texts)
    before = nlp.pipe_names[:nlp.pipe_names.index(name)]
    results: list[Prediction] = []
    for i in range(0, len(texts), batch_size):
        chunk = texts[i:i + batch_size]
        full = list(nlp.pipe(chunk))
        inputs = list(nlp.pipe(chunk, disable=[n for n in nlp.pipe_names if n not in before]))
        scored = _beam_scores(ner, inputs, beam_width)
        for doc, ents, (p_best, spans) in zip(full, inputs, scored):
            by_chars = {(ents[s:e].start_char, ents[s:e].end_char, label): p for (s, e, label), p in spans.items()}
            entities = [(e.start_char, e.end_char, e.label_, _clip(by_chars.get((e.start_char, e.end_char, e.label_), 0.0)))
                        for e in doc.ents]
            candidates = sorted(((s, e, label, _clip(p)) for (s, e, label), p in by_chars.items()),
                                key=lambda c: (-c[3], c[0], c[1], c[2]))
            results.append(Prediction(doc.text, entities, candidates, _clip(1.0 - p_best)))
    return results


def _clip(p: float) -> float:
    return float(min(1.0, max(0.0, p)))


def _beam_scores(ner, docs: list[Doc], beam_width: int) -> list[tuple[float, dict]]:
    """(P(best parse), {(start token, end token, label): probability}) per doc."""
    out: list[tuple[float, dict]] = [(1.0, {}) for _ in docs]
    live = [i for i, doc in enumerate(docs) if len(doc)]
    if not live:
        return out
    beams = ner.beam_parse([docs[i] for i in live], beam_width=beam_width, beam_density=BEAM_DENSITY)
    for i, beam in zip(live, beams):
        parses = ner.moves.get_beam_parses(beam)
        spans: dict = {}
        for prob, ents in parses:
            for ent in ents:
                spans[ent] = spans.get(ent, 0.0) + float(prob)
        out[i] = (max((float(p) for p, _ in parses), default=1.0), spans)
    return out


def pre_annotate(nlp: Language, texts: Iterable[str], *, by_uncertainty: bool = False, **kwargs) -> list[Record]:
    """Records ready for the annotator: no gold entities yet, the model's as suggestions.

    nlp (Language): the current model.
    texts (Iterable[str]): the posts.
    by_uncertainty (bool): return the most uncertain posts first (ties keep input order).
    **kwargs: passed to `predict` (beam_width, batch_size).
    RETURNS (list[Record]): {"text", "entities": [], "suggestions": [[s, e, label, conf]]} per text.
    """
    preds = predict(nlp, texts, **kwargs)
    if by_uncertainty:
        preds = sorted(preds, key=lambda p: -p.uncertainty)
    return [{"text": p.text, "entities": [], "suggestions": p.suggestions()} for p in preds]


def select(strategy: str, nlp: Language | None, pool: Sequence[str], k: int, *, seed: int = 0) -> list[int]:
    """Choose `k` posts of `pool` to annotate next.

    strategy (str): "uncertainty" (highest 1 - P(best parse) first; ties by position) or
        "random" (a seeded sample; the model is not used).
    nlp (Language | None): the current model (needed for "uncertainty").
    pool (Sequence[str]): the unlabelled texts.
    k (int): how many to pick (all of them if the pool is smaller).
    seed (int): seed for "random".
    RETURNS (list[int]): positions in `pool`, in the order they were chosen.
    RAISES ActiveError: E460 for an unknown strategy.
    """
    if strategy not in STRATEGIES:
        raise ActiveError("E460", strategy=strategy, choices=", ".join(STRATEGIES))
    k = min(k, len(pool))
    if strategy == "random":
        return random.Random(seed).sample(range(len(pool)), k)
    scores = [p.uncertainty for p in predict(nlp, pool)]
    return sorted(range(len(pool)), key=lambda i: (-scores[i], i))[:k]


SIM_STRATEGIES = (*STRATEGIES, "random_hand")  # "random_hand": random, hand-written posts only


def simulate(labelled: Sequence[Record], dev: Sequence[Record], *, start: int = 60, k: int = 40,
             rounds: int = 3, strategies: Sequence[str] = STRATEGIES, n_iter: int = 10, seed: int = 0,
             labels: Iterable[str] = LABELS, origins: Sequence[str] | None = None,
             progress: bool = False) -> pd.DataFrame:
    """Simulate model-assisted annotation with an oracle: does uncertainty beat random?

    A seeded shuffle of `labelled` gives `start` posts to begin with; the rest is the pool,
    whose labels stay hidden until a strategy picks a post ("the annotator labels it").
    Each round every strategy adds `k` posts, a model is trained from scratch on the
    larger set (same seed and epochs for all), and scored on `dev`.

    labelled (Sequence[Record]): annotated posts; their labels are the oracle.
    dev (Sequence[Record]): the posts every model is scored on.
    start (int): posts in the first training set (shared by all strategies).
    k (int): posts added per round; rounds (int): how many rounds.
    strategies (Sequence[str]): names from SIM_STRATEGIES. "random_hand" samples at random
        among the hand-written posts of the pool only (a control: does uncertainty merely
        pick hand-written posts?); it needs `origins`.
    n_iter (int): epochs of every training run.
    seed (int): seed for the shuffle, the random strategies and training.
    origins (Sequence[str] | None): "hand" or "generated" per labelled post
        (`course.provenance.origins`); when given, every row also reports the share of
        hand-written posts among those picked in that round and in the whole training set.
    RETURNS (DataFrame): strategy, round, n_train, precision, recall, f1, seconds, and with
        origins also hand_picked (NaN in round 0) and hand_train.
    RAISES ActiveError: E460 unknown strategy, E461 too few labelled posts, E562 origins missing.
    """
    from .evaluate import evaluate
    from .train import train_blank

    for name in strategies:
        if name not in SIM_STRATEGIES:
            raise ActiveError("E460", strategy=name, choices=", ".join(SIM_STRATEGIES))
    if origins is not None and len(origins) != len(labelled) or origins is None and "random_hand" in strategies:
        raise ActiveError("E562", have=0 if origins is None else len(origins), n=len(labelled))
    need = start + k * rounds
    if start < 1 or k < 1 or rounds < 1 or need > len(labelled):
        raise ActiveError("E461", start=start, k=k, rounds=rounds, need=need, n=len(labelled))
    labels = list(labels)
    order = list(range(len(labelled)))
    random.Random(seed).shuffle(order)

    def fit(indices: list[int]) -> tuple[Language, dict, float]:
        began = time.perf_counter()
        model = train_blank([labelled[i] for i in indices], labels=labels, n_iter=n_iter, seed=seed,
                            progress=False).nlp
        scores = evaluate(model, dev, labels).micro
        return model, scores, time.perf_counter() - began

    def hand(indices: list[int]) -> dict:
        if origins is None:
            return {}
        return {"hand_share": sum(origins[i] == "hand" for i in indices) / len(indices) if indices else float("nan")}

    def pick(name: str, model: Language, pool: list[int], r: int) -> list[int]:
        if name != "random_hand":
            return [pool[j] for j in select(name, model, [labelled[i]["text"] for i in pool], k, seed=seed + r)]
        hand_pool = [i for i in pool if origins[i] == "hand"]
        return [hand_pool[j] for j in select("random", None, hand_pool, k, seed=seed + r)]

    base_model, base, secs = fit(order[:start])
    first = {**({"hand_picked": float("nan"), "hand_train": hand(order[:start])["hand_share"]} if origins else {})}
    rows = [{"strategy": name, "round": 0, "n_train": start, **base, "seconds": secs, **first} for name in strategies]
    for name in strategies:
        chosen, pool, model = order[:start], order[start:], base_model
        for r in range(1, rounds + 1):
            picked = pick(name, model, pool, r)
            chosen, taken = chosen + picked, set(picked)
            pool = [i for i in pool if i not in taken]
            model, scores, secs = fit(chosen)
            extra = {"hand_picked": hand(picked)["hand_share"], "hand_train": hand(chosen)["hand_share"]} if origins else {}
            rows.append({"strategy": name, "round": r, "n_train": len(chosen), **scores, "seconds": secs, **extra})
            if progress:
                print(f"{name:<11} round {r}: {len(chosen)} posts, dev F1 {scores['f']:.3f}", flush=True)
    frame = pd.DataFrame(rows).rename(columns={"p": "precision", "r": "recall", "f": "f1"})
    return frame.round({"precision": 3, "recall": 3, "f1": 3, "seconds": 1, **({"hand_picked": 3, "hand_train": 3}
                                                                               if origins else {})})


def curves(frame: pd.DataFrame) -> pd.DataFrame:
    """RETURNS (DataFrame): dev F1 with one row per training size and one column per strategy."""
    return frame.pivot(index="n_train", columns="strategy", values="f1")


def plot_simulation(frame: pd.DataFrame, title: str = "Dev F1 per round: uncertainty vs random"):
    """Line chart of `simulate`'s result: dev F1 against posts annotated, one line per strategy.

    RETURNS (Figure): the figure.
    """
    import matplotlib.pyplot as plt

    table = curves(frame)
    fig, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    styles = {"uncertainty": ("#4c72b0", "o"), "random": ("#dd8452", "s"), "random_hand": ("#55a868", "^")}
    for name in table.columns:
        color, marker = styles.get(name, ("#555555", "^"))
        ax.plot(table.index, table[name], marker=marker, color=color, linewidth=2, label=name)
    ax.set(xlabel="annotated posts in training", ylabel="dev F1 (strict, micro)", title=title)
    ax.set_xticks(list(table.index))
    ax.legend(loc="lower right")
    return fig
