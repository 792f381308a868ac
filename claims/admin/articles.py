"""The article screens: add an article, the body with its claims highlighted, processing progress."""


from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .. import articles, permissions
from ..errors import ClaimdeskError
from ..models import Article, Claim
from .access import DeskAccess
from .display import STATE_COLOURS, VERDICT_COLOURS, badge, verdict_badge


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
            self.validated = articles.article_validate(
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
            articles.article_correct(article=obj, user=request.user, title=form.cleaned_data["title"],
                                        published=form.cleaned_data["published"])
            return
        try:
            result = articles.article_ingest(user=request.user, **form.validated)
        except ClaimdeskError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = result.article.pk
        obj.refresh_from_db()  # the article as stored (the earlier one for a duplicate), for the redirect
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
                error = articles.article_requeue(article=article, user=request.user)
            except ClaimdeskError as exc:
                messages.warning(request, f"#{article.pk}: {exc.message}")
                continue
            if error:
                messages.error(request, f"#{article.pk}: {error}")
            else:
                messages.info(request, f"#{article.pk} re-queued")
