"""The editors' workbench in the Django admin. Every write goes through ``claims.services`` or
``claims.workflow``; every permission question goes to ``claims.permissions``."""

import difflib
import re
import statistics

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import claimreview, corrections, permissions, selectors, services, speakers_service, workflow
from .errors import ClaimdeskError
from .models import Article, AuditRecord, Claim, ClaimMatch, Feed, Link, Speaker

VERDICT_COLOURS = {
    "unreviewed": "#6b7280",
    "verified": "#15803d",
    "disputed": "#b91c1c",
    "unattributed": "#b45309",
}
STATE_COLOURS = {"unreviewed": "#6b7280", "in_review": "#1d4ed8", "proposed": "#7c3aed", "published": "#15803d"}


def badge(value, label, colours):
    return format_html(
        '<span class="badge badge-{}" style="color:#fff;background:{};padding:1px 7px;border-radius:8px;'
        'white-space:nowrap">{}</span>', value, colours.get(value, "#6b7280"), label,
    )


def verdict_badge(verdict, label=None):
    return badge(verdict, label or verdict, VERDICT_COLOURS)


def _desk_users():
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(groups__name__in=["editor", "reviewer"]) | Q(is_superuser=True)).distinct().order_by("username"))


_WORD = re.compile(r"\S+")


def marked_diff(a: str, b: str):
    """Both texts with the words that differ between them wrapped in <mark>."""
    wa, wb = _WORD.findall(a), _WORD.findall(b)
    out_a, out_b = [], []
    norm = lambda words: [re.sub(r"\W", "", w.lower()) or w for w in words]  # noqa: E731
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=norm(wa), b=norm(wb), autojunk=False).get_opcodes():
        if op == "equal":
            out_a.append(format_html("{} ", " ".join(wa[i1:i2])))
            out_b.append(format_html("{} ", " ".join(wb[j1:j2])))
        else:
            if i2 > i1:
                out_a.append(format_html("<mark>{}</mark> ", " ".join(wa[i1:i2])))
            if j2 > j1:
                out_b.append(format_html("<mark>{}</mark> ", " ".join(wb[j1:j2])))
    join = lambda parts: format_html_join("", "{}", ((p,) for p in parts))  # noqa: E731
    return join(out_a), join(out_b)


# --- access: every question goes to claims.permissions, never to Django model permissions --------------


class DeskAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in: an active user with a desk role (Django's own asks for ``is_staff``)."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)
        if not permissions.allowed(user, permissions.VIEW):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                  params={"username": self.username_field.verbose_name})


def desk_has_permission(request):
    """The admin site's gate (replaces ``AdminSite.has_permission``): a desk role, not ``is_staff``.

    A staff user without a role sees nothing of the desk; a superuser counts as an editor and keeps
    Django's User and Group pages, which still use Django's own permissions."""
    return permissions.allowed(request.user, permissions.VIEW)


class DeskAccess:
    """ModelAdmin mixin: pages and actions are offered as ``claims.permissions`` allows.

    ``view_action`` opens the list and the pages; ``add_action`` and ``change_action`` (None: nobody)
    the forms; ``action_rules`` maps each admin action to the permission it needs, and an action
    not listed there is offered to nobody. Nothing is ever deleted through the admin.
    """

    view_action = permissions.VIEW
    add_action = None
    change_action = None
    action_rules: dict = {}

    def _allowed(self, request, action, claim=None):
        return action is not None and permissions.allowed(request.user, action, claim)

    def has_module_permission(self, request):
        return self._allowed(request, self.view_action)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, self.view_action)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request, self.add_action)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, self.change_action)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {name: action for name, action in super().get_actions(request).items()
                if name in self.action_rules and self._allowed(request, self.action_rules[name])}


# --- articles ----------------------------------------------------------------------------------------


class ArticleAddForm(forms.ModelForm):
    url = forms.URLField(label="URL", required=False, max_length=2000, assume_scheme="https")

    class Meta:
        model = Article
        fields = ["title", "body", "source", "url", "published"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = "Left empty, the first line of the body is used."

    def clean(self):
        data = super().clean()
        try:
            self.validated = services.article_validate(
                body=data.get("body", ""), title=data.get("title"), source=data.get("source", ""),
                url=data.get("url", ""), published=data.get("published"),
            )
        except ClaimdeskError as exc:
            raise forms.ValidationError(exc.message) from None
        return data


class ClaimInline(DeskAccess, admin.TabularInline):
    model = Claim
    fields = ["claim_text", "speaker", "attribution", "checkworthiness", "state_display", "verdict_display",
              "assignee"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["start"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(not_a_claim=False)

    @admin.display(description="claim")
    def claim_text(self, claim):
        return claim.text

    @admin.display(description="state")
    def state_display(self, claim):
        return badge(claim.state, claim.get_state_display(), STATE_COLOURS)

    @admin.display(description="verdict")
    def verdict_display(self, claim):
        return verdict_badge(claim.verdict, claim.get_verdict_display())


@admin.register(Article)
class ArticleAdmin(DeskAccess, admin.ModelAdmin):
    list_display = ["title", "source", "published", "status", "claim_count", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["title", "body", "source", "url"]
    date_hierarchy = "created_at"
    inlines = [ClaimInline]
    actions = ["requeue"]
    add_action = permissions.INGEST
    change_action = permissions.CORRECT_ARTICLE  # the title and the date; the body never changes
    action_rules = {"requeue": permissions.REQUEUE}

    change_form_template = "admin/claims/article/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claims=Count("claims"))

    @admin.display(description="claims", ordering="_claims")
    def claim_count(self, article):
        return article._claims

    def get_urls(self):
        return [path("<int:article_id>/progress/", self.admin_site.admin_view(self.progress_view),
                     name="claims_article_progress")] + super().get_urls()

    def progress_view(self, request, article_id):
        """The article's processing status and claim count as JSON, for the page that polls it."""
        if not self.has_view_permission(request):
            return JsonResponse({"error": "not allowed"}, status=403)
        article = get_object_or_404(Article, pk=article_id)
        return JsonResponse({
            "id": article.pk, "status": article.status, "status_display": article.get_status_display(),
            "finished": article.status in (Article.Status.DONE, Article.Status.FAILED), "error": article.error,
            "claims": article.claims.filter(not_a_claim=False).count(),
        })

    def response_add(self, request, obj, post_url_continue=None):
        # Land on the article itself (live progress there), with the one message save_model gave.
        return HttpResponseRedirect(reverse("admin:claims_article_change", args=[obj.pk]))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ArticleAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = ["title", "body_highlighted", "source", "url", "published", "status", "error", "content_hash",
                  "created_at", "processed_at"]
        if self._allowed(request, self.change_action):
            fields = [f for f in fields if f not in ("title", "published")]
        return fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["title", "body", "source", "url", "published"]
        return ["title", "body_highlighted", "source", "url", "published", "status", "error", "content_hash",
                "created_at", "processed_at"]

    def get_inlines(self, request, obj):
        return [ClaimInline] if obj else []

    @admin.display(description="body, claims highlighted")
    def body_highlighted(self, article):
        body = article.body
        parts = []
        pos = 0
        threshold = settings.CLAIMDESK_CHECKWORTHY_THRESHOLD
        below = 0
        for claim in article.claims.filter(not_a_claim=False).order_by("start"):
            if claim.start < pos:
                continue
            colour = VERDICT_COLOURS[claim.verdict]
            # Only claims at or above the desk's threshold are highlighted; the others (or any claim
            # someone has already reviewed) stay marked but plain until "show all" is ticked.
            worthy = claim.checkworthiness >= threshold or claim.verdict != Claim.Verdict.UNREVIEWED
            below += not worthy
            parts.append(format_html("{}", body[pos:claim.start]))
            parts.append(format_html(
                '<a href="{}" class="claim-mark verdict-{} {}" title="#{} · {} · {} · {} · check-worthiness {}" '
                'style="--mark:{}">{}</a>',
                reverse("admin:claims_claim_change", args=[claim.pk]), claim.verdict,
                "worthy" if worthy else "below", claim.pk, claim.get_verdict_display(), claim.get_state_display(),
                claim.speaker or "no speaker", f"{claim.checkworthiness:.2f}", colour, body[claim.start:claim.end],
            ))
            pos = claim.end
        parts.append(format_html("{}", body[pos:]))
        legend = format_html_join(" ", "{}", ((verdict_badge(v, label),) for v, label in Claim.Verdict.choices))
        toggle = format_html(
            '<p class="threshold-note">Highlighting claims with check-worthiness ≥ <strong>{}</strong> (the desk '
            'threshold, <code>CLAIMDESK_CHECKWORTHY_THRESHOLD</code>) and every reviewed claim. '
            '<label><input type="checkbox" id="show-all-claims"> show the {} other claim{} too</label></p>',
            f"{threshold:.2f}", below, "" if below == 1 else "s",
        )
        # Pure CSS: one click on the checkbox shows the rest; no script needed.
        style = mark_safe(  # a constant: no user text in it
            "<style>.claim-mark{color:inherit;text-decoration:none}"
            ".claim-mark.worthy{background:color-mix(in srgb,var(--mark) 14%,transparent);"
            "border-bottom:3px solid var(--mark)}"
            ".claim-mark.below{border-bottom:1px dotted #9ca3af}"
            "#claims-view:has(#show-all-claims:checked) .claim-mark.below{background:color-mix(in srgb,"
            "var(--mark) 14%,transparent);border-bottom:3px solid var(--mark)}</style>"
        )
        return format_html('<div id="claims-view">{}<div style="margin-bottom:.6em">{}</div>{}<div class="article-body" '
                           'style="white-space:pre-wrap;max-width:60em;line-height:1.6">{}</div></div>',
                           style, legend, toggle, format_html_join("", "{}", ((p,) for p in parts)))

    def save_model(self, request, obj, form, change):
        if change:  # a correction of the title or the date, audited
            corrections.article_correct(article=obj, user=request.user, title=form.cleaned_data["title"],
                                        published=form.cleaned_data["published"])
            return
        try:
            result = services.article_ingest(user=request.user, **form.validated)
        except ClaimdeskError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = result.article.pk
        obj.__dict__.update({k: v for k, v in result.article.__dict__.items() if not k.startswith("_")})
        if result.duplicate:
            messages.warning(request, f"This body was already ingested as article #{result.article.pk}: "
                                      "showing that article, nothing new was stored.")
        elif result.queue_error:
            messages.error(request, f"Article stored but not queued: {result.queue_error}. Use the "
                                    "“Re-queue” action once the broker is back.")
        else:
            messages.info(request, "Article stored; claims are being extracted in the background.")

    def log_addition(self, request, obj, message):
        # The audit trail records the ingestion.
        return None

    def log_change(self, request, obj, message):
        return None  # the audit trail records the correction

    @admin.action(description="Re-queue selected articles for processing")
    def requeue(self, request, queryset):
        for article in queryset:
            try:
                error = services.article_requeue(article=article, user=request.user)
            except ClaimdeskError as exc:
                messages.warning(request, f"#{article.pk}: {exc.message}")
                continue
            if error:
                messages.error(request, f"#{article.pk}: {error}")
            else:
                messages.info(request, f"#{article.pk} re-queued")


# --- claims --------------------------------------------------------------------------------------------


class CheckworthinessFilter(admin.SimpleListFilter):
    title = "check-worthiness"
    parameter_name = "worth"

    def lookups(self, request, model_admin):
        t = settings.CLAIMDESK_CHECKWORTHY_THRESHOLD
        return [("desk", f"Check-worthy (≥ {t:.2f}, the desk threshold)"), ("below", "Below the desk threshold"),
                ("high", "High (≥ 0.7)"), ("medium", "Medium (0.4–0.7)"), ("low", "Low (< 0.4)")]

    def queryset(self, request, queryset):
        t = settings.CLAIMDESK_CHECKWORTHY_THRESHOLD
        bounds = {"desk": (t, 1.01), "below": (-0.01, t),
                  "high": (0.7, 1.01), "medium": (0.4, 0.7), "low": (-0.01, 0.4)}.get(self.value())
        if bounds:
            return queryset.filter(checkworthiness__gte=bounds[0], checkworthiness__lt=bounds[1])
        return queryset


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("today", "Due in the next 24 hours"), ("none", "No due time")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.overdue(now)
        if self.value() == "today":
            return queryset.filter(due__gte=now, due__lt=now + timezone.timedelta(hours=24))
        if self.value() == "none":
            return queryset.filter(due__isnull=True)
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        mine = [("1", "My claims")]
        if permissions.allowed(request.user, permissions.APPROVE):
            mine.append(("approve", "Waiting for my approval"))
        return mine

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(assignee=request.user).exclude(state=Claim.State.PUBLISHED).queue_order()
        if self.value() == "approve":  # proposed by someone else: the second review is this editor's to give
            return (queryset.filter(state=Claim.State.PROPOSED).exclude(proposed_by=request.user)
                    .order_by(F("proposed_at").asc(nulls_last=True), "id"))
        return queryset


DUE_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _clean_due(due, current=None):
    """A due time from now on; an unchanged one (already past, say) may be saved again as it is."""
    if due is not None and due != current and due < timezone.now():
        raise forms.ValidationError(
            f"{timezone.localtime(due):%d %b %Y %H:%M} is in the past: give a due time from now on.")
    return due


class NotAClaimFilter(admin.SimpleListFilter):
    """Claims marked "not a claim" are hidden from the list unless asked for."""

    title = "not a claim"
    parameter_name = "hidden"

    def lookups(self, request, model_admin):
        return [("only", "Only those marked “not a claim”"), ("all", "Claims and those marked “not a claim”")]

    def queryset(self, request, queryset):
        if self.value() == "only":
            return queryset.filter(not_a_claim=True)
        if self.value() == "all":
            return queryset
        return queryset.filter(not_a_claim=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                      help_text="Empty unassigns. Only editors and reviewers can be assigned.")
    due = forms.DateTimeField(required=False, widget=DUE_WIDGET, help_text="Optional.")

    def __init__(self, *args, claim=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.claim = claim
        self.fields["assignee"].queryset = _desk_users()

    def clean_due(self):
        return _clean_due(self.cleaned_data.get("due"), self.claim.due if self.claim else None)


class ReopenForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept as a comment and in the audit.")
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                      help_text="Empty: the claim waits unassigned.")
    due = forms.DateTimeField(required=False, widget=DUE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_reopen_%s", **kwargs)
        self.fields["assignee"].queryset = _desk_users()

    def clean_due(self):
        return _clean_due(self.cleaned_data.get("due"))


class ProposeForm(forms.Form):
    # No verdict preselected: one careless click must not send "verified" to a second review.
    verdict = forms.ChoiceField(choices=[("", "— choose a verdict —")]
                                + [(v, Claim.Verdict(v).label) for v in Claim.PROPOSABLE])
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    evidence_url = forms.URLField(required=False, assume_scheme="https", label="Evidence URL")
    evidence_title = forms.CharField(required=False, label="Evidence title")
    no_evidence_found = forms.BooleanField(required=False, label="No evidence found (unattributed only)")

    def evidence(self):
        url = self.cleaned_data.get("evidence_url")
        return [{"url": url, "title": self.cleaned_data.get("evidence_title", "")}] if url else []


class CommentForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReviewForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              label="Comment (required to send back)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_review_%s", **kwargs)


class EvidenceForm(forms.Form):
    url = forms.URLField(assume_scheme="https", label="URL")
    title = forms.CharField(required=False)
    note = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_ev_%s", **kwargs)


class CorrectionForm(forms.Form):
    speaker = forms.ModelChoiceField(queryset=Speaker.objects.order_by("name"), required=False,
                                     empty_label="— no speaker —", help_text="A known speaker…")
    speaker_name = forms.CharField(required=False, max_length=300, label="or a new speaker",
                                   help_text="…or a name not on the list (used instead of the list).")
    speaker_kind = forms.ChoiceField(choices=[("", "—")] + list(Speaker.Kind.choices), required=False,
                                     label="new speaker is a")
    attribution = forms.ChoiceField(choices=Claim.Attribution.choices)
    start = forms.IntegerField(min_value=0, help_text="Character offsets in the article: the claim is body[start:end].")
    end = forms.IntegerField(min_value=1)
    not_a_claim = forms.BooleanField(required=False, label="Not a claim (hidden from lists and exports)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_correct_%s", **kwargs)

    @classmethod
    def for_claim(cls, claim):
        return cls(initial={"speaker": claim.speaker_id, "attribution": claim.attribution, "start": claim.start,
                            "end": claim.end, "not_a_claim": claim.not_a_claim})

    def clean(self):
        data = super().clean()
        if data.get("speaker_name", "").strip() and not data.get("speaker_kind"):
            self.add_error("speaker_kind", "Say whether the new speaker is a person, an organisation or anonymous.")
        return data


class ReviewSummaryForm(forms.Form):
    summary = forms.CharField(required=False, max_length=200, label="ClaimReview summary",
                              help_text="What the claim says, under 75 characters, without the verdict "
                                        "(schema.org claimReviewed). Empty: the claim cut at a word boundary.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_summary_%s", **kwargs)


class SplitForm(forms.Form):
    words = forms.IntegerField(required=False, min_value=1, label="Cut after word",
                               help_text="The first part keeps this many words…")
    first_part = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="or the first part",
                                 help_text="…or type (or paste) the first part as it begins the claim.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_split_%s", **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("words") is None and not (data.get("first_part") or "").strip():
            self.add_error("words", "Give the number of words of the first part, or type the first part.")
        return data


class FormInvalid(ClaimdeskError):
    """A workflow form with errors beside its fields (the claim page is shown again with the input)."""


def _valid(form):
    if not form.is_valid():
        raise FormInvalid("Not saved: correct the errors shown beside the fields.")
    return form


def _field_for(message: str, form) -> str | None:
    """The field a service's refusal is about, so the error shows beside it (else above the form)."""
    m = message.lower()
    for words, field in ((("evidence", "url"), "evidence_url"), (("rationale",), "rationale"),
                         (("verdict",), "verdict"), (("due",), "due"), (("reason",), "reason"),
                         (("comment",), "comment"), (("url",), "url"), (("speaker",), "speaker_name"),
                         (("span", "start", "end"), "start"), (("title",), "title"),
                         (("summary",), "summary"), (("typed first part",), "first_part"),
                         (("words", "cut", "both parts"), "words")):
        if field in form.fields and any(w in m for w in words):
            return field
    return None


def _duration(hours: float) -> str:
    if hours < 1:
        minutes = max(1, round(hours * 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"


def _earlier(a: Article, b: Article) -> bool:
    """Whether article ``a`` came before ``b`` in time: by published date where both have one, then
    by ingest time (a match's "earlier" claim is simply the other one; this says which came first)."""
    if a.published and b.published and a.published != b.published:
        return a.published < b.published
    return (a.created_at, a.pk) < (b.created_at, b.pk)


def _in_context(claim, width=400):
    """The claim's paragraph around it (at most ``width`` characters either side, "…" where cut)."""
    body = claim.article.body
    lo = max(0, claim.start - width)
    para = body.rfind("\n\n", lo, claim.start)
    before = body[para + 2:claim.start] if para >= 0 else ("…" if lo else "") + body[lo:claim.start]
    hi = min(len(body), claim.end + width)
    para = body.find("\n\n", claim.end, hi)
    after = body[claim.end:para] if para >= 0 else body[claim.end:hi] + ("…" if hi < len(body) else "")
    return {"context_before": before, "context_after": after}


@admin.register(Claim)
class ClaimAdmin(DeskAccess, admin.ModelAdmin):
    change_form_template = "admin/claims/claim/change_form.html"
    list_display = ["short_text", "state_display", "verdict_display", "assignee", "due_display", "checkworthiness",
                    "attribution", "speaker", "match_count", "article"]
    list_filter = [MineFilter, "state", "verdict", "assignee", DueFilter, "attribution", CheckworthinessFilter,
                   "needs_rereview", NotAClaimFilter, "article"]
    search_fields = ["text", "speaker__name", "article__title"]
    list_select_related = ["speaker", "assignee", "article"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["text", "article", "span", "speaker", "attribution"]}),
        ("Check-worthiness", {"fields": ["checkworthiness", "reasons"]}),
        ("Review", {"fields": ["state", "verdict", "verdict_note", "published_by", "published_at", "assignee", "due",
                               "proposed_verdict", "proposed_rationale", "no_evidence_found_display", "proposed_by",
                               "suggested_verdict", "suggested_from", "needs_rereview_display"]}),
    ]
    readonly_fields = [f for _, opts in fieldsets for f in opts["fields"]]
    actions = ["take_for_review", "bulk_assign", "bulk_propose", "bulk_approve", "merge_claims"]
    # Claims change only through the workflow panel and these actions, each claim checked again.
    action_rules = {"take_for_review": permissions.ASSIGN, "bulk_assign": permissions.ASSIGN,
                    "bulk_propose": permissions.PROPOSE, "bulk_approve": permissions.APPROVE,
                    "merge_claims": permissions.CORRECT}

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).annotate(_matches=Count("matches"))

    def get_ordering(self, request):
        if request.GET.get("mine") == "1":  # the reviewer's queue
            return [F("due").asc(nulls_last=True), "-checkworthiness", "id"]
        if request.GET.get("mine") == "approve":  # an editor's approval queue: oldest proposal first
            return [F("proposed_at").asc(nulls_last=True), "id"]
        return super().get_ordering(request)

    @admin.display(description="claim")
    def short_text(self, claim):
        return claim.text if len(claim.text) <= 300 else claim.text[:297] + "…"

    @admin.display(description="state", ordering="state")
    def state_display(self, claim):
        return badge(claim.state, claim.get_state_display(), STATE_COLOURS)

    @admin.display(description="verdict", ordering="verdict")
    def verdict_display(self, claim):
        return verdict_badge(claim.verdict, claim.get_verdict_display())

    @admin.display(description="due", ordering="due")
    def due_display(self, claim):
        if not claim.due:
            return "—"
        text = timezone.localtime(claim.due).strftime("%d %b %H:%M")
        if claim.is_overdue:
            return format_html('<strong class="overdue" style="color:#b91c1c">overdue · {}</strong>', text)
        return text

    @admin.display(description="matches", ordering="_matches")
    def match_count(self, claim):
        return claim._matches

    @admin.display(description="span")
    def span(self, claim):
        return f"characters {claim.start}–{claim.end}"

    @admin.display(description="reasons")
    def reasons(self, claim):
        return ", ".join(claim.checkworthiness_reasons) or "—"

    # Booleans as words: a red cross beside "needs re-review" read as a warning.
    @admin.display(description="needs re-review")
    def needs_rereview_display(self, claim):
        return "yes" if claim.needs_rereview else "no"

    @admin.display(description="no evidence found")
    def no_evidence_found_display(self, claim):
        return "yes" if claim.no_evidence_found else "no"

    # --- the claim page: workflow panel, matches side by side, evidence, comments, history ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = get_object_or_404(self.get_queryset(request), pk=object_id)
        user = request.user
        matches = []
        for m in claim.matches.select_related("earlier__article", "earlier__speaker").order_by("-score"):
            mine, theirs = marked_diff(claim.text, m.earlier.text)
            matches.append({"match": m, "mine": mine, "theirs": theirs,
                            "when": "earlier" if _earlier(m.earlier.article, claim.article) else "later",
                            "verdict": verdict_badge(m.earlier.verdict, m.earlier.get_verdict_display())})
        can = {
            "assign": (permissions.allowed(user, permissions.ASSIGN, claim)
                       and claim.state not in (Claim.State.PROPOSED, Claim.State.PUBLISHED)),
            "reopen": permissions.allowed(user, permissions.REOPEN, claim) and claim.state == Claim.State.PUBLISHED,
            "propose": permissions.allowed(user, permissions.PROPOSE, claim) and claim.state == Claim.State.IN_REVIEW,
            "review": (permissions.allowed(user, permissions.APPROVE, claim) and claim.state == Claim.State.PROPOSED
                       and claim.proposed_by_id != user.pk),
            "comment": permissions.allowed(user, permissions.COMMENT, claim),
            "correct": permissions.allowed(user, permissions.CORRECT, claim),
            "summarise": permissions.allowed(user, permissions.SUMMARISE, claim),
            "accept": workflow.suggestion_acceptable(claim=claim, user=user),
        }
        context = {
            "claim": claim,
            "can": can,
            "matches": matches,
            "assign_form": AssignForm(initial={"assignee": claim.assignee, "due": claim.due}, claim=claim),
            "reopen_form": ReopenForm(),
            "propose_form": ProposeForm(),
            "review_form": ReviewForm(),
            "correct_form": CorrectionForm.for_claim(claim),
            "split_form": SplitForm(),
            "summary_form": ReviewSummaryForm(initial={"summary": claim.review_summary}),
            "claim_reviewed": claim.review_summary or claimreview.summary_default(claim.text),
            "comment_form": CommentForm(),
            "evidence_form": EvidenceForm(),
            "assignments": claim.assignments.select_related("assignee", "assigned_by"),
            "quantity_rows": [{"value": f"{q.get('value'):,.15g}" if isinstance(q.get("value"), (int, float)) else "",
                               "unit": q.get("unit") or "", "text": q.get("text", "")}
                              for q in claim.quantities if isinstance(q, dict)],
            **_in_context(claim),
            "own_proposal": claim.state == Claim.State.PROPOSED and claim.proposed_by_id == user.pk,
        }
        return super().change_view(request, object_id, form_url, extra_context={**context, **(extra_context or {})})

    def get_urls(self):
        return [
            path("<int:claim_id>/workflow/<str:step>/", self.admin_site.admin_view(self.workflow_view),
                 name="claims_claim_workflow"),
            path("overview/", self.admin_site.admin_view(self.overview_view), name="claims_claim_overview"),
        ] + super().get_urls()

    # The workflow forms of the claim page: step -> (context name, form class).
    STEP_FORMS = {"assign": ("assign_form", AssignForm), "propose": ("propose_form", ProposeForm),
                  "approve": ("review_form", ReviewForm), "send-back": ("review_form", ReviewForm),
                  "comment": ("comment_form", CommentForm), "evidence": ("evidence_form", EvidenceForm),
                  "reopen": ("reopen_form", ReopenForm), "correct": ("correct_form", CorrectionForm),
                  "split": ("split_form", SplitForm),
                  "summary": ("summary_form", ReviewSummaryForm)}

    def workflow_view(self, request, claim_id, step):
        """One workflow step posted from the claim page; the services decide whether it is allowed.

        Done: back to the claim page with a message. Refused: the claim page again, with what was
        typed and the error beside its field (or above the form), and the error as a message."""
        claim = get_object_or_404(self.get_queryset(request), pk=claim_id)
        back = HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))
        if request.method != "POST":
            return back
        user = request.user
        form = None
        if step in self.STEP_FORMS:
            form_class = self.STEP_FORMS[step][1]
            form = form_class(request.POST, claim=claim) if form_class is AssignForm else form_class(request.POST)
        try:
            if step == "assign":
                data = _valid(form).cleaned_data
                workflow.claim_assign(claim=claim, user=user, assignee=data["assignee"], due=data["due"])
                done = "Assignment saved."
            elif step == "reopen":
                data = _valid(form).cleaned_data
                workflow.claim_reopen(claim=claim, user=user, reason=data["reason"], assignee=data["assignee"],
                                      due=data["due"])
                done = "Claim reopened for review; its published verdict stands until a new one is approved."
            elif step == "correct":
                data = _valid(form).cleaned_data
                corrections.claim_correct(claim=claim, user=user, speaker=data["speaker"],
                                          speaker_name=data["speaker_name"], speaker_kind=data["speaker_kind"],
                                          attribution=data["attribution"], start=data["start"], end=data["end"],
                                          not_a_claim=data["not_a_claim"])
                done = "Correction saved (see the claim's audit trail); its matches were searched again."
            elif step == "split":
                data = _valid(form).cleaned_data
                span = claim.article.body[claim.start:claim.end]
                at = corrections.split_offset(span, words=data["words"], first_part=data["first_part"])
                _, new = corrections.claim_split(claim=claim, user=user, at=at)
                done = f"Claim split: the second part is claim #{new.pk}; matching was redone for both."
            elif step == "summary":
                corrections.claim_set_review_summary(claim=claim, user=user,
                                                     summary=_valid(form).cleaned_data["summary"])
                done = "ClaimReview summary saved."
            elif step == "propose":
                data = _valid(form).cleaned_data
                workflow.claim_propose(claim=claim, user=user, verdict=data["verdict"], rationale=data["rationale"],
                                       evidence=form.evidence(), no_evidence_found=data["no_evidence_found"])
                done = "Verdict proposed; it now awaits a second review by another editor."
            elif step == "approve":
                workflow.claim_approve(claim=claim, user=user, comment=_valid(form).cleaned_data["comment"])
                done = "Verdict approved and published."
            elif step == "send-back":
                workflow.claim_send_back(claim=claim, user=user, comment=_valid(form).cleaned_data["comment"])
                done = "Sent back to the reviewer."
            elif step == "comment":
                workflow.claim_comment(claim=claim, user=user, text=_valid(form).cleaned_data["comment"])
                done = "Comment added."
            elif step == "evidence":
                workflow.claim_add_evidence(claim=claim, user=user, **_valid(form).cleaned_data)
                done = "Evidence added."
            elif step == "accept-suggestion":
                workflow.claim_accept_suggestion(claim=claim, user=user)
                done = "Carried-over verdict proposed; it now awaits a second review."
            elif step in ("confirm-match", "reject-match"):
                match_id = request.POST.get("match", "")
                if not (match_id.isascii() and match_id.isdigit() and len(match_id) < 19):
                    raise ClaimdeskError(f"match must be a match id, got {match_id!r}")
                match = get_object_or_404(ClaimMatch, pk=int(match_id), claim=claim)
                workflow.match_decide(match=match, user=user, decision=step.split("-")[0])
                done = f"Match {step.split('-')[0]}ed."
            else:
                raise ClaimdeskError(f"unknown step {step!r}")
        except ClaimdeskError as exc:
            return self._refused(request, claim, step, form, exc)
        messages.success(request, done)
        return back

    def _refused(self, request, claim, step, form, exc):
        messages.error(request, exc.message)
        extra = {"refused_step": step}
        if form is not None:
            if not isinstance(exc, FormInvalid):
                form.add_error(_field_for(exc.message, form), exc.message)
            extra[self.STEP_FORMS[step][0]] = form
        request.method = "GET"  # shown as the claim page, never taken for a post of the admin's own form
        return self.change_view(request, str(claim.pk), extra_context=extra)

    def overview_view(self, request):
        """The desk at a glance: claims per state and per reviewer, overdue, time to a published verdict."""
        claims = Claim.objects.visible_to(request.user)
        now = timezone.now()
        per_state = {row["state"]: row["n"] for row in claims.values("state").annotate(n=Count("id"))}
        states = [(value, label, per_state.get(value, 0), STATE_COLOURS[value]) for value, label in Claim.State.choices]
        per_reviewer = (
            claims.exclude(assignee=None).values("assignee__username")
            .annotate(in_review=Count("id", filter=Q(state=Claim.State.IN_REVIEW)),
                      proposed=Count("id", filter=Q(state=Claim.State.PROPOSED)),
                      published=Count("id", filter=Q(state=Claim.State.PUBLISHED)),
                      overdue=Count("id", filter=Q(due__lt=now) & ~Q(state=Claim.State.PUBLISHED)))
            .order_by("assignee__username")
        )
        durations = [
            (published - ingested).total_seconds() / 3600
            for published, ingested in claims.filter(state=Claim.State.PUBLISHED, published_at__isnull=False)
            .annotate(ingested=F("article__created_at")).values_list("published_at", "ingested")
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Desk overview",
            "states": states,
            "per_reviewer": per_reviewer,
            "overdue": claims.overdue(now).count(),
            "rereview": claims.filter(needs_rereview=True).count(),
            "median_hours": statistics.median(durations) if durations else None,
            "median_display": _duration(statistics.median(durations)) if durations else "",
            "published_count": len(durations),
            "verdicts": claims.filter(state=Claim.State.PUBLISHED).values("verdict").annotate(n=Count("id")),
            "match_precision": [r for r in selectors.match_precision_by_threshold() if r["decided"]],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/claims/overview.html", context)

    # --- bulk actions: each claim goes through the same services and writes its own audit record ---

    def _each(self, request, queryset, fn, done):
        ok = 0
        for claim in queryset:
            try:
                fn(claim)
                ok += 1
            except ClaimdeskError as exc:
                messages.error(request, f"Claim #{claim.pk}: {exc.message}")
        if ok:
            messages.success(request, f"{ok} claim(s) {done}.")

    @admin.action(description="Take selected claims for review (assign to me)")
    def take_for_review(self, request, queryset):
        self._each(request, queryset,
                   lambda c: workflow.claim_assign(claim=c, user=request.user, assignee=request.user, due=c.due),
                   "assigned to you")

    def _intermediate(self, request, queryset, form_class, action, title, apply):
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                apply(form)
                return None
        else:
            form = form_class()
        return render(request, "admin/claims/claim/bulk_form.html", {
            **self.admin_site.each_context(request), "title": title, "form": form, "claims": queryset,
            "action": action, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Assign selected claims…")
    def bulk_assign(self, request, queryset):
        def apply(form):
            self._each(request, queryset, lambda c: workflow.claim_assign(
                claim=c, user=request.user, assignee=form.cleaned_data["assignee"], due=form.cleaned_data["due"]),
                "assigned")
        return self._intermediate(request, queryset, AssignForm, "bulk_assign", "Assign claims", apply)

    @admin.action(description="Propose a verdict for selected claims…")
    def bulk_propose(self, request, queryset):
        def apply(form):
            self._each(request, queryset, lambda c: workflow.claim_propose(
                claim=c, user=request.user, verdict=form.cleaned_data["verdict"],
                rationale=form.cleaned_data["rationale"], evidence=form.evidence(),
                no_evidence_found=form.cleaned_data["no_evidence_found"]), "proposed for second review")
        return self._intermediate(request, queryset, ProposeForm, "bulk_propose", "Propose a verdict", apply)

    @admin.action(description="Approve proposed verdicts of selected claims (second review)")
    def bulk_approve(self, request, queryset):
        self._each(request, queryset, lambda c: workflow.claim_approve(claim=c, user=request.user), "published")

    @admin.action(description="Merge selected claims (adjacent, one article)")
    def merge_claims(self, request, queryset):
        try:
            merged = corrections.claim_merge(claims=list(queryset), user=request.user)
        except ClaimdeskError as exc:
            messages.error(request, f"Not merged: {exc.message}")
            return
        messages.success(request, format_html('Merged into <a href="{}">claim #{}</a>; matching was redone.',
                                              reverse("admin:claims_claim_change", args=[merged.pk]), merged.pk))


class SpeakerMergeForm(forms.Form):
    keep = forms.ModelChoiceField(queryset=Speaker.objects.none(), widget=forms.RadioSelect, empty_label=None,
                                  label="Keep this record",
                                  help_text="The others' claims move to it, their names become its aliases, "
                                            "and their records are deleted (audited).")

    def __init__(self, *args, speakers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = speakers if speakers is not None else Speaker.objects.none()


@admin.register(Speaker)
class SpeakerAdmin(DeskAccess, admin.ModelAdmin):
    change_form_template = "admin/claims/speaker/change_form.html"
    list_display = ["name", "kind", "aliases", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases"]
    actions = ["merge_speakers"]
    action_rules = {"merge_speakers": permissions.MERGE_SPEAKERS}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claims=Count("claims"))

    @admin.display(description="claims", ordering="_claims")
    def claim_count(self, speaker):
        return speaker._claims

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The speaker page: verdict counts, verdicts per month and their claims, newest first."""
        try:
            speaker = selectors.speaker_get(speaker_id=object_id, user=request.user)
        except ClaimdeskError:  # unknown, or no desk role: Django's own answer
            return super().change_view(request, object_id, form_url, extra_context)
        verdicts = [(v, label, getattr(speaker, f"n_{v}"), VERDICT_COLOURS[v]) for v, label in Claim.Verdict.choices]
        months = [{**row, "cells": [row[v] for v in Claim.Verdict.values]}
                  for row in selectors.speaker_verdicts_by_month(speaker_id=speaker.pk, user=request.user)]
        claims = selectors.speaker_claims(speaker_id=speaker.pk, user=request.user)[:500]
        context = {"speaker": speaker, "verdicts": verdicts, "months": months, "verdict_labels": Claim.Verdict.labels,
                   "speaker_claims": [(c, verdict_badge(c.verdict, c.get_verdict_display())) for c in claims]}
        return super().change_view(request, object_id, form_url, extra_context={**context, **(extra_context or {})})

    @admin.action(description="Merge selected speakers…")
    def merge_speakers(self, request, queryset):
        """Two (or more) records of the same person: the editor picks the one to keep."""
        speakers = queryset.order_by("name", "id")
        if speakers.count() < 2:
            messages.error(request, "Select at least two speakers to merge.")
            return None
        form = SpeakerMergeForm(request.POST if "apply" in request.POST else None, speakers=speakers)
        if "apply" in request.POST and form.is_valid():
            keep = form.cleaned_data["keep"]
            merged = []
            for other in speakers.exclude(pk=keep.pk):
                try:
                    speakers_service.speaker_merge(keep=keep, merge=other, user=request.user)
                    merged.append(other.name)
                except ClaimdeskError as exc:
                    messages.error(request, f"{other.name}: {exc.message}")
            if merged:
                messages.success(request, f"Merged {', '.join(merged)} into {keep.name}.")
            return None
        return render(request, "admin/claims/speaker/merge_form.html", {
            **self.admin_site.each_context(request), "title": "Merge speakers", "form": form, "speakers": speakers,
            "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


@admin.register(AuditRecord)
class AuditRecordAdmin(DeskAccess, admin.ModelAdmin):
    """Read only: nobody adds, changes or deletes audit records through the admin.

    Editors read the whole trail; every role reads one claim's own history, the list the claim page
    links to (``?object_type__exact=claim&q=<claim id>``).
    """

    list_display = ["at", "actor_username", "door", "action", "object_link", "changes"]
    list_filter = ["door", "action", "object_type"]
    search_fields = ["actor_username", "action", "object_id", "request_id"]
    date_hierarchy = "at"
    actions = None
    view_action = permissions.VIEW_AUDIT

    def _history_of(self, request):
        """The claim whose own history this request lists, or None."""
        q = request.GET.get("q", "")
        if request.GET.get("object_type__exact") == "claim" and q.isdigit():
            return Claim.objects.filter(pk=int(q)).first()
        return None

    def has_view_permission(self, request, obj=None):
        if self._allowed(request, permissions.VIEW_AUDIT):
            return True
        if obj is not None:
            claim = Claim.objects.filter(pk=obj.object_id).first() if obj.object_type == "claim" else None
        else:
            claim = self._history_of(request)
        return claim is not None and self._allowed(request, permissions.VIEW_AUDIT, claim)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self._allowed(request, permissions.VIEW_AUDIT):
            return qs
        claim = self._history_of(request)
        return qs.filter(object_type="claim", object_id=str(claim.pk)) if claim else qs.none()

    @admin.display(description="object")
    def object_link(self, rec):
        if rec.object_type in ("claim", "article"):
            url = reverse(f"admin:claims_{rec.object_type}_change", args=[rec.object_id])
            return format_html('<a href="{}">{} #{}</a>', url, rec.object_type, rec.object_id)
        return f"{rec.object_type} #{rec.object_id}"


# --- articles from the web: feeds and links (claims.sources) ---------------------------------------------


def _progress(done, failed, total):
    """A small bar: ingested (green) and failed (red) out of all."""
    if not total:
        return "–"
    pct_done, pct_failed = 100 * done // total, 100 * failed // total
    return format_html(
        '<span title="{} ingested, {} failed, {} waiting" style="display:inline-block;width:8em;height:.7em;'
        'background:#e5e7eb;vertical-align:middle"><span style="display:inline-block;height:100%;width:{}%;'
        'background:#15803d"></span><span style="display:inline-block;height:100%;width:{}%;background:#b91c1c">'
        '</span></span> {}/{}', done, failed, total - done - failed, pct_done, pct_failed, done, total)


class FeedAddForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")

    class Meta:
        model = Feed
        fields = ["url", "title"]


@admin.register(Feed)
class FeedAdmin(DeskAccess, admin.ModelAdmin):
    list_display = ["__str__", "active", "last_polled_at", "last_status", "items_seen", "items_ingested",
                    "progress", "last_error"]
    readonly_fields = ["url", "title", "active", "etag", "last_modified", "last_polled_at", "last_status",
                       "last_error", "items_seen", "items_ingested", "progress", "created_at"]
    actions = ["poll_now"]
    add_action = permissions.INGEST
    action_rules = {"poll_now": permissions.INGEST}

    def get_queryset(self, request):
        from . import sources

        return sources.feed_list_with_stats()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FeedAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["url", "title"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.display(description="items seen", ordering="items_seen")
    def items_seen(self, feed):
        return feed.items_seen

    @admin.display(description="items ingested", ordering="items_ingested")
    def items_ingested(self, feed):
        return feed.items_ingested

    @admin.display(description="progress")
    def progress(self, feed):
        return _progress(feed.items_ingested, feed.items_failed, feed.items_seen)

    def save_model(self, request, obj, form, change):
        from . import sources

        if change:
            return
        feed, created = sources.feed_add(url=form.cleaned_data["url"], title=form.cleaned_data.get("title", ""),
                                         user=request.user)
        obj.pk = feed.pk
        obj.__dict__.update({k: v for k, v in feed.__dict__.items() if not k.startswith("_")})
        messages.info(request, "Feed added; its first poll is on its way." if created
                      else f"This feed is already followed (#{feed.pk}).")

    def log_addition(self, request, obj, message):
        pass  # the audit trail records it

    @admin.action(description="Poll the selected feeds now")
    def poll_now(self, request, queryset):
        from .tasks import poll_feed

        for pk in queryset.values_list("pk", flat=True):
            poll_feed.delay(pk)
        messages.info(request, f"{queryset.count()} feed(s) sent for polling.")


class LinkAddForm(forms.ModelForm):
    urls = forms.CharField(label="links", widget=forms.Textarea(attrs={"rows": 6, "cols": 100}),
                           help_text="One web address per line; each page is fetched and ingested in the background.")

    class Meta:
        model = Link
        fields = []

    def clean_urls(self):
        from .ingestion import clean_url

        urls = [u.strip() for u in self.cleaned_data["urls"].splitlines() if u.strip()]
        try:
            urls = [clean_url(u) for u in urls]
        except ClaimdeskError as exc:
            raise forms.ValidationError(exc.message) from None
        if not urls:
            raise forms.ValidationError("give at least one link")
        return urls


@admin.register(Link)
class LinkAdmin(DeskAccess, admin.ModelAdmin):
    list_display = ["url", "status", "article", "feed", "batch_progress", "attempts", "error", "created_at"]
    list_filter = ["status", "feed", "batch"]
    search_fields = ["url", "error"]
    readonly_fields = ["url", "status", "error", "final_url", "article", "feed", "batch", "batch_progress",
                       "attempts", "created_at", "fetched_at"]
    add_action = permissions.INGEST

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LinkAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["urls"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.display(description="import progress")
    def batch_progress(self, link):
        from . import sources

        if not link.batch:
            return "–"
        p = sources.link_progress(batch=link.batch)
        return _progress(p["done"], p["failed"], p["total"])

    def save_model(self, request, obj, form, change):
        from . import sources

        if change:
            return
        batch = sources.new_batch()
        links = [sources.link_add(url=u, user=request.user, batch=batch) for u in form.cleaned_data["urls"]]
        obj.pk = links[0][0].pk
        obj.__dict__.update({k: v for k, v in links[0][0].__dict__.items() if not k.startswith("_")})
        request._link_batch = batch
        known = sum(not created for _, created in links)
        messages.info(request, f"{len(links) - known} link(s) queued for fetching"
                      + (f", {known} already known" if known else "") + ".")

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:claims_link_changelist")
                                    + f"?batch={getattr(request, '_link_batch', '')}")

    def log_addition(self, request, obj, message):
        pass  # the audit trail records it


_site_context = admin.site.each_context


def desk_each_context(request):
    """Every admin page knows which desk links to offer (the report only to those who may export)."""
    return {**_site_context(request), "desk_time_zone": timezone.get_current_timezone_name(),
            "desk_can": {"export": permissions.allowed(request.user, permissions.EXPORT),
                         "approve": permissions.allowed(request.user, permissions.APPROVE)}}


admin.site.has_permission = desk_has_permission
admin.site.each_context = desk_each_context
admin.site.login_form = DeskAuthenticationForm
admin.site.site_header = "Claimdesk"
admin.site.site_title = "Claimdesk"
admin.site.index_title = "Fact-check desk"
