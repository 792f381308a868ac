"""The two sentence embeddings every claim gets, and how they are stored."""

from __future__ import annotations

import numpy as np

from .loaders import get_embedder, get_matching_model

EMBEDDING_DIM = 384


def embed_texts(texts: list[str]) -> np.ndarray:
    """multilingual-e5-small embeddings (L2-normalised float32 rows, symmetric "query:" prefix): computed
    for every claim at extraction (check-worthiness reads it) and one of the matching features."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return get_embedder().encode(list(texts))


def match_vectors(texts: list[str]) -> np.ndarray:
    """The matching embedding (all-MiniLM-L6-v2), unit-length float32 rows; stored with each claim."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return get_matching_model().encode(list(texts))


def encode_embedding(vec: np.ndarray) -> bytes:
    """Compact storage: float16, 768 bytes for 384 dimensions."""
    return np.asarray(vec, dtype=np.float16).tobytes()


def decode_embedding(raw) -> np.ndarray:
    vec = np.frombuffer(bytes(raw), dtype=np.float16).astype(np.float32)
    norm = np.linalg.norm(vec)
    return vec / norm if norm else vec
