"""Reads. Every query the doors need lives here, so the API, the admin and exports agree."""

from __future__ import annotations

import datetime as dt
import statistics

from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, F, Prefetch, Q, TextField
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .errors import InvalidInput, NotFound
from .models import Article, AuditRecord, Claim, ClaimMatch, Comment, Evidence, MatchDecision, Speaker, overdue_q
from .nlp.embeddings import decode_embedding
from .nlp.matching.records import ClaimRecord
from .roles import user_role


def _as_int(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{what} must be a whole number, got {value!r}") from None


def article_get(*, article_id) -> Article:
    """One article, or ``NotFound`` naming the id."""
    article_id = _as_int(article_id, "article id")
    try:
        return Article.objects.get(pk=article_id)
    except Article.DoesNotExist:
        raise NotFound(f"no article with id {article_id}") from None


def article_list():
    """Articles, newest first, each with ``claim_total`` counted in the same query (a list page never
    runs one count per article)."""
    return Article.objects.annotate(claim_total=Count("claims")).order_by("-id")


def claim_get(*, claim_id, user=None) -> Claim:
    """One claim, or ``NotFound`` naming the id. With ``user``, only a claim that user may see
    (``Claim.objects.visible_to``): every read of a claim by a door (detail, comments, evidence,
    audit) comes through here, so one rule decides who sees what."""
    return _claim_get(Claim.objects.select_related("article", "speaker", "assignee"), claim_id, user)


def _claim_get(qs, claim_id, user):
    claim_id = _as_int(claim_id, "claim id")
    if user is not None:
        qs = qs.visible_to(user)
    try:
        return qs.get(pk=claim_id)
    except Claim.DoesNotExist:
        raise NotFound(f"no claim with id {claim_id}") from None


def user_get_by_username(*, username) -> object:
    """An active user by username, or ``InvalidInput``."""
    User = get_user_model()
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise InvalidInput(f"no active user named {username!r}") from None


def claim_list(*, user=None, article_id=None, verdict=None, assignee=None, attribution=None, state=None,
               overdue=None, queue=False):
    """Claims with what a list screen shows, filtered; reading order, or queue order (due, then
    check-worthiness) with ``queue``. With ``user``, only what that user may see. Claims marked
    "not a claim" are left out."""
    qs = Claim.objects.filter(not_a_claim=False).select_related("article", "speaker", "assignee")
    if user is not None:
        qs = qs.visible_to(user)
    qs = qs.queue_order() if queue else qs.in_reading_order()
    if state:
        if state not in Claim.State.values:
            raise InvalidInput(f"state must be one of {', '.join(Claim.State.values)}, got {state!r}")
        qs = qs.filter(state=state)
    if overdue is not None:
        qs = claim_list_overdue(qs, overdue)
    if article_id not in (None, ""):
        qs = qs.filter(article_id=_as_int(article_id, "article"))
    if verdict:
        if verdict not in Claim.Verdict.values:
            raise InvalidInput(f"verdict must be one of {', '.join(Claim.Verdict.values)}, got {verdict!r}")
        qs = qs.filter(verdict=verdict)
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if attribution:
        qs = qs.filter(attribution=attribution)
    return qs


def claim_queue_next(*, user, after_id=None) -> Claim | None:
    """The next claim of ``user``'s review queue: assigned to them, in review (a verdict to propose),
    not marked "not a claim", other than ``after_id``; in the queue's order (due, check-worthiness
    highest first, id)."""
    qs = (Claim.objects.visible_to(user).filter(assignee=user, state=Claim.State.IN_REVIEW, not_a_claim=False)
          .exclude(pk=after_id).queue_order())
    return qs.first()


def claim_approval_next(*, user, after_id=None) -> Claim | None:
    """The next claim waiting for ``user``'s second review: proposed by someone else, oldest proposal
    first (the order of the claim list's "Waiting for my approval")."""
    qs = (Claim.objects.visible_to(user).filter(state=Claim.State.PROPOSED, not_a_claim=False)
          .exclude(proposed_by=user).exclude(pk=after_id).order_by(F("proposed_at").asc(nulls_last=True), "id"))
    return qs.first()


# What a row of the claim list shows, as ``values()`` lookups: no model instances (building five per
# row, the claim and the four people and speaker it names, was most of a page's time).
CLAIM_ROW_VALUES = (
    "id", "article_id", "text", "start", "end", "speaker__name", "speaker__kind", "attribution",
    "checkworthiness", "checkworthiness_reasons", "quantities", "state", "verdict", "verdict_note",
    "published_by__username", "published_at", "proposed_verdict", "proposed_rationale", "no_evidence_found",
    "proposed_by__username", "proposed_at", "assignee__username", "due", "suggested_verdict",
    "suggested_from_id", "needs_rereview",
)
MATCH_ROW_VALUES = ("id", "claim_id", "earlier_id", "score", "kind", "lexical", "semantic", "reason",
                    "earlier__text", "earlier__verdict", "earlier__article_id")


def claim_list_rows(qs):
    """A filtered, ordered ``claim_list`` as rows (dicts of ``CLAIM_ROW_VALUES``, plus whatever
    annotation the order uses, which the cursor reads), for ``ClaimSerializer.rows``."""
    names = set(CLAIM_ROW_VALUES)
    order_keys = [key.lstrip("-") for key in qs.query.order_by if isinstance(key, str)]
    extra = [key for key in order_keys if key in qs.query.annotations and key not in names]
    return qs.select_related(None).values(*CLAIM_ROW_VALUES, *extra)


def claim_page_rows(*, claim_id, user=None) -> dict:
    """What a claim's page shows, as rows: the claim (``CLAIM_ROW_VALUES``), its ``matches``,
    ``evidence`` and ``comments``, in four queries; ``NotFound`` as ``claim_get`` (same access rule)."""
    claim_id = _as_int(claim_id, "claim id")
    qs = Claim.objects.filter(pk=claim_id)
    if user is not None:
        qs = qs.visible_to(user)
    row = qs.values(*CLAIM_ROW_VALUES).first()
    if row is None:
        raise NotFound(f"no claim with id {claim_id}")
    row["matches"] = match_rows([claim_id])[claim_id]
    row["evidence"] = list(Evidence.objects.filter(claim_id=claim_id).order_by("added_at", "id").values(
        "id", "url", "title", "note", "added_by__username", "added_at"))
    row["comments"] = list(Comment.objects.filter(claim_id=claim_id).order_by("created_at", "id").values(
        "id", "author__username", "kind", "text", "created_at"))
    return row


def match_rows(claim_ids) -> dict[int, list[dict]]:
    """The matches of these claims, as rows of ``MATCH_ROW_VALUES`` by claim id, best score first
    (ties by the earlier claim's id): one query."""
    by_claim: dict[int, list[dict]] = {claim_id: [] for claim_id in claim_ids}
    if by_claim:
        for row in ClaimMatch.objects.filter(claim_id__in=list(by_claim)).order_by().values(*MATCH_ROW_VALUES):
            by_claim[row["claim_id"]].append(row)
        for rows in by_claim.values():
            rows.sort(key=lambda m: (-m["score"], m["earlier_id"]))
    return by_claim


def claim_list_overdue(qs, overdue: bool):
    """``qs`` narrowed to overdue claims, or to those that are not (``models.overdue_q``)."""
    return qs.filter(overdue_q()) if overdue else qs.exclude(overdue_q())


def claims_for_export(*, article_id=None, user=None):
    """Claims with their matches (best first), speakers and assignees, for reports."""
    if article_id not in (None, ""):
        article_get(article_id=article_id)
    qs = claim_list(article_id=article_id, user=user).prefetch_related(
        Prefetch("matches", queryset=ClaimMatch.objects.order_by("-score", "earlier_id"))
    )
    return qs


# What an export row carries: small columns only (an article's title, never its body; no embeddings).
# The two JSON columns come as their stored JSON text (``*_json``): most values repeat from claim to
# claim, so the exports decode or reformat each distinct text once instead of once per row.
EXPORT_FIELDS = (
    "id", "article_id", "article__title", "article__url", "article__published", "text", "start", "end",
    "speaker__name", "speaker__kind", "attribution", "checkworthiness", "checkworthiness_reasons_json",
    "quantities_json", "verdict", "verdict_note", "state", "assignee__username", "published_at", "review_summary",
)


def claim_export_rows(*, user=None, article_id=None, reviewed_only=False, chunk_size=2000):
    """Claims for an export as plain dicts (``EXPORT_FIELDS`` plus ``matches``, best first; the JSON
    columns as their JSON text, see ``exports.json_list``), in reading
    order, read through a server-side cursor ``chunk_size`` rows at a time; with ``user``, only what
    that user may see. An unknown article is refused here, before anything is streamed. Claims marked
    "not a claim" are left out."""
    qs = Claim.objects.filter(not_a_claim=False)
    if user is not None:
        qs = qs.visible_to(user)
    if article_id not in (None, ""):
        qs = qs.filter(article_id=article_get(article_id=article_id).pk)
    if reviewed_only:
        qs = qs.exclude(verdict=Claim.Verdict.UNREVIEWED)
    qs = qs.annotate(checkworthiness_reasons_json=Cast("checkworthiness_reasons", TextField()),
                     quantities_json=Cast("quantities", TextField()))
    return _export_rows(qs.in_reading_order().values_list(*EXPORT_FIELDS), chunk_size)


def _export_rows(rows, chunk_size):
    batch = []
    for row in rows.iterator(chunk_size=chunk_size):
        batch.append(row)
        if len(batch) >= chunk_size:
            yield from _with_matches(batch)
            batch = []
    if batch:
        yield from _with_matches(batch)


def _with_matches(batch):
    # Rows come in article order, so one range of articles covers the chunk: two parameters and an
    # index scan, where an IN list of thousands of ids cost more to build and plan than to run.
    matches = {}
    found = (ClaimMatch.objects.filter(claim__article__id__range=(batch[0][1], batch[-1][1]))
             .order_by("claim_id", "-score", "earlier_id").values_list("claim_id", "earlier_id", "score", "kind"))
    for claim_id, earlier_id, score, kind in found:
        matches.setdefault(claim_id, []).append({"claim": earlier_id, "score": score, "kind": kind})
    for row in batch:
        item = dict(zip(EXPORT_FIELDS, row))
        item["matches"] = matches.get(row[0], [])
        yield item


# Matching reads the MiniLM vector only (e5's stays in the row for check-worthiness).
_RECORD_FIELDS = ("pk", "article_id", "text", "match_embedding", "speaker__name", "speaker__kind",
                  "quantities", "article__title", "article__headline_embedding", "article__published")


def _record(row) -> ClaimRecord:
    pk, article_id, text, match, speaker, kind, quantities, title, headline, published = row
    return ClaimRecord(id=pk, article_id=article_id, text=text, match_embedding=decode_embedding(match), speaker=speaker, speaker_kind=kind,
                       quantities=quantities or [], context=title or "",
                       context_embedding=decode_embedding(headline) if headline is not None else None,
                       published=published)


def claim_ids_with_work(*, ids) -> set[int]:
    """Of these claims, the ones somebody has worked on: assigned (now or ever), proposed, published,
    commented, given evidence, a match confirmed or rejected, or a verdict inherited by a later claim.
    Reprocessing never deletes these."""
    ids = list(ids)
    if not ids:
        return set()
    worked = (
        Q(assignee__isnull=False) | ~Q(state=Claim.State.UNREVIEWED) | ~Q(verdict=Claim.Verdict.UNREVIEWED)
        | ~Q(proposed_verdict="") | Q(assignments__isnull=False) | Q(comments__isnull=False)
        | Q(evidence__isnull=False) | Q(matches__decisions__isnull=False)
        | Q(later_matches__decisions__isnull=False) | Q(inheritors__isnull=False)
    )
    found = set()
    for chunk in range(0, len(ids), 500):
        found |= set(Claim.objects.filter(worked, pk__in=ids[chunk:chunk + 500]).values_list("pk", flat=True))
    return found


def claim_records_after(*, after_id: int, batch_size: int = 5000):
    """Stored claims with id > ``after_id`` as plain matching records, oldest first; each carries its
    article's headline (words and vector) and publication date, which the matching ranks with."""
    qs = (
        Claim.objects.filter(pk__gt=after_id, match_embedding__isnull=False)
        .order_by("pk")
        .values_list(*_RECORD_FIELDS)
    )
    for row in qs.iterator(chunk_size=batch_size):
        yield _record(row)


def claim_ids_after(*, after_id: int) -> list[int]:
    """Ids of the stored claims (with vectors) past ``after_id``, ascending: cheap, no vectors read."""
    return list(Claim.objects.filter(pk__gt=after_id, match_embedding__isnull=False)
                .order_by("pk").values_list("pk", flat=True))


def claim_records_by_ids(*, ids) -> list[ClaimRecord]:
    qs = Claim.objects.filter(pk__in=list(ids), match_embedding__isnull=False)
    return [_record(row) for row in qs.order_by("pk").values_list(*_RECORD_FIELDS)]


def claim_records_for_article(*, article_id: int) -> list[ClaimRecord]:
    qs = (
        Claim.objects.filter(article_id=article_id, match_embedding__isnull=False)
        .order_by("start")
        .values_list(*_RECORD_FIELDS)
    )
    return [_record(row) for row in qs]


def audit_for_claim(*, claim_id, user=None):
    """A claim's audit records, oldest first; with ``user``, only for a claim that user may see."""
    claim = claim_get(claim_id=claim_id, user=user)
    return AuditRecord.objects.filter(object_type="claim", object_id=str(claim.pk)).order_by("id")


def audit_for_object(*, obj):
    """The audit records written about ``obj`` (its model name and id exactly), oldest first.

    Access is the caller's to check (a claim's page, or the audit trail's readers)."""
    return AuditRecord.objects.filter(object_type=obj._meta.model_name, object_id=str(obj.pk)).order_by("id")


def _as_datetime(value, what):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        try:  # well-formed but impossible ("2023-02-30", "T25:00") raises ValueError
            stamp = parse_datetime(str(value))
            if stamp is None:
                day = parse_date(str(value))
                stamp = dt.datetime.combine(day, dt.time()) if day else None
        except ValueError:
            stamp = None
    if stamp is None:
        raise InvalidInput(f"{what} must be an ISO 8601 date or date-time, got {value!r}")
    if timezone.is_naive(stamp):
        stamp = timezone.make_aware(stamp)
    try:  # "9999-12-31T23:59-23:59" parses, but is past the last datetime in UTC
        # In UTC: PostgreSQL refuses offsets past ±15:59 ("+21:34" parses in Python).
        return stamp.astimezone(dt.UTC)
    except OverflowError:
        raise InvalidInput(f"{what} is out of range, got {value!r}") from None


def parse_when(value, what="time"):
    """An aware datetime from ISO 8601 text (a date means its midnight), or ``InvalidInput``."""
    return _as_datetime(value, what)


def audit_records(*, claim_id=None, username=None, since=None, until=None):
    """Audit records oldest first, for one claim, one user and/or a time range."""
    qs = AuditRecord.objects.order_by("id")
    if claim_id not in (None, ""):
        claim = claim_get(claim_id=claim_id)
        qs = qs.filter(object_type="claim", object_id=str(claim.pk))
    if username:
        qs = qs.filter(actor_username=username)
    if since not in (None, ""):
        qs = qs.filter(at__gte=_as_datetime(since, "since"))
    if until not in (None, ""):
        qs = qs.filter(at__lt=_as_datetime(until, "until"))
    return qs


def articles_pending(*, article_ids):
    """How many of these articles are not finished yet (done or failed)."""
    return Article.objects.filter(pk__in=article_ids).exclude(
        status__in=[Article.Status.DONE, Article.Status.FAILED]
    ).count()


def articles_failed(*, article_ids):
    return list(Article.objects.filter(pk__in=article_ids, status=Article.Status.FAILED))


def match_precision_by_threshold(*, thresholds=None) -> list[dict]:
    """From reviewers' match decisions: for each threshold, how many decided matches scored at or
    above it and what share of them reviewers confirmed (the precision a cut there would have)."""
    # the latest decision per match counts
    latest = {}
    for match_id, decision, score in MatchDecision.objects.order_by("at", "id").values_list(
        "match_id", "decision", "score"
    ):
        latest[match_id] = (decision, score)
    thresholds = thresholds or [round(0.40 + 0.05 * i, 2) for i in range(12)]
    rows = []
    for t in thresholds:
        above = [d for d, s in latest.values() if s >= t]
        confirmed = sum(1 for d in above if d == "confirm")
        rows.append({"threshold": t, "decided": len(above), "confirmed": confirmed,
                     "precision": (confirmed / len(above)) if above else None})
    return rows


def desk_overview(*, user, now=None) -> dict:
    """The desk at a glance, over the claims ``user`` may see (the admin's overview page).

    ``per_state``: claims per state, every state of ``Claim.State`` (0 when none); ``per_reviewer``: per
    assignee (by username) the claims in review, proposed, published and overdue; ``overdue`` and
    ``rereview``: the claims overdue at ``now`` (``models.overdue_q``) and those needing re-review;
    ``median_hours`` (None without one) and ``published_count``: hours from ingest to a published
    verdict; ``verdicts``: published claims per verdict; ``match_precision``: the rows of
    ``match_precision_by_threshold`` with decided matches."""
    claims = Claim.objects.visible_to(user)
    now = now or timezone.now()
    per_state = {row["state"]: row["n"] for row in claims.values("state").annotate(n=Count("id"))}
    per_reviewer = list(
        claims.exclude(assignee=None).values("assignee__username")
        .annotate(in_review=Count("id", filter=Q(state=Claim.State.IN_REVIEW)),
                  proposed=Count("id", filter=Q(state=Claim.State.PROPOSED)),
                  published=Count("id", filter=Q(state=Claim.State.PUBLISHED)),
                  overdue=Count("id", filter=overdue_q(now)))
        .order_by("assignee__username")
    )
    hours = [
        (published - ingested).total_seconds() / 3600
        for published, ingested in claims.filter(state=Claim.State.PUBLISHED, published_at__isnull=False)
        .annotate(ingested=F("article__created_at")).values_list("published_at", "ingested")
    ]
    return {
        "per_state": {state: per_state.get(state, 0) for state in Claim.State.values},
        "per_reviewer": per_reviewer,
        "overdue": claims.overdue(now).count(),
        "rereview": claims.filter(needs_rereview=True).count(),
        "median_hours": statistics.median(hours) if hours else None,
        "published_count": len(hours),
        "verdicts": list(claims.filter(state=Claim.State.PUBLISHED).values("verdict").annotate(n=Count("id"))),
        "match_precision": [r for r in match_precision_by_threshold() if r["decided"]],
    }


# --- speakers: every read goes through ``Claim.objects.visible_to`` -----------------------------------


def _speaker_claims(user):
    """The claims a speaker page counts: those ``user`` may see, without the ones marked "not a claim"."""
    return Claim.objects.visible_to(user).filter(not_a_claim=False)


def speaker_list(*, user):
    """Speakers by name, each with ``claim_total`` and one count per verdict (``n_verified``...) of
    the claims ``user`` may see, counted in the same query. Nothing without a desk role."""
    if not user_role(user):
        return Speaker.objects.none()
    visible = Q(claims__in=_speaker_claims(user).values("pk"))
    counts = {f"n_{v}": Count("claims", filter=visible & Q(claims__verdict=v)) for v in Claim.Verdict.values}
    return Speaker.objects.annotate(claim_total=Count("claims", filter=visible), **counts).order_by("name", "id")


def speaker_get(*, speaker_id, user):
    """One speaker as ``speaker_list`` shapes it, or ``NotFound`` naming the id."""
    speaker_id = _as_int(speaker_id, "speaker id")
    speaker = speaker_list(user=user).filter(pk=speaker_id).first()
    if speaker is None:
        raise NotFound(f"no speaker with id {speaker_id}")
    return speaker


def speaker_claims(*, speaker_id, user):
    """A speaker's claims ``user`` may see, newest first by when they were said: the article's
    publication date, else the day it came in (``said_on``)."""
    return (_speaker_claims(user).filter(speaker_id=speaker_id).select_related("article")
            .defer("article__body", "article__raw_html", "article__headline_embedding",
                   "match_embedding")
            .annotate(said_on=Coalesce("article__published", TruncDate("article__created_at"),
                                       output_field=DateField()))
            .order_by("-said_on", "-article_id", "start"))


def speaker_verdicts_by_month(*, speaker_id, user) -> list[dict]:
    """A speaker's verdicts over time: one row per month with claims (``said_on`` as in
    ``speaker_claims``), newest first: ``{"month": date, "total": n, "verified": n, ...}``."""
    rows: dict = {}
    for said_on, verdict in speaker_claims(speaker_id=speaker_id, user=user).values_list("said_on", "verdict"):
        month = said_on.replace(day=1) if said_on else None
        row = rows.setdefault(month, {"month": month, "total": 0, **dict.fromkeys(Claim.Verdict.values, 0)})
        row["total"] += 1
        row[verdict] += 1
    return sorted(rows.values(), key=lambda r: (r["month"] is not None, r["month"]), reverse=True)


def match_get(*, match_id, user=None) -> ClaimMatch:
    """One match with its claim, or ``NotFound`` naming the id (a malformed id too, as an unknown one).
    With ``user``, only a match of a claim that user may see (``Claim.objects.visible_to``)."""
    try:
        match_id = int(match_id)
    except (TypeError, ValueError):
        raise NotFound(f"no match with id {match_id}") from None
    qs = ClaimMatch.objects.select_related("claim")
    if user is not None:
        qs = qs.filter(claim__in=Claim.objects.visible_to(user))
    match = qs.filter(pk=match_id).first()
    if match is None:
        raise NotFound(f"no match with id {match_id}")
    return match


def speaker_by_id(*, speaker_id) -> Speaker | None:
    """The speaker with this id, or None (a correction names the one it means by id)."""
    return Speaker.objects.filter(pk=speaker_id).first()
