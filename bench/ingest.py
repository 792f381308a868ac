#!/usr/bin/env python
"""Articles per second: the whole pipeline beside the raw model cost, on the same texts, same run.

    python bench/ingest.py [FILE ...] [--copies N]

Defaults to the 84 PolNeAR dev articles (../shared/data/attribution/polnear/dev/text), once each;
files given are repeated --copies times with a unique line so none is a duplicate. Rows of the table:

- spaCy nlp.pipe        the English pipeline alone over the article bodies
- models (spaCy + enc.) plus the one MiniLM pass over the extracted claims (ONNX Runtime: the
                        matching vector and the reading vector check-worthiness reads): the raw model cost
- extraction            the product's extraction code (spaCy + rules + the MiniLM pass +
                        check-worthiness), no DB
- whole pipeline        ingest, extract, embed, store and match each article through the services,
                        on a fresh database (SQLite in a temp folder unless DATABASE_URL is set); the
                        two stages' shares follow (extraction with storing; matching with the pair model)
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


POLNEAR_DEV = ROOT.parent / "shared" / "data" / "attribution" / "polnear" / "dev" / "text"


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB: a worker's, models and index included."""
    import resource

    with open("/proc/self/statm") as fh:
        current = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_texts(files, copies):
    if not files:
        return [p.read_text(encoding="utf-8") for p in sorted(POLNEAR_DEV.glob("*.txt"))]
    bases = [Path(f).read_text(encoding="utf-8") for f in files]
    texts = []
    for i in range(copies):
        for j, base in enumerate(bases):
            texts.append(f"{base}\n\nBench copy {i}-{j}.")
    return texts


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*")
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        os.environ["CLAIMDESK_VAR_DIR"] = tempfile.mkdtemp(prefix="claimdesk-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from claims import articles
    from claims.nlp.embeddings import claim_vectors
    from claims.nlp.loaders import get_matching_model, get_nlp
    from claims.nlp.matching.pairs import shared_model
    from claims.nlp.pipeline import extract_many
    from claims.processing import extraction, matching

    texts = load_texts(args.files, args.copies)
    n = len(texts)
    chars = sum(map(len, texts))

    load_spacy, nlp = timed(get_nlp)
    load_minilm, _ = timed(get_matching_model)
    load_pairs, _ = timed(shared_model)
    # warm up the models once so first-call costs do not count against either side
    list(nlp.pipe(texts[:2]))
    claim_vectors(["warm up"])

    t_spacy, _ = timed(lambda: list(nlp.pipe(texts, batch_size=32)))
    t_extract, extractions = timed(lambda: extract_many([(t, None) for t in texts]))
    claim_texts = [c.text for e in extractions for c in e.claims]
    t_embed, _ = timed(lambda: claim_vectors(claim_texts))
    models_mb = rss_mb()[0]

    call_command("migrate", verbosity=0)
    matching.matching_index_reset()

    stages = {"ingest": 0.0, "extract": 0.0, "match": 0.0}

    def pipeline():
        for text in texts:
            start = time.perf_counter()
            article = articles.article_ingest(body=text, source="bench", queue=False).article
            stages["ingest"] += time.perf_counter() - start
            start = time.perf_counter()
            extraction.article_extract(article_id=article.pk)
            stages["extract"] += time.perf_counter() - start
            start = time.perf_counter()
            matching.article_match(article_id=article.pk)
            stages["match"] += time.perf_counter() - start

    t_pipe, _ = timed(pipeline)
    from claims.models import ClaimMatch

    rows = [
        ("spaCy nlp.pipe", t_spacy),
        ("models (spaCy + the MiniLM pass)", t_spacy + t_embed),
        ("extraction (spaCy, rules, MiniLM pass; no DB)", t_extract),
        ("whole pipeline (ingest+extract+embed+store+match)", t_pipe),
        ("  of which: ingest (validate, store the article)", stages["ingest"]),
        ("  of which: extraction stage (with storing)", stages["extract"]),
        ("  of which: matching stage (search, pair model, store)", stages["match"]),
    ]
    from django.db import connection

    print(f"{n} articles, {chars:,} characters, {len(claim_texts)} claims, {ClaimMatch.objects.count()} matches; "
          f"database: {connection.vendor}; model load: spaCy {load_spacy:.2f}s, MiniLM {load_minilm:.2f}s, "
          f"pair model {load_pairs:.2f}s")
    print()
    print(f"| {'stage':<52} | {'seconds':>8} | {'articles/s':>10} | {'x spaCy':>8} |")
    print(f"|{'-' * 54}|{'-' * 10}:|{'-' * 12}:|{'-' * 10}:|")
    for name, seconds in rows:
        print(f"| {name:<52} | {seconds:>8.2f} | {n / seconds:>10.2f} | {seconds / t_spacy:>8.2f} |")
    print()
    print(f"ratio whole pipeline / spaCy alone: {t_pipe / t_spacy:.2f} (speed {t_spacy / t_pipe:.2f}x spaCy's); "
          f"whole pipeline / raw model cost: {t_pipe / (t_spacy + t_embed):.2f}")
    per_claim = 1000 / max(len(claim_texts), 1)
    index = matching.matching_index_refresh()
    print(f"the MiniLM pass: {t_embed * per_claim:.1f} ms a claim; pair model: {index.pair_counts['judged']} pairs "
          f"judged, {index.pair_counts['gated']} left out by the gate")
    import platform

    with open("/proc/cpuinfo") as fh:
        info = fh.read()
    cpu = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
               platform.processor())
    isa = "AVX-512 VNNI" if "avx512_vnni" in info else "AVX-512" if "avx512f" in info else "AVX2" if "avx2" in info else "?"
    print(f"processor: {cpu} ({isa}), {os.cpu_count()} cores")
    current, peak = rss_mb()
    print(f"worker memory (this process: models, then the index of {len(claim_texts)} claims): "
          f"{models_mb:.0f} MB with the models loaded, {current:.0f} MB after the pipeline, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
