"""API tokens that expire: DRF's authtoken tokens live for ever, so a leaked one would too."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from claims import roles


def token_ttl():
    return timedelta(hours=settings.CLAIMDESK_TOKEN_TTL_HOURS)


def token_expires_at(token):
    return token.created + token_ttl()


def token_is_expired(token, *, now=None):
    return (now or timezone.now()) >= token_expires_at(token)


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
