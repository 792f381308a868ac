"""The workflow API contract end to end: token auth, roles, transitions, refusals, audit."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import AuditRecord, Claim

from .factories import EVIDENCE, ClaimFactory, EditorFactory, ReviewerFactory, UserFactory, ViewerFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def desk():
    users = {
        "editor": EditorFactory(username="ed"),
        "editor2": EditorFactory(username="ed2"),
        "reviewer": ReviewerFactory(username="rev"),
        "other": ReviewerFactory(username="rev2"),
        "viewer": ViewerFactory(username="view"),
    }
    return {name: client_for(user) for name, user in users.items()} | {"users": users}


def test_token_login_and_anonymous_refusal():
    EditorFactory(username="ed")
    response = APIClient().post("/api/auth/token/", {"username": "ed", "password": "pw-for-tests-1"}, format="json")
    assert response.status_code == 200 and response.json()["token"]
    assert APIClient().get("/api/claims/").status_code in (401, 403)
    bad = APIClient().post("/api/auth/token/", {"username": "ed", "password": "wrong"}, format="json")
    assert bad.status_code == 400


def test_user_without_a_role_is_refused():
    response = client_for(UserFactory()).get("/api/claims/")
    assert response.status_code == 403
    assert "desk role" in response.json()["detail"]


def test_whole_contract_assign_propose_send_back_approve_audit(desk):
    claim = ClaimFactory()
    url = f"/api/claims/{claim.pk}/"
    r = desk["editor"].post(url + "assign/", {"assignee": "rev", "due": "2030-01-02T15:00:00Z"}, format="json")
    assert r.status_code == 200, r.json()
    assert (r.json()["state"], r.json()["assignee"], r.json()["due"]) == ("in_review", "rev", "2030-01-02T15:00:00Z")

    queue = desk["reviewer"].get("/api/claims/?assignee=me").json()["results"]
    assert [c["id"] for c in queue] == [claim.pk]

    r = desk["reviewer"].post(url + "propose/", {"verdict": "disputed", "rationale": "Minutes say three",
                                                 "evidence": EVIDENCE}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["state"], body["proposed_verdict"], body["verdict"]) == ("proposed", "disputed", "unreviewed")
    assert body["evidence"][0]["url"] == EVIDENCE[0]["url"]

    r = desk["editor2"].post(url + "send-back/", {"comment": "Link the page, not the site"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "in_review"
    r = desk["reviewer"].post(url + "propose/", {"verdict": "disputed", "rationale": "Page 4",
                                                 "evidence": [{"url": "https://example.org/p4", "title": "p4"}]},
                              format="json")
    assert r.status_code == 200
    r = desk["editor2"].post(url + "approve/", {}, format="json")
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["verdict"]) == ("published", "disputed")

    audit = desk["viewer"].get(url + "audit/").json()["results"]
    assert [a["action"] for a in audit] == [
        "claim.assign", "claim.evidence", "claim.propose", "claim.send_back", "claim.evidence", "claim.propose",
        "claim.approve",
    ]
    assert {a["door"] for a in audit} == {"api"}
    assert [a["actor"] for a in audit][-1] == "ed2"
    for a in audit:
        assert {"actor", "at", "action", "changes", "door"} <= set(a)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(desk["editor"], method)(url + "audit/", {}, format="json").status_code == 405


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_assign_is_for_editors_only(desk, who):
    claim = ClaimFactory()
    r = desk[who].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "rev"}, format="json")
    assert r.status_code == 403
    assert "only editors can assign" in r.json()["detail"]


def test_reviewer_cannot_propose_on_someone_elses_claim(desk):
    claim = ClaimFactory()
    desk["editor"].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "rev"}, format="json")
    r = desk["other"].post(f"/api/claims/{claim.pk}/propose/", {"verdict": "verified", "rationale": "x",
                                                                "evidence": EVIDENCE}, format="json")
    assert r.status_code == 403
    assert "not assigned to rev2" in r.json()["detail"]


def test_proposer_cannot_approve_own_verdict(desk):
    claim = ClaimFactory()
    desk["editor"].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "rev"}, format="json")
    desk["editor"].post(f"/api/claims/{claim.pk}/propose/", {"verdict": "verified", "rationale": "x",
                                                             "evidence": EVIDENCE}, format="json")
    r = desk["editor"].post(f"/api/claims/{claim.pk}/approve/", {}, format="json")
    assert r.status_code == 403
    assert "cannot also approve" in r.json()["detail"]


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"verdict": "pants-on-fire", "rationale": "x", "evidence": EVIDENCE}, "verdict must be one of"),
        ({"verdict": "verified", "rationale": "", "evidence": EVIDENCE}, "rationale"),
        ({"verdict": "verified", "rationale": "x"}, "at least one evidence link"),
        ({"verdict": "verified", "rationale": "x", "evidence": [{"title": "no url"}]}, "url"),
    ],
)
def test_invalid_values_get_400(desk, payload, message):
    claim = ClaimFactory()
    desk["editor"].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "rev"}, format="json")
    r = desk["reviewer"].post(f"/api/claims/{claim.pk}/propose/", payload, format="json")
    assert r.status_code == 400
    assert message in r.json()["detail"]
    assert Claim.objects.get(pk=claim.pk).state == "in_review"


def test_bad_due_and_unknown_assignee_get_400(desk):
    claim = ClaimFactory()
    r = desk["editor"].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "rev", "due": "next tuesday"},
                            format="json")
    assert r.status_code == 400 and "due must be an ISO 8601" in r.json()["detail"]
    r = desk["editor"].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "nobody"}, format="json")
    assert r.status_code == 400 and "nobody" in r.json()["detail"]


def test_transitions_the_state_does_not_allow_get_409(desk):
    claim = ClaimFactory()
    base = f"/api/claims/{claim.pk}/"
    assert desk["editor"].post(base + "approve/", {}, format="json").status_code == 409
    desk["editor"].post(base + "assign/", {"assignee": "rev"}, format="json")
    desk["reviewer"].post(base + "propose/", {"verdict": "verified", "rationale": "x", "evidence": EVIDENCE},
                          format="json")
    r = desk["reviewer"].post(base + "propose/", {"verdict": "verified", "rationale": "x", "evidence": EVIDENCE},
                              format="json")
    assert r.status_code == 409 and "awaiting second review" in r.json()["detail"]
    assert desk["editor2"].post(base + "approve/", {}, format="json").status_code == 200
    r = desk["editor2"].post(base + "approve/", {}, format="json")
    assert r.status_code == 409 and "is published" in r.json()["detail"]


def test_claim_list_filters_state_verdict_overdue(desk):
    overdue = ClaimFactory(state="in_review", due="2001-01-01T00:00:00Z")
    published = ClaimFactory(state="published", verdict="verified")
    ids = lambda r: [c["id"] for c in r.json()["results"]]  # noqa: E731
    assert ids(desk["viewer"].get("/api/claims/?overdue=true")) == [overdue.pk]
    assert ids(desk["viewer"].get("/api/claims/?state=published")) == [published.pk]
    assert ids(desk["viewer"].get("/api/claims/?verdict=verified")) == [published.pk]
    assert desk["viewer"].get("/api/claims/?state=nonsense").status_code == 400
    detail = desk["viewer"].get(f"/api/claims/{overdue.pk}/").json()
    assert {"id", "verdict", "state", "assignee", "proposed_verdict"} <= set(detail)
    assert detail["overdue"] is True


def test_only_editors_ingest_and_export(desk):
    r = desk["reviewer"].post("/api/articles/", {"body": "Bridge\n\nThe council closed the bridge."}, format="json")
    assert r.status_code == 403
    assert desk["viewer"].get("/api/export/json/").status_code == 403
    assert desk["editor"].get("/api/export/json/").status_code == 200


def test_comments_evidence_and_match_decisions(desk):
    from claims.models import ClaimMatch

    claim, earlier = ClaimFactory(), ClaimFactory()
    match = ClaimMatch.objects.create(claim=claim, earlier=earlier, score=0.8, kind="same")
    desk["editor"].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "rev"}, format="json")
    r = desk["reviewer"].post(f"/api/claims/{claim.pk}/comments/", {"text": "On it"}, format="json")
    assert r.status_code == 201 and r.json()["author"] == "rev"
    r = desk["reviewer"].post(f"/api/claims/{claim.pk}/evidence/", {"url": "https://example.org/x", "title": "X"},
                              format="json")
    assert r.status_code == 201
    r = desk["reviewer"].post(f"/api/matches/{match.pk}/decision/", {"decision": "confirm"}, format="json")
    assert r.status_code == 201 and r.json()["score"] == 0.8
    assert desk["other"].post(f"/api/claims/{claim.pk}/comments/", {"text": "x"}, format="json").status_code == 403
    assert desk["reviewer"].get(f"/api/claims/{claim.pk}/comments/").json()[0]["text"] == "On it"


def test_audit_export_per_claim_user_and_time(desk):
    claim = ClaimFactory()
    desk["editor"].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "rev"}, format="json")
    desk["reviewer"].post(f"/api/claims/{claim.pk}/comments/", {"text": "On it"}, format="json")
    data = desk["editor"].get(f"/api/audit/?claim={claim.pk}").json()["results"]
    assert [r["action"] for r in data] == ["claim.assign", "claim.comment"]
    assert [r["action"] for r in desk["editor"].get("/api/audit/?user=rev").json()["results"]] == ["claim.comment"]
    assert desk["editor"].get("/api/audit/?since=2999-01-01").json() == {"next": None, "previous": None,
                                                                          "results": []}
    csv_text = desk["editor"].get(f"/api/audit/?claim={claim.pk}&as=csv").content.decode()
    assert csv_text.splitlines()[0].startswith("id,at,actor,door")
    assert len(csv_text.strip().splitlines()) == 3
    assert desk["reviewer"].get("/api/audit/").status_code == 403
    assert desk["editor"].get("/api/audit/?since=yesterday").status_code == 400
    assert desk["editor"].get("/api/audit/?as=xml").status_code == 400
    assert AuditRecord.objects.count() == 2


def test_audit_export_json_pages_with_a_cursor_oldest_first_and_csv_stays_whole(desk):
    claims = [ClaimFactory() for _ in range(3)]
    for claim in claims:
        desk["editor"].post(f"/api/claims/{claim.pk}/assign/", {"assignee": "rev"}, format="json")
    desk["reviewer"].post(f"/api/claims/{claims[0].pk}/comments/", {"text": "On it"}, format="json")
    seen, url = [], "/api/audit/?page_size=2"
    while url:
        page = desk["editor"].get(url).json()
        assert set(page) == {"next", "previous", "results"} and len(page["results"]) <= 2
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert seen == list(AuditRecord.objects.order_by("id").values_list("id", flat=True)) and len(seen) == 4
    assert len(desk["editor"].get("/api/audit/?as=csv").content.decode().strip().splitlines()) == 1 + 4
    assert desk["editor"].get("/api/audit/?cursor=not-a-cursor").status_code == 400


def test_openapi_schema_documents_the_workflow(desk):
    schema = desk["viewer"].get("/api/schema/").content.decode()
    for route in ("/api/claims/{claim_id}/assign/", "/api/claims/{claim_id}/propose/",
                  "/api/claims/{claim_id}/approve/", "/api/claims/{claim_id}/send-back/",
                  "/api/claims/{claim_id}/audit/", "/api/auth/token/"):
        assert route in schema
