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

from . import permissions, processing, selectors, workflow
from .audit import audit_record, diff, lock_chain
from .errors import InvalidInput, InvalidTransition
from .ingestion import clean_body, clean_url, content_hash, looks_like_html, page_article, title_from_body
from .models import Article, Claim, ClaimMatch, Speaker
from .nlp.embeddings import encode_embedding, match_vectors
from .nlp.matching.index import MatchIndex
from .nlp.pipeline import extract_claims
from .nlp.speakers import fold, name_parts, same_person, speaker_key

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
    error = article_queue(article_id=article_id)
    if result is not None:
        result.queue_error = error


def article_queue(*, article_id, countdown: float = 0) -> str:
    """Send an article's next stage to the workers: extraction when it is ``queued``, matching when
    ``extracted``. Returns "" or the reason it could not be sent (the article is kept either way,
    and the sweep sends it once the broker is back)."""
    from .tasks import extract_article, match_article

    status = Article.objects.filter(pk=article_id).values_list("status", flat=True).first()
    task = {Article.Status.QUEUED: extract_article, Article.Status.EXTRACTED: match_article}.get(status)
    if task is None:
        return ""
    try:
        task.apply_async(
            args=[article_id],
            countdown=countdown or None,
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        )
    except Exception as exc:  # the broker is down: keep the article, say why
        message = f"could not queue for processing, the broker is unavailable ({exc.__class__.__name__}: {exc})"
        log.warning("article %s: %s", article_id, message)
        Article.objects.filter(pk=article_id, status=status).update(error=message, queued_at=None)
        return message
    Article.objects.filter(pk=article_id, status=status).update(error="", queued_at=timezone.now())
    return ""


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
    return article_queue(article_id=locked.pk)


# --- processing (the same code runs in tasks and in ``ingest --sync``) ---------------------------------


def speaker_resolve(*, name: str, kind: str) -> Speaker:
    """The speaker record for a name: one person is one record however the name is spelled.

    People are looked up by folded family name and matched with ``speakers.same_person``; a new
    spelling becomes an alias, and a fuller name replaces a shorter one as the display name.
    Organisations and anonymous sources match by exact name.
    """
    name = name.strip()[:300]
    kind = kind or Speaker.Kind.ORGANISATION
    with transaction.atomic():
        # Aliases are read, merged and written back: two workers resolving spellings of one person at
        # once must not overwrite each other. The chain lock (taken first, the one lock order)
        # serialises them on PostgreSQL; SQLite's IMMEDIATE transactions already do.
        lock_chain()
        return _speaker_resolve_locked(name=name, kind=kind)


def _speaker_resolve_locked(*, name: str, kind: str) -> Speaker:
    exact = Speaker.objects.filter(name=name, kind=kind).first()
    if exact or kind != Speaker.Kind.PERSON:
        return exact or Speaker.objects.get_or_create(name=name, kind=kind, defaults={"key": speaker_key(name)})[0]
    key = speaker_key(name)
    first = fold(name_parts(name)[0]) if name_parts(name) else ""
    candidates = Speaker.objects.filter(kind=kind).filter(Q(key=key) | Q(key=first) | Q(name__istartswith=name + " "))
    for speaker in candidates.select_for_update().order_by("id"):
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


def article_extract(*, article_id, owner: str | None = None) -> bool:
    """Split a queued article into claims with speakers, attribution, check-worthiness, embeddings.

    Runs under the article's lease (``claims.processing``): taken from ``queued`` (or from a worker
    that died), renewed while spaCy and the encoders work, and checked again in the one transaction
    that writes the claims, so a stage is never done twice. A failure marks the article ``failed``
    with the reason and writes nothing half-way.
    """
    owner = owner or processing.new_owner()
    if not processing.lease_take(article_id, waiting=Article.Status.QUEUED, owner=owner):
        return False
    working = Article.Status.EXTRACTING
    try:
        with processing.lease_renewed(article_id, owner):
            article = Article.objects.get(pk=article_id)
            extraction = extract_claims(article.body, title=article.title)
            headline = encode_embedding(match_vectors([article.title])[0]) if article.title.strip() else None
        with transaction.atomic():
            locked = processing.lease_locked(article_id, working=working, owner=owner)
            if locked is None:
                log.warning("article %s: lease lost before the claims were written; nothing written", article_id)
                return False
            counts = _claims_reconcile(locked, extraction.claims)
            Article.objects.filter(pk=article_id).update(status=Article.Status.EXTRACTED, headline_embedding=headline,
                                                         queued_at=None, **processing.lease_release_fields())
            audit_record(actor=None, action="article.extract", obj=locked,
                         changes={"status": [working, Article.Status.EXTRACTED],
                                  "claims": [counts.pop("before"), counts.pop("after")], **counts})
    except Exception as exc:
        processing.stage_fail(article_id, working=working, owner=owner, exc=exc)
        return False
    return True


def _claims_reconcile(article: Article, extracted) -> dict:
    """Store a fresh extraction over the article's existing claims, by span, losing nobody's work.

    Claims anyone has worked on (``selectors.claim_ids_with_work``) are kept as they are, and new
    claims overlapping them are dropped; an untouched claim over the same span is updated in place
    (its id and the matches of later articles to it survive); other untouched claims are deleted and
    listed in the returned changes, which go into the audit record.
    """
    existing = list(Claim.objects.filter(article=article).order_by("start", "id"))
    worked = selectors.claim_ids_with_work(ids=[c.pk for c in existing])
    kept = [c for c in existing if c.pk in worked]
    untouched = {(c.start, c.end): c for c in existing if c.pk not in worked}
    speakers, create, update = {}, [], []
    for c in extracted:
        if any(c.start < k.end and k.start < c.end for k in kept):
            continue
        fields = dict(
            text=c.text, speaker=_speaker_for(c.speaker, c.speaker_kind, speakers), attribution=c.attribution,
            checkworthiness=c.checkworthiness, checkworthiness_reasons=c.reasons, quantities=c.quantities,
            embedding=encode_embedding(c.embedding), match_embedding=encode_embedding(c.match_embedding),
        )
        same_span = untouched.pop((c.start, c.end), None)
        if same_span is not None:
            for name, value in fields.items():
                setattr(same_span, name, value)
            update.append(same_span)
        else:
            create.append(Claim(article=article, start=c.start, end=c.end, **fields))
    replaced = sorted(untouched.values(), key=lambda c: c.start)
    if replaced:
        Claim.objects.filter(pk__in=[c.pk for c in replaced]).delete()
    if update:
        Claim.objects.bulk_update(update, ["text", "speaker", "attribution", "checkworthiness",
                                           "checkworthiness_reasons", "quantities", "embedding", "match_embedding"])
    Claim.objects.bulk_create(create)
    changes = {"before": len(existing), "after": len(kept) + len(update) + len(create)}
    if existing:
        changes |= {"kept": [None, sorted(worked)], "updated": [None, len(update)], "added": [None, len(create)],
                    "replaced": [[{"id": c.pk, "start": c.start, "end": c.end, "text": c.text[:120]}
                                  for c in replaced], None]}
    return changes


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
    from .nlp.embeddings import match_vectors

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


def worker_warm(*, marker_dir: str | None = None, linger: float = 0.0) -> dict:
    """Load spaCy, the two encoders and the match index in this process.

    A worker's parent runs this before it forks its pool children (``factcheck/celery.py``), so the
    children start with the models and the index in pages they share with it and with each other,
    and each child only adds the claims stored since. Nothing is encoded here: e5's engine starts
    OpenMP threads on its first text, which a forked child cannot use (it would hang), while the
    MiniLM session runs on the calling thread. Failures are logged, never raised: a worker that
    could not warm up still starts, and loads what it needs on its first task.
    """
    import gc
    import os
    import time

    from django.db import connections

    from .nlp.loaders import get_embedder, get_matching_model, get_nlp

    started = time.monotonic()
    result = {"pid": os.getpid(), "claims": None}
    try:
        get_nlp()
        get_embedder()
        get_matching_model()
        result["claims"] = len(matching_index_refresh())
    except Exception:  # noqa: BLE001 - a cold worker is better than no worker
        log.exception("worker warm-up failed; models load on the first task instead")
    finally:
        connections.close_all()  # a connection must not be shared with forked children
    # Objects that live as long as the process leave the collector's reach: a collection in a child
    # would otherwise touch (and so copy) every page the parent loaded them into.
    gc.collect()
    gc.freeze()
    result["seconds"] = round(time.monotonic() - started, 2)
    log.info("worker warm: %s claims indexed in %.1f s (pid %s)", result["claims"], result["seconds"],
             result["pid"])
    if linger:
        time.sleep(linger)
    if marker_dir:
        from pathlib import Path

        Path(marker_dir, f"warm-{os.getpid()}").write_text(str(result))
    return result


def article_match(*, article_id, owner: str | None = None) -> bool:
    """Match every claim of an extracted article against all stored claims of other articles.

    Runs under the article's lease like extraction; the matches, the carried-over suggestions and
    ``done`` are written in one transaction that checks the lease first.
    """
    owner = owner or processing.new_owner()
    if not processing.lease_take(article_id, waiting=Article.Status.EXTRACTED, owner=owner):
        return False
    working = Article.Status.MATCHING
    try:
        with processing.lease_renewed(article_id, owner):
            index = matching_index_refresh()
            rows = []
            for rec in selectors.claim_records_for_article(article_id=article_id):
                for m in index.search(rec, exclude_article=article_id):
                    rows.append(ClaimMatch(claim_id=rec.id, earlier_id=m.claim_id, score=m.score, kind=m.kind,
                                           lexical=m.lexical, semantic=m.semantic, reason=m.reason[:200]))
        with transaction.atomic():
            article = processing.lease_locked(article_id, working=working, owner=owner)
            if article is None:
                log.warning("article %s: lease lost before the matches were written; nothing written", article_id)
                return False
            rows = matches_store(rows=rows)
            workflow.carry_over_suggestions(article_id=article_id)
            Article.objects.filter(pk=article_id).update(status=Article.Status.DONE, processed_at=timezone.now(),
                                                         error="", queued_at=None, **processing.lease_release_fields())
            audit_record(actor=None, action="article.match", obj=article,
                         changes={"status": [working, Article.Status.DONE], "matches": [0, len(rows)]})
    except Exception as exc:
        processing.stage_fail(article_id, working=working, owner=owner, exc=exc)
        return False
    return True


def claim_rematch(*, claim_id: int, reembed: bool = False) -> int:
    """Redo matching for one corrected claim: its old matches go, and the search runs again for it
    through the match index, as ``article_match`` does for a whole article.

    ``reembed``: its text changed, so its vectors are computed again first. The in-process index is
    dropped (it holds the claim as it was) and reloads on the search. A claim marked "not a claim"
    keeps no matches, either way. Returns the number of matches written.
    """
    from .nlp.embeddings import embed_texts

    claim = Claim.objects.only("pk", "text", "article_id", "not_a_claim").get(pk=claim_id)
    if reembed:
        Claim.objects.filter(pk=claim_id).update(embedding=encode_embedding(embed_texts([claim.text])[0]),
                                                 match_embedding=encode_embedding(match_vectors([claim.text])[0]))
    matching_index_reset()
    rows = []
    if not claim.not_a_claim:
        index = matching_index_refresh()
        for rec in selectors.claim_records_by_ids(ids=[claim_id]):
            rows = [ClaimMatch(claim_id=claim_id, earlier_id=m.claim_id, score=m.score, kind=m.kind,
                               lexical=m.lexical, semantic=m.semantic, reason=m.reason[:200])
                    for m in index.search(rec, exclude_article=claim.article_id)]
    with transaction.atomic():
        # Both sides: the claim's pairs with later articles are stored from their side. A pair
        # someone decided on stays as it is (the new search's row for it is ignored).
        gone = Q(claim_id=claim_id) | Q(earlier_id=claim_id)
        ClaimMatch.objects.filter(gone).exclude(decisions__isnull=False).delete()
        rows = matches_store(rows=rows)
    return len(rows)


def matches_store(*, rows: list[ClaimMatch]) -> list[ClaimMatch]:
    """Store matches found from the searched claim's side (``claim`` searched, ``earlier`` found);
    returns the rows it tried to store (existing pairs are left as they are).

    Rules: a found claim deleted or marked "not a claim" since the index loaded it is dropped; each
    row is turned so that ``claim`` is the claim of the later-ingested article; a pair already stored,
    from either side, is left as it is: the unique constraint on the unordered pair, with ON CONFLICT
    DO NOTHING, keeps the first of two workers that found it at the same time.
    """
    ids = {r.claim_id for r in rows} | {r.earlier_id for r in rows}
    article_of = dict(Claim.objects.filter(pk__in=ids, not_a_claim=False).values_list("pk", "article_id"))
    kept = []
    for r in rows:
        if r.claim_id not in article_of or r.earlier_id not in article_of:
            continue
        if article_of[r.claim_id] < article_of[r.earlier_id]:
            r.claim_id, r.earlier_id = r.earlier_id, r.claim_id
        kept.append(r)
    ClaimMatch.objects.bulk_create(kept, ignore_conflicts=True)
    return kept


def article_process_sync(*, article_id) -> Article:
    """Extract and match in the calling process, through the same code as the tasks."""
    article_extract(article_id=article_id)
    article_match(article_id=article_id)
    return Article.objects.get(pk=article_id)


