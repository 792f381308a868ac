"""The pair model: the probability that two claims say the SAME thing, on CPU with onnxruntime.

A cross-encoder (all-mpnet-base-v2 fine-tuned on MRPC by ``bench/train_pairs.py``, int8 ONNX, about
110 MB in two files) reads both sentences at once as ``<s> a </s></s> b </s>``, so unlike a cosine
of two sentence vectors it sees a changed number, a negation or another speaker word against word.

Plain Python (numpy, onnxruntime, tokenizers): no Django and no torch; the files ship in
``claims/data/pair_model/`` (``model.onnx`` or its parts ``model.onnx.part-N``, ``tokenizer.json`` and ``pair_model.json`` with the
calibration, the ``same`` threshold and the training provenance), so nothing is downloaded at run time.

Symmetric by construction, so a matching decision never depends on which claim came first:
``pair_model.json`` says how. ``"order": "canonical"`` (the shipped all-mpnet-base-v2 model) reads
each pair once, the two texts in a fixed order (sorted), one sequence per pair; ``"both"`` (the
earlier MiniLM model) reads both orders and averages the two logits. Either way the calibration is
``sigmoid(a * logit + b)`` (Platt scaling fitted on the dev split) and ``p(a, b) == p(b, a)`` exactly.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

# The shipped model; CLAIMDESK_PAIR_MODEL names another folder of the same three files (to measure a
# candidate with the bench scripts before it ships).
MODEL_DIR = Path(os.environ.get("CLAIMDESK_PAIR_MODEL") or Path(__file__).resolve().parents[2] / "data" / "pair_model")


class PairModel:
    """``probabilities(pairs)`` -> calibrated P(same) per pair; ``same(pairs)`` applies the threshold."""

    def __init__(self, path: str | Path | None = None, *, threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = Path(path) if path else MODEL_DIR
        self.meta = json.loads((path / "pair_model.json").read_text())
        self.max_len = int(self.meta["max_len"])
        self.a = float(self.meta["platt"]["a"])
        self.b = float(self.meta["platt"]["b"])
        self.threshold = float(self.meta["threshold_same"])
        self.canonical = self.meta.get("order") == "canonical"
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_len, strategy="longest_first")
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(unsigned_weights(model_bytes(path)), options,
                                           providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()  # one run at a time per model (the session uses its own threads)

    def logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Raw logits, one per pair: read in the canonical order, or the mean of both orders."""
        pairs = [(str(a), str(b)) for a, b in pairs]
        with self._lock:
            if self.canonical:
                return pair_logits(self.session, self.tokenizer, [canonical(a, b) for a, b in pairs], both=False)[:, 0]
            return pair_logits(self.session, self.tokenizer, pairs).mean(axis=1)

    def probabilities(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Calibrated P(same) for each ``(a, b)``; symmetric, and each pair's value depends on it alone."""
        z = self.logits(pairs)
        return 1.0 / (1.0 + np.exp(-(self.a * z + self.b)))

    def same(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        return self.probabilities(pairs) >= self.threshold


def canonical(a: str, b: str) -> tuple[str, str]:
    """The order a canonical-order model reads a pair in (whichever way it was given)."""
    return (a, b) if a <= b else (b, a)


def model_bytes(path: Path) -> bytes:
    """``model.onnx``, or its parts joined in order (a file stays under a code host's 100 MB limit)."""
    whole = path / "model.onnx"
    if whole.exists():
        return whole.read_bytes()
    parts = sorted(path.glob("model.onnx.part-*"), key=lambda p: int(p.name.rsplit("-", 1)[1]))
    if not parts:
        raise FileNotFoundError(f"{path}: no model.onnx and no model.onnx.part-N")
    return b"".join(p.read_bytes() for p in parts)


def unsigned_weights(path) -> bytes:
    """The int8 graph with its signed weights moved to unsigned ones: ``q + 128`` with zero point
    ``zp + 128``, so every weight dequantizes to the same value. Why: ``quantize_dynamic`` writes
    signed weights, and onnxruntime multiplies unsigned activations by signed weights with
    ``VPMADDUBSW`` on CPUs without VNNI (AVX2 only, such as many AMD EPYC), whose 16-bit sums
    saturate: there the shipped model's probabilities moved by up to 0.07 from the training-time
    reference. Unsigned by unsigned has no saturating path, so the results are the same exact
    integer arithmetic on every CPU (``tests/test_pairmodel.py`` checks the reference)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load_from_string(path) if isinstance(path, bytes) else onnx.load(str(path))
    where = "the pair model" if isinstance(path, bytes) else path  # never the graph's bytes in a message
    for node in model.graph.node:
        if node.op_type == "MatMulInteger" and (len(node.input) < 4 or not node.input[3]):
            raise ValueError(f"{where}: {node.name} has no weight zero point; cannot move its weights to uint8")
    for i, tensor in enumerate(model.graph.initializer):
        if tensor.data_type == onnx.TensorProto.INT8:
            shifted = (numpy_helper.to_array(tensor).astype(np.int16) + 128).astype(np.uint8)
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(shifted, tensor.name))
    return model.SerializeToString()


def encode(tokenizer, pairs: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    """``[CLS] a [SEP] b [SEP]`` (or the model's own pair template) token ids, mask and segment ids,
    padded with the tokenizer's padding id to the longest in ``pairs``."""
    encs = tokenizer.encode_batch(pairs)
    width = max(len(e.ids) for e in encs)
    pad = next((i for i in map(tokenizer.token_to_id, ("[PAD]", "<pad>")) if i is not None), 0)
    ids = np.full((len(encs), width), pad, dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, e in enumerate(encs):
        n = len(e.ids)
        ids[i, :n] = e.ids
        mask[i, :n] = 1
        types[i, :n] = e.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def pair_logits(session, tokenizer, pairs: list[tuple[str, str]], both: bool = True) -> np.ndarray:
    """One onnxruntime run per pair, of its two orders (equal lengths, so no padding): shape ``(n, 2)``;
    with ``both=False`` of ``(a, b)`` alone: shape ``(n, 1)``.

    Pairs are not batched together on purpose: the int8 model quantises activations per tensor
    (``DynamicQuantizeLinear``), so in a shared batch a pair's score would move slightly with its
    neighbours and their padding. Run alone, each pair's score is a function of the pair, the same in
    training-time calibration, in tests and in the product. On one thread a batch of two sequences of
    ~50 tokens costs about the same per sequence as a larger padded batch.
    """
    names = {i.name for i in session.get_inputs()}  # models without segment ids take two inputs
    out = np.zeros((len(pairs), 2 if both else 1))
    for i, (a, b) in enumerate(pairs):
        feeds = encode(tokenizer, [(a, b), (b, a)] if both else [(a, b)])
        out[i] = session.run(None, {k: v for k, v in feeds.items() if k in names})[0]
    return out


_shared: PairModel | None = None
_shared_lock = threading.Lock()


def shared_model() -> PairModel:
    """One model per process, loaded on first use (about a quarter of a second)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PairModel()
        return _shared
