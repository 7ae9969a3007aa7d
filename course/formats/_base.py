"""What every reader and writer shares: safe file opening, line splitting, JSON parsing.

Readers are generators of `Item`s, so a file can be checked and converted in one
streaming pass; `collect` turns them into the `Loaded` bundle most callers want.
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from ..errors import FormatError, Problem

MAX_DEPTH = 64  # deeper JSON is refused before json.loads can hit the recursion limit


@dataclass
class Loaded:
    """Records read from a file, with the 1-based line (or item number) of each.

    problems: records that could not be read (each names its line); skipped: (line, why)
    of records left out on purpose; notes: one counted sentence per kind of information
    that the course does not import (e.g. relations), or a repair it made.
    """

    records: list[Any]
    lines: list[int]
    source: str
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    entity_lines: list[list[int] | None] = field(default_factory=list)


@dataclass(frozen=True)
class Item:
    """One event of a streaming reader: a record, a problem, a skipped record or a note."""

    kind: str  # "record" | "problem" | "skipped" | "note"
    line: int
    value: Any
    entity_lines: list[int] | None = None  # for a record: the line of each entity (CoNLL)


def collect(items: Iterable[Item], source: str) -> Loaded:
    """Gather a reader's items into a `Loaded` bundle."""
    out = Loaded([], [], source)
    for item in items:
        if item.kind == "record":
            out.records.append(item.value)
            out.lines.append(item.line)
            out.entity_lines.append(item.entity_lines)
        elif item.kind == "problem":
            out.problems.append(item.value)
        elif item.kind == "skipped":
            out.skipped.append((item.line, item.value))
        else:
            out.notes.append(item.value)
    return out


class At(TypedDict):
    """Where a record sits, as `problem(code, **at, ...)` takes it."""

    index: int
    line: int
    source: str


def problem(code: str, index: int, line: int, source: str, **fields: object) -> Item:
    """An Item holding a coded problem for the record at `line`."""
    return Item("problem", line, Problem.make(code, (index, line, source), **fields))


def check_path(path: str | os.PathLike) -> Path:
    """The path as a readable regular file, or a FormatError that says what it really is.

    RAISES FormatError: N201 missing, N220 a directory, N221 not a regular file (FIFO,
    device, socket), N222 permission denied.
    """
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise FormatError("N201", path=str(p), cwd=os.getcwd()) from None
    except PermissionError:
        raise FormatError("N222", path=str(p)) from None
    except OSError as err:
        raise FormatError("N202", path=str(p), reason=err.strerror or str(err)) from None
    if stat.S_ISDIR(mode):
        raise FormatError("N220", path=str(p))
    if not stat.S_ISREG(mode):
        raise FormatError("N221", path=str(p))
    if not os.access(p, os.R_OK):
        raise FormatError("N222", path=str(p))
    return p


def _decode(raw: bytes, path: Path, n: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("N202", where=f"{path}:{n}", path=str(path), reason="not UTF-8 text") from None


def iter_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) for every line, streaming.

    Lines end only at '\\n' (a trailing '\\r' is dropped), so U+2028, U+2029 and U+0085
    inside a text never split a record. A UTF-8 byte-order mark is accepted.
    RAISES FormatError: N201/N202/N220-N222 if the file cannot be read.
    """
    p = check_path(path)
    try:
        with open(p, "rb") as handle:
            for n, raw in enumerate(handle, start=1):
                if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                yield n, _decode(raw.rstrip(b"\n").rstrip(b"\r"), p, n)
    except PermissionError:
        raise FormatError("N222", path=str(p)) from None
    except OSError as err:
        raise FormatError("N202", path=str(p), reason=err.strerror or str(err)) from None


def read_text(path: str | os.PathLike) -> str:
    """The whole file as text (BOM removed). RAISES FormatError like `iter_lines`."""
    p = check_path(path)
    try:
        data = p.read_bytes()
    except PermissionError:
        raise FormatError("N222", path=str(p)) from None
    except OSError as err:
        raise FormatError("N202", path=str(p), reason=err.strerror or str(err)) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return _decode(data, p, 1).replace("\r\n", "\n")


def _too_deep(text: str) -> bool:
    """True if brackets nest deeper than MAX_DEPTH (strings are skipped)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def parse_json(text: str) -> tuple[Any, str | None, int]:
    """Parse JSON without ever raising.

    RETURNS (tuple): (value, None, 0) or (None, reason, line within `text`).
    """
    if _too_deep(text):
        return None, f"nested deeper than {MAX_DEPTH} levels", 1
    try:
        return json.loads(text), None, 0
    except json.JSONDecodeError as err:
        return None, err.msg, err.lineno
    except RecursionError:
        return None, f"nested deeper than {MAX_DEPTH} levels", 1
    except ValueError as err:  # e.g. an integer with more than sys.get_int_max_str_digits() digits
        reason = "a number has too many digits" if "digits" in str(err) else str(err).split(":")[0]
        return None, reason, 1


def iter_json_lines(path: str | os.PathLike) -> Iterator[tuple[int, Any, str | None]]:
    """(line, object, None) per non-blank line, or (line, None, reason) for a bad one."""
    for n, raw in iter_lines(path):
        if not raw.strip():
            continue
        value, reason, _ = parse_json(raw)
        yield n, value, reason


def dumps(value: Any, where: str, **kwargs: Any) -> str:
    """json.dumps that never writes NaN/Infinity or a lone surrogate.

    RAISES FormatError: N230 naming `where` (file and line of the record).
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, **kwargs)
        text.encode("utf-8")
    except ValueError as err:  # UnicodeEncodeError is a ValueError too
        what = "a lone surrogate" if isinstance(err, UnicodeEncodeError) else "NaN or Infinity"
        raise FormatError("N230", where=where, what=what) from None
    return text


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def kind_of(value: Any) -> str:
    """A JSON-ish name for the type of `value`, for messages."""
    names = {
        list: "a list",
        dict: "an object",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)
