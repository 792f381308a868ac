"""all-MiniLM-L6-v2 through ONNX Runtime: the matching embedding the workers compute.

The graph is built from the installed package's weights by :mod:`claims.nlp.encoders.onnx_bert`
(``make install`` does it; a process that finds it missing builds it); the tokenizer is the model's
own ``tokenizer.json``. Texts are sorted by length and run in batches of at most 8 whose padding is
at most a tenth of their tokens (``minilm.length_batches``): the encoder is compute-bound, about
5.8 ms a news claim on one AVX-512 core, and a padded token costs what a real one does. One intra-op thread by default: a worker runs one task per pool child, and a child
that spread one batch over all cores would only fight its siblings (``CLAIMDESK_ENCODER_THREADS``
changes it). A session with one thread starts none, so a worker parent can load the model before it
forks its children and they share its pages.

:class:`claims.nlp.encoders.minilm.MiniLM` (numpy) stays as the reference these vectors are tested
against (``tests/test_encoders.py``: cosine ≥ 0.9999).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .minilm import DIM, MAX_TOKENS, length_batches, model_dir
from .onnx_bert import ensure_built

DEFAULT_CACHE = Path(__file__).resolve().parents[3] / "var" / "models"


def model_cache() -> Path:
    """Where built graphs are kept: ``CLAIMDESK_MODEL_CACHE``, or ``var/models`` in the project."""
    return Path(os.environ.get("CLAIMDESK_MODEL_CACHE") or DEFAULT_CACHE)


class OnnxMiniLM:
    """Sentence encoder: ``encode(texts)`` gives unit-length float32 rows of 384; ``encode_both``
    also the pooled states of layer ``READING_LAYER``, from the same pass."""

    def __init__(self, path: str | Path | None = None, *, batch_size: int = 8, threads: int | None = None):
        import onnxruntime
        from tokenizers import Tokenizer

        source = Path(path) if path else model_dir()
        graph = ensure_built(source, model_cache(), "all-MiniLM-L6-v2")
        self.tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or int(os.environ.get("CLAIMDESK_ENCODER_THREADS", "1"))
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        self.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size
        self.graph_path = graph

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text, in order."""
        return self.encode_both(texts)[0]

    def encode_both(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(the embeddings, the pooled layer ``READING_LAYER`` vectors): unit-length rows, in order."""
        texts = list(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        layer = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out, layer
        ids = [enc.ids for enc in self.tokenizer.encode_batch(texts)]
        for chunk in length_batches(ids, self.batch_size):
            length = max(len(ids[i]) for i in chunk)
            tokens = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.int64)
            for row, i in enumerate(chunk):
                tokens[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1
            out[chunk], layer[chunk] = self.session.run(None, {"input_ids": tokens, "attention_mask": mask})
        return out, layer


if __name__ == "__main__":  # ``make install``: build the graph now, not on a worker's first article
    print(OnnxMiniLM().graph_path)
