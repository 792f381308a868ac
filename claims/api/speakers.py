"""``GET /api/speakers/`` and ``GET /api/speakers/{id}/``: speakers with their verdicts over time."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from claims import selectors
from claims.models import Claim, Speaker

from .common import paginate


def _verdict_counts(speaker):
    return {v: getattr(speaker, f"n_{v}") for v in Claim.Verdict.values}


class VerdictCountsSerializer(serializers.Serializer):
    unreviewed = serializers.IntegerField()
    verified = serializers.IntegerField()
    disputed = serializers.IntegerField()
    unattributed = serializers.IntegerField()


class SpeakerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Speaker.Kind.values)
    aliases = serializers.ListField(child=serializers.CharField())
    claim_total = serializers.IntegerField(help_text="claims (not those marked 'not a claim')")
    verdicts = serializers.SerializerMethodField()

    def get_verdicts(self, speaker) -> VerdictCountsSerializer:
        return _verdict_counts(speaker)


class SpeakerClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    said_on = serializers.DateField(allow_null=True, help_text="the article's publication date, else its ingest day")
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField(source="article.title")
    state = serializers.CharField()
    verdict = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(allow_null=True, help_text="the first day of the month")
    total = serializers.IntegerField()
    unreviewed = serializers.IntegerField()
    verified = serializers.IntegerField()
    disputed = serializers.IntegerField()
    unattributed = serializers.IntegerField()


class SpeakerDetailSerializer(SpeakerSerializer):
    by_month = MonthSerializer(many=True, help_text="verdicts per month, newest first")
    claims = SpeakerClaimSerializer(many=True, source="claim_rows", help_text="newest first; 500 at most")


class SpeakerPageSerializer(serializers.Serializer):
    """A page of speakers, 100 at most."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SpeakerSerializer(many=True)


CLAIMS_SHOWN = 500
_Error = inline_serializer("SpeakerError", {"detail": serializers.CharField()})
_WHY = {400: "an invalid id or page", 401: "not signed in", 403: "no desk role", 404: "an unknown speaker or page"}


def _errors(*codes):
    return {code: OpenApiResponse(_Error, description=_WHY[code]) for code in codes}


@extend_schema(operation_id="speakers_list",
               parameters=[OpenApiParameter("page", int, description="page number, from 1")],
               responses={200: SpeakerPageSerializer, **_errors(400, 401, 403, 404)})
@api_view(["GET"])
def speaker_list(request):
    """Speakers by name, each with how many claims and how many per verdict."""
    return paginate(request, selectors.speaker_list(user=request.user), SpeakerSerializer)


@extend_schema(operation_id="speakers_retrieve",
               parameters=[OpenApiParameter("speaker_id", int, OpenApiParameter.PATH, description="the speaker's id")],
               responses={200: SpeakerDetailSerializer, **_errors(400, 401, 403, 404)})
@api_view(["GET"])
def speaker_detail(request, speaker_id):
    """A speaker: verdict counts, verdicts per month, and their claims newest first."""
    speaker = selectors.speaker_get(speaker_id=speaker_id, user=request.user)
    speaker.by_month = selectors.speaker_verdicts_by_month(speaker_id=speaker.pk, user=request.user)
    speaker.claim_rows = list(selectors.speaker_claims(speaker_id=speaker.pk, user=request.user)[:CLAIMS_SHOWN])
    return Response(SpeakerDetailSerializer(speaker).data)
