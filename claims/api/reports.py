"""``GET /api/reports/``: the verdict report as HTML or PDF (editors). Errors stay JSON."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from claims import permissions, reports
from claims.errors import InvalidInput

FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}

_Error = inline_serializer("ReportError", {"detail": serializers.CharField()})


class _JSONErrors(BaseContentNegotiation):
    """The report itself is a plain HttpResponse; whatever the Accept header, a refusal is JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ReportView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JSONErrors

    @extend_schema(
        operation_id="report_retrieve",
        summary="The verdict report (HTML or PDF)",
        description=(
            "Editors only. Counts per verdict with a chart, the claims with verdicts, rationales and evidence "
            "links, the speakers with the most disputed claims and how many claims matched earlier ones. "
            "`from`/`to` select articles by publication date (by ingest day, in the desk's time zone, when "
            "unknown), both inclusive; `article` may repeat. An empty selection is a valid, empty report."),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day, YYYY-MM-DD (inclusive)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day, YYYY-MM-DD (inclusive)"),
            OpenApiParameter("article", OpenApiTypes.INT, many=True, explode=True,
                             description="only these articles (repeat the parameter, or separate ids by commas)"),
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(FORMATS), default="html"),
            OpenApiParameter("reviewed", OpenApiTypes.BOOL, description="only claims with a verdict"),
        ],
        responses={
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="the printable report"),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="the report as PDF"),
            400: OpenApiResponse(_Error, description="a bad date, range, article id or format"),
            401: OpenApiResponse(_Error, description="not signed in"),
            403: OpenApiResponse(_Error, description="not an editor"),
            404: OpenApiResponse(_Error, description="an unknown article"),
        },
    )
    def get(self, request):
        permissions.check(request.user, permissions.EXPORT)
        params = request.query_params
        fmt = params.get("format") or "html"
        if fmt not in FORMATS:
            raise InvalidInput(f"format must be html or pdf, got {fmt!r}")
        built = reports.report_build(
            user=request.user, date_from=params.get("from"), date_to=params.get("to"),
            article_ids=reports.parse_article_ids(params.getlist("article")),
            reviewed_only=params.get("reviewed", "").lower() in ("1", "true", "yes"),
        )
        body = reports.report_pdf(built) if fmt == "pdf" else reports.report_html(built)
        response = HttpResponse(body, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'inline; filename="claimdesk-report.{fmt}"'
        return response


report = ReportView.as_view()
