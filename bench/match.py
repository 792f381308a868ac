"""Matching at scale: build time, memory, latency, batched throughput and ANN recall.

    python bench/match.py [--sizes 10000,100000,1000000] [--queries 300] [--base 2000] [--texts T.jsonl]

For each size, a fresh ``claims.nlp.matching.index.MatchIndex`` (the one the workers run) is filled with
synthetic stored claims, then new claims are matched against it with ``search`` (one at a time:
p50/p95 latency of the whole match, the cross-encoder included; "search p50/p95" is the same search
without it, ``rank``: candidates, features and the ranking model) and ``search_many`` (batches of 64: claims per second). Recall@10 compares the
dense candidates of the index (HNSW past 50k claims) with exact brute-force search over the same
vectors, in the same run. Latency excludes embedding the new claim: a worker reads its embedding
from the database, where extraction stored it.

Synthetic claims are made from ``--base`` real claims (the texts of ``--texts``, by default the
CheckThat! 2022 collection, embedded by both of the product's models): each synthetic text is
the first half of one real claim followed by the second half of another, and its MiniLM vector is
the normalised Dirichlet mixture of the real embeddings of those two claims and a third, plus Gaussian noise (σ 0.015 a dimension), so vectors
keep the models' anisotropy and clustering instead of being uniform random. Every 20 claims share
an article, with a headline vector.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_matching import DATA, embed, load_targets  # noqa: E402

from claims.nlp.matching.ann import DenseIndex  # noqa: E402
from claims.nlp.matching.index import MatchIndex  # noqa: E402
from claims.nlp.matching.records import ClaimRecord  # noqa: E402

NOISE = 0.015


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Synthesizer:
    """Endless synthetic claims built from real texts and their real embeddings."""

    def __init__(self, texts: list[str], match_vectors: np.ndarray, seed: int = 0):
        self.words = [t.split() for t in texts]
        self.match_vectors = match_vectors.astype(np.float32)
        self.rng = np.random.default_rng(seed)

    def _mix(self, source: np.ndarray, picks: np.ndarray, mix: np.ndarray) -> np.ndarray:
        vecs = np.einsum("ij,ijk->ik", mix, source[picks])
        vecs += self.rng.normal(0, NOISE, size=vecs.shape).astype(np.float32)
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    def records(self, first_id: int, count: int, article_size: int = 20) -> list[ClaimRecord]:
        n = len(self.words)
        picks = self.rng.integers(0, n, size=(count, 3))
        mix = self.rng.dirichlet([4.0, 2.0, 1.0], size=count).astype(np.float32)
        match = self._mix(self.match_vectors, picks, mix)
        out = []
        for i in range(count):
            a, b = self.words[picks[i, 0]], self.words[picks[i, 1]]
            text = " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2:])
            cid = first_id + i
            out.append(ClaimRecord(id=cid, article_id=1 + cid // article_size, text=text,
                                   match_embedding=match[i], context_embedding=match[i]))
        return out


def bench_size(size: int, synth: Synthesizer, n_queries: int, exact_limit: int | None, batch: int = 64) -> dict:
    before = rss_mb()
    index = MatchIndex(exact_limit=exact_limit)
    started = time.perf_counter()
    step = 50_000
    for first in range(0, size, step):
        index.add(synth.records(first + 1, min(step, size - first)))
    build = time.perf_counter() - started
    memory = rss_mb() - before
    queries = synth.records(10**9, n_queries, article_size=10**9)  # new claims, a new article
    for q in queries[:5]:
        index.search(q, exclude_article=q.article_id)  # warm up
    latencies, first_stage = [], []
    for q in queries:
        t = time.perf_counter()
        index.search(q, exclude_article=q.article_id)
        latencies.append(time.perf_counter() - t)
        t = time.perf_counter()
        index.rank(q, k=10, exclude_article=q.article_id)  # the same search without the cross-encoder
        first_stage.append(time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(0, len(queries), batch):
        index.search_many(queries[i: i + batch], exclude_article=queries[0].article_id)
    throughput = len(queries) / (time.perf_counter() - t)
    # A fresh worker: the graph saved by another one, adopted over the same stored vectors.
    save_s = restore_s = float("nan")
    if index.dense.approximate:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "graph.usearch")
            t = time.perf_counter()
            rows = index.dense.save(path)
            save_s = time.perf_counter() - t
            fresh = DenseIndex(index.dense.dim, exact_limit=index.dense.exact_limit)
            fresh.deferred = True
            fresh.add(index.dense.vectors(np.arange(len(index))))
            t = time.perf_counter()
            assert fresh.adopt(path, rows)
            restore_s = time.perf_counter() - t
            del fresh
    recall = []
    for q in queries[: min(len(queries), 200)]:
        approx, _ = index.dense.search(q.match_embedding, 10)
        exact, _ = index.dense.exact(q.match_embedding, 10)
        recall.append(len(set(approx.tolist()) & set(exact.tolist())) / max(len(exact), 1))
    return {"size": size, "build_s": build, "memory_mb": memory, "p50_ms": 1000 * np.percentile(latencies, 50),
            "p95_ms": 1000 * np.percentile(latencies, 95), "per_s": throughput, "recall": float(np.mean(recall)),
            "ann": "hnsw" if index.dense.approximate else "exact", "save_s": save_s, "restore_s": restore_s,
            "search_p50_ms": 1000 * np.percentile(first_stage, 50), "search_p95_ms": 1000 * np.percentile(first_stage, 95),
            "pair_reads": dict(index.pair_counts)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300, help="new claims matched at each size")
    parser.add_argument("--base", type=int, default=2000, help="real claims the synthetic ones are made from")
    parser.add_argument("--texts", default=str(DATA / "targets.jsonl"), help="real claims (targets.jsonl format)")
    parser.add_argument("--exact-limit", type=int, default=None, help="size past which HNSW is used (50000)")
    parser.add_argument("--cache", default=os.environ.get("CLAIMDESK_EMBED_CACHE"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    texts = [text for _, text in load_targets(args.texts)][: args.base]
    t = time.perf_counter()
    match_vectors = embed(texts, args.cache, "minilm")
    print(f"{len(texts)} real claims embedded in {time.perf_counter() - t:.1f} s; "
          f"{args.queries} new claims matched at each size; {os.cpu_count()} CPUs")
    header = (f"{'stored':>9} {'index':>6} {'build s':>8} {'mem MB':>7} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'claims/s':>9} {'recall@10':>9} {'save s':>7} {'reload s':>8} {'search p50':>10} {'search p95':>10}")
    print(header)
    print("-" * len(header))
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        r = bench_size(size, Synthesizer(texts, match_vectors, args.seed), args.queries, args.exact_limit)
        print(f"{r['size']:>9,} {r['ann']:>6} {r['build_s']:8.1f} {r['memory_mb']:7.0f} {r['p50_ms']:7.2f} "
              f"{r['p95_ms']:7.2f} {r['per_s']:9.0f} {r['recall']:9.3f} {r['save_s']:7.1f} {r['restore_s']:8.1f} "
              f"{r['search_p50_ms']:10.2f} {r['search_p95_ms']:10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
