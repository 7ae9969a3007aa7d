"""How much of the notebooks' code is the course's helper package, and how much plain spaCy?

Counts the calls in the code cells of every notebook source (`notebooks/NN_*.py`, read with
jupytext, each cell parsed with `ast`) and sorts each call by the name at its root:

* **helper**: the root name was imported from `course` or `course.*` (`viz.show_ents(...)`,
  `train.train_blank(...)`, `exercises.check(...)`, `make_record(...)`).
* **helper object** (its own column): a method of an object a helper call returned and that is
  not a spaCy object (`ann = Annotator(...)`, then `ann.add(...)`).
* **spacy**: the root name was imported from `spacy`, `spacy.*` or `thinc` (`spacy.blank(...)`,
  `Example.from_dict(...)`, `displacy.render(...)`), or it names an object spaCy made:
  a simple assignment from a spaCy call or attribute (`nlp = spacy.blank("en")`,
  `doc = nlp(text)`, `ner = nlp.add_pipe("ner")`, `ents = doc.ents`), a `for` target over
  one (`for ent in doc.ents`), or one of the conventional names NLP, below, which the
  notebooks (and spaCy's docs) only ever use for spaCy objects, also when a course helper
  returned them (`nlp = train.load_model(path)` is a spaCy pipeline). A container method on a
  value spaCy returned (`scores.items()` after `scores = nlp.evaluate(...)`) is not spaCy API: other.
* **other**: everything else (`print`, `len`, pandas, matplotlib, the learner's own functions).

Nested calls count once each: `viz.show_ents(nlp(text))` is one helper and one spaCy call,
`spacy.blank("en").add_pipe("ner")` two spaCy calls. Names are tracked per notebook in cell
order, as the kernel sees them. Jupyter magics (`%time`, `!pip`) are dropped; a cell that still
does not parse is reported as unparsed. The counter reads sources only and never runs them.

    python bench/api_calls.py [--json] [--names] [NOTEBOOK_SOURCE ...]
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
NLP = frozenset(
    {"nlp", "doc", "ner", "ruler", "example", "examples", "optimizer", "span", "token", "doc_bin", "scorer"}
)
CONTAINER_METHODS = frozenset({"items", "keys", "values", "get", "append", "extend", "copy", "sort", "count", "index"})
HELPER_ROOTS = ("course",)
SPACY_ROOTS = ("spacy", "thinc")


@dataclass
class Counts:
    """Calls of one notebook, by kind; `names` counts the dotted call names per kind."""

    helper: int = 0
    helper_object: int = 0
    spacy: int = 0
    other: int = 0
    cells: int = 0
    unparsed: int = 0
    names: dict[str, Counter] = field(
        default_factory=lambda: {"helper": Counter(), "helper_object": Counter(), "spacy": Counter()}
    )

    def add(self, other: Counts) -> None:
        self.helper, self.spacy, self.other = (
            self.helper + other.helper,
            self.spacy + other.spacy,
            self.other + other.other,
        )
        self.helper_object += other.helper_object
        self.cells, self.unparsed = self.cells + other.cells, self.unparsed + other.unparsed
        for kind in self.names:
            self.names[kind].update(other.names[kind])


def _module_kind(module: str) -> str | None:
    top = module.split(".")[0]
    return "helper" if top in HELPER_ROOTS else "spacy" if top in SPACY_ROOTS else None


def _root(node: ast.expr) -> str | None:
    """The name at the root of `a.b(c).d[0]`, or None (a literal, a lambda...)."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.expr) -> str:
    """A readable name for a call's function: `viz.show_ents`, `nlp.add_pipe`, `spacy.blank().add_pipe`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    if isinstance(node, ast.Subscript):
        return f"{_dotted(node.value)}[]"
    return "?"


def _source_lines(source: str) -> str:
    """The cell without Jupyter magics and shell escapes, which are not Python."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


class _Scope:
    """Which names are course helpers and which are spaCy objects, as the cells run."""

    def __init__(self) -> None:
        self.kind: dict[str, str] = {}

    def of(self, name: str | None) -> str:
        if name is None:
            return "other"
        if name in self.kind:
            return self.kind[name]
        return "spacy" if name in NLP else "other"

    def expr_kind(self, node: ast.expr) -> str:
        return self.of(_root(node)) if isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)) else "other"

    def visit(self, tree: ast.AST, counts: Counts) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    kind = _module_kind(alias.name)
                    name = alias.asname or alias.name.split(".")[0]
                    if kind:
                        self.kind[name] = kind
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                kind = _module_kind(node.module)
                for alias in node.names:
                    if kind:
                        self.kind[alias.asname or alias.name] = kind
        # Assignments in source order, so `nlp = spacy.blank(...)` then `ner = nlp.add_pipe(...)` chain.
        for stmt in _statements(tree):
            targets, value = _assignment(stmt)
            if value is None:
                continue
            kind = self.expr_kind(value)
            for target in targets:
                if isinstance(target, ast.Name) and target.id not in NLP and kind != "other":
                    self.kind[target.id] = "helper_object" if kind in ("helper", "helper_object") else kind
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                root = _root(node.func)
                kind = self.of(root)
                if (
                    kind == "spacy"
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in CONTAINER_METHODS
                    and root not in NLP
                ):
                    kind = "other"
                if kind == "other":
                    counts.other += 1
                else:
                    setattr(counts, kind, getattr(counts, kind) + 1)
                    counts.names[kind][_dotted(node.func)] += 1


def _statements(tree: ast.AST) -> Iterator[ast.stmt]:
    """Every statement, in source order (bodies of loops, functions and `with` included)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.stmt):
            yield node
            yield from _statements(node)


def _assignment(stmt: ast.stmt) -> tuple[list[ast.expr], ast.expr | None]:
    if isinstance(stmt, ast.Assign):
        return stmt.targets, stmt.value
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return [stmt.target], stmt.value
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target], stmt.iter
    if isinstance(stmt, ast.With):
        return [i.optional_vars for i in stmt.items if i.optional_vars is not None], (
            stmt.items[0].context_expr if stmt.items else None
        )
    return [], None


def count_source(path: Path) -> Counts:
    """Count the calls of one notebook source (jupytext py:percent or any format jupytext reads).

    path (Path): the source file.
    RETURNS (Counts): calls by kind, code cells, and cells that did not parse.
    """
    notebook = jupytext.read(path)
    scope, counts = _Scope(), Counts()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        counts.cells += 1
        try:
            tree = ast.parse(_source_lines(cell.source))
        except SyntaxError:
            counts.unparsed += 1
            continue
        scope.visit(tree, counts)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", type=Path, help="notebook sources (default: notebooks/NN_*.py)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--names", action="store_true", help="also list the most called names of each kind")
    args = parser.parse_args(argv)
    sources = args.sources or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    per_notebook = {path.stem: count_source(path) for path in sources}
    total = Counts()
    for counts in per_notebook.values():
        total.add(counts)
    if args.json:
        print(
            json.dumps(
                {
                    name: {
                        "helper": c.helper,
                        "helper_object": c.helper_object,
                        "spacy": c.spacy,
                        "other": c.other,
                        "cells": c.cells,
                        "unparsed": c.unparsed,
                    }
                    for name, c in {**per_notebook, "total": total}.items()
                },
                indent=2,
            )
        )
        return 0
    width = max([len(name) for name in per_notebook] + [5])
    print(
        f"{'notebook':<{width}}  {'helper':>6}  {'helper obj':>10}  {'spacy':>6}  {'other':>6}  {'cells':>5}  "
        f"{'unparsed':>8}"
    )
    for name, c in [*per_notebook.items(), ("total", total)]:
        print(
            f"{name:<{width}}  {c.helper:>6}  {c.helper_object:>10}  {c.spacy:>6}  {c.other:>6}  {c.cells:>5}  "
            f"{c.unparsed:>8}"
        )
    if args.names:
        for kind in ("helper", "helper_object", "spacy"):
            shown = ", ".join(f"{name} {n}" for name, n in total.names[kind].most_common(25))
            print(f"\n{kind}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
