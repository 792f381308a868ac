"""Fit the pairwise matching scorer (``claims/data/matching_scorer.json``) on a CheckThat! train split.

    python bench/train_matching.py [--targets T.jsonl --queries Q.tsv --qrels R.tsv]
                                   [--dev-queries Q.tsv --dev-qrels R.tsv] [--out PATH]

Every train query is matched through ``claims.nlp.matching.index.MatchIndex`` exactly as in production; the
features of its candidates, labelled by the qrels, fit an L2-regularised logistic regression (Newton
steps, numpy only). The dev split is used only to pick the fusion weight of the ``fusion`` method
and to print the score distributions that the thresholds were set from. Runs in about a minute once
the embeddings are cached (``--cache``), about 15 minutes on 2 cores without.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_matching import (  # noqa: E402
    DATA,
    build_index,
    load_qrels,
    load_queries,
    load_target_dates,
    load_target_rows,
    query_records,
)

from claims.nlp.matching.features import FEATURES  # noqa: E402
from claims.nlp.matching.scorer import SCORER_PATH, expand_features, scorer_probability  # noqa: E402

MODEL_FEATURES = list(FEATURES)
# The pair model sees only what the two claims are (not the stored claim's headline, dates, or how
# they rank among the candidates), so its probability means the same in an index of ten claims or of
# a million: it sets the kind.
PAIR_FEATURES = ["mini", "cov_stored", "cov_new_own", "dice", "mini*cov_stored", "mini*cov_new_own", "mini*mini",
                 "cov_stored*cov_new_own"]


def collect(index, target_ids, queries, records, qrels):
    """Candidate features and labels (1 = in the qrels) of every query that has qrels."""
    xs, ys, groups = [], [], []
    position = {tid: i + 1 for i, tid in enumerate(target_ids)}
    for g, ((qid, _), rec) in enumerate(zip(queries, records)):
        if qid not in qrels:
            continue
        cand = index.candidates(rec, exclude_article=0)
        gold = {position[t] for t in qrels[qid] if t in position}
        ids = index._ids[cand.rows]
        xs.append(cand.features)
        ys.append(np.isin(ids, list(gold)).astype(float))
        groups.append(np.full(len(ids), g))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(groups)


def fit_logistic(x, y, l2=1.0, steps=50):
    """Weights and bias of an L2-regularised logistic regression, by Newton's method."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit_mlp(x, y, hidden=16, l2=1e-3, epochs=60, seed=0):
    """One tanh hidden layer and a logistic output, by Adam on mini-batches (numpy only)."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    params = [rng.normal(0, 1 / np.sqrt(d), (d, hidden)), np.zeros(hidden),
              rng.normal(0, 1 / np.sqrt(hidden), hidden), np.zeros(1)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    for _ in range(epochs):
        for batch in np.array_split(rng.permutation(n), max(1, n // 256)):
            xb, yb = x[batch], y[batch]
            h = np.tanh(xb @ params[0] + params[1])
            p = 1 / (1 + np.exp(-np.clip(h @ params[2] + params[3][0], -30, 30)))
            dz = (p - yb) / len(batch)
            dh = np.outer(dz, params[2]) * (1 - h * h)
            grads = [xb.T @ dh + l2 * params[0], dh.sum(0), h.T @ dz + l2 * params[2], np.array([dz.sum()])]
            step += 1
            for i, g in enumerate(grads):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                params[i] -= 3e-3 * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
    return params


def map5(scores, y, groups, n_queries):
    total = 0.0
    for g in np.unique(groups):
        mask = groups == g
        s, lab = scores[mask], y[mask]
        order = np.argsort(-s, kind="stable")[:5]
        hits, ap = 0, 0.0
        for i, j in enumerate(order, start=1):
            if lab[j]:
                hits += 1
                ap += hits / i
        total += ap / max(lab.sum(), 1)
    return total / n_queries


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=str(DATA / "targets.jsonl"))
    parser.add_argument("--queries", default=str(DATA / "queries-train.tsv"))
    parser.add_argument("--qrels", default=str(DATA / "qrels-train.tsv"))
    parser.add_argument("--dev-queries", default=str(DATA / "queries-dev.tsv"))
    parser.add_argument("--dev-qrels", default=str(DATA / "qrels-dev.tsv"))
    parser.add_argument("--model", choices=("logistic", "mlp"), default="logistic")
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--out", default=str(SCORER_PATH))
    parser.add_argument("--cache", default=os.environ.get("CLAIMDESK_EMBED_CACHE"))
    args = parser.parse_args(argv)

    index, target_ids = build_index(load_target_rows(args.targets), args.cache, load_target_dates(args.targets))
    data = {}
    for name, qpath, rpath in (("train", args.queries, args.qrels), ("dev", args.dev_queries, args.dev_qrels)):
        queries, qrels = load_queries(qpath), load_qrels(rpath)
        data[name] = (queries, query_records(queries, args.cache), qrels)

    queries, records, qrels = data["train"]
    train_split = collect(index, target_ids, queries, records, qrels) + (len(qrels),)
    splits = {"train": train_split, "dev": collect(index, target_ids, *data["dev"][:2], data["dev"][2])
              + (len(data["dev"][2]),)}
    x, y, groups, n_train = splits["train"]

    def fit(names):
        raw = expand_features(x, names)
        mean, scale = raw.mean(axis=0), raw.std(axis=0)
        scale[scale < 1e-6] = 1.0  # a constant column (no dates in the data, say) must not divide by zero
        model = {"features": names, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist()}
        if args.model == "mlp":
            w1, b1, w2, b2 = fit_mlp((raw - mean) / scale, y, hidden=args.hidden)
            model.update(hidden=w1.round(6).tolist(), hidden_bias=b1.round(6).tolist(),
                         weights=w2.round(6).tolist(), bias=round(float(b2[0]), 6))
        else:
            weights, bias = fit_logistic((raw - mean) / scale, y, l2=args.l2)
            model.update(weights=weights.round(6).tolist(), bias=round(bias, 6))
        return model

    scorer = fit(MODEL_FEATURES)
    scorer["pair"] = fit(PAIR_FEATURES)
    dx, dy, dgroups, n_dev = splits["dev"]
    mini, bm25 = dx[:, FEATURES.index("mini")], dx[:, FEATURES.index("bm25_rel")]
    best = max(np.linspace(0, 1, 21), key=lambda w: map5(
        w * _minmax_by(mini, dgroups) + (1 - w) * _minmax_by(bm25, dgroups), dy, dgroups, n_dev))
    scorer["fusion_weight"] = round(float(best), 2)
    for name, (fx, fy, fg, nq) in splits.items():
        p = scorer_probability(fx, scorer)
        pair = scorer_probability(fx, scorer["pair"])
        print(f"{name}: MAP@5 {map5(p, fy, fg, nq):.4f} (pair model alone {map5(pair, fy, fg, nq):.4f}) "
              f"over {nq} queries; gold found {int(fy.sum())}")
        gold, other = pair[fy == 1], pair[fy == 0]
        print("  pair model:")
        for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            print(f"  score >= {t:.1f}: {np.mean(gold >= t):.3f} of gold pairs, {np.sum(other >= t)} non-gold pairs")
    scorer["notes"] = (f"{args.model} on {len(y)} candidate pairs of {n_train} train queries "
                       f"(bench/train_matching.py, l2={args.l2}); fusion weight picked on dev")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(scorer, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def _minmax_by(values, groups):
    out = np.zeros_like(values)
    for g in np.unique(groups):
        m = groups == g
        low, high = values[m].min(), values[m].max()
        out[m] = (values[m] - low) / (high - low) if high > low else 1.0
    return out


if __name__ == "__main__":
    raise SystemExit(main())
