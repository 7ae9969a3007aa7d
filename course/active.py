"""Model-assisted annotation: pre-annotation and what to annotate next.

Confidence and uncertainty come from beam search over the normal `ner` component;
`course.predict` explains how and computes them. `select` ranks a pool by that
uncertainty (`1 - P(best parse)`) or samples it at random (seeded), and
`simulate` runs the classic experiment: start from a few labelled posts, add `k` per
round by each strategy (the held-back labels play the annotator), retrain, and
score every model on dev. Another cheap signal, not used here, is disagreement
between the model and the rules in `course.rules`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from typing import cast

import pandas as pd
from spacy.language import Language

from .annotations import Record
from .errors import CourseError
from .predict import predict
from .settings import LABELS

STRATEGIES = ("random", "uncertainty")


class ActiveError(CourseError, ValueError):
    """A selection or simulation request that cannot be carried out as asked."""


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
    RAISES ActiveError: N460 for an unknown strategy.
    """
    if strategy not in STRATEGIES:
        raise ActiveError("N460", strategy=strategy, choices=", ".join(STRATEGIES))
    k = min(k, len(pool))
    if strategy == "random":
        return random.Random(seed).sample(range(len(pool)), k)
    scores = [p.uncertainty for p in predict(cast(Language, nlp), pool)]  # "uncertainty" needs the model
    return sorted(range(len(pool)), key=lambda i: (-scores[i], i))[:k]


SIM_STRATEGIES = (*STRATEGIES, "random_hand")  # "random_hand": random, hand-written posts only


def simulate(
    labelled: Sequence[Record],
    dev: Sequence[Record],
    *,
    start: int = 60,
    k: int = 40,
    rounds: int = 3,
    strategies: Sequence[str] = STRATEGIES,
    n_iter: int = 10,
    seed: int = 0,
    labels: Iterable[str] = LABELS,
    origins: Sequence[str] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
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
    RAISES ActiveError: N460 unknown strategy, N461 too few labelled posts, N562 origins missing.
    """
    from .evaluate import evaluate
    from .train import train_blank

    for name in strategies:
        if name not in SIM_STRATEGIES:
            raise ActiveError("N460", strategy=name, choices=", ".join(SIM_STRATEGIES))
    if (origins is not None and len(origins) != len(labelled)) or (origins is None and "random_hand" in strategies):
        raise ActiveError("N562", have=0 if origins is None else len(origins), n=len(labelled))
    need = start + k * rounds
    if start < 1 or k < 1 or rounds < 1 or need > len(labelled):
        raise ActiveError("N461", start=start, k=k, rounds=rounds, need=need, n=len(labelled))
    labels = list(labels)
    order = list(range(len(labelled)))
    random.Random(seed).shuffle(order)

    def fit(indices: list[int]) -> tuple[Language, dict, float]:
        began = time.perf_counter()
        model = train_blank([labelled[i] for i in indices], labels=labels, n_iter=n_iter, seed=seed, progress=False).nlp
        scores = evaluate(model, dev, labels).micro
        return model, scores, time.perf_counter() - began

    def hand(indices: list[int]) -> dict:
        if origins is None:
            return {}
        return {"hand_share": sum(origins[i] == "hand" for i in indices) / len(indices) if indices else float("nan")}

    def pick(name: str, model: Language, pool: list[int], r: int) -> list[int]:
        if name != "random_hand":
            return [pool[j] for j in select(name, model, [labelled[i]["text"] for i in pool], k, seed=seed + r)]
        assert origins is not None  # "random_hand" without origins was refused above (N562)
        hand_pool = [i for i in pool if origins[i] == "hand"]
        # "random" looks only at len(pool): positions in hand_pool stand in for its texts
        return [hand_pool[j] for j in select("random", None, cast("list[str]", hand_pool), k, seed=seed + r)]

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
            extra = (
                {"hand_picked": hand(picked)["hand_share"], "hand_train": hand(chosen)["hand_share"]} if origins else {}
            )
            rows.append({"strategy": name, "round": r, "n_train": len(chosen), **scores, "seconds": secs, **extra})
            if progress:
                print(f"{name:<11} round {r}: {len(chosen)} posts, dev F1 {scores['f']:.3f}", flush=True)
    frame = pd.DataFrame(rows).rename(columns={"p": "precision", "r": "recall", "f": "f1"})
    return frame.round(
        {"precision": 3, "recall": 3, "f1": 3, "seconds": 1, **({"hand_picked": 3, "hand_train": 3} if origins else {})}
    )


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
    # the axis starts at 0: a zoomed axis would make a one-point gap look like a chasm
    ax.set(xlabel="annotated posts in training", ylabel="dev F1 (strict, micro)", title=title, ylim=(0, 1.02))
    ax.set_xticks(list(table.index))
    ax.legend(loc="lower right")
    return fig
