"""Speakers: every write on a speaker record. Resolving a name to its record (one person is one record
however the name is spelled), correcting a record's name and kind, merging two records that name the
same person.

(``claims.nlp.speakers`` holds the plain name functions.)
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import permissions
from .audit import audit_record, diff, lock_chain
from .errors import InvalidInput
from .models import Claim, Speaker
from .nlp.speakers import fold, name_parts, same_person, speaker_key
from .processing.matching import matching_index_reset


def speaker_resolve(*, name: str, kind: str) -> Speaker:
    """The speaker record for a name: one person is one record however the name is spelled.

    People are looked up by folded family name and matched with ``speakers.same_person``; a new
    spelling becomes an alias, and a fuller name replaces a shorter one as the display name.
    Organisations and anonymous sources match by exact name.
    """
    name = name.strip()[:300]
    kind = kind or Speaker.Kind.ORGANISATION
    with transaction.atomic():
        # Aliases are read, merged and written back: two workers resolving spellings of one person at
        # once must not overwrite each other. The chain lock (taken first, the one lock order)
        # serialises them on PostgreSQL; SQLite's IMMEDIATE transactions already do.
        lock_chain()
        return speaker_resolve_locked(name=name, kind=kind)


def speaker_resolve_locked(*, name: str, kind: str) -> Speaker:
    """``speaker_resolve`` inside a transaction that already holds the chain lock (a correction)."""
    exact = Speaker.objects.filter(name=name, kind=kind).first()
    if exact or kind != Speaker.Kind.PERSON:
        return exact or Speaker.objects.get_or_create(name=name, kind=kind, defaults={"key": speaker_key(name)})[0]
    key = speaker_key(name)
    first = fold(name_parts(name)[0]) if name_parts(name) else ""
    candidates = Speaker.objects.filter(kind=kind).filter(Q(key=key) | Q(key=first) | Q(name__istartswith=name + " "))
    for speaker in candidates.select_for_update().order_by("id"):
        if any(same_person(name, known) for known in [speaker.name, *speaker.aliases]):
            if name != speaker.name and name not in speaker.aliases:
                if len(name_parts(name)) > len(name_parts(speaker.name)):
                    speaker.aliases = sorted({*speaker.aliases, speaker.name})
                    speaker.name = name
                    speaker.key = key
                else:
                    speaker.aliases = sorted({*speaker.aliases, name})
                if not Speaker.objects.filter(name=speaker.name, kind=kind).exclude(pk=speaker.pk).exists():
                    speaker.save(update_fields=["name", "aliases", "key"])
            return speaker
    return Speaker.objects.get_or_create(name=name, kind=kind, defaults={"key": key})[0]


def speaker_for(name, kind, cache):
    """``speaker_resolve`` once per (name, kind) for the claims of one extraction; None for no name."""
    if not name:
        return None
    cache_key = (name, kind)
    if cache_key not in cache:
        cache[cache_key] = speaker_resolve(name=name, kind=kind)
    return cache[cache_key]


def _label(speaker: Speaker) -> str:
    return f"{speaker.name} ({speaker.kind})"


def speaker_update(*, speaker: Speaker, user, name: str | None = None, kind: str | None = None) -> Speaker:
    """Correct a speaker record's name or kind (editors only), audited on the speaker.

    Whitespace in the name is collapsed; it cannot be empty. A renamed speaker keeps its old name as
    an alias (the spelling extraction saw), its lookup key follows the new name. Only a person is ever
    found again by an alias (``services`` resolves organisations and anonymous sources by exact name),
    so a person turned organisation keeps its aliases as history, not as names it answers to. Refused
    when another record already has that name and kind: merge the two instead. Every claim of the
    speaker gets the change in its own history too (its speaker label changes).
    """
    permissions.check(user, permissions.EDIT_SPEAKER)
    if name is not None:
        name = " ".join(str(name).split())
        if not name:
            raise InvalidInput("a speaker's name cannot be empty")
        if len(name) > 300:
            raise InvalidInput(f"a speaker's name is 300 characters at most, got {len(name)}")
    if kind is not None and kind not in Speaker.Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(Speaker.Kind.values)}, got {kind!r}")
    with transaction.atomic():
        lock_chain()
        locked = Speaker.objects.select_for_update().filter(pk=speaker.pk).first()
        if locked is None:
            raise InvalidInput(f"speaker {speaker.pk} no longer exists (merged or deleted meanwhile)")
        before = {"name": locked.name, "kind": locked.kind, "aliases": list(locked.aliases or [])}
        new_name, new_kind = name or locked.name, kind or locked.kind
        if (new_name, new_kind) == (locked.name, locked.kind):
            return locked
        taken = Speaker.objects.filter(name=new_name, kind=new_kind).exclude(pk=locked.pk).first()
        if taken:
            raise InvalidInput(f"speaker #{taken.pk} is already {new_name} ({new_kind}): merge the two records "
                               "instead (“Merge selected speakers” in the speaker list)")
        label_before = _label(locked)
        if new_name != locked.name and locked.name.casefold() not in {a.casefold() for a in locked.aliases or []}:
            locked.aliases = [*(locked.aliases or []), locked.name]
        locked.aliases = [a for a in locked.aliases or [] if a.casefold() != new_name.casefold()]
        locked.name, locked.kind, locked.key = new_name, new_kind, speaker_key(new_name)
        locked.save(update_fields=["name", "kind", "aliases", "key"])
        audit_record(actor=user, action="speaker.update", obj=locked,
                     changes=diff(before, {"name": locked.name, "kind": locked.kind, "aliases": locked.aliases}))
        claims = list(Claim.objects.select_for_update().filter(speaker_id=locked.pk).order_by("pk"))
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(updated_at=timezone.now())
        for claim in claims:
            audit_record(actor=user, action="claim.speaker_update", obj=claim,
                         changes={"speaker": [label_before, _label(locked)]})
        # The match index holds speaker names and kinds.
        transaction.on_commit(matching_index_reset)
    speaker.refresh_from_db()
    return speaker


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
        transaction.on_commit(matching_index_reset)
    keep.refresh_from_db()
    return keep
