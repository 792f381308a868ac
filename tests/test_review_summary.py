"""The editable ClaimReview summary: editors only, under 75 characters, never the verdict; audited,
exported as claimReviewed; from the admin's claim page and the API."""

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from claims import corrections, exports
from claims.errors import InvalidInput, NotAllowed
from claims.models import AuditRecord

from .factories import ClaimFactory, EditorFactory, ReviewerFactory, ViewerFactory, publish_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    return ClaimFactory(text="Chief engineer Tomas Brandt said the repairs would cost 12 million euros and take "
                             "a year, more than the council had told residents in March.")


def test_editor_sets_the_summary_and_the_audit_has_before_and_after(claim):
    editor = EditorFactory()
    corrections.claim_set_review_summary(claim=claim, user=editor, summary="  Bridge repairs  cost 12 million ")
    assert claim.review_summary == "Bridge repairs cost 12 million"
    rec = AuditRecord.objects.get(action="claim.review_summary")
    assert rec.changes == {"review_summary": ["", "Bridge repairs cost 12 million"]}
    assert (rec.object_id, rec.actor_username) == (str(claim.pk), editor.username)


def test_unchanged_summary_writes_no_audit_record(claim):
    editor = EditorFactory()
    corrections.claim_set_review_summary(claim=claim, user=editor, summary="Repairs cost 12 million")
    corrections.claim_set_review_summary(claim=claim, user=editor, summary="Repairs cost 12 million ")
    assert AuditRecord.objects.filter(action="claim.review_summary").count() == 1


def test_summary_of_75_characters_is_refused_74_accepted(claim):
    editor = EditorFactory()
    with pytest.raises(InvalidInput, match="under 75 characters"):
        corrections.claim_set_review_summary(claim=claim, user=editor, summary="x" * 75)
    corrections.claim_set_review_summary(claim=claim, user=editor, summary="x" * 74)
    assert len(claim.review_summary) == 74


@pytest.mark.parametrize("summary", ["Disputed: repairs cost 12 million", "Repairs cost 12m (verified)",
                                     "UNATTRIBUTED figure for the repairs"])
def test_summary_stating_a_verdict_is_refused(claim, summary):
    with pytest.raises(InvalidInput, match="must not state a verdict"):
        corrections.claim_set_review_summary(claim=claim, user=EditorFactory(), summary=summary)
    claim.refresh_from_db()
    assert claim.review_summary == "" and not AuditRecord.objects.filter(action="claim.review_summary").exists()


def test_a_verdict_word_inside_another_word_is_not_a_verdict(claim):
    corrections.claim_set_review_summary(claim=claim, user=EditorFactory(), summary="Undisputedly the costliest repair")
    assert claim.review_summary == "Undisputedly the costliest repair"


@pytest.mark.parametrize("factory", [ReviewerFactory, ViewerFactory])
def test_only_editors_set_the_summary_even_the_assignee_is_refused(claim, factory):
    user = factory()
    claim.assignee = user
    claim.save()
    with pytest.raises(NotAllowed, match="only editors can edit ClaimReview summaries"):
        corrections.claim_set_review_summary(claim=claim, user=user, summary="Repairs cost 12 million")


def test_empty_summary_goes_back_to_the_default_in_the_export(claim, settings):
    settings.CLAIMDESK_PUBLIC_CLAIM_URL = "https://desk.example/claims/{id}/"
    editor = EditorFactory()
    publish_verdict(claim, "disputed")
    corrections.claim_set_review_summary(claim=claim, user=editor, summary="Bridge repairs cost 12 million")
    review, = json.loads("".join(exports.export_stream("claimreview")))
    assert review["claimReviewed"] == "Bridge repairs cost 12 million"
    corrections.claim_set_review_summary(claim=claim, user=editor, summary="")
    review, = json.loads("".join(exports.export_stream("claimreview")))
    assert review["claimReviewed"].startswith("Chief engineer Tomas Brandt") and review["claimReviewed"].endswith("…")


# --- the admin's claim page ----------------------------------------------------------------------


def test_admin_claim_page_shows_the_exported_summary_and_saves_a_new_one(client, claim):
    client.force_login(EditorFactory())
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert 'id="summary-form"' in page and "Chief engineer Tomas Brandt said the repairs" in page
    response = client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, "summary"]),
                           {"summary": "Bridge repairs cost 12 million"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.review_summary == "Bridge repairs cost 12 million"


def test_admin_refused_summary_shows_the_page_again_with_the_input_and_the_error_beside_it(client, claim):
    client.force_login(EditorFactory())
    response = client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, "summary"]),
                           {"summary": "Verified: the repairs cost 12 million"})
    assert response.status_code == 200 and response.context["refused_step"] == "summary"
    form = response.context["summary_form"]
    assert form["summary"].value() == "Verified: the repairs cost 12 million"
    assert "must not state a verdict" in " ".join(form.errors["summary"])
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == []  # said once, beside the field


def test_admin_claim_page_offers_the_summary_form_only_to_editors(client, claim):
    client.force_login(ViewerFactory())
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert 'id="summary-form"' not in page and "Editors set it." in page


# --- the API -------------------------------------------------------------------------------------


def test_api_sets_the_summary_and_answers_what_is_exported(claim):
    api = APIClient()
    api.force_authenticate(EditorFactory())
    url = f"/api/claims/{claim.pk}/review-summary/"
    response = api.post(url, {"summary": "Bridge repairs cost 12 million"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id": claim.pk, "review_summary": "Bridge repairs cost 12 million",
                               "claim_reviewed": "Bridge repairs cost 12 million"}
    response = api.post(url, {"summary": ""}, format="json")
    assert response.json()["review_summary"] == "" and response.json()["claim_reviewed"].endswith("…")


def test_api_refusals_are_json_with_the_reason(claim):
    api = APIClient()
    api.force_authenticate(EditorFactory())
    response = api.post(f"/api/claims/{claim.pk}/review-summary/", {"summary": "y" * 80}, format="json")
    assert response.status_code == 400 and "under 75 characters" in response.json()["detail"]
    response = api.post(f"/api/claims/{claim.pk}/review-summary/", {}, format="json")
    assert response.status_code == 400 and "summary" in response.json()["detail"]
    response = api.post("/api/claims/999999/review-summary/", {"summary": "x"}, format="json")
    assert response.status_code == 404


def test_schema_documents_the_review_summary_operation(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    op = schema["paths"]["/api/claims/{claim_id}/review-summary/"]["post"]
    assert op["operationId"] == "claims_review_summary_create"
    assert {"200", "400", "401", "403", "404"} <= set(op["responses"])
