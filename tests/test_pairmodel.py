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


def test_agrees_with_the_reference_from_training_time(model):
    """The probabilities bench/train_pairs.py computed with the same int8 file on dev pairs."""
    reference = json.loads((MODEL_DIR / "pair_model.json").read_text())["reference"]
    assert len(reference) >= 5
    p = model.probabilities([(r["text1"], r["text2"]) for r in reference])
    np.testing.assert_allclose(p, [r["probability"] for r in reference], atol=1e-4)


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
