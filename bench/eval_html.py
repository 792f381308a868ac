#!/usr/bin/env python
"""Body-text quality of the product's HTML ingestion on an article-extraction benchmark.

    python bench/eval_html.py --pages DIR --truth FILE [--out PRED.json] [--limit N]

``DIR`` holds ``<id>.html.gz`` (or ``<id>.html``) pages, ``FILE`` is ``{"<id>": {"articleBody": ...}}``
(format and metric in ``../shared/data/html/README.md``: word 4-gram shingles, per-page tp/fp/fn
normalised, precision and recall averaged over pages, F1 their harmonic mean). Rows:

- product     the body Claimdesk stores: ``claims.ingestion.page_article`` (trafilatura through
              ``claims.nlp.html.extract_page``, then ``clean_body``), the code the services and workers run;
- library     trafilatura 2.3.1 run directly with its defaults;
- whole page  all the page's visible text.

The last line is ``F1 <product F1>``; ``--out`` writes ``{"<id>": {"articleBody": "<product body>"}}``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.ingestion import page_article  # noqa: E402
from claims.nlp.html import library_text, page_text  # noqa: E402

_WORD = re.compile(r"\w+")


def shingles(text: str) -> Counter:
    tokens = _WORD.findall(text or "")
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3))


def page_scores(pred: str, truth: str) -> tuple[float | None, float | None]:
    p, t = shingles(pred), shingles(truth)
    tp = sum((p & t).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total == 0:
        return 1.0, 1.0
    tp, fp, fn = tp / total, fp / total, fn / total
    precision = 1.0 if fp == 0 and fn == 0 else (tp / (tp + fp) if tp + fp else None)
    recall = 1.0 if fp == 0 and fn == 0 else (tp / (tp + fn) if tp + fn else None)
    return precision, recall


def score(preds: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    ps, rs = [], []
    for pid, gold in truth.items():
        p, r = page_scores(preds.get(pid, ""), gold)
        if p is not None:
            ps.append(p)
        if r is not None:
            rs.append(r)
    precision = sum(ps) / len(ps) if ps else 0.0
    recall = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def read_page(pages: Path, pid: str) -> str:
    gz = pages / f"{pid}.html.gz"
    data = gzip.decompress(gz.read_bytes()) if gz.exists() else (pages / f"{pid}.html").read_bytes()
    return data.decode("utf-8", errors="replace")


def product_body(markup: str) -> str:
    """What the product stores for this page, or "" where it refuses the page (no article found)."""
    try:
        return page_article(markup, max_chars=10**9, max_page_chars=10**9).body
    except Exception:  # an InvalidInput refusal: nothing is stored
        return ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=Path, required=True, help="folder of <id>.html.gz pages")
    ap.add_argument("--truth", type=Path, required=True, help='{"<id>": {"articleBody": ...}}')
    ap.add_argument("--out", type=Path, help="write the product's bodies here")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)

    truth = {k: v.get("articleBody") or "" for k, v in json.loads(args.truth.read_text()).items()}
    ids = sorted(truth)[: args.limit or None]
    truth = {k: truth[k] for k in ids}
    rows = {"product": {}, "library (trafilatura defaults)": {}, "whole page": {}}
    started = time.perf_counter()
    for pid in ids:
        markup = read_page(args.pages, pid)
        rows["product"][pid] = product_body(markup)
        rows["library (trafilatura defaults)"][pid] = library_text(markup)
        rows["whole page"][pid] = page_text(markup)
    elapsed = time.perf_counter() - started

    print(f"{len(ids)} pages, {elapsed:.1f} s")
    print(f"| {'extractor':<32} | precision | recall |    F1 |")
    print(f"|{'-' * 34}|----------:|-------:|------:|")
    results = {}
    for name, preds in rows.items():
        results[name] = score(preds, truth)
        p, r, f = results[name]
        print(f"| {name:<32} | {p:9.3f} | {r:6.3f} | {f:5.3f} |")
    if args.out:
        args.out.write_text(json.dumps({k: {"articleBody": v} for k, v in rows["product"].items()},
                                       ensure_ascii=False, indent=1))
    print(f"F1 {results['product'][2]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
