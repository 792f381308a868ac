"""The admin as each role sees it: workflow steps, bulk actions, read-only audit, the overview."""

import pytest
from django.urls import reverse

from claims.models import AuditRecord, Claim

from .factories import EVIDENCE, ClaimFactory, EditorFactory, ReviewerFactory, ViewerFactory, publish_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return {"editor": EditorFactory(username="ed"), "editor2": EditorFactory(username="ed2"),
            "reviewer": ReviewerFactory(username="rev"), "viewer": ViewerFactory(username="view")}


def _as(client, user):
    client.force_login(user)
    return client


def _step(client, claim, step, data=None):
    return client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, step]), data or {}, follow=True)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_workflow_steps_through_the_admin_are_audited_with_the_admin_door(client, users):
    claim = ClaimFactory()
    _step(_as(client, users["editor"]), claim, "assign", {"assignee": users["reviewer"].pk, "due": ""})
    response = _step(_as(client, users["reviewer"]), claim, "propose", {
        "verdict": "disputed", "rationale": "Minutes say three", "evidence_url": "https://example.org/m",
        "evidence_title": "Minutes"})
    assert "awaits a second review" in " ".join(_messages(response))
    _step(_as(client, users["editor2"]), claim, "approve")
    claim.refresh_from_db()
    assert (claim.state, claim.verdict) == ("published", "disputed")
    doors = set(AuditRecord.objects.filter(object_id=str(claim.pk)).values_list("door", flat=True))
    assert doors == {"admin"}


def test_reviewer_cannot_assign_in_the_admin(client, users):
    claim = ClaimFactory()
    response = _step(_as(client, users["reviewer"]), claim, "assign", {"assignee": users["reviewer"].pk})
    assert "only editors can assign claims" in " ".join(_messages(response))
    claim.refresh_from_db()
    assert claim.assignee is None and not AuditRecord.objects.exists()


def test_viewer_sees_claims_but_no_workflow_forms(client, users):
    claim = ClaimFactory()
    response = _as(client, users["viewer"]).get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert claim.text in html
    assert 'id="assign-form"' not in html and 'id="propose-form"' not in html
    assert "Nothing for you to do" in html
    response = _step(client, claim, "comment", {"comment": "hi"})
    assert "viewer and can only read" in " ".join(_messages(response))


def test_proposer_sees_no_approve_button_and_cannot_approve(client, users):
    claim = ClaimFactory()
    _as(client, users["editor"])
    _step(client, claim, "assign", {"assignee": users["editor"].pk})
    _step(client, claim, "propose", {"verdict": "verified", "rationale": "x", "evidence_url": "https://example.org/"})
    html = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert 'id="approve"' not in html and "another editor must approve it" in html
    response = _step(client, claim, "approve")
    assert "cannot also approve" in " ".join(_messages(response))
    assert Claim.objects.get(pk=claim.pk).state == "proposed"


def test_bulk_assign_writes_one_audit_record_per_claim(client, users):
    claims = [ClaimFactory(), ClaimFactory(), ClaimFactory()]
    url = reverse("admin:claims_claim_changelist")
    _as(client, users["editor"])
    response = client.post(url, {"action": "bulk_assign", "_selected_action": [c.pk for c in claims]})
    assert response.status_code == 200 and b"Apply to all selected" in response.content  # intermediate form
    client.post(url, {"action": "bulk_assign", "_selected_action": [c.pk for c in claims], "apply": "1",
                      "assignee": users["reviewer"].pk, "due": "2031-01-01 09:00"})
    assert Claim.objects.filter(assignee=users["reviewer"], state="in_review").count() == 3
    assert AuditRecord.objects.filter(action="claim.assign", door="admin").count() == 3


def test_bulk_actions_are_checked_per_claim_against_the_same_rules(client, users):
    mine = ClaimFactory()
    other = ClaimFactory()
    _as(client, users["editor"])
    _step(client, mine, "assign", {"assignee": users["reviewer"].pk})
    _step(client, other, "assign", {"assignee": users["editor"].pk})
    url = reverse("admin:claims_claim_changelist")
    _as(client, users["reviewer"])
    response = client.post(url, {"action": "bulk_propose", "_selected_action": [mine.pk, other.pk], "apply": "1",
                                 "verdict": "verified", "rationale": "Checked",
                                 "evidence_url": EVIDENCE[0]["url"]}, follow=True)
    text = " ".join(_messages(response))
    assert f"Claim #{other.pk}: claim {other.pk} is not assigned to rev" in text
    assert Claim.objects.get(pk=mine.pk).state == "proposed"
    assert Claim.objects.get(pk=other.pk).state == "in_review"
    _as(client, users["editor2"])
    client.post(url, {"action": "bulk_approve", "_selected_action": [mine.pk, other.pk]}, follow=True)
    assert Claim.objects.get(pk=mine.pk).state == "published"


def test_audit_records_are_read_only_in_the_admin(client, users):
    publish_verdict(ClaimFactory())
    rec = AuditRecord.objects.first()
    _as(client, users["editor"])
    assert client.get(reverse("admin:claims_auditrecord_changelist")).status_code == 200
    assert client.get(reverse("admin:claims_auditrecord_add")).status_code == 403
    response = client.post(reverse("admin:claims_auditrecord_change", args=[rec.pk]), {"action": "x"})
    assert response.status_code in (302, 403) or b"readonly" in response.content
    assert client.post(reverse("admin:claims_auditrecord_delete", args=[rec.pk]), {"post": "yes"}).status_code == 403
    assert AuditRecord.objects.get(pk=rec.pk).action == rec.action


def test_reviewer_queue_filter_and_overdue_marker(client, users):
    ClaimFactory(assignee=users["reviewer"], state="in_review", due="2001-01-01T00:00:00Z", text="Overdue one")
    ClaimFactory(text="Not mine")
    response = _as(client, users["reviewer"]).get(reverse("admin:claims_claim_changelist") + "?mine=1")
    html = response.content.decode()
    assert "Overdue one" in html and "Not mine" not in html
    assert "overdue ·" in html


def test_desk_overview_counts(client, users):
    publish_verdict(ClaimFactory(), reviewer=users["reviewer"])
    ClaimFactory(assignee=users["reviewer"], state="in_review", due="2001-01-01T00:00:00Z")
    response = _as(client, users["editor"]).get(reverse("admin:claims_claim_overview"))
    assert response.status_code == 200
    states = {value: n for value, _, n, _ in response.context["states"]}
    assert states == {"unreviewed": 0, "in_review": 1, "proposed": 0, "published": 1}
    assert response.context["overdue"] == 1
    rows = {r["assignee__username"]: r for r in response.context["per_reviewer"]}
    assert rows["rev"]["published"] == 1 and rows["rev"]["overdue"] == 1
    assert response.context["median_hours"] is not None


def test_only_editors_can_add_articles_in_the_admin(client, users):
    assert _as(client, users["reviewer"]).get(reverse("admin:claims_article_add")).status_code == 403
    assert _as(client, users["editor"]).get(reverse("admin:claims_article_add")).status_code == 200
