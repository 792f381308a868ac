"""Do two kinds of processor decide the same? The pair model and check-worthiness, here and on AVX2.

Runs the same measurement twice: natively, and under ``qemu-x86_64 -cpu Haswell`` (Debian's
``qemu-user``), which offers AVX2 and FMA but no AVX-512 or VNNI, so onnxruntime, numpy and spaCy
take the kernels an AVX2-only machine takes. (Checked: the int8 pair model this replaced moved under
it exactly as it did on a real AVX2-only AMD EPYC, 3 of its 8 reference probabilities by up to 0.0019.)
Prints, per model, the largest difference between the two runs and how many decisions differ: the
pair model's ``same`` threshold on its reference pairs (``claims/data/pair_model/pair_model.json``),
and the desk's check-worthiness threshold on every claim of the demo articles (``claims/demo/``).

    .venv/bin/python bench/cpu_agreement.py [--pairs N] [--no-emulation] [--json OUT] [--write-reference]

``--write-reference`` also writes the native run's check-worthiness scores to
``tests/data/checkworthiness_reference.json``, which ``tests/test_cpu_agreement.py`` holds every
machine to (rerun it when the extraction or the check-worthiness model changes, and only after the
table shows no decision differing between the two processors).

Under emulation everything is about a hundred times slower: about ten minutes with the defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMULATOR = ["qemu-x86_64", "-cpu", "Haswell"]
REFERENCE = ROOT / "tests/data/checkworthiness_reference.json"


def processor() -> str:
    """The model name and the widest vector extension of this machine (under qemu-user, the host's:
    the emulated run is labelled by its ``-cpu`` model instead)."""
    if os.environ.get("CPU_AGREEMENT_EMULATED"):
        return os.environ["CPU_AGREEMENT_EMULATED"]
    text = Path("/proc/cpuinfo").read_text()
    name = re.search(r"model name\s*:\s*(.*)", text)
    flags = set(re.search(r"flags\s*:\s*(.*)", text).group(1).split()) if "flags" in text else set()
    isa = "avx512_vnni" if "avx512_vnni" in flags else "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "none"
    return f"{name.group(1).strip() if name else '?'} ({isa})"


def measure(pairs: int) -> dict:
    """One run: the pair model on its reference pairs, check-worthiness on the demo articles' claims."""
    sys.path.insert(0, str(ROOT))
    from claims.nlp.checkworthiness import DESK_THRESHOLD
    from claims.nlp.matching.pairs import MODEL_DIR, PairModel
    from claims.nlp.pipeline import extract_many

    reference = json.loads((MODEL_DIR / "pair_model.json").read_text())["reference"][:pairs]
    model = PairModel(threads=1)
    started = time.perf_counter()
    probs = model.probabilities([(r["text1"], r["text2"]) for r in reference])
    pair_s = time.perf_counter() - started
    demo = sorted((ROOT / "claims/demo").glob("*.txt"))
    started = time.perf_counter()
    extractions = extract_many([(p.read_text(encoding="utf-8"), None) for p in demo])
    extract_s = time.perf_counter() - started
    claims = [{"article": p.name, "text": c.text, "score": float(c.checkworthiness)}
              for p, ex in zip(demo, extractions) for c in ex.claims]
    return {"processor": processor(), "threshold_same": model.threshold, "desk_threshold": DESK_THRESHOLD,
            "pairs": [float(p) for p in probs], "claims": claims, "seconds": {"pairs": pair_s, "extract": extract_s}}


def compare(a: dict, b: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    t = a["threshold_same"]
    dp = max((abs(x - y) for x, y in zip(a["pairs"], b["pairs"])), default=0.0)
    flips = sum((x >= t) != (y >= t) for x, y in zip(a["pairs"], b["pairs"]))
    near = min((abs(x - t) for x in a["pairs"]), default=float("nan"))
    rows.append(("pair model P(same)", f"{len(a['pairs'])} pairs", f"{dp:.2e}", f"{flips} (nearest {near:.4f} from {t})"))
    same_text = [x["text"] for x in a["claims"]] == [y["text"] for y in b["claims"]]
    d = a["desk_threshold"]
    if same_text:
        ds = max((abs(x["score"] - y["score"]) for x, y in zip(a["claims"], b["claims"])), default=0.0)
        flips = sum((x["score"] >= d) != (y["score"] >= d) for x, y in zip(a["claims"], b["claims"]))
        near = min((abs(x["score"] - d) for x in a["claims"]), default=float("nan"))
        rows.append(("check-worthiness", f"{len(a['claims'])} claims", f"{ds:.2e}", f"{flips} (nearest {near:.4f} from {d})"))
    else:
        rows.append(("claims extracted", f"{len(a['claims'])} / {len(b['claims'])}", "texts differ", "-"))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=16, help="reference pairs to score (the file has 16)")
    ap.add_argument("--no-emulation", action="store_true", help="the native run only")
    ap.add_argument("--json", type=Path, help="write both runs here")
    ap.add_argument("--write-reference", action="store_true", help=f"write the native scores to {REFERENCE.relative_to(ROOT)}")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.pairs)))
        return 0
    runs = {"native": measure(args.pairs)}
    if not args.no_emulation:
        if not shutil.which(EMULATOR[0]):
            print(f"{EMULATOR[0]} not found (apt-get install qemu-user); native run only", file=sys.stderr)
        else:
            env = dict(os.environ, PYTHONWARNINGS="ignore",
                       CPU_AGREEMENT_EMULATED=f"{' '.join(EMULATOR)} (AVX2 and FMA, no AVX-512, no VNNI)")
            out = subprocess.run([*EMULATOR, sys.executable, __file__, "--child", "--pairs", str(args.pairs)],
                                 capture_output=True, text=True, env=env, check=True)
            runs["emulated AVX2"] = json.loads(out.stdout.strip().splitlines()[-1])
    for name, run in runs.items():
        print(f"{name}: {run['processor']}; pair model {run['seconds']['pairs']:.1f} s, extraction {run['seconds']['extract']:.1f} s")
    if len(runs) == 2:
        print(f"\n| {'model':20s} | {'compared':12s} | {'largest difference':18s} | decisions that differ |")
        print(f"|{'-' * 22}|{'-' * 14}|{'-' * 20}|{'-' * 23}|")
        for row in compare(runs["native"], runs["emulated AVX2"]):
            print(f"| {row[0]:20s} | {row[1]:12s} | {row[2]:18s} | {row[3]} |")
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1) + "\n")
    if args.write_reference:
        native = runs["native"]
        REFERENCE.write_text(json.dumps({
            "recorded_on": native["processor"], "by": "bench/cpu_agreement.py --write-reference",
            "agreement": compare(native, runs["emulated AVX2"]) if len(runs) == 2 else None,
            "desk_threshold": native["desk_threshold"],
            "claims": [{**c, "score": round(c["score"], 6)} for c in native["claims"]],
        }, indent=1) + "\n")
        print(f"wrote {REFERENCE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
