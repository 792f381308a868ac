"""REST endpoints: parse, call one service or selector, shape the answer."""

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from claims import audit, exports, permissions, selectors, services, workflow
from claims.errors import InvalidInput
from claims.models import ClaimMatch

from .filters import ClaimFilter, DeskCursorPagination, DeskFilterBackend
from .serializers import (
    ArticleAcceptedSerializer,
    ArticleInSerializer,
    ArticleSerializer,
    AssignInSerializer,
    AuditRecordSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    CommentInSerializer,
    CommentSerializer,
    DecisionInSerializer,
    DecisionOutSerializer,
    ErrorSerializer,
    EvidenceInSerializer,
    EvidenceSerializer,
    LinkAcceptedSerializer,
    ProposeInSerializer,
    TextInSerializer,
    page_of,
)

_WHY = {
    400: "an invalid value (the message names it)",
    401: "not signed in",
    403: "no desk role, or not allowed (for this claim)",
    404: "an unknown id",
    409: "a transition the claim's state does not allow (or, for an export, a setting the server lacks)",
}


def errors(*codes):
    """The refusals an operation can answer, each ``{"detail": "..."}``."""
    return {code: OpenApiResponse(ErrorSerializer, description=_WHY[code]) for code in codes}


def _id(name, what):
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=f"the {what}'s id")


CLAIM_ID = _id("claim_id", "claim")
_ACCEPTED = PolymorphicProxySerializer(component_name="Accepted", resource_type_field_name=None,
                                       serializers=[ArticleAcceptedSerializer, LinkAcceptedSerializer])
READ = (400, 401, 403)


def _flatten(errors, prefix=""):
    """DRF's nested error structure as "evidence[0].url: This field is required." lines.

    A list's errors come keyed by the item's index (DRF 3.18's LIST_SERIALIZER_ERRORS_AS_DICT)."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, name)
    else:
        yield f"{prefix}: {' '.join(map(str, errors if isinstance(errors, list) else [errors]))}"


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise InvalidInput("; ".join(_flatten(serializer.errors)))
    return serializer.validated_data


def _paginate(request, queryset, serializer_class, **kwargs):
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serializer_class(page, many=True, **kwargs).data)


@extend_schema(methods=["GET"], operation_id="articles_list",
               parameters=[OpenApiParameter("page", int, description="page number, from 1")],
               responses={200: page_of(ArticleSerializer, "PaginatedArticleList"), **errors(*READ, 404)})
@extend_schema(methods=["POST"], request=ArticleInSerializer, responses={
    202: OpenApiResponse(_ACCEPTED, description="queued: an article (body or html), or a link to fetch (url only)"),
    200: OpenApiResponse(_ACCEPTED, description="already here: the same body, or a link already followed"),
    **errors(*READ)})
@api_view(["GET", "POST"])
def article_list(request):
    """GET: articles, newest first. POST (editors): ingest one article; 202 with its id and status at once."""
    if request.method == "GET":
        return _paginate(request, selectors.article_list(), ArticleSerializer)
    permissions.check(request.user, permissions.INGEST)
    data = _valid(ArticleInSerializer, request.data)
    if data.get("url") and "body" not in data and "html" not in data:
        # A link: a worker fetches it (claims.sources); 202 with the link to follow.
        from claims import sources

        link, created = sources.link_add(url=data["url"], user=request.user)
        return Response({"link": link.pk, "status": link.status, "article": link.article_id, "duplicate": not created,
                         "url": request.build_absolute_uri(f"/api/links/{link.pk}/")},
                        status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)
    if "html" in data and not data["html"].strip():
        raise InvalidInput("html is empty")
    if "body" not in data and "html" not in data:
        raise InvalidInput("body: give a body, html or a url")
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


@extend_schema(parameters=[_id("article_id", "article")],
               responses={200: ArticleSerializer, **errors(*READ, 404)})
@api_view(["GET"])
def article_detail(request, article_id):
    article = selectors.article_get(article_id=article_id)
    return Response(ArticleSerializer(article, context={"with_claims": True}).data)


@extend_schema(responses={200: ClaimSerializer(many=True), **errors(*READ)})
class ClaimList(generics.ListAPIView):
    """Claims, filtered (``ClaimFilter``: assignee incl. ``me``, verdict, state, article, attribution,
    overdue, check-worthiness min/max) and ordered; cursor pages. ``?assignee=me`` is the reviewer's
    queue: earliest due first, then most check-worthy."""

    serializer_class = ClaimSerializer
    filter_backends = [DeskFilterBackend]
    filterset_class = ClaimFilter
    pagination_class = DeskCursorPagination

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.claim_list_rows(self.filter_queryset(self.get_queryset())))
        matches = selectors.match_rows([row["id"] for row in page])
        return self.get_paginated_response(ClaimSerializer.rows(page, matches))


claim_list = ClaimList.as_view()


def _claim(request, claim_id, action=None):
    """The claim, once ``claims.permissions`` allows ``action`` on it (refused before the input is read)."""
    claim = selectors.claim_get(claim_id=claim_id, user=request.user)
    if action is not None:
        permissions.check(request.user, action, claim)
    return claim


def _detail(claim, code=status.HTTP_200_OK):
    row = selectors.claim_page_rows(claim_id=claim.pk)  # re-read after the write; access was checked before it
    return Response(ClaimDetailSerializer.row(row), status=code)


@extend_schema(parameters=[CLAIM_ID], responses={200: ClaimDetailSerializer, **errors(*READ, 404)})
@api_view(["GET"])
def claim_detail(request, claim_id):
    return Response(ClaimDetailSerializer.row(selectors.claim_page_rows(claim_id=claim_id, user=request.user)))


@extend_schema(parameters=[CLAIM_ID], request=AssignInSerializer, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_assign(request, claim_id):
    """Editors: {"assignee": "<username>" | null, "due": "<ISO 8601>" | null}."""
    claim = _claim(request, claim_id, permissions.ASSIGN)
    data = _valid(AssignInSerializer, request.data)
    assignee = selectors.user_get_by_username(username=data["assignee"]) if data["assignee"] else None
    due = selectors.parse_when(data.get("due"), "due")
    return _detail(workflow.claim_assign(claim=claim, user=request.user, assignee=assignee, due=due))


@extend_schema(parameters=[CLAIM_ID], request=ProposeInSerializer, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_propose(request, claim_id):
    """The assignee or an editor: {"verdict", "rationale", "evidence": [{"url", "title"}], "no_evidence_found"}."""
    claim = _claim(request, claim_id, permissions.PROPOSE)
    data = _valid(ProposeInSerializer, request.data)
    return _detail(workflow.claim_propose(claim=claim, user=request.user, verdict=data["verdict"],
                                          rationale=data["rationale"], evidence=data["evidence"],
                                          no_evidence_found=data["no_evidence_found"]))


@extend_schema(parameters=[CLAIM_ID], request=CommentInSerializer, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_approve(request, claim_id):
    """Second review by an editor who did not propose it: publish the proposed verdict."""
    claim = _claim(request, claim_id, permissions.APPROVE)
    data = _valid(CommentInSerializer, request.data)
    return _detail(workflow.claim_approve(claim=claim, user=request.user, comment=data["comment"]))


@extend_schema(parameters=[CLAIM_ID], request=CommentInSerializer, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_send_back(request, claim_id):
    """Second review: {"comment": "..."} sends the proposal back to the reviewer."""
    claim = _claim(request, claim_id, permissions.APPROVE)
    data = _valid(CommentInSerializer, request.data)
    return _detail(workflow.claim_send_back(claim=claim, user=request.user, comment=data["comment"]))


@extend_schema(parameters=[CLAIM_ID], request=None, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_accept_suggestion(request, claim_id):
    """Propose the verdict carried over from the earlier matching claim (second review still applies)."""
    return _detail(workflow.claim_accept_suggestion(claim=_claim(request, claim_id, permissions.PROPOSE), user=request.user))


@extend_schema(methods=["GET"], parameters=[CLAIM_ID],
               responses={200: CommentSerializer(many=True), **errors(*READ, 404)})
@extend_schema(methods=["POST"], parameters=[CLAIM_ID], request=TextInSerializer,
               responses={201: CommentSerializer, **errors(*READ, 404, 409)})
@api_view(["GET", "POST"])
def claim_comments(request, claim_id):
    claim = _claim(request, claim_id, permissions.COMMENT if request.method == "POST" else None)
    if request.method == "POST":
        data = _valid(TextInSerializer, request.data)
        comment = workflow.claim_comment(claim=claim, user=request.user, text=data["text"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
    return Response(CommentSerializer(claim.comments.all(), many=True).data)


@extend_schema(methods=["GET"], parameters=[CLAIM_ID],
               responses={200: EvidenceSerializer(many=True), **errors(*READ, 404)})
@extend_schema(methods=["POST"], parameters=[CLAIM_ID], request=EvidenceInSerializer,
               responses={201: EvidenceSerializer, **errors(*READ, 404, 409)})
@api_view(["GET", "POST"])
def claim_evidence(request, claim_id):
    claim = _claim(request, claim_id, permissions.COMMENT if request.method == "POST" else None)
    if request.method == "POST":
        data = _valid(EvidenceInSerializer, request.data)
        ev = workflow.claim_add_evidence(claim=claim, user=request.user, **data)
        return Response(EvidenceSerializer(ev).data, status=status.HTTP_201_CREATED)
    return Response(EvidenceSerializer(claim.evidence.all(), many=True).data)


@extend_schema(parameters=[_id("match_id", "match")], request=DecisionInSerializer,
               responses={201: DecisionOutSerializer, 200: DecisionOutSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def match_decision(request, match_id):
    """Confirm or reject a suggested match: {"decision": "confirm" | "reject"}."""
    try:
        match = ClaimMatch.objects.select_related("claim").get(pk=int(match_id))
    except (ValueError, ClaimMatch.DoesNotExist):
        from claims.errors import NotFound

        raise NotFound(f"no match with id {match_id}") from None
    permissions.check(request.user, permissions.DECIDE_MATCH, match.claim)
    data = _valid(DecisionInSerializer, request.data)
    made = workflow.match_decide(match=match, user=request.user, decision=data["decision"])
    body = {"id": made.pk, "match": match.pk, "decision": made.decision, "score": made.score, "by": made.by,
            "at": made.at}
    if not made.created:  # the same decision again: nothing new recorded
        return Response(body | {"detail": f"match {match.pk} already {workflow.match_decision_text(made)}"})
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[CLAIM_ID], responses={200: AuditRecordSerializer(many=True), **errors(*READ, 404)})
class ClaimAudit(generics.ListAPIView):
    """The claim's audit records, oldest first, in cursor pages (read only; a claim's own history is
    open to every role)."""

    serializer_class = AuditRecordSerializer
    pagination_class = DeskCursorPagination

    def get_queryset(self):
        claim = _claim(self.request, self.kwargs["claim_id"], permissions.VIEW_AUDIT)
        return selectors.audit_for_claim(claim_id=claim.pk, user=self.request.user)


claim_audit = ClaimAudit.as_view()


@extend_schema(
    parameters=[
        OpenApiParameter("claim", int, description="one claim's records"),
        OpenApiParameter("user", str, description="one actor's records (username)"),
        OpenApiParameter("since", OpenApiTypes.DATETIME, description="at or after (ISO 8601 date or date-time)"),
        OpenApiParameter("until", OpenApiTypes.DATETIME, description="before (ISO 8601 date or date-time)"),
        OpenApiParameter("as", str, enum=["json", "csv"],
                         description="json (default): cursor pages; csv: every matching record in one file"),
    ],
    responses={(200, "application/json"): AuditRecordSerializer(many=True),
               (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="with ?as=csv: every record"),
               **errors(*READ, 404)},
)
class AuditExport(generics.ListAPIView):
    """Editors: audit records oldest first, filtered by ?claim=, ?user=, ?since=, ?until=; JSON in cursor
    pages, or every matching record as one CSV file with ?as=csv."""

    serializer_class = AuditRecordSerializer
    pagination_class = DeskCursorPagination

    def get_queryset(self):
        permissions.check(self.request.user, permissions.VIEW_AUDIT)
        params = self.request.query_params
        return selectors.audit_records(claim_id=params.get("claim"), username=params.get("user"),
                                       since=params.get("since"), until=params.get("until"))

    def list(self, request, *args, **kwargs):
        fmt = request.query_params.get("as", "json")
        if fmt == "json":
            return super().list(request, *args, **kwargs)
        content, content_type = audit.audit_export(self.get_queryset(), fmt)
        return HttpResponse(content, content_type=content_type)


audit_export = AuditExport.as_view()


@extend_schema(
    parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(exports.CONTENT_TYPES)),
                OpenApiParameter("article", int, description="one article's claims")],
    responses={(200, "application/json"): OpenApiResponse(OpenApiTypes.ANY, description="json: the README's contract"),
               (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="csv"),
               (200, "application/ld+json"): OpenApiResponse(OpenApiTypes.ANY, description="ClaimReview documents"),
               **errors(*READ, 404, 409)},
)
@api_view(["GET"])
def export(request, fmt):
    """Editors: the verdict report as json, csv or claimreview; ?article=ID for one article. Streamed."""
    permissions.check(request.user, permissions.EXPORT)
    chunks = exports.export_stream(fmt, user=request.user, article_id=request.query_params.get("article"))
    response = StreamingHttpResponse(chunks, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="claimdesk-report.{exports.EXTENSIONS[fmt]}"'
    return response
