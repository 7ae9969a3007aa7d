"""Which course module may import which: the layering issue 13 asks for, checked.

* No library module imports the CLI (`course.cli` imports them, never the other way).
* `monitor` (production) does not load `check` (exercise checks).
* The annotator widget does not load `viz` or matplotlib (colours
  live in `course.colors`).
* `python -m course validate` does not load spacy-transformers or transformers (issue
  13.9: it builds only the tokenizer, see course/tokenizer.py), and through `python -m
  course` not torch either: thinc's optional `import torch` is refused for the
  tokenizer-only commands (course/cli/light.py).
What a module *loads* is checked in a fresh interpreter, so imports made by other tests
in this session cannot hide a regression.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import ENV

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course"


def imported_modules(path: Path) -> set[str]:
    """RETURNS (set[str]): absolute names of the course modules `path` imports anywhere in it."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return {n for n in names if n == "course" or n.startswith("course.")}


def library_modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts[:1] and p.name != "__main__.py"
    )


def test_the_scan_sees_relative_imports():
    assert "course.cli.common" in imported_modules(PACKAGE / "cli" / "data.py")
    assert "course.annotations" in imported_modules(PACKAGE / "cli" / "common.py")  # `from ..annotations`
    assert "course.predict" in imported_modules(PACKAGE / "serve.py")


@pytest.mark.parametrize("path", library_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_modules_never_import_the_cli(path):
    assert not {n for n in imported_modules(path) if n == "course.cli" or n.startswith("course.cli.")}


def loaded_after(statement: str) -> set[str]:
    """RETURNS (set[str]): the modules in sys.modules after running `statement` in a fresh python."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    env = {**ENV, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def after_monitor_and_annotator() -> set[str]:
    return loaded_after("import course.monitor, course.annotator, course.serve, course.active")


def test_monitor_does_not_load_the_exercise_checks(after_monitor_and_annotator):
    assert "course.monitor" in after_monitor_and_annotator
    assert "course.check" not in after_monitor_and_annotator


def test_annotator_does_not_load_plotting(after_monitor_and_annotator):
    assert "course.annotator" in after_monitor_and_annotator
    assert {"course.viz", "matplotlib"}.isdisjoint(after_monitor_and_annotator)  # (spaCy itself loads displacy)


@pytest.fixture
def post(tmp_path: Path) -> Path:
    """RETURNS (Path): a JSONL file with one valid post, for the start-up tests."""
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"text": "Selling RTX 3080", "entities": [[8, 16, "PRODUCT"]]}) + "\n")
    return path


def test_validate_does_not_load_the_transformer_stack(post):
    loaded = loaded_after(f"from course.cli import main\nassert main(['validate', {str(post)!r}]) == 0")
    assert "course.cli.data" in loaded and "course.tokenizer" in loaded
    assert {"spacy_transformers", "transformers"}.isdisjoint(loaded)
    assert "course.evaluate" not in loaded and "pandas" not in loaded  # what only `evaluate` needs


def test_the_data_commands_start_without_torch(post, tmp_path):
    """Issue 13.9: `python -m course validate` blocks torch before spaCy loads (course/cli/light.py)."""
    loaded = loaded_after(
        "from course.cli.light import start_light\n"
        f"assert start_light(['validate', {str(post)!r}])\n"
        "from course.cli import main\n"
        f"assert main(['validate', {str(post)!r}]) == 0\n"
        f"assert main(['convert', {str(post)!r}, {str(tmp_path / 'one.spacy')!r}]) == 0"
    )
    assert "spacy" in loaded and "course.tokenizer" in loaded
    assert {"torch", "spacy_transformers", "transformers"}.isdisjoint(loaded)
    assert (tmp_path / "one.spacy").stat().st_size > 0


def test_python_m_course_uses_the_light_start_up(post):
    """The entry point itself applies the block: the same process that validates never loads torch."""
    loaded = loaded_after(
        "import runpy\n"
        f"sys.argv = ['course', 'validate', {str(post)!r}]\n"
        "try:\n    runpy.run_module('course', run_name='__main__')\nexcept SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code"
    )
    assert "course.cli.data" in loaded and "torch" not in loaded


def test_commands_that_run_a_pipeline_are_not_blocked():
    from course.cli.light import HeavyImportBlocker, is_tokenizer_only

    assert is_tokenizer_only(["validate", "x.jsonl"]) and is_tokenizer_only(["stats", "x.jsonl"])
    assert is_tokenizer_only(["listings", "--from-annotations", "x.jsonl"])
    assert not is_tokenizer_only(["train", "x.jsonl"]) and not is_tokenizer_only(["evaluate", "m", "x.jsonl"])
    assert not is_tokenizer_only(["listings", "model", "x.jsonl"]) and not is_tokenizer_only([])
    blocker = HeavyImportBlocker("validate")
    with pytest.raises(ModuleNotFoundError, match="only tokenizes"):
        blocker.find_spec("torch.utils.dlpack")
    assert blocker.find_spec("numpy") is None and blocker.find_spec("torchvision_like_name") is None


def test_the_block_is_not_applied_once_spacy_is_loaded():
    loaded = loaded_after(
        "import spacy\nfrom course.cli.light import start_light\nassert not start_light(['validate'])\nimport torch"
    )
    assert "torch" in loaded
