"""The ONNX Runtime encoder (claims/nlp/encoders/runtime.py) against the numpy reference and the
sentence-transformers vectors; how its graph is built and shared."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from claims.nlp import loaders
from claims.nlp.encoders import onnx_bert
from claims.nlp.encoders.minilm import MiniLM, model_dir
from claims.nlp.encoders.runtime import OnnxMiniLM

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).parent / "data" / "minilm_reference.npz"
SEEDS = ROOT.parent / "shared" / "seeds"


def seed_sentences() -> list[str]:
    """Real news sentences: the seed articles' paragraphs, cut at full stops."""
    sentences = []
    for path in sorted(SEEDS.glob("*.txt")):
        for para in path.read_text(encoding="utf-8").split("\n"):
            sentences += [s.strip() + "." for s in para.split(". ") if len(s.split()) > 3]
    return sentences[:120]


def test_the_workers_encoder_is_the_runtime():
    assert isinstance(loaders.get_matching_model(), OnnxMiniLM)


def test_runtime_vectors_match_the_reference_implementation():
    with np.load(REFERENCE) as saved:
        sentences, expected = saved["sentences"].tolist(), saved["vectors"]
    got = loaders.get_matching_model().encode(sentences)
    assert ((got * expected).sum(axis=1)).min() > 0.9999


def test_runtime_vectors_match_numpy_on_news_sentences():
    sentences = seed_sentences()
    assert len(sentences) > 40, "the seed articles are in ../shared/seeds"
    runtime = OnnxMiniLM(batch_size=7).encode(sentences)
    reference = MiniLM().encode(sentences)
    cosines = (runtime * reference).sum(axis=1)
    assert cosines.min() >= 0.999, cosines.min()
    # the order and the batch a sentence lands in change nothing
    alone = OnnxMiniLM(batch_size=1).encode(sentences[:5])
    assert np.allclose(alone, runtime[:5], atol=1e-5)


def test_the_reading_vector_is_the_fourth_layer_of_the_same_pass():
    """Check-worthiness reads the pooled states after layer 4 (``READING_LAYER``), output by the same
    graph as the matching embedding: the numpy reference computes them its own way."""
    sentences = seed_sentences()[:30]
    match, reading = OnnxMiniLM(batch_size=7).encode_both(sentences)
    ref_match, ref_reading = MiniLM().encode_both(sentences)
    assert (reading * ref_reading).sum(axis=1).min() >= 0.999
    assert np.allclose(match, OnnxMiniLM().encode(sentences), atol=1e-5)
    # another layer of the reference is another vector: the graph really reads layer 4
    _, layer3 = MiniLM().encode_both(sentences, reading_layer=3)
    assert (reading * layer3).sum(axis=1).mean() < 0.99
    assert np.allclose(np.linalg.norm(reading, axis=1), 1.0, atol=1e-4)


def test_empty_inputs():
    model = loaders.get_matching_model()
    assert model.encode([]).shape == (0, 384)
    vec = model.encode([""])[0]
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-4


def test_graph_is_built_once_named_by_the_weights(tmp_path):
    first = onnx_bert.ensure_built(model_dir(), tmp_path)
    stamp = first.stat().st_mtime_ns
    assert first.parent == tmp_path and first.suffix == ".onnx"
    assert onnx_bert.ensure_built(model_dir(), tmp_path) == first
    assert first.stat().st_mtime_ns == stamp, "a built graph is reused, not rebuilt"
    assert not list(tmp_path.glob("*.tmp")), "no half-written file is left"


def test_a_missing_graph_is_built_by_the_process_that_needs_it(tmp_path):
    env = dict(os.environ, CLAIMDESK_MODEL_CACHE=str(tmp_path))
    code = ("from claims.nlp.encoders.runtime import OnnxMiniLM; "
            "print(OnnxMiniLM().encode(['The bridge is closed.']).shape)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "(1, 384)" in out.stdout
    assert len(list(tmp_path.glob("*.onnx"))) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_children_forked_after_loading_use_the_parents_session():
    """What a worker does when it loads the models before forking its pool children."""
    model = OnnxMiniLM()
    expected = model.encode(["The council closed the bridge."])[0]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            vec = model.encode(["The council closed the bridge.", "Another sentence."])[0]
            os.write(write, vec.astype(np.float32).tobytes())
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 120
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:  # a session that cannot run in a forked child hangs there
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child did not finish encoding within 120 s")
        time.sleep(0.05)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    got = np.frombuffer(data, dtype=np.float32)
    assert got.shape == (384,)
    assert float(got @ expected) > 0.9999


def test_length_batches_bound_the_padding_and_keep_every_row_once():
    from claims.nlp.encoders.minilm import length_batches

    lengths = [12, 80, 13, 12, 40, 41, 14, 79, 12, 12, 12, 12, 12, 12, 12, 12, 12, 3]
    ids = [[1] * n for n in lengths]
    batches = length_batches(ids, batch_size=8, max_padding=0.10)
    assert sorted(i for b in batches for i in b) == list(range(len(ids)))
    for batch in batches:
        assert len(batch) <= 8
        real = sum(lengths[i] for i in batch)
        assert len(batch) * max(lengths[i] for i in batch) <= real * 1.10 + 1e-9
    # nine claims of 12 tokens: a full batch of eight, then the ninth goes on with the 13 and the 14
    assert [len(b) for b in batches][:2] == [1, 8]
    assert length_batches([], batch_size=8) == []
