"""Int8 variants of the MiniLM encoder: speed, closeness to fp32, matching quality, and the AVX2 kernels.

The ingest path's one transformer pass (``claims.nlp.encoders.runtime.OnnxMiniLM``, fp32) costs about
5.8 ms a news claim on one AVX-512 core. This measures what ONNX Runtime's dynamic quantisation
(``onnxruntime.quantization.quantize_dynamic``, int8 weights, activations rounded to 8 bits per run)
would give instead, on the product's own graph (``OnnxMiniLM().graph_path``), quantised into a
temporary folder; the product is not touched. Per variant:

- ms per claim: ``time.process_time`` of ``encode_both`` (the product's batching) over about 1,000
  claims extracted from the PolNeAR dev articles (``extract_many(..., embed=False)``), one intra-op
  thread, best of ``--repeats``;
- min and mean cosine to fp32, for both outputs (the matching embedding and the layer-4 reading
  vector check-worthiness reads);
- MAP@5 of ``bench/eval_matching.py`` (the product's default method, the dev split of
  ``matching/checkthat2022-2a``) with the variant's vectors for the targets, their headlines and
  the queries (the variant's session stands in for the loaded encoder, so ``match_vectors`` is the
  product's own function);
- the same graph under ``qemu-x86_64 -cpu Haswell`` (AVX2 and FMA, no AVX-512, no VNNI: ONNX Runtime
  takes the kernels an AVX2-only machine takes, as in ``bench/cpu_agreement.py``) on ``--emulated``
  claims (``--emulated-fp32`` of them for fp32: qemu emulates the FMA of the float GEMMs slowly, about
  50 s a claim), against the native vectors of the same claims in the same batches: largest
  absolute difference and minimum cosine, for both outputs.

    .venv/bin/python bench/int8_encoder.py [--sentences 1000] [--emulated 30] [--no-map] [--no-emulation]

About 45 minutes on two shared cores with everything: 13 natively (MAP@5 embeds ~28,000 texts per
variant on one thread), 31 emulated (an int8 graph whose Attention stays fp32 takes about 6 minutes
for 30 claims, one with QAttention about 1). ``--cache DIR`` keeps each variant's
MAP@5 embeddings between runs. Prints the processor and a markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

POLNEAR_DEV = ROOT.parent / "shared" / "data" / "attribution" / "polnear" / "dev" / "text"
EMULATOR = ["qemu-x86_64", "-cpu", "Haswell"]
FP32 = "fp32 (product)"

# name -> quantize_dynamic arguments (besides per_channel=True and DefaultTensorType). None as the op
# list means every op type the quantiser knows: MatMul, Attention (-> QAttention) and
# EmbedLayerNormalization (-> QEmbedLayerNormalization, int8 embedding tables).
VARIANTS = {
    "int8 MatMul, S8 weights": {"op_types_to_quantize": ["MatMul"], "weight_type": "QInt8"},
    "int8 MatMul+Attention, S8": {"op_types_to_quantize": ["MatMul", "Attention"], "weight_type": "QInt8"},
    "int8 all ops, S8": {"op_types_to_quantize": None, "weight_type": "QInt8"},
    # reduce_range: 7-bit weights, so AVX2's VPMADDUBSW (u8 x s8 pairs summed into int16) cannot
    # saturate: 2 x 255 x 64 < 32768
    "int8 MatMul, S7 weights (reduce_range)": {"op_types_to_quantize": ["MatMul"], "weight_type": "QInt8",
                                               "reduce_range": True},
    "int8 MatMul+Attention, S7 (reduce_range)": {"op_types_to_quantize": ["MatMul", "Attention"],
                                                 "weight_type": "QInt8", "reduce_range": True},
    "int8 MatMul, U8U8": {"op_types_to_quantize": ["MatMul"], "weight_type": "QUInt8"},
    "int8 all ops, U8U8": {"op_types_to_quantize": None, "weight_type": "QUInt8"},
}


def processor() -> str:
    """The model name and the widest vector extension (``grep -o -m1 -E 'avx512[a-z_]*|avx2'
    /proc/cpuinfo``'s flags). Under qemu-user /proc/cpuinfo is the host's, so the emulated child is
    labelled by its ``-cpu`` model instead."""
    if os.environ.get("INT8_ENCODER_EMULATED"):
        return os.environ["INT8_ENCODER_EMULATED"]
    text = Path("/proc/cpuinfo").read_text()
    name = re.search(r"model name\s*:\s*(.*)", text)
    found = re.search(r"flags\s*:\s*(.*)", text)
    flags = set(found.group(1).split()) if found else set()
    isa = ("avx512_vnni" if "avx512_vnni" in flags else "avx512f" if "avx512f" in flags
           else "avx2" if "avx2" in flags else "none")
    return f"{name.group(1).strip() if name else '?'} ({isa})"


def session(path: Path):
    """An ONNX Runtime session as ``OnnxMiniLM`` makes one: one intra-op thread, sequential."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def encoder_for(path: Path):
    """The product's encoder (tokenizer, batching, outputs) running the graph at ``path``."""
    from claims.nlp.encoders.runtime import OnnxMiniLM

    model = OnnxMiniLM(threads=1)
    model.session = session(path)
    return model


def build_variants(graph: Path, folder: Path, only: list[str]) -> dict[str, Path]:
    """fp32 and each of ``VARIANTS`` (those whose name contains one of ``only``, when given),
    quantised per channel into ``folder``."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = {FP32: graph}
    for i, (name, spec) in enumerate(VARIANTS.items()):
        if only and not any(part in name for part in only):
            continue
        path = folder / f"variant{i}.onnx"
        # the fused com.microsoft ops carry no type the quantiser can infer; without a default it fails
        quantize_dynamic(str(graph), str(path), op_types_to_quantize=spec["op_types_to_quantize"],
                         per_channel=True, reduce_range=spec.get("reduce_range", False),
                         weight_type=getattr(QuantType, spec["weight_type"]),
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        out[name] = path
    return out


def news_sentences(limit: int) -> list[str]:
    """Up to ``limit`` distinct claim texts from the PolNeAR dev articles, read from ../shared at run
    time (the texts are not kept in the repository), in article order."""
    from claims.nlp.pipeline import extract_many

    paths = sorted(POLNEAR_DEV.glob("*.txt"))
    texts: dict[str, None] = {}
    for ex in extract_many([(p.read_text(encoding="utf-8"), None) for p in paths], embed=False):
        for claim in ex.claims:
            texts.setdefault(claim.text, None)
    return list(texts)[:limit]


def speed(model, sentences: list[str], repeats: int) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    """Best-of-``repeats`` CPU ms per sentence of ``encode_both`` over all of them, and its vectors."""
    model.encode_both(sentences[:16])  # first-run allocations
    best, vectors = float("inf"), None
    for _ in range(repeats):
        started = time.process_time()
        vectors = model.encode_both(sentences)
        best = min(best, time.process_time() - started)
    return best * 1000 / len(sentences), vectors


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return np.sum(a * b, axis=1)


def map_at_5(model, cache: Path | None) -> float:
    """``bench/eval_matching.py``'s MAP@5 (default method, its default dev split) with ``model`` as
    the process's loaded encoder, so the product's ``match_vectors`` computes with it."""
    import claims.nlp.embeddings as embeddings
    from claims.nlp import loaders

    # eval_matching imports embed_texts (e5) for other scripts; the working tree may no longer have
    # it, and MiniLM matching never calls it
    if not hasattr(embeddings, "embed_texts"):
        embeddings.embed_texts = None
    import eval_matching as em

    loaders._matcher = model
    targets = em.load_target_rows(em.DATA / "targets.jsonl")
    queries = em.load_queries(em.DATA / "queries-dev.tsv")
    qrels = em.load_qrels(em.DATA / "qrels-dev.tsv")
    cache_dir = str(cache) if cache else None
    index, target_ids = em.build_index(targets, cache_dir, em.load_target_dates(em.DATA / "targets.jsonl"))
    records = em.query_records(queries, cache_dir)
    ranked, _ = em.run(index, target_ids, queries, records, "default")
    return em.scores(ranked, qrels)["MAP@5"]


def child(job: Path) -> int:
    """The emulated side: encode the job's sentences with each graph, write the vectors."""
    spec = json.loads(job.read_text())
    out = {}
    for i, (name, path) in enumerate(spec["graphs"].items()):
        started = time.perf_counter()
        texts = spec["sentences"][:spec["counts"][name]]
        out[f"e{i}"], out[f"l{i}"] = encoder_for(Path(path)).encode_both(texts)
        print(f"{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    np.savez(spec["out"], **out)
    print(json.dumps({"processor": processor()}))
    return 0


def emulated(graphs: dict[str, Path], sentences: list[str], counts: dict[str, int],
             folder: Path) -> tuple[str, dict[str, tuple]]:
    """Each graph's (embedding, layer) vectors of its first ``counts[name]`` ``sentences`` under
    qemu's Haswell."""
    job = folder / "job.json"
    result = folder / "emulated.npz"
    job.write_text(json.dumps({"graphs": {k: str(v) for k, v in graphs.items()}, "sentences": sentences,
                               "counts": counts, "out": str(result)}))
    env = dict(os.environ, PYTHONWARNINGS="ignore",
               INT8_ENCODER_EMULATED=f"{' '.join(EMULATOR)} (AVX2 and FMA, no AVX-512, no VNNI)")
    done = subprocess.run([*EMULATOR, sys.executable, __file__, "--child", str(job)],
                          capture_output=True, text=True, env=env)
    print(done.stderr[-2000:], file=sys.stderr, end="")
    if done.returncode:
        raise RuntimeError(f"emulated run failed:\n{done.stderr[-3000:]}")
    label = json.loads(done.stdout.strip().splitlines()[-1])["processor"]
    with np.load(result) as saved:
        return label, {name: (saved[f"e{i}"], saved[f"l{i}"]) for i, name in enumerate(graphs)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=1000, help="news claims to time and compare on")
    ap.add_argument("--repeats", type=int, default=3, help="timed passes over them (the best counts)")
    ap.add_argument("--emulated", type=int, default=30, help="claims to run under qemu's Haswell")
    ap.add_argument("--emulated-fp32", type=int, default=10,
                    help="of those, how many fp32 runs (its float GEMMs are the slowest to emulate)")
    ap.add_argument("--no-map", action="store_true", help="skip MAP@5 (the slow part natively)")
    ap.add_argument("--no-emulation", action="store_true", help="skip the qemu run")
    ap.add_argument("--variants", default="", help="comma-separated parts of variant names to run (default: all)")
    ap.add_argument("--cache", type=Path, help="keep each variant's MAP@5 embeddings here between runs")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args.child)

    from claims.nlp.encoders.runtime import OnnxMiniLM

    graph = Path(OnnxMiniLM().graph_path)
    import onnxruntime

    print(f"processor: {processor()}")
    print(f"model: all-MiniLM-L6-v2 ({graph.name}), onnxruntime {onnxruntime.__version__}, one intra-op thread")
    sentences = news_sentences(args.sentences)
    print(f"{len(sentences)} news claims from {POLNEAR_DEV.relative_to(ROOT.parent)}")
    with tempfile.TemporaryDirectory(prefix="int8-encoder-") as tmp:
        folder = Path(tmp)
        graphs = build_variants(graph, folder, [v for v in args.variants.split(",") if v])
        rows = {}
        for name, path in graphs.items():
            model = encoder_for(path)
            ms, vectors = speed(model, sentences, args.repeats)
            row = rows[name] = {"ms": ms, "vectors": vectors, "model": model}
            if name != FP32:
                for k, part in enumerate(("emb", "layer")):
                    c = cosines(rows[FP32]["vectors"][k], vectors[k])
                    row[f"{part}_min"], row[f"{part}_mean"] = float(c.min()), float(c.mean())
            if not args.no_map:
                # the cache is keyed by the fp32 graph and the variant, never shared between them
                key = hashlib.sha1(f"{graph.name}/{name}".encode()).hexdigest()[:12]
                row["map5"] = map_at_5(model, args.cache / key if args.cache else None)
            print(f"  {name}: {ms:.2f} ms/claim" + (f", MAP@5 {row['map5']:.4f}" if "map5" in row else ""),
                  file=sys.stderr)

        label = None
        if not args.no_emulation:
            if not shutil.which(EMULATOR[0]):
                print(f"{EMULATOR[0]} not found (apt-get install qemu-user): no emulated run", file=sys.stderr)
            else:
                # every 33rd claim or so: short and long ones, the product's batching on both sides
                step = max(len(sentences) // args.emulated, 1)
                few = sentences[::step][:args.emulated]
                counts = {name: args.emulated_fp32 if name == FP32 else len(few) for name in graphs}
                label, far = emulated(graphs, few, counts, folder)
                for name, row in rows.items():
                    row["emulated"] = counts[name]
                    near = row["model"].encode_both(few[:counts[name]])
                    for k, part in enumerate(("emb", "layer")):
                        row[f"avx2_{part}_diff"] = float(np.abs(near[k] - far[name][k]).max())
                        row[f"avx2_{part}_cos"] = float(cosines(near[k], far[name][k]).min())

    fp32_ms = rows[FP32]["ms"]
    print()
    if label:
        print(f"emulated: {label}, {len(few)} claims ({args.emulated_fp32} for fp32)")
    print("| variant | ms/claim | speed-up | cos emb min / mean | cos layer min / mean | MAP@5 "
          "| AVX2 emb max diff / min cos | AVX2 layer max diff / min cos |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")

    def pair(row, a, b, fa, fb):
        return f"{row[a]:{fa}} / {row[b]:{fb}}" if a in row else "-"

    for name, row in rows.items():
        cells = [name, f"{row['ms']:.2f}", f"{fp32_ms / row['ms']:.2f}x",
                 pair(row, "emb_min", "emb_mean", ".4f", ".5f") if name != FP32 else "1",
                 pair(row, "layer_min", "layer_mean", ".4f", ".5f") if name != FP32 else "1",
                 f"{row['map5']:.4f}" if "map5" in row else "-",
                 pair(row, "avx2_emb_diff", "avx2_emb_cos", ".2e", ".6f"),
                 pair(row, "avx2_layer_diff", "avx2_layer_cos", ".2e", ".6f")]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
