"""Faults a desk must survive, with real processes: a killed pool child, a killed worker, a broker
that goes away, and the killed worker on the embedded default (SQLite + filesystem broker).

    python bench/faults.py                       # every fault, PostgreSQL from DATABASE_URL (or the
                                                 # local default postgres://postgres@127.0.0.1/claimdesk_faults)
    python bench/faults.py --faults worker,embedded --articles 8

Each fault posts articles, injects the fault while an article is being worked on, and then lets the
desk recover on its own (worker, beat and the sweep; nobody re-queues by hand). It prints, per
fault: articles posted, done, failed, lost (neither within the time limit), duplicated (an article
whose extraction or matching was committed twice, or a span stored twice), and the seconds from the
fault to the last article done. The tests in tests/test_faults.py run the same scenarios.

Redis runs as a private ``redis-server`` on a free port (nothing else is disturbed); PostgreSQL is
the database named by DATABASE_URL (the bench recreates the database ``claimdesk_faults`` unless
``--keep-db``). Leases are shortened for the run (``--lease``, ``--sweep``) so a run takes minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))
DEMO = ROOT / "claims" / "demo"
FAULTS = ("pool-child", "worker", "redis", "embedded")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def article_files(folder: Path, count: int) -> list[Path]:
    """``count`` distinct articles written from the demo texts (each body unique, so none is a duplicate)."""
    sources = sorted(DEMO.glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        text = sources[i % len(sources)].read_text(encoding="utf-8").rstrip()
        path = folder / f"article-{i:02d}.txt"
        path.write_text(f"{text}\n\nThis is edition {i + 1} of the report, filed by the desk's correspondent.\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


class RedisServer:
    """A private redis-server on its own port, stopped and started at will."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.proc = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not installed")
        self.proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@dataclass
class Desk:
    """The processes of a desk (workers and beat) over one database and one broker."""

    database_url: str
    broker_url: str
    var_dir: Path
    lease: float = 6
    sweep: float = 2
    resend_after: float = 8
    concurrency: int = 2
    procs: list = field(default_factory=list)
    logs: list = field(default_factory=list)

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
        env.update(DJANGO_SETTINGS_MODULE="factcheck.settings", CLAIMDESK_VAR_DIR=str(self.var_dir),
                   CLAIMDESK_LEASE_SECONDS=str(self.lease), CLAIMDESK_SWEEP_SECONDS=str(self.sweep),
                   CLAIMDESK_RESEND_AFTER_SECONDS=str(self.resend_after), PYTHONUNBUFFERED="1")
        if not self.database_url.startswith("sqlite"):
            env["DATABASE_URL"] = self.database_url
        if not self.broker_url.startswith("filesystem"):
            env["CELERY_BROKER_URL"] = self.broker_url
        return env

    def manage(self, *args, timeout=300, check=True):
        proc = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True,
                              text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def _spawn(self, name, args):
        log = open(self.var_dir / f"{name}-{len(self.logs)}.log", "w")
        self.logs.append(log)
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def start_worker(self):
        return self._spawn("worker", [CELERY, "-A", "factcheck", "worker", f"--concurrency={self.concurrency}",
                                      "--loglevel=INFO", "-n", f"faults{len(self.procs)}@%h"])

    def start_beat(self):
        return self._spawn("beat", [CELERY, "-A", "factcheck", "beat", "--loglevel=INFO",
                                    "--schedule", str(self.var_dir / "beat-schedule")])

    @staticmethod
    def kill_group(proc):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill_group(proc)
        for log in self.logs:
            log.close()

    def log_tail(self, lines=40) -> str:
        out = []
        for log in self.logs:
            with contextlib.suppress(OSError):
                out.append(f"--- {Path(log.name).name}\n" + "\n".join(Path(log.name).read_text().splitlines()[-lines:]))
        return "\n".join(out)

    # --- reading the database directly (fast enough to poll; no Django in this process) ---

    def query(self, sql, params=()):
        if self.database_url.startswith("sqlite"):
            path = self.var_dir / "claimdesk.sqlite3"
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
            return db.execute(sql, params).fetchall()

    def statuses(self) -> dict[int, str]:
        return dict(self.query("SELECT id, status FROM claims_article"))

    def working(self) -> list[tuple[int, str]]:
        return self.query("SELECT id, lease_owner FROM claims_article WHERE status IN ('extracting', 'matching') "
                          "AND lease_owner <> ''")

    def duplicated(self) -> int:
        """Articles whose extraction or matching was committed more than once, plus spans stored twice."""
        twice = self.query("SELECT object_id, action, COUNT(*) FROM claims_audit_record WHERE object_type = 'article' "
                           "AND action IN ('article.extract', 'article.match') GROUP BY object_id, action "
                           "HAVING COUNT(*) > 1")
        spans = self.query("SELECT article_id, start, \"end\", COUNT(*) FROM claims_claim "
                           "GROUP BY article_id, start, \"end\" HAVING COUNT(*) > 1")
        return len({row[0] for row in twice}) + len(spans)


@dataclass
class Outcome:
    fault: str
    posted: int
    done: int
    failed: int
    lost: int
    duplicated: int
    recover_s: float
    claims: int
    notes: str = ""

    @property
    def ok(self) -> bool:
        return self.done == self.posted and not self.duplicated


def wait_for(predicate, timeout, interval=0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def ingest(desk: Desk, paths, check=True):
    return desk.manage("ingest", *map(str, paths), check=check, timeout=120)


def run_fault(fault: str, *, database_url: str, workdir: Path, articles: int = 6, timeout: float = 240,
              lease: float = 6, sweep: float = 2, resend_after: float = 8) -> Outcome:
    """Run one fault scenario against an empty, migrated database; return what happened."""
    var_dir = workdir / fault
    var_dir.mkdir(parents=True, exist_ok=True)
    redis = None
    if fault == "embedded":
        desk = Desk("sqlite://", "filesystem://", var_dir, lease=lease, sweep=sweep, resend_after=resend_after)
        desk.manage("migrate", "--noinput")
    else:
        redis = RedisServer().start()
        desk = Desk(database_url, redis.url, var_dir, lease=lease, sweep=sweep, resend_after=resend_after)
    paths = article_files(var_dir / "articles", articles)
    notes = ""
    try:
        worker = desk.start_worker()
        desk.start_beat()
        first, rest = (paths[: len(paths) // 2], paths[len(paths) // 2:]) if fault == "redis" else (paths, [])
        ingest(desk, first)
        busy = wait_for(desk.working, timeout=180)
        if not busy:
            raise RuntimeError("no article was ever taken by a worker\n" + desk.log_tail())
        fault_at = time.monotonic()
        if fault == "pool-child":
            article_id, owner = busy[0]
            pid = int(owner.split(":")[1])
            os.kill(pid, signal.SIGKILL)
            notes = f"killed pool child {pid} working on article {article_id}"
        elif fault in ("worker", "embedded"):
            desk.kill_group(worker)
            notes = f"killed the whole worker (pid {worker.pid}) while article {busy[0][0]} was being worked on"
            desk.start_worker()
        elif fault == "redis":
            redis.stop()
            proc = ingest(desk, rest, check=False)  # stored, not queued: the command says why
            if "not queued" not in proc.stderr + proc.stdout:
                notes = "ingest did not report the broker as down; "
            time.sleep(2)
            redis.start()
            notes += f"stopped Redis while {len(rest)} more articles were posted, started it again"
        else:
            raise ValueError(f"unknown fault {fault!r}")
        posted = len(paths)

        def settled():
            statuses = desk.statuses()
            return len(statuses) == posted and all(s in ("done", "failed") for s in statuses.values())

        finished = wait_for(settled, timeout=timeout, interval=0.5)
        recover_s = time.monotonic() - fault_at
        statuses = desk.statuses()
        done = sum(s == "done" for s in statuses.values())
        failed = sum(s == "failed" for s in statuses.values())
        claims = desk.query("SELECT COUNT(*) FROM claims_claim")[0][0]
        outcome = Outcome(fault, posted, done, failed, posted - done - failed, desk.duplicated(),
                          recover_s if finished else float("nan"), claims, notes)
        if not outcome.ok:
            outcome.notes += "\n" + desk.log_tail()
        return outcome
    finally:
        desk.stop()
        if redis:
            redis.stop()


def reset_postgres(database_url: str):
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated, from {', '.join(FAULTS)}")
    parser.add_argument("--articles", type=int, default=6)
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for recovery, per fault")
    parser.add_argument("--lease", type=float, default=6, help="CLAIMDESK_LEASE_SECONDS for the run")
    parser.add_argument("--sweep", type=float, default=2, help="CLAIMDESK_SWEEP_SECONDS for the run")
    parser.add_argument("--database-url", default=os.environ.get("FAULTS_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/claimdesk_faults"))
    args = parser.parse_args(argv)
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="claimdesk-faults-") as tmp:
        for fault in faults:
            if fault != "embedded":
                reset_postgres(args.database_url)
                Desk(args.database_url, "filesystem://", Path(tmp)).manage("migrate", "--noinput")
            outcomes.append(run_fault(fault, database_url=args.database_url, workdir=Path(tmp),
                                      articles=args.articles, timeout=args.timeout, lease=args.lease,
                                      sweep=args.sweep, resend_after=max(4 * args.sweep, 8)))
    print(f"lease {args.lease:g} s, sweep every {args.sweep:g} s; {os.cpu_count()} CPUs")
    print(f"| {'fault':<11} | posted | done | failed | lost | duplicated | recovery s | claims |")
    print(f"|{'-' * 13}|-------:|-----:|-------:|-----:|-----------:|-----------:|-------:|")
    for o in outcomes:
        print(f"| {o.fault:<11} | {o.posted:>6} | {o.done:>4} | {o.failed:>6} | {o.lost:>4} | {o.duplicated:>10} "
              f"| {o.recover_s:>10.1f} | {o.claims:>6} |")
    for o in outcomes:
        print(f"{o.fault}: {o.notes}")
    print(json.dumps({o.fault: o.ok for o in outcomes}))
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
