"""Run `python -m course validate/convert/stats` on every real export in ../shared/real_exports/.

For each file it prints the entities in the source (counted here with plain `json`,
independently of the course's readers), the entities that `convert` wrote to a
.spacy file (read back with spaCy's own DocBin), and the records skipped or refused
and why, so that any loss is visible. Skips cleanly when the folder is absent.

    PYTHONPATH=$PWD python bench/real_exports.py [FOLDER]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent.parent / "shared" / "real_exports"  # /work/shared/real_exports from a worktree


def source_entities(path: Path) -> int:
    """Entities as the tool wrote them, counted without the course's readers."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".json":
        tasks = json.loads(text)
        tasks = [tasks] if isinstance(tasks, dict) else tasks
        total = 0
        for task in tasks:
            annotations = task.get("annotations") or task.get("completions") or []
            done = [a for a in annotations if not a.get("was_cancelled") and not a.get("skipped")]
            if done:
                newest = max(enumerate(done), key=lambda ia: (str(ia[1].get("created_at") or ""), ia[0]))[1]
                total += sum(
                    len(r["value"].get("labels", [])) if isinstance(r["value"].get("labels"), list) else 1
                    for r in newest.get("result", [])
                    if r.get("type") == "labels"
                )
        return total
    total = 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        obj = json.loads(line)
        if obj.get("answer", "accept") != "accept":
            continue
        spans = obj.get("spans") or obj.get("entities") or obj.get("label") or obj.get("labels") or []
        total += len(spans)
    return total


def docbin_entities(path: Path) -> int:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    return sum(len(doc.ents) for doc in DocBin().from_disk(path).get_docs(nlp.vocab))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "course", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )


def reasons(stderr: str, stdout: str) -> str:
    """Count the skipped/refused records per reason (code or 'skipped (...)')."""
    found: dict[str, int] = {}
    for line in (stdout + stderr).splitlines():
        m = re.search(r":\d+: (?:warning )?(N\d{3})", line) or re.search(r"skipped \((.*?)\)", line)
        if m:
            key = re.sub(r"task \d+", "task N", m.group(1))
            found[key] = found.get(key, 0) + 1
        elif line.startswith("note:"):
            key = "note: " + line.split(": ", 2)[-1][:60]
            found[key] = found.get(key, 0) + 1
    return "; ".join(f"{k} ×{n}" for k, n in sorted(found.items())) or "-"


def main(folder: Path) -> int:
    if not folder.is_dir():
        print(f"skipped: {folder} does not exist (the real exports are not on this machine)")
        return 0
    files = sorted(p for p in folder.iterdir() if p.suffix in (".json", ".jsonl", ".conll"))
    print(f"{'file':<42} {'in':>5} {'out':>5} {'stats':>5}  rc(v/c/s)  skipped or refused (why)")
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            out = Path(tmp) / (path.stem + ".spacy")
            validate = run("validate", str(path), cwd=Path(tmp))
            convert = run("convert", str(path), str(out), cwd=Path(tmp))
            stats = run("stats", str(path), cwd=Path(tmp))
            m = re.search(r"^entities\s+(\d+)", stats.stdout, re.M)
            n_out = docbin_entities(out) if convert.returncode == 0 and out.exists() else 0
            print(
                f"{path.name:<42} {source_entities(path):>5} {n_out:>5} {m.group(1) if m else '-':>5}  "
                f"{validate.returncode}/{convert.returncode}/{stats.returncode}      "
                f"{reasons(validate.stderr, validate.stdout)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
