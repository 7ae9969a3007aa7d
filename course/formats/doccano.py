"""doccano: sequence-labelling JSONL with "label" (or the older "labels"); 1.x keeps the text in "data"."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from ..annotations import Record
from ._base import At, Item, iter_json_lines, kind_of, problem

KEEP = ("id", "meta")
_SPAN_HINT = "spans are [start, end, label] lists or {start_offset, end_offset, label} objects"


def _span(s: Any) -> list | None:
    if isinstance(s, dict):
        if all(k in s for k in ("start_offset", "end_offset", "label")):
            return [s["start_offset"], s["end_offset"], s["label"]]
        return None
    return list(s) if isinstance(s, (list, tuple)) else None


def iter_doccano(path: str | os.PathLike) -> Iterator[Item]:
    """Records with their spans; every bad record becomes a problem with its line."""
    source, index = str(path), 0
    for n, obj, reason in iter_json_lines(path):
        index += 1
        at = At(index=index - 1, line=n, source=source)
        if reason is not None:
            yield problem("N203", **at, reason=reason)
            continue
        if not isinstance(obj, dict):
            yield problem(
                "N224",
                **at,
                fmt="doccano",
                key="record",
                expected="an object",
                got=kind_of(obj),
                hint="export the project as JSONL",
            )
            continue
        text = obj.get("text", obj.get("data"))  # doccano 1.x: {"id", "data", "label"}
        if not isinstance(text, str):
            yield problem(
                "N206",
                **at,
                fmt="doccano",
                key="text",
                hint="each line needs the text under 'text' (or 'data' in doccano 1.x exports)",
            )
            continue
        keys = [k for k in ("label", "labels") if k in obj] or (["entities"] if "entities" in obj else [])
        spans, bad = [], None
        for key in keys:
            value = obj[key]
            if not isinstance(value, list):
                bad = problem(
                    "N224",
                    **at,
                    fmt="doccano",
                    key=key,
                    expected="a list of spans",
                    got=kind_of(value),
                    hint=_SPAN_HINT,
                )
                break
            for k, s in enumerate(value):
                span = _span(s)
                if span is None:
                    bad = problem(
                        "N224",
                        **at,
                        fmt="doccano",
                        key=f"{key}[{k}]",
                        expected="a span",
                        got=f"{kind_of(s)} {str(s)[:40]!r}",
                        hint=_SPAN_HINT + " (category labels mean a text-classification project)",
                    )
                    break
                if span not in spans:  # with both "label" and "labels", keep the union
                    spans.append(span)
            if bad is not None:
                break
        if bad is not None:
            yield bad
            continue
        record = {"text": text, "entities": spans}
        record.update({key: obj[key] for key in KEEP if key in obj})
        yield Item("record", n, record)


def to_doccano(record: Record) -> dict[str, Any]:
    """A doccano line: text, label spans, and its id/meta when it had them."""
    row = {key: record[key] for key in ("id",) if key in record}
    row.update({"text": record["text"], "label": record["entities"]})
    row.update({key: record[key] for key in ("meta",) if key in record})
    return row
