"""Shared fixtures for the course tests."""
from __future__ import annotations

import pytest
import spacy
from spacy.language import Language


@pytest.fixture(scope="session")
def nlp() -> Language:
    """A blank English pipeline: its tokenizer defines the token boundaries we validate against."""
    return spacy.blank("en")
