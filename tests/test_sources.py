"""Links and feeds end to end against a local HTTP server: fetch under a lease, the guard, failures
with reasons, conditional polls, items ingested once."""

import datetime as dt

import pytest
from django.utils import timezone

from claims import sources
from claims.audit import audit_verify
from claims.models import Article, AuditRecord, Feed, FeedItem, Link
from claims.processing import fetching, sender, sweep

from .factories import EditorFactory, ReviewerFactory
from .webserver import LocalServer, article_html, rss

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(settings):
    settings.CLAIMDESK_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # the test server, and nothing else
    settings.CLAIMDESK_FETCH_TIMEOUT_SECONDS = 2
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def no_broker(monkeypatch):
    sent = []

    def queue(*, link_id):  # as the real one does, without a broker
        sent.append(link_id)
        Link.objects.filter(pk=link_id, status=Link.Status.QUEUED).update(queued_at=timezone.now())
        return ""

    monkeypatch.setattr(sender, "link_queue", queue)
    return sent


def test_a_link_is_fetched_and_ingested_with_the_page_kept(server, no_broker):
    server.page("/story", article_html())
    link, created = sources.link_add(url=server.url("/story"), user=EditorFactory())
    assert created
    assert fetching.link_fetch(link_id=link.pk)
    link.refresh_from_db()
    assert link.status == Link.Status.DONE and link.error == ""
    article = link.article
    assert article.raw_html.startswith("<!doctype html>")
    assert "Repairs will cost 12 million euros" in article.body and "Share this article" not in article.body
    assert (article.source, article.byline, str(article.published)) == ("Port Alder Gazette", "Mira Tanaka",
                                                                         "2024-03-12")
    assert article.url == server.url("/story")
    assert audit_verify().broken is None
    assert AuditRecord.objects.filter(action="link.fetch", object_id=str(link.pk)).exists()


def test_the_same_url_twice_is_one_link_and_one_article(server, no_broker):
    server.page("/story", article_html())
    first, _ = sources.link_add(url=server.url("/story"))
    again, created = sources.link_add(url=server.url("/story#comments"))
    assert (again.pk, created) == (first.pk, False)
    assert fetching.link_fetch(link_id=first.pk)
    assert not fetching.link_fetch(link_id=first.pk)  # a redelivered message does nothing
    assert Article.objects.count() == 1 and len(server.requests) == 1


def test_a_live_lease_keeps_a_second_worker_out_and_an_expired_one_is_taken_over(server, no_broker):
    server.page("/story", article_html())
    link, _ = sources.link_add(url=server.url("/story"))
    Link.objects.filter(pk=link.pk).update(status=Link.Status.FETCHING, lease_owner="gone",
                                           lease_expires=timezone.now() + dt.timedelta(seconds=60), attempts=1)
    assert not fetching.link_fetch(link_id=link.pk)
    Link.objects.filter(pk=link.pk).update(lease_expires=timezone.now() - dt.timedelta(seconds=1))
    assert fetching.link_fetch(link_id=link.pk)
    assert Link.objects.get(pk=link.pk).status == Link.Status.DONE


def _dead_owner():
    """A lease owner on this machine whose process has ended (a killed pool child)."""
    import socket
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:dead"


def test_a_link_whose_worker_process_is_gone_is_taken_over_at_once_and_the_takeover_audited(server, no_broker):
    server.page("/story", article_html())
    link, _ = sources.link_add(url=server.url("/story"))
    dead = _dead_owner()
    Link.objects.filter(pk=link.pk).update(status=Link.Status.FETCHING, lease_owner=dead,
                                           lease_expires=timezone.now() + dt.timedelta(seconds=600), attempts=1)
    assert fetching.link_fetch(link_id=link.pk)  # the lease is live, but its owner is gone
    record = AuditRecord.objects.get(action="link.lease_takeover", object_id=str(link.pk))
    assert record.changes["lease_owner"][0] == dead and "process is gone" in record.changes["because"][1]
    assert Link.objects.get(pk=link.pk).status == Link.Status.DONE
    assert audit_verify().broken is None


def test_the_link_sweep_hands_back_a_gone_owners_live_lease_and_audits_each_expiry(no_broker):
    live, _ = sources.link_add(url="https://news.example/live", queue=False)
    gone, _ = sources.link_add(url="https://news.example/gone", queue=False)
    soon = timezone.now() + dt.timedelta(seconds=600)
    Link.objects.filter(pk=live.pk).update(status=Link.Status.FETCHING, lease_owner="other-host:1:x",
                                           lease_expires=soon, attempts=1)
    Link.objects.filter(pk=gone.pk).update(status=Link.Status.FETCHING, lease_owner=_dead_owner(),
                                           lease_expires=soon, attempts=1)
    result = sweep.links_sweep()
    assert result["returned"] == 1
    assert Link.objects.get(pk=live.pk).status == Link.Status.FETCHING  # another machine's live work
    assert Link.objects.get(pk=gone.pk).status == Link.Status.QUEUED
    record = AuditRecord.objects.get(action="link.lease_expired", object_id=str(gone.pk))
    assert record.changes["status"] == [Link.Status.FETCHING, Link.Status.QUEUED]


def test_a_feed_whose_poller_process_is_gone_is_polled_again_at_once(server):
    server.page("/feed.xml", rss([]), content_type="application/rss+xml")
    feed, _ = sources.feed_add(url=server.url("/feed.xml"), queue=False)
    Feed.objects.filter(pk=feed.pk).update(lease_owner=_dead_owner(),
                                           lease_expires=timezone.now() + dt.timedelta(seconds=600))
    assert fetching.feed_poll(feed_id=feed.pk, force=True).polled
    assert AuditRecord.objects.filter(action="feed.lease_takeover", object_id=str(feed.pk)).exists()
    Feed.objects.filter(pk=feed.pk).update(lease_owner="other-host:1:x",
                                           lease_expires=timezone.now() + dt.timedelta(seconds=600))
    assert not fetching.feed_poll(feed_id=feed.pk, force=True).polled  # live elsewhere: left alone


def test_the_sweep_returns_expired_leases_fails_after_the_last_attempt_and_resends_lost_messages(settings, no_broker):
    settings.CLAIMDESK_MAX_ATTEMPTS = 2
    past = timezone.now() - dt.timedelta(seconds=5)
    a, _ = sources.link_add(url="https://news.example/a", queue=False)
    b, _ = sources.link_add(url="https://news.example/b", queue=False)
    Link.objects.filter(pk=a.pk).update(status=Link.Status.FETCHING, lease_owner="w1", lease_expires=past, attempts=1)
    Link.objects.filter(pk=b.pk).update(status=Link.Status.FETCHING, lease_owner="w2", lease_expires=past, attempts=2)
    result = sweep.links_sweep()
    assert (result["returned"], result["failed"]) == (1, 1)
    assert Link.objects.get(pk=a.pk).status == Link.Status.QUEUED
    failed = Link.objects.get(pk=b.pk)
    assert failed.status == Link.Status.FAILED and "stopped each time" in failed.error
    assert no_broker == [a.pk]  # returned and unsent: sent again


def test_a_page_that_times_out_ends_failed_with_the_reason(server, settings, no_broker):
    settings.CLAIMDESK_FETCH_TIMEOUT_SECONDS = 0.3
    server.slow("/slow", 1.5)
    link, _ = sources.link_add(url=server.url("/slow"))
    assert fetching.link_fetch(link_id=link.pk)
    link.refresh_from_db()
    assert link.status == Link.Status.FAILED and "timed out" in link.error
    assert Article.objects.count() == 0


def test_a_30_mb_page_ends_failed_as_too_large(server, no_broker):
    server.routes["/big"] = lambda req: (200, {"Content-Type": "text/html", "Content-Length": str(30 * 2**20)},
                                         lambda w: w.write(b"<p>" * 1000))
    link, _ = sources.link_add(url=server.url("/big"))
    fetching.link_fetch(link_id=link.pk)
    link.refresh_from_db()
    assert link.status == Link.Status.FAILED and "too large: 31,457,280 bytes" in link.error


def test_a_redirect_to_a_private_address_ends_failed(server, no_broker):
    server.redirect("/r", "http://192.168.0.10/internal")
    link, _ = sources.link_add(url=server.url("/r"))
    fetching.link_fetch(link_id=link.pk)
    link.refresh_from_db()
    assert link.status == Link.Status.FAILED and "192.168.0.10 is a private address" in link.error


def test_without_the_test_setting_the_local_server_is_refused(server, settings, no_broker):
    settings.CLAIMDESK_FETCH_ALLOWED_NETWORKS = []
    server.page("/story", article_html())
    link, _ = sources.link_add(url=f"http://localhost:{server.port}/story")
    fetching.link_fetch(link_id=link.pk)
    link.refresh_from_db()
    assert link.status == Link.Status.FAILED and "resolves to 127.0.0.1" in link.error and "loopback" in link.error
    assert server.requests == []


def test_only_editors_add_links_and_feeds():
    from claims.errors import NotAllowed

    with pytest.raises(NotAllowed, match="only editors can add articles"):
        sources.link_add(url="https://news.example/a", user=ReviewerFactory())
    with pytest.raises(NotAllowed):
        sources.feed_add(url="https://news.example/feed", user=ReviewerFactory())


def _feed_server(server, items, *, etag='"v1"', modified="Tue, 12 Mar 2024 08:00:00 GMT"):
    def route(req):
        if req.get("If-None-Match") == etag or req.get("If-Modified-Since") == modified:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": etag, "Last-Modified": modified}, \
            rss(items).encode()
    server.routes["/feed.xml"] = route


def test_a_feed_is_polled_with_conditional_requests(server, no_broker):
    _feed_server(server, [("g1", "One", server.url("/1"))])
    feed, _ = sources.feed_add(url=server.url("/feed.xml"), queue=False)
    assert fetching.feed_poll(feed_id=feed.pk).new_items == 1
    feed.refresh_from_db()
    assert (feed.etag, feed.last_modified, feed.title) == ('"v1"', "Tue, 12 Mar 2024 08:00:00 GMT",
                                                           "Port Alder Gazette")
    assert not fetching.feed_poll(feed_id=feed.pk).polled  # not due yet
    again = fetching.feed_poll(feed_id=feed.pk, force=True)
    assert (again.polled, again.new_items, again.status) == (True, 0, "not modified (304)")
    headers = server.requests[-1][1]
    assert headers["If-None-Match"] == '"v1"' and headers["If-Modified-Since"] == "Tue, 12 Mar 2024 08:00:00 GMT"


def test_a_feed_item_seen_twice_is_ingested_once(server, settings, no_broker):
    settings.CLAIMDESK_FEED_POLL_SECONDS = 0
    for n in (1, 2, 3):
        server.page(f"/{n}", article_html(n))
    _feed_server(server, [("g1", "One", server.url("/1")), ("g2", "Two", server.url("/2"))], etag='"v1"')
    feed, _ = sources.feed_add(url=server.url("/feed.xml"), queue=False)
    fetching.feed_poll(feed_id=feed.pk)
    # The feed changes (new ETag) and shows g2 again next to g3; a second poller (another beat) runs too.
    _feed_server(server, [("g2", "Two", server.url("/2")), ("g3", "Three", server.url("/3"))], etag='"v2"',
                 modified="Wed, 13 Mar 2024 08:00:00 GMT")
    assert fetching.feed_poll(feed_id=feed.pk).new_items == 1
    Feed.objects.filter(pk=feed.pk).update(etag="", last_modified="")
    assert fetching.feed_poll(feed_id=feed.pk).new_items == 0
    assert FeedItem.objects.filter(feed=feed).count() == 3
    for pk in list(no_broker):
        fetching.link_fetch(link_id=pk)
        fetching.link_fetch(link_id=pk)  # delivered twice
    assert Article.objects.count() == 3
    stats = sources.feed_list_with_stats().get(pk=feed.pk)
    assert (stats.items_seen, stats.items_ingested, stats.items_failed, stats.items_pending) == (3, 3, 0, 0)
    assert sources.link_progress(batch=f"feed-{feed.pk}")["done"] == 3


def test_a_poll_while_another_holds_the_feed_does_nothing(server, no_broker):
    _feed_server(server, [("g1", "One", server.url("/1"))])
    feed, _ = sources.feed_add(url=server.url("/feed.xml"), queue=False)
    Feed.objects.filter(pk=feed.pk).update(lease_owner="other-beat",
                                           lease_expires=timezone.now() + dt.timedelta(seconds=60))
    assert not fetching.feed_poll(feed_id=feed.pk, force=True).polled
    assert server.requests == [] and fetching.feeds_poll_due() == []


def test_a_feed_that_fails_keeps_the_reason(server, no_broker):
    server.page("/feed.xml", "<html><body><p>not a feed</p></body></html>")
    feed, _ = sources.feed_add(url=server.url("/feed.xml"), queue=False)
    result = fetching.feed_poll(feed_id=feed.pk)
    feed.refresh_from_db()
    assert result.error and feed.last_error.startswith("not a feed") and feed.last_polled_at is not None
    assert feed.lease_owner == ""


def test_the_beat_task_polls_due_feeds_and_sweeps(server, settings, no_broker):
    from claims.tasks import poll_feeds

    _feed_server(server, [("g1", "One", server.url("/1"))])
    feed, _ = sources.feed_add(url=server.url("/feed.xml"), queue=False)
    assert poll_feeds() == {"polled": 1, "returned": 0, "failed": 0, "resent": 0}
    assert FeedItem.objects.filter(feed=feed).count() == 1
    assert poll_feeds()["polled"] == 0  # polled a moment ago: not due


def test_the_feeds_command_adds_polls_and_lists(server, capsys):
    from django.core.management import call_command

    for n in (1, 2):
        server.page(f"/{n}", article_html(n))
    _feed_server(server, [("g1", "One", server.url("/1")), ("g2", "Two", server.url("/2"))])
    call_command("feeds", "add", server.url("/feed.xml"))
    call_command("feeds", "poll", "--sync")
    out = capsys.readouterr().out
    feed = Feed.objects.get()
    assert f"feed #{feed.pk} added" in out and "2 items, 2 new" in out and "2 seen, 2 ingested, 0 failed" in out
    assert Article.objects.count() == 2


def test_the_api_takes_html_and_a_url_and_returns_the_stored_body(server, no_broker):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(EditorFactory())
    posted = client.post("/api/articles/", {"html": article_html(7)}, format="json")
    assert posted.status_code == 202, posted.content
    detail = client.get(f"/api/articles/{posted.json()['id']}/").json()
    assert detail["body"].startswith("Harbour Bridge closed 7") and "Share this article" not in detail["body"]
    assert detail["byline"] == "Mira Tanaka" and detail["source"] == "Port Alder Gazette"
    linked = client.post("/api/articles/", {"url": server.url("/x")}, format="json")
    assert linked.status_code == 202 and linked.json()["status"] == "queued"
    again = client.post("/api/articles/", {"url": server.url("/x")}, format="json")
    assert (again.status_code, again.json()["link"]) == (200, linked.json()["link"])
    assert client.get(f"/api/links/{linked.json()['link']}/").json()["status"] == "queued"
