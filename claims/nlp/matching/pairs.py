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
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnx

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
        self.graph_path = built_graph(path)
        self.session = ort.InferenceSession(str(self.graph_path), options, providers=["CPUExecutionProvider"])
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


# Bump when fp32_graph changes, so a graph built by an older converter is never read.
CONVERTER_VERSION = 1


def fp32_graph(source) -> onnx.ModelProto:
    """The shipped int8 graph as a weight-only one: every ``DynamicQuantizeLinear -> MatMulInteger ->
    Cast -> Mul`` becomes one fp32 ``MatMul`` over the dequantized weights ``(q - zp) * scale``.

    Why: ``quantize_dynamic`` also quantises the *activations*, per run, and that rounding amplifies
    the last-bit differences between onnxruntime's AVX2 and AVX-512/VNNI kernels: measured on the
    shipped model (native AVX-512 VNNI against the same wheel under ``qemu-x86_64 -cpu Haswell``),
    P(same) moved by up to 0.013 on 40 MRPC dev pairs, enough to flip a decision near the threshold.
    With fp32 activations the weights are exactly the shipped int8 values and the only differences
    left are fp32 summation order, about 1e-6 (``tests/test_pairmodel.py`` holds both sides to the
    same reference). The embedding tables stay ``DequantizeLinear`` of uint8: one exact multiply."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load_from_string(source) if isinstance(source, bytes) else onnx.load(str(source))
    where = "the pair model" if isinstance(source, bytes) else source  # never the graph's bytes in a message
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def only(name, op):
        found = consumers.get(name, [])
        if len(found) != 1 or found[0].op_type != op:
            raise ValueError(f"{where}: {name} does not feed one {op}; not a quantize_dynamic graph")
        return found[0]

    replaced, dropped, added = {}, set(), []
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        if len(node.input) < 4 or not node.input[3] or node.input[1] not in inits:
            raise ValueError(f"{where}: {node.name} has no constant weight with a zero point")
        xq, wq, _, wzp = node.input
        quantize = producer[xq]
        cast = only(node.output[0], "Cast")
        mul = only(cast.output[0], "Mul")
        scales = producer[next(i for i in mul.input if i != cast.output[0])]  # activation scale x weight scale
        wscale = next(i for i in scales.input if i in inits)
        q = numpy_helper.to_array(inits[wq]).astype(np.float32)
        zp = numpy_helper.to_array(inits[wzp]).astype(np.float32)
        weight = ((q - zp) * numpy_helper.to_array(inits[wscale]).astype(np.float32)).astype(np.float32)
        added.append(numpy_helper.from_array(weight, f"{wq}_fp32"))
        replaced[id(node)] = helper.make_node("MatMul", [quantize.input[0], f"{wq}_fp32"], [mul.output[0]],
                                              name=f"{node.name}_fp32")
        dropped.update((id(cast), id(mul)))
    if not replaced:
        raise ValueError(f"{where}: no MatMulInteger; not an int8 graph")
    nodes = [replaced.get(id(n), n) for n in graph.node if id(n) not in dropped]
    needed = {o.name for o in graph.output}
    live = []
    for node in reversed(nodes):  # drop what fed only the old integer path (quantize, scale products)
        if any(o in needed for o in node.output):
            live.append(node)
            needed.update(node.input)
    live.reverse()
    del graph.node[:]
    graph.node.extend(live)
    kept = [t for t in [*graph.initializer, *added] if t.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return model


def built_graph(path: Path | None = None, cache: Path | None = None) -> Path:
    """The fp32-compute graph of the shipped model, built once into the model cache (``var/models``,
    ``make install`` does it) as ``pair-model-<digest>.onnx`` with its weights beside it in
    ``.onnx.data``; named by the shipped bytes and the converter version, so it is never stale.
    onnxruntime maps the weights file, so processes on one machine share its pages."""
    import hashlib

    import onnx

    from ..encoders.cache import build_once
    from ..encoders.runtime import model_cache

    path = Path(path) if path else MODEL_DIR
    cache = Path(cache) if cache else model_cache()
    raw = model_bytes(path)
    digest = hashlib.sha256(f"v{CONVERTER_VERSION}".encode() + raw).hexdigest()[:12]
    target = cache / f"pair-model-{digest}.onnx"

    def build():
        tmp = cache / f".pair-model-{digest}.{os.getpid()}"
        tmp.mkdir(exist_ok=True)
        onnx.save_model(fp32_graph(raw), str(tmp / target.name), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=target.name + ".data", size_threshold=1024)
        os.chmod(tmp / (target.name + ".data"), 0o644)  # onnx writes it 0600; a server may run as another user
        os.replace(tmp / (target.name + ".data"), target.with_suffix(".onnx.data"))  # the weights first
        os.replace(tmp / target.name, target)
        tmp.rmdir()

    return build_once(target, build, ready=lambda: target.exists() and target.with_suffix(".onnx.data").exists())


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


if __name__ == "__main__":  # ``make install``: build the fp32-compute graph now, not on a worker's first match
    print(built_graph())
