"""bench/api_calls.py: the helper-vs-spaCy call counter, on a tiny synthetic notebook source."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SOURCE = """# %% [markdown]
# # A notebook. Prose with code in it is not counted: `spacy.blank("en")`.

# %%
import spacy
from spacy.training import Example
from course import viz
from course.annotations import make_record as rec

# %%
%time nlp_fast = spacy.blank("en")
blank = spacy.blank("en")
ner = blank.add_pipe("ner")
ner.add_label("PRODUCT")
doc = blank("RTX 3080 for $450")
viz.show_ents(doc, title=str(len(doc)))
record = rec("RTX 3080", [("RTX 3080", "PRODUCT")])

# %%
example = Example.from_dict(doc, {"entities": []})
report = viz.report(record)
report.show()
scores = blank.evaluate([example])
for key, value in scores.items():
    print(key, value)

# %%
def broken(:
"""


def load_counter():
    spec = importlib.util.spec_from_file_location("api_calls", ROOT / "bench" / "api_calls.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_counts_helper_spacy_and_other_calls(tmp_path):
    path = tmp_path / "99_synthetic.py"
    path.write_text(SOURCE, encoding="utf-8")
    counts = load_counter().count_source(path)
    # spaCy: spacy.blank (the %time line is a magic, dropped), blank.add_pipe, ner.add_label,
    # blank(...), Example.from_dict, blank.evaluate; scores.items() is a dict method on a value
    # spaCy returned, not spaCy API.
    assert counts.names["spacy"] == {
        "spacy.blank": 1,
        "blank.add_pipe": 1,
        "ner.add_label": 1,
        "blank": 1,
        "Example.from_dict": 1,
        "blank.evaluate": 1,
    }
    assert counts.spacy == 6
    # helpers: viz.show_ents, rec (imported from course under another name), viz.report
    assert counts.names["helper"] == {"viz.show_ents": 1, "rec": 1, "viz.report": 1}
    assert counts.helper == 3
    assert counts.helper_object == 1 and counts.names["helper_object"] == {"report.show": 1}
    assert counts.other == 4  # str, len, scores.items, print
    assert (counts.cells, counts.unparsed) == (4, 1)


def test_main_prints_a_row_per_notebook_and_a_total(tmp_path, capsys):
    (tmp_path / "01_a.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "02_b.py").write_text("# %%\nimport spacy\nspacy.blank('en')\n", encoding="utf-8")
    assert load_counter().main([str(tmp_path / "01_a.py"), str(tmp_path / "02_b.py")]) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["01_a"][:3] == ["3", "1", "6"] and rows["02_b"][:3] == ["0", "0", "1"]
    assert rows["total"][:3] == ["3", "1", "7"]
