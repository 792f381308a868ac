"""Is it the same claim? Precision, recall and F1 of `same` on a file of sentence pairs.

    .venv/bin/python bench/eval_pairs.py --pairs var/pairs/mrpc-dev.tsv [--system pair|cosine|all]
        [--fit var/pairs/mrpc-fit.tsv] [--threads 1]

``--pairs``: TSV with a header, ``label id1 id2 text1 text2`` (the MRPC format; label 1 = same). The
systems:

* ``pair``: the shipped pair model (``claims/nlp/matching/pairs.py``) at its own ``same`` threshold;
* ``cosine``: the all-MiniLM-L6-v2 cosine baseline, its threshold tuned for F1 on ``--fit`` (MRPC
  train minus the dev split, written by ``bench/train_pairs.py``), like the README's table.

Each system is one ``decide(pairs) -> bool array`` made by a factory in ``SYSTEMS``: to measure the
product's full matching decision, add a factory there and pass its name to ``--system``. Prints
precision, recall, F1, accuracy and ms per pair (pairs scored in batches of ``--batch``, 5 by default,
as for the few best candidates of a new claim); the last line is ``F1 <f1> precision <p> recall <r>``
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

Pairs = list[tuple[str, str]]
Decide = Callable[[Pairs], np.ndarray]


def read_pairs(path: Path) -> tuple[Pairs, np.ndarray]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r["text1"], r["text2"]) for r in rows], np.array([int(r["label"]) for r in rows])


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

    fit_pairs, fit_labels = read_pairs(args.fit)
    fit_cos = cosines(fit_pairs)
    threshold = max(np.unique(np.round(fit_cos, 4)), key=lambda t: metrics(fit_labels, fit_cos >= t)["f1"])
    print(f"MiniLM cosine: threshold {threshold:.4f} (best F1 on {args.fit.name}, {len(fit_pairs)} pairs)")
    return lambda pairs: cosines(pairs) >= threshold


SYSTEMS: dict[str, Callable[[argparse.Namespace], Decide]] = {"cosine": cosine_system, "pair": pair_system}


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
    ap.add_argument("--system", default="all", choices=[*SYSTEMS, "all"])
    ap.add_argument("--fit", type=Path, default=ROOT / "var/pairs/mrpc-fit.tsv",
                    help="pairs the cosine threshold is tuned on (never the evaluated ones)")
    ap.add_argument("--batch", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    pairs, labels = read_pairs(args.pairs)
    print(f"{args.pairs}: {len(pairs)} pairs, {labels.mean():.3f} same")
    names = list(SYSTEMS) if args.system == "all" else [args.system]
    m = None
    for name in names:
        m, ms = evaluate(SYSTEMS[name](args), pairs, labels, args.batch)
        print(f"{name:8s} precision {m['precision']:.4f} recall {m['recall']:.4f} F1 {m['f1']:.4f} "
              f"accuracy {m['accuracy']:.4f} (tp {m['tp']} fp {m['fp']} fn {m['fn']}) {ms:.2f} ms/pair "
              f"(batches of {args.batch}, {args.threads} thread{'s' if args.threads > 1 else ''})")
    print(f"F1 {m['f1']:.4f} precision {m['precision']:.4f} recall {m['recall']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
