"""Is the confidence worth anything? Entity outcomes and a reliability (calibration) table.

A model's confidence is *calibrated* when, among entities it gives a confidence of about
0.9, about 90 % are right. `reliability_table` groups the predicted entities of annotated
posts by confidence and puts the mean confidence of each group next to the share that is
really right; `plot_reliability` draws it against the diagonal of perfect calibration.
Points below the diagonal are over-confident, points above it under-confident.

Conventions: an entity is *right* when (start, end, label) is exactly a gold span (strict,
as in `course.evaluate`). Bins are closed on the left and open on the right, except the
last one, which also holds confidence 1.0 (beam confidence reaches 1.0 when every parse agrees).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .annotations import Record
from .errors import CourseError

DEFAULT_BINS: tuple[float, ...] = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0)


class CalibrationError(CourseError, ValueError):
    """Confidence data that cannot be grouped as asked."""


def entity_outcomes(predictions: Sequence, gold: Sequence[Record]) -> pd.DataFrame:
    """One row per predicted entity: where it is, its confidence, and whether it is right.

    predictions (Sequence[Prediction]): `course.predict.predict` output for the gold texts.
    gold (Sequence[Record]): the annotated posts, in the same order.
    RETURNS (DataFrame): columns post, start, end, label, confidence, correct.
    RAISES CalibrationError: N565 if the two lengths differ.
    """
    if len(predictions) != len(gold):
        raise CalibrationError("N565", n_pred=len(predictions), n_gold=len(gold))
    rows = []
    for i, (pred, rec) in enumerate(zip(predictions, gold)):
        spans = {tuple(e) for e in rec["entities"]}
        rows += [
            {"post": i, "start": s, "end": e, "label": label, "confidence": conf, "correct": (s, e, label) in spans}
            for s, e, label, conf in pred.entities
        ]
    return pd.DataFrame(rows, columns=["post", "start", "end", "label", "confidence", "correct"])


def reliability_table(outcomes: pd.DataFrame, bins: Sequence[float] = DEFAULT_BINS) -> pd.DataFrame:
    """Mean confidence against the share of right entities, per confidence bin.

    outcomes (DataFrame): from `entity_outcomes` (needs "confidence" and "correct").
    bins (Sequence[float]): rising edges from 0 to 1.
    RETURNS (DataFrame): one row per bin ("[0.50, 0.80)" …): entities, wrong, mean_confidence,
        share_right (NaN for an empty bin) and gap (share_right − mean_confidence; < 0: over-confident).
    RAISES CalibrationError: N564 if the edges do not rise from 0 to 1.
    """
    edges = [float(b) for b in bins]
    if len(edges) < 2 or edges[0] != 0.0 or edges[-1] != 1.0 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise CalibrationError("N564", bins=tuple(bins))
    conf = outcomes["confidence"].to_numpy(dtype=float)
    right = outcomes["correct"].to_numpy(dtype=bool)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for k, (low, high) in enumerate(itertools.pairwise(edges)):
        mask = which == k
        n = int(mask.sum())
        closing = "]" if k == len(edges) - 2 else ")"
        rows.append(
            {
                "bin": f"[{low:.2f}, {high:.2f}{closing}",
                "entities": n,
                "wrong": int((~right[mask]).sum()),
                "mean_confidence": float(conf[mask].mean()) if n else float("nan"),
                "share_right": float(right[mask].mean()) if n else float("nan"),
            }
        )
    table = pd.DataFrame(rows).set_index("bin")
    table["gap"] = table["share_right"] - table["mean_confidence"]
    return table.round(3)


def share_wrong_at_or_above(outcomes: pd.DataFrame, threshold: float) -> float:
    """RETURNS (float): share of the wrong entities whose confidence is ≥ threshold (0.0 if none is wrong)."""
    wrong = outcomes.loc[~outcomes["correct"].astype(bool), "confidence"]
    return float((wrong >= threshold).mean()) if len(wrong) else 0.0


def plot_reliability(table: pd.DataFrame, title: str = "Reliability of beam confidence (dev entities)"):
    """Reliability diagram: share of right entities against mean confidence, one point per bin.

    table (DataFrame): from `reliability_table`.
    RETURNS (Figure): the figure; the dashed diagonal is perfect calibration, and each point
        is labelled with the number of entities in its bin.
    """
    import matplotlib.pyplot as plt

    shown = table.dropna(subset=["share_right"])
    fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    ax.plot([0, 1], [0, 1], linestyle="--", color="#888888", label="perfectly calibrated")
    ax.plot(shown["mean_confidence"], shown["share_right"], marker="o", color="#4c72b0", label="model")
    for _, row in shown.iterrows():
        ax.annotate(
            f"n={row['entities']:.0f}",
            (row["mean_confidence"], row["share_right"]),
            textcoords="offset points",
            xytext=(-8, 8),
            fontsize=8,
        )
    ax.set(
        xlim=(0, 1.02),
        ylim=(0, 1.05),
        xlabel="mean confidence in the bin",
        ylabel="share of entities that are right",
        title=title,
    )
    ax.legend(loc="upper left")
    return fig
