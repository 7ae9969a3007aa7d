"""The tokenizer of `spacy.blank("en")`, built without building a `Language`.

`Language.__init__` (spacy/language.py) calls `registry._entry_point_factories.get_all()`,
which imports every pipeline factory another package registers through an entry point
(here spacy-transformers, and with it transformers) before it makes the blank pipeline.
Commands that only tokenize (validate, convert, stats) need no factory at all, so they
build the tokenizer the way `spacy.blank("en")` builds it, minus that import: the
vocabulary from spaCy's own `create_vocab` with `English.Defaults`, and the tokenizer
from the function English's default config names (`[nlp.tokenizer]`, spacy.Tokenizer.v1),
resolved through spaCy's registry and given the same defaults (prefixes, suffixes,
infixes, exceptions, URL match). tests/test_tokenizer.py checks that it splits every text
of the course data exactly as `spacy.blank("en")` does.

Anything that needs a real pipeline (components, training, `nlp.evaluate`) should use
`spacy.blank("en")`; this object only tokenizes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from spacy.errors import Errors as SpacyErrors
from spacy.lang.en import English
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import create_vocab


class BlankTokenizer:
    """What the data commands use of a blank pipeline: `vocab`, `tokenizer`, `make_doc`, `pipe`.

    lang (str): "en". Defaults (type): `English.Defaults`, read by spaCy's tokenizer factory.
    """

    lang = "en"
    Defaults = English.Defaults
    pipe_names: ClassVar[list[str]] = []

    def __init__(self, max_length: int = 10**6) -> None:
        self.vocab = create_vocab(self.lang, self.Defaults)
        make_tokenizer = registry.resolve({"tokenizer": English.default_config["nlp"]["tokenizer"]})["tokenizer"]
        self.tokenizer = make_tokenizer(self)  # the factory reads self.vocab and self.Defaults, as for a Language
        self.max_length = max_length

    def make_doc(self, text: str) -> Doc:
        """RETURNS (Doc): the tokens of `text`, as `Language.make_doc` gives them."""
        if len(text) > self.max_length:
            raise ValueError(SpacyErrors.E088.format(length=len(text), max_length=self.max_length))
        return self.tokenizer(text)

    __call__ = make_doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        """RETURNS (Iterator[Doc]): one tokenized Doc per text, in order."""
        for text in texts:
            yield self.make_doc(text)


def blank_english() -> BlankTokenizer:
    """RETURNS (BlankTokenizer): the tokenizer of spacy.blank("en"), without its start-up cost."""
    return BlankTokenizer()
