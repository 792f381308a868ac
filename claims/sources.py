"""Articles from the web: links fetched by a worker, feeds polled by Celery beat. Writes and the reads
the doors share, each write in one transaction with its audit record (the chain lock first).

- A **link** (``Link``, one per URL) is fetched by ``claims.fetch_link`` under a lease, like an
  article's stages: a redelivered task finds it taken and does nothing, an expired lease is taken
  over, and ``links_sweep`` (from the ``claims.poll_feeds`` beat task) sends again a link whose
  message was lost and fails one whose worker stopped ``CLAIMDESK_MAX_ATTEMPTS`` times. Every
  failure (refused address, timeout, size, content type, HTTP error, no article text) ends the
  link ``failed`` with the reason. The page goes through ``services.article_ingest``, so the same
  page reached by two links is still one article.
- A **feed** (``Feed``) is polled at most every ``CLAIMDESK_FEED_POLL_SECONDS`` under its own lease,
  with ``If-None-Match``/``If-Modified-Since`` from the last answer. Each item is stored once
  (``FeedItem``, unique per feed and item id) with its link in the same transaction, so restarts,
  a second beat or a poll that overlaps another never ingest an item twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from . import permissions, processing, web
from .audit import audit_record, diff, lock_chain
from .errors import ClaimdeskError, InvalidInput, InvalidTransition, NotFound
from .ingestion import clean_url
from .models import Feed, FeedItem, Link

log = logging.getLogger(__name__)


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _fetch(url: str, **kwargs) -> web.Fetched:
    return web.fetch(url, timeout=settings.CLAIMDESK_FETCH_TIMEOUT_SECONDS,
                     max_bytes=settings.CLAIMDESK_FETCH_MAX_BYTES,
                     max_redirects=settings.CLAIMDESK_FETCH_MAX_REDIRECTS,
                     allowed_networks=settings.CLAIMDESK_FETCH_ALLOWED_NETWORKS, **kwargs)


def _lease_until():
    return timezone.now() + dt.timedelta(seconds=processing.lease_seconds())


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
        link, created = _link_get_or_create(url=url, user=user, batch=batch, feed=None)
    if created and queue:
        transaction.on_commit(lambda: link_queue(link_id=link.pk))
    return link, created


def _link_get_or_create(*, url, user, batch, feed) -> tuple[Link, bool]:
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
        transaction.on_commit(lambda pk=pk: link_queue(link_id=pk))
    return len(retried)


def link_queue(*, link_id: int) -> str:
    """Send a queued link to the workers; "" or the reason it could not be sent (the sweep retries)."""
    from .tasks import fetch_link

    try:
        fetch_link.apply_async(args=[link_id], retry=True, retry_policy={"max_retries": 2, "interval_start": 0,
                                                                          "interval_step": 0.5, "interval_max": 1})
    except Exception as exc:  # the broker is down: keep the link, the sweep sends it later
        message = f"could not queue for fetching, the broker is unavailable ({exc.__class__.__name__}: {exc})"
        Link.objects.filter(pk=link_id, status=Link.Status.QUEUED).update(error=message, queued_at=None)
        return message
    Link.objects.filter(pk=link_id, status=Link.Status.QUEUED).update(error="", queued_at=timezone.now())
    return ""


def _link_take(link_id: int, owner: str) -> bool:
    now = timezone.now()
    row = Link.objects.filter(pk=link_id).values("status", "attempts", "lease_expires").first()
    if row is None or row["status"] in (Link.Status.DONE, Link.Status.FAILED):
        return False
    if row["status"] == Link.Status.FETCHING and row["lease_expires"] and row["lease_expires"] > now:
        return False  # live work: never taken twice
    if row["attempts"] >= settings.CLAIMDESK_MAX_ATTEMPTS:
        _link_end(link_id, expected=Q(status=row["status"]), status=Link.Status.FAILED,
                  error=f"the worker fetching it stopped each time ({row['attempts']} attempts)")
        return False
    return Link.objects.filter(pk=link_id, status=row["status"], attempts=row["attempts"]).update(
        status=Link.Status.FETCHING, lease_owner=owner, lease_expires=_lease_until(),
        attempts=F("attempts") + 1) == 1


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
    """Fetch a link's page and ingest it (``services.article_ingest``); True when this call finished it.

    Runs under the link's lease. HTML pages go through trafilatura, plain text as it is; everything
    that goes wrong ends the link ``failed`` with the reason a person can act on.
    """
    from . import services

    owner = owner or processing.new_owner()
    if not _link_take(link_id, owner):
        return False
    link = Link.objects.get(pk=link_id)
    mine = Q(status=Link.Status.FETCHING, lease_owner=owner)
    try:
        fetched = _fetch(link.url)
        text = web.decode_page(fetched)
        if fetched.content_type in web.HTML_TYPES:
            result = services.article_ingest(html=text, url=link.url, user=None)
        else:
            result = services.article_ingest(body=text, url=link.url, user=None)
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


def links_sweep() -> dict:
    """Links a dead worker or a lost message left behind: an expired lease goes back to the queue
    (or ``failed`` past ``CLAIMDESK_MAX_ATTEMPTS``), and a link waiting unsent, or sent more than
    ``CLAIMDESK_RESEND_AFTER_SECONDS`` ago, is sent again (a duplicate message finds it taken)."""
    now = timezone.now()
    returned = failed = resent = 0
    for link in Link.objects.filter(status=Link.Status.FETCHING, lease_expires__lt=now):
        if link.attempts >= settings.CLAIMDESK_MAX_ATTEMPTS:
            failed += _link_end(link.pk, expected=Q(status=Link.Status.FETCHING, lease_owner=link.lease_owner),
                                status=Link.Status.FAILED,
                                error=f"the worker fetching it stopped each time ({link.attempts} attempts)")
        else:
            returned += Link.objects.filter(pk=link.pk, status=Link.Status.FETCHING,
                                            lease_owner=link.lease_owner).update(
                status=Link.Status.QUEUED, lease_owner="", lease_expires=None, queued_at=None)
    stale = now - dt.timedelta(seconds=settings.CLAIMDESK_RESEND_AFTER_SECONDS)
    for pk in Link.objects.filter(Q(queued_at__isnull=True) | Q(queued_at__lt=stale),
                                  status=Link.Status.QUEUED).values_list("pk", flat=True)[:500]:
        resent += not link_queue(link_id=pk)
    return {"returned": returned, "failed": failed, "resent": resent}


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
        transaction.on_commit(lambda: _feed_queue(feed.pk))
    return feed, True


def _feed_queue(feed_id):
    from .tasks import poll_feed

    try:
        poll_feed.delay(feed_id)
    except Exception as exc:  # beat polls it on its next round
        log.warning("feed %s: could not queue its poll (%s)", feed_id, exc)


def feeds_poll_now(*, feed_ids, user=None) -> tuple[int, int]:
    """Poll these feeds now, whether due or not (the lease still keeps a running poll out): the
    numbers of feeds sent and of paused ones left alone. Editors only (``INGEST``)."""
    if user is not None:
        permissions.check(user, permissions.INGEST)
    feeds = dict(Feed.objects.filter(pk__in=list(feed_ids)).values_list("pk", "active"))
    active = [pk for pk, on in feeds.items() if on]
    for pk in active:
        transaction.on_commit(lambda pk=pk: _feed_queue(pk))
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


@dataclass
class PollResult:
    polled: bool
    status: str = ""
    new_items: int = 0
    error: str = ""


def _feed_take(feed_id: int, owner: str, *, force: bool) -> bool:
    now = timezone.now()
    free = Q(lease_expires__isnull=True) | Q(lease_expires__lt=now)
    due = Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now - dt.timedelta(
        seconds=settings.CLAIMDESK_FEED_POLL_SECONDS))
    qs = Feed.objects.filter(free, pk=feed_id, active=True)
    if not force:
        qs = qs.filter(due)
    return qs.update(lease_owner=owner, lease_expires=_lease_until()) == 1


def feed_poll(*, feed_id: int, owner: str | None = None, force: bool = False) -> PollResult:
    """Poll one feed (when due, or ``force``) under its lease and store its new items, each once.

    A conditional request (the last ``ETag``/``Last-Modified``); a 304 stores nothing. New items are
    stored with their links in one transaction and the links are queued after it commits; an item
    already stored for this feed is skipped, so two pollers, restarts and re-served items never add
    one twice. Errors are kept on the feed (``last_error``) and the next poll tries again.
    """
    owner = owner or processing.new_owner()
    if not _feed_take(feed_id, owner, force=force):
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
        link_queue(link_id=pk)
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
            link, created = _link_get_or_create(url=url, user=None, batch=f"feed-{feed.pk}", feed=feed)
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
    free = Q(lease_expires__isnull=True) | Q(lease_expires__lt=now)
    return list(Feed.objects.filter(due, free, active=True).values_list("pk", flat=True))


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
