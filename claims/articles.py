"""Articles: the writes a person (or a link, a feed, the command line) makes on an article as a whole.

Ingest (validate, store once by content hash, queue its processing after commit), re-queue it, correct
what the machine got wrong about it (title, date, outlet), and process it in the calling process
(``ingest --sync``, the demo) through the same stages as the workers (``claims.processing``). Each write
runs in one transaction with its audit record.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from . import permissions
from .audit import audit_record, diff, lock_chain
from .errors import InvalidInput, InvalidTransition
from .ingestion import clean_body, clean_url, content_hash, looks_like_html, page_article, title_from_body
from .models import Article
from .processing import extraction, matching, sender

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    article: Article
    created: bool
    queue_error: str = ""

    @property
    def duplicate(self) -> bool:
        return not self.created


def _parse_published(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:  # well-formed but impossible ("2023-02-30", "T25:00") raises ValueError
        parsed = parse_date(text)
        if parsed is None:
            stamp = parse_datetime(text)
            parsed = stamp.date() if stamp else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(f"published must be a date like 2023-03-13, got {value!r}")
    return parsed


def article_validate(*, body=None, title=None, source="", url="", published=None, html=None, byline="",
                     raw_html="") -> dict:
    """Clean and check an article's fields without writing anything.

    Refuses binary or non-UTF-8 data, an empty body (whitespace or markup only), a body over the
    size limit, a malformed URL or date. A web page (``html``, or a body that looks like HTML) is
    reduced to its article by ``ingestion.page_article`` (trafilatura): its title, outlet, canonical
    URL and date fill the fields left empty, and the page is kept as ``raw_html``. (A body already
    extracted comes back with its ``raw_html`` and ``byline``: validated fields pass through unchanged.)
    """
    byline, raw_html = (byline or "").strip()[:300], raw_html or ""
    name, pasted = "page", False
    if (html is None and not raw_html and body is not None and not isinstance(body, (bytes, bytearray))
            and looks_like_html(str(body))):
        # The user pasted markup as the body: name it as they know it, and keep (nearly) all of it.
        html, name, pasted = body, "article body", True
    if html is not None:
        page = page_article(html, max_chars=settings.CLAIMDESK_MAX_ARTICLE_CHARS,
                            max_page_chars=settings.CLAIMDESK_FETCH_MAX_BYTES, url=url or "", name=name,
                            pasted=pasted)
        clean, byline = page.body, page.byline
        raw_html = html.decode("utf-8", errors="replace") if isinstance(html, (bytes, bytearray)) else html
        title = (title or "").strip() or page.title
        source = (source or "").strip() or page.outlet
        url = (url or "").strip() or (page.url if page.url.startswith(("http://", "https://")) else "")
        published = published or page.published or None
    else:
        clean = clean_body(body, max_chars=settings.CLAIMDESK_MAX_ARTICLE_CHARS)
    title = (title or "").strip() or title_from_body(clean)
    if len(title) > 500:
        raise InvalidInput("title is too long (500 characters at most)")
    return {
        "title": title,
        "body": clean,
        "source": (source or "").strip()[:200],
        "url": clean_url(url),
        "published": _parse_published(published),
        "byline": byline,
        "raw_html": raw_html,
    }


def article_ingest(*, body=None, title=None, source="", url="", published=None, user=None, queue=True,
                   html=None, byline="", raw_html="") -> IngestResult:
    """Store an article once (a normalised content hash) and queue its processing after commit.

    The same body twice returns the existing article with ``created=False``: a duplicate, not an
    error. Processing is queued only when the transaction commits; if the broker is down the
    article is kept (status ``queued``) and ``queue_error`` says why.
    """
    if user is not None:
        permissions.check(user, permissions.INGEST)
    fields = article_validate(body=body, title=title, source=source, url=url, published=published, html=html,
                              byline=byline, raw_html=raw_html)
    digest = content_hash(fields["body"])
    existing = Article.objects.filter(content_hash=digest).first()
    if existing:
        return IngestResult(existing, created=False)
    result = IngestResult(None, created=True)
    try:
        with transaction.atomic():
            article = Article.objects.create(content_hash=digest, created_by=user if _is_user(user) else None, **fields)
            audit_record(
                actor=user,
                action="article.ingest",
                obj=article,
                changes=diff({}, {k: v for k, v in fields.items() if k not in ("body", "raw_html")}
                             | {"chars": len(fields["body"])} | ({"html_chars": len(fields["raw_html"])}
                                                                if fields["raw_html"] else {})),
            )
            if queue:
                transaction.on_commit(lambda: _on_commit_queue(article.pk, result))
    except IntegrityError:
        # Someone stored the same body a moment ago.
        existing = Article.objects.filter(content_hash=digest).first()
        if existing is None:
            raise
        return IngestResult(existing, created=False)
    result.article = article
    if result.queue_error:
        article.refresh_from_db()
    return result


def _is_user(user):
    return user is not None and getattr(user, "is_authenticated", False)


def _on_commit_queue(article_id, result: IngestResult | None = None):
    error = sender.article_queue(article_id=article_id)
    if result is not None:
        result.queue_error = error


def article_requeue(*, article, user=None) -> str:
    """Process an article again: extraction reconciles its claims by span, keeping every claim that
    someone has worked on (see ``_claims_reconcile``).

    Refused while a worker holds the article (extracting or matching under a live lease); an
    article whose worker died (lease expired) may be re-queued at once.
    """
    if user is not None:
        permissions.check(user, permissions.INGEST)
    with transaction.atomic():
        lock_chain()
        locked = Article.objects.select_for_update().get(pk=article.pk)
        in_flight = locked.status in (Article.Status.EXTRACTING, Article.Status.MATCHING)
        if in_flight and locked.lease_expires and locked.lease_expires > timezone.now():
            raise InvalidTransition(
                f"article {locked.pk} is being processed right now ({locked.get_status_display().lower()}); "
                "re-queue it once it is done or failed")
        before = {"status": locked.status, "error": locked.error, "attempts": locked.attempts}
        locked.status = Article.Status.QUEUED
        locked.error = ""
        locked.lease_owner, locked.lease_expires, locked.attempts, locked.queued_at = "", None, 0, None
        locked.save(update_fields=["status", "error", "lease_owner", "lease_expires", "attempts", "queued_at"])
        audit_record(actor=user, action="article.requeue", obj=locked,
                     changes=diff(before, {"status": locked.status, "error": "", "attempts": 0}))
    return sender.article_queue(article_id=locked.pk)


def article_correct(*, article: Article, user, title: str | None = None, published: dt.date | None | str = "keep"
                    ) -> Article:
    """Correct an article's title or publication date (editors only), audited."""
    permissions.check(user, permissions.CORRECT_ARTICLE)
    if title is not None:
        title = " ".join(title.split())[:500]
        if not title:
            raise InvalidInput("the title cannot be empty")
    if published not in ("keep", None) and not isinstance(published, dt.date):
        raise InvalidInput("published must be a date")
    with transaction.atomic():
        lock_chain()
        locked = Article.objects.select_for_update().get(pk=article.pk)
        before = {"title": locked.title, "published": locked.published}
        if title is not None:
            locked.title = title
        if published != "keep":
            locked.published = published
        changes = diff(before, {"title": locked.title, "published": locked.published})
        if changes:
            locked.save(update_fields=["title", "published"])
            audit_record(actor=user, action="article.correct", obj=locked, changes=changes)
    article.refresh_from_db()
    return article


def article_process_sync(*, article_id) -> Article:
    """Extract and match in the calling process, through the same code as the tasks."""
    extraction.article_extract(article_id=article_id)
    matching.article_match(article_id=article_id)
    return Article.objects.get(pk=article_id)


