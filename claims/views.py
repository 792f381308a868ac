"""The printable verdict report (HTML or PDF, for editors signed in to the admin)."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.urls import reverse

from . import permissions, reports
from .errors import ClaimdeskError, NotAllowed, NotFound


def report(request):
    """The verdict report: ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (articles published in that range),
    ``?article=ID`` (repeatable), ``?reviewed=1`` for reviewed claims only, ``?format=pdf`` for a PDF.

    Editors only (``permissions.EXPORT``); anyone not signed in is sent to the admin's sign-in. A bad
    date or format is a 400 with the reason, an unknown article a 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    try:
        permissions.check(request.user, permissions.EXPORT)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    fmt = request.GET.get("format") or "html"
    if fmt not in ("html", "pdf"):
        return HttpResponseBadRequest(f"format must be html or pdf, got {fmt!r}", content_type="text/plain")
    try:
        built = reports.report_build(
            user=request.user, date_from=request.GET.get("from"), date_to=request.GET.get("to"),
            article_ids=reports.parse_article_ids(request.GET.getlist("article")),
            reviewed_only=bool(request.GET.get("reviewed")),
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ClaimdeskError as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain")
    if fmt == "pdf":
        response = HttpResponse(reports.report_pdf(built), content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="claimdesk-report.pdf"'
        return response
    return HttpResponse(reports.report_html(built), content_type="text/html; charset=utf-8")
