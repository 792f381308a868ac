"""Writes on speaker records: merging two records that name the same person.

(``claims.nlp.speakers`` holds the plain name functions; ``services.speaker_resolve`` creates records.)
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import permissions
from .audit import audit_record, lock_chain
from .errors import InvalidInput
from .models import Claim, Speaker


def _label(speaker: Speaker) -> str:
    return f"{speaker.name} ({speaker.kind})"


def speaker_merge(*, keep: Speaker, merge: Speaker, user) -> Speaker:
    """Merge ``merge`` into ``keep`` (editors only): its claims move to ``keep``, its name and aliases
    join ``keep``'s aliases, and the ``merge`` record is deleted.

    One transaction: the audit chain lock first, then both speaker rows (in id order, so two merges
    cannot wait on each other), then the claims. Audited once on the kept speaker (what was merged,
    aliases and claim count before and after) and once per moved claim (its speaker), so each claim's
    own history shows the change. ``keep``'s name and kind stand.
    """
    permissions.check(user, permissions.MERGE_SPEAKERS)
    if keep.pk == merge.pk:
        raise InvalidInput("a speaker cannot be merged into itself: choose two different speakers")
    with transaction.atomic():
        lock_chain()
        rows = {s.pk: s for s in Speaker.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk]).order_by("pk")}
        if keep.pk not in rows or merge.pk not in rows:
            missing = keep.pk if keep.pk not in rows else merge.pk
            raise InvalidInput(f"speaker {missing} no longer exists (merged or deleted meanwhile)")
        kept, gone = rows[keep.pk], rows[merge.pk]
        claims = list(Claim.objects.select_for_update().filter(speaker_id=gone.pk).order_by("pk"))
        claims_before = Claim.objects.filter(speaker_id=kept.pk).count()
        aliases_before = list(kept.aliases or [])
        seen = {kept.name.casefold()}
        aliases = []
        for name in [*aliases_before, gone.name, *(gone.aliases or [])]:
            name = " ".join(str(name).split())
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                aliases.append(name)
        now = timezone.now()
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(speaker=kept, updated_at=now)
        for claim in claims:
            audit_record(actor=user, action="claim.speaker_merge", obj=claim,
                         changes={"speaker": [_label(gone), _label(kept)]})
        kept.aliases = aliases
        kept.save(update_fields=["aliases"])
        audit_record(actor=user, action="speaker.merge", obj=kept, changes={
            "merged": [{"id": gone.pk, "name": gone.name, "kind": gone.kind, "aliases": gone.aliases or []}, None],
            "aliases": [aliases_before, aliases],
            "claims": [claims_before, claims_before + len(claims)],
        })
        gone.delete()
        # The match index holds speaker names; the moved claims now carry the kept one.
        transaction.on_commit(_matching_index_reset)
    keep.refresh_from_db()
    return keep


def _matching_index_reset():
    from .services import matching_index_reset

    matching_index_reset()
