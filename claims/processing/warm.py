"""Worker warm-up: the models and the match index loaded once in a worker's parent process, before
it forks its pool children, so the children share those pages (``factcheck/celery.py``)."""

from __future__ import annotations

import gc
import logging
import os
import time
from pathlib import Path

from django.db import connections

from ..nlp.loaders import get_matching_model, get_nlp
from .matching import matching_index_refresh

log = logging.getLogger(__name__)


def worker_warm(*, marker_dir: str | None = None, linger: float = 0.0) -> dict:
    """Load spaCy, the encoder and the match index in this process.

    A worker's parent runs this before it forks its pool children (``factcheck/celery.py``), so the
    children start with the models and the index in pages they share with it and with each other,
    and each child only adds the claims stored since. Nothing is encoded here: e5's engine starts
    OpenMP threads on its first text, which a forked child cannot use (it would hang), while the
    MiniLM session runs on the calling thread. Failures are logged, never raised: a worker that
    could not warm up still starts, and loads what it needs on its first task.
    """
    started = time.monotonic()
    result = {"pid": os.getpid(), "claims": None}
    try:
        get_nlp()
        get_matching_model()
        result["claims"] = len(matching_index_refresh())
    except Exception:  # noqa: BLE001 - a cold worker is better than no worker
        log.exception("worker warm-up failed; models load on the first task instead")
    finally:
        connections.close_all()  # a connection must not be shared with forked children
    # Objects that live as long as the process leave the collector's reach: a collection in a child
    # would otherwise touch (and so copy) every page the parent loaded them into.
    gc.collect()
    gc.freeze()
    result["seconds"] = round(time.monotonic() - started, 2)
    log.info("worker warm: %s claims indexed in %.1f s (pid %s)", result["claims"], result["seconds"],
             result["pid"])
    if linger:
        time.sleep(linger)
    if marker_dir:
        Path(marker_dir, f"warm-{os.getpid()}").write_text(str(result))
    return result
