"""Who may use the admin and each of its screens: every question goes to ``claims.permissions``,
never to Django model permissions."""


from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .. import permissions


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
