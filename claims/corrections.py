"""Corrections of what extraction got wrong: a claim's speaker, attribution and span, "not a claim",
an article's title and date; and a claim's ClaimReview summary.

Every function asks ``claims.permissions`` (a claim: its assignee or an editor; an article: editors),
runs in one transaction that writes its audit record (the chain lock first, then the row), and a
changed claim has its matching redone (``services.claim_rematch``) once the correction is stored.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from . import permissions
from .audit import audit_record, diff, lock_chain
from .errors import InvalidInput
from .models import Article, Claim, Speaker


def _speaker_label(speaker):
    return f"{speaker.name} ({speaker.kind})" if speaker else None


def claim_correct(*, claim: Claim, user, speaker: Speaker | None | str = "keep", speaker_name: str = "",
                  speaker_kind: str = "", attribution: str | None = None, start: int | None = None,
                  end: int | None = None, not_a_claim: bool | None = None, rematch: bool = True) -> Claim:
    """Correct a claim: its speaker (a known ``speaker``, ``None`` for none, or a new ``speaker_name``
    with its kind, resolved like extraction does), attribution kind, span and "not a claim" flag.

    The span must lie within the article's body and not be another claim's; the claim's text becomes
    ``body[start:end]``. Only what changes is written and audited; nothing changed, nothing written.
    """
    from . import services

    permissions.check(user, permissions.CORRECT, claim)
    if attribution is not None and attribution not in Claim.Attribution.values:
        raise InvalidInput(f"attribution must be one of {', '.join(Claim.Attribution.values)}, got {attribution!r}")
    speaker_name = (speaker_name or "").strip()
    if speaker_name and speaker_kind not in Speaker.Kind.values:
        raise InvalidInput(f"a new speaker needs a kind: one of {', '.join(Speaker.Kind.values)}")
    with transaction.atomic():
        lock_chain()
        locked = Claim.objects.select_for_update(of=("self",)).select_related("article", "speaker").get(pk=claim.pk)
        permissions.check(user, permissions.CORRECT, locked)
        before = {"speaker": _speaker_label(locked.speaker), "attribution": locked.attribution,
                  "start": locked.start, "end": locked.end, "text": locked.text, "not_a_claim": locked.not_a_claim}
        if speaker_name:
            locked.speaker = services._speaker_resolve_locked(name=speaker_name, kind=speaker_kind)
        elif speaker != "keep":
            locked.speaker = speaker
        if attribution is not None:
            locked.attribution = attribution
        if not_a_claim is not None:
            locked.not_a_claim = bool(not_a_claim)
        if start is not None or end is not None:
            _set_span(locked, locked.start if start is None else start, locked.end if end is None else end)
        after = {"speaker": _speaker_label(locked.speaker), "attribution": locked.attribution,
                 "start": locked.start, "end": locked.end, "text": locked.text, "not_a_claim": locked.not_a_claim}
        changes = diff(before, after)
        if not changes:
            return locked
        locked.save(update_fields=["speaker", "attribution", "start", "end", "text", "not_a_claim", "updated_at"])
        audit_record(actor=user, action="claim.correct", obj=locked, changes=changes)
    if rematch and changes.keys() & {"speaker", "text", "not_a_claim"}:
        services.claim_rematch(claim_id=locked.pk, reembed="text" in changes)
    claim.refresh_from_db()
    return claim


def _set_span(claim: Claim, start, end):
    body = claim.article.body
    if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end <= len(body):
        raise InvalidInput(f"the span must lie within the article's text: 0 ≤ start < end ≤ {len(body)}, "
                           f"got {start}–{end}")
    # Trim whitespace at the edges, so the span starts and ends on the words.
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    if start == end:
        raise InvalidInput("the span holds only whitespace")
    other = Claim.objects.filter(article_id=claim.article_id, start=start, end=end).exclude(pk=claim.pk).first()
    if other:
        raise InvalidInput(f"characters {start}–{end} are already claim {other.pk}")
    claim.start, claim.end, claim.text = start, end, body[start:end]


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


def claim_set_review_summary(*, claim: Claim, user, summary: str) -> Claim:
    """Set the claim's ClaimReview summary (schema.org ``claimReviewed``), editors only, audited.

    Whitespace is collapsed; empty goes back to the default (the claim cut at a word boundary). The
    summary must be under 75 characters and name no rating ("verified", "disputed", "unattributed"):
    aggregators refuse a ``claimReviewed`` that states the verdict, whichever verdict it later gets.
    """
    from .claimreview import RATINGS, SUMMARY_LIMIT

    permissions.check(user, permissions.SUMMARISE, claim)
    summary = " ".join((summary or "").split())
    if len(summary) > SUMMARY_LIMIT:
        raise InvalidInput(f"the summary must be under 75 characters ({SUMMARY_LIMIT} at most), got {len(summary)}")
    for _, label in RATINGS.values():
        if re.search(rf"\b{re.escape(label.lower())}\b", summary.lower()):
            raise InvalidInput(f"the summary must not state a verdict: it says {label.lower()!r}")
    with transaction.atomic():
        lock_chain()
        locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
        changes = diff({"review_summary": locked.review_summary}, {"review_summary": summary})
        if changes:
            locked.review_summary = summary
            locked.save(update_fields=["review_summary", "updated_at"])
            audit_record(actor=user, action="claim.review_summary", obj=locked, changes=changes)
    claim.refresh_from_db()
    return claim
