"""Label Studio: the JSON export (a list of tasks; 0.x keeps the work under "completions")."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..annotations import Record
from ..errors import FormatError
from ._base import At, Item, kind_of, parse_json, problem, read_text

_RESULT_HINT = "use a Labels control over a Text object in the labeling config"


def _tasks(path: str | os.PathLike) -> list:
    value, reason, line = parse_json(read_text(path))
    if reason is not None:
        raise FormatError("N203", where=f"{path}:{line}", reason=reason)
    if isinstance(value, dict) and "data" in value:  # one task saved on its own (0.x completions/348.json)
        return [value]
    if not isinstance(value, list):
        raise FormatError(
            "N206",
            where=str(path),
            fmt="Label Studio export",
            key="[tasks]",
            hint="export the project as JSON (a list of tasks), not CSV or TSV",
        )
    first = next((t for t in value if isinstance(t, dict)), None)
    if first is not None and "data" not in first and "annotations" not in first and "completions" not in first:
        raise FormatError("N226", where=str(path), keys=", ".join(sorted(map(str, first))[:8]))
    return value


def _utf16_to_index(text: str, offset: int) -> int | None:
    """The Python index of UTF-16 code unit `offset` (what JavaScript front-ends count)."""
    units = 0
    for i, ch in enumerate(text):
        if units == offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text) if units == offset else None


def _repair(text: str, start: int, end: int, want: str) -> tuple[int, int, str] | None:
    """Offsets that really cover `want`: UTF-16 offsets converted, else the nearest occurrence."""
    s16, e16 = _utf16_to_index(text, start), _utf16_to_index(text, end)
    if s16 is not None and e16 is not None and text[s16:e16] == want:
        return s16, e16, "UTF-16 offsets converted to characters"
    hits, pos = [], text.find(want)
    while pos >= 0 and want:
        hits.append(pos)
        pos = text.find(want, pos + 1)
    if not hits:
        return None
    best = min(hits, key=lambda h: abs(h - start))
    return best, best + len(want), f"moved by {best - start:+d} character(s) to where value.text occurs"


def _newest(annotations: list[dict]) -> dict:
    """The newest annotation by created_at (what the official converter picks); ties: the later one."""
    return max(enumerate(annotations), key=lambda ia: (str(ia[1].get("created_at") or ""), ia[0]))[1]


def iter_labelstudio(path: str | os.PathLike) -> Iterator[Item]:
    """One record per task with a finished annotation; every bad task is a problem with its number."""
    dropped: Counter[str]
    source, relations, dropped = str(path), 0, Counter()
    for n, task in enumerate(_tasks(path), start=1):
        at = At(index=n - 1, line=n, source=source)
        if not isinstance(task, dict):
            yield problem(
                "N224",
                **at,
                fmt="Label Studio",
                key=f"task {n}",
                expected="an object",
                got=kind_of(task),
                hint="export the project as JSON",
            )
            continue
        data = task.get("data")
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str):
            yield problem(
                "N206",
                **at,
                fmt="Label Studio task",
                key="data.text",
                hint="name the text field 'text' in the labeling config",
            )
            continue
        annotations = task.get("annotations") or task.get("completions") or []
        if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
            yield problem(
                "N224",
                **at,
                fmt="Label Studio task",
                key="annotations",
                expected="a list of objects",
                got=kind_of(annotations),
                hint="each annotation is an object with a 'result' list",
            )
            continue
        done = [a for a in annotations if not a.get("was_cancelled") and not a.get("skipped")]
        if not done:
            why = "its annotation was skipped or cancelled" if annotations else "no annotation"
            yield Item("skipped", n, f"Label Studio task {n}: {why}")
            continue
        result = _newest(done).get("result") or []
        if not isinstance(result, list):
            yield problem(
                "N224",
                **at,
                fmt="Label Studio annotation",
                key="result",
                expected="a list",
                got=kind_of(result),
                hint=_RESULT_HINT,
            )
            continue
        ents: list[list[Any]]
        other: Counter[str]
        ents, bad, other, notes = [], None, Counter(), []
        for k, r in enumerate(result):
            if not isinstance(r, dict):
                bad = problem(
                    "N224",
                    **at,
                    fmt="Label Studio",
                    key=f"result[{k}]",
                    expected="an object",
                    got=kind_of(r),
                    hint=_RESULT_HINT,
                )
                break
            value = r.get("value")
            if r.get("type") == "relation":
                relations += 1
                continue
            if r.get("type") not in ("labels", None) or not isinstance(value, dict) or "labels" not in value:
                other[str(r.get("type"))] += 1
                continue
            labels = value.get("labels")
            labels = [labels] if isinstance(labels, str) else labels
            start, end = value.get("start"), value.get("end")
            if not (
                isinstance(labels, list)
                and labels
                and all(isinstance(x, str) for x in labels)
                and isinstance(start, int)
                and isinstance(end, int)
            ):
                bad = problem(
                    "N206",
                    **at,
                    fmt="Label Studio result",
                    key=f"result[{k}].value.start/end/labels",
                    hint=_RESULT_HINT,
                )
                break
            want = value.get("text")
            if isinstance(want, str) and text[start:end] != want:
                fixed = _repair(text, start, end, want)
                if fixed is None:
                    bad = problem("N228", **at, start=start, end=end, got=text[start:end][:40], want=want[:40])
                    break
                notes.append(
                    f"{source}: task {n}: repaired [{start}, {end}) → [{fixed[0]}, {fixed[1]}) "
                    f"{want[:40]!r} ({fixed[2]})"
                )
                start, end = fixed[0], fixed[1]
            ents.extend([start, end, label] for label in labels)  # several labels: validate reports the clash
        if bad is not None:
            yield bad
            continue
        if other and not ents:
            yield problem("N227", **at, types=", ".join(sorted(other)))
            continue
        dropped.update(other)
        for note in notes:
            yield Item("note", n, note)
        yield Item("record", n, {"text": text, "entities": ents})
    if relations:
        yield Item("note", 0, f"{source}: {relations} relation result(s) dropped; only entity spans are imported")
    if dropped:
        kinds = ", ".join(f"{c} {t}" for t, c in sorted(dropped.items()))
        yield Item("note", 0, f"{source}: result(s) that are not text spans were dropped: {kinds}")


def to_labelstudio(records: list[Record]) -> list[dict[str, Any]]:
    """The tasks of a Label Studio JSON export, one annotation each."""
    return [
        {
            "id": i,
            "data": {"text": r["text"]},
            "annotations": [
                {
                    "result": [
                        {
                            "id": f"{i}-{k}",
                            "from_name": "label",
                            "to_name": "text",
                            "type": "labels",
                            "value": {"start": s, "end": e, "text": r["text"][s:e], "labels": [label]},
                        }
                        for k, (s, e, label) in enumerate(r["entities"])
                    ]
                }
            ],
        }
        for i, r in enumerate(records, start=1)
    ]
