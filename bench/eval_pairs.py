"""Is it the same claim? Precision, recall and F1 of `same` on a file of sentence pairs.

    .venv/bin/python bench/eval_pairs.py --pairs var/pairs/mrpc-dev.tsv [--system product|pair|cosine|all]
        [--fit var/pairs/mrpc-fit.tsv] [--threads 1]

``--pairs``: TSV with a header, ``label id1 id2 text1 text2`` (the MRPC format; label 1 = same). The
systems:

* ``product`` (the default): the product's own decision, as the matching worker makes it. ONE
  ``MatchIndex`` holds every pair's second sentence as a stored claim (each its own article, with its
  quantities, so the numbers rule applies); each pair's first sentence is then searched as a new claim
  (its own article) with ``MatchIndex.search``, all the other pairs' sentences being distractors.
  Predicted ``same`` iff the partner comes back with kind ``same``; "suggested" iff the partner comes
  back at all (any kind). No speakers (the pairs have no attribution), no headlines, no dates. The
  cosine baseline is run first for comparison (its "suggested" is its ``same``: it has one threshold);
  ms per pair is ``search`` time per new claim, vectors and spaCy computed beforehand as at extraction;
* ``pair``: the shipped pair model (``claims/nlp/matching/pairs.py``) at its own ``same`` threshold;
* ``cosine``: the all-MiniLM-L6-v2 cosine baseline, its threshold tuned for F1 on ``--fit`` (MRPC
  train minus the dev split), like the README's table.

The MRPC split (``var/pairs/mrpc-fit.tsv`` and ``mrpc-dev.tsv``) is made here when it is missing, by
``bench/train_pairs.py``'s own ``split_mrpc`` from MRPC's train file in the shared data (no torch
needed), so a fresh clone runs with only its arguments.

Each other system is one ``decide(pairs) -> bool array`` made by a factory in ``SYSTEMS``: to measure the
product's full matching decision, add a factory there and pass its name to ``--system``. Prints
precision, recall, F1, accuracy and ms per pair (pairs scored in batches of ``--batch``, 5 by default,
as for the few best candidates of a new claim), and for the product how many of the suggested best
candidates the pair model read (the rest its gate decided without it; ``--no-gate`` reads them all,
as before the gate); the last line is ``F1 <f1> precision <p> recall <r>``
for the last system run.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import train_pairs  # noqa: E402 (the MRPC split; it imports torch only inside its training functions)

Pairs = list[tuple[str, str]]
Decide = Callable[[Pairs], np.ndarray]


def read_pairs(path: Path) -> tuple[Pairs, np.ndarray]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r["text1"], r["text2"]) for r in rows], np.array([int(r["label"]) for r in rows])


def split_paths() -> tuple[Path, Path]:
    return train_pairs.SPLITS / "mrpc-fit.tsv", train_pairs.SPLITS / "mrpc-dev.tsv"


def ensure_pairs(path: Path) -> Path:
    """``path``, made first when it is one of the MRPC split's files and missing (``train_pairs.split_mrpc``:
    the same rows, the same dev hash); ``SystemExit`` naming what is missing otherwise."""
    path = Path(path)
    if path.exists():
        return path
    if path.resolve() not in {p.resolve() for p in split_paths()}:
        raise SystemExit(f"{path}: no such file")
    if not train_pairs.MRPC.exists():
        raise SystemExit(f"{path} is missing, and so is MRPC's train file to make it from ({train_pairs.MRPC}; "
                         "set CLAIMDESK_SHARED to the folder holding data/pairs/mrpc/train.tsv)")
    fit, dev = train_pairs.split_mrpc()
    fit_path, dev_path = split_paths()
    print(f"made the MRPC split from {train_pairs.MRPC}: {fit_path} ({len(fit)} pairs), {dev_path} ({len(dev)})")
    return path


def metrics(labels: np.ndarray, predicted: np.ndarray) -> dict:
    labels, predicted = labels.astype(bool), np.asarray(predicted).astype(bool)
    tp = int((labels & predicted).sum())
    fp = int((~labels & predicted).sum())
    fn = int((labels & ~predicted).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "accuracy": float((labels == predicted).mean()), "tp": tp, "fp": fp, "fn": fn}


# ---------------------------------------------------------------- the systems (one decision each)


def pair_system(args) -> Decide:
    from claims.nlp.matching.pairs import PairModel

    model = PairModel(threads=args.threads)
    print(f"pair model: threshold {model.threshold:.4f} ({model.meta['threshold_rule']})")
    return model.same


def cosine_system(args) -> Decide:
    from claims.nlp.encoders.minilm import MiniLM

    encoder = MiniLM()

    def cosines(pairs: Pairs) -> np.ndarray:
        a = encoder.encode([p[0] for p in pairs])
        b = encoder.encode([p[1] for p in pairs])
        return (a * b).sum(axis=1)

    fit_pairs, fit_labels = read_pairs(ensure_pairs(args.fit))
    fit_cos = cosines(fit_pairs)
    threshold = max(np.unique(np.round(fit_cos, 4)), key=lambda t: metrics(fit_labels, fit_cos >= t)["f1"])
    print(f"MiniLM cosine: threshold {threshold:.4f} (best F1 on {args.fit.name}, {len(fit_pairs)} pairs)")
    return lambda pairs: cosines(pairs) >= threshold


def claim_records(texts: list[str], first_id: int) -> list:
    """Stored/new claims as the product keeps them: MiniLM vector and quantities (spaCy over the whole
    sentence); claim ``first_id + i`` in article ``first_id + i``."""
    from claims.nlp.embeddings import match_vectors
    from claims.nlp.loaders import get_nlp
    from claims.nlp.matching.records import ClaimRecord
    from claims.nlp.quantities import extract_quantities

    docs = get_nlp().pipe(texts, batch_size=64)
    return [ClaimRecord(id=first_id + i, article_id=first_id + i, text=t, match_embedding=v,
                        quantities=extract_quantities(doc[:]))
            for i, (t, v, doc) in enumerate(zip(texts, match_vectors(texts), docs))]


def product_run(args, pairs: Pairs) -> tuple[np.ndarray, np.ndarray, float, str]:
    """(predicted same, suggested at all, ms of search per new claim, what the pair model read) from
    the product's matching."""
    from claims.nlp.matching.index import MatchIndex
    from claims.nlp.matching.rules import SAME, same_threshold

    start = time.perf_counter()
    n = len(pairs)
    stored = claim_records([b for _, b in pairs], 1)
    new = claim_records([a for a, _ in pairs], n + 1)
    index = MatchIndex()
    index.pair_gate = not args.no_gate
    index.add(stored)
    print(f"product: {n} stored claims indexed, {n} new claims ({(time.perf_counter() - start):.1f} s for vectors, "
          f"spaCy and index); same at P(same) >= {same_threshold():.4f}")
    index.search(new[0], exclude_article=new[0].article_id)  # warm up (loads the scorer and the pair model)
    same, suggested = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    index.pair_counts.clear()
    start = time.perf_counter()
    for i, rec in enumerate(new):
        partner = stored[i].id
        for m in index.search(rec, exclude_article=rec.article_id):
            if m.claim_id == partner:
                suggested[i] = True
                same[i] = m.kind == SAME
    ms = (time.perf_counter() - start) * 1000 / n
    read, gated = index.pair_counts["judged"], index.pair_counts["gated"]
    share = read / (read + gated) if read + gated else 0.0
    return same, suggested, ms, (f"; pair model read {read} of {read + gated} suggested best candidates "
                                 f"({share:.4f}; gate {'off' if args.no_gate else 'on'})")


SYSTEMS: dict[str, Callable[[argparse.Namespace], Decide]] = {"cosine": cosine_system, "pair": pair_system}
# Systems that run on the whole file at once (an index of all pairs), not pair by pair.
RUNS = {"product": product_run}


def evaluate(decide: Decide, pairs: Pairs, labels: np.ndarray, batch: int) -> tuple[dict, float]:
    decide(pairs[:batch])  # warm up
    predicted, start = [], time.perf_counter()
    for i in range(0, len(pairs), batch):
        predicted.append(decide(pairs[i : i + batch]))
    ms = (time.perf_counter() - start) * 1000 / len(pairs)
    return metrics(labels, np.concatenate(predicted)), ms


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, required=True)
    ap.add_argument("--system", default="product", choices=[*RUNS, *SYSTEMS, "all"],
                    help="product (default; also runs the cosine baseline first), pair, cosine, or all")
    ap.add_argument("--no-baseline", action="store_true", help="product alone (the cosine baseline's "
                    "threshold takes minutes to tune on two cores)")
    ap.add_argument("--fit", type=Path, default=split_paths()[0],
                    help="pairs the cosine threshold is tuned on (never the evaluated ones); the MRPC split's "
                         "fit part by default, made when missing")
    ap.add_argument("--no-gate", action="store_true", help="product: the pair model reads every suggested best "
                    "candidate, as before its gate (MatchIndex.pair_gate)")
    ap.add_argument("--batch", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    pairs, labels = read_pairs(ensure_pairs(args.pairs))
    print(f"{args.pairs}: {len(pairs)} pairs, {labels.mean():.3f} same")
    names = {"all": [*SYSTEMS, *RUNS], "product": ["product"] if args.no_baseline else ["cosine", "product"]}.get(args.system, [args.system])
    m = None
    for name in names:
        if name in RUNS:
            same, suggested, ms, read = RUNS[name](args, pairs)
            m = metrics(labels, same)
            extra = f" suggested {suggested[labels == 1].mean():.4f} of true pairs{read}"
            unit = "ms/new claim (search among all stored)"
        else:
            decide = SYSTEMS[name](args)
            m, ms = evaluate(decide, pairs, labels, args.batch)
            extra = f" suggested {m['recall']:.4f} of true pairs (= recall: one threshold)"
            unit = f"ms/pair (batches of {args.batch})"
        print(f"{name:8s} precision {m['precision']:.4f} recall {m['recall']:.4f} F1 {m['f1']:.4f} "
              f"accuracy {m['accuracy']:.4f} (tp {m['tp']} fp {m['fp']} fn {m['fn']}){extra}; {ms:.2f} {unit}, "
              f"{args.threads} thread{'s' if args.threads > 1 else ''}")
    print(f"F1 {m['f1']:.4f} precision {m['precision']:.4f} recall {m['recall']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
