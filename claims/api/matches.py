"""``/api/matches/{id}/decision/``: a reviewer confirms or rejects a suggested match."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from claims import permissions, workflow
from claims.access import match_for

from .common import READ, errors, id_param, valid
from .serializers import DecisionInSerializer, DecisionOutSerializer


@extend_schema(parameters=[id_param("match_id", "match")], request=DecisionInSerializer,
               responses={201: DecisionOutSerializer, 200: DecisionOutSerializer, **errors(*READ, 404, 409)})
@api_view(["POST"])
def match_decision(request, match_id):
    """Confirm or reject a suggested match: {"decision": "confirm" | "reject"}."""
    match = match_for(request.user, match_id, permissions.DECIDE_MATCH)
    data = valid(DecisionInSerializer, request.data)
    made = workflow.match_decide(match=match, user=request.user, decision=data["decision"])
    body = {"id": made.pk, "match": match.pk, "decision": made.decision, "score": made.score, "by": made.by,
            "at": made.at}
    if not made.created:  # the same decision again: nothing new recorded
        return Response(body | {"detail": f"match {match.pk} already {workflow.match_decision_text(made)}"})
    return Response(body, status=status.HTTP_201_CREATED)
