"""The API's refusals that a client meets off the happy path, each with the reason in ``detail``: sign-in
input no user could have, a deactivated user's token, nested validation errors, an empty page, a
broker that is down; and the client address that the sign-in throttle counts behind a proxy."""

import pytest
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.api.auth import client_ip
from claims.models import Article, Claim
from claims.processing import sender

from .factories import ClaimFactory, EditorFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

BODY = "Bridge closes\n\nThe council closed the Harbour Bridge on Tuesday after finding corrosion in 14 cables."


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.mark.parametrize("credentials", [
    '{"username": "editor1", "password": "\\ud800"}',  # a lone surrogate: no password can be one
    '{"username": "%s", "password": "pw-for-tests-1"}' % ("x" * 151),
    '{"username": "edi\\u0000tor1", "password": "pw-for-tests-1"}',
], ids=["lone-surrogate", "too-long", "nul"])
def test_sign_in_input_that_no_user_could_have_is_refused_as_a_wrong_sign_in(credentials):
    EditorFactory(username="editor1")
    response = APIClient().post("/api/auth/token/", credentials, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "unable to sign in with that username and password"}
    assert not Token.objects.exists()


def test_sign_in_without_a_password_names_what_is_missing():
    response = APIClient().post("/api/auth/token/", {"username": "editor1"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "username and password are required"}


def test_a_deactivated_users_token_is_refused():
    editor = EditorFactory()
    api = client_for(editor)
    editor.is_active = False
    editor.save()
    response = api.get("/api/claims/")
    assert response.status_code in (401, 403)
    assert response.json() == {"detail": "User inactive or deleted."}


def test_the_client_address_behind_a_proxy_is_the_right_most_of_the_configured_header(settings):
    settings.CLAIMDESK_CLIENT_IP_HEADER = "X-Forwarded-For"
    request = RequestFactory().get("/api/claims/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
                                   REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "203.0.113.9"  # the left one is the client's to invent
    bare = RequestFactory().get("/api/claims/", REMOTE_ADDR="10.0.0.2")
    assert client_ip(bare) == "10.0.0.2"  # no header: the proxy's own address


def test_without_a_configured_header_a_forwarded_address_is_ignored(settings):
    settings.CLAIMDESK_CLIENT_IP_HEADER = ""
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="198.51.100.4")
    assert client_ip(request) == "198.51.100.4"


def test_a_nested_validation_error_names_the_field_and_its_position():
    reviewer = ReviewerFactory()
    claim = ClaimFactory(assignee=reviewer)
    response = client_for(reviewer).post(
        f"/api/claims/{claim.pk}/propose/",
        {"verdict": "verified", "rationale": "minutes", "evidence": [{"url": "https://e.example/1"}, {"title": "x"}]},
        format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "evidence[1].url: This field is required."}
    assert Claim.objects.get(pk=claim.pk).verdict == Claim.Verdict.UNREVIEWED


def test_an_article_whose_html_is_blank_is_refused():
    response = client_for(EditorFactory()).post("/api/articles/", {"html": "   \n "}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "html is empty"}
    assert not Article.objects.exists()


def test_an_article_without_body_html_or_url_is_refused():
    response = client_for(EditorFactory()).post("/api/articles/", {"title": "Only a title"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "body: give a body, html or a url"}


@pytest.mark.usefixtures("flushable_db")  # transactional: on_commit runs; roles put back
def test_an_article_posted_while_the_broker_is_down_is_accepted_with_a_warning(monkeypatch):
    reason = "could not queue for processing, the broker is unavailable (OperationalError: refused)"
    monkeypatch.setattr(sender, "article_queue", lambda *, article_id, countdown=0: reason)
    response = client_for(EditorFactory()).post("/api/articles/", {"body": BODY}, format="json")
    assert response.status_code == 202
    data = response.json()
    assert data["status"] == "queued" and data["warning"] == reason
    assert Article.objects.get(pk=data["id"]).status == Article.Status.QUEUED
