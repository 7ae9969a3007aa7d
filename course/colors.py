"""One colour per label, the same in every notebook, plot and widget.

Kept apart from `course.viz` so the annotator widget (and anything else that only
needs colours) does not import displaCy or matplotlib.
"""

from __future__ import annotations

LABEL_COLORS: dict[str, str] = {
    "PRODUCT": "#7aecec",
    "PRICE": "#bfeeb7",
    "LOCATION": "#feca74",
    "ZIP": "#ff9561",
    "CONDITION": "#aa9cfc",
    "URL": "#c887fb",
    "USERNAME": "#9cc9cc",
    # general-domain labels of en_core_web_sm (notebooks 01 and 07)
    "ORG": "#e4e7d2",
    "PERSON": "#ddd",
    "GPE": "#f0d0ff",
    "MONEY": "#e4e7d2",
    "CARDINAL": "#e4e7d2",
    "DATE": "#bfe1d9",
    "NORP": "#c887fb",
    "PRODUCT_GENERIC": "#bfeeb7",
}

OTHER_COLOR = "#bbbbbb"  # a label without a course colour
MICRO_COLOR = "#333333"
MODEL_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")


def label_color(label: str) -> str:
    """RETURNS (str): the course colour of `label` (grey for unknown labels, dark for "micro")."""
    return MICRO_COLOR if label == "micro" else LABEL_COLORS.get(label, OTHER_COLOR)
