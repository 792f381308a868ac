"""Signing in to the API: a token for a username and password, revoking it, and what a sign-in
that django-axes has locked out answers (on the admin login form as well). The tokens themselves
(lifetime, issue, revoke) are ``claims.tokens``; the authentication that refuses an expired one is
``claims.api.permissions``, beside the desk-role check, as DRF's settings load both."""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import tokens
from claims.errors import InvalidInput

from .permissions import ExpiringTokenAuthentication
from .serializers import ErrorSerializer


def _lockout_message():
    minutes = settings.AXES_COOLOFF_TIME.total_seconds() / 60
    return (
        f"too many failed sign-ins for this username from this address: signing in is blocked for "
        f"{minutes:g} minutes after the last attempt"
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 as JSON for the API, a short page for the admin login form."""
    message = _lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    page = format_html(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sign-in blocked | Claimdesk</title>"
        "</head><body><h1>Sign-in blocked</h1><p>{}.</p><p>Ask an editor or an administrator to clear it "
        "sooner (<code>manage.py axes_reset_username USERNAME</code>), or <a href='{}'>try again later</a>.</p>"
        "</body></html>",
        message[0].upper() + message[1:],
        settings.LOGIN_URL,
    )
    return HttpResponse(page, status=status.HTTP_429_TOO_MANY_REQUESTS)


def client_ip(request):
    """AXES_CLIENT_IP_CALLABLE: the right-most address in CLAIMDESK_CLIENT_IP_HEADER when a proxy
    sets it (the one the nearest proxy saw; the left ones are the client's to invent), else REMOTE_ADDR."""
    header = settings.CLAIMDESK_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        last = value.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


_TokenOut = inline_serializer("TokenOut", {"token": serializers.CharField(), "expires": serializers.DateTimeField()})
_Credentials = inline_serializer(
    "Credentials", {"username": serializers.CharField(), "password": serializers.CharField()}
)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class TokenView(APIView):
    """POST: a token for ``username`` and ``password`` (a fresh one once the old has expired).
    DELETE: revoke the caller's token (sign out of the API)."""

    def get_authenticators(self):
        # Asking for a token must work while holding an expired one, so POST reads no credentials header.
        if getattr(self.request, "method", None) == "POST":
            return []
        return [ExpiringTokenAuthentication(), SessionAuthentication()]

    def get_permissions(self):
        return [AllowAny()] if getattr(self.request, "method", None) == "POST" else [IsAuthenticated()]

    @extend_schema(request=_Credentials, auth=[], responses={
        200: _TokenOut,
        400: OpenApiResponse(ErrorSerializer, description="missing or wrong username and password"),
        429: OpenApiResponse(ErrorSerializer, description="too many failed sign-ins (django-axes)")})
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            raise InvalidInput("username and password are required")
        # Refused before authenticate(): no user has such a name, and django-axes would try to store
        # it (a 255-character column) or the database to encode it (a lone surrogate).
        if len(username) > 150 or not _encodable(username) or not _encodable(password) or "\x00" in username:
            raise InvalidInput("unable to sign in with that username and password")
        # The Django request, not DRF's wrapper: django-axes marks a lockout on the object it is given.
        django_request = request._request
        user = authenticate(django_request, username=username, password=password)
        if getattr(django_request, "axes_locked_out", False):
            return lockout_response(django_request)
        if user is None or not user.is_active:
            raise InvalidInput("unable to sign in with that username and password")
        # As a session login would: last_login, and django-axes clears the failure count.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        token = tokens.token_issue(user=user)
        return Response({"token": token.key, "expires": tokens.token_expires_at(token)})

    @extend_schema(request=None, responses={
        204: OpenApiResponse(description="revoked"),
        401: OpenApiResponse(ErrorSerializer, description="not signed in")})
    def delete(self, request):
        tokens.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


token = TokenView.as_view()
