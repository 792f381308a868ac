"""Management commands, the paths a desk reaches outside the happy path: ingest from standard input and
with --wait (done, failed, no worker), a broker that is down, `feeds` add/poll/list, `audit export`."""

import csv
import io
import json
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims import articles, workflow
from claims.models import Article, Feed, Link
from claims.processing import sender

from .factories import ClaimFactory, EditorFactory, ReviewerFactory, ViewerFactory
from .webserver import LocalServer, article_html, rss

BODY = "Bridge closes\n\nThe council closed the bridge on Tuesday after an inspection found cracks."


def _file(tmp_path, name="a.txt", body=BODY):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


@pytest.fixture
def worker(monkeypatch):
    """Stands in for a Celery worker: what ``article_queue`` sends is processed at once, in this process
    (the on_commit callback of a transactional test runs before the command starts waiting)."""
    def process(*, article_id, countdown=0):
        articles.article_process_sync(article_id=article_id)
        return ""

    monkeypatch.setattr(sender, "article_queue", process)


@pytest.fixture
def failing_worker(monkeypatch):
    def fail(*, article_id, countdown=0):
        Article.objects.filter(pk=article_id).update(status=Article.Status.FAILED, error="extraction crashed: boom")
        return ""

    monkeypatch.setattr(sender, "article_queue", fail)


# --- ingest ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_reads_an_article_from_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BODY.encode("utf-8"))))
    call_command("ingest", "-", "--source", "Gazette")
    article = Article.objects.get()
    assert (article.title, article.source) == ("Bridge closes", "Gazette")
    assert f"-: article #{article.pk} queued" in capsys.readouterr().out


@pytest.mark.django_db
def test_ingest_as_a_viewer_is_refused_before_anything_is_read(tmp_path):
    viewer = ViewerFactory()
    with pytest.raises(CommandError, match=f"only editors can add articles; {viewer.username} is a viewer"):
        call_command("ingest", _file(tmp_path), "--user", viewer.username)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_ingest_as_an_unknown_user_is_refused(tmp_path):
    with pytest.raises(CommandError, match="nobody"):
        call_command("ingest", _file(tmp_path), "--user", "nobody")
    assert not Article.objects.exists()


@pytest.mark.usefixtures("flushable_db")  # transactional: on_commit runs; roles put back
def test_ingest_wait_returns_once_the_worker_has_processed_every_article(tmp_path, worker, capsys):
    editor = EditorFactory()
    call_command("ingest", _file(tmp_path, "a.txt"), _file(tmp_path, "b.txt", BODY + " Repairs start in May."),
                 "--wait", "--timeout", "60", "--user", editor.username)
    out = capsys.readouterr().out
    assert "2 article(s) processed" in out
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.DONE}
    assert set(Article.objects.values_list("created_by__username", flat=True)) == {editor.username}


@pytest.mark.usefixtures("flushable_db")  # transactional: on_commit runs; roles put back
def test_ingest_wait_names_each_failed_article_and_fails(tmp_path, failing_worker, capsys):
    with pytest.raises(CommandError, match=r"^1 article\(s\) failed$"):
        call_command("ingest", _file(tmp_path), "--wait", "--timeout", "60")
    article = Article.objects.get()
    assert f"article #{article.pk} failed: extraction crashed: boom" in capsys.readouterr().err


@pytest.mark.usefixtures("flushable_db")  # transactional: on_commit runs; roles put back
def test_ingest_wait_without_a_worker_gives_up_after_the_timeout_and_says_what_to_start(tmp_path, monkeypatch):
    monkeypatch.setattr(sender, "article_queue", lambda *, article_id, countdown=0: "")  # queued, nobody works
    with pytest.raises(CommandError, match=r"1 article\(s\) still not processed after 0s: is a worker running\? "
                                           r"\(start one with: celery -A factcheck worker\)"):
        call_command("ingest", _file(tmp_path), "--wait", "--timeout", "0.2")
    assert Article.objects.get().status == Article.Status.QUEUED  # kept, for the worker to come


@pytest.mark.usefixtures("flushable_db")  # transactional: on_commit runs; roles put back
def test_ingest_with_the_broker_down_keeps_the_article_and_says_so(tmp_path, monkeypatch, capsys):
    def down(*, article_id, countdown=0):
        return "could not queue for processing, the broker is unavailable (OperationalError: refused)"

    monkeypatch.setattr(sender, "article_queue", down)
    call_command("ingest", _file(tmp_path))
    article = Article.objects.get()
    err = capsys.readouterr().err
    assert f"article #{article.pk} stored but not queued: could not queue for processing, the broker" in err
    assert article.status == Article.Status.QUEUED


@pytest.mark.django_db
def test_ingest_sync_reports_a_failed_article_with_its_reason(tmp_path, monkeypatch, capsys):
    def crash(*, article_id):
        Article.objects.filter(pk=article_id).update(status=Article.Status.FAILED, error="the model could not load")
        return Article.objects.get(pk=article_id)

    monkeypatch.setattr(articles, "article_process_sync", crash)
    call_command("ingest", _file(tmp_path), "--sync")
    captured = capsys.readouterr()
    assert "failed, 0 claims, 0 matches" in captured.out
    assert "the model could not load" in captured.err


# --- feeds -----------------------------------------------------------------------------------------------


@pytest.fixture
def server(settings):
    settings.CLAIMDESK_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.CLAIMDESK_FETCH_TIMEOUT_SECONDS = 2
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def no_broker(monkeypatch):
    monkeypatch.setattr(sender, "link_queue", lambda *, link_id: "")


@pytest.mark.django_db
def test_feeds_add_needs_a_url():
    with pytest.raises(CommandError, match="feeds add needs the feed's URL"):
        call_command("feeds", "add")
    assert not Feed.objects.exists()


@pytest.mark.django_db
def test_feeds_add_as_a_reviewer_is_refused():
    reviewer = ReviewerFactory()
    with pytest.raises(CommandError, match=f"only editors can add articles; {reviewer.username} is a reviewer"):
        call_command("feeds", "add", "https://news.example/feed.xml", "--user", reviewer.username)
    assert not Feed.objects.exists()


@pytest.mark.django_db
def test_feeds_add_twice_follows_once_and_list_shows_it(capsys):
    editor = EditorFactory()
    call_command("feeds", "add", "https://news.example/feed.xml", "--title", "News", "--user", editor.username)
    call_command("feeds", "add", "https://news.example/feed.xml")
    feed = Feed.objects.get()
    out = capsys.readouterr().out
    assert f"feed #{feed.pk} added: https://news.example/feed.xml" in out
    assert f"feed #{feed.pk} already followed: https://news.example/feed.xml" in out
    call_command("feeds", "list")
    assert capsys.readouterr().out.strip() == f"#{feed.pk} News: last poll never, 0 seen, 0 ingested, 0 failed"


@pytest.mark.django_db
def test_feeds_poll_wait_gives_up_when_no_worker_fetches_the_links(server, no_broker):
    server.page("/feed.xml", rss([("g1", "one", server.url("/one")), ("g2", "two", server.url("/two"))]), content_type="application/rss+xml")
    call_command("feeds", "add", server.url("/feed.xml"))
    with pytest.raises(CommandError, match=r"2 link\(s\) still not fetched: is a worker running\?"):
        call_command("feeds", "poll", "--wait", "--timeout", "0.2")
    assert set(Link.objects.values_list("status", flat=True)) == {Link.Status.QUEUED}


@pytest.mark.django_db
def test_feeds_poll_sync_wait_fetches_the_items_and_lists_the_counts(server, no_broker, capsys):
    server.page("/feed.xml", rss([("g1", "one", server.url("/one"))]), content_type="application/rss+xml")
    server.page("/one", article_html())
    call_command("feeds", "add", server.url("/feed.xml"))
    feed = Feed.objects.get()
    capsys.readouterr()
    call_command("feeds", "poll", "--sync", "--wait", "--timeout", "30")
    out = capsys.readouterr().out
    assert Link.objects.get().status == Link.Status.DONE
    assert f"#{feed.pk} " in out and "1 seen, 1 ingested, 0 failed" in out


@pytest.mark.django_db
def test_feeds_poll_names_a_feed_that_cannot_be_read(server, no_broker, capsys):
    call_command("feeds", "add", server.url("/missing.xml"))
    call_command("feeds", "poll")
    out = capsys.readouterr().out
    assert "HTTP 404" in out
    assert "last error: " in out


# --- audit export ----------------------------------------------------------------------------------------


@pytest.fixture
def commented():
    editor = EditorFactory(username="ed")
    claim = ClaimFactory()
    workflow.claim_comment(claim=claim, user=editor, text="first")
    workflow.claim_comment(claim=ClaimFactory(), user=EditorFactory(username="other"), text="elsewhere")
    return claim


@pytest.mark.django_db
def test_audit_export_json_to_standard_output_for_one_claim(commented, capsys):
    call_command("audit", "export", "--claim", str(commented.pk))
    rows = json.loads(capsys.readouterr().out)
    assert [(r["actor"], r["object_type"], r["object_id"]) for r in rows] == [("ed", "claim", str(commented.pk))]
    assert rows[0]["door"] == "command" and len(rows[0]["hash"]) == 64


@pytest.mark.django_db
def test_audit_export_csv_to_a_file_filtered_by_actor(commented, tmp_path):
    out = tmp_path / "audit.csv"
    call_command("audit", "export", "--format", "csv", "--user", "other", "-o", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["actor"] for r in rows] == ["other"]
    assert json.loads(rows[0]["changes"])  # the changes column is JSON text


@pytest.mark.django_db
def test_audit_export_with_a_bad_date_is_refused_with_the_reason(commented):
    with pytest.raises(CommandError, match="since"):
        call_command("audit", "export", "--since", "yesterday")


@pytest.mark.django_db
def test_audit_on_behalf_of_a_reviewer_is_refused(commented):
    reviewer = ReviewerFactory()
    with pytest.raises(CommandError, match=f"only editors can read the audit trail; {reviewer.username} is a reviewer"):
        call_command("audit", "export", "--as-user", reviewer.username)
