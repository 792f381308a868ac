"""Shapes of API input and output. Validation of meaning lives in the services."""

from rest_framework import serializers

from claims.models import Article, AuditRecord, Claim, ClaimMatch


class ArticleInSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=500, trim_whitespace=False)
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    source = serializers.CharField(required=False, allow_blank=True, max_length=200)
    url = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    published = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class MatchSerializer(serializers.ModelSerializer):
    claim = serializers.IntegerField(source="earlier_id")
    text = serializers.CharField(source="earlier.text")
    verdict = serializers.CharField(source="earlier.verdict")
    article = serializers.IntegerField(source="earlier.article_id")

    class Meta:
        model = ClaimMatch
        fields = ["claim", "score", "kind", "lexical", "semantic", "reason", "text", "verdict", "article"]


class ClaimSerializer(serializers.ModelSerializer):
    speaker = serializers.CharField(source="speaker.name", default=None)
    speaker_kind = serializers.CharField(source="speaker.kind", default=None)
    assignee = serializers.CharField(source="assignee.username", default=None)
    matches = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id", "article", "text", "start", "end", "speaker", "speaker_kind", "attribution",
            "checkworthiness", "checkworthiness_reasons", "quantities", "verdict", "verdict_note",
            "assignee", "matches",
        ]

    def get_matches(self, claim) -> list:
        matches = sorted(claim.matches.all(), key=lambda m: (-m.score, m.earlier_id))
        return MatchSerializer(matches, many=True).data


class ArticleSerializer(serializers.ModelSerializer):
    claims = serializers.SerializerMethodField()
    claim_count = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "title", "source", "url", "published", "status", "error", "created_at", "processed_at",
                  "claim_count", "claims"]

    def get_claim_count(self, article) -> int:
        return article.claims.count()

    def get_claims(self, article) -> list:
        if not self.context.get("with_claims"):
            return []
        qs = article.claims.select_related("speaker", "assignee").prefetch_related("matches__earlier").order_by("start")
        return ClaimSerializer(qs, many=True).data


class VerdictInSerializer(serializers.Serializer):
    verdict = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AssignInSerializer(serializers.Serializer):
    assignee = serializers.CharField(allow_null=True, allow_blank=True)


class AuditRecordSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditRecord
        fields = ["id", "actor", "at", "action", "changes", "door", "request_id", "object_type", "object_id", "hash"]
