"""One loader for every door that opens a claim: fetch it and check access in one place, so the API
and the admin cannot disagree about who sees or does what (healthchecks' ``_get_check_for_user``)."""

from __future__ import annotations

from . import permissions, selectors
from .models import Claim, ClaimMatch


def claim_for(user, claim_id, action: str | None = None) -> Claim:
    """The claim ``claim_id`` as ``user`` may see it, once ``claims.permissions`` allows ``action`` on it.

    Rules: a claim the user may not see is ``NotFound``, exactly as an unknown id (one rule,
    ``Claim.objects.visible_to``, decides who sees what); a malformed id is ``InvalidInput`` naming it
    (``selectors.claim_get``); ``action`` None only reads, any other action raises ``NotAllowed`` with
    the message ``permissions.check`` gives. Checked before a door reads its input; a service re-checks
    what must still hold under its lock."""
    claim = selectors.claim_get(claim_id=claim_id, user=user)
    if action is not None:
        permissions.check(user, action, claim)
    return claim


def match_for(user, match_id, action: str | None = None) -> ClaimMatch:
    """The match ``match_id`` of a claim ``user`` may see, once ``claims.permissions`` allows ``action``
    on that claim.

    Rules: a malformed or unknown id, or a match of a claim the user may not see, is ``NotFound``
    (``selectors.match_get``); ``action`` is checked on the match's claim, as ``claim_for`` does."""
    match = selectors.match_get(match_id=match_id, user=user)
    if action is not None:
        permissions.check(user, action, match.claim)
    return match
