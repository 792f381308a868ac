"""The two candidate generators behind :class:`claims.nlp.matching.index.MatchIndex`, sized for a million claims.

* :class:`DenseIndex`: cosine search over unit vectors. Vectors are kept once, as float16 rows of a
  growing matrix (768 bytes a claim). Up to ``exact_limit`` rows a search is an exact matrix product;
  past it an HNSW graph (``usearch``) is built from the matrix in one multi-threaded pass and then
  grows with every add, so a worker that starts from an empty index (or lost its own) rebuilds it
  from the stored claims the service hands over.
* :class:`LexicalIndex`: BM25 over an inverted index of compact, appendable arrays (``array`` of
  int32 row numbers and uint8 term counts: 5 bytes a posting), scored with numpy.

Rows are positions in insertion order; the caller maps them to claim ids.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter

import numpy as np

EXACT_LIMIT = 50_000


def read_graph(path: str):
    """A saved usearch graph, or ``None`` when the file is missing, truncated or not one."""
    from .runtime_order import Index

    try:
        return Index.restore(path)
    except Exception:  # usearch raises plain RuntimeErrors for a damaged file
        return None


class VectorStore:
    """Unit vectors as float16 rows of a growing matrix, read back by row (no search)."""

    def __init__(self, dim: int):
        self.dim = dim
        self._matrix = np.zeros((0, dim), dtype=np.float16)
        self.n = 0

    def __len__(self):
        return self.n

    def _grow(self, extra: int):
        need = self.n + extra
        if need <= self._matrix.shape[0]:
            return
        cap = max(need, 2 * self._matrix.shape[0], 1024)
        grown = np.zeros((cap, self.dim), dtype=np.float16)
        grown[: self.n] = self._matrix[: self.n]
        self._matrix = grown

    def add(self, vectors: np.ndarray) -> int:
        """Append rows; returns the row number of the first."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        start = self.n
        if len(vectors):
            self._grow(len(vectors))
            self._matrix[start: start + len(vectors)] = vectors
            self.n += len(vectors)
        return start

    def vectors(self, rows) -> np.ndarray:
        return self._matrix[np.asarray(rows, dtype=np.int64)].astype(np.float32)


class DenseIndex(VectorStore):
    """Exact search while small, HNSW (usearch, float16, cosine) once larger; always incremental.

    ``expansion_search`` 1536: on a million synthetic MiniLM vectors (``bench/match.py``'s), the graph
    search found 85 % of the exact ten nearest at 256, 96 % at 512 and 99 % at 1024, for 1.4, 2.7 and
    5.4 ms at the 95th percentile; a later 1M run found 97.9 % at 1024 (a graph built on another machine,
    two threads inserting), and 99.2 % at 1536, the whole search without the cross-encoder at p95 11.4
    ms against 9.4: the rest of a match (BM25, features) costs more than the graph.
    """

    def __init__(self, dim: int, *, exact_limit: int = EXACT_LIMIT, connectivity: int = 16,
                 expansion_add: int = 128, expansion_search: int = 1536, threads: int = 0):
        super().__init__(dim)
        self.exact_limit = exact_limit
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self.threads = threads
        self._ann = None
        self.deferred = False  # while True, adds never (re)build the graph: see :meth:`MatchIndex.load`

    @property
    def approximate(self) -> bool:
        return self._ann is not None

    def add(self, vectors: np.ndarray) -> int:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        m = len(vectors)
        start = super().add(vectors)
        if not m:
            return start
        if self._ann is not None:
            self._ann.add(np.arange(start, start + m, dtype=np.uint64), vectors, threads=self.threads)
        elif self.n > self.exact_limit and not self.deferred:
            self.build()
        return start

    def save(self, path: str) -> int:
        """Write the graph to ``path``; returns how many rows it covers (0 when searching exactly)."""
        if self._ann is None:
            return 0
        self._ann.save(path)
        return len(self._ann)

    def adopt(self, graph, rows: int) -> bool:
        """Use a saved graph (a path, or one :func:`read_graph` gave) that covers the first ``rows``
        stored vectors (it must hold exactly those rows, and sampled vectors must be the stored ones),
        then add the rows stored since. ``False`` (and nothing changed) when it does not fit."""
        if rows > self.n:
            return False
        ann = read_graph(graph) if isinstance(graph, str) else graph
        if ann is None or len(ann) != rows or ann.ndim != self.dim:
            return False
        sample = np.unique(np.linspace(0, rows - 1, num=min(rows, 32)).astype(np.int64))
        saved = np.asarray(ann.get(sample.astype(np.uint64)), dtype=np.float32).reshape(len(sample), self.dim)
        ours = self.vectors(sample)
        cosines = (saved * ours).sum(1) / np.maximum(np.linalg.norm(saved, axis=1) * np.linalg.norm(ours, axis=1),
                                                     1e-9)
        if not len(sample) or cosines.min() < 0.999:
            return False
        ann.expansion_search = self.expansion_search
        if self.n > rows:
            ann.add(np.arange(rows, self.n, dtype=np.uint64), self._matrix[rows: self.n].astype(np.float32),
                    threads=self.threads)
        self._ann = ann
        return True

    def build(self):
        """(Re)build the HNSW graph from the stored vectors, in one multi-threaded pass."""
        from .runtime_order import Index

        ann = Index(ndim=self.dim, metric="cos", dtype="f16", connectivity=self.connectivity,
                    expansion_add=self.expansion_add, expansion_search=self.expansion_search)
        if self.n:
            step = 100_000
            for start in range(0, self.n, step):
                stop = min(self.n, start + step)
                ann.add(np.arange(start, stop, dtype=np.uint64), self._matrix[start:stop].astype(np.float32),
                        threads=self.threads)
        self._ann = ann

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and cosines of (about) the ``k`` nearest stored vectors, best first."""
        k = min(k, self.n)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self._ann is None:
            return self.exact(vector, k)
        found = self._ann.search(np.asarray(vector, dtype=np.float32), k)
        return found.keys.astype(np.int64), (1.0 - found.distances).astype(np.float32)

    def search_batch(self, vectors: np.ndarray, k: int) -> np.ndarray:
        """Rows of the (about) ``k`` nearest stored vectors of each query row; -1 pads a short answer."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        k = min(k, self.n)
        if self._ann is None or k <= 0:
            out = np.full((len(vectors), max(k, 0)), -1, dtype=np.int64)
            for i, vec in enumerate(vectors):
                rows, _ = self.search(vec, k)
                out[i, : len(rows)] = rows
            return out
        found = self._ann.search(vectors, k, threads=self.threads)
        # usearch answers one query row with ``Matches`` (exactly the hits it found), several with
        # ``BatchMatches`` (k columns, ``counts`` of them filled).
        if not hasattr(found, "counts"):
            keys = np.full((1, k), -1, dtype=np.int64)
            keys[0, : len(found.keys)] = found.keys
            return keys
        keys = found.keys.astype(np.int64)
        keys[np.arange(k)[None, :] >= found.counts[:, None]] = -1
        return keys

    def exact(self, vector: np.ndarray, k: int, *, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Brute-force search (SIMD, no BLAS: numpy's threaded matrix-vector product stalls on a busy
        2-core machine); also the reference the ANN recall is measured against."""
        from .runtime_order import MetricKind, search

        k = min(k, self.n)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        found = search(self._matrix[: self.n], np.asarray(vector, dtype=np.float16), k, MetricKind.IP,
                       exact=True, threads=threads)
        count = int(found.count) if hasattr(found, "count") else k
        return found.keys[:count].astype(np.int64), (1.0 - found.distances[:count]).astype(np.float32)


class LexicalIndex:
    """BM25 (k1=1.2, b=0.75) over content tokens, with appendable compact postings."""

    k1 = 1.2
    b = 0.75

    def __init__(self, *, max_df_share: float = 0.01, min_df_cap: int = 10_000):
        self._rows: dict[str, array] = {}
        self._tfs: dict[str, array] = {}
        self._lengths = array("H")
        self._total = 0
        # Each row's own words (and its context's) as term ids, kept for the pair features.
        self.vocab: dict[str, int] = {}
        self._df = array("I")
        self._text_ids = array("I")
        self._text_ends = array("q", [0])
        self._context_ids = array("I")
        self._context_ends = array("q", [0])
        # A term in more than max(10,000, 1% of the claims) carries little weight and would dominate
        # the cost at a million claims: it is left out of BM25 (nothing is left out below 10,000 claims).
        self.max_df_share = max_df_share
        self.min_df_cap = min_df_cap

    def __len__(self):
        return len(self._lengths)

    def add(self, tokens: list[str], context: list[str] = ()) -> int:
        """Index one claim's words (and the words of its context, which count for BM25 too)."""
        row = len(self._lengths)
        words = list(tokens) + list(context)
        for term, tf in Counter(words).items():
            rows = self._rows.get(term)
            if rows is None:
                rows = self._rows[term] = array("i")
                self._tfs[term] = array("B")
                self.vocab[term] = len(self._df)
                self._df.append(0)
            rows.append(row)
            self._tfs[term].append(min(tf, 255))
            self._df[self.vocab[term]] += 1
        self._text_ids.extend(self.vocab[t] for t in tokens)
        self._text_ends.append(len(self._text_ids))
        self._context_ids.extend(self.vocab[t] for t in context)
        self._context_ends.append(len(self._context_ids))
        self._lengths.append(min(len(words), 65535))
        self._total += len(words)
        return row

    def term_ids(self, tokens: list[str]) -> np.ndarray:
        """Term ids of ``tokens``; -1 for a word no stored claim has."""
        return np.fromiter((self.vocab.get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))

    def idf_of(self, ids: np.ndarray) -> np.ndarray:
        """BM25 idf per term id (a word never seen gets the idf of a word seen once... less half)."""
        n = len(self._lengths)
        df = np.frombuffer(self._df, dtype=np.uint32)
        d = np.where(ids >= 0, df[np.maximum(ids, 0)] if len(df) else 0, 0).astype(np.float64)
        return np.log1p((n - d + 0.5) / (d + 0.5))

    def row_terms(self, rows: np.ndarray, *, context: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``rows``, term id) for every word of the given rows (or of their context)."""
        flat = np.frombuffer(self._context_ids if context else self._text_ids, dtype=np.uint32)
        ends = np.frombuffer(self._context_ends if context else self._text_ends, dtype=np.int64)
        starts, stops = ends[rows], ends[rows + 1]
        counts = stops - starts
        owner = np.repeat(np.arange(len(rows)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return owner, flat[np.repeat(starts, counts) + offsets].astype(np.int64)

    def idf(self, term: str) -> float:
        n = len(self._lengths)
        df = len(self._rows.get(term, ()))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(rows, BM25 scores) of every stored claim sharing a term with ``tokens``, unordered."""
        n = len(self._lengths)
        terms = [t for t in dict.fromkeys(tokens) if t in self._rows]
        if not n or not terms:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        cap = max(self.min_df_cap, int(self.max_df_share * n))
        lengths = np.frombuffer(self._lengths, dtype=np.uint16)
        avgdl = self._total / n or 1.0
        all_rows, all_scores = [], []
        for term in terms:
            rows_buf = self._rows[term]
            df = len(rows_buf)
            if df > cap:
                continue
            rows = np.frombuffer(rows_buf, dtype=np.int32)
            tf = np.frombuffer(self._tfs[term], dtype=np.uint8).astype(np.float32)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1 - self.b + self.b * lengths[rows].astype(np.float32) / avgdl)
            all_rows.append(rows)
            all_scores.append(idf * tf * (self.k1 + 1) / (tf + norm))
        if not all_rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rows = np.concatenate(all_rows)
        weights = np.concatenate(all_scores)
        if len(all_rows) == 1:
            return rows.astype(np.int64), weights
        if len(rows) * 8 < n:
            uniq, inverse = np.unique(rows, return_inverse=True)
            return uniq.astype(np.int64), np.bincount(inverse, weights).astype(np.float32)
        dense = np.bincount(rows, weights, minlength=n)
        touched = np.flatnonzero(dense)
        return touched, dense[touched].astype(np.float32)
