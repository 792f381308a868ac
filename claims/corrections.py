"""Corrections of what extraction got wrong: a claim's speaker, attribution and span, "not a claim",
an article's title and date; and a claim's ClaimReview summary.

Every function asks ``claims.permissions`` (a claim: its assignee or an editor; an article: editors),
runs in one transaction that writes its audit record (the chain lock first, then the row), and a
changed claim has its matching redone by a task (``claims.rematch_claim``) once the correction commits.
"""

from __future__ import annotations

import re

from django.db import transaction

from . import permissions, workflow
from .audit import audit_record, diff, lock_chain
from .claimreview import summary_clean
from .errors import InvalidInput
from .models import Assignment, Claim, Comment, Speaker
from .processing import matching, sender
from .selectors import claim_ids_with_work
from .speakers import speaker_resolve_locked


def _rematch(*, claim_id: int, reembed: bool) -> None:
    """Queue the corrected claim's matching (``claims.rematch_claim``) once the correction commits; with
    the broker down it runs here instead, so a correction never leaves stale matches behind."""
    sender.on_commit(sender.REMATCH, args=[claim_id, reembed],
                     fallback=lambda: matching.claim_rematch(claim_id=claim_id, reembed=reembed))


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
            locked.speaker = speaker_resolve_locked(name=speaker_name, kind=speaker_kind)
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
        _rematch(claim_id=locked.pk, reembed="text" in changes)
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


def claim_set_review_summary(*, claim: Claim, user, summary: str) -> Claim:
    """Set the claim's ClaimReview summary (schema.org ``claimReviewed``), editors only, audited.

    Whitespace is collapsed; empty goes back to the default (the claim cut at a word boundary). The
    summary must be under 75 characters and name no rating ("verified", "disputed", "unattributed"):
    aggregators refuse a ``claimReviewed`` that states the verdict, whichever verdict it later gets.
    """
    permissions.check(user, permissions.SUMMARISE, claim)
    summary = summary_clean(summary)
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


def split_offset(text: str, *, words: int | None = None, first_part: str | None = None) -> int:
    """Where to cut ``text`` (a claim's span of the body): after its first ``words`` words, or after the
    typed ``first_part`` (matched word by word, whitespace as typed or not). Refused unless both parts
    keep at least one word."""
    found = list(re.finditer(r"\S+", text))
    if words is not None:
        if not isinstance(words, int) or not 1 <= words < len(found):
            raise InvalidInput(f"the first part must keep between 1 and {len(found) - 1} words, got {words!r}")
        return found[words - 1].end()
    typed = (first_part or "").split()
    if not typed:
        raise InvalidInput("give the number of words of the first part, or type the first part")
    m = re.match(r"\s*" + r"\s+".join(map(re.escape, typed)), text)
    if not m:
        raise InvalidInput("the typed first part is not how the claim begins")
    return m.end()


def _trimmed(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end


def _span_taken(article_id, start, end, *, exclude=()):
    return Claim.objects.filter(article_id=article_id, start=start, end=end).exclude(pk__in=exclude).first()


def claim_split(*, claim: Claim, user, at: int, rematch: bool = True) -> tuple[Claim, Claim]:
    """Cut a claim in two at ``at``, an offset into its span (``body[claim.start:claim.end]``).

    Both parts are trimmed and must hold text. The first keeps the claim's id and everything done on it
    (state, verdicts, assignment, evidence, comments); the second is a new claim of the same article
    with the same speaker and attribution (check-worthiness copied, quantities shared out by text).
    Neither span may be another claim's. Audited on both claims; matching is redone for both.
    """
    permissions.check(user, permissions.CORRECT, claim)
    with transaction.atomic():
        lock_chain()
        locked = (Claim.objects.select_for_update(of=("self",)).select_related("article", "assignee")
                  .get(pk=claim.pk))
        permissions.check(user, permissions.CORRECT, locked)
        body = locked.article.body
        if not isinstance(at, int) or isinstance(at, bool) or not 0 < at < locked.end - locked.start:
            raise InvalidInput(f"the cut must lie inside the claim: 0 < at < {locked.end - locked.start}, got {at!r}")
        first = _trimmed(body, locked.start, locked.start + at)
        second = _trimmed(body, locked.start + at, locked.end)
        if first[0] == first[1] or second[0] == second[1]:
            raise InvalidInput("both parts of a split must hold text")
        for start, end in (first, second):
            other = _span_taken(locked.article_id, start, end, exclude=[locked.pk])
            if other:
                raise InvalidInput(f"characters {start}–{end} are already claim {other.pk}")
        before = {"start": locked.start, "end": locked.end, "text": locked.text}
        second_text = body[second[0]:second[1]]
        quantities = [q for q in locked.quantities if isinstance(q, dict) and q.get("text")]
        locked.start, locked.end = first
        locked.text = body[first[0]:first[1]]
        locked.quantities = [q for q in quantities if q["text"] in locked.text]
        locked.save(update_fields=["start", "end", "text", "quantities", "updated_at"])
        # The new part stays with whoever was working on the claim (and by when), so the reviewer who
        # split it can go on correcting and reviewing it; it starts its own review from scratch.
        new = Claim.objects.create(
            article_id=locked.article_id, start=second[0], end=second[1], text=second_text,
            speaker_id=locked.speaker_id, attribution=locked.attribution, checkworthiness=locked.checkworthiness,
            checkworthiness_reasons=locked.checkworthiness_reasons,
            quantities=[q for q in quantities if q["text"] in second_text],
            assignee_id=locked.assignee_id, due=locked.due,
            state=Claim.State.IN_REVIEW if locked.assignee_id else Claim.State.UNREVIEWED)
        if new.assignee_id:
            Assignment.objects.create(claim=new, assignee_id=new.assignee_id, assigned_by=user, due=new.due)
        audit_record(actor=user, action="claim.split", obj=locked,
                     changes=diff(before, {"start": locked.start, "end": locked.end, "text": locked.text})
                     | {"split_off": [None, new.pk]})
        audit_record(actor=user, action="claim.split", obj=new,
                     changes={"split_from": [None, locked.pk], "start": [None, new.start], "end": [None, new.end],
                              "text": [None, new.text], "speaker": [None, locked.speaker_id],
                              "attribution": [None, new.attribution]}
                     | diff({"assignee": None, "due": None, "state": Claim.State.UNREVIEWED},
                            {"assignee": locked.assignee.username if locked.assignee_id else None,
                             "due": new.due, "state": new.state}))
    if rematch:
        _rematch(claim_id=locked.pk, reembed=True)
        _rematch(claim_id=new.pk, reembed=True)
    claim.refresh_from_db()
    return claim, Claim.objects.get(pk=new.pk)


# What a merge that reopens a reviewed claim writes, besides the span.
_REOPEN_FIELDS = ["state", "verdict", "verdict_note", "published_by", "published_at", "proposed_verdict",
                  "proposed_rationale", "needs_rereview", "inherited_from"]


def _reviewed(claim: Claim) -> bool:
    return (claim.state in (Claim.State.PUBLISHED, Claim.State.PROPOSED)
            or claim.verdict != Claim.Verdict.UNREVIEWED)


def _reopen_for_rereview(claim: Claim, user, reason: str) -> dict:
    """Reopen a reviewed claim whose text a merge changed (the caller holds its lock and saves it).

    Nobody reviewed the new text, so no verdict may stand over it: a published verdict is withdrawn and
    kept as the claim's earlier proposal (verdict and rationale), a pending proposal goes back to review
    as it is; the claim goes back in review to its assignee (unassigned: it waits), flagged
    ``needs_rereview``. Nothing is deleted: evidence and comments stay, the verdict, rationale and
    publisher are in the returned changes (for the audit record), the reason becomes a comment.
    """
    before = {f: getattr(claim, f) for f in ("state", "verdict", "verdict_note", "published_by", "published_at",
                                             "proposed_verdict", "proposed_rationale", "needs_rereview")}
    before["inherited_from"] = claim.inherited_from_id
    if claim.verdict != Claim.Verdict.UNREVIEWED and claim.state != Claim.State.PROPOSED:
        claim.proposed_verdict, claim.proposed_rationale = claim.verdict, claim.verdict_note
    claim.state = Claim.State.IN_REVIEW if claim.assignee_id else Claim.State.UNREVIEWED
    claim.verdict, claim.verdict_note = Claim.Verdict.UNREVIEWED, ""
    claim.published_by, claim.published_at, claim.inherited_from = None, None, None
    claim.needs_rereview = True
    after = {f: getattr(claim, f) for f in before if f != "inherited_from"} | {"inherited_from": None}
    Comment.objects.create(claim=claim, author=user, text=f"Reopened for review: {reason}; the earlier verdict "
                                                         "is kept as the proposal, to be reviewed again.")
    return diff(before, after) | {"reason": [None, reason]}


def claim_merge(*, claims, user, rematch: bool = True) -> Claim:
    """Join adjacent claims of one article into one claim over their whole span.

    At least two claims, of one article, with no other claim (except those marked "not a claim")
    between them. At most one may carry review work (``selectors.claim_ids_with_work``): it survives,
    else the first in reading order does; the others, without work, are deleted (their texts stay in
    the audit record). The merged span may not be another claim's. Audited; matching redone.

    A survivor that was reviewed (published, awaiting second review, or carrying a published verdict)
    now has text nobody reviewed: it is reopened for re-review in the same transaction (see
    ``_reopen_for_rereview``), with the reason "merged with #N" as a comment and in the audit. Merging
    a published claim withdraws its verdict, so it needs the editors' ``REOPEN`` as well.
    """
    ids = sorted({c.pk for c in claims})
    if len(ids) < 2:
        raise InvalidInput("select at least two claims to merge")
    with transaction.atomic():
        lock_chain()
        locked = list(Claim.objects.select_for_update(of=("self",)).select_related("article")
                      .filter(pk__in=ids).order_by("start", "end", "pk"))
        if len(locked) != len(ids):
            raise InvalidInput("some of the claims to merge no longer exist")
        for c in locked:
            permissions.check(user, permissions.CORRECT, c)
            if c.state == Claim.State.PUBLISHED:  # the merge withdraws its verdict: a reopen, editors only
                permissions.check(user, permissions.REOPEN, c)
        if len({c.article_id for c in locked}) > 1:
            raise InvalidInput("only claims of one article can be merged; "
                               f"claims {', '.join(map(str, ids))} come from different articles")
        start, end = locked[0].start, max(c.end for c in locked)
        between = (Claim.objects.filter(article_id=locked[0].article_id, not_a_claim=False, start__lt=end,
                                        end__gt=start).exclude(pk__in=ids).order_by("start").first())
        if between:
            raise InvalidInput(f"claims {', '.join(map(str, ids))} are not adjacent: claim {between.pk} lies between them")
        worked = sorted(claim_ids_with_work(ids=ids))
        if len(worked) > 1:
            raise InvalidInput(f"claims {', '.join(map(str, worked))} all carry review work; "
                               "at most one of the merged claims may")
        survivor = next(c for c in locked if not worked or c.pk == worked[0])
        taken = _span_taken(survivor.article_id, start, end, exclude=ids)
        if taken:
            raise InvalidInput(f"characters {start}–{end} are already claim {taken.pk}")
        gone = [c for c in locked if c.pk != survivor.pk]
        for c in gone:
            audit_record(actor=user, action="claim.merge", obj=c,
                         changes={"merged_into": [None, survivor.pk], "text": [c.text, None]})
        Claim.objects.filter(pk__in=[c.pk for c in gone]).delete()
        body = survivor.article.body
        before = {"start": survivor.start, "end": survivor.end, "text": survivor.text}
        survivor.start, survivor.end, survivor.text = start, end, body[start:end]
        survivor.quantities = [q for c in locked for q in c.quantities]
        survivor.checkworthiness = max(c.checkworthiness for c in locked)
        changes = diff(before, {"start": start, "end": end, "text": survivor.text}) | {"merged": [None, [c.pk for c in gone]]}
        fields = ["start", "end", "text", "quantities", "checkworthiness", "updated_at"]
        reason = "merged with " + ", ".join(f"#{c.pk}" for c in gone)
        if "text" in changes and _reviewed(survivor):
            changes |= _reopen_for_rereview(survivor, user, reason)
            fields += _REOPEN_FIELDS
        survivor.save(update_fields=fields)
        audit_record(actor=user, action="claim.merge", obj=survivor, changes=changes)
        if "reason" in changes and changes.get("verdict"):
            workflow._flag_inheritors(survivor, user)
    if rematch:
        _rematch(claim_id=survivor.pk, reembed=True)
    return Claim.objects.get(pk=survivor.pk)
