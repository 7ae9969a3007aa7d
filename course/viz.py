"""Pictures for the notebooks: displaCy with one colour per label, gold vs predicted.

Every label keeps the same colour in every notebook, so learners can read a
rendering at a glance.
"""
from __future__ import annotations

import html
from typing import Iterable, Sequence

from spacy import displacy
from spacy.tokens import Doc

from .settings import LABELS

LABEL_COLORS: dict[str, str] = {
    "PRODUCT": "#7aecec",
    "PRICE": "#bfeeb7",
    "LOCATION": "#feca74",
    "ZIP": "#ff9561",
    "CONDITION": "#aa9cfc",
    "URL": "#c887fb",
    "USERNAME": "#9cc9cc",
    # general-domain labels of en_core_web_sm (notebooks 01 and 06)
    "ORG": "#e4e7d2", "PERSON": "#ddd", "GPE": "#f0d0ff", "MONEY": "#e4e7d2",
    "CARDINAL": "#e4e7d2", "DATE": "#bfe1d9", "NORP": "#c887fb", "PRODUCT_GENERIC": "#bfeeb7",
}


def _options(docs: Sequence[Doc]) -> dict:
    labels = list(LABELS) + sorted({e.label_ for d in docs for e in d.ents} - set(LABELS))
    return {"ents": labels, "colors": LABEL_COLORS}


def ents_html(docs: Doc | Iterable[Doc], title: str | None = None) -> str:
    """RETURNS (str): displaCy entity markup for one or more docs, course colours."""
    docs = [docs] if isinstance(docs, Doc) else list(docs)
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
