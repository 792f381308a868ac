"""Project-level views: the health check that load balancers and monitors poll."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from claims import health


@never_cache
@require_safe
def healthz(request):
    """``GET /healthz``: 200 when the database, the broker, a worker and the sweep are all there, 503
    with what is wrong otherwise (``claims.health.health_report``). No sign-in, nothing secret."""
    healthy, report = health.health_report()
    return JsonResponse(report, status=200 if healthy else 503)
