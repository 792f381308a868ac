"""Articles from the web: feeds and links (``claims.sources``)."""


from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from .. import permissions, sources
from ..errors import ClaimdeskError
from ..ingestion import clean_url
from ..models import Feed, Link
from .access import DeskAccess


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
    actions = ["poll_now", "pause", "resume", "remove"]
    list_filter = ["active"]
    add_action = permissions.INGEST
    action_rules = {"poll_now": permissions.INGEST, "pause": permissions.INGEST, "resume": permissions.INGEST,
                    "remove": permissions.INGEST}

    def get_queryset(self, request):
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
        if change:
            return
        feed, created = sources.feed_add(url=form.cleaned_data["url"], title=form.cleaned_data.get("title", ""),
                                         user=request.user)
        obj.pk = feed.pk
        obj.refresh_from_db()  # the feed as stored (an earlier one, if followed already), for the answer
        messages.info(request, "Feed added; its first poll is on its way." if created
                      else f"This feed is already followed (#{feed.pk}).")

    def log_addition(self, request, obj, message):
        pass  # the audit trail records it

    @admin.action(description="Poll the selected feeds now")
    def poll_now(self, request, queryset):
        sent, paused = sources.feeds_poll_now(feed_ids=queryset.values_list("pk", flat=True), user=request.user)
        messages.info(request, f"{sent} feed(s) sent for polling."
                      + (f" {paused} paused feed(s) left alone: resume them first." if paused else ""))

    @admin.action(description="Pause the selected feeds (no more polls)")
    def pause(self, request, queryset):
        n = sources.feeds_set_active(feed_ids=queryset.values_list("pk", flat=True), active=False, user=request.user)
        messages.info(request, f"{n} feed(s) paused; their articles and links stay.")

    @admin.action(description="Resume the selected feeds")
    def resume(self, request, queryset):
        n = sources.feeds_set_active(feed_ids=queryset.values_list("pk", flat=True), active=True, user=request.user)
        messages.info(request, f"{n} feed(s) resumed; each is polled when next due.")

    @admin.action(description="Remove the selected feeds (their articles, claims and links stay)")
    def remove(self, request, queryset):
        for pk in list(queryset.values_list("pk", flat=True)):
            try:
                kept = sources.feed_remove(feed_id=pk, user=request.user)
            except ClaimdeskError as exc:
                messages.error(request, exc.message)
                continue
            messages.info(request, f"Feed {kept['url']} removed; its {kept['links_kept']} link(s) and the articles "
                                   "they brought in stay.")


class LinkAddForm(forms.ModelForm):
    urls = forms.CharField(label="links", error_messages={"required": "give at least one link"}, widget=forms.Textarea(attrs={"rows": 6, "cols": 100}),
                           help_text="One web address per line; each page is fetched and ingested in the background.")

    class Meta:
        model = Link
        fields = []

    def clean_urls(self):
        # Checked here so that a bad address re-shows the form with the links as typed.
        urls = [u.strip() for u in self.cleaned_data["urls"].splitlines() if u.strip()]
        if not urls:
            raise forms.ValidationError("give at least one link")
        problems = []
        for n, url in enumerate(urls, 1):
            try:
                clean_url(url)
            except ClaimdeskError as exc:
                problems.append(f"line {n}: {exc.message}")
        if problems:
            raise forms.ValidationError(problems)
        return urls


@admin.register(Link)
class LinkAdmin(DeskAccess, admin.ModelAdmin):
    list_display = ["url", "status", "article", "feed", "batch_progress", "attempts", "error", "created_at"]
    list_filter = ["status", "feed", "batch"]
    search_fields = ["url", "error"]
    readonly_fields = ["url", "status", "error", "final_url", "article", "feed", "batch", "batch_progress",
                       "attempts", "created_at", "fetched_at"]
    add_action = permissions.INGEST
    actions = ["retry"]
    action_rules = {"retry": permissions.INGEST}

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
        if not link.batch:
            return "–"
        p = sources.link_progress(batch=link.batch)
        return _progress(p["done"], p["failed"], p["total"])

    def save_model(self, request, obj, form, change):
        if change:
            return
        added = sources.links_add(urls=form.cleaned_data["urls"], user=request.user)
        obj.pk = added.links[0].pk
        obj.refresh_from_db()  # the first link as stored, for the answer
        request._link_batch = added.batch
        messages.info(request, f"{added.new} link(s) queued for fetching"
                      + (f", {added.known} already known" if added.known else "") + ".")

    @admin.action(description="Retry the selected links")
    def retry(self, request, queryset):
        selected = queryset.count()
        n = sources.links_retry(link_ids=queryset.values_list("pk", flat=True), user=request.user)
        messages.info(request, f"{n} failed link(s) queued for fetching again."
                      + (f" {selected - n} not failed, left as they are." if selected > n else ""))

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:claims_link_changelist")
                                    + f"?batch={getattr(request, '_link_batch', '')}")

    def log_addition(self, request, obj, message):
        pass  # the audit trail records it
