"""Who may do what: the one place object-level rules live. Admin, API and commands all ask here.

Roles are the groups ``editor``, ``reviewer`` and ``viewer`` (created by a migration). A superuser
counts as an editor.
"""

from __future__ import annotations

from .errors import NotAllowed
from .models import ROLE_EDITOR, ROLE_REVIEWER, ROLE_VIEWER

ASSIGN = "assign"
PROPOSE = "propose"
APPROVE = "approve"
COMMENT = "comment"
EXPORT = "export"
INGEST = "ingest"
DECIDE_MATCH = "decide_match"


def user_role(user) -> str | None:
    """The strongest desk role of ``user``: editor, reviewer, viewer, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ROLE_EDITOR
    cached = getattr(user, "_claimdesk_role", "unset")
    if cached != "unset":
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = next((r for r in (ROLE_EDITOR, ROLE_REVIEWER, ROLE_VIEWER) if r in names), None)
    user._claimdesk_role = role
    return role


def is_editor(user) -> bool:
    return user_role(user) == ROLE_EDITOR


def _name(user):
    return getattr(user, "username", None) or "anonymous"


def check(user, action: str, claim=None) -> None:
    """Raise ``NotAllowed`` with the message the user should see, unless ``user`` may do ``action``."""
    role = user_role(user)
    if role is None:
        raise NotAllowed("you need a desk role (editor, reviewer or viewer) to use Claimdesk")
    if action in (ASSIGN, APPROVE, EXPORT, INGEST):
        if role != ROLE_EDITOR:
            what = {ASSIGN: "assign claims", APPROVE: "approve or send back verdicts", EXPORT: "export reports",
                    INGEST: "add articles"}[action]
            raise NotAllowed(f"only editors can {what}; {_name(user)} is a {role}")
        return
    if action in (PROPOSE, COMMENT, DECIDE_MATCH):
        if role == ROLE_EDITOR:
            return
        if role == ROLE_REVIEWER:
            if claim is not None and claim.assignee_id == user.pk:
                return
            raise NotAllowed(f"claim {getattr(claim, 'pk', '?')} is not assigned to {_name(user)}; "
                             "reviewers work on the claims assigned to them")
        raise NotAllowed(f"{_name(user)} is a viewer and can only read")
    raise ValueError(f"unknown action {action!r}")


def allowed(user, action: str, claim=None) -> bool:
    try:
        check(user, action, claim)
    except NotAllowed:
        return False
    return True
