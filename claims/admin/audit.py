"""The audit trail: read only, nobody edits or deletes a record."""


from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html

from .. import permissions
from ..models import AuditRecord, Claim
from .access import DeskAccess


class ClaimTrailFilter(admin.SimpleListFilter):
    """``?claim=<id>``: the records about that claim exactly (object type and id), its comments,
    evidence and match decisions included (they are recorded on the claim)."""

    title = "claim"
    parameter_name = "claim"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, f"claim #{value}")] if _claim_id(value) else []

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        claim_id = _claim_id(self.value())
        return queryset.filter(object_type="claim", object_id=str(claim_id)) if claim_id else queryset.none()


def _claim_id(value) -> int | None:
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


@admin.register(AuditRecord)
class AuditRecordAdmin(DeskAccess, admin.ModelAdmin):
    """Read only: nobody adds, changes or deletes audit records through the admin.

    Editors read the whole trail; every role reads one claim's own history, the list the claim page
    links to (``?claim=<claim id>``), and each record of it.
    """

    list_display = ["at", "actor_username", "door", "action", "object_link", "changes"]
    list_filter = [ClaimTrailFilter, "door", "action", "object_type"]
    # No text search on object ids: "4" would find claims 14, 40 and 400 too (the claim filter is exact).
    search_fields = ["actor_username", "action", "request_id"]
    date_hierarchy = "at"
    actions = None
    view_action = permissions.VIEW_AUDIT

    def _history_of(self, request):
        """The claim whose own history this request lists (one the user may see), or None."""
        claim_id = _claim_id(request.GET.get("claim"))
        return Claim.objects.visible_to(request.user).filter(pk=claim_id).first() if claim_id else None

    def has_view_permission(self, request, obj=None):
        if self._allowed(request, permissions.VIEW_AUDIT):
            return True
        if obj is not None:
            claim = (Claim.objects.visible_to(request.user).filter(pk=_claim_id(obj.object_id)).first()
                     if obj.object_type == "claim" and _claim_id(obj.object_id) else None)
        else:
            claim = self._history_of(request)
        return claim is not None and self._allowed(request, permissions.VIEW_AUDIT, claim)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self._allowed(request, permissions.VIEW_AUDIT):
            return qs
        if request.resolver_match and request.resolver_match.url_name == "claims_auditrecord_change":
            return qs.filter(object_type="claim")  # one record: has_view_permission decides on it
        claim = self._history_of(request)
        return qs.filter(object_type="claim", object_id=str(claim.pk)) if claim else qs.none()

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied(self._reason(request, permissions.VIEW_AUDIT)
                                   + "; every desk role reads a claim's own trail, linked from the claim page")
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and not self.has_view_permission(request, obj):
            raise PermissionDenied(self._reason(request, permissions.VIEW_AUDIT)
                                   + "; every desk role reads the records of a claim")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="object")
    def object_link(self, rec):
        if rec.object_type in ("claim", "article"):
            url = reverse(f"admin:claims_{rec.object_type}_change", args=[rec.object_id])
            return format_html('<a href="{}">{} #{}</a>', url, rec.object_type, rec.object_id)
        return f"{rec.object_type} #{rec.object_id}"
