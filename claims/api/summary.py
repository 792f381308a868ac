"""``POST /api/claims/{id}/review-summary/``: the claim's ClaimReview summary (editors)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from claims import claimreview, corrections, permissions
from claims.access import claim_for

from .common import valid


class ReviewSummaryInSerializer(serializers.Serializer):
    # The service's limit (so the schema shows it) and its words (claimreview.SUMMARY_TOO_LONG).
    summary = serializers.CharField(
        allow_blank=True, trim_whitespace=True, max_length=claimreview.SUMMARY_LIMIT,
        error_messages={"max_length": claimreview.SUMMARY_TOO_LONG},
        help_text=f"{claimreview.SUMMARY_LIMIT} characters at most, without the verdict; empty: back to the default.")


class ReviewSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    review_summary = serializers.CharField(help_text="as set by an editor; empty when the default applies")
    claim_reviewed = serializers.CharField(help_text="what ClaimReview exports as claimReviewed")


def _out(claim):
    return {"id": claim.pk, "review_summary": claim.review_summary,
            "claim_reviewed": claimreview.claim_reviewed(summary=claim.review_summary, text=claim.text)}


_Error = inline_serializer("ReviewSummaryError", {"detail": serializers.CharField()})
_WHY = {400: "a summary too long, stating a verdict, or missing", 401: "not signed in",
        403: "not an editor", 404: "an unknown claim"}


def _errors(*codes):
    return {code: OpenApiResponse(_Error, description=_WHY[code]) for code in codes}


@extend_schema(
    operation_id="claims_review_summary_create",
    summary="Set the claim's ClaimReview summary",
    parameters=[OpenApiParameter("claim_id", int, OpenApiParameter.PATH, description="the claim's id")],
    request=ReviewSummaryInSerializer,
    responses={200: ReviewSummarySerializer, **_errors(400, 401, 403, 404)},
)
@api_view(["POST"])
def review_summary(request, claim_id):
    """Editors: ``{"summary": "..."}``, the short ``claimReviewed`` of the ClaimReview export (audited)."""
    claim = claim_for(request.user, claim_id, permissions.SUMMARISE)
    data = valid(ReviewSummaryInSerializer, request.data)
    claim = corrections.claim_set_review_summary(claim=claim, user=request.user, summary=data["summary"])
    return Response(_out(claim))
