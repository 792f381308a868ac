"""The review workflow through the services: every role, every transition, the refused ones too."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from claims import workflow
from claims.errors import InvalidInput, InvalidTransition, NotAllowed
from claims.models import Assignment, AuditRecord, Claim, ClaimMatch, Comment

from .factories import EVIDENCE, ClaimFactory, EditorFactory, ReviewerFactory, ViewerFactory, publish_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return {
        "editor": EditorFactory(username="ed"),
        "editor2": EditorFactory(username="ed2"),
        "reviewer": ReviewerFactory(username="rev"),
        "other_reviewer": ReviewerFactory(username="rev2"),
        "viewer": ViewerFactory(username="view"),
    }


@pytest.fixture
def claim():
    return ClaimFactory()


def _assigned(claim, desk):
    return workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["reviewer"])


def _proposed(claim, desk, **kwargs):
    _assigned(claim, desk)
    return workflow.claim_propose(claim=claim, user=desk["reviewer"], verdict=kwargs.get("verdict", "disputed"),
                                  rationale="The minutes say otherwise", evidence=EVIDENCE)


def test_roles_exist_right_after_migrate_as_markers_without_model_permissions():
    from django.contrib.auth.models import Permission

    assert set(Group.objects.values_list("name", flat=True)) >= {"editor", "reviewer", "viewer"}
    assert not Permission.objects.filter(group__name__in=["editor", "reviewer", "viewer"]).exists()
    assert not Permission.objects.filter(
        codename__in=["assign_claim", "propose_verdict", "approve_verdict", "export_claims"]).exists()


def test_full_life_cycle_from_unreviewed_to_published(claim, desk):
    assert (claim.state, claim.verdict) == ("unreviewed", "unreviewed")
    due = timezone.now() + dt.timedelta(hours=4)
    workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["reviewer"], due=due)
    assert (claim.state, claim.assignee, claim.due) == ("in_review", desk["reviewer"], due)
    workflow.claim_propose(claim=claim, user=desk["reviewer"], verdict="disputed", rationale="Minutes say 3",
                           evidence=EVIDENCE)
    assert (claim.state, claim.proposed_verdict, claim.verdict) == ("proposed", "disputed", "unreviewed")
    assert claim.evidence.get().url == EVIDENCE[0]["url"]
    workflow.claim_approve(claim=claim, user=desk["editor2"])
    assert (claim.state, claim.verdict, claim.published_by) == ("published", "disputed", desk["editor2"])
    actions = list(AuditRecord.objects.filter(object_id=str(claim.pk)).values_list("action", flat=True))
    assert actions == ["claim.assign", "claim.evidence", "claim.propose", "claim.approve"]


def test_only_editors_assign(claim, desk):
    for who in ("reviewer", "viewer"):
        with pytest.raises(NotAllowed, match="only editors can assign claims"):
            workflow.claim_assign(claim=claim, user=desk[who], assignee=desk["reviewer"])
    assert not Assignment.objects.exists()


def test_viewers_cannot_be_assigned(claim, desk):
    with pytest.raises(InvalidInput, match="no reviewer or editor role"):
        workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["viewer"])


def test_reassignment_keeps_history_and_notifies(claim, desk, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("claims.tasks.notify_user.apply_async", lambda args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        _assigned(claim, desk)
        workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["other_reviewer"])
    history = list(claim.assignments.values_list("assignee__username", flat=True))
    assert history == ["rev", "rev2"]
    assert [a[0] for a in sent] == [desk["reviewer"].pk, desk["other_reviewer"].pk]
    assert "assigned to you" in sent[0][1]
    changes = [r.changes["assignee"] for r in AuditRecord.objects.filter(action="claim.assign")]
    assert changes == [[None, "rev"], ["rev", "rev2"]]


def test_notification_task_sends_the_email(desk):
    from claims.tasks import notify_user

    assert notify_user(desk["reviewer"].pk, "Claim #1 assigned to you", "body")
    assert mail.outbox[-1].to == ["rev@example.org"]
    assert mail.outbox[-1].subject == "[Claimdesk] Claim #1 assigned to you"
    assert not notify_user(987654, "x", "y")


def test_reviewer_proposes_only_on_claims_assigned_to_them(claim, desk):
    _assigned(claim, desk)
    with pytest.raises(NotAllowed, match="not assigned to rev2"):
        workflow.claim_propose(claim=claim, user=desk["other_reviewer"], verdict="verified", rationale="x",
                               evidence=EVIDENCE)
    with pytest.raises(NotAllowed, match="viewer and can only read"):
        workflow.claim_propose(claim=claim, user=desk["viewer"], verdict="verified", rationale="x", evidence=EVIDENCE)


def test_editor_may_propose_on_any_claim_in_review(claim, desk):
    _assigned(claim, desk)
    workflow.claim_propose(claim=claim, user=desk["editor"], verdict="verified", rationale="x", evidence=EVIDENCE)
    assert claim.state == "proposed"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"verdict": "mostly-true", "rationale": "x", "evidence": EVIDENCE}, "verdict must be one of"),
        ({"verdict": "unreviewed", "rationale": "x", "evidence": EVIDENCE}, "verdict must be one of"),
        ({"verdict": "verified", "rationale": "  ", "evidence": EVIDENCE}, "rationale is required"),
        ({"verdict": "verified", "rationale": "x", "evidence": []}, "at least one evidence link"),
        ({"verdict": "verified", "rationale": "x", "evidence": [{"url": "ftp://x"}]}, "url must be an http"),
        ({"verdict": "verified", "rationale": "x", "no_evidence_found": True}, "only possible with the verdict"),
    ],
)
def test_invalid_proposals_are_refused_and_change_nothing(claim, desk, kwargs, message):
    _assigned(claim, desk)
    with pytest.raises(InvalidInput, match=message):
        workflow.claim_propose(claim=claim, user=desk["reviewer"], **kwargs)
    claim.refresh_from_db()
    assert (claim.state, claim.proposed_verdict) == ("in_review", "")
    assert not claim.evidence.exists()


def test_unattributed_with_explicit_no_evidence_found(claim, desk):
    _assigned(claim, desk)
    workflow.claim_propose(claim=claim, user=desk["reviewer"], verdict="unattributed", rationale="No source found",
                           no_evidence_found=True)
    assert claim.state == "proposed" and claim.no_evidence_found


def test_the_same_person_never_proposes_and_approves(claim, desk):
    _assigned(claim, desk)
    workflow.claim_propose(claim=claim, user=desk["editor"], verdict="verified", rationale="x", evidence=EVIDENCE)
    with pytest.raises(NotAllowed, match="ed proposed this verdict and cannot also approve it"):
        workflow.claim_approve(claim=claim, user=desk["editor"])
    with pytest.raises(NotAllowed, match="cannot also send back"):
        workflow.claim_send_back(claim=claim, user=desk["editor"], comment="no")
    claim.refresh_from_db()
    assert claim.state == "proposed"


def test_reviewers_and_viewers_cannot_approve(claim, desk):
    _proposed(claim, desk)
    for who in ("reviewer", "other_reviewer", "viewer"):
        with pytest.raises(NotAllowed, match="only editors can approve"):
            workflow.claim_approve(claim=claim, user=desk[who])


def test_send_back_needs_a_comment_and_returns_the_claim_to_review(claim, desk, django_capture_on_commit_callbacks,
                                                                   monkeypatch):
    _proposed(claim, desk)
    with pytest.raises(InvalidInput, match="comment is required"):
        workflow.claim_send_back(claim=claim, user=desk["editor2"], comment="")
    sent = []
    monkeypatch.setattr("claims.tasks.notify_user.apply_async", lambda args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.claim_send_back(claim=claim, user=desk["editor2"], comment="Which minutes? Add the link.")
    assert claim.state == "in_review"
    assert claim.comments.get().kind == Comment.Kind.SEND_BACK
    assert sent[0][0] == desk["reviewer"].pk and "sent back" in sent[0][1]
    # the reviewer can propose again
    workflow.claim_propose(claim=claim, user=desk["reviewer"], verdict="disputed", rationale="Better", evidence=EVIDENCE)
    assert claim.state == "proposed"


@pytest.mark.parametrize(
    "setup, action, message",
    [
        ("unreviewed", "propose", "not assigned yet"),
        ("unreviewed", "approve", "not assigned yet"),
        ("in_review", "approve", "no proposed verdict to approve"),
        ("in_review", "send_back", "no proposed verdict to send back"),
        ("proposed", "propose", "awaiting second review"),
        ("proposed", "assign", "awaiting second review"),
        ("published", "approve", "is published"),
        ("published", "propose", "is published"),
    ],
)
def test_invalid_transitions_are_refused(claim, desk, setup, action, message):
    if setup in ("in_review", "proposed", "published"):
        _assigned(claim, desk)
    if setup in ("proposed", "published"):
        workflow.claim_propose(claim=claim, user=desk["reviewer"], verdict="verified", rationale="x", evidence=EVIDENCE)
    if setup == "published":
        workflow.claim_approve(claim=claim, user=desk["editor2"])
    calls = {
        "propose": lambda: workflow.claim_propose(claim=claim, user=desk["editor"], verdict="verified", rationale="x",
                                                  evidence=EVIDENCE),
        "approve": lambda: workflow.claim_approve(claim=claim, user=desk["editor2"]),
        "send_back": lambda: workflow.claim_send_back(claim=claim, user=desk["editor2"], comment="x"),
        "assign": lambda: workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["other_reviewer"]),
    }
    before = AuditRecord.objects.count()
    with pytest.raises(InvalidTransition, match=message):
        calls[action]()
    assert AuditRecord.objects.count() == before
    claim.refresh_from_db()
    assert claim.state == setup


def test_reopening_a_published_claim_with_a_reason_keeps_the_verdict_and_is_audited(claim, desk):
    publish_verdict(claim, "verified", reviewer=desk["reviewer"], assigner=desk["editor"], approver=desk["editor2"])
    workflow.claim_reopen(claim=claim, user=desk["editor"], reason="New figures", assignee=desk["other_reviewer"])
    assert (claim.state, claim.verdict, claim.assignee) == ("in_review", "verified", desk["other_reviewer"])
    rec = AuditRecord.objects.filter(action="claim.reopen").get()
    assert rec.changes["reason"] == [None, "New figures"] and rec.changes["state"] == ["published", "in_review"]
    assert "New figures" in claim.comments.get().text


def test_saving_an_unchanged_assignment_of_a_published_claim_does_not_reopen_it(claim, desk):
    publish_verdict(claim, "verified", reviewer=desk["reviewer"], assigner=desk["editor"], approver=desk["editor2"])
    before = AuditRecord.objects.count()
    workflow.claim_assign(claim=claim, user=desk["editor"], assignee=claim.assignee, due=claim.due)
    claim.refresh_from_db()
    assert claim.state == "published" and AuditRecord.objects.count() == before


def test_reassigning_a_published_claim_is_refused_pointing_to_reopen(claim, desk):
    publish_verdict(claim, "verified", reviewer=desk["reviewer"], assigner=desk["editor"], approver=desk["editor2"])
    with pytest.raises(InvalidTransition, match="Reopen for review"):
        workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["other_reviewer"])
    assert Claim.objects.get(pk=claim.pk).state == "published"


def test_reopen_needs_a_reason_an_editor_and_a_published_claim(claim, desk):
    with pytest.raises(InvalidInput, match="reason is required"):
        workflow.claim_reopen(claim=claim, user=desk["editor"], reason=" ")
    with pytest.raises(InvalidTransition, match="not published"):
        workflow.claim_reopen(claim=claim, user=desk["editor"], reason="x")
    publish_verdict(claim, "verified", reviewer=desk["reviewer"], assigner=desk["editor"], approver=desk["editor2"])
    with pytest.raises(NotAllowed, match="only editors can reopen"):
        workflow.claim_reopen(claim=claim, user=desk["reviewer"], reason="x")


def test_a_due_time_in_the_past_is_refused(claim, desk):
    past = timezone.now() - timezone.timedelta(hours=1)
    with pytest.raises(InvalidInput, match="in the past"):
        workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["reviewer"], due=past)
    assert not AuditRecord.objects.exists()


def test_comments_and_evidence_by_assignee_or_editor_only(claim, desk):
    _assigned(claim, desk)
    workflow.claim_comment(claim=claim, user=desk["reviewer"], text="Calling the council")
    workflow.claim_add_evidence(claim=claim, user=desk["editor"], url="https://example.org/a", title="A")
    with pytest.raises(NotAllowed):
        workflow.claim_comment(claim=claim, user=desk["other_reviewer"], text="me too")
    with pytest.raises(NotAllowed):
        workflow.claim_add_evidence(claim=claim, user=desk["viewer"], url="https://example.org/b")
    with pytest.raises(InvalidInput, match="empty"):
        workflow.claim_comment(claim=claim, user=desk["editor"], text=" ")
    assert claim.comments.count() == 1 and claim.evidence.count() == 1
    assert claim.evidence.get().added_by == desk["editor"]


def _match(new, old, kind="same", score=0.9):
    return ClaimMatch.objects.create(claim=new, earlier=old, score=score, kind=kind)


def test_carry_over_suggests_then_one_click_proposes_and_second_review_publishes(desk):
    earlier = ClaimFactory(text="The council said 12 bridges would close.")
    publish_verdict(earlier, "disputed", "Only three will close", assigner=desk["editor"], approver=desk["editor2"])
    later = ClaimFactory(text="Twelve bridges will close, the council said.")
    _match(later, earlier)
    assert workflow.carry_over_suggestions(article_id=later.article_id) == 1
    later.refresh_from_db()
    assert (later.suggested_verdict, later.suggested_from) == ("disputed", earlier)
    # Unassigned: an editor's accept would take it (tests/test_corrections.py); a reviewer cannot.
    with pytest.raises(NotAllowed, match="not assigned"):
        workflow.claim_accept_suggestion(claim=later, user=desk["reviewer"])
    _assigned(later, desk)
    workflow.claim_accept_suggestion(claim=later, user=desk["reviewer"])
    assert (later.state, later.proposed_verdict) == ("proposed", "disputed")
    assert later.evidence.count() == 1 and f"#{earlier.pk}" in later.proposed_rationale
    workflow.claim_approve(claim=later, user=desk["editor2"])
    assert (later.verdict, later.inherited_from) == ("disputed", earlier)


def test_related_matches_do_not_carry_verdicts_over(desk):
    earlier = publish_verdict(ClaimFactory(), "verified")
    later = ClaimFactory()
    _match(later, earlier, kind="related", score=0.5)
    assert workflow.carry_over_suggestions(article_id=later.article_id) == 0


def test_changing_a_published_verdict_flags_the_claims_that_inherited_it(desk):
    earlier = publish_verdict(ClaimFactory(), "verified", assigner=desk["editor"], approver=desk["editor2"])
    later = ClaimFactory()
    _match(later, earlier)
    workflow.carry_over_suggestions(article_id=later.article_id)
    _assigned(later, desk)
    workflow.claim_accept_suggestion(claim=later, user=desk["reviewer"])
    workflow.claim_approve(claim=later, user=desk["editor2"])
    assert not later.needs_rereview
    # the earlier verdict is reopened and changed
    workflow.claim_reopen(claim=earlier, user=desk["editor"], reason="New data", assignee=desk["reviewer"])
    workflow.claim_propose(claim=earlier, user=desk["reviewer"], verdict="disputed", rationale="New data",
                           evidence=EVIDENCE)
    workflow.claim_approve(claim=earlier, user=desk["editor2"])
    later.refresh_from_db()
    assert later.needs_rereview
    assert AuditRecord.objects.filter(object_id=str(later.pk), action="claim.flag_rereview").exists()


def test_publishing_gives_later_same_claims_the_suggestion(desk):
    earlier = ClaimFactory()
    later = ClaimFactory()
    _match(later, earlier)
    publish_verdict(earlier, "unattributed", assigner=desk["editor"], approver=desk["editor2"])
    later.refresh_from_db()
    assert later.suggested_verdict == "unattributed"


def test_match_decisions_are_stored_with_the_score(desk):
    earlier, later = ClaimFactory(), ClaimFactory()
    match = _match(later, earlier, score=0.77)
    _assigned(later, desk)
    decision = workflow.match_decide(match=match, user=desk["reviewer"], decision="reject")
    assert (decision.decision, decision.score) == ("reject", 0.77)
    with pytest.raises(InvalidInput):
        workflow.match_decide(match=match, user=desk["reviewer"], decision="maybe")


def test_queue_order_is_due_then_checkworthiness(desk):
    now = timezone.now()
    later_due = ClaimFactory(assignee=desk["reviewer"], due=now + dt.timedelta(days=2), checkworthiness=0.9)
    soon_due = ClaimFactory(assignee=desk["reviewer"], due=now + dt.timedelta(hours=1), checkworthiness=0.2)
    no_due_high = ClaimFactory(assignee=desk["reviewer"], checkworthiness=0.95)
    no_due_low = ClaimFactory(assignee=desk["reviewer"], checkworthiness=0.1)
    from claims.selectors import claim_list

    queue = list(claim_list(user=desk["reviewer"], assignee=desk["reviewer"], queue=True))
    assert queue == [soon_due, later_due, no_due_high, no_due_low]


def test_overdue_claims(desk):
    past = timezone.now() - dt.timedelta(hours=1)
    overdue = ClaimFactory(due=past, state="in_review")
    ClaimFactory(due=past, state="published")
    ClaimFactory(due=timezone.now() + dt.timedelta(hours=1))
    assert list(Claim.objects.overdue()) == [overdue]
    assert overdue.is_overdue


def test_users_without_a_role_see_nothing(desk):
    from .factories import UserFactory

    ClaimFactory()
    assert Claim.objects.visible_to(UserFactory()).count() == 0
    assert Claim.objects.visible_to(desk["viewer"]).count() == 1


def test_precision_per_threshold_from_reviewer_decisions(desk, capsys):
    from django.core.management import call_command

    from claims.selectors import match_precision_by_threshold

    claim = ClaimFactory()
    _assigned(claim, desk)
    for score, decision in [(0.9, "confirm"), (0.8, "confirm"), (0.6, "reject"), (0.5, "confirm")]:
        match = _match(claim, ClaimFactory(), score=score)
        workflow.match_decide(match=match, user=desk["reviewer"], decision=decision)
    rows = {r["threshold"]: r for r in match_precision_by_threshold(thresholds=[0.5, 0.7, 0.95])}
    assert (rows[0.5]["decided"], rows[0.5]["confirmed"]) == (4, 3)
    assert rows[0.7]["precision"] == 1.0
    assert rows[0.95]["precision"] is None
    call_command("matches", "report")
    out = capsys.readouterr().out
    assert "| threshold | decided | confirmed | precision |" in out
    assert "|      0.50 |       4 |         3 |     0.750 |" in out
