"""The HNSW graph a worker saves beside the database and another adopts, under a file lock; claims
deleted since it was saved become placeholder rows so that its rows still line up."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .ann import read_graph
from .records import ClaimRecord


@contextmanager
def graph_lock(path: Path):
    """An exclusive lock beside the saved graph: one worker writes or reads the pair of files at a time."""
    with open(path.with_name(path.name + ".lock"), "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# The article id of a placeholder row: a claim the saved graph holds that has since been deleted.
DELETED = -1
# Past this share of deleted claims a saved graph is not worth its placeholders: it is rebuilt.
MAX_DELETED_SHARE = 0.1


def read_saved_graph(path: Path):
    """(claim ids of its rows, graph) saved at ``path``, read under the lock; ``None`` without one."""
    if not path.exists():
        return None
    with graph_lock(path):
        try:
            ids = np.load(path.with_name(path.name + ".ids.npy"), allow_pickle=False)
        except (OSError, ValueError):
            return None
        ann = read_graph(str(path))
    return (ids, ann) if ann is not None else None


def aligned(records, saved_ids: np.ndarray, ann):
    """``records`` (ascending ids), with a placeholder row for each claim of the saved graph that has
    been deleted since (a re-queued article), so that rows line up with the graph's and it can be
    reused; placeholders are never matched. Gives up aligning (the graph is then rebuilt) where the
    graph does not follow the stored order."""
    records = iter(records)
    pending = next(records, None)
    for row, saved_id in enumerate(saved_ids.tolist()):
        if pending is not None and pending.id == saved_id:
            yield pending
            pending = next(records, None)
        elif pending is None or pending.id > saved_id:
            vec = np.asarray(ann.get(np.uint64(row)), dtype=np.float32).reshape(-1)
            yield ClaimRecord(id=saved_id, article_id=DELETED, text="", match_embedding=vec)
        else:
            break
    if pending is not None:
        yield pending
    yield from records


