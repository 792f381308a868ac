"""The claim list's query parameters (django-filter, validated), ordering and cursor pages; the article
list without a count query per article; claim reads through the one selector that applies visible_to."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import selectors
from claims.errors import NotFound
from claims.models import Claim

from .factories import ArticleFactory, ClaimFactory, EditorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=EditorFactory()).key}")
    return client


@pytest.mark.parametrize("query,name", [
    ("verdict=maybe", "verdict"), ("state=done", "state"), ("article=abc", "article"),
    ("attribution=rumour", "attribution"), ("overdue=perhaps", "overdue"), ("assignee=nobody-here", "assignee"),
    ("checkworthiness_min=high", "checkworthiness_min"), ("checkworthiness_max=NaN", "checkworthiness_max"),
    ("ordering=text", "ordering"), ("cursor=not-a-cursor", "cursor"),
])
def test_a_bad_claim_list_parameter_is_a_400_naming_it(api, query, name):
    response = api.get(f"/api/claims/?{query}")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail"}
    assert response.json()["detail"].startswith(f"{name}: ")


def test_checkworthiness_range_and_ordering_filter_the_list(api):
    low, mid, high = (ClaimFactory(checkworthiness=v) for v in (0.2, 0.5, 0.9))
    got = api.get("/api/claims/?checkworthiness_min=0.3&checkworthiness_max=0.95&ordering=-checkworthiness").json()
    assert [c["id"] for c in got["results"]] == [high.pk, mid.pk]
    assert low.pk not in [c["id"] for c in api.get("/api/claims/?checkworthiness_min=0.3").json()["results"]]


def test_claim_list_pages_with_a_cursor_and_keeps_results(api):
    article = ArticleFactory()
    ids = sorted(ClaimFactory(article=article, start=i * 10, end=i * 10 + 5).pk for i in range(5))
    seen, url = [], "/api/claims/?page_size=2"
    while url:
        page = api.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert seen == ids


def test_queue_order_pages_through_claims_without_a_due_date(api):
    from rest_framework.authtoken.models import Token as T

    reviewer = EditorFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {T.objects.create(user=reviewer).key}")
    claims = [ClaimFactory(assignee=reviewer, checkworthiness=0.1 * (i + 1)) for i in range(3)]
    first = client.get("/api/claims/?assignee=me&page_size=2").json()
    rest = client.get(first["next"]).json()
    assert [c["id"] for c in first["results"] + rest["results"]] == [c.pk for c in reversed(claims)]


def test_article_list_counts_claims_in_one_query(api):
    for _ in range(4):
        article = ArticleFactory()
        ClaimFactory(article=article, start=0, end=5)
        ClaimFactory(article=article, start=10, end=15)
    with CaptureQueriesContext(connection) as queries:
        data = api.get("/api/articles/").json()
    assert [a["claim_count"] for a in data["results"]] == [2, 2, 2, 2]
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "GROUP BY" not in
                q["sql"].upper() and '"claims_claim"' in q["sql"] and "claims_article" not in q["sql"]]
    assert len(queries) <= 6


def test_claim_reads_go_through_visible_to(monkeypatch):
    claim = ClaimFactory()
    nobody = UserFactory()
    with pytest.raises(NotFound):
        selectors.claim_get(claim_id=claim.pk, user=nobody)
    # the API asks the same selector: a queryset that hides the claim hides it from detail and sub-reads
    monkeypatch.setattr(type(Claim.objects.all()), "visible_to", lambda self, user: self.none())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=EditorFactory()).key}")
    for tail in ("", "comments/", "evidence/", "audit/"):
        assert client.get(f"/api/claims/{claim.pk}/{tail}").status_code == 404, tail


def test_docs_page_serves_its_assets_locally(api):
    page = api.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
