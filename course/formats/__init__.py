"""Read and write annotations: canonical JSONL, Prodigy, doccano, Label Studio, CoNLL/IOB, DocBin.

Every reader returns a `Loaded` bundle (records + the line each came from, so that
problems can name it); one bad record never stops a file: it becomes a problem with
its line and reading goes on. Every writer validates first and writes atomically, so
a failure never leaves a half-written file behind. `iter_records` and `convert`
stream, for files too large to hold in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import DocBin

from ..annotations import Record, from_doc, to_docs
from ..errors import FormatError
from ..files import atomic_write_bytes, atomic_write_text
from ._base import Item, Loaded, check_path, collect, dumps, iter_json_lines
from .conll import SCHEMES, detect_scheme, iter_conll, to_conll
from .doccano import iter_doccano, to_doccano
from .jsonl import iter_jsonl, jsonl_lines
from .labelstudio import iter_labelstudio, to_labelstudio
from .prodigy import iter_prodigy, to_prodigy
from .stream import DOCBIN_ATTRS

__all__ = [
    "FORMATS",
    "SCHEMES",
    "Loaded",
    "Item",
    "guess_format",
    "load",
    "iter_records",
    "read_jsonl",
    "dump",
    "write_jsonl",
    "detect_scheme",
    "stream_jsonl",
]

FORMATS = ("jsonl", "prodigy", "doccano", "labelstudio", "conll", "spacy")
_EXTENSIONS = {
    ".spacy": "spacy",
    ".conll": "conll",
    ".iob": "conll",
    ".iob2": "conll",
    ".bio": "conll",
    ".bioes": "conll",
    ".json": "labelstudio",
}
SNIFF_LINES = 2000  # how many objects of a .jsonl file `guess_format` looks at


def _vote(obj: Any) -> str | None:
    """Which JSONL dialect one object speaks, or None if it could be any."""
    if not isinstance(obj, dict):
        return None
    ents = obj.get("entities")
    if isinstance(ents, list) and ents and all(isinstance(e, (list, tuple)) for e in ents):
        return "jsonl"  # canonical, even with an extra "spans" key
    if isinstance(ents, list) and ents and isinstance(ents[0], dict):
        return "doccano"
    if "label" in obj or "labels" in obj or ("data" in obj and "text" not in obj):
        return "doccano"
    if "entities" in obj:
        return "jsonl"
    if any(key in obj for key in ("spans", "tokens", "_input_hash", "_task_hash", "answer")):
        return "prodigy"
    return None


def guess_format(path: str | os.PathLike, *, reading: bool) -> str:
    """Format from the file name; for `.jsonl` input, from the keys of the first objects.

    Up to SNIFF_LINES objects vote (a Prodigy export whose first task has no spans is
    still Prodigy); a file of bare texts counts as canonical JSONL.
    RAISES FormatError: N205 if the name does not tell.
    """
    suffix = Path(path).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix == ".jsonl":
        if not reading:
            return "jsonl"
        votes: dict[str, int] = {}
        for k, (_, obj, _) in enumerate(iter_json_lines(path)):
            vote = _vote(obj)
            if vote is not None:
                votes[vote] = votes.get(vote, 0) + 1
            if k >= SNIFF_LINES:
                break
        return max(votes, key=lambda v: (votes[v], v == "jsonl")) if votes else "jsonl"
    raise FormatError("N205", path=str(path), choices=", ".join(FORMATS))


def _from_docbin(path: str | os.PathLike, nlp: Language) -> Iterator[Item]:
    p = check_path(path)
    try:
        docs = list(DocBin().from_disk(p).get_docs(nlp.vocab))
    except Exception as err:  # noqa: BLE001 - srsly/msgpack raise many types for a corrupt file
        raise FormatError("N211", path=str(p), reason=type(err).__name__) from None
    for n, doc in enumerate(docs, start=1):
        yield Item("record", n, from_doc(doc))


def iter_records(
    path: str | os.PathLike,
    fmt: str | None = None,
    nlp: Language | None = None,
    *,
    scheme: str | None = None,
    tag_column: int = -1,
    accept_binary: bool = False,
) -> Iterator[Item]:
    """Stream a file as `Item`s (records, problems, skipped records, notes) without holding it.

    fmt (str | None): one of FORMATS; guessed from the name (and content) when None.
    scheme, tag_column: CoNLL only (see `conll.iter_conll`).
    accept_binary (bool): Prodigy only: import binary accept/reject tasks as gold.
    RAISES FormatError: N201/N202/N220-N222 unreadable file, N204 unknown format.
    """
    fmt = fmt or guess_format(path, reading=True)
    if fmt == "jsonl":
        return iter_jsonl(path)
    if fmt == "prodigy":
        return iter_prodigy(path, accept_binary=accept_binary)
    if fmt == "doccano":
        return iter_doccano(path)
    if fmt == "labelstudio":
        return iter_labelstudio(path)
    if fmt == "conll":
        return iter_conll(path, scheme=scheme, tag_column=tag_column)
    if fmt == "spacy":
        return _from_docbin(path, nlp or _blank())
    raise FormatError("N204", fmt=fmt, choices=", ".join(FORMATS))


def load(
    path: str | os.PathLike,
    fmt: str | None = None,
    nlp: Language | None = None,
    *,
    scheme: str | None = None,
    tag_column: int = -1,
    accept_binary: bool = False,
) -> Loaded:
    """Read annotations from `path` in format `fmt` (guessed when None).

    nlp (Language | None): vocab for DocBin files (a blank English pipeline if None).
    RETURNS (Loaded): canonical records with the line each came from, every problem,
        skipped record and note.
    RAISES FormatError: if the file cannot be read at all (a bad record is a problem instead).
    """
    return collect(
        iter_records(path, fmt, nlp, scheme=scheme, tag_column=tag_column, accept_binary=accept_binary), str(path)
    )


def read_jsonl(path: str | os.PathLike) -> list[Record]:
    """Canonical records from a JSONL file. RAISES FormatError on the first bad line."""
    loaded = collect(iter_jsonl(path), str(path))
    if loaded.problems:
        first = loaded.problems[0]
        raise FormatError("N203", where=f"{path}:{first.line}", reason=first.message)
    return loaded.records


def stream_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, Any]]:
    """(line, object) for each line of a JSONL file, streaming. RAISES FormatError on a bad line."""
    for n, obj, reason in iter_json_lines(path):
        if reason is not None:
            raise FormatError("N203", where=f"{path}:{n}", reason=reason)
        yield n, obj


def _rows(records: list[Record], fmt: str, nlp: Language) -> Iterable[Any]:
    if fmt == "jsonl":
        return records
    if fmt == "doccano":
        return [to_doccano(r) for r in records]
    return [to_prodigy(r, nlp) for r in records]


def dump(records: list[Record], path: str | os.PathLike, fmt: str | None = None, nlp: Language | None = None) -> Path:
    """Write records atomically in `fmt` (guessed from the name when None).

    Records are validated against `nlp`'s tokenizer first (or their own "words"), so
    nothing invalid is written. RAISES AnnotationError or FormatError (N230: NaN/Infinity).
    """
    fmt = fmt or guess_format(path, reading=False)
    nlp = nlp or _blank()
    records = list(records)
    if fmt in ("jsonl", "doccano", "prodigy"):
        to_docs(nlp, records)  # all problems with their lines, not just the first record's
        return atomic_write_text(path, "".join(jsonl_lines(_rows(records, fmt, nlp), path)))
    if fmt == "labelstudio":
        to_docs(nlp, records)
        return atomic_write_text(path, dumps(to_labelstudio(records), str(path), indent=1) + "\n")
    if fmt == "conll":
        return atomic_write_text(path, to_conll(records, nlp))
    if fmt == "spacy":
        docbin = DocBin(attrs=DOCBIN_ATTRS, docs=to_docs(nlp, records), store_user_data=False)
        return atomic_write_bytes(path, docbin.to_bytes())
    raise FormatError("N204", fmt=fmt, choices=", ".join(FORMATS))


def write_jsonl(records: list[Record], path: str | os.PathLike, nlp: Language | None = None) -> Path:
    """Write canonical JSONL atomically (validated first)."""
    return dump(records, path, "jsonl", nlp)


def _blank() -> Language:
    import spacy

    return spacy.blank("en")
