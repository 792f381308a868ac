"""The desk's roles as Django groups: editor, reviewer, viewer.

The groups are markers only: what each role may do is decided by ``claims.permissions``, never by
Django model permissions. Created by a data migration (``0003_roles``); ``ensure_roles`` recreates
them after a database flush, and ``manage.py demo`` calls it too.
"""

ROLES = ("editor", "reviewer", "viewer")
# Migration 0003 imports this name (it iterates over the role names).
ROLE_PERMISSIONS = {role: () for role in ROLES}


def ensure_roles(apps=None):
    """Create the three groups if missing; safe to run any number of times."""
    from django.apps import apps as global_apps

    Group = (apps or global_apps).get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
