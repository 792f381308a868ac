"""usearch, imported only after ONNX Runtime.

Importing ``onnxruntime`` in a process that has already loaded usearch (and built a graph with it)
crashes the process in libstdc++ (a segfault in ONNX Runtime's static initialisation, seen with
onnxruntime 1.31.1 and usearch 2.26.6). The matching index needs usearch past 50k claims and the
cross-encoder needs ONNX Runtime on its first ``same`` decision, so every import of usearch comes
through here, after ONNX Runtime (``tests/test_matching.py`` checks the order in a fresh process).
"""

import onnxruntime  # noqa: F401  (must be loaded before usearch)
from usearch.index import Index, MetricKind, search  # noqa: E402

__all__ = ["Index", "MetricKind", "search"]
