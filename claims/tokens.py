"""API tokens that expire: DRF's authtoken tokens live for ever, so a leaked one would too. How long a
token lasts, issuing one (a fresh one once the old has expired) and revoking it; the API's doors call
these and write nothing themselves."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token


def token_ttl() -> timedelta:
    """How long a token lasts: ``CLAIMDESK_TOKEN_TTL_HOURS``."""
    return timedelta(hours=settings.CLAIMDESK_TOKEN_TTL_HOURS)


def token_expires_at(token):
    """When ``token`` stops being accepted: its creation plus ``token_ttl``."""
    return token.created + token_ttl()


def token_is_expired(token, *, now=None) -> bool:
    """Whether ``token`` is past ``token_expires_at`` at ``now`` (default: now)."""
    return (now or timezone.now()) >= token_expires_at(token)


def token_issue(*, user) -> Token:
    """The API token of ``user``, who has just signed in: the one they hold while it lasts, else a new one.

    Rules: one token per user (DRF's authtoken); an expired token is replaced by a fresh one with a
    new key and a new lifetime, never extended."""
    token, _created = Token.objects.get_or_create(user=user)
    if token_is_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


def token_revoke(*, user) -> None:
    """Sign ``user`` out of the API: their token is deleted (nothing happens without one)."""
    Token.objects.filter(user=user).delete()
