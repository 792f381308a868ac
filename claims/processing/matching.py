"""The matching stage: every new claim searched against all earlier claims (``claims.nlp.matching``).

One match index per process, fed by selectors with stored claims as plain data and brought up to
date before each search; ``article_match`` matches a whole extracted article under its lease,
``claim_rematch`` one corrected claim (the ``claims.rematch_claim`` task, queued after the correction
commits). Matches are stored once per unordered pair, from the later article's side.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import selectors, workflow
from ..audit import audit_record
from ..models import Article, Claim, ClaimMatch
from ..nlp.embeddings import encode_embedding, match_vectors
from ..nlp.matching.index import MatchIndex
from . import leases
from .leases import ARTICLES

log = logging.getLogger(__name__)


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
    release during an upgrade, or an editor's split whose rematch has not run yet) get one now, so
    no claim silently drops out of matching."""
    while True:
        rows = list(Claim.objects.filter(pk__gt=after_id, match_embedding__isnull=True)
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


def article_match(*, article_id, owner: str | None = None) -> bool:
    """Match every claim of an extracted article against all stored claims of other articles.

    Runs under the article's lease like extraction; the matches, the carried-over suggestions and
    ``done`` are written in one transaction that checks the lease first.
    """
    def work():
        index = matching_index_refresh()
        records = selectors.claim_records_for_article(article_id=article_id)
        # the article's claims searched together: one batched nearest-neighbour call for all of them
        found = index.search_many(records, exclude_article=article_id)
        return [_match_row(rec.id, m) for rec, matches in zip(records, found) for m in matches]

    def write(article, rows):
        rows = matches_store(rows=rows)
        workflow.carry_over_suggestions(article_id=article_id)
        Article.objects.filter(pk=article_id).update(status=Article.Status.DONE, processed_at=timezone.now(),
                                                     error="", queued_at=None, **leases.release_fields())
        audit_record(actor=None, action="article.match", obj=article,
                     changes={"status": [Article.Status.MATCHING, Article.Status.DONE], "matches": [0, len(rows)]})

    return ARTICLES.run_stage(article_id, waiting=Article.Status.EXTRACTED, owner=owner, work=work, write=write)


def _match_row(claim_id: int, m) -> ClaimMatch:
    """The row to store for one match found from ``claim_id``'s side."""
    return ClaimMatch(claim_id=claim_id, earlier_id=m.claim_id, score=m.score, kind=m.kind, lexical=m.lexical,
                      semantic=m.semantic, reason=m.reason[:200])


def claim_rematch(*, claim_id: int, reembed: bool = False) -> int:
    """Redo matching for one corrected claim: its old matches go, and the search runs again for it
    through the match index, as ``article_match`` does for a whole article.

    ``reembed``: its text changed, so its matching vector is computed again first. The in-process index is
    dropped (it holds the claim as it was) and reloads on the search. A claim marked "not a claim"
    keeps no matches, either way; a claim gone by the time the task runs has none to redo. Returns the
    number of matches written.
    """
    claim = Claim.objects.only("pk", "text", "article_id", "not_a_claim").filter(pk=claim_id).first()
    if claim is None:  # merged away or re-extracted before the task ran: nothing left to match
        return 0
    if reembed:
        Claim.objects.filter(pk=claim_id).update(match_embedding=encode_embedding(match_vectors([claim.text])[0]))
    matching_index_reset()
    rows = []
    if not claim.not_a_claim:
        index = matching_index_refresh()
        for rec in selectors.claim_records_by_ids(ids=[claim_id]):
            rows = [_match_row(claim_id, m) for m in index.search(rec, exclude_article=claim.article_id)]
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
