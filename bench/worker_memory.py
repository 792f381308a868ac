#!/usr/bin/env python
"""Worker memory: a real Celery worker with two pool children, its models and its match index.

    python bench/worker_memory.py [--sizes 100000,1000000] [--database-url URL] [--broker-url URL]

For each size the database is filled with that many stored claims (random unit MiniLM vectors,
twenty claims an article), the match index's graph is built once and saved (as the first worker
would), then a worker is started twice, ``celery -A factcheck worker --pool prefork --concurrency
2``:

- ``per child``: ``CLAIMDESK_WORKER_PRELOAD=0``: each child loads spaCy, the encoder and the index
  on its first task (the release before this one);
- ``preload``: the default: the parent loads them before it forks, so the children share those pages.

Both children get a warm-up task (``claims.warm_worker``), then the resident memory (RSS) and the
proportional share (PSS: a page shared by three processes counts a third to each, so the PSS of
the three adds up to what the machine really spends) of the parent and each child are read from
``/proc/PID/smaps_rollup``. Needs PostgreSQL and Redis (defaults: the local ones, databases of
this script's own).
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import export  # noqa: E402  (bench/export.py: a fresh, migrated database)

CLAIMS_PER_ARTICLE = 20
DIM = 384


def fill(database_url: str, size: int, seed: int = 0) -> None:
    """``size`` claims in ``size / 20`` done articles, written with COPY (a million in a few minutes)."""
    import psycopg

    rng = np.random.default_rng(seed)
    words = np.array("council bridge repairs cost million euros engineer closed traffic harbour inspection "
                     "minister budget hospital police report percent rise fall year".split())
    n_articles = (size + CLAIMS_PER_ARTICLE - 1) // CLAIMS_PER_ARTICLE
    with psycopg.connect(database_url) as db:
        with db.cursor() as cur:
            with cur.copy("COPY claims_article (id, title, body, source, url, content_hash, status, error, "
                          "created_at, attempts, lease_owner, byline, raw_html) FROM STDIN") as copy:
                for a in range(1, n_articles + 1):
                    copy.write_row((a, f"Article {a}", "body", "bench", "", f"{a:064x}", "done", "", "now", 0, "",
                                    "", ""))
            done = 0
            with cur.copy('COPY claims_claim (article_id, start, "end", text, attribution, checkworthiness, '
                          "checkworthiness_reasons, quantities, match_embedding, state, verdict, "
                          "verdict_note, proposed_verdict, proposed_rationale, no_evidence_found, suggested_verdict, "
                          "needs_rereview, created_at, updated_at, review_summary, not_a_claim) FROM STDIN") as copy:
                while done < size:
                    n = min(20000, size - done)
                    vecs = unit_rows(rng, n).tobytes()
                    picks = rng.integers(0, len(words), size=(n, 20))
                    width = DIM * 2
                    for i in range(n):
                        cid = done + i
                        copy.write_row((1 + cid // CLAIMS_PER_ARTICLE, (cid % 20) * 200, (cid % 20) * 200 + 150,
                                        " ".join(words[picks[i]]), "reported", 0.5, "[]", "[]",
                                        vecs[i * width:(i + 1) * width],
                                        "unreviewed", "unreviewed", "", "", "", False, "", False, "now", "now", "",
                                        False))
                    done += n
        db.execute("SELECT setval(pg_get_serial_sequence('claims_article', 'id'), %s)", (n_articles,))


def unit_rows(rng, n: int) -> np.ndarray:
    vecs = rng.normal(size=(n, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs.astype(np.float16)


def proc_memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                values[parts[0]] = int(parts[1]) / 1024
    return values["Rss:"], values["Pss:"]


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def measure_worker(env: dict, preload: bool, marker_dir: Path, timeout: float = 1800) -> dict:
    env = dict(env, CLAIMDESK_WORKER_PRELOAD="1" if preload else "0")
    queue = f"bench-memory-{os.getpid()}"
    log = open(marker_dir / f"worker-{int(preload)}.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--pool", "prefork", "--concurrency", "2",
         "-Q", queue, "-O", "fair", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "--loglevel", "INFO"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    started = time.time()
    try:
        sys.path.insert(0, str(ROOT))
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
        import django

        django.setup()
        from claims.tasks import warm_worker

        for f in marker_dir.glob("warm-*"):
            f.unlink()
        # each child holds one task at a time, so two slow-to-finish tasks land on the two children
        for _ in range(2):
            warm_worker.apply_async(kwargs={"marker_dir": str(marker_dir), "linger": 5.0}, queue=queue)
        while len(list(marker_dir.glob("warm-*"))) < 2:
            if worker.poll() is not None or time.time() - started > timeout:
                raise RuntimeError(f"worker did not warm up; see {log.name}")
            time.sleep(0.5)
        warmed = time.time() - started
        time.sleep(6)  # both tasks finished lingering
        kids = children(worker.pid)
        parent = proc_memory(worker.pid)
        kid_mem = [proc_memory(k) for k in kids]
        return {"warm s": warmed, "parent": parent, "children": kid_mem,
                "pss total": parent[1] + sum(m[1] for m in kid_mem)}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/claimdesk_bench_memory")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args(argv)
    var = Path(tempfile.mkdtemp(prefix="claimdesk-memory-"))
    env = dict(os.environ, DATABASE_URL=args.database_url, CELERY_BROKER_URL=args.broker_url,
               CLAIMDESK_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="factcheck.settings")
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        export._recreate(args.database_url)
        t = time.time()
        fill(args.database_url, size)
        filled = time.time() - t
        t = time.time()
        subprocess.run([sys.executable, "-c", "import django; django.setup(); from claims.processing import matching; "
                        "matching.matching_index_refresh()"], cwd=ROOT, env=env, check=True)
        built = time.time() - t
        print(f"{size:,} claims stored in {filled:.0f} s; index built and its graph saved in {built:.0f} s",
              flush=True)
        for preload in (False, True):
            m = measure_worker(env, preload, var)
            rows.append((size, "preload" if preload else "per child", m))
            print(f"  {rows[-1][1]}: {m}", flush=True)
    out = io.StringIO()
    out.write(f"\n| {'stored':>9} | {'worker':<9} | {'warm s':>6} | {'parent RSS':>10} | {'child RSS':>15} | "
              f"{'PSS total MB':>12} |\n|{'-' * 10}:|{'-' * 11}|{'-' * 7}:|{'-' * 11}:|{'-' * 16}:|{'-' * 13}:|\n")
    for size, mode, m in rows:
        kids = " / ".join(f"{rss:.0f}" for rss, _ in m["children"])
        out.write(f"| {size:>9,} | {mode:<9} | {m['warm s']:>6.0f} | {m['parent'][0]:>10.0f} | {kids:>15} | "
                  f"{m['pss total']:>12.0f} |\n")
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
