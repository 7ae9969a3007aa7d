"""Prodigy: `prodigy db-out` JSONL with "spans" (and "tokens", "answer", hashes)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from spacy.language import Language

from ..annotations import Record, to_docs
from ._base import At, Item, iter_json_lines, kind_of, problem

KEEP = ("meta", "_input_hash", "_task_hash")  # re-importing into Prodigy relies on the hashes
_SPAN_HINT = "each span is an object with start, end and label"


def is_binary(task: dict) -> bool:
    """True for an accept/reject task (ner.teach and friends): its spans are not complete gold."""
    return bool(task.get("_is_binary")) or task.get("_view_id") in ("ner", "binary", "classification")


def iter_prodigy(path: str | os.PathLike, *, accept_binary: bool = False) -> Iterator[Item]:
    """Accepted tasks as canonical records; every bad task becomes a problem with its line.

    accept_binary (bool): import binary accept/reject tasks as if they were complete gold.
    """
    source, index = str(path), 0
    relations = choices = 0
    binary: list[int] = []
    for n, task, reason in iter_json_lines(path):
        index += 1
        at = At(index=index - 1, line=n, source=source)
        if reason is not None:
            yield problem("N203", **at, reason=reason)
            continue
        if not isinstance(task, dict):
            yield problem(
                "N224",
                **at,
                fmt="Prodigy",
                key="task",
                expected="an object",
                got=kind_of(task),
                hint="export with `prodigy db-out DATASET > FILE.jsonl`",
            )
            continue
        if not isinstance(task.get("text"), str):
            yield problem("N206", **at, fmt="Prodigy", key="text", hint="export with `prodigy db-out DATASET`")
            continue
        answer = task.get("answer", "accept")
        if answer != "accept":
            yield Item("skipped", n, f"prodigy answer is '{answer}'")
            continue
        if is_binary(task) and not accept_binary:
            binary.append(n)
            continue
        spans = task.get("spans")
        spans = [] if spans is None else spans
        if not isinstance(spans, list):
            yield problem(
                "N224",
                **at,
                fmt="Prodigy",
                key="spans",
                expected="a list of spans",
                got=kind_of(spans),
                hint=_SPAN_HINT,
            )
            continue
        bad = next(
            (
                k
                for k, s in enumerate(spans)
                if not (isinstance(s, dict) and all(key in s for key in ("start", "end", "label")))
            ),
            None,
        )
        if bad is not None:
            yield problem("N206", **at, fmt="Prodigy span", key=f"spans[{bad}].start/end/label", hint=_SPAN_HINT)
            continue
        if task.get("relations"):
            relations += 1
        if isinstance(task.get("accept"), list) and task.get("options"):
            choices += 1
        record = {"text": task["text"], "entities": [[s["start"], s["end"], s["label"]] for s in spans]}
        record.update({key: task[key] for key in KEEP if key in task})
        yield Item("record", n, record)
    if binary:
        yield problem("N225", index=0, line=binary[0], source=source, count=len(binary))
    if relations:
        yield Item(
            "note",
            0,
            f"{source}: {relations} task(s) carry relations; only their entity spans "
            "are imported, the relations are dropped",
        )
    if choices:
        yield Item(
            "note",
            0,
            f"{source}: {choices} task(s) carry a choice answer ('accept' with 'options', "
            "e.g. entity linking); only their spans are imported, the choice is dropped",
        )


def to_prodigy(record: Record, nlp: Language) -> dict[str, Any]:
    """A Prodigy task with tokens and spans (token_end inclusive), keeping meta and hashes."""
    doc = to_docs(nlp, [record])[0]
    tokens = [
        {"text": t.text, "start": t.idx, "end": t.idx + len(t), "id": t.i, "ws": bool(t.whitespace_)} for t in doc
    ]
    spans = [
        {"start": e.start_char, "end": e.end_char, "label": e.label_, "token_start": e.start, "token_end": e.end - 1}
        for e in doc.ents
    ]
    task = {"text": record["text"], "tokens": tokens, "spans": spans, "answer": "accept"}
    task.update({key: record[key] for key in KEEP if key in record})
    return task
