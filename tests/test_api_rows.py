"""The claim list is written from rows (``selectors.claim_list_rows``, ``ClaimSerializer.rows``), not
from model instances: it must give exactly what ``ClaimSerializer`` gives for the same claims, in a
fixed number of queries whatever the page size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import selectors, workflow
from claims.api.serializers import ClaimDetailSerializer, ClaimSerializer
from claims.models import Claim, ClaimMatch

from .factories import ArticleFactory, ClaimFactory, EditorFactory, ReviewerFactory, SpeakerFactory, publish_verdict

pytestmark = pytest.mark.django_db


def _desk():
    """Claims in every shape a row can take: published (publisher, dates), proposed, assigned and
    overdue, assigned not yet due, without a speaker, with matches (two, tied and not), suggested."""
    article = ArticleFactory()
    reviewer = ReviewerFactory()
    published = publish_verdict(ClaimFactory(article=article, start=0, end=10, checkworthiness=0.93,
                                             quantities=[{"value": 3.0, "unit": "bridges"}],
                                             checkworthiness_reasons=["number or quantity"]),
                                verdict="disputed", reviewer=reviewer)
    proposed = ClaimFactory(article=article, start=20, end=30, speaker=SpeakerFactory(name="the mayor", kind="role"))
    workflow.claim_assign(claim=proposed, user=EditorFactory(), assignee=reviewer)
    workflow.claim_propose(claim=proposed, user=reviewer, verdict="verified", rationale="Minutes, p. 3",
                           evidence=[{"url": "https://example.org/m", "title": "Minutes"}])
    overdue = ClaimFactory(article=article, start=40, end=50, speaker=None, attribution=Claim.Attribution.NONE,
                           assignee=reviewer, due=timezone.now() - dt.timedelta(hours=2))
    later = ClaimFactory(article=ArticleFactory(), start=0, end=12, assignee=reviewer,
                         due=timezone.now() + dt.timedelta(days=2), suggested_verdict="disputed",
                         suggested_from=published, needs_rereview=True)
    ClaimMatch.objects.create(claim=later, earlier=published, score=0.91, kind="same", lexical=0.4, semantic=0.9,
                              reason="same claim")
    ClaimMatch.objects.create(claim=later, earlier=proposed, score=0.91, kind="related", reason="")
    ClaimMatch.objects.create(claim=later, earlier=overdue, score=0.97, kind="conflict", reason="numbers differ")
    return reviewer, [published, proposed, overdue, later]


def test_rows_render_exactly_as_the_serializer_does():
    reviewer, claims = _desk()
    qs = selectors.claim_list(user=reviewer)
    expected = ClaimSerializer(qs.prefetch_related("matches__earlier"), many=True).data
    rows = list(selectors.claim_list_rows(qs))
    got = ClaimSerializer.rows(rows, selectors.match_rows([r["id"] for r in rows]))
    assert len(got) == len(claims) == len(expected)
    assert [dict(e) for e in expected] == got
    later = got[-1]
    # best score first, a tie broken by the earlier claim's id
    assert [m["kind"] for m in later["matches"]] == ["conflict", "same", "related"]
    assert [c["overdue"] for c in got] == [False, False, True, False]


def test_the_api_list_is_the_serializer_output_in_a_fixed_number_of_queries():
    reviewer, claims = _desk()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reviewer).key}")
    for _ in range(20):  # more rows must not mean more queries
        ClaimFactory()
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/claims/?page_size=500").json()
    few = len(queries)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/claims/?page_size=2").json()
    assert len(queries) == few <= 6
    qs = selectors.claim_list(user=reviewer).prefetch_related("matches__earlier")
    assert body["results"] == [dict(c) for c in ClaimSerializer(qs, many=True).data]


def test_the_queue_order_pages_through_rows_with_its_cursor():
    reviewer, claims = _desk()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reviewer).key}")
    seen, url = [], "/api/claims/?assignee=me&page_size=1"
    while url:
        page = client.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    # earliest due first (the overdue claim, then the one due in two days), no due date last
    assert seen[:2] == [claims[2].pk, claims[3].pk]
    assert sorted(seen) == sorted(c.pk for c in Claim.objects.filter(assignee=reviewer))


def test_a_claim_page_renders_exactly_as_the_detail_serializer_does():
    reviewer, claims = _desk()
    workflow.claim_comment(claim=claims[1], user=reviewer, text="Asked the council press office.")
    for claim in claims:
        instance = (Claim.objects.select_related("speaker", "assignee", "proposed_by", "published_by")
                    .prefetch_related("matches__earlier", "evidence__added_by", "comments__author").get(pk=claim.pk))
        expected = ClaimDetailSerializer(instance).data
        got = ClaimDetailSerializer.row(selectors.claim_page_rows(claim_id=claim.pk, user=reviewer))
        assert got == expected
    assert got["matches"] and ClaimDetailSerializer.row(
        selectors.claim_page_rows(claim_id=claims[1].pk))["comments"][-1]["text"] == "Asked the council press office."


def test_a_claim_page_refuses_an_unknown_or_hidden_claim():
    from claims.errors import NotFound

    from .factories import UserFactory

    claim = ClaimFactory()
    with pytest.raises(NotFound, match=f"no claim with id {claim.pk + 1000}"):
        selectors.claim_page_rows(claim_id=claim.pk + 1000)
    with pytest.raises(NotFound):
        selectors.claim_page_rows(claim_id=claim.pk, user=UserFactory())  # no desk role: sees nothing
