"""Read and write annotations: canonical JSONL, Prodigy, doccano, Label Studio, CoNLL/IOB2, DocBin.

Every reader returns a `Loaded` bundle (records + the line each came from, so that
problems can name it); every writer validates first and writes atomically, so a
failure never leaves a half-written file behind.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import DocBin

from .annotations import Record, from_doc, to_docs
from .errors import FormatError, Problem
from .files import atomic_write_bytes, atomic_write_text

FORMATS = ("jsonl", "prodigy", "doccano", "labelstudio", "conll", "spacy")
_EXTENSIONS = {".spacy": "spacy", ".conll": "conll", ".iob": "conll", ".iob2": "conll", ".bio": "conll",
               ".json": "labelstudio"}


@dataclass
class Loaded:
    """Records read from a file, with the 1-based line (or item number) of each."""

    records: list[Any]
    lines: list[int]
    source: str
    problems: list[Problem] = field(default_factory=list)  # lines that could not be parsed
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why) not imported


def _read_text(path: str | os.PathLike) -> str:
    p = Path(path)
    if not p.is_file():
        raise FormatError("E201", path=str(p), cwd=os.getcwd())
    try:
        return p.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as err:
        reason = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else (err.strerror or str(err))
        raise FormatError("E202", path=str(p), reason=reason) from None


def _jsonl_objects(path: str | os.PathLike) -> Loaded:
    """Parse each non-blank line; bad lines become E203 problems, not exceptions."""
    loaded = Loaded([], [], str(path))
    for n, raw in enumerate(_read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as err:
            loaded.problems.append(Problem.make("E203", (len(loaded.records), n, str(path)), reason=err.msg))
            continue
        loaded.records.append(obj)
        loaded.lines.append(n)
    return loaded


def guess_format(path: str | os.PathLike, *, reading: bool) -> str:
    """Format from the file name; for `.jsonl` input, from the first record's keys.

    RAISES FormatError: E205 if the name does not tell.
    """
    suffix = Path(path).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix == ".jsonl":
        if not reading:
            return "jsonl"
        first = next((r for r in _jsonl_objects(path).records if isinstance(r, dict)), {})
        if "spans" in first:
            return "prodigy"
        ents = first.get("entities")
        dict_spans = isinstance(ents, list) and bool(ents) and isinstance(ents[0], dict)
        if (("label" in first or "labels" in first) and "entities" not in first) or dict_spans:
            return "doccano"
        return "jsonl"
    raise FormatError("E205", path=str(path), choices=", ".join(FORMATS))


# --- format-specific record mapping ------------------------------------------------

def _need(obj: dict, key: str, fmt: str, hint: str, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise FormatError("E206", where=where, fmt=fmt, key=key, hint=hint)
    return obj[key]


def _mapped_jsonl(path: str | os.PathLike, fmt: str, convert: Callable[[dict, str], Record | None]) -> Loaded:
    raw = _jsonl_objects(path)
    out = Loaded([], [], raw.source, raw.problems)
    for obj, line in zip(raw.records, raw.lines):
        rec = convert(obj, f"{path}:{line}")
        if rec is None:
            out.skipped.append((line, f"{fmt} answer is '{obj.get('answer')}'"))
            continue
        out.records.append(rec)
        out.lines.append(line)
    return out


def _from_prodigy(obj: dict, where: str) -> Record | None:
    text = _need(obj, "text", "Prodigy", "export with `prodigy db-out`", where)
    if obj.get("answer", "accept") != "accept":
        return None
    spans = obj.get("spans") or []
    return {"text": text, "entities": [[_need(s, "start", "Prodigy span", "spans need start/end/label", where),
                                        _need(s, "end", "Prodigy span", "spans need start/end/label", where),
                                        _need(s, "label", "Prodigy span", "spans need start/end/label", where)]
                                       for s in spans]}


def _from_doccano(obj: dict, where: str) -> Record:
    text = _need(obj, "text", "doccano", "export the project as JSONL", where)
    spans = obj.get("label", obj.get("labels", obj.get("entities", [])))
    hint = "spans are [start, end, label] lists or {start_offset, end_offset, label} objects"
    ents = [[_need(s, k, "doccano span", hint, where) for k in ("start_offset", "end_offset", "label")]
            if isinstance(s, dict) else s for s in spans]
    return {"text": text, "entities": ents}


def _to_prodigy(record: Record, nlp: Language) -> dict:
    doc = to_docs(nlp, [record])[0]
    tokens = [{"text": t.text, "start": t.idx, "end": t.idx + len(t), "id": t.i, "ws": bool(t.whitespace_)}
              for t in doc]
    spans = [{"start": e.start_char, "end": e.end_char, "label": e.label_,
              "token_start": e.start, "token_end": e.end - 1} for e in doc.ents]
    return {"text": record["text"], "tokens": tokens, "spans": spans, "answer": "accept"}


def _from_labelstudio(path: str | os.PathLike) -> Loaded:
    try:
        tasks = json.loads(_read_text(path))
    except json.JSONDecodeError as err:
        raise FormatError("E203", where=f"{path}:{err.lineno}", reason=err.msg) from None
    if not isinstance(tasks, list):
        raise FormatError("E206", where=str(path), fmt="Label Studio export", key="[tasks]",
                          hint="export the project as JSON (a list of tasks), not JSON-MIN or CSV")
    out = Loaded([], [], str(path))
    for n, task in enumerate(tasks, start=1):
        where = f"{path}: task {n}"
        data = _need(task, "data", "Label Studio task", "each task has data.text", where)
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str):
            raise FormatError("E206", where=where, fmt="Label Studio task", key="data.text",
                              hint="name the text field 'text' in the labeling config")
        annotations = task.get("annotations", [])
        if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
            raise FormatError("E206", where=where, fmt="Label Studio task", key="annotations[]",
                              hint="each annotation is an object with a 'result' list")
        done = [a for a in annotations if not a.get("was_cancelled")]
        if not done:
            out.skipped.append((n, "no finished annotation"))
            continue
        try:
            ents = [[r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]]
                    for r in done[-1].get("result", []) if r.get("type") == "labels"]
        except (KeyError, IndexError, TypeError):
            raise FormatError("E206", where=where, fmt="Label Studio result", key="value.start/end/labels",
                              hint="use a Labels control over a Text object in the labeling config") from None
        out.records.append({"text": text, "entities": ents})
        out.lines.append(n)
    return out


def _to_labelstudio(records: list[Record]) -> list[dict]:
    return [{"id": i, "data": {"text": r["text"]},
             "annotations": [{"result": [
                 {"id": f"{i}-{k}", "from_name": "label", "to_name": "text", "type": "labels",
                  "value": {"start": s, "end": e, "text": r["text"][s:e], "labels": [label]}}
                 for k, (s, e, label) in enumerate(r["entities"])]}]}
            for i, r in enumerate(records, start=1)]


def _from_conll(path: str | os.PathLike) -> Loaded:
    out = Loaded([], [], str(path))
    tokens: list[tuple[str, str, int]] = []

    def flush() -> None:
        if not tokens:
            return
        text, ents, pos = "", [], 0
        for tok, tag, _ in tokens:
            start = pos
            text += tok + " "
            pos += len(tok) + 1
            if tag.startswith("B-"):
                ents.append([start, start + len(tok), tag[2:]])
            elif tag.startswith("I-"):
                ents[-1][1] = start + len(tok)
        out.records.append({"text": text[:-1], "entities": ents})
        out.lines.append(tokens[0][2])
        tokens.clear()

    for n, raw in enumerate(_read_text(path).splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("-DOCSTART-"):
            flush()
            continue
        parts = line.split()
        if len(parts) < 2:
            raise FormatError("E207", where=f"{path}:{n}", line_text=line)
        tag = parts[-1]
        if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2):
            raise FormatError("E208", where=f"{path}:{n}", tag=tag)
        prev = tokens[-1][1] if tokens else "O"
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            raise FormatError("E209", where=f"{path}:{n}", tag=tag, prev=prev, label=tag[2:])
        tokens.append((parts[0], tag, n))
    flush()
    return out


def _to_conll(records: list[Record], nlp: Language) -> str:
    blocks = []
    for doc in to_docs(nlp, records):
        rows = [f"{t.text}\t{t.ent_iob_ + '-' + t.ent_type_ if t.ent_type_ else 'O'}"
                for t in doc if not t.is_space]
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks) + "\n"


def _from_docbin(path: str | os.PathLike, nlp: Language) -> Loaded:
    p = Path(path)
    if not p.is_file():
        raise FormatError("E201", path=str(p), cwd=os.getcwd())
    try:
        docs = list(DocBin().from_disk(p).get_docs(nlp.vocab))
    except Exception as err:  # noqa: BLE001 - srsly/msgpack raise many types for a corrupt file
        raise FormatError("E211", path=str(p), reason=type(err).__name__) from None
    return Loaded([from_doc(d) for d in docs], list(range(1, len(docs) + 1)), str(p))


# --- public API ------------------------------------------------------------------

def load(path: str | os.PathLike, fmt: str | None = None, nlp: Language | None = None) -> Loaded:
    """Read annotations from `path` in format `fmt` (guessed from the name when None).

    nlp (Language | None): vocab for DocBin files (a blank English pipeline if None).
    RETURNS (Loaded): canonical records with the line each came from.
    RAISES FormatError: E201/E202 unreadable file, E204 unknown format, E206-E211 format errors.
    """
    fmt = fmt or guess_format(path, reading=True)
    if fmt == "jsonl":
        return _jsonl_objects(path)
    if fmt == "prodigy":
        return _mapped_jsonl(path, fmt, _from_prodigy)
    if fmt == "doccano":
        return _mapped_jsonl(path, fmt, _from_doccano)
    if fmt == "labelstudio":
        return _from_labelstudio(path)
    if fmt == "conll":
        return _from_conll(path)
    if fmt == "spacy":
        return _from_docbin(path, nlp or _blank())
    raise FormatError("E204", fmt=fmt, choices=", ".join(FORMATS))


def read_jsonl(path: str | os.PathLike) -> list[Record]:
    """Canonical records from a JSONL file. RAISES FormatError on the first bad line."""
    loaded = _jsonl_objects(path)
    if loaded.problems:
        first = loaded.problems[0]
        raise FormatError("E203", where=f"{path}:{first.line}", reason=first.message)
    return loaded.records


def dump(records: list[Record], path: str | os.PathLike, fmt: str | None = None,
         nlp: Language | None = None) -> Path:
    """Write records atomically in `fmt` (guessed from the name when None).

    Records are validated against `nlp`'s tokenizer first for every format that
    stores tokens (prodigy, conll, spacy). RAISES AnnotationError or FormatError.
    """
    fmt = fmt or guess_format(path, reading=False)
    nlp = nlp or _blank()
    if fmt in ("jsonl", "doccano"):
        to_docs(nlp, records)
        rows = records if fmt == "jsonl" else [{"text": r["text"], "label": r["entities"]} for r in records]
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        return atomic_write_text(path, "".join(line + "\n" for line in lines))
    if fmt == "prodigy":
        to_docs(nlp, records)  # all problems with their lines, not just the first record's
        rows = [_to_prodigy(r, nlp) for r in records]
        return atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    if fmt == "labelstudio":
        to_docs(nlp, records)
        return atomic_write_text(path, json.dumps(_to_labelstudio(records), ensure_ascii=False, indent=1) + "\n")
    if fmt == "conll":
        return atomic_write_text(path, _to_conll(records, nlp))
    if fmt == "spacy":
        return atomic_write_bytes(path, DocBin(docs=to_docs(nlp, records), store_user_data=False).to_bytes())
    raise FormatError("E204", fmt=fmt, choices=", ".join(FORMATS))


def write_jsonl(records: list[Record], path: str | os.PathLike, nlp: Language | None = None) -> Path:
    """Write canonical JSONL atomically (validated first)."""
    return dump(records, path, "jsonl", nlp)


def _blank() -> Language:
    import spacy

    return spacy.blank("en")
