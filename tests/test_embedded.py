"""The embedded default: no settings at all, SQLite and the filesystem broker, a real worker process."""

import os
import subprocess
import sys
import time

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    env["CLAIMDESK_VAR_DIR"] = str(tmp_path / "var")
    env["DJANGO_SETTINGS_MODULE"] = "factcheck.settings"
    return env


def _manage(env, *args, timeout=300):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_embedded_default_processes_articles_in_a_background_worker(tmp_path, seed_paths):
    env = _env(tmp_path)
    assert _manage(env, "migrate", "--noinput").returncode == 0
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    worker = subprocess.Popen(
        [celery, "-A", "factcheck", "worker", "--concurrency=1", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        proc = _manage(env, "ingest", *map(str, seed_paths), "--wait", "--timeout", "240")
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert "2 article(s) processed" in proc.stdout
        export = _manage(env, "export", "--format", "json")
        assert export.returncode == 0, export.stderr
    finally:
        worker.terminate()
        try:
            log, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            log, _ = worker.communicate()
    import json

    claims = json.loads(export.stdout)
    assert len(claims) > 30
    assert any(m["kind"] == "same" for c in claims for m in c["matches"])
    assert "filesystem" in log  # the worker really consumed from the filesystem broker
    assert (tmp_path / "var" / "claimdesk.sqlite3").exists()
    journal = subprocess.run([sys.executable, "-c", (
        "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode').fetchone()[0])"
    ), str(tmp_path / "var" / "claimdesk.sqlite3")], capture_output=True, text=True).stdout.strip()
    assert journal == "wal"


def test_wait_without_a_worker_times_out_with_a_clear_message(tmp_path):
    env = _env(tmp_path)
    assert _manage(env, "migrate", "--noinput").returncode == 0
    article = tmp_path / "a.txt"
    article.write_text("Bridge\n\nThe council closed the bridge on Tuesday after an inspection.", encoding="utf-8")
    started = time.monotonic()
    proc = _manage(env, "ingest", str(article), "--wait", "--timeout", "2")
    assert proc.returncode != 0
    assert "is a worker running?" in proc.stderr
    assert time.monotonic() - started < 60
