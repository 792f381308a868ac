"""The editors' workbench in the Django admin. Every write goes through ``claims.services``."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from . import services
from .errors import ClaimdeskError
from .models import Article, AuditRecord, Claim, ClaimMatch, Speaker

VERDICT_COLOURS = {
    "unreviewed": "#6b7280",
    "verified": "#15803d",
    "disputed": "#b91c1c",
    "unattributed": "#b45309",
}


def verdict_badge(verdict, label=None):
    return format_html(
        '<span class="verdict verdict-{}" style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
        verdict, VERDICT_COLOURS.get(verdict, "#6b7280"), label or verdict,
    )


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


class ClaimInline(admin.TabularInline):
    model = Claim
    fields = ["claim_text", "speaker", "attribution", "checkworthiness", "verdict_display", "assignee"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["start"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="claim")
    def claim_text(self, claim):
        return claim.text

    @admin.display(description="verdict")
    def verdict_display(self, claim):
        return verdict_badge(claim.verdict, claim.get_verdict_display())


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published", "status", "claim_count", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["title", "body", "source", "url"]
    date_hierarchy = "created_at"
    inlines = [ClaimInline]
    actions = ["requeue"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claims=Count("claims"))

    @admin.display(description="claims", ordering="_claims")
    def claim_count(self, article):
        return article._claims

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ArticleAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["title", "body_highlighted", "source", "url", "published", "status", "error", "content_hash",
                "created_at", "processed_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["title", "body", "source", "url", "published"]
        return self.get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return [ClaimInline] if obj else []

    @admin.display(description="body, claims highlighted")
    def body_highlighted(self, article):
        body = article.body
        parts = []
        pos = 0
        for claim in article.claims.order_by("start"):
            if claim.start < pos:
                continue
            parts.append(format_html("{}", body[pos:claim.start]))
            parts.append(format_html(
                '<a href="{}" class="claim-mark" title="{} · {}" style="background:{}22;border-bottom:2px solid {};'
                'color:inherit;text-decoration:none">{}</a>',
                reverse("admin:claims_claim_change", args=[claim.pk]), claim.get_verdict_display(),
                claim.speaker or "no speaker", VERDICT_COLOURS[claim.verdict], VERDICT_COLOURS[claim.verdict],
                body[claim.start:claim.end],
            ))
            pos = claim.end
        parts.append(format_html("{}", body[pos:]))
        return format_html('<div style="white-space:pre-wrap;max-width:60em;line-height:1.5">{}</div>',
                           format_html_join("", "{}", ((p,) for p in parts)))

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.validated
        result = services.article_ingest(user=request.user, **data)
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
        # The audit trail records the ingestion; skip Django's own log for duplicates.
        return None

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

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


class CheckworthinessFilter(admin.SimpleListFilter):
    title = "check-worthiness"
    parameter_name = "worth"

    def lookups(self, request, model_admin):
        return [("high", "High (≥ 0.7)"), ("medium", "Medium (0.4–0.7)"), ("low", "Low (< 0.4)")]

    def queryset(self, request, queryset):
        if self.value() == "high":
            return queryset.filter(checkworthiness__gte=0.7)
        if self.value() == "medium":
            return queryset.filter(checkworthiness__gte=0.4, checkworthiness__lt=0.7)
        if self.value() == "low":
            return queryset.filter(checkworthiness__lt=0.4)
        return queryset


class ClaimReviewForm(forms.ModelForm):
    class Meta:
        model = Claim
        fields = ["verdict", "verdict_note", "assignee"]


class MatchInline(admin.TabularInline):
    model = ClaimMatch
    fk_name = "claim"
    fields = ["kind", "score", "earlier_claim", "earlier_verdict", "earlier_article", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "match with an earlier claim"
    verbose_name_plural = "matches with earlier claims"
    ordering = ["-score"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("earlier__article")

    @admin.display(description="earlier claim")
    def earlier_claim(self, match):
        return format_html('<a href="{}">{}</a>', reverse("admin:claims_claim_change", args=[match.earlier_id]),
                           match.earlier.text)

    @admin.display(description="its verdict")
    def earlier_verdict(self, match):
        return verdict_badge(match.earlier.verdict, match.earlier.get_verdict_display())

    @admin.display(description="in article")
    def earlier_article(self, match):
        return match.earlier.article.title


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    form = ClaimReviewForm
    list_display = ["short_text", "speaker", "attribution", "checkworthiness", "verdict_display", "assignee",
                    "match_count", "article"]
    list_filter = ["verdict", "assignee", "attribution", CheckworthinessFilter, "article"]
    search_fields = ["text", "speaker__name", "article__title"]
    list_select_related = ["speaker", "assignee", "article"]
    list_per_page = 50
    inlines = [MatchInline]
    readonly_fields = ["text", "article", "span", "speaker", "attribution", "checkworthiness", "reasons",
                       "quantities", "reviewed_by", "reviewed_at"]
    fieldsets = [
        (None, {"fields": ["text", "article", "span", "speaker", "attribution"]}),
        ("Check-worthiness", {"fields": ["checkworthiness", "reasons", "quantities"]}),
        ("Review", {"fields": ["verdict", "verdict_note", "assignee", "reviewed_by", "reviewed_at"]}),
    ]
    actions = ["assign_to_me", "mark_verified", "mark_disputed", "mark_unattributed"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_matches=Count("matches"))

    @admin.display(description="claim")
    def short_text(self, claim):
        return str(claim)

    @admin.display(description="verdict", ordering="verdict")
    def verdict_display(self, claim):
        return verdict_badge(claim.verdict, claim.get_verdict_display())

    @admin.display(description="matches", ordering="_matches")
    def match_count(self, claim):
        return claim._matches

    @admin.display(description="span")
    def span(self, claim):
        return f"characters {claim.start}–{claim.end}"

    @admin.display(description="reasons")
    def reasons(self, claim):
        return ", ".join(claim.checkworthiness_reasons) or "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Route the editable fields through the services so each change is audited."""
        claim = Claim.objects.get(pk=obj.pk)
        try:
            if "assignee" in form.changed_data:
                services.claim_assign(claim=claim, user=request.user, assignee=form.cleaned_data["assignee"])
            if {"verdict", "verdict_note"} & set(form.changed_data):
                services.claim_set_verdict(claim=claim, user=request.user, verdict=form.cleaned_data["verdict"],
                                           note=form.cleaned_data["verdict_note"])
        except ClaimdeskError as exc:
            messages.error(request, exc.message)

    def log_change(self, request, obj, message):
        return None

    def _bulk(self, request, queryset, fn, done):
        ok = 0
        for claim in queryset:
            try:
                fn(claim)
                ok += 1
            except ClaimdeskError as exc:
                messages.error(request, f"Claim #{claim.pk}: {exc.message}")
        if ok:
            messages.success(request, f"{ok} claim(s) {done}.")

    @admin.action(description="Assign selected claims to me")
    def assign_to_me(self, request, queryset):
        self._bulk(request, queryset, lambda c: services.claim_assign(claim=c, user=request.user, assignee=request.user),
                   "assigned to you")

    def _mark(self, request, queryset, verdict):
        self._bulk(request, queryset,
                   lambda c: services.claim_set_verdict(claim=c, user=request.user, verdict=verdict,
                                                        note=c.verdict_note),
                   f"marked {verdict}")

    @admin.action(description="Mark selected claims verified")
    def mark_verified(self, request, queryset):
        self._mark(request, queryset, Claim.Verdict.VERIFIED)

    @admin.action(description="Mark selected claims disputed")
    def mark_disputed(self, request, queryset):
        self._mark(request, queryset, Claim.Verdict.DISPUTED)

    @admin.action(description="Mark selected claims unattributed")
    def mark_unattributed(self, request, queryset):
        self._mark(request, queryset, Claim.Verdict.UNATTRIBUTED)


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claims=Count("claims"))

    @admin.display(description="claims", ordering="_claims")
    def claim_count(self, speaker):
        return speaker._claims

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read only: nobody adds, changes or deletes audit records through the admin."""

    list_display = ["at", "actor_username", "door", "action", "object_link", "changes"]
    list_filter = ["door", "action", "object_type"]
    search_fields = ["actor_username", "action", "object_id", "request_id"]
    date_hierarchy = "at"
    actions = None

    @admin.display(description="object")
    def object_link(self, rec):
        if rec.object_type in ("claim", "article"):
            url = reverse(f"admin:claims_{rec.object_type}_change", args=[rec.object_id])
            return format_html('<a href="{}">{} #{}</a>', url, rec.object_type, rec.object_id)
        return f"{rec.object_type} #{rec.object_id}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = "Claimdesk"
admin.site.site_title = "Claimdesk"
admin.site.index_title = "Fact-check desk"
