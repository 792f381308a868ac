"""``/api/claims/``: the list, a claim's page, its workflow steps (assign, propose, approve, send back,
accept a carried-over verdict), its comments and evidence. Every door opens the claim through
``claims.access.claim_for`` (refused before the input is read), then calls one ``claims.workflow`` service."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from claims import permissions, selectors, workflow
from claims.access import claim_for

from .common import CLAIM_ID, READ, claim_detail_response, errors, valid
from .filters import ClaimFilter, DeskCursorPagination, DeskFilterBackend
from .serializers import (
    AssignInSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    CommentInSerializer,
    CommentSerializer,
    EvidenceInSerializer,
    EvidenceSerializer,
    ProposeInSerializer,
    TextInSerializer,
)


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


@extend_schema(parameters=[CLAIM_ID], responses={200: ClaimDetailSerializer, **errors(*READ, 404)})
@api_view(["GET"])
def claim_detail(request, claim_id):
    return Response(ClaimDetailSerializer.row(selectors.claim_page_rows(claim_id=claim_id, user=request.user)))


@extend_schema(parameters=[CLAIM_ID], request=AssignInSerializer, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_assign(request, claim_id):
    """Editors: {"assignee": "<username>" | null, "due": "<ISO 8601>" | null}."""
    claim = claim_for(request.user, claim_id, permissions.ASSIGN)
    data = valid(AssignInSerializer, request.data)
    assignee = selectors.user_get_by_username(username=data["assignee"]) if data["assignee"] else None
    due = selectors.parse_when(data.get("due"), "due")
    return claim_detail_response(workflow.claim_assign(claim=claim, user=request.user, assignee=assignee, due=due))


@extend_schema(parameters=[CLAIM_ID], request=ProposeInSerializer, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_propose(request, claim_id):
    """The assignee or an editor: {"verdict", "rationale", "evidence": [{"url", "title"}], "no_evidence_found"}."""
    claim = claim_for(request.user, claim_id, permissions.PROPOSE)
    data = valid(ProposeInSerializer, request.data)
    return claim_detail_response(workflow.claim_propose(
        claim=claim, user=request.user, verdict=data["verdict"], rationale=data["rationale"],
        evidence=data["evidence"], no_evidence_found=data["no_evidence_found"]))


@extend_schema(parameters=[CLAIM_ID], request=CommentInSerializer, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_approve(request, claim_id):
    """Second review by an editor who did not propose it: publish the proposed verdict."""
    claim = claim_for(request.user, claim_id, permissions.APPROVE)
    data = valid(CommentInSerializer, request.data)
    return claim_detail_response(workflow.claim_approve(claim=claim, user=request.user, comment=data["comment"]))


@extend_schema(parameters=[CLAIM_ID], request=CommentInSerializer, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_send_back(request, claim_id):
    """Second review: {"comment": "..."} sends the proposal back to the reviewer."""
    claim = claim_for(request.user, claim_id, permissions.APPROVE)
    data = valid(CommentInSerializer, request.data)
    return claim_detail_response(workflow.claim_send_back(claim=claim, user=request.user, comment=data["comment"]))


@extend_schema(parameters=[CLAIM_ID], request=None, responses={200: ClaimDetailSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def claim_accept_suggestion(request, claim_id):
    """Propose the verdict carried over from the earlier matching claim (second review still applies)."""
    claim = claim_for(request.user, claim_id, permissions.PROPOSE)
    return claim_detail_response(workflow.claim_accept_suggestion(claim=claim, user=request.user))


@extend_schema(methods=["GET"], parameters=[CLAIM_ID],
               responses={200: CommentSerializer(many=True), **errors(*READ, 404)})
@extend_schema(methods=["POST"], parameters=[CLAIM_ID], request=TextInSerializer,
               responses={201: CommentSerializer, **errors(*READ, 404, 409)})
@api_view(["GET", "POST"])
def claim_comments(request, claim_id):
    claim = claim_for(request.user, claim_id, permissions.COMMENT if request.method == "POST" else None)
    if request.method == "POST":
        data = valid(TextInSerializer, request.data)
        comment = workflow.claim_comment(claim=claim, user=request.user, text=data["text"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
    return Response(CommentSerializer(claim.comments.all(), many=True).data)


@extend_schema(methods=["GET"], parameters=[CLAIM_ID],
               responses={200: EvidenceSerializer(many=True), **errors(*READ, 404)})
@extend_schema(methods=["POST"], parameters=[CLAIM_ID], request=EvidenceInSerializer,
               responses={201: EvidenceSerializer, **errors(*READ, 404, 409)})
@api_view(["GET", "POST"])
def claim_evidence(request, claim_id):
    claim = claim_for(request.user, claim_id, permissions.COMMENT if request.method == "POST" else None)
    if request.method == "POST":
        data = valid(EvidenceInSerializer, request.data)
        ev = workflow.claim_add_evidence(claim=claim, user=request.user, **data)
        return Response(EvidenceSerializer(ev).data, status=status.HTTP_201_CREATED)
    return Response(EvidenceSerializer(claim.evidence.all(), many=True).data)
