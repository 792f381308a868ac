"""The extraction stage: an article's body split into claims, stored over its earlier claims by span.

The same code runs in the workers (``claims.extract_article``) and in the calling process
(``ingest --sync``, the demo). The language work is ``claims.nlp.pipeline``, plain text in and plain
data out; this stage leases the article, stores the result and its audit record in one transaction.
"""

from __future__ import annotations

import logging

from .. import selectors
from ..audit import audit_record
from ..models import Article, Claim
from ..nlp.embeddings import encode_embedding, match_vectors
from ..nlp.pipeline import extract_claims
from ..speakers import speaker_for
from . import leases
from .leases import ARTICLES

log = logging.getLogger(__name__)


def article_extract(*, article_id, owner: str | None = None) -> bool:
    """Split a queued article into claims with speakers, attribution, check-worthiness, embeddings.

    Runs under the article's lease (``claims.processing.leases``): taken from ``queued`` (or from a worker
    that died), renewed while spaCy and the encoders work, and checked again in the one transaction
    that writes the claims, so a stage is never done twice. A failure marks the article ``failed``
    with the reason and writes nothing half-way.
    """
    def work():
        article = Article.objects.get(pk=article_id)
        extraction = extract_claims(article.body, title=article.title)
        headline = encode_embedding(match_vectors([article.title])[0]) if article.title.strip() else None
        return extraction, headline

    def write(locked, result):
        extraction, headline = result
        counts = _claims_reconcile(locked, extraction.claims)
        Article.objects.filter(pk=article_id).update(status=Article.Status.EXTRACTED, headline_embedding=headline,
                                                     queued_at=None, **leases.release_fields())
        audit_record(actor=None, action="article.extract", obj=locked,
                     changes={"status": [Article.Status.EXTRACTING, Article.Status.EXTRACTED],
                              "claims": [counts.pop("before"), counts.pop("after")], **counts})

    return ARTICLES.run_stage(article_id, waiting=Article.Status.QUEUED, owner=owner, work=work, write=write)


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
            text=c.text, speaker=speaker_for(c.speaker, c.speaker_kind, speakers), attribution=c.attribution,
            checkworthiness=c.checkworthiness, checkworthiness_reasons=c.reasons, quantities=c.quantities,
            match_embedding=encode_embedding(c.match_embedding),
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
                                           "checkworthiness_reasons", "quantities", "match_embedding"])
    Claim.objects.bulk_create(create)
    changes = {"before": len(existing), "after": len(kept) + len(update) + len(create)}
    if existing:
        changes |= {"kept": [None, sorted(worked)], "updated": [None, len(update)], "added": [None, len(create)],
                    "replaced": [[{"id": c.pk, "start": c.start, "end": c.end, "text": c.text[:120]}
                                  for c in replaced], None]}
    return changes
