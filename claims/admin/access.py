"""Who may use the admin and each of its screens: every question goes to ``claims.permissions``,
never to Django model permissions."""


from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse

from .. import permissions, selectors
from ..errors import NotAllowed
from ..models import Claim


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

    A page refused answers 403 with the reason ``claims.permissions`` gives (templates/403.html shows
    it). The History page of an object lists its audit records (the admin's own log is not kept).
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

    def get_object(self, request, object_id, from_field=None):
        """The object, or a 404: a malformed or unknown id is a page that does not exist (Django's
        default sends the person to the admin home with "Perhaps it was deleted?"). The claim screens
        load a claim through ``claims.access.claim_for`` instead (``ClaimAdmin.get_object``)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"no {self.opts.verbose_name} with id {object_id!r}")
        return obj

    def get_changelist_instance(self, request):
        # Django's ChangeList turns only ValueError into its "?e=1" answer. A date link's year past C's
        # range (?created_at__year=99999999999999999999) raises OverflowError, and PostgreSQL refuses a
        # NUL character in a filter's value (DataError, once the page renders): answered alike here.
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            raise IncorrectLookupParameters("a NUL character in the query")
        try:
            return super().get_changelist_instance(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc

    def _reason(self, request, action, claim=None, *, done="changed") -> str:
        """Why ``request.user`` may not do ``action``: the permissions module's message."""
        if action is None:
            return f"{self.opts.verbose_name_plural} are not {done} through the admin"
        try:
            permissions.check(request.user, action, claim)
        except NotAllowed as exc:
            return exc.message
        return f"{request.user.get_username() or 'anonymous'} may not open this page"

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied(self._reason(request, self.view_action))
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied(self._reason(request, self.add_action, done="added"))
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied(self._reason(request, self.change_action))
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied(f"nothing is deleted through the admin: {self.opts.verbose_name_plural} keep "
                               "their history")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The History button only for those who may read the object's audit records.
        context["desk_show_history"] = obj is not None and self._allowed(
            request, permissions.VIEW_AUDIT, obj if isinstance(obj, Claim) else None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """The object's audit records, oldest first (Django's log of admin edits is not what the desk keeps).

        A claim's own history is open to every desk role that sees the claim; any other object's to
        those who read the audit trail (``permissions.VIEW_AUDIT``)."""
        obj = self.get_object(request, unquote(object_id))  # a 404 for a malformed or unknown id
        claim = obj if isinstance(obj, Claim) else None
        if not self._allowed(request, permissions.VIEW_AUDIT, claim):
            raise PermissionDenied(self._reason(request, permissions.VIEW_AUDIT, claim))
        records = selectors.audit_for_object(obj=obj)
        paginator = self.get_paginator(request, records, 100)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Audit history: {obj}",
            "subtitle": None,
            "records": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > 100,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.opts,
            "claim_trail": claim is not None,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/claims/audit_history.html", context)
