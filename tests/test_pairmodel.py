"""The shipped pair model (claims/nlp/matching/pairs.py, claims/data/pair_model/): plain Python, no database."""

import json

import numpy as np
import pytest

pytest.importorskip("onnxruntime", reason="onnxruntime (requirements/base.txt) runs the pair model")

from claims.nlp.matching.pairs import MODEL_DIR, PairModel, canonical, model_bytes, shared_model  # noqa: E402

PARAPHRASES = [
    (
        "The council closed the Harbour Bridge on Monday for urgent repairs, officials said.",
        "Officials said the council shut the Harbour Bridge on Monday so that urgent repairs could be made.",
    ),
    (
        "Amrozi accused his brother, whom he called the witness, of deliberately distorting his evidence.",
        "Referring to him only as the witness, Amrozi accused his brother of deliberately distorting his evidence.",
    ),
    (
        "Unemployment fell to 4.2 percent in March, the statistics office reported on Friday.",
        "The statistics office reported on Friday that the unemployment rate dropped to 4.2 percent in March.",
    ),
]

# Near misses: one fact changed (a number, a negation, the speaker).
NEAR_MISSES = [
    (
        "The repairs to the bridge will cost 12 million euros, the chief engineer said.",
        "The repairs to the bridge will cost 20 million euros, the chief engineer said.",
    ),
    (
        "The minister said the new tax will apply to small businesses from January.",
        "The minister said the new tax will not apply to small businesses from January.",
    ),
    (
        "Prime Minister Karen Holt said the army had been sent to the border to stop the smugglers.",
        "Opposition leader David Marsh said the army had been sent to the border to stop the smugglers.",
    ),
]


@pytest.fixture(scope="module")
def model():
    return PairModel(threads=1)


def test_shipped_files_and_metadata():
    meta = json.loads((MODEL_DIR / "pair_model.json").read_text())
    files = [MODEL_DIR / "model.onnx"] if (MODEL_DIR / "model.onnx").exists() else list(MODEL_DIR.glob("model.onnx.part-*"))
    assert files and all(f.stat().st_size < 100e6 for f in files)  # each under a code host's file limit
    assert sum(f.stat().st_size for f in files) < 130e6  # int8 (fp32 would be 438 MB)
    assert meta["order"] in ("canonical", "both")
    assert 0.0 < meta["threshold_same"] < 1.0
    assert meta["dev"]["precision"] >= 0.88
    assert meta["max_len"] == 128 and meta["symmetric"] is True
    assert "MRPC" in meta["provenance"]["data"]


def test_paraphrases_are_same(model):
    p = model.probabilities(PARAPHRASES)
    assert (p >= model.threshold).all(), p


def test_different_speaker_is_not_same(model):
    p = model.probabilities([NEAR_MISSES[2]])
    assert p[0] < model.threshold, p
    assert p[0] < model.probabilities(PARAPHRASES).min()


@pytest.mark.xfail(strict=True, reason=(
    "known weakness of the shipped model (all-mpnet-base-v2, 3 epochs of MRPC, dev F1 0.90 at 0.5; the MiniLM one before it had it too): a single changed number or "
    "an added 'not' still scores as the same claim; the matching rules (numbers of a shared unit, negation) "
    "must keep deciding those as conflicts. Flips to a pass when a stronger model ships."
))
@pytest.mark.parametrize("pair", NEAR_MISSES[:2], ids=["changed-number", "negation"])
def test_one_token_fact_changes_are_not_same(model, pair):
    assert model.probabilities([pair])[0] < model.threshold


def test_probabilities_are_calibrated_numbers(model):
    p = model.probabilities(PARAPHRASES + NEAR_MISSES)
    assert p.shape == (6,) and p.dtype == np.float64
    assert ((p > 0) & (p < 1)).all()
    assert model.probabilities([]).shape == (0,)


def test_batch_equals_single(model):
    pairs = PARAPHRASES + NEAR_MISSES
    batched = model.probabilities(pairs)
    single = np.array([model.probabilities([p])[0] for p in pairs])
    # each pair is run alone, so its score does not depend on the others
    np.testing.assert_array_equal(batched, single)


def test_symmetric(model):
    pairs = PARAPHRASES + NEAR_MISSES
    forward = model.probabilities(pairs)
    backward = model.probabilities([(b, a) for a, b in pairs])
    np.testing.assert_allclose(forward, backward, rtol=0, atol=1e-12)


# The largest difference between two kinds of processor, measured by bench/cpu_agreement.py (this
# machine's AVX-512 VNNI against the same wheels under qemu-x86_64 -cpu Haswell, AVX2 only): see
# docs/quality.md. The tolerance is ten times that; the reference pairs nearest the threshold are
# 0.002 from it, so an arithmetic difference this small can never flip one of their decisions.
CROSS_CPU_TOLERANCE = 1e-4


def test_agrees_with_the_reference_on_every_processor(model):
    """The calibrated probabilities recorded with the shipped model (bench/train_pairs.py --recalibrate),
    among them the dev pairs nearest the threshold on both sides: the same decisions, and probabilities
    within the measured cross-processor tolerance, whichever CPU runs the suite."""
    reference = json.loads((MODEL_DIR / "pair_model.json").read_text())["reference"]
    expected = np.array([r["probability"] for r in reference])
    assert len(reference) >= 12
    assert (expected >= model.threshold).sum() >= 4 and (expected < model.threshold).sum() >= 4
    assert np.abs(expected - model.threshold).min() < 0.02  # some are close calls
    p = model.probabilities([(r["text1"], r["text2"]) for r in reference])
    np.testing.assert_array_equal(p >= model.threshold, expected >= model.threshold)
    np.testing.assert_allclose(p, expected, rtol=0, atol=CROSS_CPU_TOLERANCE)


def test_no_activation_is_quantised(model):
    """Why the processors agree, by construction: the graph the runtime runs multiplies fp32
    activations by the shipped int8 weights dequantized; nothing rounds an activation to 8 bits,
    so onnxruntime's VNNI and AVX2 integer kernels are never on the path."""
    import onnx

    graph = onnx.load(str(model.graph_path), load_external_data=False).graph
    ops = {node.op_type for node in graph.node}
    assert "MatMul" in ops
    assert not ops & {"DynamicQuantizeLinear", "MatMulInteger", "QLinearMatMul", "MatMulIntegerToFloat"}


def test_fp32_weights_are_the_shipped_int8_values_exactly():
    import onnx
    from onnx import numpy_helper

    from claims.nlp.matching.pairs import fp32_graph

    shipped = onnx.load_from_string(model_bytes(MODEL_DIR))
    ints = {t.name: numpy_helper.to_array(t) for t in shipped.graph.initializer}
    node = next(n for n in shipped.graph.node if n.op_type == "MatMulInteger")
    weight_name, zero_name = node.input[1], node.input[3]
    scale = next(v for k, v in ints.items() if k == weight_name.replace("_quantized", "_scale"))
    built = {t.name: t for t in fp32_graph(model_bytes(MODEL_DIR)).graph.initializer}
    fp32 = numpy_helper.to_array(built[f"{weight_name}_fp32"])
    q = ints[weight_name].astype(np.float32) - ints[zero_name].astype(np.float32)
    np.testing.assert_array_equal(fp32, (q * scale.astype(np.float32)).astype(np.float32))
    assert len(np.unique(np.round(fp32[:, 0] / scale[0]))) <= 255  # still 8-bit values


def test_the_built_graph_is_reused_and_named_by_the_shipped_bytes(tmp_path):
    from claims.nlp.matching.pairs import built_graph

    first = built_graph(MODEL_DIR, tmp_path)
    assert first.parent == tmp_path and first.with_suffix(".onnx.data").stat().st_mode & 0o044
    mtime = first.stat().st_mtime_ns
    assert built_graph(MODEL_DIR, tmp_path) == first and first.stat().st_mtime_ns == mtime


def test_threads_do_not_change_the_result(model):
    two = PairModel(threads=2).probabilities(PARAPHRASES + NEAR_MISSES)
    np.testing.assert_allclose(two, model.probabilities(PARAPHRASES + NEAR_MISSES), atol=1e-4)


def test_shared_model_is_loaded_once():
    assert shared_model() is shared_model()


def test_model_parts_are_joined_in_numeric_order(tmp_path):
    for k in (0, 1, 2, 10, 11):
        (tmp_path / f"model.onnx.part-{k}").write_bytes(bytes([k]) * 3)
    assert model_bytes(tmp_path) == b"".join(bytes([k]) * 3 for k in (0, 1, 2, 10, 11))
    (tmp_path / "model.onnx").write_bytes(b"whole")
    assert model_bytes(tmp_path) == b"whole"  # one file, when there is one


def test_model_bytes_names_the_folder_when_nothing_is_there(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        model_bytes(tmp_path)


def test_canonical_order_does_not_depend_on_the_order_given():
    a, b = PARAPHRASES[0]
    assert canonical(a, b) == canonical(b, a)
    assert canonical(a, a) == (a, a)
