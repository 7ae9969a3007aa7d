"""What the class report writes: the self-contained HTML page, its inline SVG plot, and the files.

`write(report, out)` puts class.csv and class.html into `out`, each atomically (temp file +
rename). A file already there is replaced only when the course wrote it: the hidden manifest
MANIFEST keeps the SHA-256 of every version the course wrote, so a CSV an instructor edited, or
any file of their own with the same name, is never overwritten (N605) and nothing at all is
written then. The manifest is written first, knowing the old and the new versions, so an
interrupted run leaves whole files and never locks the folder.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import __version__
from .errors import FormatError
from .files import atomic_write_text
from .quiz_progress import ProgressError

if TYPE_CHECKING:
    from .class_report import ClassReport

OUTPUTS = ("class.csv", "class.html")
MANIFEST = ".course-class-report.json"  # what the course wrote into --out, by content hash
_MARK = "ner-course class-report"

_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}"
    "td.text,th.text{text-align:left}.problems{color:#b3261e}svg text{font-size:12px}"
)


def _table(frame: pd.DataFrame, table_id: str) -> str:
    text_columns = {c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])}
    head = "".join(f'<th class="{"text" if c in text_columns else "num"}">{html.escape(str(c))}</th>' for c in frame)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"text" if c in text_columns else "num"}">{html.escape(str(v))}</td>'
            for c, v in zip(frame.columns, values)
        )
        + "</tr>"
        for values in frame.itertuples(index=False)
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def svg(questions: pd.DataFrame) -> str:
    """RETURNS (str): a horizontal bar per question (share right on the first try), as inline SVG."""
    bar_h, left, width = 18, 230, 360
    height = 30 + bar_h * len(questions) + 30
    parts = [
        f'<svg id="difficulty-plot" xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" '
        f'height="{height}" role="img" aria-label="share right on the first try per question">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = left + tick * width
        parts.append(f'<line x1="{x:g}" y1="20" x2="{x:g}" y2="{height - 25}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:g}" y="{height - 10}" text-anchor="middle">{tick:g}</text>')
    for i, row in enumerate(questions.itertuples(index=False)):
        y = 25 + i * bar_h
        label = html.escape(f"{row.question} (n={row.learners})")
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{label}</text>')
        parts.append(
            f'<rect class="bar" x="{left}" y="{y + 2}" width="{row.first_try * width:.1f}" height="{bar_h - 4}" '
            f'fill="#4c72b0"><title>{label}: {row.first_try:.0%}</title></rect>'
        )
        parts.append(f'<text x="{left + row.first_try * width + 4:.1f}" y="{y + 12}">{row.first_try:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)


def page(report: ClassReport) -> str:
    """RETURNS (str): the whole HTML page: problems, learners table, plot, difficulty table."""
    n = len(report.learners)
    problems = "".join(f"<li>{html.escape(line)}</li>" for line in report.lines())
    left_out = (
        f'<h2>Files left out ({len(report.problems)})</h2><ul class="problems">{problems}</ul>' if problems else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="generator" content="ner-course class-report">'
        f"<title>Class report · {n} learners</title><style>{_CSS}</style></head><body>"
        f"<h1>Class report</h1><p>Course version {html.escape(__version__)} · {report.files_read} file(s) read · "
        f"{n} learner(s) · {len(report.problems)} file(s) left out.</p>"
        f"{left_out}<h2>Learners</h2><p>Scores are the percentage of a notebook's quiz questions "
        "and exercises solved.</p>"
        f"{_table(report.learners, 'learners')}"
        "<h2>Question difficulty</h2><p>Share of learners right on the first try, of those who tried "
        "the question (n); the most chosen wrong option is the one the most learners picked at least once.</p>"
        f'<figure id="difficulty">{svg(report.questions)}</figure>'
        f"{_table(report.questions, 'questions')}</body></html>\n"
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_ours(path: Path) -> bool:
    """RETURNS (bool): whether `path` is a report file the course wrote (listed in its folder's manifest)."""
    if path.name not in OUTPUTS:
        return False
    try:
        return _sha(path) in _written_before(path.parent).get(path.name, [])
    except (OSError, ProgressError):
        return False


def _written_before(out: Path) -> dict[str, list[str]]:
    """RETURNS (dict): file name → hashes of the versions the course wrote there.

    RAISES ProgressError: N605 when the manifest exists but is not the course's.
    """
    manifest = out / MANIFEST
    if not manifest.exists():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("generator") != _MARK:
            raise ValueError
        return {str(k): [str(h) for h in v] for k, v in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ProgressError("N605", path=str(manifest)) from None


def write(report: ClassReport, out: str | Path) -> list[Path]:
    """Write class.csv and class.html into `out` (created if missing), each atomically.

    A file already there is replaced only if the course wrote it (its hash is in the hidden
    manifest MANIFEST) and nobody changed it since; otherwise nothing at all is written.
    RETURNS (list[Path]): the two files. RAISES ProgressError: N604 (cannot write), N605 (refused).
    """
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ProgressError("N604", path=str(folder), reason=err.strerror or type(err).__name__) from None
    if not folder.is_dir():
        raise ProgressError("N604", path=str(folder), reason="it is a file, not a folder")
    known = _written_before(folder)
    current: dict[str, list[str]] = {}
    for name in OUTPUTS:
        target = folder / name
        if target.exists() or target.is_symlink():
            if not target.is_file() or target.is_symlink() or _sha(target) not in known.get(name, []):
                raise ProgressError("N605", path=str(target))
            current[name] = [_sha(target)]
    texts = {"class.csv": report.to_csv(), "class.html": report.to_html()}
    new = {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in texts.items()}

    def manifest(hashes: dict[str, list[str]]) -> None:
        atomic_write_text(folder / MANIFEST, json.dumps({"generator": _MARK, "files": hashes}, indent=1) + "\n")

    try:
        # the manifest first knows both versions, so an interrupted run never locks the folder
        manifest({name: sorted(set(current.get(name, []) + [new[name]])) for name in OUTPUTS})
        for name, text in texts.items():
            atomic_write_text(folder / name, text)
        manifest({name: [new[name]] for name in OUTPUTS})
    except FormatError as err:
        raise ProgressError("N604", path=str(folder), reason=err.fields.get("reason", err.message)) from None
    return [folder / name for name in OUTPUTS]
