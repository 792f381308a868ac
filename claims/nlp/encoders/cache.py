"""Files built once into the model cache (graphs, a compiled engine): one process builds, the others wait."""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path


def build_once(target: Path, build: Callable[[], None], *, ready: Callable[[], bool] | None = None) -> Path:
    """``target`` once ``ready()`` (default: it exists), running ``build()`` under the cache's lock
    first if it is not; ``build`` writes to a temporary name and moves its result into place."""
    ready = ready or target.exists
    if not ready():
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / ".build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not ready():
                build()
    return target
