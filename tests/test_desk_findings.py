"""Issue 22, what a desk found in use: merge and split keep the review honest, a claim's audit trail is
that claim's, the way on after a verdict, one message per refusal, reasons on 403 pages, the history
of audited objects, the claim search, the article page that keeps what is typed, editable speakers."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import corrections, workflow
from claims.models import Assignment, AuditRecord, Claim, Comment

from .factories import (
    EVIDENCE,
    ArticleFactory,
    ClaimFactory,
    EditorFactory,
    ReviewerFactory,
    ViewerFactory,
    publish_verdict,
)

pytestmark = pytest.mark.django_db

BODY = ("Bridge closed\n\nThe council closed the bridge on Monday and the repairs will cost 12 million euros. "
        "Brandt said so. The council did not respond.")


def _pair(body=BODY):
    """Two adjacent claims of one article: the first sentence, cut in two."""
    article = ArticleFactory(body=body)
    a0, a1 = body.index("The council closed"), body.index(" and the repairs")
    b0, b1 = body.index("and the repairs"), body.index(" Brandt")
    return (ClaimFactory(article=article, start=a0, end=a1, text=body[a0:a1]),
            ClaimFactory(article=article, start=b0, end=b1, text=body[b0:b1]))


# --- 1. a merge into a reviewed claim reopens it ------------------------------------------------------

def test_merging_an_unreviewed_claim_into_a_published_one_reopens_it_for_rereview_keeping_the_verdict():
    published, unreviewed = _pair()
    reviewer = ReviewerFactory()
    publish_verdict(published, "verified", "The tender says 12 million", reviewer=reviewer)
    heir = ClaimFactory(inherited_from=published, state=Claim.State.PUBLISHED, verdict="verified")
    editor = EditorFactory()
    merged = corrections.claim_merge(claims=[published, unreviewed], user=editor, rematch=False)
    assert merged.pk == published.pk and "and the repairs" in merged.text
    # No verdict stands over text nobody reviewed; the earlier one is the proposal, flagged for re-review.
    assert (merged.state, merged.verdict, merged.needs_rereview) == ("in_review", "unreviewed", True)
    assert (merged.proposed_verdict, merged.proposed_rationale) == ("verified", "The tender says 12 million")
    assert merged.assignee == reviewer and merged.evidence.count() == len(EVIDENCE)
    rec = AuditRecord.objects.get(action="claim.merge", object_id=str(merged.pk))
    assert rec.changes["reason"] == [None, f"merged with #{unreviewed.pk}"]
    assert rec.changes["verdict"] == ["verified", "unreviewed"] and rec.changes["state"] == ["published", "in_review"]
    assert rec.changes["verdict_note"] == ["The tender says 12 million", ""]
    assert Comment.objects.filter(claim=merged, text__contains=f"merged with #{unreviewed.pk}").exists()
    heir.refresh_from_db()
    assert heir.needs_rereview  # it inherited a verdict that no longer stands


def test_merging_into_a_claim_awaiting_second_review_sends_it_back_to_review_with_its_proposal():
    proposed, unreviewed = _pair()
    editor, reviewer = EditorFactory(), ReviewerFactory()
    workflow.claim_assign(claim=proposed, user=editor, assignee=reviewer)
    workflow.claim_propose(claim=proposed, user=reviewer, verdict="disputed", rationale="Minutes say 9",
                           evidence=EVIDENCE)
    merged = corrections.claim_merge(claims=[unreviewed, proposed], user=editor, rematch=False)
    assert (merged.state, merged.proposed_verdict, merged.proposed_rationale) == ("in_review", "disputed", "Minutes say 9")
    assert merged.needs_rereview and merged.verdict == "unreviewed"
    with pytest.raises(Exception, match="no proposed verdict"):  # a second review of unreviewed text is refused
        workflow.claim_approve(claim=merged, user=editor)


def test_a_reviewer_cannot_withdraw_a_published_verdict_by_merging():
    published, unreviewed = _pair()
    reviewer = ReviewerFactory()
    publish_verdict(published, reviewer=reviewer)
    with pytest.raises(Exception, match="only editors can reopen"):
        corrections.claim_merge(claims=[published, unreviewed], user=reviewer, rematch=False)
    published.refresh_from_db()
    assert published.state == "published" and Claim.objects.count() == 2


def test_merging_unreviewed_claims_reopens_nothing():
    a, b = _pair()
    merged = corrections.claim_merge(claims=[a, b], user=EditorFactory(), rematch=False)
    assert (merged.state, merged.needs_rereview) == ("unreviewed", False)
    assert "reason" not in AuditRecord.objects.get(action="claim.merge", object_id=str(merged.pk)).changes


# --- 3. the new part of a split stays with its reviewer ---------------------------------------------

def test_the_new_part_of_a_split_keeps_the_assignee_and_due_time_so_the_reviewer_can_correct_it():
    start, end = BODY.index("The council closed"), BODY.index(" Brandt said")
    claim = ClaimFactory(article=ArticleFactory(body=BODY), start=start, end=end, text=BODY[start:end])
    editor, reviewer = EditorFactory(), ReviewerFactory()
    due = timezone.now() + dt.timedelta(days=2)
    workflow.claim_assign(claim=claim, user=editor, assignee=reviewer, due=due)
    at = corrections.split_offset(claim.text, words=7)
    first, second = corrections.claim_split(claim=claim, user=reviewer, at=at, rematch=False)
    assert (second.assignee, second.due, second.state) == (reviewer, due, "in_review")
    assert Assignment.objects.filter(claim=second, assignee=reviewer).exists()
    corrections.claim_correct(claim=second, user=reviewer, attribution="direct", rematch=False)  # allowed now
    rec = AuditRecord.objects.get(action="claim.split", object_id=str(second.pk))
    assert rec.changes["assignee"] == [None, reviewer.username] and rec.changes["state"] == ["unreviewed", "in_review"]
