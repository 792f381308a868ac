from rest_framework.permissions import BasePermission

from claims.permissions import user_role


class HasDeskRole(BasePermission):
    """Signed in and holding one of the desk roles (editor, reviewer, viewer)."""

    message = "you need a desk role (editor, reviewer or viewer) to use Claimdesk"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and user_role(request.user))
