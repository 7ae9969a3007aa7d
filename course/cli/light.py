"""Start-up of the commands that only tokenize: no PyTorch, no transformer stack.

Importing spaCy imports thinc, and `thinc/compat.py` tries `import torch` (inside
`try: ... except ImportError`) so that thinc can offer its PyTorch wrappers. On a laptop
that one import is 1–2 s, most of `python -m course validate`. A command that reads
annotations and tokenizes with `course.tokenizer` never touches those wrappers, so for
those commands `python -m course` refuses the heavy optional imports before spaCy is
imported: thinc then records `has_torch = False`, exactly as it does on a machine
without PyTorch, and everything the command uses (the tokenizer, `Doc`, `DocBin`) is
unchanged. tests/test_tokenizer.py checks that the tokens are identical to
`spacy.blank("en")` on the whole course data with the block in place, and
tests/test_module_homes.py that the block only applies to these commands.

Commands that train, load or run a pipeline are never blocked: they import torch as
spaCy normally does.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

# The optional back-ends spaCy or thinc try to import at start-up, and the transformer stack.
HEAVY = frozenset({"torch", "cupy", "cupyx", "transformers", "spacy_transformers", "tensorflow", "mxnet"})
# Commands that only read files and tokenize (or not even that).
TOKENIZER_ONLY = frozenset({"validate", "convert", "stats", "consistency", "agreement", "class-report"})


class HeavyImportBlocker(importlib.abc.MetaPathFinder):
    """A finder that answers `ModuleNotFoundError` for the modules in `HEAVY`.

    command (str): the command that runs, named in the error if anything asks anyway.
    """

    def __init__(self, command: str) -> None:
        self.command = command

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.split(".")[0] in HEAVY:
            raise ModuleNotFoundError(
                f"`python -m course {self.command}` only tokenizes and does not load {fullname}", name=fullname
            )
        return None


def is_tokenizer_only(argv: Sequence[str]) -> bool:
    """argv (Sequence[str]): the arguments after `python -m course`.
    RETURNS (bool): whether the command needs no pipeline (so no torch).
    """
    if not argv:
        return False
    command = argv[0]
    return command in TOKENIZER_ONLY or (command == "listings" and "--from-annotations" in argv)


def start_light(argv: Sequence[str]) -> bool:
    """Refuse the heavy imports when `argv` names a tokenizer-only command and nothing is loaded yet.

    RETURNS (bool): whether the block is in place.
    """
    if not is_tokenizer_only(argv) or any(name in sys.modules for name in ("thinc", "spacy", *HEAVY)):
        return False  # too late (something imported spaCy already) or not wanted: change nothing
    if not any(isinstance(f, HeavyImportBlocker) for f in sys.meta_path):
        sys.meta_path.insert(0, HeavyImportBlocker(argv[0]))
    return True
