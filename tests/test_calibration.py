"""course/calibration.py: entity outcomes, the reliability table and its plot."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from course import calibration
from course.calibration import CalibrationError


class _Pred:
    def __init__(self, entities):
        self.entities = entities


GOLD = [{"text": "x", "entities": [[0, 3, "PRODUCT"], [4, 6, "PRICE"]]}, {"text": "y", "entities": []}]
PREDS = [_Pred([(0, 3, "PRODUCT", 1.0), (4, 6, "ZIP", 0.97)]), _Pred([(0, 1, "URL", 0.4)])]


def test_entity_outcomes_marks_exact_matches():
    out = calibration.entity_outcomes(PREDS, GOLD)
    assert out["correct"].tolist() == [True, False, False]
    assert out["post"].tolist() == [0, 0, 1]
    with pytest.raises(CalibrationError, match="N565"):
        calibration.entity_outcomes(PREDS[:1], GOLD)


def test_reliability_table_bins_and_gaps():
    out = calibration.entity_outcomes(PREDS, GOLD)
    table = calibration.reliability_table(out, bins=(0, 0.5, 0.95, 1))
    assert table["entities"].tolist() == [1, 0, 2]  # 1.0 falls into the last, closed bin
    assert table.index[-1] == "[0.95, 1.00]"
    assert table.loc["[0.95, 1.00]", "share_right"] == 0.5
    assert table.loc["[0.95, 1.00]", "gap"] == pytest.approx(0.5 - 0.985, abs=1e-3)  # over-confident
    assert math.isnan(table.loc["[0.50, 0.95)", "share_right"])
    assert table["wrong"].tolist() == [1, 0, 1]


@pytest.mark.parametrize("bins", [(0.1, 1), (0, 0.5), (0, 0.6, 0.5, 1), (0,)])
def test_bad_bins_are_refused(bins):
    out = calibration.entity_outcomes(PREDS, GOLD)
    with pytest.raises(CalibrationError, match="N564"):
        calibration.reliability_table(out, bins=bins)


def test_share_wrong_at_or_above():
    out = calibration.entity_outcomes(PREDS, GOLD)
    assert calibration.share_wrong_at_or_above(out, 0.95) == 0.5
    assert calibration.share_wrong_at_or_above(out, 0.3) == 1.0
    right_only = pd.DataFrame({"confidence": [0.9], "correct": [True]})
    assert calibration.share_wrong_at_or_above(right_only, 0.5) == 0.0


def test_plot_reliability_draws_the_diagonal_and_the_model():
    out = calibration.entity_outcomes(PREDS, GOLD)
    fig = calibration.plot_reliability(calibration.reliability_table(out, bins=(0, 0.5, 0.95, 1)))
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(ax.lines[1].get_xdata()) == 2  # the empty bin is left out
    assert "right" in ax.get_ylabel()
