"""The domain: articles, the claims found in them, their speakers, matches, and the audit trail.

Models hold data and querysets; every write goes through a service (``claims.articles``, ``claims.workflow``, ``claims.corrections``, …).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from .roles import user_role


class Article(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        EXTRACTING = "extracting", "Extracting claims"
        EXTRACTED = "extracted", "Claims extracted, waiting for matching"
        MATCHING = "matching", "Matching"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    title = models.CharField(max_length=500)
    body = models.TextField()
    source = models.CharField("source / outlet", max_length=200, blank=True)
    url = models.URLField("URL", max_length=2000, blank=True)
    published = models.DateField(null=True, blank=True)
    byline = models.CharField(max_length=300, blank=True, help_text="The author(s) a web page names.")
    raw_html = models.TextField(blank=True, editable=False, help_text="The page as it arrived, for provenance.")
    content_hash = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the normalised body; one article per body."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True, editable=False)
    headline_embedding = models.BinaryField(
        null=True, editable=False, help_text="float16 MiniLM embedding of the title (a matching feature)"
    )
    # The lease of the worker processing it (extracting or matching): every status change of that
    # stage is conditional on holding it, the worker renews it while it works, and the sweep hands an
    # expired one back to the queue (see ``claims.processing``).
    lease_owner = models.CharField(max_length=200, blank=True, editable=False)
    lease_expires = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    attempts = models.PositiveIntegerField(
        default=0, editable=False, help_text="Times a worker has taken the current stage; bounded by the sweep."
    )
    queued_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When its current stage was last sent to the broker."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Speaker(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        ANONYMOUS = "anonymous", "Anonymous source"

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    aliases = models.JSONField(default=list, blank=True, help_text="Other spellings seen for this speaker.")
    key = models.CharField(max_length=100, blank=True, db_index=True, help_text="Folded family name, for lookup.")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "kind"], name="speaker_unique_name_kind")]

    def __str__(self):
        return self.name


class ClaimQuerySet(models.QuerySet):
    def in_reading_order(self):
        return self.order_by("article_id", "start")

    def visible_to(self, user):
        """Claims this user may see: everything for any desk role, nothing for anyone else."""
        return self if user_role(user) else self.none()

    def overdue(self, now=None):
        """Claims overdue at ``now`` (``overdue_q``)."""
        return self.filter(overdue_q(now))

    def queue_order(self):
        """A reviewer's queue: earliest due first (no due date last), then most check-worthy."""
        return self.order_by(models.F("due").asc(nulls_last=True), "-checkworthiness", "id")


class Claim(models.Model):
    class Attribution(models.TextChoices):
        DIRECT = "direct", "Direct quote"
        REPORTED = "reported", "Reported speech"
        ANONYMOUS = "anonymous", "Anonymous source"
        NONE = "none", "None"

    class Verdict(models.TextChoices):
        UNREVIEWED = "unreviewed", "Unreviewed"
        VERIFIED = "verified", "Verified"
        DISPUTED = "disputed", "Disputed"
        UNATTRIBUTED = "unattributed", "Unattributed"

    class State(models.TextChoices):
        UNREVIEWED = "unreviewed", "Unreviewed"
        IN_REVIEW = "in_review", "In review"
        PROPOSED = "proposed", "Awaiting second review"
        PUBLISHED = "published", "Published"

    PROPOSABLE = (Verdict.VERIFIED, Verdict.DISPUTED, Verdict.UNATTRIBUTED)

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="claims")
    start = models.PositiveIntegerField(help_text="Character offset of the claim in the article body.")
    end = models.PositiveIntegerField()
    text = models.TextField()
    speaker = models.ForeignKey(Speaker, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    attribution = models.CharField(max_length=20, choices=Attribution.choices, default=Attribution.NONE)
    checkworthiness = models.FloatField(db_index=True)
    checkworthiness_reasons = models.JSONField(default=list, blank=True)
    quantities = models.JSONField(default=list, blank=True)
    match_embedding = models.BinaryField(
        null=True, editable=False, help_text="float16 MiniLM embedding, the one matching searches"
    )

    state = models.CharField(max_length=20, choices=State.choices, default=State.UNREVIEWED, db_index=True)
    # The published verdict: "unreviewed" until a second reviewer approves one.
    verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.UNREVIEWED, db_index=True)
    verdict_note = models.TextField("published rationale", blank=True)
    review_summary = models.CharField(
        "ClaimReview summary", max_length=74, blank=True,
        help_text="What the claim says, in under 75 characters, without the verdict (schema.org claimReviewed). "
                  "Empty: the claim cut at a word boundary.",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    proposed_verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    proposed_rationale = models.TextField(blank=True)
    no_evidence_found = models.BooleanField(default=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_claims"
    )
    due = models.DateTimeField(null=True, blank=True, db_index=True)

    # Carry-over: a published verdict of an earlier claim matched "same".
    suggested_verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    suggested_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    inherited_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="inheritors",
        help_text="The earlier claim whose verdict this one accepted.",
    )
    needs_rereview = models.BooleanField(
        default=False, db_index=True, help_text="The verdict it inherited has changed since it was published."
    )
    # A correction: the sentence is not a checkable claim. Kept (its history, its matches' history),
    # hidden from the lists, the article view and the exports.
    not_a_claim = models.BooleanField("not a claim", default=False, db_index=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["article_id", "start"]
        indexes = [models.Index(fields=["article", "start"], name="claim_article_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="claim_span_nonempty"),
            models.CheckConstraint(
                condition=models.Q(checkworthiness__gte=0) & models.Q(checkworthiness__lte=1),
                name="claim_checkworthiness_unit_range",
            ),
            # Re-extraction reconciles by span; two claims over the same span would be a duplicate.
            models.UniqueConstraint(fields=["article", "start", "end"], name="claim_unique_span"),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 80 else self.text[:77] + "…"

    @property
    def is_overdue(self):
        return claim_is_overdue(due=self.due, state=self.state)


# "Overdue", the one rule: a due time in the past on a claim not yet published. ``overdue_q`` says it to
# the database (the queryset, the selectors, the admin's counts), ``claim_is_overdue`` to a row in hand.
def overdue_q(now=None) -> models.Q:
    """Past due at ``now`` and not published, as a condition on the claim row itself (an index on
    ``due`` serves it; ``pk IN (overdue claims)`` made PostgreSQL probe every claim)."""
    return models.Q(due__lt=now or timezone.now()) & ~models.Q(state=Claim.State.PUBLISHED)


def claim_is_overdue(*, due, state, now=None) -> bool:
    """``overdue_q`` for one claim's ``due`` and ``state`` (an instance's, or a row's values)."""
    return bool(due and due < (now or timezone.now()) and state != Claim.State.PUBLISHED)


class Evidence(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField("URL", max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self):
        return self.title or self.url


class Comment(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        SEND_BACK = "send_back", "Sent back"
        APPROVAL = "approval", "Approved"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMMENT)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:80]


class Assignment(models.Model):
    """Every (re)assignment of a claim, kept: the claim's current assignee is the latest row."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    due = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"claim {self.claim_id} → {self.assignee or 'nobody'}"


def article_before(a, b) -> bool:
    """Whether article ``a`` came before article ``b`` in time: by published date where both have one
    and they differ, then by ingest time and id. ``a`` and ``b`` need ``published``, ``created_at``
    and ``pk`` (an article, or a row of those values)."""
    if a.published and b.published and a.published != b.published:
        return a.published < b.published
    return (a.created_at, a.pk) < (b.created_at, b.pk)


class ClaimMatch(models.Model):
    """Two claims of different articles that say the same (or a related or conflicting) thing.

    One row per pair, whichever way round it was found: ``claim`` is the claim of the article
    ingested later (the higher article id), ``earlier`` the other one. Which of the two was
    *published* first is a question for :func:`article_before`, not for these names.
    """

    class Kind(models.TextChoices):
        SAME = "same", "Same claim"
        RELATED = "related", "Related"
        CONFLICT = "conflict", "Conflict"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="matches")
    earlier = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="later_matches")
    score = models.FloatField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    lexical = models.FloatField(default=0)
    semantic = models.FloatField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "-score"]
        # The unordered pair: two workers matching two articles at once each find the pair from
        # their own side, and the storing code's ON CONFLICT DO NOTHING keeps the first.
        constraints = [models.UniqueConstraint(Least("claim", "earlier"), Greatest("claim", "earlier"),
                                               name="match_unique_unordered_pair")]

    def __str__(self):
        return f"{self.claim_id} ~ {self.earlier_id} ({self.kind}, {self.score:.2f})"


class MatchDecision(models.Model):
    """A reviewer confirming or rejecting a suggested match: the ground truth for threshold reports.

    Append-only: the latest decision on a match is the one that stands; a changed mind adds a row,
    so the earlier decision stays on record. ``username`` is copied so that deleting a user keeps
    who decided."""

    class Decision(models.TextChoices):
        CONFIRM = "confirm", "Confirmed"
        REJECT = "reject", "Rejected"

    match = models.ForeignKey(ClaimMatch, on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    score = models.FloatField(help_text="The match score when the decision was taken.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.decision} match {self.match_id} ({self.score:.2f})"

    @property
    def by(self) -> str:
        """Who decided, as a name (the copied one when the user is gone)."""
        return self.username or getattr(self.user, "username", "") or "a deleted user"


class AuditRecord(models.Model):
    """One change, append-only: who, when, through which door, what changed from what to what.

    The actor is kept as a plain id and a copied username (no database constraint), so deleting a
    user never rewrites history; ``hash`` chains each record to the one before it.
    """

    class Door(models.TextChoices):
        ADMIN = "admin", "Admin"
        API = "api", "API"
        COMMAND = "command", "Command line"
        TASK = "task", "Background task"

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    door = models.CharField(max_length=10, choices=Door.choices)
    request_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    changes = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "claims_audit_record"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object"),
                   # ``?user=`` pages (GET /api/audit/): one actor's records in id order, whoever few they are.
                   models.Index(fields=["actor_username", "id"], name="audit_actor")]
        # One successor per record: the chain cannot fork, even if two writers raced past the lock.
        constraints = [models.UniqueConstraint(fields=["prev_hash"], name="audit_unique_prev_hash")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or 'system'} {self.action} {self.object_type}#{self.object_id}"


# --- articles from the web: links and feeds (services in ``claims.sources``) ---------------------------


class Feed(models.Model):
    """An RSS or Atom feed the desk follows; polled by ``claims.poll_feeds`` (Celery beat)."""

    url = models.URLField("URL", max_length=2000)
    url_key = models.CharField(max_length=64, unique=True, editable=False, help_text="One feed per URL.")
    title = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_status = models.CharField(max_length=100, blank=True, editable=False,
                                   help_text="What the last poll found (new items, not modified, ...).")
    last_error = models.TextField(blank=True, editable=False)
    # The poller's lease: two beats (or a poll still running) never poll one feed at once.
    lease_owner = models.CharField(max_length=200, blank=True, editable=False)
    lease_expires = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self):
        return self.title or self.url


class Link(models.Model):
    """A web page to fetch and ingest (pasted by an editor or found in a feed): one per URL."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        FETCHING = "fetching", "Fetching"
        DONE = "done", "Ingested"
        FAILED = "failed", "Failed"

    url = models.URLField("URL", max_length=2000)
    url_key = models.CharField(max_length=64, unique=True, editable=False, help_text="One link per URL.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True, editable=False)
    final_url = models.URLField(max_length=2000, blank=True, editable=False)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="links")
    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.SET_NULL, related_name="links",
                             help_text="The feed it was first found in.")
    batch = models.CharField(max_length=40, blank=True, db_index=True, help_text="Links added together.")
    lease_owner = models.CharField(max_length=200, blank=True, editable=False)
    lease_expires = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    attempts = models.PositiveIntegerField(default=0, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url


class FeedItem(models.Model):
    """An item seen in a feed, once: its id (guid, else link) is unique per feed."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=64, help_text="SHA-256 of the item's id.")
    guid = models.TextField()
    title = models.CharField(max_length=500, blank=True)
    link = models.ForeignKey(Link, on_delete=models.PROTECT, related_name="feed_items")
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["feed", "key"], name="feeditem_unique_key")]

    def __str__(self):
        return self.title or self.guid


class Heartbeat(models.Model):
    """The last sign of life of a background process: a worker (by its Celery node name) or the sweep.

    Written by the workers and the sweep, read by ``GET /healthz`` and the admin home (``claims.health``).
    """

    class Kind(models.TextChoices):
        WORKER = "worker", "Worker"
        SWEEP = "sweep", "Sweep"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=255)
    seen_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="heartbeat_unique_name")]

    def __str__(self):
        return f"{self.kind} {self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
