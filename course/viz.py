"""Pictures for the notebooks: displaCy with one colour per label, gold vs predicted.

Every label keeps the same colour in every notebook, so learners can read a
rendering at a glance.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from spacy import displacy
from spacy.tokens import Doc

from .colors import LABEL_COLORS, MICRO_COLOR, MODEL_COLORS, OTHER_COLOR, label_color
from .settings import LABELS


def _options(docs: Sequence[Doc]) -> dict:
    labels = list(LABELS) + sorted({e.label_ for d in docs for e in d.ents} - set(LABELS))
    return {"ents": [html.escape(label) for label in labels], "colors": LABEL_COLORS}


def _parsed(doc: Doc, options: dict) -> dict:
    """displaCy's own `parse_ents`, with everything it would paste into HTML unescaped made safe.

    displaCy escapes the text but formats `label_` (and the kb id/url and the doc title) into
    its templates as they are, so a label read from an imported file such as
    `<img src=x onerror=alert(1)>` would run as script in JupyterLab. It is shown as text instead.
    """
    parsed = displacy.parse_ents(doc, options)
    for ent in parsed["ents"]:
        ent["label"] = html.escape(ent["label"])
        ent["kb_id"] = html.escape(ent["kb_id"])
        ent["kb_url"] = "#"  # the course sets no kb_url_template; never a link taken from data
    if parsed.get("title") is not None:
        parsed["title"] = html.escape(str(parsed["title"]))
    return parsed


def ents_html(docs: Doc | Iterable[Doc], title: str | None = None) -> str:
    """RETURNS (str): displaCy entity markup for one or more docs, course colours; labels are
    escaped, so a hostile label from an imported file shows as text and never runs."""
    docs = [docs] if isinstance(docs, Doc) else list(docs)
    options = _options(docs)
    with warnings.catch_warnings():  # W006 "no entities" is expected for empty posts
        warnings.simplefilter("ignore", UserWarning)
        parsed = [_parsed(doc, options) for doc in docs]
        body = displacy.render(parsed, style="ent", options=options, page=False, jupyter=False, manual=True)
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

_METRIC_COLUMNS = {"p": "precision", "precision": "precision", "r": "recall", "recall": "recall", "f": "f1", "f1": "f1"}


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
        rows = cast("Sequence[Mapping[str, float]]", history)
        names = list(dict.fromkeys(name for row in rows for name in row))
        for k, name in enumerate(names):
            color = LABEL_COLORS.get(name, MODEL_COLORS[k % len(MODEL_COLORS)])
            ax.plot(epochs, [row.get(name, float("nan")) for row in rows], marker="o", label=name, color=color)
        ax.legend()
    elif history:
        ax.plot(
            epochs,
            [float(x) for x in cast("Sequence[float]", history)],
            marker="o",
            color=MODEL_COLORS[0],
            label="loss",
        )
    ax.set(title=title, xlabel="epoch", ylabel="loss")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def _score_table(result_or_table: Any):
    return result_or_table.table() if hasattr(result_or_table, "table") else result_or_table


def _metric_column(metric: str) -> str:
    if metric not in _METRIC_COLUMNS:
        from .errors import TrainingError

        raise TrainingError("N420", metric=metric, choices="f1, precision, recall")
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
        ax.axhline(
            float(table.loc["micro", column]),
            color=MICRO_COLOR,
            linestyle="--",
            label=f"micro {float(table.loc['micro', column]):.2f}",
        )
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


def plot_learning_curve(
    sizes: Sequence[int],
    scores_by_label: Mapping[str, Sequence[float]],
    title: str = "Learning curve",
    metric: str = "F1",
    bands: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    xlabel: str = "training examples",
):
    """Score against the number of training examples, one line per label (and "micro").

    sizes (Sequence[int]): training set sizes, ascending.
    scores_by_label (Mapping[str, Sequence[float]]): label → one score per size (e.g. the
        mean over seeds); "micro" is drawn as a thick dark dashed line.
    metric (str): the y-axis label.
    bands (Mapping[str, tuple] | None): label → (lowest, highest) score per size, e.g. over
        seeds; drawn as a shaded band around the label's line.
    xlabel (str): the x-axis label.
    RETURNS (Figure): the figure, one line per key.
    RAISES TrainingError: N421 if a label (or a band) has not one score per size.
    """
    from .errors import TrainingError

    fig, ax = _figure()
    for k, (label, scores) in enumerate(scores_by_label.items()):
        if len(scores) != len(sizes):
            raise TrainingError("N421", n_sizes=len(sizes), label=label, n_scores=len(scores))
        micro = label == "micro"
        color = label_color(label)
        color = MODEL_COLORS[k % len(MODEL_COLORS)] if color == OTHER_COLOR else color  # e.g. "model", "with rules"
        ax.plot(
            list(sizes),
            list(scores),
            marker="o",
            label=label,
            color=color,
            markeredgecolor="#555555",
            linewidth=3 if micro else 2,
            linestyle="--" if micro else "-",
        )
        if bands and label in bands:
            low, high = bands[label]
            if len(low) != len(sizes) or len(high) != len(sizes):
                raise TrainingError("N421", n_sizes=len(sizes), label=f"{label} (band)", n_scores=len(low))
            ax.fill_between(list(sizes), list(low), list(high), color=color, alpha=0.25, linewidth=0)
    ax.set(ylim=(0, 1.05), xlabel=xlabel, ylabel=metric, title=title)
    if scores_by_label:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
