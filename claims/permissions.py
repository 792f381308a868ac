"""Who may do what: the one place access rules live. The admin (site gate, every page, every action),
the API, ``/reports/``, the commands and the services all ask ``check`` or ``allowed`` here.

Roles are the groups ``editor``, ``reviewer`` and ``viewer`` (``claims.roles``: created by a migration,
markers only, they carry no Django model permissions). A superuser counts as an editor.

Without a claim, ``check`` answers whether the role may ever do the action (to offer a door: a
reviewer is offered "propose"); with a claim, whether the user may do it on that claim.
"""

from __future__ import annotations

from .errors import NotAllowed
from .roles import ROLE_EDITOR, ROLE_REVIEWER, user_role
from .selectors import user_get_by_username

VIEW = "view"  # read the desk: articles, claims, speakers, matches
VIEW_AUDIT = "view_audit"  # the whole audit trail (editors); a claim's own history (every role)
EXPORT = "export"  # exports and the printable report
INGEST = "ingest"
REQUEUE = "requeue"
ASSIGN = "assign"
REOPEN = "reopen"  # a published claim, for re-review
CORRECT = "correct"  # a claim's speaker, attribution, span, "not a claim"
CORRECT_ARTICLE = "correct_article"  # an article's title and date
SUMMARISE = "summarise"  # a claim's ClaimReview summary (schema.org claimReviewed)
MERGE_SPEAKERS = "merge_speakers"  # two speaker records that are the same person
EDIT_SPEAKER = "edit_speaker"  # a speaker's name and kind
PROPOSE = "propose"
APPROVE = "approve"  # and send back
COMMENT = "comment"  # and evidence
DECIDE_MATCH = "decide_match"

ACTIONS = (VIEW, VIEW_AUDIT, EXPORT, INGEST, REQUEUE, ASSIGN, REOPEN, PROPOSE, APPROVE, COMMENT, DECIDE_MATCH,
           CORRECT, CORRECT_ARTICLE, SUMMARISE, MERGE_SPEAKERS, EDIT_SPEAKER)

_EDITORS_ONLY = {
    VIEW_AUDIT: "read the audit trail",
    EXPORT: "export reports",
    INGEST: "add articles",
    REQUEUE: "re-queue articles",
    ASSIGN: "assign claims",
    REOPEN: "reopen published claims",
    CORRECT_ARTICLE: "correct articles",
    APPROVE: "approve or send back verdicts",
    SUMMARISE: "edit ClaimReview summaries",
    MERGE_SPEAKERS: "merge speakers",
    EDIT_SPEAKER: "edit speakers",
}
_ASSIGNEE_OR_EDITOR = (PROPOSE, COMMENT, DECIDE_MATCH, CORRECT)


def _name(user):
    return getattr(user, "username", None) or "anonymous"


def check(user, action: str, claim=None) -> None:
    """Raise ``NotAllowed`` with the message the user should see, unless ``user`` may do ``action``.

    Every desk role reads the desk and a claim's own history. Editors do everything else (that the
    proposer of a verdict cannot also review it is a rule of the claim's state, checked by
    ``workflow``). Reviewers propose, comment, add evidence, decide matches and correct (speaker,
    attribution, span, "not a claim") on the claims assigned to them. Viewers only read.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    role = user_role(user)
    if role is None:
        raise NotAllowed("you need a desk role (editor, reviewer or viewer) to use Claimdesk")
    if action == VIEW or (action == VIEW_AUDIT and claim is not None):
        return
    if action in _EDITORS_ONLY:
        if role != ROLE_EDITOR:
            raise NotAllowed(f"only editors can {_EDITORS_ONLY[action]}; {_name(user)} is a {role}")
        return
    # PROPOSE, COMMENT, DECIDE_MATCH, CORRECT
    if role == ROLE_EDITOR:
        return
    if role == ROLE_REVIEWER:
        if claim is None or claim.assignee_id == user.pk:
            return
        raise NotAllowed(f"claim {claim.pk} is not assigned to {_name(user)}; "
                         "reviewers work on the claims assigned to them")
    raise NotAllowed(f"{_name(user)} is a viewer and can only read")


def allowed(user, action: str, claim=None) -> bool:
    """``check`` as a yes or no, for offering a door (a page, a button, an admin action)."""
    try:
        check(user, action, claim)
    except NotAllowed:
        return False
    return True


def check_username(username: str, action: str, claim=None):
    """The active user named ``username``, once allowed ``action``: for commands run on someone's behalf.

    Raises ``InvalidInput`` for an unknown name, ``NotAllowed`` as ``check`` does."""
    user = user_get_by_username(username=username)
    check(user, action, claim)
    return user
