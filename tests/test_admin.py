"""The admin as each role sees it: workflow steps, bulk actions, read-only audit, the overview."""

import pytest
from django.urls import reverse

from claims.models import Article, AuditRecord, Claim

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


# --- refused forms keep what was typed, with the error beside its field ---------------------------------


def _post(client, claim, step, data):
    return client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, step]), data)


def test_refused_proposal_shows_the_claim_page_again_with_the_rationale_and_verdict_kept(client, users):
    claim = ClaimFactory()
    _step(_as(client, users["editor"]), claim, "assign", {"assignee": users["reviewer"].pk})
    response = _post(_as(client, users["reviewer"]), claim, "propose",
                     {"verdict": "disputed", "rationale": "The minutes say three bridges"})
    assert response.status_code == 200
    form = response.context["propose_form"]
    assert form.data["rationale"] == "The minutes say three bridges" and form.data["verdict"] == "disputed"
    assert "at least one evidence link is required" in " ".join(form.errors["evidence_url"])
    html = response.content.decode()
    assert "The minutes say three bridges</textarea>" in html
    assert '<option value="disputed" selected>' in html
    assert Claim.objects.get(pk=claim.pk).state == "in_review"


def test_bad_evidence_url_keeps_its_title_and_note(client, users):
    claim = ClaimFactory()
    response = _post(_as(client, users["editor"]), claim, "evidence",
                     {"url": "not a url", "title": "Council minutes", "note": "page 4"})
    assert response.status_code == 200 and "url" in response.context["evidence_form"].errors
    html = response.content.decode()
    assert 'value="Council minutes"' in html and 'value="page 4"' in html


def test_no_verdict_is_preselected(client, users):
    claim = ClaimFactory()
    _step(_as(client, users["editor"]), claim, "assign", {"assignee": users["editor"].pk})
    html = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert '<option value="" selected>— choose a verdict —</option>' in html
    response = _post(client, claim, "propose", {"rationale": "x", "evidence_url": "https://example.org/"})
    assert "verdict" in response.context["propose_form"].errors


def test_a_past_due_time_is_refused_beside_the_field(client, users):
    claim = ClaimFactory()
    response = _post(_as(client, users["editor"]), claim, "assign",
                     {"assignee": users["reviewer"].pk, "due": "2001-01-01T09:00"})
    assert "is in the past" in " ".join(response.context["assign_form"].errors["due"])
    assert Claim.objects.get(pk=claim.pk).assignee is None


def test_saving_the_unchanged_assignment_form_of_a_published_claim_changes_nothing(client, users):
    claim = publish_verdict(ClaimFactory(), reviewer=users["reviewer"])
    _as(client, users["editor"])
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert 'id="assign-form"' not in page.content.decode() and 'id="reopen-form"' in page.content.decode()
    before = AuditRecord.objects.count()
    _step(client, claim, "assign", {"assignee": users["reviewer"].pk, "due": ""})
    assert Claim.objects.get(pk=claim.pk).state == "published" and AuditRecord.objects.count() == before
    response = _post(client, claim, "reopen", {"reason": "   "})
    assert "reason" in response.context["reopen_form"].errors
    html = response.content.decode()
    assert "errorlist" in html[html.index('id="reopen-form"'):], html[html.index('id="reopen-form"'):][:1500]
    _step(client, claim, "reopen", {"reason": "New council figures", "assignee": users["reviewer"].pk})
    assert Claim.objects.get(pk=claim.pk).state == "in_review"


def test_approval_queue_lists_claims_proposed_by_someone_else(client, users):
    mine, theirs = ClaimFactory(), ClaimFactory()
    for claim, proposer in ((mine, users["editor"]), (theirs, users["editor2"])):
        _step(_as(client, users["editor"]), claim, "assign", {"assignee": proposer.pk})
        _step(_as(client, proposer), claim, "propose", {"verdict": "verified", "rationale": "x",
                                                          "evidence_url": "https://example.org/"})
    response = _as(client, users["editor"]).get(reverse("admin:claims_claim_changelist") + "?mine=approve")
    assert [c.pk for c in response.context["cl"].result_list] == [theirs.pk]


def test_assignee_choices_leave_out_viewers(client, users):
    claim = ClaimFactory()
    form = _as(client, users["editor"]).get(reverse("admin:claims_claim_change", args=[claim.pk])).context["assign_form"]
    names = {u.username for u in form.fields["assignee"].queryset}
    assert names == {"ed", "ed2", "rev"}


def test_article_progress_is_json_and_the_add_flow_lands_on_the_article(client, users, settings):
    _as(client, users["editor"])
    body = "Bridge\n\nThe council closed the bridge on Monday, the mayor said."
    response = client.post(reverse("admin:claims_article_add"), {"body": body, "title": "", "source": "",
                                                                 "url": "", "published": ""}, follow=True)
    article = Article.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:claims_article_change", args=[article.pk])
    assert [str(m) for m in response.context["messages"]] == [
        "Article stored; claims are being extracted in the background."]
    progress = client.get(reverse("admin:claims_article_progress", args=[article.pk])).json()
    assert progress["status"] == article.status and progress["finished"] is False
    again = client.post(reverse("admin:claims_article_add"), {"body": body, "title": "", "source": "", "url": "",
                                                              "published": ""}, follow=True)
    texts = [str(m) for m in again.context["messages"]]
    assert len(texts) == 1 and "already ingested" in texts[0] and Article.objects.count() == 1
    assert again.redirect_chain[-1][0] == reverse("admin:claims_article_change", args=[article.pk])
