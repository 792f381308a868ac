"""The audit trail: a claim's own records (``/api/claims/{id}/audit/``, every role) and the whole
trail for editors (``/api/audit/``), as cursor pages or, with ``?as=csv``, one CSV file."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics

from claims import audit, permissions, selectors
from claims.access import claim_for

from .common import CLAIM_ID, READ, errors
from .filters import DeskCursorPagination
from .serializers import AuditRecordSerializer


@extend_schema(parameters=[CLAIM_ID], responses={200: AuditRecordSerializer(many=True), **errors(*READ, 404)})
class ClaimAudit(generics.ListAPIView):
    """The claim's audit records, oldest first, in cursor pages (read only; a claim's own history is
    open to every role)."""

    serializer_class = AuditRecordSerializer
    pagination_class = DeskCursorPagination

    def get_queryset(self):
        claim = claim_for(self.request.user, self.kwargs["claim_id"], permissions.VIEW_AUDIT)
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
