"""The web stages: a link's page fetched and ingested, a feed polled, each under its lease
(``claims.processing.leases``).

- A **link** (``Link``, one per URL) is fetched by ``claims.fetch_link`` under a lease, like an
  article's stages: a redelivered task finds it taken and does nothing, a lapsed lease is taken over
  (audited), and the sweep sends again a link whose message was lost and fails one whose worker
  stopped ``CLAIMDESK_MAX_ATTEMPTS`` times. Every failure (refused address, timeout, size, content
  type, HTTP error, no article text) ends the link ``failed`` with the reason. The page goes through
  ``claims.articles.article_ingest``, so the same page reached by two links is still one article.
- A **feed** (``Feed``) is polled at most every ``CLAIMDESK_FEED_POLL_SECONDS`` under its own lease,
  with ``If-None-Match``/``If-Modified-Since`` from the last answer. Each item is stored once
  (``FeedItem``, unique per feed and item id) with its link in the same transaction, so restarts,
  a second beat or a poll that overlaps another never ingest an item twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .. import articles, sources, web
from ..audit import audit_record, diff, lock_chain
from ..errors import ClaimdeskError, InvalidInput
from ..ingestion import clean_url
from ..models import Feed, FeedItem, Link
from . import leases, sender
from .leases import LINKS

log = logging.getLogger(__name__)


def _fetch(url: str, **kwargs) -> web.Fetched:
    return web.fetch(url, timeout=settings.CLAIMDESK_FETCH_TIMEOUT_SECONDS,
                     max_bytes=settings.CLAIMDESK_FETCH_MAX_BYTES,
                     max_redirects=settings.CLAIMDESK_FETCH_MAX_REDIRECTS,
                     allowed_networks=settings.CLAIMDESK_FETCH_ALLOWED_NETWORKS, **kwargs)


def _link_end(link_id: int, *, expected: Q, status: str, error: str = "", article=None, final_url: str = "") -> bool:
    with transaction.atomic():
        lock_chain()
        link = Link.objects.select_for_update().filter(Q(pk=link_id) & expected).first()
        if link is None:
            return False
        before = {"status": link.status, "error": link.error, "article": link.article_id}
        link.status, link.error = status, error[:2000]
        link.article = article if article is not None else link.article
        link.final_url = final_url[:2000] or link.final_url
        link.fetched_at = timezone.now()
        link.lease_owner, link.lease_expires = "", None
        link.save(update_fields=["status", "error", "article", "final_url", "fetched_at", "lease_owner",
                                 "lease_expires"])
        audit_record(actor=None, action="link.fetch", obj=link,
                     changes=diff(before, {"status": status, "error": link.error, "article": link.article_id}))
    return True


def link_fetch(*, link_id: int, owner: str | None = None) -> bool:
    """Fetch a link's page and ingest it (``claims.articles.article_ingest``); True when this call finished it.

    Runs under the link's lease. HTML pages go through trafilatura, plain text as it is; everything
    that goes wrong ends the link ``failed`` with the reason a person can act on.
    """
    owner = owner or leases.new_owner()
    if not LINKS.take(link_id, waiting=Link.Status.QUEUED, owner=owner):
        return False
    link = Link.objects.get(pk=link_id)
    mine = Q(status=Link.Status.FETCHING, lease_owner=owner)
    try:
        fetched = _fetch(link.url)
        text = web.decode_page(fetched)
        if fetched.content_type in web.HTML_TYPES:
            result = articles.article_ingest(html=text, url=link.url, user=None)
        else:
            result = articles.article_ingest(body=text, url=link.url, user=None)
    except (web.FetchError, ClaimdeskError) as exc:
        reason = getattr(exc, "message", None) or str(exc)
        return _link_end(link_id, expected=mine, status=Link.Status.FAILED, error=reason)
    except Exception as exc:  # a bug must still end the link with a reason, not leave it fetching
        log.exception("link %s: fetch failed", link_id)
        return _link_end(link_id, expected=mine, status=Link.Status.FAILED,
                         error=f"unexpected error: {exc.__class__.__name__}: {exc}")
    return _link_end(link_id, expected=mine, status=Link.Status.DONE, article=result.article,
                     final_url=fetched.url if fetched.url != link.url else "",
                     error="" if result.created else f"same text as article #{result.article.pk}, already stored")


# --- feeds ------------------------------------------------------------------------------------------


@dataclass
class PollResult:
    polled: bool
    status: str = ""
    new_items: int = 0
    error: str = ""


def feed_poll(*, feed_id: int, owner: str | None = None, force: bool = False) -> PollResult:
    """Poll one feed (when due, or ``force``) under its lease and store its new items, each once.

    A conditional request (the last ``ETag``/``Last-Modified``); a 304 stores nothing. New items are
    stored with their links in one transaction and the links are queued after it commits; an item
    already stored for this feed is skipped, so two pollers, restarts and re-served items never add
    one twice. Errors are kept on the feed (``last_error``) and the next poll tries again.
    """
    owner = owner or leases.new_owner()
    if not leases.feed_take(feed_id, owner, force=force):
        return PollResult(polled=False)
    feed = Feed.objects.get(pk=feed_id)
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    new_links: list[int] = []
    result = PollResult(polled=True)
    update = {}
    try:
        fetched = _fetch(feed.url, headers=headers, accept=web.FEED_TYPES + web.HTML_TYPES + web.TEXT_TYPES)
        if fetched.not_modified:
            result.status = "not modified (304)"
        else:
            parsed = web.parse_feed(fetched.body, base_url=fetched.url)
            if parsed.error:
                raise web.FetchError(parsed.error)
            lower = {k.lower(): v for k, v in fetched.headers.items()}
            update = {"etag": (lower.get("etag") or "")[:500], "last_modified": (lower.get("last-modified") or "")[:100]}
            if parsed.title and not feed.title:
                update["title"] = parsed.title
            new_links = _feed_items_store(feed, parsed.entries)
            result.new_items = len(new_links)
            result.status = f"{len(parsed.entries)} items, {result.new_items} new"
    except (web.FetchError, ClaimdeskError) as exc:
        result.error = getattr(exc, "message", None) or str(exc)
        result.status = "failed"
    except Exception as exc:
        log.exception("feed %s: poll failed", feed_id)
        result.error, result.status = f"unexpected error: {exc.__class__.__name__}: {exc}", "failed"
    Feed.objects.filter(pk=feed_id, lease_owner=owner).update(
        last_polled_at=timezone.now(), last_status=result.status[:100], last_error=result.error[:2000],
        lease_owner="", lease_expires=None, **update)
    for pk in new_links:
        sender.link_queue(link_id=pk)
    return result


def _feed_items_store(feed: Feed, entries) -> list[int]:
    """Store the entries this feed has not shown before; the ids of the links that are new."""
    keys = {hashlib.sha256(e.key.encode("utf-8")).hexdigest(): e for e in entries}
    known = set(FeedItem.objects.filter(feed=feed, key__in=list(keys)).values_list("key", flat=True))
    fresh = [(k, e) for k, e in keys.items() if k not in known]
    if not fresh:
        return []
    new_links = []
    with transaction.atomic():
        lock_chain()
        added = 0
        for key, entry in fresh:
            try:
                url = clean_url(entry.url)
            except InvalidInput:
                continue
            if not url:
                continue
            link, created = sources.link_get_or_create(url=url, user=None, batch=f"feed-{feed.pk}", feed=feed)
            try:
                with transaction.atomic():
                    FeedItem.objects.create(feed=feed, key=key, guid=entry.key, title=entry.title, link=link)
            except IntegrityError:  # another poller stored it a moment ago
                continue
            added += 1
            if created:
                new_links.append(link.pk)
        if added:
            audit_record(actor=None, action="feed.poll", obj=feed, changes={"items": [None, added],
                                                                          "links": [None, len(new_links)]})
    return new_links


def feeds_poll_due() -> list[int]:
    """The active feeds due for a poll (their last poll older than ``CLAIMDESK_FEED_POLL_SECONDS``)."""
    now = timezone.now()
    due = Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now - dt.timedelta(
        seconds=settings.CLAIMDESK_FEED_POLL_SECONDS))
    free = leases.feed_free_q(now)
    return list(Feed.objects.filter(due, free, active=True).values_list("pk", flat=True))
