"""Convert a file of any size: validate and write record by record, publish only if all is well.

Two streaming passes over the input: the first counts label spellings (so that label
case is checked against the whole file, as `validate` does), the second validates each
chunk, writes it to a temporary file beside the output and keeps only the problems.
Memory stays flat (a DocBin output still grows with the data); the output appears,
atomically, only if no record has a problem.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from spacy.language import Language
from spacy.tokens import DocBin, Span

from .. import annotations as anno  # the module; `annotations` is taken by the __future__ import
from ..errors import FormatError, Problem
from ._base import Item, dumps
from .conll import to_conll
from .doccano import to_doccano
from .labelstudio import to_labelstudio
from .prodigy import to_prodigy

CHUNK = 1000
# records carry tokens and entities only: storing no tag/lemma/dependency columns makes the
# DocBin (which spaCy serialises in one piece, so it cannot stream) about 3x smaller in memory
DOCBIN_ATTRS = ["ORTH", "ENT_IOB", "ENT_TYPE"]


@dataclass
class Converted:
    """What `convert_file` did: records written (0 if refused), and everything it reported."""

    written: int = 0
    n_records: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    entities: int = 0


def _chunks(items: Iterator[Item], out: Converted) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        if item.kind == "record":
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        elif item.kind == "problem":
            out.problems.append(item.value)
        elif item.kind == "skipped":
            out.skipped.append((item.line, item.value))
        else:
            out.notes.append(item.value)
    if chunk:
        yield chunk


def _docs(nlp: Language, records: list[dict]) -> list:
    """Docs of records already validated (no second validation)."""
    docs = []
    for rec in records:
        doc = anno.make_doc(nlp, rec)
        # validated: every span aligns to tokens, so char_span returns no None
        doc.ents = cast("list[Span]", [doc.char_span(s, e, label=label) for s, e, label in sorted(rec["entities"])])
        docs.append(doc)
    return docs


def _writer(
    fmt: str, handle, path: str, nlp: Language
) -> tuple[Callable[[list[dict], list[int]], None], Callable[[], None]]:
    """(write a chunk, finish) for output format `fmt` into the open binary `handle`."""
    state: dict[str, Any] = {"first": True, "n": 0, "docbin": DocBin(attrs=DOCBIN_ATTRS, store_user_data=False)}

    def text(s: str) -> None:
        handle.write(s.encode("utf-8"))

    def chunk(records: list[dict], lines: list[int]) -> None:
        if fmt in ("jsonl", "doccano", "prodigy"):
            rows = (
                records
                if fmt == "jsonl"
                else [to_doccano(r) for r in records]
                if fmt == "doccano"
                else [to_prodigy(r, nlp) for r in records]
            )
            text("".join(dumps(row, f"{path}:{line}") + "\n" for row, line in zip(rows, lines)))
        elif fmt == "labelstudio":
            tasks = to_labelstudio(records)
            for task, line in zip(tasks, lines):
                state["n"] += 1
                task["id"] = state["n"]
                text(("[\n" if state["first"] else ",\n") + dumps(task, f"{path}:{line}"))
                state["first"] = False
        elif fmt == "conll":
            body = to_conll(records, nlp)
            text(body if state["first"] else "\n" + body)
            state["first"] = False
        elif fmt == "spacy":
            for doc in _docs(nlp, records):
                state["docbin"].add(doc)
        else:
            raise FormatError("N204", fmt=fmt, choices="jsonl, prodigy, doccano, labelstudio, conll, spacy")

    def finish() -> None:
        if fmt == "labelstudio":
            text("[]\n" if state["first"] else "\n]\n")
        elif fmt == "spacy":
            handle.write(state["docbin"].to_bytes())

    return chunk, finish


def convert_file(
    read: Callable[[], Iterator[Item]],
    output: str | os.PathLike,
    fmt: str,
    nlp: Language,
    *,
    source: str,
    labels: list[str] | None = None,
) -> Converted:
    """Validate everything `read()` yields and write it to `output` in `fmt`, streaming.

    read (Callable): returns a fresh iterator of Items each time (the input is read twice).
    RETURNS (Converted): with `written` = 0 and every problem if anything was wrong;
        the output is then left as it was.
    RAISES FormatError: if the input cannot be read or the output folder is not writable.
    """
    seen: Counter = Counter()
    for item in read():  # pass 1: label spellings over the whole file
        if item.kind == "record" and isinstance(item.value, dict) and isinstance(item.value.get("entities"), list):
            seen.update(
                e[2]
                for e in item.value["entities"]
                if isinstance(e, (list, tuple)) and len(e) == 3 and isinstance(e[2], str)
            )
    case_map = anno.case_map_from_counts(seen, labels)
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as err:
        raise FormatError("N210", path=str(target), reason=err.strerror or str(err)) from None
    out = Converted()
    try:
        with os.fdopen(fd, "wb") as handle:
            write, finish = _writer(fmt, handle, str(target), nlp)
            for chunk in _chunks(read(), out):
                records = [item.value for item in chunk]
                lines = [item.line for item in chunk]
                report = anno.validate(
                    records,
                    nlp,
                    labels,
                    source=source,
                    lines=lines,
                    entity_lines=[item.entity_lines for item in chunk],
                    case_map=case_map,
                    first_index=out.n_records,
                )
                out.n_records += len(records)
                out.problems.extend(report.problems)
                out.warnings.extend(report.warnings)
                if not out.problems:
                    write(records, lines)
                    out.entities += sum(len(r["entities"]) for r in records)
            if not out.problems:
                finish()
                handle.flush()
                os.fsync(handle.fileno())
        if out.problems:
            os.unlink(tmp)
            out.entities = 0
            return out
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
        out.written = out.n_records
        return out
    except BaseException as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise FormatError("N210", path=str(target), reason=err.strerror or str(err)) from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
