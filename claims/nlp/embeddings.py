"""The one transformer pass every claim gets, and how its vectors are stored.

all-MiniLM-L6-v2 (``claims.nlp.encoders.runtime``) reads each claim once and gives two vectors: the
matching embedding (the last layer's pooled states: searched and compared by matching, stored with
the claim) and the reading vector (the fourth layer's: check-worthiness reads it at extraction,
nothing stores it).
"""

from __future__ import annotations

import numpy as np

from .loaders import get_matching_model

EMBEDDING_DIM = 384


def claim_vectors(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One batched pass over ``texts``: (matching embeddings, reading vectors), unit-length float32
    rows of 384, in order."""
    if not texts:
        empty = np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return empty, empty.copy()
    return get_matching_model().encode_both(list(texts))


def match_vectors(texts: list[str]) -> np.ndarray:
    """The matching embedding alone (headlines, corrected claims): the same pass, its first output."""
    return claim_vectors(texts)[0]


def encode_embedding(vec: np.ndarray) -> bytes:
    """Compact storage: float16, 768 bytes for 384 dimensions."""
    return np.asarray(vec, dtype=np.float16).tobytes()


def decode_embedding(raw) -> np.ndarray:
    vec = np.frombuffer(bytes(raw), dtype=np.float16).astype(np.float32)
    norm = np.linalg.norm(vec)
    return vec / norm if norm else vec
