"""The verdict report: what it holds (``report_build``) and how it is rendered (``report_html``,
``report_pdf``). Every door (``/reports/``, ``GET /api/reports/``, ``manage.py report``) builds the
same ``Report`` and renders it with the one template, ``claims/report.html``.

A date range selects claims by their **article's publication date**; an article with no known
publication date (pasted text, a page that does not say) counts by the day it was ingested, in the
desk's time zone (``CLAIMDESK_TIME_ZONE``). Both ends are inclusive.
"""

from __future__ import annotations

import datetime
from collections import namedtuple
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors
from .errors import InvalidInput
from .models import Article, Claim, ClaimMatch, Evidence, MatchDecision, article_before

# Chart order and colours: the desk's own (the article view's highlights).
VERDICT_COLOURS = {
    Claim.Verdict.VERIFIED: "#15803d",
    Claim.Verdict.DISPUTED: "#b91c1c",
    Claim.Verdict.UNATTRIBUTED: "#b45309",
    Claim.Verdict.UNREVIEWED: "#6b7280",
}
# Readable attribution labels: the model's "None" reads as a speaker's name in a table.
ATTRIBUTION_LABELS = {
    Claim.Attribution.DIRECT: "direct quote",
    Claim.Attribution.REPORTED: "reported speech",
    Claim.Attribution.ANONYMOUS: "anonymous source",
    Claim.Attribution.NONE: "not attributed",
}
TOP_SPEAKERS = 5


@dataclass(frozen=True)
class VerdictCount:
    verdict: str
    label: str
    count: int
    colour: str


@dataclass(frozen=True)
class EvidenceLink:
    url: str
    title: str


@dataclass(frozen=True)
class ReportRow:
    number: int  # 1, 2, 3… in the report; never a database id
    claim_id: int
    text: str
    article_title: str
    article_url: str
    speaker: str  # a name, or a readable stand-in ("unnamed anonymous source", "no speaker")
    attribution: str
    verdict: str
    verdict_label: str
    rationale: str
    evidence: tuple[EvidenceLink, ...]
    published_at: datetime.datetime | None
    matched_earlier: bool  # matches a claim of an article published before this one's
    matched_later: bool = False  # ... or after it

    @property
    def match_note(self) -> str:
        if self.matched_earlier and self.matched_later:
            return "Matches earlier and later claims."
        if self.matched_earlier:
            return "Matches an earlier claim."
        return "Matches a later claim." if self.matched_later else ""


@dataclass(frozen=True)
class SpeakerTally:
    name: str
    disputed: int
    claims: int


@dataclass
class Report:
    title: str
    date_from: datetime.date | None
    date_to: datetime.date | None
    articles: list[Article]
    generated_at: datetime.datetime
    time_zone: str
    counts: list[VerdictCount]
    rows: list[ReportRow] = field(default_factory=list)
    top_disputed_speakers: list[SpeakerTally] = field(default_factory=list)
    matched_earlier: int = 0
    matched_later: int = 0

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def chart_max(self) -> int:
        return max((c.count for c in self.counts), default=0) or 1

    @property
    def chart_height(self) -> int:
        return 30 * len(self.counts)


def parse_date(value, what) -> datetime.date | None:
    """``YYYY-MM-DD`` as a date, None when empty, ``InvalidInput`` naming ``what`` otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{what} must be a date as YYYY-MM-DD, got {value!r}") from None


def parse_article_ids(values) -> list[int]:
    """Article ids from repeated parameters and/or comma-separated lists."""
    ids = []
    for value in values or ():
        for part in str(value).split(","):
            if part.strip():
                ids.append(selectors._as_int(part.strip(), "article"))
    return ids


def report_build(*, user=None, date_from=None, date_to=None, article_ids=(), reviewed_only=False) -> Report:
    """The verdict report for a date range and/or a set of articles (both optional: neither means the
    whole desk). With ``user``, only what that user may see (callers check ``permissions.EXPORT``).

    Rules: dates are inclusive and select by the article's publication date, or its ingest day when
    that is unknown; ``date_from`` after ``date_to`` and unknown articles are refused; an empty range
    is a valid, empty report; claims marked "not a claim" are left out.
    """
    date_from, date_to = parse_date(date_from, "from"), parse_date(date_to, "to")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"from ({date_from}) is after to ({date_to})")
    articles = [selectors.article_get(article_id=a) for a in dict.fromkeys(article_ids)]

    qs = Claim.objects.filter(not_a_claim=False)
    if user is not None:
        qs = qs.visible_to(user)
    if articles:
        qs = qs.filter(article__in=[a.pk for a in articles])
    if date_from:
        qs = qs.filter(Q(article__published__gte=date_from)
                       | Q(article__published__isnull=True, article__created_at__date__gte=date_from))
    if date_to:
        qs = qs.filter(Q(article__published__lte=date_to)
                       | Q(article__published__isnull=True, article__created_at__date__lte=date_to))
    if reviewed_only:
        qs = qs.exclude(verdict=Claim.Verdict.UNREVIEWED)
    qs = (qs.select_related("article", "speaker")
          .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "pk")))
          .order_by(F("article__published").asc(nulls_last=True), "article_id", "start"))

    claims = list(qs.iterator(chunk_size=2000))
    sides = _match_sides([c.pk for c in claims])
    rows, tallies = [], {}
    for number, claim in enumerate(claims, start=1):
        rows.append(_row(number, claim, sides.get(claim.pk, set())))
        if claim.speaker_id:
            t = tallies.setdefault(claim.speaker_id, [claim.speaker.name, 0, 0])
            t[1] += claim.verdict == Claim.Verdict.DISPUTED
            t[2] += 1
    by_verdict = {}
    for r in rows:
        by_verdict[r.verdict] = by_verdict.get(r.verdict, 0) + 1
    counts = [VerdictCount(v, Claim.Verdict(v).label, by_verdict.get(v, 0), colour)
              for v, colour in VERDICT_COLOURS.items()]
    top = sorted((SpeakerTally(n, d, c) for n, d, c in tallies.values() if d),
                 key=lambda s: (-s.disputed, -s.claims, s.name))[:TOP_SPEAKERS]
    return Report(
        title=_title(articles, date_from, date_to), date_from=date_from, date_to=date_to, articles=articles,
        generated_at=timezone.now(), time_zone=settings.TIME_ZONE, counts=counts, rows=rows,
        top_disputed_speakers=top, matched_earlier=sum(r.matched_earlier for r in rows),
        matched_later=sum(r.matched_later for r in rows),
    )


_ArticleTime = namedtuple("_ArticleTime", "pk published created_at")


def _match_sides(claim_ids, chunk=1000) -> dict[int, set[str]]:
    """For each of these claims, whether it matches a claim of an ``"earlier"`` and/or a ``"later"``
    article, by the articles' dates (``models.article_before``), whichever side of the stored pair
    it is on. A match whose standing decision is "reject" is no match; nor is one with a claim
    marked "not a claim"."""
    latest = (MatchDecision.objects.filter(match=OuterRef("pk")).order_by("-at", "-id").values("decision")[:1])
    sides: dict[int, set[str]] = {}
    for i in range(0, len(claim_ids), chunk):
        ids = claim_ids[i:i + chunk]
        found = (ClaimMatch.objects.filter(Q(claim_id__in=ids) | Q(earlier_id__in=ids))
                 .filter(claim__not_a_claim=False, earlier__not_a_claim=False)
                 .annotate(standing=Subquery(latest))
                 .exclude(standing=MatchDecision.Decision.REJECT, standing__isnull=False)
                 .values_list("claim_id", "claim__article_id", "claim__article__published",
                              "claim__article__created_at", "earlier_id", "earlier__article_id",
                              "earlier__article__published", "earlier__article__created_at"))
        for a_id, *a_art, b_id, b_art_id, b_published, b_created in found:
            a, b = _ArticleTime(*a_art), _ArticleTime(b_art_id, b_published, b_created)
            b_first = article_before(b, a)
            sides.setdefault(a_id, set()).add("earlier" if b_first else "later")
            sides.setdefault(b_id, set()).add("later" if b_first else "earlier")
    return sides


def _row(number, claim, sides=frozenset()) -> ReportRow:
    attribution = ATTRIBUTION_LABELS.get(claim.attribution, claim.attribution)
    if claim.speaker_id:
        speaker = claim.speaker.name
    elif claim.attribution == Claim.Attribution.ANONYMOUS:
        speaker = "unnamed source"
    else:
        speaker = "no speaker named"
    return ReportRow(
        number=number, claim_id=claim.pk, text=claim.text, article_title=claim.article.title,
        article_url=claim.article.url, speaker=speaker, attribution=attribution, verdict=claim.verdict,
        verdict_label=claim.get_verdict_display(), rationale=claim.verdict_note,
        evidence=tuple(EvidenceLink(e.url, e.title or e.url) for e in claim.evidence.all()),
        published_at=claim.published_at, matched_earlier="earlier" in sides, matched_later="later" in sides,
    )


def _title(articles, date_from, date_to) -> str:
    if len(articles) == 1:
        return f"Verdict report: {articles[0].title}"
    if date_from and date_to:
        return f"Verdict report, {date_from:%-d %B %Y} to {date_to:%-d %B %Y}"
    if date_from:
        return f"Verdict report, from {date_from:%-d %B %Y}"
    if date_to:
        return f"Verdict report, until {date_to:%-d %B %Y}"
    return "Verdict report"


def report_html(report: Report, *, for_print=False) -> str:
    """The report as one HTML document (no scripts, no external resources)."""
    return render_to_string("claims/report.html", {"report": report, "for_print": for_print})


def report_pdf(report: Report) -> bytes:
    """The same document as PDF (WeasyPrint; the template's ``@page`` rules set margins and footers)."""
    from weasyprint import HTML  # loads pango: only when a PDF is asked for

    return HTML(string=report_html(report, for_print=True), base_url=None).write_pdf()
