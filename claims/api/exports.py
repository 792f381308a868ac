"""``/api/export/{fmt}/``: the verdict report as JSON, CSV or ClaimReview, streamed (editors)."""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view

from claims import exports, permissions

from .common import READ, errors


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
