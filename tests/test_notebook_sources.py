"""Every notebook has a py:percent source, and the two agree cell by cell.

The .py file is what contributors edit; `make notebooks` rebuilds the .ipynb from it. A
notebook edited by hand, or a source edited without a rebuild, fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
IPYNBS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _cells(nb) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_notebook_has_a_source_and_every_source_a_notebook():
    assert IPYNBS, "no notebooks found"
    sources = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py")}
    assert sources == {p.stem for p in IPYNBS}


@pytest.mark.parametrize("path", IPYNBS, ids=lambda p: p.stem)
def test_source_and_notebook_have_the_same_cells(path: Path):
    built = jupytext.read(path.with_suffix(".py"))
    committed = jupytext.read(path)
    ours, theirs = _cells(built), _cells(committed)
    assert len(ours) == len(theirs), f"{path.name}: {len(theirs)} cells, its source has {len(ours)}; run make notebooks"
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"{path.name} cell {i} differs from its source; run make notebooks"


@pytest.mark.parametrize("path", IPYNBS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed_and_clean(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: run make notebooks (fresh kernel, in order)"
    for i, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"])
        assert "NBVAL" not in source, f"{path.name} cell {i}: use an nbval cell tag, not a comment"
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution" in tags:
            assert not cell.get("outputs"), f"{path.name} cell {i}: a solution committed with its output"
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name} cell {i}: committed with an error"
