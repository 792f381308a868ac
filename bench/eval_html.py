#!/usr/bin/env python
"""Body-text quality of the product's HTML ingestion on an article-extraction benchmark.

    python bench/eval_html.py --pages DIR --truth FILE [--out PRED.json] [--limit N]
    python bench/eval_html.py --pages DIR --truth FILE --cv 5 [--boot 2000]

``DIR`` holds ``<id>.html.gz`` (or ``<id>.html``) pages, ``FILE`` is ``{"<id>": {"articleBody": ...}}``
(format and metric in ``../shared/data/html/README.md``: word 4-gram shingles, per-page tp/fp/fn
normalised, precision and recall averaged over pages, F1 their harmonic mean). Rows:

- product     the body Claimdesk stores: ``claims.ingestion.page_article`` (trafilatura through
              ``claims.nlp.html.extract_page``, then ``clean_body``), the code the services and workers run;
- library     trafilatura 2.3.1 run directly with its defaults;
- whole page  all the page's visible text.

The last line is ``F1 <product F1>``; ``--out`` writes ``{"<id>": {"articleBody": "<product body>"}}``.

``--cv K`` chooses the product's trafilatura setting robustly instead: every setting in
``claims.nlp.html.SETTINGS`` runs through the product's own path on every page; K folds (by the SHA-256
of the page id) each choose the best setting on the other folds and are scored with it, so the
cross-validated F1 is that of the choosing, not of a setting picked on the pages it is scored on. Each
setting is also compared with the library's defaults on the same pages by a paired bootstrap over pages
(``--boot`` resamples). The verdict: the setting the folds choose most, if the choosing beats the
defaults under cross-validation and that setting's 95 % interval over the defaults lies above zero;
the defaults otherwise (nothing beat them by more than noise). ``claims.nlp.html.EXTRACTION`` is set by
hand from that verdict.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from claims.ingestion import page_article  # noqa: E402
from claims.nlp import html as nlp_html  # noqa: E402
from claims.nlp.html import SETTINGS, library_text, page_text  # noqa: E402

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


def setting_body(markup: str, setting: str) -> str:
    """The product's body for this page with one of ``SETTINGS`` (the product's own path, its setting
    swapped for the call)."""
    saved = nlp_html.EXTRACTION
    nlp_html.EXTRACTION = setting
    try:
        return product_body(markup)
    finally:
        nlp_html.EXTRACTION = saved


def macro(pairs: np.ndarray) -> float:
    """The benchmark's F1 from per-page (precision, recall) rows (NaN: left out of that mean)."""
    with np.errstate(invalid="ignore"):
        p, r = np.nanmean(pairs[:, 0]) if np.isfinite(pairs[:, 0]).any() else 0.0, \
            np.nanmean(pairs[:, 1]) if np.isfinite(pairs[:, 1]).any() else 0.0
    return float(2 * p * r / (p + r)) if p + r else 0.0


def fold_of(pid: str, k: int) -> int:
    return int(hashlib.sha256(pid.encode("utf-8")).hexdigest(), 16) % k


def cross_validate(per_page: dict[str, np.ndarray], folds: np.ndarray, k: int) -> tuple[float, list[str]]:
    """(cross-validated F1 of choosing the best setting on the other folds, the choice of each fold)."""
    names = list(per_page)
    rows = np.full_like(per_page[names[0]], np.nan)
    chosen = []
    for f in range(k):
        train, test = folds != f, folds == f
        best = max(names, key=lambda n: (macro(per_page[n][train]), n == "defaults"))
        chosen.append(best)
        rows[test] = per_page[best][test]
    return macro(rows), chosen


def paired_interval(a: np.ndarray, b: np.ndarray, *, boot: int, seed: int = 0) -> tuple[float, float]:
    """95 % bootstrap interval over pages of F1(a) - F1(b), the same resampled pages for both."""
    rng = np.random.default_rng(seed)
    n = len(a)
    diffs = []
    for _ in range(boot):
        pick = rng.integers(0, n, n)
        diffs.append(macro(a[pick]) - macro(b[pick]))
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def verdict(per_page: dict[str, np.ndarray], folds: np.ndarray, k: int, *, boot: int) -> tuple[str, dict]:
    """The setting to ship and the figures behind it (see the module's docstring for the rule)."""
    cv_f1, chosen = cross_validate(per_page, folds, k)
    base = per_page["defaults"]
    figures = {"cv_f1": cv_f1, "chosen": chosen, "defaults_f1": macro(base),
               "intervals": {n: paired_interval(rows, base, boot=boot) for n, rows in per_page.items()
                             if n != "defaults"}}
    favourite = max(set(chosen), key=lambda n: (chosen.count(n), n == "defaults"))
    if favourite != "defaults" and cv_f1 > figures["defaults_f1"] and figures["intervals"][favourite][0] > 0:
        return favourite, figures
    return "defaults", figures


def main_cv(args, ids, truth) -> int:
    names = list(SETTINGS)
    per_page = {n: np.zeros((len(ids), 2)) for n in names}
    started = time.perf_counter()
    for i, pid in enumerate(ids):
        markup = read_page(args.pages, pid)
        for n in names:
            p, r = page_scores(setting_body(markup, n), truth[pid])
            per_page[n][i] = [np.nan if p is None else p, np.nan if r is None else r]
    elapsed = time.perf_counter() - started
    folds = np.array([fold_of(pid, args.cv) for pid in ids])
    choice, figures = verdict(per_page, folds, args.cv, boot=args.boot)
    print(f"{len(ids)} pages, {len(names)} settings, {elapsed:.1f} s; {args.cv} folds, {args.boot} bootstrap resamples")
    print(f"| {'setting (product path)':<24} | precision | recall |    F1 | F1 - defaults, 95 % interval |")
    print(f"|{'-' * 26}|----------:|-------:|------:|:-----------------------------|")
    for n in names:
        rows = per_page[n]
        p, r = float(np.nanmean(rows[:, 0])), float(np.nanmean(rows[:, 1]))
        lo, hi = figures["intervals"].get(n, (0.0, 0.0))
        gap = "(the baseline)" if n == "defaults" else f"{lo:+.3f} to {hi:+.3f}"
        print(f"| {n:<24} | {p:9.3f} | {r:6.3f} | {macro(rows):5.3f} | {gap:<28} |")
    print(f"cross-validated F1 of choosing a setting: {figures['cv_f1']:.3f} (folds chose: "
          f"{', '.join(figures['chosen'])}); the defaults: {figures['defaults_f1']:.3f}")
    print(f"choose: {choice}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=Path, required=True, help="folder of <id>.html.gz pages")
    ap.add_argument("--truth", type=Path, required=True, help='{"<id>": {"articleBody": ...}}')
    ap.add_argument("--out", type=Path, help="write the product's bodies here")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--cv", type=int, default=0, help="choose the setting by K-fold cross-validation")
    ap.add_argument("--boot", type=int, default=2000, help="bootstrap resamples for the paired intervals")
    args = ap.parse_args(argv)

    truth = {k: v.get("articleBody") or "" for k, v in json.loads(args.truth.read_text()).items()}
    ids = sorted(truth)[: args.limit or None]
    truth = {k: truth[k] for k in ids}
    if args.cv:
        return main_cv(args, ids, truth)
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
