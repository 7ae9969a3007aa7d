"""Pictures for the notebooks: displaCy with one colour per label, gold vs predicted.

Every label keeps the same colour in every notebook, so learners can read a
rendering at a glance.
"""
from __future__ import annotations

import html
import warnings
from typing import Any, Iterable, Mapping, Sequence

from spacy import displacy
from spacy.tokens import Doc

from .colors import LABEL_COLORS, MICRO_COLOR, MODEL_COLORS, OTHER_COLOR, label_color  # noqa: F401 (re-exported)
from .settings import LABELS


def _options(docs: Sequence[Doc]) -> dict:
    labels = list(LABELS) + sorted({e.label_ for d in docs for e in d.ents} - set(LABELS))
    return {"ents": labels, "colors": LABEL_COLORS}


def ents_html(docs: Doc | Iterable[Doc], title: str | None = None) -> str:
    """RETURNS (str): displaCy entity markup for one or more docs, course colours."""
    docs = [docs] if isinstance(docs, Doc) else list(docs)
    with warnings.catch_warnings():  # W006 "no entities" is expected for empty posts
        warnings.simplefilter("ignore", UserWarning)
        body = displacy.render(docs, style="ent", options=_options(docs), page=False, jupyter=False)
    head = f"<h4 style='margin:0.3em 0'>{html.escape(title)}</h4>" if title else ""
    return head + body


def show_ents(docs: Doc | Iterable[Doc], title: str | None = None) -> None:
    """Display the entities of one or more docs (in Jupyter; prints markup elsewhere)."""
    from IPython.display import HTML, display

    display(HTML(ents_html(docs, title)))


def compare_html(gold: Sequence[Doc], pred: Sequence[Doc], names: tuple[str, str] = ("gold", "predicted")) -> str:
    """RETURNS (str): an HTML table, one row per doc, gold left and prediction right."""
    rows = []
    for g, p in zip(gold, pred):
        cells = "".join(f"<td style='vertical-align:top;width:50%'>{ents_html(d)}</td>" for d in (g, p))
        rows.append(f"<tr>{cells}</tr>")
    head = "".join(f"<th style='text-align:left'>{html.escape(n)}</th>" for n in names)
    return f"<table style='width:100%'><tr>{head}</tr>{''.join(rows)}</table>"


def show_compare(gold: Sequence[Doc], pred: Sequence[Doc], names: tuple[str, str] = ("gold", "predicted")) -> None:
    """Display gold and predicted entities side by side."""
    from IPython.display import HTML, display

    display(HTML(compare_html(gold, pred, names)))


# --- matplotlib plots ------------------------------------------------------------
# Each function returns the Figure and never calls plt.show(): Jupyter's inline
# backend shows it once at the end of the cell (write `_ = plot_...(...)`).

_METRIC_COLUMNS = {"p": "precision", "precision": "precision", "r": "recall", "recall": "recall",
                   "f": "f1", "f1": "f1"}


def _figure(size: tuple[float, float] = (7.0, 4.0)):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size, layout="constrained")


def plot_losses(history: Sequence[float] | Sequence[Mapping[str, float]], title: str = "Training loss"):
    """Line chart of the loss per epoch.

    history (list[float] | list[dict]): one loss per epoch, or one {component: loss} per epoch
        (e.g. the `losses` dict of `nlp.update`); one line per component.
    title (str): the figure title.
    RETURNS (Figure): the figure.
    """
    fig, ax = _figure()
    epochs = list(range(1, len(history) + 1))
    if history and isinstance(history[0], Mapping):
        names = list(dict.fromkeys(name for row in history for name in row))
        for k, name in enumerate(names):
            color = LABEL_COLORS.get(name, MODEL_COLORS[k % len(MODEL_COLORS)])
            ax.plot(epochs, [row.get(name, float("nan")) for row in history], marker="o", label=name, color=color)
        ax.legend()
    elif history:
        ax.plot(epochs, [float(x) for x in history], marker="o", color=MODEL_COLORS[0], label="loss")
    ax.set(title=title, xlabel="epoch", ylabel="loss")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def _score_table(result_or_table: Any):
    return result_or_table.table() if hasattr(result_or_table, "table") else result_or_table


def _metric_column(metric: str) -> str:
    if metric not in _METRIC_COLUMNS:
        from .errors import TrainingError

        raise TrainingError("E420", metric=metric, choices="f1, precision, recall")
    return _METRIC_COLUMNS[metric]


def plot_per_label(result_or_table: Any, metric: str = "f1", title: str | None = None):
    """Bar chart of one score per label, in the label's colour; micro as a dashed line.

    result_or_table (EvalResult | DataFrame): an evaluation result or its `table()`.
    metric (str): "f1", "precision" or "recall".
    RETURNS (Figure): the figure, one bar per label.
    """
    column = _metric_column(metric)
    table = _score_table(result_or_table)
    rows = table.drop(index="micro", errors="ignore")
    fig, ax = _figure()
    bars = ax.bar(list(rows.index), rows[column], color=[label_color(l) for l in rows.index], edgecolor="#555555")
    ax.bar_label(bars, fmt="%.2f", padding=2)
    if "micro" in table.index:
        ax.axhline(float(table.loc["micro", column]), color=MICRO_COLOR, linestyle="--",
                   label=f"micro {float(table.loc['micro', column]):.2f}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set(ylim=(0, 1.1), ylabel=column, title=title or f"{column} per label")
    return fig


def plot_confusion(confusion: Any, title: str = "Gold (rows) vs predicted (columns)"):
    """Heatmap of a confusion table with the count written in every cell.

    confusion (DataFrame): `EvalResult.confusion` (rows gold, columns predicted).
    RETURNS (Figure): the figure.
    """
    values = confusion.to_numpy(dtype=float)
    fig, ax = _figure((6.5, 5.0))
    ax.imshow(values, cmap="Blues", vmin=0, vmax=max(values.max(), 1.0) if values.size else 1.0)
    ax.set_xticks(range(len(confusion.columns)), [str(c) for c in confusion.columns], rotation=45, ha="right")
    ax.set_yticks(range(len(confusion.index)), [str(i) for i in confusion.index])
    high = values.max() / 2 if values.size else 0
    for row in range(values.shape[0]):
        for col in range(values.shape[1]):
            value = values[row, col]
            ax.text(col, row, f"{value:.0f}", ha="center", va="center", color="white" if value > high else "black")
    ax.set(xlabel=confusion.columns.name or "predicted", ylabel=confusion.index.name or "gold", title=title)
    return fig


def plot_compare(compare_df: Any, title: str = "F1 per label and model"):
    """Grouped bars: one group per label (and micro), one bar per model.

    compare_df (DataFrame): `course.evaluate.compare(...)` (rows labels, columns models).
    RETURNS (Figure): the figure, rows × columns bars.
    """
    fig, ax = _figure((8.0, 4.0))
    n_models = max(len(compare_df.columns), 1)
    width = 0.8 / n_models
    for k, name in enumerate(compare_df.columns):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(compare_df.index))]
        ax.bar(xs, compare_df[name], width, label=str(name), color=MODEL_COLORS[k % len(MODEL_COLORS)])
    ax.set_xticks(range(len(compare_df.index)), [str(i) for i in compare_df.index])
    ax.set(ylim=(0, 1.05), title=title, ylabel="score")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def plot_learning_curve(sizes: Sequence[int], scores_by_label: Mapping[str, Sequence[float]],
                        title: str = "Learning curve", metric: str = "F1"):
    """Score against the number of training examples, one line per label (and "micro").

    sizes (Sequence[int]): training set sizes, ascending.
    scores_by_label (Mapping[str, Sequence[float]]): label → one score per size; "micro"
        is drawn as a thick dark line.
    RETURNS (Figure): the figure, one line per key.
    RAISES TrainingError: E421 if a label has not one score per size.
    """
    from .errors import TrainingError

    fig, ax = _figure()
    for label, scores in scores_by_label.items():
        if len(scores) != len(sizes):
            raise TrainingError("E421", n_sizes=len(sizes), label=label, n_scores=len(scores))
        micro = label == "micro"
        ax.plot(list(sizes), list(scores), marker="o", label=label, color=label_color(label),
                markeredgecolor="#555555", linewidth=3 if micro else 2, linestyle="--" if micro else "-")
    ax.set(ylim=(0, 1.05), xlabel="training examples", ylabel=metric, title=title)
    if scores_by_label:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
