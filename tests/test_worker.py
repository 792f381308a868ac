"""The real thing: PostgreSQL, the Redis broker and a Celery worker consuming from it."""

import os
import subprocess
import sys
import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Article, AuditRecord, ClaimMatch

from .conftest import ROOT
from .factories import EditorFactory

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.usefixtures("flushable_db")]


@pytest.fixture
def celery_app():
    from factcheck.celery import app

    return app


@pytest.fixture
def live_worker(require_postgres, require_redis, celery_app):
    from celery.contrib.testing.worker import start_worker

    celery_app.control.purge()  # nothing left over from an earlier run
    with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=60) as worker:
        yield worker


@pytest.fixture
def api():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=EditorFactory(username='desk')).key}")
    return client


def wait_until_processed(article_id, timeout=180):
    """Poll the article's status until the worker has finished with it (or fail with what it says)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        article = Article.objects.get(pk=article_id)
        if article.status in (Article.Status.DONE, Article.Status.FAILED):
            return article
        time.sleep(0.2)
    pytest.fail(f"article {article_id} still {article.status!r} after {timeout}s")


def test_posted_seed_articles_end_with_claims_and_same_matches(live_worker, api, seeds):
    ids = []
    for body in seeds:
        response = api.post("/api/articles/", {"body": body, "source": "seed"}, format="json")
        assert response.status_code == 202
        assert response.json()["status"] == "queued"
        article = wait_until_processed(response.json()["id"])
        assert article.status == Article.Status.DONE, article.error
        ids.append(article.pk)
    first, second = (Article.objects.get(pk=i) for i in ids)
    assert first.claims.count() > 15 and second.claims.count() > 15
    same = ClaimMatch.objects.filter(claim__article=second, kind="same").select_related("claim", "earlier")
    texts = [(m.claim.text, m.earlier.text) for m in same]
    assert any("A visit by Xi" in a and "A visit by Mr Xi" in b for a, b in texts)
    assert all(m.earlier.article_id == first.pk for m in same)

    task_records = AuditRecord.objects.filter(object_type="article", object_id=str(second.pk), door="task")
    assert {r.action for r in task_records} == {"article.extract", "article.match"}


def _subprocess_env(**extra):
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **extra}


def test_broker_down_keeps_the_article_and_says_why(require_postgres, require_redis, tmp_path):
    """A fresh process whose broker is unreachable: the article is stored, and the user is told."""
    path = tmp_path / "bridge.txt"
    path.write_text("Bridge\n\nThe council closed the bridge on Tuesday after an inspection.", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "manage.py", "ingest", str(path)],
        cwd=ROOT, env=_subprocess_env(CELERY_BROKER_URL="redis://127.0.0.1:1/0"),
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "stored but not queued" in proc.stderr and "broker is unavailable" in proc.stderr
    article = Article.objects.get()
    assert article.status == Article.Status.QUEUED
    assert "broker is unavailable" in article.error
