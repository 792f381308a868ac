"""Claim-matching quality on a CheckThat!-format set, through the product's own matching code.

    python bench/eval_matching.py [--targets T.jsonl --queries Q.tsv --qrels R.tsv] [--method NAME]

Every target is loaded as an earlier claim (its own article) into ``claims.nlp.matching.index.MatchIndex``,
exactly as a worker loads stored claims; every query becomes a new claim (its text cleaned and
embedded by ``claims.nlp.embeddings``) and the index ranks the targets for it. Prints MAP@1, MAP@3, MAP@5,
MRR and recall@5 per method beside the reference figures of ``shared/data/README.md``; the last line
is ``MAP@5 <value>`` of the product's default method. Defaults: the dev split of
``matching/checkthat2022-2a``. ``--cache DIR`` (or ``CLAIMDESK_EMBED_CACHE``) keeps embeddings
between runs, keyed by a hash of the text.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.nlp.embeddings import match_vectors  # noqa: E402
from claims.nlp.matching.features import clean_claim_text  # noqa: E402
from claims.nlp.matching.index import METHODS, MatchIndex  # noqa: E402
from claims.nlp.matching.records import ClaimRecord  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "matching" / "checkthat2022-2a"
# Figures read in shared/data/README.md (MAP@5), by the folder of the targets file; the split each
# was measured on is named. The README gives none for the 2020 set.
REFERENCES = {
    "checkthat2022-2a": [
        ("published BM25 baseline (CodaLab 4260; split not stated)", 0.8179),
        ("SimBa, last run on the 2022 test (held out)", 0.9075),
    ],
}


def load_targets(path) -> list[tuple[str, str]]:
    """(id, text) per target; a truncated text of one or two words falls back to the headline."""
    return [(tid, text) for tid, text, _ in load_target_rows(path)]


def load_target_rows(path) -> list[tuple[str, str, str]]:
    """(id, text, context) per target: the context is the fact-check's headline and sub-heading."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            text = row.get("text") or ""
            if len(text.split()) < 3:
                text = row.get("title") or row.get("subtitle") or text
            context = " ".join(part for part in (row.get("title"), row.get("subtitle")) if part and part != text)
            out.append((row["id"], text, context))
    return out


def load_target_dates(path) -> dict[str, datetime.date]:
    """Publication date of each fact-check that has a readable one (the ``date`` key)."""
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                try:
                    out[row["id"]] = datetime.date.fromisoformat(row["date"])
                except (KeyError, TypeError, ValueError):
                    pass
    return out


# A pasted tweet ends with "— Name (@handle) Month D, YYYY": the date it was posted.
_SIGNATURE_DATE = re.compile(r"\(@\w+\)\s*([A-Za-z]+)\.? (\d{1,2}), (\d{4})\s*$")


def signature_date(text: str) -> datetime.date | None:
    """When a pasted tweet was posted, read off its signature (None when it has none)."""
    found = _SIGNATURE_DATE.search(text)
    if not found:
        return None
    try:
        return datetime.datetime.strptime(f"{found[1][:3]} {found[2]} {found[3]}", "%b %d %Y").date()
    except ValueError:
        return None


def load_queries(path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    return [tuple(line.split("\t", 1)) for line in lines[1:] if line.strip()]


def load_qrels(path) -> dict[str, set[str]]:
    qrels: dict[str, set[str]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4 and parts[3].strip() != "0":
                qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


def scores(ranked: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """MAP@1/3/5, MRR and recall@5 over the queries in ``qrels`` (a query not ranked counts 0)."""
    totals = {"MAP@1": 0.0, "MAP@3": 0.0, "MAP@5": 0.0, "MRR": 0.0, "R@5": 0.0}
    for qid, relevant in qrels.items():
        run = ranked.get(qid, [])
        for cut in (1, 3, 5):
            hits, ap = 0, 0.0
            for i, tid in enumerate(run[:cut], start=1):
                if tid in relevant:
                    hits += 1
                    ap += hits / i
            totals[f"MAP@{cut}"] += ap / len(relevant)
        first = next((i for i, tid in enumerate(run, start=1) if tid in relevant), None)
        totals["MRR"] += 1 / first if first else 0.0
        totals["R@5"] += len(relevant & set(run[:5])) / len(relevant)
    n = len(qrels) or 1
    return {key: value / n for key, value in totals.items()}


def embed(texts: list[str], cache_dir: str | None, model: str = "minilm") -> np.ndarray:
    """The product's matching embedding of each text (``match_vectors``, MiniLM), remembered under
    ``cache_dir`` when one is given."""
    compute = {"minilm": match_vectors}[model]
    if not cache_dir:
        return compute(texts)
    path = Path(cache_dir) / f"{model}.npz"
    store = {}
    if path.exists():
        with np.load(path) as saved:
            store = dict(zip(saved["keys"].tolist(), saved["vecs"]))
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest()[:20] for t in texts]
    missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in store))
    if missing:
        for t, vec in zip(missing, compute(missing)):
            store[hashlib.sha1(t.encode("utf-8")).hexdigest()[:20]] = vec
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        names = list(store)
        np.savez(tmp, keys=np.array(names), vecs=np.stack([store[k] for k in names]).astype(np.float32))
        os.replace(tmp, path)
    return np.stack([store[k] for k in keys]).astype(np.float32) if texts else compute([])


def build_index(targets, cache_dir=None, dates=None) -> tuple[MatchIndex, list[str]]:
    """Targets (from :func:`load_target_rows`) as stored claims: claim id = position + 1, each its own
    article, the headline as context (its words and its MiniLM vector, as a stored claim's article
    headline in the product), the fact-check's date (``dates``, by id) as its article's date."""
    dates = dates or {}
    texts = [text for _, text, _ in targets]
    mini = embed(texts, cache_dir, "minilm")
    contexts = sorted({context for _, _, context in targets if context})
    context_vec = dict(zip(contexts, embed(contexts, cache_dir, "minilm")))
    index = MatchIndex()
    index.add(ClaimRecord(id=i + 1, article_id=i + 1, text=text, match_embedding=mini[i],
                          context=context, context_embedding=context_vec.get(context), published=dates.get(tid))
              for i, (tid, text, context) in enumerate(targets))
    return index, [tid for tid, _, _ in targets]


def query_records(queries, cache_dir=None) -> list[ClaimRecord]:
    """Each query as a new claim: the product cleans its text, then embeds it; the date a pasted tweet
    was posted is its article's date."""
    texts = [clean_claim_text(text) for _, text in queries]
    mini = embed(texts, cache_dir, "minilm")
    return [ClaimRecord(id=-(i + 1), article_id=0, text=text, match_embedding=mini[i],
                        published=signature_date(text))
            for i, (_, text) in enumerate(queries)]


def run(index, target_ids, queries, records, method: str, k: int = 10) -> tuple[dict[str, list[str]], float]:
    started = time.perf_counter()
    ranked = {}
    for (qid, _), rec in zip(queries, records):
        ranked[qid] = [target_ids[cid - 1] for cid, _ in index.rank(rec, k=k, method=method, exclude_article=0)]
    return ranked, (time.perf_counter() - started) / max(len(records), 1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=str(DATA / "targets.jsonl"))
    parser.add_argument("--queries", default=str(DATA / "queries-dev.tsv"))
    parser.add_argument("--qrels", default=str(DATA / "qrels-dev.tsv"))
    parser.add_argument("--method", choices=("all",) + METHODS, default="all",
                        help="one method, or all of them (the default is always shown last)")
    parser.add_argument("--cache", default=os.environ.get("CLAIMDESK_EMBED_CACHE"),
                        help="folder to keep embeddings in between runs")
    args = parser.parse_args(argv)

    targets = load_target_rows(args.targets)
    queries = load_queries(args.queries)
    qrels = load_qrels(args.qrels)
    started = time.perf_counter()
    index, target_ids = build_index(targets, args.cache, load_target_dates(args.targets))
    records = query_records(queries, args.cache)
    prep = time.perf_counter() - started
    print(f"{len(targets)} targets, {len(queries)} queries, {len(qrels)} with qrels "
          f"(embedding and indexing {prep:.1f} s)")
    methods = [m for m in METHODS if m != "default"] + ["default"] if args.method == "all" else [args.method]
    header = f"{'method':<58} {'MAP@1':>6} {'MAP@3':>6} {'MAP@5':>6} {'MRR':>6} {'R@5':>6} {'ms/q':>6}"
    print(header)
    print("-" * len(header))
    references = REFERENCES.get(Path(args.targets).resolve().parent.name)
    for name, value in references or [("(no published figures for this set in shared/data/README.md)", None)]:
        print(f"{name:<58} {'':>6} {'':>6} {value:6.4f}" if value is not None else name)
    result = {}
    for method in methods:
        ranked, per_query = run(index, target_ids, queries, records, method)
        result = scores(ranked, qrels)
        label = f"{method} (product default)" if method == "default" else method
        print(f"{label:<58} {result['MAP@1']:6.4f} {result['MAP@3']:6.4f} {result['MAP@5']:6.4f} "
              f"{result['MRR']:6.4f} {result['R@5']:6.4f} {per_query * 1000:6.1f}")
    print(f"MAP@5 {result['MAP@5']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
