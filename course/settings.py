"""Course-wide settings: fast (CI) vs learner mode, paths, seeds and threads.

`COURSE_FAST=1` (set by `.ci/run` and `make fast`) makes notebooks use fewer
epochs and less data. Learner mode (unset) is what the committed notebooks show.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# No network at run time: make the Hugging Face stack fail fast instead of downloading.
for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("ANSI_COLORS_DISABLED", "1")  # plain text in notebook outputs and logs
# One thread everywhere: reproducible numbers and fair timings on a laptop.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TOKENIZERS_PARALLELISM"):
    os.environ.setdefault(_var, "1" if _var != "TOKENIZERS_PARALLELISM" else "false")

# The one definition of each label set (data builds, tests and notebooks import these).
LABELS: tuple[str, ...] = ("PRODUCT", "PRICE", "LOCATION", "ZIP", "CONDITION", "URL", "USERNAME")
# OntoNotes labels annotated in data/general_news/eval.jsonl. PRODUCT is left out on
# purpose: en_core_web_sm has its own PRODUCT label, which our PRODUCT replaces.
GENERAL_LABELS: tuple[str, ...] = (
    "PERSON",
    "NORP",
    "ORG",
    "GPE",
    "LOC",
    "DATE",
    "MONEY",
    "PERCENT",
    "CARDINAL",
    "ORDINAL",
)
SEED = 0


def is_fast() -> bool:
    """RETURNS (bool): True when COURSE_FAST is set to 1/true/yes (CI mode)."""
    return os.environ.get("COURSE_FAST", "").strip().lower() in {"1", "true", "yes"}


def pick(full: T, fast: T) -> T:
    """Choose a value by mode, e.g. `epochs = pick(full=20, fast=3)`.

    full (T): the value learners get.
    fast (T): the value CI gets with COURSE_FAST=1.
    RETURNS (T): one of the two.
    """
    return fast if is_fast() else full


def mode_name() -> str:
    """RETURNS (str): 'fast' or 'learner'."""
    return "fast" if is_fast() else "learner"


def repo_root() -> Path:
    """RETURNS (Path): the course checkout (COURSE_ROOT overrides)."""
    override = os.environ.get("COURSE_ROOT")
    return Path(override) if override else Path(__file__).resolve().parents[1]


def data_path(*parts: str) -> Path:
    """Path inside the course's `data/` folder, e.g. data_path("hardware_posts", "train.jsonl")."""
    return repo_root().joinpath("data", *parts)


def output_dir(*parts: str) -> Path:
    """A folder for things the notebooks write (models, converted files), created on demand.

    RETURNS (Path): notebooks/output/<parts> inside the checkout (git-ignored).
    """
    folder = repo_root().joinpath("notebooks", "output", *parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def seed_everything(seed: int = SEED) -> None:
    """Fix every random source the course uses and keep torch on one thread.

    seed (int): the seed for Python, NumPy, spaCy/Thinc and torch.
    """
    import numpy
    import spacy

    random.seed(seed)
    numpy.random.seed(seed)
    spacy.util.fix_random_seed(seed)
    try:  # torch is only there with the transformer extra
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)
    torch.set_num_threads(1)
