"""Write the sample progress files of data/samples/progress/ (the class report's example).

Each learner is a script of what they did: quiz questions answered in the real quiz widget
(headless: select, press Check; press Hint), exercise checks recorded through the progress
API. The files are what the notebooks would have saved, not typed JSON. Six learners are
reported; one more file holds a learner again (another laptop), one comes from an older
course version, so the report shows both coded lines.

Usage:
    python data/scripts/sample_progress.py            # (re)write data/samples/progress/
    python data/scripts/sample_progress.py --check    # exit 1 if the shipped files differ
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from course import quiz, quiz_progress
from course.files import atomic_write_bytes

OUT = ROOT / "data" / "samples" / "progress"
ALL_00 = [("00-blank-cells", "B"), ("00-offline", "D"), ("00-what-ner-does", "B"), ("00-how-the-course-works", "A+B+C")]
ALL_01 = [
    ("01-ner-definition", "D"),
    ("01-general-model-errors", "D"),
    ("01-money-vs-price", "A"),
    ("01-misconceptions", "C+D"),
    ("01-rules-vs-model", "A"),
    ("01-why-customise", "D"),
    ("01-ontonotes-product", "D"),
]
EXERCISES_01 = ["01.1", "01.2", "01.3", "01.4", "01.5", "01.6"]


def first_try(pairs: list[tuple[str, str]]) -> list[tuple]:
    return [("quiz", qid, [answer]) for qid, answer in pairs]


# file name → (learner, course version or None for this one, steps). A step is
# ("quiz", question id, tries in order), ("hint", question id) or ("exercise", id, results in order).
LEARNERS: dict[str, tuple[str, str | None, list[tuple]]] = {
    "ada.json": (
        "Ada Lovelace",
        None,
        first_try(ALL_00)
        + first_try([p for p in ALL_01 if p[0] != "01-misconceptions"])
        + [("quiz", "01-misconceptions", ["C", "C+D"])]
        + [("exercise", e, [True]) for e in EXERCISES_01 if e != "01.4"]
        + [("exercise", "01.4", [False, False, True])],
    ),
    "ada_second_laptop.json": ("ada lovelace", None, [("quiz", "00-blank-cells", ["A", "B"])]),
    "ben.json": (
        "Ben Okafor",
        None,
        [
            ("quiz", "00-blank-cells", ["C", "B"]),
            ("hint", "00-offline"),
            ("quiz", "00-offline", ["A", "B", "D"]),
            ("quiz", "00-what-ner-does", ["B"]),
            ("quiz", "00-how-the-course-works", ["A+B", "A+B+C"]),
            ("quiz", "01-ner-definition", ["B", "D"]),
            ("quiz", "01-general-model-errors", ["D"]),
            ("quiz", "01-money-vs-price", ["B", "A"]),
            ("quiz", "01-rules-vs-model", ["A"]),
            ("exercise", "01.1", [False, True]),
            ("exercise", "01.2", [False, False]),
            ("exercise", "01.3", [True]),
        ],
    ),
    "chloe.json": ("Chloé Martin", None, first_try(ALL_00)),
    "dmitri.json": (
        "dmitri.k",
        None,
        [
            ("hint", "00-offline"),
            ("hint", "00-offline"),
            ("quiz", "00-offline", ["A"]),
            ("quiz", "00-blank-cells", ["B"]),
        ],
    ),
    "emma.json": ("emma.w", None, first_try(ALL_00 + ALL_01) + [("exercise", e, [True]) for e in EXERCISES_01]),
    "farid/.course_progress.json": (
        "farid.s",
        None,
        [("quiz", "00-how-the-course-works", ["A+B+C+D", "A+B+C"])]
        + first_try(ALL_00[:3])
        + [("exercise", "01.1", [True])],
    ),
    "gus.json": ("gus", "0.0.9", first_try(ALL_00)),
}


def play(path: Path, learner: str, version: str | None, steps: list[tuple]) -> None:
    """Act out one learner's steps with the quiz widgets and the progress API, saving to `path`."""
    os.environ["COURSE_PROGRESS_FILE"] = str(path)
    quiz_progress._PROGRESS = quiz_progress.Progress(path.absolute(), course_version=version)
    quiz_progress.set_learner(learner)
    for step in steps:
        kind, key = step[0], step[1]
        if kind == "exercise":
            for passed in step[2]:
                quiz_progress.progress().record_exercise(key, passed)
            continue
        widget = quiz.build(key.split("-")[0], key)[0]  # "00-offline" → notebook "00"
        if kind == "hint":
            widget.show_hint()
        else:
            for answer in step[2]:
                widget.answer(*answer.split("+"))


def generate(folder: Path) -> dict[str, bytes]:
    """RETURNS (dict[str, bytes]): file name → content, written in a scratch `folder`."""
    os.environ.pop("COURSE_LEARNER", None)
    quiz.instructor_mode(False)
    files = {}
    for name, (learner, version, steps) in LEARNERS.items():
        path = folder / name.replace("/", "__")
        play(path, learner, version, steps)
        files[name] = path.read_bytes()
    quiz_progress._PROGRESS = None
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files, write nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp))
    if args.check:
        stale = [n for n, data in files.items() if not (OUT / n).is_file() or (OUT / n).read_bytes() != data]
        for name in stale:
            print(f"{OUT / name} differs from what this script writes; run it without --check", file=sys.stderr)
        return 1 if stale else 0
    for name, data in files.items():
        (OUT / name).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(OUT / name, data)
        print(f"wrote {(OUT / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
