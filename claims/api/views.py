"""REST endpoints: parse, call one service or selector, shape the answer."""

from django.http import HttpResponse
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from claims import exports, selectors, services
from claims.errors import InvalidInput

from .serializers import (
    ArticleInSerializer,
    ArticleSerializer,
    AssignInSerializer,
    AuditRecordSerializer,
    ClaimSerializer,
    VerdictInSerializer,
)


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise InvalidInput("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in serializer.errors.items()))
    return serializer.validated_data


def _paginate(request, queryset, serializer_class, **kwargs):
    from rest_framework.pagination import PageNumberPagination

    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serializer_class(page, many=True, **kwargs).data)


@api_view(["GET", "POST"])
def article_list(request):
    """GET: articles, newest first. POST: ingest one article; 202 with its id and status at once."""
    if request.method == "GET":
        from claims.models import Article

        return _paginate(request, Article.objects.all(), ArticleSerializer)
    data = _valid(ArticleInSerializer, request.data)
    result = services.article_ingest(user=request.user, **data)
    article = result.article
    body = {
        "id": article.pk,
        "status": article.status,
        "duplicate": result.duplicate,
        "url": request.build_absolute_uri(f"/api/articles/{article.pk}/"),
    }
    if result.queue_error:
        body["warning"] = result.queue_error
    return Response(body, status=status.HTTP_200_OK if result.duplicate else status.HTTP_202_ACCEPTED)


@api_view(["GET"])
def article_detail(request, article_id):
    article = selectors.article_get(article_id=article_id)
    return Response(ArticleSerializer(article, context={"with_claims": True}).data)


@api_view(["GET"])
def claim_list(request):
    """Claims in reading order; filters: ?article=, ?verdict=, ?attribution=, ?assignee=me|username."""
    assignee = request.query_params.get("assignee")
    if assignee == "me":
        assignee = request.user
    elif assignee:
        assignee = selectors.user_get_by_username(username=assignee)
    qs = selectors.claim_list(
        article_id=request.query_params.get("article"),
        verdict=request.query_params.get("verdict"),
        attribution=request.query_params.get("attribution"),
        assignee=assignee,
    ).prefetch_related("matches__earlier")
    return _paginate(request, qs, ClaimSerializer)


@api_view(["GET"])
def claim_detail(request, claim_id):
    return Response(ClaimSerializer(selectors.claim_get(claim_id=claim_id)).data)


@api_view(["POST"])
def claim_verdict(request, claim_id):
    """Set a claim's verdict: {"verdict": "verified|disputed|unattributed|unreviewed", "note": "..."}."""
    claim = selectors.claim_get(claim_id=claim_id)
    data = _valid(VerdictInSerializer, request.data)
    claim = services.claim_set_verdict(claim=claim, user=request.user, verdict=data["verdict"], note=data["note"])
    return Response(ClaimSerializer(claim).data)


@api_view(["POST"])
def claim_assign(request, claim_id):
    """Assign a claim: {"assignee": "<username>"} (null or "" unassigns)."""
    claim = selectors.claim_get(claim_id=claim_id)
    data = _valid(AssignInSerializer, request.data)
    assignee = selectors.user_get_by_username(username=data["assignee"]) if data["assignee"] else None
    claim = services.claim_assign(claim=claim, user=request.user, assignee=assignee)
    return Response(ClaimSerializer(claim).data)


@api_view(["GET"])
def claim_audit(request, claim_id):
    """The claim's audit records, oldest first (read only)."""
    return Response(AuditRecordSerializer(selectors.audit_for_claim(claim_id=claim_id), many=True).data)


@api_view(["GET"])
def export(request, fmt):
    """The verdict report as json, csv or claimreview; ?article=ID for one article."""
    claims = selectors.claims_for_export(article_id=request.query_params.get("article"))
    content = exports.export(fmt, claims)
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    ext = {"json": "json", "csv": "csv", "claimreview": "jsonld"}[fmt]
    response["Content-Disposition"] = f'attachment; filename="claimdesk-report.{ext}"'
    return response
