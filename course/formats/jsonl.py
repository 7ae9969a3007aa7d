"""Canonical JSONL: one `{"text": ..., "entities": [[start, end, label], ...]}` per line."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from ._base import Item, dumps, iter_json_lines, problem


def iter_jsonl(path: str | os.PathLike) -> Iterator[Item]:
    """Each object as it is (validation reports bad records); bad JSON lines are N203."""
    source = str(path)
    for index, (n, obj, reason) in enumerate(iter_json_lines(path)):
        if reason is not None:
            yield problem("N203", index, n, source, reason=reason)
        else:
            yield Item("record", n, obj)


def jsonl_lines(records: Iterable[Any], path: str | os.PathLike, lines: Iterable[int] | None = None) -> Iterator[str]:
    """One JSON line per record; NaN/Infinity refused (N230) with the record's line."""
    numbers = iter(lines) if lines is not None else None
    for i, rec in enumerate(records, start=1):
        line = next(numbers, i) if numbers is not None else i
        yield dumps(rec, f"{path}:{line}") + "\n"
