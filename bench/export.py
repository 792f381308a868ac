"""Export speed and peak memory at 10,000 and 100,000 stored claims, per format, API and command.

    python bench/export.py                          # PostgreSQL at 127.0.0.1, sizes 10000,100000
    python bench/export.py --sizes 2000 --formats csv --database-url postgres://postgres@127.0.0.1/x

The bench (re)creates the database named by ``--database-url`` (default ``claimdesk_bench_export``),
migrates it, stores synthetic articles (5,000-character bodies, 20 claims each, both embeddings per
claim, a match for every other claim, a published verdict on every fifth) and grows it to each size.
Every measurement runs in a fresh process: the API through Django's WSGI handler (test client, an
editor's session, the streamed body read to the end) or ``manage.py export -o /dev/null``; it prints
the seconds of the export alone and the process's peak resident memory (``ru_maxrss``, everything:
interpreter, Django, the export), next to the same process's memory before the export began.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_PER_ARTICLE = 20


def _django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("CLAIMDESK_PUBLIC_CLAIM_URL", "https://factcheck.example.org/claims/{id}/")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _recreate(database_url):
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True,
                   env=dict(os.environ, DATABASE_URL=database_url))


def _grow(database_url, size):
    """Store articles and claims until there are ``size`` claims (child process)."""
    _django(database_url)
    import hashlib
    import random

    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.utils import timezone

    from claims.models import Article, Claim, ClaimMatch, Speaker

    rng = random.Random(size)
    editor, created = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    if created:
        editor.groups.add(Group.objects.get(name="editor"))
    speakers = list(Speaker.objects.all())
    if not speakers:
        speakers = Speaker.objects.bulk_create(
            [Speaker(name=f"Speaker {i}", kind=("person", "organisation", "anonymous")[i % 3]) for i in range(300)])
    vector = bytes(768)
    have = Claim.objects.count()
    now = timezone.now()
    words = "council bridge repairs cost million euros engineer closed traffic harbour inspection".split()
    while have < size:
        with transaction.atomic():
            n_articles = min(250, (size - have + CLAIMS_PER_ARTICLE - 1) // CLAIMS_PER_ARTICLE)
            articles = []
            for _ in range(n_articles):
                body = " ".join(rng.choice(words) for _ in range(700))[:5000]
                articles.append(Article(title=f"Bench article {rng.random()}", body=body, status="done",
                                        content_hash=hashlib.sha256(f"{rng.random()}{body}".encode()).hexdigest(),
                                        headline_embedding=vector))
            articles = Article.objects.bulk_create(articles)
            claims = []
            for article in articles:
                for i in range(CLAIMS_PER_ARTICLE):
                    text = ("=SUM(A1) " if rng.random() < 0.01 else "") + " ".join(rng.choice(words) for _ in range(25))
                    published = rng.random() < 0.2
                    claims.append(Claim(
                        article=article, start=i * 250, end=i * 250 + 200, text=text,
                        speaker=rng.choice(speakers), attribution="reported", checkworthiness=rng.random(),
                        checkworthiness_reasons=["number", "named speaker"], embedding=vector,
                        match_embedding=vector, quantities=[{"text": "12 million euros", "value": 12e6, "unit": "EUR"}],
                        state="published" if published else "unreviewed",
                        verdict=rng.choice(["verified", "disputed", "unattributed"]) if published else "unreviewed",
                        verdict_note="Checked against the council minutes." if published else "",
                        published_at=now if published else None,
                    ))
            claims = Claim.objects.bulk_create(claims)
            first = Claim.objects.order_by("pk").values_list("pk", flat=True).first()
            ClaimMatch.objects.bulk_create([
                ClaimMatch(claim=c, earlier_id=max(first, c.pk - rng.randint(1, 500)), score=rng.random(),
                           kind="related") for c in claims[1::2] if c.pk > first])
            have += len(claims)


def _measure(database_url, door, fmt):
    """One export in this process: seconds and peak memory (child process)."""
    import resource

    _django(database_url)
    from django.contrib.auth.models import User

    from claims.models import Claim

    claims = Claim.objects.count()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if door == "api":
        from django.test import Client

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username="bench-editor"))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        response = client.get(f"/api/export/{fmt}/")
        assert response.status_code == 200, response.status_code
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        from django.core.management import call_command

        call_command("export", "--format", fmt, "-o", os.devnull)
        size = None
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"claims": claims, "seconds": seconds, "peak_mb": peak, "before_mb": before, "bytes": size}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimdesk_bench_export"))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--formats", default="json,csv,claimreview")
    parser.add_argument("--doors", default="api,command")
    parser.add_argument("--reuse", action="store_true", help="keep the database's claims (grow only)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "grow":
            return _grow(args.database_url, int(args.child[1]))
        return _measure(args.database_url, args.child[1], args.child[2])
    if not args.reuse:
        _recreate(args.database_url)
    me = [sys.executable, __file__, "--database-url", args.database_url, "--child"]
    print(f"{os.cpu_count()} CPUs; peak = the measuring process's max RSS (before = before the export)")
    print("| claims | format | door | seconds | claims/s | peak MB | before MB | MB |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    for size in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        subprocess.run([*me, "grow", str(size)], check=True, cwd=ROOT)
        print(f"<!-- stored {size} claims in {time.perf_counter() - started:.0f} s -->", file=sys.stderr)
        for fmt in args.formats.split(","):
            for door in args.doors.split(","):
                out = subprocess.run([*me, "measure", door, fmt], check=True, cwd=ROOT, capture_output=True, text=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                mb = f"{r['bytes'] / 1e6:.1f}" if r["bytes"] is not None else ""
                print(f"| {r['claims']:,} | {fmt} | {door} | {r['seconds']:.2f} | {r['claims'] / r['seconds']:,.0f} "
                      f"| {r['peak_mb']:.0f} | {r['before_mb']:.0f} | {mb} |", flush=True)


if __name__ == "__main__":
    main()
