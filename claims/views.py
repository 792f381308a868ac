"""The printable verdict report (HTML, for editors signed in to the admin)."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from . import permissions, selectors
from .errors import ClaimdeskError, NotAllowed
from .models import Article


def report(request):
    """Printable report of claims and verdicts; ?article=ID for one article, ?reviewed=1 for reviewed only.

    Editors only (``permissions.EXPORT``); anyone not signed in is sent to the admin's sign-in."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    try:
        permissions.check(request.user, permissions.EXPORT)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    article_id = request.GET.get("article")
    try:
        claims = selectors.claims_for_export(article_id=article_id, user=request.user)
    except ClaimdeskError as exc:
        raise Http404(exc.message) from None
    if request.GET.get("reviewed"):
        claims = claims.exclude(verdict="unreviewed")
    article = Article.objects.get(pk=article_id) if article_id else None
    claims = list(claims.select_related("article"))
    counts = {}
    for c in claims:
        counts[c.verdict] = counts.get(c.verdict, 0) + 1
    return render(request, "claims/report.html", {
        "claims": claims, "article": article, "counts": sorted(counts.items()), "now": timezone.now(),
    })
