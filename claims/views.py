"""The printable verdict report (HTML, for editors signed in to the admin)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from . import selectors
from .errors import ClaimdeskError
from .models import Article


@staff_member_required
def report(request):
    """Printable report of claims and verdicts; ?article=ID for one article, ?reviewed=1 for reviewed only."""
    article_id = request.GET.get("article")
    try:
        claims = selectors.claims_for_export(article_id=article_id)
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
