"""Replace one `## ` section of bench/RESULTS.md, leaving the rest of the file as it is.

Bench scripts that are run on their own (`python bench/model_scores.py --write`) update only
their own section; `bench/report.py` (`make bench`) rewrites the whole file with the same
section bodies.
"""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """RETURNS (str): a GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def replace_section(heading: str, body: str, path: Path = RESULTS) -> None:
    """Write `## heading` followed by `body`, in place of the section of that heading (or at the end).

    heading (str): the heading text without "## ".
    body (str): the markdown under the heading.
    path (Path): the results file.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = f"## {heading}\n\n{body.strip()}\n"
    marker = f"## {heading}\n"
    if text.startswith(marker) or f"\n{marker}" in text:
        start = 0 if text.startswith(marker) else text.index(f"\n{marker}") + 1
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + section + ("\n" + text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
