"""Where a post comes from: written by hand, or generated from templates.

Since issue 19 the training split is hand-written only: the style-shift measurement
(`bench/style_shift.py`, notebook 05) found that the template-generated posts add nothing to
training. Those posts (made by the seeded generator, `data/scripts/generate.py`) now live in
`data/hardware_posts/generated.jsonl`, kept for the style-shift lesson and for the
active-learning pool of notebook 08; `generated_records` loads them. Dev, test, test_shift
are hand-written, `unlabeled.txt` generated. An experiment that mixes the two kinds (the
style shift, active learning) should say which kind it used or picked, because dev is all
hand-written.

The source of truth is the generator's committed output, `data/scripts/generated/train.md`:
a post is *generated* when its text is one of the lines there. `data/scripts/build.py` also
writes the same fact into each record's ``"source"`` key; `origins` does not rely on it, so it
works on any records, including those that lost the key (a copy, an export, a filtered list,
train and generated posts concatenated), and the tests check that the two agree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from .annotations import Record
from .errors import CourseError
from .formats import read_jsonl
from .settings import data_path

HAND, GENERATED = "hand", "generated"
_MARKUP = re.compile(r"\{\{(.+?)\|[A-Za-z_]+\}\}")


class ProvenanceError(CourseError, ValueError):
    """A request about the origin of posts that cannot be answered as asked."""


def texts_in_markup(path: str | Path) -> set[str]:
    """The plain texts of every post of a markup file ('- ' lines, `{{surface|LABEL}}` spans).

    path (str | Path): a file in the format of data/scripts/*/train.md.
    RETURNS (set[str]): the post texts with the markup removed.
    RAISES ProvenanceError: N560 if the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise ProvenanceError("N560", path=path)
    lines = path.read_text(encoding="utf-8").splitlines()
    return {_MARKUP.sub(r"\1", line[2:].strip()) for line in lines if line.startswith("- ")}


@lru_cache(maxsize=4)
def _generated(path: str) -> frozenset[str]:
    return frozenset(texts_in_markup(path))


def generated_texts(path: str | Path | None = None) -> frozenset[str]:
    """RETURNS (frozenset[str]): texts of the template-generated posts (cached)."""
    return _generated(str(path or data_path("scripts", "generated", "train.md")))


def generated_records(path: str | Path | None = None) -> list[Record]:
    """The annotated template-generated posts, which are not part of the training split.

    path (str | Path | None): a JSONL file (default: data/hardware_posts/generated.jsonl).
    RETURNS (list[Record]): the records in file order, each with "source": "generated".
    RAISES FormatError: N203 on a line that is not a record.
    """
    return read_jsonl(path or data_path("hardware_posts", "generated.jsonl"))


def origins(records: Iterable[Record | str], path: str | Path | None = None) -> list[str]:
    """Mark each post as "hand" or "generated".

    records (Iterable[Record | str]): records (or bare texts) from any file, e.g. the training
        split plus `generated_records()`.
    path (str | Path | None): the generator's markup file (default: data/scripts/generated/train.md).
    RETURNS (list[str]): "generated" if the text is a generated post, else "hand"; in order.
    """
    generated = generated_texts(path)
    return [GENERATED if (r if isinstance(r, str) else r["text"]) in generated else HAND for r in records]


def origin_shares(picked: Sequence[str]) -> dict[str, float]:
    """RETURNS (dict[str, float]): share of "hand" and "generated" among `picked` origins.

    RAISES ProvenanceError: N561 if `picked` is empty or holds another value.
    """
    counts = Counter(picked)
    if not picked or set(counts) - {HAND, GENERATED}:
        raise ProvenanceError("N561", found=", ".join(sorted(map(str, counts))) or "nothing")
    return {HAND: counts[HAND] / len(picked), GENERATED: counts[GENERATED] / len(picked)}
