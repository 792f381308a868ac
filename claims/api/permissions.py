"""What every API request passes, the two classes the REST_FRAMEWORK settings name: who is calling
(``ExpiringTokenAuthentication``) and whether they may use the desk (``HasDeskRole``).

DRF imports them from the settings while ``rest_framework.views`` is still loading, so this module must
never import a view (nor ``rest_framework.views``): that is why the sign-in door, ``claims.api.auth``,
is a module of its own."""

from django.conf import settings
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from claims import permissions, roles
from claims.tokens import token_expires_at, token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token is older than CLAIMDESK_TOKEN_TTL_HOURS.

    The expired token is left in place; ``POST /api/auth/token/`` replaces it with a fresh one.
    """

    def authenticate_credentials(self, key):
        # DRF's lookup, with the user's desk role read in the same query (claims.roles).
        model = self.get_model()
        try:
            token = roles.with_roles(model.objects.select_related("user"), "user_id").get(key=key)
        except model.DoesNotExist:
            raise AuthenticationFailed("Invalid token.") from None
        user = token.user
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        roles.remember_role(user, token)
        if token_is_expired(token):
            raise AuthenticationFailed(
                f"token expired at {token_expires_at(token):%Y-%m-%d %H:%M} UTC (tokens last "
                f"{settings.CLAIMDESK_TOKEN_TTL_HOURS:g} hours): ask POST /api/auth/token/ for a new one"
            )
        return user, token


class HasDeskRole(BasePermission):
    """Every API request: ``claims.permissions`` must allow the user to read the desk (any desk role).

    What a request then does (ingest, assign, propose, export...) each view asks there too."""

    message = "you need a desk role (editor, reviewer or viewer) to use Claimdesk"

    def has_permission(self, request, view):
        return permissions.allowed(request.user, permissions.VIEW)
