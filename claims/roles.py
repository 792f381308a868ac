"""The desk's roles as Django groups: editor, reviewer, viewer; and which of them a user holds.

The groups are markers only: what each role may do is decided by ``claims.permissions``, never by
Django model permissions. Created by a data migration (``0003_roles``); ``ensure_roles`` recreates
them after a database flush, and ``manage.py demo`` calls it too. A superuser counts as an editor.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

ROLE_EDITOR = "editor"
ROLE_REVIEWER = "reviewer"
ROLE_VIEWER = "viewer"
# Strongest first: a user in several groups holds the first of them.
ROLES = (ROLE_EDITOR, ROLE_REVIEWER, ROLE_VIEWER)
# Migration 0003 imports this name (it iterates over the role names).
ROLE_PERMISSIONS = {role: () for role in ROLES}


def ensure_roles(apps=None):
    """Create the three groups if missing; safe to run any number of times."""
    group_model = (apps or global_apps).get_model("auth", "Group")
    for role in ROLES:
        group_model.objects.get_or_create(name=role)


def with_roles(queryset, user_field: str):
    """``queryset`` with, for the user at ``user_field``, one flag per desk role read in the same query
    (``remember_role`` then spares ``user_role`` its groups query: one query less per API request)."""
    return queryset.annotate(**{
        f"_is_{role}": Exists(Group.objects.filter(user=OuterRef(user_field), name=role)) for role in ROLES
    })


def remember_role(user, flags_from) -> None:
    """Set what ``user_role`` would read from the groups, from an object of ``with_roles``."""
    user._claimdesk_role = next((role for role in ROLES if getattr(flags_from, f"_is_{role}")), None)


def user_role(user) -> str | None:
    """The strongest desk role of ``user``: editor, reviewer, viewer, or None.

    None for nobody, an anonymous or an inactive user; editor for a superuser; otherwise read from the
    groups once per user object (kept on it)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ROLE_EDITOR
    cached = getattr(user, "_claimdesk_role", "unset")
    if cached != "unset":
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = next((r for r in ROLES if r in names), None)
    user._claimdesk_role = role
    return role


def demo_user_ensure(*, username: str, role: str, password: str):
    """A demo desk account (``manage.py demo``): created if missing, or reset.

    Rules: the account is staff, signs in with ``password`` and holds ``role`` as its only group; a new
    one gets the address ``<username>@example.org``. The groups must exist (``ensure_roles``). Safe to
    run again: an existing account keeps its address and gets the new password and only that role."""
    user, _created = get_user_model().objects.get_or_create(username=username,
                                                            defaults={"email": f"{username}@example.org"})
    user.is_staff = True
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user
