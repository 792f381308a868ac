"""The review workflow: assignments, proposals, second review, comments, evidence, carry-over.

Every function runs in one transaction that writes its audit record, and asks
``claims.permissions`` whether the user may act; invalid transitions raise ``InvalidTransition``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from . import permissions, roles
from .audit import audit_record, diff, lock_chain
from .errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from .ingestion import clean_text, clean_url
from .models import Assignment, Claim, ClaimMatch, Comment, Evidence, MatchDecision
from .processing import sender

log = logging.getLogger(__name__)


# --- review workflow ---------------------------------------------------------------------------------
#
# unreviewed --assign--> in_review --propose--> proposed --approve--> published
#                            ^                      |                     |
#                            +------send back-------+                     |
#                            +----------------assign (re-review)---------+


def _lock(claim) -> Claim:
    """The claim's row, locked for this transaction, after the audit chain (the one lock order)."""
    lock_chain()
    return Claim.objects.select_for_update().get(pk=claim.pk)


def _state_error(claim, doing):
    messages = {
        Claim.State.PROPOSED: f"claim {claim.pk} is awaiting second review; approve it or send it back first",
        Claim.State.PUBLISHED: f"claim {claim.pk} is published; an editor must reopen it for review first",
        Claim.State.UNREVIEWED: f"claim {claim.pk} is not assigned yet; assign it to a reviewer first",
        Claim.State.IN_REVIEW: f"claim {claim.pk} has no proposed verdict to {doing}",
    }
    return InvalidTransition(f"cannot {doing}: " + messages[claim.state])


def _notify(user, subject, body):
    """Email ``user`` through a task once the transaction commits (never fails the change itself: with
    the broker down the change stands, the email is lost, and the log says so)."""
    if user is None or not getattr(user, "email", ""):
        return
    sender.on_commit(sender.NOTIFY, args=[user.pk, subject, body], retry=False)


def _username(user):
    return user.username if user else None


def claim_assign(*, claim: Claim, user, assignee, due=None) -> Claim:
    """Assign (or reassign, or with ``None`` unassign) a claim, with an optional due time.

    Editors only. The assignee must hold the reviewer or editor role. A new due time must not be in
    the past. A claim awaiting second review cannot be reassigned; a published claim is reopened
    only by ``claim_reopen`` (with a reason): saving its unchanged assignment changes nothing, and a
    changed one is refused. Every assignment is kept in the claim's history.
    """
    permissions.check(user, permissions.ASSIGN, claim)
    _check_assignee(assignee)
    if due is not None and not isinstance(due, dt.datetime):
        raise InvalidInput("due must be a date and time")
    with transaction.atomic():
        locked = _lock(claim)
        if locked.state == Claim.State.PROPOSED:
            raise _state_error(locked, "reassign")
        if locked.state == Claim.State.PUBLISHED:
            if (assignee, due) == (locked.assignee, locked.due):
                return locked
            raise InvalidTransition(f"cannot reassign: claim {locked.pk} is published; "
                                    "use “Reopen for review” with a reason first")
        if due is not None and due != locked.due:
            _check_due(due)
        before = {"assignee": _username(locked.assignee), "due": locked.due, "state": locked.state}
        locked.assignee = assignee
        locked.due = due
        if assignee is not None:
            locked.state = Claim.State.IN_REVIEW
        elif locked.state == Claim.State.IN_REVIEW:
            locked.state = Claim.State.UNREVIEWED
        after = {"assignee": _username(assignee), "due": due, "state": locked.state}
        changes = diff(before, after)
        if not changes:
            return locked
        locked.save(update_fields=["assignee", "due", "state", "updated_at"])
        Assignment.objects.create(claim=locked, assignee=assignee, assigned_by=user, due=due)
        audit_record(actor=user, action="claim.assign", obj=locked, changes=changes)
        if assignee is not None and assignee != user:
            when = f" by {timezone.localtime(due):%d %b %Y %H:%M}" if due else ""
            _notify(assignee, f"Claim #{locked.pk} assigned to you",
                    f"{user.username} assigned you claim #{locked.pk}{when}:\n\n{locked.text}")
    claim.refresh_from_db()
    return claim


def _check_assignee(assignee):
    if assignee is not None and roles.user_role(assignee) not in (roles.ROLE_EDITOR, roles.ROLE_REVIEWER):
        raise InvalidInput(f"{assignee.username} has no reviewer or editor role and cannot be assigned claims")


def _check_due(due):
    if due < timezone.now():
        when = timezone.localtime(due).strftime("%d %b %Y %H:%M %Z")
        raise InvalidInput(f"the due time {when} is in the past; give a time from now on")


def claim_reopen(*, claim: Claim, user, reason: str, assignee=None, due=None) -> Claim:
    """Reopen a published claim for re-review, with a reason (kept as a comment and in the audit).

    Editors only (``permissions.REOPEN``); the claim must be published. Its published verdict stands
    until a new one is approved. With an assignee the claim goes back in review to them, without
    one it waits unassigned; a due time must not be in the past.
    """
    reason = clean_text(reason, name="the reason").strip()
    if not reason:
        raise InvalidInput("a reason is required to reopen a published claim")
    permissions.check(user, permissions.REOPEN, claim)
    _check_assignee(assignee)
    if due is not None:
        if not isinstance(due, dt.datetime):
            raise InvalidInput("due must be a date and time")
        _check_due(due)
    with transaction.atomic():
        locked = _lock(claim)
        if locked.state != Claim.State.PUBLISHED:
            raise InvalidTransition(f"cannot reopen: claim {locked.pk} is not published "
                                    f"(it is {locked.get_state_display().lower()})")
        before = {"state": locked.state, "assignee": _username(locked.assignee), "due": locked.due}
        locked.state = Claim.State.IN_REVIEW if assignee is not None else Claim.State.UNREVIEWED
        locked.assignee, locked.due = assignee, due
        locked.save(update_fields=["state", "assignee", "due", "updated_at"])
        Assignment.objects.create(claim=locked, assignee=assignee, assigned_by=user, due=due)
        Comment.objects.create(claim=locked, author=user, text=f"Reopened for review: {reason}")
        audit_record(actor=user, action="claim.reopen", obj=locked,
                     changes=diff(before, {"state": locked.state, "assignee": _username(assignee), "due": due})
                     | {"reason": [None, reason]})
        if assignee is not None and assignee != user:
            _notify(assignee, f"Claim #{locked.pk} reopened for you",
                    f"{user.username} reopened claim #{locked.pk} for review: {reason}\n\n{locked.text}")
    claim.refresh_from_db()
    return claim


def _clean_evidence(items) -> list[dict]:
    out = []
    for i, item in enumerate(items or []):
        if not isinstance(item, dict):
            raise InvalidInput(f"evidence[{i}] must be an object with a url")
        url = clean_url(item.get("url"))
        if not url:
            raise InvalidInput(f"evidence[{i}] needs a url")
        out.append({"url": url, "title": str(item.get("title") or "")[:500], "note": str(item.get("note") or "")})
    return out


def claim_propose(*, claim: Claim, user, verdict: str, rationale: str, evidence=(), no_evidence_found=False) -> Claim:
    """Propose a verdict for second review.

    The claim must be in review; the user must be its assignee (reviewer) or an editor. The verdict
    is verified, disputed or unattributed, with a rationale and at least one evidence link (the
    claim's own or given here), or, for unattributed only, an explicit "no evidence found".
    """
    rationale, items = _proposal_input(verdict, rationale, evidence, no_evidence_found)
    with transaction.atomic():
        locked = _lock(claim)
        permissions.check(user, permissions.PROPOSE, locked)  # who is assigned is read under the lock
        _propose_locked(locked, user, verdict, rationale, items, no_evidence_found)
    claim.refresh_from_db()
    return claim


def _proposal_input(verdict, rationale, evidence, no_evidence_found) -> tuple[str, list[dict]]:
    if verdict not in Claim.PROPOSABLE:
        raise InvalidInput(f"verdict must be one of {', '.join(Claim.PROPOSABLE)}, got {verdict!r}")
    rationale = (rationale or "").strip()
    if not rationale:
        raise InvalidInput("a rationale is required")
    if no_evidence_found and verdict != Claim.Verdict.UNATTRIBUTED:
        raise InvalidInput("\"no evidence found\" is only possible with the verdict unattributed")
    return rationale, _clean_evidence(evidence)


def _propose_locked(locked: Claim, user, verdict, rationale, items, no_evidence_found) -> None:
    """The proposal, on the claim's locked row, once the caller has checked ``permissions.PROPOSE`` on it."""
    if locked.state != Claim.State.IN_REVIEW:
        raise _state_error(locked, "propose a verdict")
    if not items and not no_evidence_found and not locked.evidence.exists():
        raise InvalidInput("at least one evidence link is required (or \"no evidence found\" for unattributed)")
    for item in items:
        ev = Evidence.objects.create(claim=locked, added_by=user, **item)
        audit_record(actor=user, action="claim.evidence", obj=locked, changes={"evidence": [None, ev.url]})
    before = {"state": locked.state, "proposed_verdict": locked.proposed_verdict,
              "proposed_rationale": locked.proposed_rationale, "no_evidence_found": locked.no_evidence_found,
              "proposed_by": _username(locked.proposed_by)}
    locked.state = Claim.State.PROPOSED
    locked.proposed_verdict = verdict
    locked.proposed_rationale = rationale
    locked.no_evidence_found = bool(no_evidence_found)
    locked.proposed_by = user
    locked.proposed_at = timezone.now()
    locked.save()
    audit_record(actor=user, action="claim.propose", obj=locked,
                 changes=diff(before, {"state": locked.state, "proposed_verdict": verdict,
                                       "proposed_rationale": rationale,
                                       "no_evidence_found": locked.no_evidence_found,
                                       "proposed_by": user.username}))


def _second_review_checks(user, locked, doing):
    permissions.check(user, permissions.APPROVE, locked)
    if locked.state != Claim.State.PROPOSED:
        raise _state_error(locked, doing)
    if locked.proposed_by_id == user.pk:
        raise NotAllowed(f"{user.username} proposed this verdict and cannot also {doing} it: "
                         "a second editor must review it")


def claim_approve(*, claim: Claim, user, comment: str = "") -> Claim:
    """Second review: publish the proposed verdict.

    Editors only, never the person who proposed it. If the published verdict changes, claims that
    inherited the old one are flagged for re-review; claims matched ``same`` get it as a suggestion.
    """
    comment = clean_text(comment, name="the comment")
    with transaction.atomic():
        locked = _lock(claim)
        _second_review_checks(user, locked, "approve")
        before = {"state": locked.state, "verdict": locked.verdict, "verdict_note": locked.verdict_note,
                  "published_by": _username(locked.published_by)}
        changed = locked.verdict != locked.proposed_verdict
        previously_published = locked.verdict != Claim.Verdict.UNREVIEWED
        locked.state = Claim.State.PUBLISHED
        locked.verdict = locked.proposed_verdict
        locked.verdict_note = locked.proposed_rationale
        locked.published_by = user
        locked.published_at = timezone.now()
        locked.needs_rereview = False
        if locked.suggested_from_id and locked.verdict == locked.suggested_verdict:
            locked.inherited_from_id = locked.suggested_from_id
        locked.save()
        audit_record(actor=user, action="claim.approve", obj=locked,
                     changes=diff(before, {"state": locked.state, "verdict": locked.verdict,
                                           "verdict_note": locked.verdict_note, "published_by": user.username}))
        if comment.strip():
            Comment.objects.create(claim=locked, author=user, kind=Comment.Kind.APPROVAL, text=comment.strip())
        if changed and previously_published:
            _flag_inheritors(locked, user)
        _suggest_to_later_claims(locked, user)
        _notify(locked.proposed_by, f"Verdict on claim #{locked.pk} approved",
                f"{user.username} approved your verdict \"{locked.verdict}\" on claim #{locked.pk}:\n\n{locked.text}")
    claim.refresh_from_db()
    return claim


def _flag_inheritors(source: Claim, user):
    for heir in Claim.objects.select_for_update().filter(inherited_from=source, needs_rereview=False):
        heir.needs_rereview = True
        heir.save(update_fields=["needs_rereview", "updated_at"])
        audit_record(actor=user, action="claim.flag_rereview", obj=heir,
                     changes={"needs_rereview": [False, True], "because": [None, f"claim {source.pk} now {source.verdict}"]})


def _suggest_to_later_claims(source: Claim, user):
    # (PostgreSQL refuses FOR UPDATE with DISTINCT: find the ids first, then lock those rows)
    ids = set(
        ClaimMatch.objects.filter(earlier=source, kind=ClaimMatch.Kind.SAME)
        .exclude(claim__state=Claim.State.PUBLISHED).values_list("claim_id", flat=True)
    )
    later = Claim.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    for claim in later:
        if claim.suggested_verdict == source.verdict and claim.suggested_from_id == source.pk:
            continue
        before = {"suggested_verdict": claim.suggested_verdict, "suggested_from": claim.suggested_from_id}
        claim.suggested_verdict = source.verdict
        claim.suggested_from = source
        claim.save(update_fields=["suggested_verdict", "suggested_from", "updated_at"])
        audit_record(actor=user, action="claim.suggest", obj=claim,
                     changes=diff(before, {"suggested_verdict": source.verdict, "suggested_from": source.pk}))


def claim_send_back(*, claim: Claim, user, comment: str) -> Claim:
    """Second review: return the proposal to the reviewer with a comment (required)."""
    comment = clean_text(comment, name="the comment")
    if not comment:
        raise InvalidInput("a comment is required to send a verdict back")
    with transaction.atomic():
        locked = _lock(claim)
        _second_review_checks(user, locked, "send back")
        before = {"state": locked.state}
        locked.state = Claim.State.IN_REVIEW
        locked.save(update_fields=["state", "updated_at"])
        Comment.objects.create(claim=locked, author=user, kind=Comment.Kind.SEND_BACK, text=comment)
        audit_record(actor=user, action="claim.send_back", obj=locked,
                     changes=diff(before, {"state": locked.state}) | {"comment": [None, comment]})
        recipient = locked.proposed_by or locked.assignee
        _notify(recipient, f"Claim #{locked.pk} sent back",
                f"{user.username} sent back your verdict on claim #{locked.pk}:\n\n{comment}")
    claim.refresh_from_db()
    return claim


def claim_comment(*, claim: Claim, user, text: str) -> Comment:
    """A comment on a claim, by its assignee or an editor."""
    text = clean_text(text, name="the comment")
    if not text:
        raise InvalidInput("a comment cannot be empty")
    permissions.check(user, permissions.COMMENT, claim)
    with transaction.atomic():
        comment = Comment.objects.create(claim=claim, author=user, text=text)
        audit_record(actor=user, action="claim.comment", obj=claim, changes={"comment": [None, text]})
    return comment


def claim_add_evidence(*, claim: Claim, user, url: str, title: str = "", note: str = "") -> Evidence:
    """Add an evidence link to a claim, by its assignee or an editor."""
    (item,) = _clean_evidence([{"url": url, "title": title, "note": note}])
    permissions.check(user, permissions.COMMENT, claim)
    with transaction.atomic():
        ev = Evidence.objects.create(claim=claim, added_by=user, **item)
        audit_record(actor=user, action="claim.evidence", obj=claim, changes={"evidence": [None, ev.url]})
    return ev


def suggestion_acceptable(*, claim: Claim, user) -> bool:
    """Whether ``user`` is offered the one-click accept: a carried-over verdict on a claim in review
    they may propose on, or on an unassigned claim they may propose on (editors: it becomes theirs)."""
    if not claim.suggested_verdict or not permissions.allowed(user, permissions.PROPOSE, claim):
        return False
    return claim.state == Claim.State.IN_REVIEW or (
        claim.state == Claim.State.UNREVIEWED and claim.assignee_id is None
        and permissions.allowed(user, permissions.ASSIGN, claim))


def claim_accept_suggestion(*, claim: Claim, user) -> Claim:
    """One click: propose the verdict carried over from the earlier claim (second review still applies).

    On an unassigned claim the user (who must be allowed to propose on it and to assign) first takes
    it: assigned to them and proposed in one transaction, each step audited."""
    if not claim.suggested_verdict or not claim.suggested_from_id:
        raise InvalidTransition(f"claim {claim.pk} has no carried-over verdict to accept")
    source = claim.suggested_from
    evidence = [{"url": e.url, "title": e.title, "note": f"carried over from claim {source.pk}"}
                for e in source.evidence.all()]
    rationale = f"Same claim as #{source.pk}, published as {source.verdict}: {source.verdict_note}".strip()
    with transaction.atomic():
        locked = _lock(claim)  # whether it is still unassigned, and to whom, is read under the lock
        permissions.check(user, permissions.PROPOSE, locked)
        if locked.state == Claim.State.UNREVIEWED and locked.assignee_id is None:
            claim_assign(claim=locked, user=user, assignee=user, due=locked.due)  # and re-reads ``locked``
        no_evidence_found = not evidence and claim.suggested_verdict == Claim.Verdict.UNATTRIBUTED
        rationale, items = _proposal_input(claim.suggested_verdict, rationale, evidence, no_evidence_found)
        _propose_locked(locked, user, claim.suggested_verdict, rationale, items, no_evidence_found)
    claim.refresh_from_db()
    return claim


def match_decide(*, match: ClaimMatch, user, decision: str) -> MatchDecision:
    """A reviewer confirms or rejects a suggested match (kept for the precision-per-threshold report).

    Rules: the assignee or an editor decides; the latest decision is the one that stands. The same
    decision again changes nothing (no row, no audit record): the standing decision comes back with
    ``created`` False, and ``match_decision_text`` says who took it. A different decision adds a row
    and an audit record naming the one it replaces, so the earlier one stays on record. Read under
    the match's row lock, so two reviewers clicking at once record one decision, not two.
    """
    if decision not in MatchDecision.Decision.values:
        raise InvalidInput(f"decision must be confirm or reject, got {decision!r}")
    permissions.check(user, permissions.DECIDE_MATCH, match.claim)
    with transaction.atomic():
        lock_chain()
        locked = ClaimMatch.objects.select_for_update().filter(pk=match.pk).first()
        if locked is None:
            raise NotFound(f"no match with id {match.pk}")
        standing = locked.decisions.select_related("user").order_by("-at", "-id").first()
        if standing is not None and standing.decision == decision:
            standing.created = False
            return standing
        made = MatchDecision.objects.create(match=locked, user=user, username=getattr(user, "username", ""),
                                            decision=decision, score=locked.score)
        changes = {"match": [None, f"{locked.earlier_id} ({locked.kind}, {locked.score:.3f})"]}
        if standing is not None:
            changes["decision"] = [f"{standing.decision} by {standing.by}", decision]
        audit_record(actor=user, action=f"match.{decision}", obj=match.claim, changes=changes)
    made.created = True
    return made


def match_decision_text(decision: MatchDecision) -> str:
    """A decision as a person reads it: "confirmed by editor on 3 May 2026, 10:04"."""
    at = timezone.localtime(decision.at)
    return f"{decision.get_decision_display().lower()} by {decision.by} on {at:%-d %b %Y, %H:%M}"


def carry_over_suggestions(*, article_id: int, user=None) -> int:
    """Give the article's claims the published verdicts of earlier claims they match ``same``."""
    count = 0
    best = {}
    for m in (ClaimMatch.objects.filter(claim__article_id=article_id, kind=ClaimMatch.Kind.SAME,
                                        earlier__state=Claim.State.PUBLISHED)
              .select_related("earlier").order_by("claim_id", "-score")):
        best.setdefault(m.claim_id, m)
    if best:
        lock_chain()
    for claim_id, m in best.items():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.state == Claim.State.PUBLISHED:
            continue
        before = {"suggested_verdict": claim.suggested_verdict, "suggested_from": claim.suggested_from_id}
        claim.suggested_verdict = m.earlier.verdict
        claim.suggested_from_id = m.earlier_id
        claim.save(update_fields=["suggested_verdict", "suggested_from", "updated_at"])
        audit_record(actor=user, action="claim.suggest", obj=claim,
                     changes=diff(before, {"suggested_verdict": m.earlier.verdict, "suggested_from": m.earlier_id}))
        count += 1
    return count
