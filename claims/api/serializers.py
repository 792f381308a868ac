"""Shapes of API input and output. Validation of meaning lives in the services."""

import functools

from django.utils import timezone
from rest_framework import serializers

from claims.models import Article, AuditRecord, Claim, ClaimMatch, Comment, Evidence, claim_is_overdue


class ArticleInSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=500, trim_whitespace=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    html = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
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
        fields = ["id", "claim", "score", "kind", "lexical", "semantic", "reason", "text", "verdict", "article"]


@functools.cache
def _match_serializer():
    return MatchSerializer()


class EvidenceSerializer(serializers.ModelSerializer):
    added_by = serializers.CharField(source="added_by.username", default=None, allow_null=True)

    class Meta:
        model = Evidence
        fields = ["id", "url", "title", "note", "added_by", "added_at"]


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "kind", "text", "created_at"]


class ClaimSerializer(serializers.ModelSerializer):
    speaker = serializers.CharField(source="speaker.name", default=None, allow_null=True)
    speaker_kind = serializers.CharField(source="speaker.kind", default=None, allow_null=True)
    assignee = serializers.CharField(source="assignee.username", default=None, allow_null=True)
    proposed_by = serializers.CharField(source="proposed_by.username", default=None, allow_null=True)
    published_by = serializers.CharField(source="published_by.username", default=None, allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    matches = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id", "article", "text", "start", "end", "speaker", "speaker_kind", "attribution",
            "checkworthiness", "checkworthiness_reasons", "quantities", "state", "verdict", "verdict_note",
            "published_by", "published_at", "proposed_verdict", "proposed_rationale", "no_evidence_found",
            "proposed_by", "proposed_at", "assignee", "due", "overdue", "suggested_verdict", "suggested_from",
            "needs_rereview", "matches",
        ]

    def get_matches(self, claim) -> list:
        matches = sorted(claim.matches.all(), key=lambda m: (-m.score, m.earlier_id))
        # One MatchSerializer for all rows: building its fields for every claim of a page cost more
        # than the rest of the page together.
        return [_match_serializer().to_representation(m) for m in matches]


    @staticmethod
    def rows(rows, matches_by_claim, *, now=None) -> list[dict]:
        """A page of the claim list from ``selectors.claim_list_rows`` and ``selectors.match_rows``: the
        same JSON as this serializer gives for the claims (``tests/test_api_rows.py`` compares the
        two), written straight from the rows, which is several times faster than a field object per
        cell on a page of 100 claims."""
        now = now or timezone.now()
        when = _DATETIME.to_representation
        out = []
        for r in rows:
            due = r["due"]
            out.append({
                "id": r["id"], "article": r["article_id"], "text": r["text"], "start": r["start"], "end": r["end"],
                "speaker": r["speaker__name"], "speaker_kind": r["speaker__kind"], "attribution": r["attribution"],
                "checkworthiness": float(r["checkworthiness"]),
                "checkworthiness_reasons": r["checkworthiness_reasons"], "quantities": r["quantities"],
                "state": r["state"], "verdict": r["verdict"], "verdict_note": r["verdict_note"],
                "published_by": r["published_by__username"],
                "published_at": when(r["published_at"]) if r["published_at"] is not None else None,
                "proposed_verdict": r["proposed_verdict"], "proposed_rationale": r["proposed_rationale"],
                "no_evidence_found": r["no_evidence_found"], "proposed_by": r["proposed_by__username"],
                "proposed_at": when(r["proposed_at"]) if r["proposed_at"] is not None else None,
                "assignee": r["assignee__username"], "due": when(due) if due is not None else None,
                "overdue": claim_is_overdue(due=due, state=r["state"], now=now),
                "suggested_verdict": r["suggested_verdict"], "suggested_from": r["suggested_from_id"],
                "needs_rereview": r["needs_rereview"],
                "matches": [{
                    "id": m["id"], "claim": m["earlier_id"], "score": float(m["score"]), "kind": m["kind"],
                    "lexical": float(m["lexical"]), "semantic": float(m["semantic"]), "reason": m["reason"],
                    "text": m["earlier__text"], "verdict": m["earlier__verdict"], "article": m["earlier__article_id"],
                } for m in matches_by_claim.get(r["id"], ())],
            })
        return out


_DATETIME = serializers.DateTimeField()


class ClaimDetailSerializer(ClaimSerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)
    comments = CommentSerializer(many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = ClaimSerializer.Meta.fields + ["evidence", "comments"]

    @staticmethod
    def row(row, *, now=None) -> dict:
        """A claim's page from ``selectors.claim_page_rows``: this serializer's JSON, from rows."""
        when = _DATETIME.to_representation
        data = ClaimSerializer.rows([row], {row["id"]: row["matches"]}, now=now)[0]
        data["evidence"] = [{
            "id": e["id"], "url": e["url"], "title": e["title"], "note": e["note"],
            "added_by": e["added_by__username"], "added_at": when(e["added_at"]) if e["added_at"] else None,
        } for e in row["evidence"]]
        data["comments"] = [{
            "id": c["id"], "author": c["author__username"], "kind": c["kind"], "text": c["text"],
            "created_at": when(c["created_at"]) if c["created_at"] else None,
        } for c in row["comments"]]
        return data


class ArticleSerializer(serializers.ModelSerializer):
    claims = serializers.SerializerMethodField()
    claim_count = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "title", "source", "url", "published", "status", "error", "created_at", "processed_at",
                  "claim_count", "claims", "byline", "body"]
        extra_kwargs = {"body": {"required": False, "help_text": "one article only; the list leaves it out"}}

    def to_representation(self, article):
        data = super().to_representation(article)
        if not self.context.get("with_claims"):  # the list stays light; one article carries its body
            data.pop("body")
        return data

    def get_claim_count(self, article) -> int:
        # The list annotates it (selectors.article_list): no count query per article.
        count = getattr(article, "claim_total", None)
        return article.claims.count() if count is None else count

    def get_claims(self, article) -> list:
        if not self.context.get("with_claims"):
            return []
        qs = article.claims.select_related("speaker", "assignee").prefetch_related("matches__earlier").order_by("start")
        return ClaimSerializer(qs, many=True).data


class AssignInSerializer(serializers.Serializer):
    assignee = serializers.CharField(allow_null=True, allow_blank=True)
    due = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class EvidenceInSerializer(serializers.Serializer):
    url = serializers.CharField()
    title = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProposeInSerializer(serializers.Serializer):
    verdict = serializers.CharField()
    rationale = serializers.CharField(allow_blank=True, trim_whitespace=True)
    evidence = EvidenceInSerializer(many=True, required=False, default=list)
    no_evidence_found = serializers.BooleanField(required=False, default=False)


class CommentInSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class TextInSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class DecisionInSerializer(serializers.Serializer):
    decision = serializers.CharField()


class AuditRecordSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditRecord
        fields = ["id", "actor", "at", "action", "changes", "door", "request_id", "object_type", "object_id",
                  "prev_hash", "hash"]


class FeedInSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class FeedSerializer(serializers.ModelSerializer):
    items_seen = serializers.IntegerField(read_only=True)
    items_ingested = serializers.IntegerField(read_only=True)
    items_failed = serializers.IntegerField(read_only=True)
    items_pending = serializers.IntegerField(read_only=True)

    class Meta:
        from claims.models import Feed

        model = Feed
        fields = ["id", "url", "title", "active", "last_polled_at", "last_status", "last_error", "items_seen",
                  "items_ingested", "items_failed", "items_pending", "created_at"]


class LinkSerializer(serializers.ModelSerializer):
    class Meta:
        from claims.models import Link

        model = Link
        fields = ["id", "url", "status", "error", "final_url", "article", "feed", "batch", "attempts", "created_at",
                  "fetched_at"]


class ErrorSerializer(serializers.Serializer):
    """Every refusal: ``{"detail": "..."}`` (400, 401, 403, 404, 405, 409, 429)."""

    detail = serializers.CharField()


class ArticleAcceptedSerializer(serializers.Serializer):
    """``POST /api/articles/`` with a body or html: the article, queued (202) or already known (200)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    duplicate = serializers.BooleanField()
    url = serializers.CharField()
    warning = serializers.CharField(required=False, help_text="the article is stored but could not be queued")


class LinkAcceptedSerializer(serializers.Serializer):
    """``POST /api/articles/`` with only a url: the link a worker fetches (202), or the known one (200)."""

    link = serializers.IntegerField()
    status = serializers.CharField()
    article = serializers.IntegerField(allow_null=True)
    duplicate = serializers.BooleanField()
    url = serializers.CharField()


class DecisionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    match = serializers.IntegerField()
    decision = serializers.CharField()
    score = serializers.FloatField()
    by = serializers.CharField(help_text="Who took the decision that stands.")
    at = serializers.DateTimeField()
    detail = serializers.CharField(required=False, help_text="Only when it was already decided so (200).")


def page_of(serializer_class, name):
    """A page-number page of ``serializer_class`` (``count``, ``next``, ``previous``, ``results``)."""
    return type(name, (serializers.Serializer,), {
        "__doc__": f"A page of {serializer_class.__name__.removesuffix('Serializer').lower()}s, 100 at most.",
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": serializer_class(many=True),
    })
