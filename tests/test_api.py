"""The REST API end to end (processing runs in-process here; the worker test runs it for real)."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import articles
from claims.models import Article, AuditRecord, Claim
from claims.processing import sender

from .factories import ClaimFactory, EditorFactory, publish_verdict

pytestmark = pytest.mark.django_db

BODY = "Bridge closes\n\nThe council closed the Harbour Bridge on Tuesday after finding corrosion in 14 cables."


@pytest.fixture
def editor():
    return EditorFactory(username="editor1")


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def api(editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


def test_token_endpoint_returns_a_token_for_valid_credentials(editor):
    response = APIClient().post("/api/auth/token/", {"username": "editor1", "password": "pw-for-tests-1"})
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=editor).key


def test_anonymous_requests_are_refused():
    client = APIClient()
    assert client.get("/api/claims/").status_code in (401, 403)
    assert client.post("/api/articles/", {"body": BODY}, format="json").status_code in (401, 403)
    assert not Article.objects.exists()


def test_post_article_answers_202_with_id_and_status(api, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(sender, "article_queue", lambda *, article_id: queued.append(article_id) or "")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/articles/", {"title": "T", "body": BODY, "source": "Gazette",
                                               "url": "https://example.org/a", "published": "2023-03-13"}, format="json")
    assert response.status_code == 202
    data = response.json()
    article = Article.objects.get(pk=data["id"])
    assert data["status"] == "queued" and data["duplicate"] is False
    assert queued == [article.pk]  # queued only after the transaction committed
    assert str(article.published) == "2023-03-13"


def test_same_body_twice_is_reported_as_duplicate(api):
    first = api.post("/api/articles/", {"body": BODY}, format="json").json()
    second = api.post("/api/articles/", {"body": BODY + "\n"}, format="json")
    assert second.status_code == 200
    assert second.json() | {"url": None} == {"id": first["id"], "status": "queued", "duplicate": True, "url": None}
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"body": ""}, "empty"),
        ({"body": " \n\t "}, "empty"),
        ({"body": "<p>&nbsp;</p><br>"}, "empty"),
        ({"body": "x" * (5 * 1024 * 1024)}, "too large"),
        ({"title": "no body"}, "body"),
        ({"body": BODY, "published": "yesterday"}, "published must be a date"),
    ],
)
def test_bad_articles_get_400_with_a_clear_message_and_nothing_is_stored(api, payload, message):
    response = api.post("/api/articles/", payload, format="json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Article.objects.exists()
    assert not AuditRecord.objects.exists()


def test_invalid_json_bytes_get_400(api):
    response = api.post("/api/articles/", data=b'{"body": "caf\xe9"}', content_type="application/json")
    assert response.status_code == 400
    assert not Article.objects.exists()


def test_unknown_ids_get_404_with_the_id_in_the_message(api):
    for url in ("/api/articles/999999/", "/api/claims/999999/", "/api/claims/999999/audit/"):
        response = api.get(url)
        assert response.status_code == 404
        assert "999999" in response.json()["detail"]
    response = api.post("/api/claims/999999/propose/", {"verdict": "verified", "rationale": "x"}, format="json")
    assert response.status_code == 404
    assert api.get("/api/articles/abc/").status_code == 400


def test_audit_records_cannot_be_changed_through_the_api(api):
    claim = ClaimFactory()
    publish_verdict(claim)
    url = f"/api/claims/{claim.pk}/audit/"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api, method)(url, {}, format="json").status_code == 405
    assert AuditRecord.objects.count() == 4  # assign, evidence, propose, approve


def test_claim_audit_pages_with_a_cursor_oldest_first(api):
    claim = publish_verdict(ClaimFactory())
    first = api.get(f"/api/claims/{claim.pk}/audit/?page_size=3").json()
    assert set(first) == {"next", "previous", "results"}
    rest = api.get(first["next"]).json()
    assert rest["next"] is None
    actions = [r["action"] for r in first["results"] + rest["results"]]
    assert actions == ["claim.assign", "claim.evidence", "claim.propose", "claim.approve"]
    assert api.get("/api/claims/999999/audit/").status_code == 404


def test_claims_list_filters(api, editor):
    mine = ClaimFactory(assignee=editor, verdict="disputed", state="published")
    ClaimFactory()
    data = api.get("/api/claims/?assignee=me").json()["results"]
    assert [c["id"] for c in data] == [mine.pk]
    assert [c["id"] for c in api.get("/api/claims/?verdict=disputed").json()["results"]] == [mine.pk]
    assert api.get("/api/claims/?verdict=bogus").status_code == 400


def test_json_export_follows_the_public_contract(api, seeds):
    for body in seeds:
        article = articles.article_ingest(body=body, queue=False).article
        articles.article_process_sync(article_id=article.pk)
    response = api.get("/api/export/json/")
    assert response.status_code == 200
    data = json.loads(response.getvalue())
    assert len(data) == Claim.objects.count() > 20
    required = {"id", "article", "text", "start", "end", "speaker", "attribution", "checkworthiness", "verdict",
                "assignee", "matches"}
    for item in data:
        assert required <= set(item)
        assert item["attribution"] in {"direct", "reported", "anonymous", "none"}
        assert 0 <= item["checkworthiness"] <= 1
        scores = [m["score"] for m in item["matches"]]
        assert scores == sorted(scores, reverse=True)
        for m in item["matches"]:
            assert set(m) == {"claim", "score", "kind"} and m["kind"] in {"same", "related", "conflict"}
    body = Article.objects.get(pk=data[0]["article"]).body
    assert body[data[0]["start"] : data[0]["end"]] == data[0]["text"]
    assert any(m["kind"] == "same" for item in data for m in item["matches"])


def test_csv_and_claimreview_exports(api, editor):
    claim = ClaimFactory(text="The council said 12 bridges would close.")
    publish_verdict(claim, "disputed", "Only 3 will close", assigner=editor)
    ClaimFactory()  # unreviewed: not in ClaimReview
    csv_text = api.get("/api/export/csv/").getvalue().decode()
    assert csv_text.splitlines()[0].startswith("id,article,article_title,start,end,text,speaker")
    assert len(csv_text.strip().splitlines()) == 3
    reviews = json.loads(api.get(f"/api/export/claimreview/?article={claim.article_id}").getvalue())
    assert len(reviews) == 1
    review = reviews[0]
    assert review["@type"] == "ClaimReview" and review["claimReviewed"] == claim.text
    assert review["reviewRating"]["alternateName"] == "Disputed"
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": claim.speaker.name}
    assert api.get("/api/export/pdf/").status_code == 400
    assert api.get("/api/export/json/?article=424242").status_code == 404


def test_openapi_schema_is_served(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/articles/" in response.content
