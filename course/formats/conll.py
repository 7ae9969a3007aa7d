"""CoNLL / IOB: one token per line, the tag in a column, blank lines between sentences.

Reads IOB1 (the original CoNLL-2003 tags), IOB2 and BIOES (BILOU too), detected from
the whole file or given; keeps the file's own tokens, so nothing is re-tokenized.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from spacy.language import Language

from ..annotations import Record, to_docs
from ..errors import FormatError
from ._base import Item, iter_lines, problem

SCHEMES = ("IOB1", "IOB2", "BIOES")
_PREFIXES = {"IOB1": "BI", "IOB2": "BI", "BIOES": "BIESLU"}


def _sentences(path: str | os.PathLike) -> Iterator[list[tuple[int, list[str]]]]:
    rows: list[tuple[int, list[str]]] = []
    for n, raw in iter_lines(path):
        line = raw.strip()
        if not line or line.startswith("-DOCSTART-"):
            if rows:
                yield rows
            rows = []
            continue
        rows.append((n, line.split()))
    if rows:
        yield rows


def _split(tag: str) -> tuple[str, str]:
    return (tag[0], tag[2:]) if len(tag) > 2 and tag[1] in "-_" else (tag, "")


def detect_scheme(path: str | os.PathLike, tag_column: int = -1) -> str:
    """'BIOES' if any S-/E-/L-/U- tag occurs, 'IOB1' if an entity starts with I-, else 'IOB2'."""
    iob1 = False
    for rows in _sentences(path):
        prev = "O"
        for _, parts in rows:
            tag = parts[tag_column] if -len(parts) <= tag_column < len(parts) else "O"
            prefix, label = _split(tag)
            if prefix in "SELU" and label:
                return "BIOES"
            if prefix == "I" and label and _split(prev)[1] != label:
                iob1 = True
            prev = tag
    return "IOB1" if iob1 else "IOB2"


def _column(tag_column: int) -> str:
    return "the last column" if tag_column == -1 else f"column {tag_column}"


def _parse(rows, scheme: str, tag_column: int, source: str, index: int):
    """RETURNS (tuple): (words, [(first, last, label, line)], None) or (None, None, problem Item)."""
    words, spans, prefixes = [], [], _PREFIXES[scheme]
    open_: list | None = None  # [first, last, label, line] of the entity being read
    for i, (n, parts) in enumerate(rows):
        at = dict(index=index, line=n, source=source)
        if len(parts) < 2:
            return None, None, problem("N207", **at, line_text=" ".join(parts)[:60])
        if not -len(parts) <= tag_column < len(parts):
            return None, None, problem("N233", **at, n=len(parts), column=tag_column)
        tag = parts[tag_column]
        words.append(parts[1] if tag_column in (0, -len(parts)) else parts[0])
        prefix, label = _split(tag)
        if tag != "O" and not (label and prefix in prefixes):
            return None, None, problem("N208", **at, tag=tag[:40], scheme=scheme, column=_column(tag_column))
        prefix = {"L": "E", "U": "S"}.get(prefix, prefix)
        continues = open_ is not None and open_[2] == label
        if scheme == "BIOES" and open_ is not None and not (prefix in "IE" and continues):
            return (
                None,
                None,
                problem("N229", **at, tag=tag, prev=rows[i - 1][1][tag_column], scheme=scheme, label=label or open_[2]),
            )
        if tag == "O":
            open_ = None
        elif (prefix == "I" and continues) or prefix == "E":
            if prefix == "E" and not continues:
                return (
                    None,
                    None,
                    problem(
                        "N229",
                        **at,
                        tag=tag,
                        prev="O" if i == 0 else rows[i - 1][1][tag_column],
                        scheme=scheme,
                        label=label,
                    ),
                )
            assert open_ is not None  # `continues` holds here, and it implies an open entity
            open_[1] = i
            if prefix == "E":
                open_ = None
        elif prefix == "I" and scheme in ("IOB2", "BIOES"):
            prev = "O" if i == 0 else rows[i - 1][1][tag_column]
            code = "N209" if scheme == "IOB2" else "N229"
            return None, None, problem(code, **at, tag=tag, prev=prev, scheme=scheme, label=label)
        else:  # B-, S-, or an IOB1 I- that starts a new entity
            open_ = [i, i, label, n]
            spans.append(open_)
            if prefix == "S":
                open_ = None
    if scheme == "BIOES" and open_ is not None:
        n = rows[-1][0]
        return (
            None,
            None,
            problem(
                "N229",
                index=index,
                line=n,
                source=source,
                tag="(end of sentence)",
                prev=rows[-1][1][tag_column],
                scheme=scheme,
                label=open_[2],
            ),
        )
    return words, spans, None


def iter_conll(path: str | os.PathLike, *, scheme: str | None = None, tag_column: int = -1) -> Iterator[Item]:
    """One record per sentence, keeping the file's tokens ("words"/"spaces" keys).

    scheme (str | None): 'IOB1', 'IOB2' or 'BIOES'; None detects it from the whole file.
    tag_column (int): the column that holds the tag, counted from 0 (-1: the last one).
    """
    if scheme is not None and scheme.upper() not in SCHEMES:
        raise FormatError("N232", scheme=scheme, choices=", ".join(SCHEMES))
    scheme = scheme.upper() if scheme else detect_scheme(path, tag_column)
    source = str(path)
    yield Item("note", 0, f"{source}: read as CoNLL with {scheme} tags in {_column(tag_column)}")
    for index, rows in enumerate(_sentences(path)):
        words, spans, bad = _parse(rows, scheme, tag_column, source, index)
        if bad is not None:
            yield bad
            continue
        starts, pos = [], 0
        for w in words:
            starts.append(pos)
            pos += len(w) + 1
        record = {
            "text": " ".join(words),
            "entities": [[starts[a], starts[b] + len(words[b]), label] for a, b, label, _ in spans],
            "words": words,
            "spaces": [True] * (len(words) - 1) + [False],
        }
        yield Item("record", rows[0][0], record, [line for *_, line in spans])


def to_conll(records: list[Record], nlp: Language) -> str:
    """IOB2 tags, one 'TOKEN<TAB>TAG' line per token, a blank line between records."""
    blocks = []
    for doc in to_docs(nlp, records):
        rows = [f"{t.text}\t{t.ent_iob_ + '-' + t.ent_type_ if t.ent_type_ else 'O'}" for t in doc if not t.is_space]
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks) + "\n"
