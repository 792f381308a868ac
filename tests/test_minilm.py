"""The numpy MiniLM (claims/nlp/encoders/minilm.py) against the reference implementation's own vectors.

``tests/data/minilm_reference.npz`` holds sentences and the vectors sentence-transformers (with torch)
gave for them (``tests/data/make_minilm_reference.py``): unicode, digits and punctuation, a sentence
past the 256-token limit, a one-word one.
"""

from pathlib import Path

import numpy as np
import pytest

from claims.nlp.embeddings import match_vectors
from claims.nlp.encoders.minilm import MiniLM

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.npz"


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as saved:
        return saved["sentences"].tolist(), saved["vectors"]


def test_vectors_match_sentence_transformers(reference):
    sentences, expected = reference
    got = match_vectors(sentences)
    assert got.shape == expected.shape == (len(sentences), 384)
    cosines = (got * expected).sum(axis=1)
    assert cosines.min() > 0.9999, cosines
    assert np.abs(got - expected).max() < 1e-3


def test_batching_and_order_do_not_change_a_vector(reference):
    sentences, expected = reference
    model = MiniLM(batch_size=3)
    shuffled = sentences[::-1]
    got = model.encode(shuffled)[::-1]
    assert np.allclose(got, expected, atol=1e-3)
    assert np.allclose(model.encode([sentences[0]])[0], expected[0], atol=1e-3)


def test_empty_input_and_empty_text():
    assert match_vectors([]).shape == (0, 384)
    vec = match_vectors([""])[0]
    assert np.isfinite(vec).all() and abs(float(np.linalg.norm(vec)) - 1.0) < 1e-4
