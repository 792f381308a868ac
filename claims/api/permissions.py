from rest_framework.permissions import BasePermission

from claims import permissions


class HasDeskRole(BasePermission):
    """Every API request: ``claims.permissions`` must allow the user to read the desk (any desk role).

    What a request then does (ingest, assign, propose, export...) each view asks there too."""

    message = "you need a desk role (editor, reviewer or viewer) to use Claimdesk"

    def has_permission(self, request, view):
        return permissions.allowed(request.user, permissions.VIEW)
