"""course/viz.py: displaCy markup and the matplotlib plots (Agg backend, no windows)."""

from __future__ import annotations

import html
from typing import cast

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import spacy
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from spacy.pipeline import EntityRuler

from course.errors import TrainingError
from course.evaluate import compare, evaluate
from course.viz import (
    LABEL_COLORS,
    compare_html,
    ents_html,
    plot_compare,
    plot_confusion,
    plot_learning_curve,
    plot_losses,
    plot_per_label,
)

RECORDS = [
    {
        "text": "Selling my RTX 3080 for 500 EUR in Berlin",
        "entities": [[11, 19, "PRODUCT"], [24, 31, "PRICE"], [35, 41, "LOCATION"]],
    },
    {
        "text": "GTX 1080 Ti, used, pickup 10115",
        "entities": [[0, 11, "PRODUCT"], [13, 17, "CONDITION"], [26, 31, "ZIP"]],
    },
    {"text": "Nothing to see here", "entities": []},
]


def ruler(patterns: list[dict]):
    nlp = spacy.blank("en")
    cast("EntityRuler", nlp.add_pipe("entity_ruler")).add_patterns(patterns)
    return nlp


GOOD = ruler(
    [
        {"label": "PRODUCT", "pattern": "RTX 3080"},
        {"label": "PRICE", "pattern": "500"},
        {"label": "ZIP", "pattern": "10115"},
        {"label": "PRICE", "pattern": "used"},
    ]
)
RESULT = evaluate(GOOD, RECORDS)


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("plot functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


def bar_colors(fig: Figure) -> list[str]:
    return [to_hex(p.get_facecolor()) for p in fig.axes[0].patches]


def test_plot_losses_floats_and_dicts():
    fig = plot_losses([3.0, 2.0, 1.5, 1.2], title="NER loss")
    assert isinstance(fig, Figure)
    [line] = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == [1, 2, 3, 4] and fig.axes[0].get_title() == "NER loss"
    fig = plot_losses([{"ner": 3.0, "tok2vec": 1.0}, {"ner": 2.0, "tok2vec": 0.5}])
    assert [l.get_label() for l in fig.axes[0].get_lines()] == ["ner", "tok2vec"]
    assert tuple(fig.get_size_inches()) == (7.0, 4.0)
    assert len(plot_losses([]).axes[0].get_lines()) == 0


def test_plot_per_label_bars_in_label_colours():
    fig = plot_per_label(RESULT)
    assert isinstance(fig, Figure)
    labels = list(RESULT.per_label)
    assert len(fig.axes[0].patches) == len(labels)
    assert bar_colors(fig) == [LABEL_COLORS[label] for label in labels]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == labels
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == pytest.approx(RESULT.table().drop(index="micro")["f1"].tolist())


def test_plot_per_label_from_table_and_metric():
    fig = plot_per_label(RESULT.table(), metric="recall")
    assert [p.get_height() for p in fig.axes[0].patches] == pytest.approx(
        RESULT.table().drop(index="micro")["recall"].tolist()
    )
    assert fig.axes[0].get_ylabel() == "recall"
    with pytest.raises(TrainingError, match="N420"):
        plot_per_label(RESULT, metric="accuracy")


def test_plot_confusion_annotates_every_cell():
    confusion = RESULT.confusion
    fig = plot_confusion(confusion)
    ax = fig.axes[0]
    assert len(ax.images) == 1
    assert len(ax.texts) == confusion.size
    assert [t.get_text() for t in ax.texts] == [str(int(v)) for v in confusion.to_numpy().ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(confusion.columns)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(confusion.index)


def test_plot_compare_grouped_bars():
    weak = ruler([{"label": "PRODUCT", "pattern": "RTX 3080"}])
    table = compare({"good": RESULT, "weak": weak}, RECORDS)
    fig = plot_compare(table)
    ax = fig.axes[0]
    assert len(ax.patches) == table.size
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["good", "weak"]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(table.index)


def test_plot_learning_curve_lines():
    scores = {"PRODUCT": [0.2, 0.5, 0.7], "PRICE": [0.1, 0.4, 0.8], "micro": [0.15, 0.45, 0.75]}
    fig = plot_learning_curve([10, 50, 100], scores)
    lines = fig.axes[0].get_lines()
    assert [l.get_label() for l in lines] == list(scores)
    assert to_hex(lines[0].get_color()) == LABEL_COLORS["PRODUCT"]
    assert lines[-1].get_linewidth() > lines[0].get_linewidth()
    with pytest.raises(TrainingError, match="N421"):
        plot_learning_curve([10, 50], {"PRODUCT": [0.1]})


def test_ents_html_has_labels_and_colours():
    markup = ents_html(RESULT.gold_docs, title="gold")
    for label in ("PRODUCT", "PRICE", "LOCATION", "CONDITION", "ZIP"):
        assert label in markup and LABEL_COLORS[label] in markup
    assert "gold" in markup


def test_compare_html_one_row_per_doc():
    markup = compare_html(RESULT.gold_docs, RESULT.pred_docs)
    assert markup.count("<tr>") == len(RECORDS) + 1  # header + one per doc
    assert "predicted" in markup


HOSTILE = "<img src=x onerror=alert(1)>"


def hostile_doc():
    from spacy.tokens import Span

    nlp = spacy.blank("en")
    doc = nlp("RTX 3080 for 500 EUR")
    doc.ents = [Span(doc, 0, 2, label=HOSTILE), Span(doc, 3, 5, label="PRICE", kb_id='x" onmouseover="alert(2)')]
    doc.user_data["title"] = "<script>alert(3)</script>"
    return doc


def test_hostile_labels_are_shown_as_text_never_as_markup():
    # displaCy formats label_ into its template unescaped: the label used to arrive as a live <img> tag
    for markup in (ents_html(hostile_doc()), compare_html([hostile_doc()], [hostile_doc()])):
        assert "<img" not in markup and "<script" not in markup and 'x" onmouseover' not in markup
        assert html.escape(HOSTILE) in markup  # still visible, as text
        assert "PRICE" in markup and LABEL_COLORS["PRICE"] in markup


def test_escaping_leaves_ordinary_markup_unchanged():
    from spacy import displacy

    docs = RESULT.gold_docs
    labels = ["PRODUCT", "PRICE", "LOCATION", "ZIP", "CONDITION", "URL", "USERNAME"]
    plain = displacy.render(docs, style="ent", options={"ents": labels, "colors": LABEL_COLORS}, jupyter=False)
    assert ents_html(docs) == plain  # notebooks' committed outputs stay the same


def test_plot_learning_curve_draws_a_band_per_label_given():
    scores = {"PRODUCT": [0.2, 0.5, 0.7], "micro": [0.15, 0.45, 0.75]}
    fig = plot_learning_curve(
        [10, 50, 100], scores, bands={"PRODUCT": ([0.1, 0.4, 0.6], [0.3, 0.6, 0.8])}, xlabel="training posts"
    )
    ax = fig.axes[0]
    assert len(ax.collections) == 1  # one shaded band, for PRODUCT only
    (path,) = ax.collections[0].get_paths()
    ys = path.vertices[:, 1]
    assert ys.min() == pytest.approx(0.1) and ys.max() == pytest.approx(0.8)
    assert ax.get_xlabel() == "training posts" and ax.get_ylim()[0] == 0
    with pytest.raises(TrainingError, match="N421"):
        plot_learning_curve([10, 50], {"PRODUCT": [0.1, 0.2]}, bands={"PRODUCT": ([0.1], [0.2])})


def test_plot_learning_curve_gives_lines_that_are_not_labels_distinct_colours():
    fig = plot_learning_curve([10, 50], {"model": [0.2, 0.5], "with rules": [0.4, 0.6]})
    first, second = fig.axes[0].get_lines()
    assert to_hex(first.get_color()) != to_hex(second.get_color())
