"""The pair model: the probability that two claims say the SAME thing, on CPU with onnxruntime.

A cross-encoder (all-MiniLM-L6-v2 fine-tuned on MRPC by ``bench/train_pairs.py``, int8 ONNX, about
23 MB) reads both sentences at once as ``[CLS] a [SEP] b [SEP]``, so unlike a cosine of two
sentence vectors it sees a changed number, a negation or another speaker word against word.

Plain Python (numpy, onnxruntime, tokenizers): no Django and no torch; the files ship in
``claims/data/pair_model/`` (``model.onnx``, ``tokenizer.json`` and ``pair_model.json`` with the
calibration, the ``same`` threshold and the training provenance), so nothing is downloaded at run time.

Symmetric by construction: every pair is scored in both orders and the two logits averaged before
the calibration (``sigmoid(a * mean_logit + b)``, Platt scaling fitted on the dev split), so
``p(a, b) == p(b, a)`` exactly. It costs two sequences per pair; it also is a little more accurate on
dev than one order, and a matching decision must not depend on which claim came first.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).resolve().parents[2] / "data" / "pair_model"


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
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_len, strategy="longest_first")
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(unsigned_weights(path / "model.onnx"), options,
                                           providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()  # one run at a time per model (the session uses its own threads)

    def logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Raw logits, shape ``(n, 2)``: each pair read as ``(a, b)`` and as ``(b, a)``."""
        with self._lock:
            return pair_logits(self.session, self.tokenizer, pairs)

    def probabilities(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Calibrated P(same) for each ``(a, b)``; symmetric, and each pair's value depends on it alone."""
        z = self.logits([(str(a), str(b)) for a, b in pairs]).mean(axis=1)
        return 1.0 / (1.0 + np.exp(-(self.a * z + self.b)))

    def same(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        return self.probabilities(pairs) >= self.threshold


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

    model = onnx.load(str(path))
    for node in model.graph.node:
        if node.op_type == "MatMulInteger" and (len(node.input) < 4 or not node.input[3]):
            raise ValueError(f"{path}: {node.name} has no weight zero point; cannot move its weights to uint8")
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


def pair_logits(session, tokenizer, pairs: list[tuple[str, str]]) -> np.ndarray:
    """One onnxruntime run per pair, of its two orders (equal lengths, so no padding): shape ``(n, 2)``.

    Pairs are not batched together on purpose: the int8 model quantises activations per tensor
    (``DynamicQuantizeLinear``), so in a shared batch a pair's score would move slightly with its
    neighbours and their padding. Run alone, each pair's score is a function of the pair, the same in
    training-time calibration, in tests and in the product. On one thread a batch of two sequences of
    ~50 tokens costs about the same per sequence as a larger padded batch.
    """
    names = {i.name for i in session.get_inputs()}  # models without segment ids take two inputs
    out = np.zeros((len(pairs), 2))
    for i, (a, b) in enumerate(pairs):
        feeds = encode(tokenizer, [(a, b), (b, a)])
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
