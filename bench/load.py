"""Load test: 50 desk users against gunicorn (production settings, WhiteNoise) on PostgreSQL, 100,000 claims.

    python bench/load.py                                  # 127.0.0.1 only; --users 50 --duration 60
    python bench/load.py --reuse --explain                # keep the stored claims; EXPLAIN ANALYZE per request type

It (re)creates the database named by ``--database-url`` (default ``claimdesk_load``) and stores the
claims with ``bench/export.py``'s generator (5,000-character articles, 20 claims each, a match for
every other claim, a published verdict on every fifth, whose assign/propose/approve history is
written to the audit chain), creates ``--reviewers`` reviewers and ``--editors`` editors with API
tokens, assigns each reviewer ``--queue`` claims with due dates (audited), collects static files and
starts gunicorn as the README's "Serving in production" says (``CLAIMDESK_ENV=production``, DEBUG
off, behind a TLS proxy: the client sends ``X-Forwarded-Proto: https``) on a free 127.0.0.1 port, and
warms its workers (a few rounds of the read paths, untimed: the table is the steady state). Then
locust runs ``bench/load_desk.py`` headless for ``--duration`` seconds (the mix and think time are
described there) and this prints, per request type: count, requests per second, p50/p95/p99 in
milliseconds and errors, and a total line. ``--explain`` then sends one request of each type
in-process, captures its SQL and prints every query's count and the EXPLAIN ANALYZE of the slowest
query per request type; the plans are saved to ``--plans``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import export  # noqa: E402  (bench/export.py: the claims generator)


def _django(database_url):
    export._django(database_url)


def _populate(args):
    """Claims, history, users, tokens, queues (child process); writes the plan locust reads."""
    export._grow(args.database_url, args.claims)  # also sets up Django
    import datetime as dt

    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from claims.audit import lock_chain, record_hash
    from claims.models import Assignment, AuditRecord, Claim

    rng = random.Random(args.claims)
    editor_group, reviewer_group = Group.objects.get(name="editor"), Group.objects.get(name="reviewer")
    editors = [_user(User, f"bench-ed{i:02}", editor_group) for i in range(args.editors)]
    reviewers = [_user(User, f"bench-rv{i:02}", reviewer_group) for i in range(args.reviewers)]
    Token.objects.filter(user__in=editors + reviewers).delete()
    tokens = {u.pk: Token.objects.create(user=u).key for u in editors + reviewers}

    def append(records):
        """Audit records in bulk, chained by the trail's own hash (the services write one at a time)."""
        lock_chain()
        prev = AuditRecord.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        rows = []
        for fields in records:
            fields = dict(fields, door=AuditRecord.Door.API, request_id=secrets.token_hex(16))
            digest = record_hash(prev_hash=prev, **{k: v for k, v in fields.items() if k != "actor_id"})
            rows.append(AuditRecord(prev_hash=prev, hash=digest, **fields))
            prev = digest
        AuditRecord.objects.bulk_create(rows, batch_size=5000)

    now = timezone.now()
    if not AuditRecord.objects.filter(object_type="claim").exists():
        # The published fifth got there through the workflow: assign, propose, approve.
        published = list(Claim.objects.filter(state="published").order_by("pk").values_list("pk", "verdict"))
        start = now - dt.timedelta(days=90)
        step = dt.timedelta(days=89) / max(1, len(published))
        history = []
        publishers = {}
        for n, (pk, verdict) in enumerate(published):
            reviewer, editor = rng.choice(reviewers), rng.choice(editors)
            publishers.setdefault(editor.pk, []).append(pk)
            at = start + n * step
            for k, (actor, action, changes) in enumerate((
                (editor, "claim.assign", {"assignee": [None, reviewer.username], "state": ["unreviewed", "in_review"]}),
                (reviewer, "claim.propose", {"state": ["in_review", "proposed"], "proposed_verdict": ["", verdict],
                                             "proposed_by": [None, reviewer.username]}),
                (editor, "claim.approve", {"state": ["proposed", "published"], "verdict": ["unreviewed", verdict],
                                           "published_by": [None, editor.username]}),
            )):
                history.append(dict(at=at + dt.timedelta(minutes=10 * k), actor_id=actor.pk,
                                    actor_username=actor.username, action=action, object_type="claim",
                                    object_id=str(pk), changes=changes))
        with transaction.atomic():
            append(history)
            for editor_id, pks in publishers.items():
                Claim.objects.filter(pk__in=pks).update(published_by_id=editor_id)
    # Each reviewer's queue: fresh, unassigned claims, due in the next days (as claim_assign writes them).
    free = list(Claim.objects.filter(state="unreviewed", assignee__isnull=True).values_list("pk", flat=True))
    picked = rng.sample(free, args.reviewers * args.queue)
    plan_reviewers = []
    with transaction.atomic():
        records = []
        for i, reviewer in enumerate(reviewers):
            ids = picked[i * args.queue:(i + 1) * args.queue]
            editor = editors[i % len(editors)]
            due = now + dt.timedelta(days=rng.randint(1, 14))
            Claim.objects.filter(pk__in=ids).update(assignee=reviewer, due=due, state="in_review", updated_at=now)
            Assignment.objects.bulk_create([Assignment(claim_id=pk, assignee=reviewer, assigned_by=editor, due=due)
                                            for pk in ids])
            records += [dict(at=now, actor_id=editor.pk, actor_username=editor.username, action="claim.assign",
                             object_type="claim", object_id=str(pk),
                             changes={"assignee": [None, reviewer.username], "due": [None, due.isoformat()],
                                      "state": ["unreviewed", "in_review"]}) for pk in ids]
            plan_reviewers.append({"username": reviewer.username, "token": tokens[reviewer.pk], "claims": ids})
        append(records)
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum does after a bulk load: fresh planner statistics
        cursor.execute("VACUUM ANALYZE")
    ids = Claim.objects.order_by("pk").values_list("pk", flat=True)
    history = list(Claim.objects.filter(state="published").values_list("pk", flat=True)[:5000])
    plan = {
        "first_claim": ids.first(), "last_claim": ids.last(), "history": history,
        "reviewers": plan_reviewers,
        "editors": [{"username": u.username, "token": tokens[u.pk]} for u in editors],
        "samples": str(OUT / "load-samples.json"),
        "claims": Claim.objects.count(), "audit_records": AuditRecord.objects.count(),
    }
    (OUT / "load-plan.json").write_text(json.dumps(plan))


def _user(User, username, group):
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.groups.add(group)
    return user


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(args):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL")}
    env.update(
        DATABASE_URL=args.database_url, CELERY_BROKER_URL=args.broker_url, DJANGO_SETTINGS_MODULE="factcheck.settings",
        CLAIMDESK_ENV="production", SECRET_KEY=secrets.token_urlsafe(64), CLAIMDESK_PROXY_SSL_HEADER="X-Forwarded-Proto",
        ALLOWED_HOSTS="127.0.0.1", CLAIMDESK_VAR_DIR=str(OUT / "load-var"),
    )
    return env


def _serve(args, env):
    bin_dir = Path(sys.executable).parent
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "factcheck.wsgi", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
         "--timeout", "60", *(["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads else [])], cwd=ROOT, env=env, stdout=open(OUT / "load-gunicorn.log", "w"), stderr=subprocess.STDOUT)
    import requests

    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/admin/login/", headers={"X-Forwarded-Proto": "https"}, timeout=30)
            return server, f"http://127.0.0.1:{port}"
        except (requests.ConnectionError, requests.Timeout):
            if server.poll() is not None or time.monotonic() > deadline:
                server.terminate()
                raise SystemExit(f"gunicorn did not start: see {OUT / 'load-gunicorn.log'}") from None
            time.sleep(0.3)


def _warm(base, plan, workers):
    """Steady state, not a cold start: each gunicorn worker's first requests load code and fill
    caches (URL resolver, DRF settings, the serializers' fields), a cost paid once per worker
    process and not what a desk meets at 10 a.m. A few rounds of the read paths, concurrently so
    that every worker serves some, before locust starts the clock."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    account = plan["reviewers"][0]
    headers = {"Authorization": f"Token {account['token']}", "X-Forwarded-Proto": "https"}
    paths = ["/api/claims/?ordering=-id", "/api/claims/?assignee=me", f"/api/claims/{plan['first_claim']}/",
             f"/api/claims/{plan['history'][0]}/audit/"]
    with ThreadPoolExecutor(workers * 2) as pool:
        list(pool.map(lambda path: requests.get(base + path, headers=headers, timeout=60), paths * workers * 3))


def _percentile(values, q):
    """Nearest-rank percentile of a sorted list."""
    return values[max(0, math.ceil(q * len(values)) - 1)]


def _table(result, seconds):
    rows = []
    everything = []
    for name in sorted(result["samples"]):
        times = sorted(result["samples"][name])
        everything += times
        rows.append((name, times, result["errors"].get(name, 0)))
    rows.append(("total", sorted(everything), sum(result["errors"].values())))
    lines = ["| request | count | req/s | p50 ms | p95 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, times, errors in rows:
        if not times:
            continue
        label = f"**{name}**" if name == "total" else name
        lines.append(f"| {label} | {len(times):,} | {len(times) / seconds:.1f} | {_percentile(times, 0.50):.0f} "
                     f"| {_percentile(times, 0.95):.0f} | {_percentile(times, 0.99):.0f} | {errors} |")
    return "\n".join(lines)


def _explain(args):
    """One request of each type in this process; the SQL behind it, and the plan of its slowest query."""
    _django(args.database_url)
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    plan = json.loads((OUT / "load-plan.json").read_text())
    reviewer, editor = plan["reviewers"][0], plan["editors"][0]
    rng = random.Random(1)
    claim = rng.randint(plan["first_claim"], plan["last_claim"])
    with_history = plan["history"][len(plan["history"]) // 2]
    requests = [
        ("claims: my queue", reviewer, "get", "/api/claims/?assignee=me", None),
        ("claims: filtered list", reviewer, "get", "/api/claims/?state=published&ordering=-checkworthiness", None),
        ("claims: filtered list (verdict)", reviewer, "get", "/api/claims/?verdict=disputed", None),
        ("claims: filtered list (overdue)", reviewer, "get", "/api/claims/?overdue=true", None),
        ("claim page", reviewer, "get", f"/api/claims/{claim}/", None),
        ("claim audit", reviewer, "get", f"/api/claims/{with_history}/audit/", None),
        ("audit export (claim)", editor, "get", f"/api/audit/?claim={with_history}", None),
        ("audit export (user)", editor, "get", f"/api/audit/?user={reviewer['username']}", None),
        ("propose verdict", reviewer, "post", f"/api/claims/{reviewer['claims'][0]}/propose/",
         {"verdict": "verified", "rationale": "Checked.", "evidence": [{"url": "https://example.org/m"}]}),
    ]
    report = []
    for name, who, method, path, body in requests:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {who['token']}")
        with transaction.atomic():  # a write is rolled back: the plan is read, nothing kept
            if method == "get":
                client.get(path)  # warm caches
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = getattr(client, method)(path, body, content_type="application/json")
                took = (time.perf_counter() - started) * 1000
            timed = []
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    lines = [r[0] for r in cursor.fetchall()]
                ms = float(lines[-1].split(":")[1].split()[0])
                timed.append((ms, sql, lines))
            transaction.set_rollback(True)
        timed.sort(key=lambda t: t[0], reverse=True)
        report.append(f"== {name}: {method.upper()} {path} -> {response.status_code}, {took:.1f} ms in-process, "
                      f"{len(captured.captured_queries)} queries, SELECTs {sum(t[0] for t in timed):.2f} ms executed")
        for ms, sql, lines in timed[:2]:
            report.append(f"-- {ms:.2f} ms: {sql[:600]}")
            report += [f"   {line}" for line in lines]
        report.append("")
    text = "\n".join(report)
    (OUT / "load-plans.txt").write_text(text)
    print(text)
    print(f"(saved to {OUT / 'load-plans.txt'})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimdesk_load"))
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3"))
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=0,
                        help="gunicorn gthread workers with this many threads each (default: sync workers)")
    parser.add_argument("--reviewers", type=int, default=40)
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--queue", type=int, default=100, help="claims assigned to each reviewer")
    parser.add_argument("--reuse", action="store_true", help="keep the database (grow only, new queues)")
    parser.add_argument("--explain", action="store_true", help="then EXPLAIN ANALYZE one request of each type")
    parser.add_argument("--explain-only", action="store_true", help="only the plans (after a run)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.child == "populate":
        return _populate(args)
    if args.child == "explain" or args.explain_only:
        return _explain(args)
    me = [sys.executable, __file__, *sys.argv[1:]]
    if not args.reuse:
        export._recreate(args.database_url)
    started = time.perf_counter()
    subprocess.run([*me, "--child", "populate"], check=True, cwd=ROOT)
    plan = json.loads((OUT / "load-plan.json").read_text())
    print(f"{plan['claims']:,} claims, {plan['audit_records']:,} audit records; {args.reviewers} reviewers "
          f"({args.queue} claims each), {args.editors} editors; ready in {time.perf_counter() - started:.0f} s",
          flush=True)
    env = _server_env(args)
    server, base = _serve(args, env)
    try:
        _warm(base, plan, args.workers)
        Path(plan["samples"]).unlink(missing_ok=True)
        locust = subprocess.run(
            [str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" / "load_desk.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.users), "--run-time", f"{args.duration}s",
             "--host", base, "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"],
            cwd=ROOT, env=dict(os.environ, LOAD_PLAN=str(OUT / "load-plan.json")),
            capture_output=True, text=True, timeout=args.duration + 120)
        if not Path(plan["samples"]).exists():
            raise SystemExit(f"locust wrote no samples:\n{locust.stderr[-3000:]}")
        result = json.loads(Path(plan["samples"]).read_text())
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"{args.users} users for {args.duration} s against gunicorn ({args.workers} workers, production settings) "
          f"at {base}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(_table(result, args.duration))
    for example in result["examples"]:
        print("error:", example)
    if args.explain:
        subprocess.run([*me, "--child", "explain"], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
