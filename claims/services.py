"""Writes for articles: ingestion and processing (extraction, matching). Each runs in one
transaction that also writes its audit record. The review workflow lives in ``claims.workflow``.

Doors (admin, API, commands, tasks) parse input, call one service and shape the output.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from . import permissions, selectors, workflow
from .audit import audit_record, diff
from .errors import InvalidInput
from .extraction import extract_claims
from .ingestion import clean_body, clean_url, content_hash, title_from_body
from .matching import MatchIndex, encode_embedding, match_vectors
from .models import Article, Claim, ClaimMatch, Speaker
from .speakers import fold, name_parts, same_person, speaker_key

log = logging.getLogger(__name__)


# --- ingestion ------------------------------------------------------------------------------------


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
    parsed = parse_date(text)
    if parsed is None:
        stamp = parse_datetime(text)
        parsed = stamp.date() if stamp else None
    if parsed is None:
        raise InvalidInput(f"published must be a date like 2023-03-13, got {value!r}")
    return parsed


def article_validate(*, body, title=None, source="", url="", published=None) -> dict:
    """Clean and check an article's fields without writing anything.

    Refuses binary or non-UTF-8 data, an empty body (whitespace or markup only), a body over the
    size limit, a malformed URL or date.
    """
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
    }


def article_ingest(*, body, title=None, source="", url="", published=None, user=None, queue=True) -> IngestResult:
    """Store an article once (a normalised content hash) and queue its processing after commit.

    The same body twice returns the existing article with ``created=False``: a duplicate, not an
    error. Processing is queued only when the transaction commits; if the broker is down the
    article is kept (status ``queued``) and ``queue_error`` says why.
    """
    if user is not None:
        permissions.check(user, permissions.INGEST)
    fields = article_validate(body=body, title=title, source=source, url=url, published=published)
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
                changes=diff({}, {k: v for k, v in fields.items() if k != "body"} | {"chars": len(fields["body"])}),
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
    error = article_queue(article_id=article_id)
    if result is not None:
        result.queue_error = error


def article_queue(*, article_id) -> str:
    """Send an article to the workers. Returns "" or the reason it could not be queued."""
    from .tasks import extract_article

    try:
        extract_article.apply_async(
            args=[article_id],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        )
    except Exception as exc:  # the broker is down: keep the article, say why
        message = f"could not queue for processing, the broker is unavailable ({exc.__class__.__name__}: {exc})"
        log.warning("article %s: %s", article_id, message)
        Article.objects.filter(pk=article_id).update(error=message)
        return message
    Article.objects.filter(pk=article_id).exclude(error="").update(error="")
    return ""


def article_requeue(*, article, user=None) -> str:
    """Put a failed or stuck article back in the queue (its claims are re-extracted from scratch)."""
    if user is not None:
        permissions.check(user, permissions.INGEST)
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.status == Article.Status.DONE:
            raise InvalidInput(f"article {locked.pk} is already processed")
        before = {"status": locked.status}
        ClaimMatch.objects.filter(claim__article=locked).delete()
        if not Claim.objects.filter(article=locked).exclude(verdict=Claim.Verdict.UNREVIEWED).exists():
            Claim.objects.filter(article=locked).delete()
        locked.status = Article.Status.QUEUED
        locked.error = ""
        locked.save(update_fields=["status", "error"])
        audit_record(actor=user, action="article.requeue", obj=locked, changes=diff(before, {"status": locked.status}))
    return article_queue(article_id=locked.pk)


# --- processing (the same code runs in tasks and in ``ingest --sync``) ---------------------------------


def _claim_status(article_id, *, current, new) -> bool:
    """Take the work: a conditional update, so a redelivered task finds nothing to do."""
    return Article.objects.filter(pk=article_id, status=current).update(status=new) == 1


def _fail(article_id, stage, exc):
    message = f"{stage} failed: {exc.__class__.__name__}: {exc}"
    log.exception("article %s: %s", article_id, message)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article_id)
        before = {"status": article.status}
        article.status = Article.Status.FAILED
        article.error = message[:2000]
        article.save(update_fields=["status", "error"])
        audit_record(actor=None, action=f"article.{stage}_failed", obj=article,
                     changes=diff(before, {"status": article.status, "error": article.error}))


def speaker_resolve(*, name: str, kind: str) -> Speaker:
    """The speaker record for a name: one person is one record however the name is spelled.

    People are looked up by folded family name and matched with ``speakers.same_person``; a new
    spelling becomes an alias, and a fuller name replaces a shorter one as the display name.
    Organisations and anonymous sources match by exact name.
    """
    name = name.strip()[:300]
    kind = kind or Speaker.Kind.ORGANISATION
    exact = Speaker.objects.filter(name=name, kind=kind).first()
    if exact or kind != Speaker.Kind.PERSON:
        return exact or Speaker.objects.get_or_create(name=name, kind=kind, defaults={"key": speaker_key(name)})[0]
    key = speaker_key(name)
    first = fold(name_parts(name)[0]) if name_parts(name) else ""
    candidates = Speaker.objects.filter(kind=kind).filter(Q(key=key) | Q(key=first) | Q(name__istartswith=name + " "))
    for speaker in candidates.order_by("id"):
        if any(same_person(name, known) for known in [speaker.name, *speaker.aliases]):
            if name != speaker.name and name not in speaker.aliases:
                if len(name_parts(name)) > len(name_parts(speaker.name)):
                    speaker.aliases = sorted({*speaker.aliases, speaker.name})
                    speaker.name = name
                    speaker.key = key
                else:
                    speaker.aliases = sorted({*speaker.aliases, name})
                if not Speaker.objects.filter(name=speaker.name, kind=kind).exclude(pk=speaker.pk).exists():
                    speaker.save(update_fields=["name", "aliases", "key"])
            return speaker
    return Speaker.objects.get_or_create(name=name, kind=kind, defaults={"key": key})[0]


def _speaker_for(name, kind, cache):
    if not name:
        return None
    cache_key = (name, kind)
    if cache_key not in cache:
        cache[cache_key] = speaker_resolve(name=name, kind=kind)
    return cache[cache_key]


def article_extract(*, article_id) -> bool:
    """Split a queued article into claims with speakers, attribution, check-worthiness, embeddings.

    Runs only on an article in ``queued`` state (claimed by a conditional update); a failure marks
    the article ``failed`` with the reason and writes nothing half-way.
    """
    if not _claim_status(article_id, current=Article.Status.QUEUED, new=Article.Status.EXTRACTING):
        return False
    try:
        article = Article.objects.get(pk=article_id)
        extraction = extract_claims(article.body, title=article.title)
        headline = encode_embedding(match_vectors([article.title])[0]) if article.title.strip() else None
        with transaction.atomic():
            speakers = {}
            Claim.objects.bulk_create(
                [
                    Claim(
                        article=article,
                        start=c.start,
                        end=c.end,
                        text=c.text,
                        speaker=_speaker_for(c.speaker, c.speaker_kind, speakers),
                        attribution=c.attribution,
                        checkworthiness=c.checkworthiness,
                        checkworthiness_reasons=c.reasons,
                        quantities=c.quantities,
                        embedding=encode_embedding(c.embedding),
                        match_embedding=encode_embedding(c.match_embedding),
                    )
                    for c in extraction.claims
                ]
            )
            Article.objects.filter(pk=article_id).update(status=Article.Status.EXTRACTED,
                                                         headline_embedding=headline)
            article.status = Article.Status.EXTRACTED
            audit_record(
                actor=None,
                action="article.extract",
                obj=article,
                changes={"status": [Article.Status.EXTRACTING, Article.Status.EXTRACTED],
                         "claims": [0, len(extraction.claims)]},
            )
    except Exception as exc:
        _fail(article_id, "extraction", exc)
        return False
    return True


_index = MatchIndex()
_index_lock = threading.Lock()


# How far below the highest indexed claim id a refresh looks for claims committed late.
LATE_COMMIT_WINDOW = 10_000


def _graph_path():
    return settings.VAR_DIR / "match-index" / "graph.usearch"


def matching_index_refresh() -> MatchIndex:
    """The process's match index, brought up to date with claims stored since it last looked.

    A fresh process loads every stored claim, reusing the HNSW graph another worker on this machine
    saved (``var/match-index/``) when it still fits; a worker saves it again once it lags by 10 %.
    """
    global _index
    with _index_lock:
        _embed_missing(after_id=max(0, _index.max_id - LATE_COMMIT_WINDOW))
        if not len(_index):
            _index = MatchIndex.load(selectors.claim_records_after(after_id=0), graph_path=_graph_path(),
                                     exact_limit=settings.CLAIMDESK_MATCH_EXACT_LIMIT,
                                     live_ids=selectors.claim_ids_after(after_id=0))
        else:
            # Claims of a transaction that committed after a later one (two workers extracting at
            # once) have lower ids than claims already indexed: look back for them.
            late = [pk for pk in selectors.claim_ids_after(after_id=max(0, _index.max_id - LATE_COMMIT_WINDOW))
                    if pk <= _index.max_id and pk not in _index]
            if late:
                _index.add(selectors.claim_records_by_ids(ids=late))
            _index.add(selectors.claim_records_after(after_id=_index.max_id))
            if _index.graph_is_stale():
                try:
                    _index.save_graph(_graph_path())
                except OSError as exc:  # a full disk must not fail the article: the graph is a cache
                    log.warning("could not save the match graph to %s: %s", _graph_path(), exc)
        return _index


def _embed_missing(*, after_id: int, batch: int = 256):
    """Claims about to be indexed that have no matching vector (stored by a worker of an earlier
    release during an upgrade, say) get one now, so no claim silently drops out of matching."""
    from .matching import match_vectors

    while True:
        rows = list(Claim.objects.filter(pk__gt=after_id, match_embedding__isnull=True, embedding__isnull=False)
                    .order_by("pk").only("pk", "text")[:batch])
        if not rows:
            return
        for claim, vec in zip(rows, match_vectors([c.text for c in rows])):
            claim.match_embedding = encode_embedding(vec)
        Claim.objects.bulk_update(rows, ["match_embedding"])
        after_id = rows[-1].pk


def matching_index_reset():
    """Drop the in-process index (it is rebuilt from the database on next use)."""
    global _index
    with _index_lock:
        _index = MatchIndex(exact_limit=settings.CLAIMDESK_MATCH_EXACT_LIMIT)


def article_match(*, article_id) -> bool:
    """Match every claim of an extracted article against all stored claims of other articles."""
    if not _claim_status(article_id, current=Article.Status.EXTRACTED, new=Article.Status.MATCHING):
        return False
    try:
        index = matching_index_refresh()
        rows = []
        for rec in selectors.claim_records_for_article(article_id=article_id):
            for m in index.search(rec, exclude_article=article_id):
                rows.append(ClaimMatch(claim_id=rec.id, earlier_id=m.claim_id, score=m.score, kind=m.kind,
                                       lexical=m.lexical, semantic=m.semantic, reason=m.reason[:200]))
        # The index may still hold claims deleted since it loaded them (a re-queued article).
        alive = set(Claim.objects.filter(pk__in={r.earlier_id for r in rows}).values_list("pk", flat=True))
        rows = [r for r in rows if r.earlier_id in alive]
        with transaction.atomic():
            ClaimMatch.objects.bulk_create(rows, ignore_conflicts=True)
            workflow.carry_over_suggestions(article_id=article_id)
            now = timezone.now()
            Article.objects.filter(pk=article_id).update(status=Article.Status.DONE, processed_at=now, error="")
            article = Article.objects.get(pk=article_id)
            audit_record(actor=None, action="article.match", obj=article,
                         changes={"status": [Article.Status.MATCHING, Article.Status.DONE], "matches": [0, len(rows)]})
    except Exception as exc:
        _fail(article_id, "matching", exc)
        return False
    return True


def article_process_sync(*, article_id) -> Article:
    """Extract and match in the calling process, through the same code as the tasks."""
    article_extract(article_id=article_id)
    article_match(article_id=article_id)
    return Article.objects.get(pk=article_id)


