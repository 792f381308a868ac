"""Articles from the web, as the desk sees them: following feeds and adding links (each one URL, one
row), retrying, pausing and removing, and the reads the doors share. Each write runs in one
transaction with its audit record (the chain lock first); the fetching and polling themselves are
background stages (``claims.processing.fetch``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from . import permissions, web
from .audit import audit_record, diff, lock_chain
from .errors import InvalidInput, InvalidTransition, NotFound
from .ingestion import clean_url
from .models import Feed, Link
from .processing import sender

log = logging.getLogger(__name__)


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- links ------------------------------------------------------------------------------------------


def link_add(*, url, user=None, batch: str = "", queue: bool = True) -> tuple[Link, bool]:
    """The link for ``url``, stored and queued for fetching unless it is known: one URL, one link.

    Refuses (``InvalidInput``) anything but an http(s) URL; editors only (``INGEST``).
    """
    if user is not None:
        permissions.check(user, permissions.INGEST)
    url = clean_url(url)
    if not url:
        raise InvalidInput("url is missing")
    with transaction.atomic():
        lock_chain()
        link, created = link_get_or_create(url=url, user=user, batch=batch, feed=None)
    if created and queue:
        transaction.on_commit(lambda: sender.link_queue(link_id=link.pk))
    return link, created


def link_get_or_create(*, url, user, batch, feed) -> tuple[Link, bool]:
    """Inside the caller's transaction (chain lock held): the link for ``url`` and whether it is new."""
    key = web.url_key(url)
    existing = Link.objects.filter(url_key=key).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            link = Link.objects.create(url=url, url_key=key, feed=feed, batch=batch, created_by=_user(user))
    except IntegrityError:  # stored a moment ago by someone else (SQLite has no row locks to wait on)
        return Link.objects.get(url_key=key), False
    audit_record(actor=user, action="link.add", obj=link,
                 changes=diff({}, {"url": url, "feed": feed.pk if feed else None, "batch": batch}))
    return link, True


@dataclass
class LinksAdded:
    batch: str
    links: list
    new: int
    known: int


def links_add(*, urls, user=None, queue: bool = True) -> LinksAdded:
    """Several links added together (one batch, to follow their progress), each as ``link_add`` does.

    Every URL is checked before any is stored: one bad address refuses the lot (``InvalidInput``,
    naming it), so nothing is half added. Editors only (``INGEST``)."""
    if user is not None:
        permissions.check(user, permissions.INGEST)
    cleaned = [u for u in (clean_url(u) for u in urls) if u]
    if not cleaned:
        raise InvalidInput("give at least one link")
    batch = new_batch()
    with transaction.atomic():
        links = [link_add(url=u, user=user, batch=batch, queue=queue) for u in cleaned]
    new = sum(created for _, created in links)
    return LinksAdded(batch=batch, links=[link for link, _ in links], new=new, known=len(links) - new)


def links_retry(*, link_ids, user=None) -> int:
    """Send failed links to be fetched again; the number re-queued. Only ``failed`` links are touched
    (a queued, fetching or ingested one is left as it is); each retry is audited (``link.retry``) with
    the error it clears, and its attempts start again from zero. Editors only (``INGEST``)."""
    if user is not None:
        permissions.check(user, permissions.INGEST)
    retried = []
    with transaction.atomic():
        lock_chain()
        for link in Link.objects.select_for_update().filter(pk__in=list(link_ids), status=Link.Status.FAILED):
            before = {"status": link.status, "error": link.error, "attempts": link.attempts}
            link.status, link.error, link.attempts = Link.Status.QUEUED, "", 0
            link.lease_owner, link.lease_expires, link.queued_at = "", None, None
            link.save(update_fields=["status", "error", "attempts", "lease_owner", "lease_expires", "queued_at"])
            audit_record(actor=user, action="link.retry", obj=link,
                         changes=diff(before, {"status": link.status, "error": "", "attempts": 0}))
            retried.append(link.pk)
    for pk in retried:
        transaction.on_commit(lambda pk=pk: sender.link_queue(link_id=pk))
    return len(retried)


# --- feeds ------------------------------------------------------------------------------------------


def feed_add(*, url, title: str = "", user=None, queue: bool = True) -> tuple[Feed, bool]:
    """Follow a feed (one per URL) and poll it once the transaction commits. Editors only (``INGEST``)."""
    if user is not None:
        permissions.check(user, permissions.INGEST)
    url = clean_url(url)
    if not url:
        raise InvalidInput("url is missing")
    key = web.url_key(url)
    existing = Feed.objects.filter(url_key=key).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            lock_chain()
            feed = Feed.objects.create(url=url, url_key=key, title=(title or "").strip()[:300],
                                       created_by=_user(user))
            audit_record(actor=user, action="feed.add", obj=feed, changes=diff({}, {"url": url, "title": feed.title}))
    except IntegrityError:
        return Feed.objects.get(url_key=key), False
    if queue:
        transaction.on_commit(lambda: sender.feed_queue(feed_id=feed.pk))
    return feed, True


def feeds_poll_now(*, feed_ids, user=None) -> tuple[int, int]:
    """Poll these feeds now, whether due or not (the lease still keeps a running poll out): the
    numbers of feeds sent and of paused ones left alone. Editors only (``INGEST``)."""
    if user is not None:
        permissions.check(user, permissions.INGEST)
    feeds = dict(Feed.objects.filter(pk__in=list(feed_ids)).values_list("pk", "active"))
    active = [pk for pk, on in feeds.items() if on]
    for pk in active:
        transaction.on_commit(lambda pk=pk: sender.feed_queue(feed_id=pk))
    return len(active), len(feeds) - len(active)


def feeds_set_active(*, feed_ids, active: bool, user=None) -> int:
    """Pause (``active=False``) or resume feeds; the number changed. A paused feed is never polled
    (beat and "poll now" pass it by); its items and links stay. Audited (``feed.pause`` /
    ``feed.resume``). Editors only (``INGEST``)."""
    if user is not None:
        permissions.check(user, permissions.INGEST)
    changed = 0
    with transaction.atomic():
        lock_chain()
        for feed in Feed.objects.select_for_update().filter(pk__in=list(feed_ids)).exclude(active=active):
            feed.active = active
            feed.save(update_fields=["active"])
            audit_record(actor=user, action="feed.resume" if active else "feed.pause", obj=feed,
                         changes=diff({"active": not active}, {"active": active}))
            changed += 1
    return changed


def feed_remove(*, feed_id: int, user=None) -> dict:
    """Stop following a feed for good: its row and its list of items seen go; nothing it brought in
    does. Its links keep their status, batch (``feed-<id>``) and article, with ``feed`` emptied;
    articles and claims are untouched. Refused while a poll holds the feed (``InvalidTransition``).
    Audited (``feed.remove``, with the URL and what was kept). Editors only (``INGEST``)."""
    if user is not None:
        permissions.check(user, permissions.INGEST)
    with transaction.atomic():
        lock_chain()
        feed = Feed.objects.select_for_update().filter(pk=feed_id).first()
        if feed is None:
            raise NotFound(f"feed {feed_id} does not exist")
        if feed.lease_expires and feed.lease_expires > timezone.now():
            raise InvalidTransition(f"feed {feed.pk} is being polled right now; remove it once the poll is done")
        kept = {"url": feed.url, "title": feed.title, "items": feed.items.count(),
                "links_kept": Link.objects.filter(feed=feed).update(feed=None)}
        audit_record(actor=user, action="feed.remove", obj=feed, changes=diff({}, kept))
        feed.delete()  # its FeedItems go with it (the links stay, PROTECTed from them)
    return kept


# --- reads shared by the admin, the API and the command ----------------------------------------------


def feed_list_with_stats():
    """Feeds with their progress: items seen, ingested (article stored), failed, still pending."""
    return Feed.objects.annotate(
        items_seen=Count("items", distinct=True),
        items_ingested=Count("items", filter=Q(items__link__status=Link.Status.DONE), distinct=True),
        items_failed=Count("items", filter=Q(items__link__status=Link.Status.FAILED), distinct=True),
        items_pending=Count("items", filter=Q(items__link__status__in=[Link.Status.QUEUED, Link.Status.FETCHING]),
                            distinct=True),
    )


def link_progress(*, batch: str) -> dict:
    """How far a batch of links (an import, or a feed's links: ``feed-<id>``) has come, per status."""
    counts = dict(Link.objects.filter(batch=batch).values_list("status").annotate(n=Count("id")))
    return {s: counts.get(s, 0) for s in Link.Status.values} | {"total": sum(counts.values())}


def new_batch() -> str:
    return uuid.uuid4().hex[:12]
