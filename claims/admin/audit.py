"""The audit trail: read only, nobody edits or deletes a record."""


from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .. import permissions
from ..models import AuditRecord, Claim
from .access import DeskAccess


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
