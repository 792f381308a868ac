"""The admin site itself: the desk's login form, permission check, headers and context."""


from django.contrib import admin
from django.utils import timezone

from .. import permissions
from .access import DeskAuthenticationForm, desk_has_permission

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
