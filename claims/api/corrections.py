"""REST endpoints for corrections of a claim and for reopening a published one: parse, call one
service (``claims.corrections``, ``claims.workflow``), answer the claim as its detail view does."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view

from claims import corrections, permissions, selectors, workflow
from claims.access import claim_for
from claims.errors import InvalidInput
from claims.models import Claim, Speaker

from .common import CLAIM_ID, claim_detail_response, errors, valid
from .serializers import ClaimDetailSerializer


class CorrectInSerializer(serializers.Serializer):
    """Only the fields given are corrected; an omitted field stays as it is."""

    speaker = serializers.IntegerField(required=False, allow_null=True,
                                       help_text="a known speaker's id; null: no speaker")
    speaker_name = serializers.CharField(required=False, allow_blank=True, max_length=300,
                                         help_text="a new speaker (used instead of speaker), with speaker_kind")
    speaker_kind = serializers.ChoiceField(choices=Speaker.Kind.choices, required=False, allow_blank=True)
    attribution = serializers.ChoiceField(choices=Claim.Attribution.choices, required=False)
    start = serializers.IntegerField(required=False, min_value=0, help_text="character offset in the article body")
    end = serializers.IntegerField(required=False, min_value=1, help_text="the claim is body[start:end], trimmed")
    not_a_claim = serializers.BooleanField(required=False)


class ReopenInSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="kept as a comment and in the audit")
    assignee = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                     help_text="a username; empty: the claim waits unassigned")
    due = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="ISO 8601")


@extend_schema(parameters=[CLAIM_ID], request=CorrectInSerializer,
               responses={200: ClaimDetailSerializer, **errors(400, 401, 403, 404)})
@api_view(["POST"])
def claim_correct(request, claim_id):
    """The assignee or an editor: speaker, attribution, span, "not a claim"; audited, matching redone."""
    claim = claim_for(request.user, claim_id, permissions.CORRECT)
    data = valid(CorrectInSerializer, request.data)
    speaker = "keep"
    if "speaker" in data:
        speaker = None
        if data["speaker"] is not None:
            speaker = selectors.speaker_by_id(speaker_id=data["speaker"])
            if speaker is None:
                raise InvalidInput(f"speaker: no speaker with id {data['speaker']}")
    return claim_detail_response(corrections.claim_correct(
        claim=claim, user=request.user, speaker=speaker, speaker_name=data.get("speaker_name", ""),
        speaker_kind=data.get("speaker_kind", ""), attribution=data.get("attribution"), start=data.get("start"),
        end=data.get("end"), not_a_claim=data.get("not_a_claim")))


@extend_schema(parameters=[CLAIM_ID], request=ReopenInSerializer,
               responses={200: ClaimDetailSerializer, **errors(400, 401, 403, 404, 409)})
@api_view(["POST"])
def claim_reopen(request, claim_id):
    """Editors: reopen a published claim for re-review with a reason; its verdict stands until a new one is approved."""
    claim = claim_for(request.user, claim_id, permissions.REOPEN)
    data = valid(ReopenInSerializer, request.data)
    assignee = selectors.user_get_by_username(username=data["assignee"]) if data.get("assignee") else None
    due = selectors.parse_when(data.get("due"), "due") if data.get("due") else None
    return claim_detail_response(workflow.claim_reopen(claim=claim, user=request.user, reason=data["reason"],
                                                       assignee=assignee, due=due))
