"""The one lease protocol, for every row a worker holds: articles (extraction, matching), links
(fetching) and feeds (polling).

A worker takes a row with a conditional update that writes a **lease** (owner, expiry and, for
staged rows, an attempt count); it renews the lease while it works (``Lease.renewed``), and its
final write is conditional on still holding it (``Lease.locked``). So a redelivered task finds the
lease live and does nothing; a task whose worker died is taken over once the lease expires, or at
once when the owner was a process on this machine that is gone (a killed pool child), and the
takeover is audited; past ``CLAIMDESK_MAX_ATTEMPTS`` lost workers the row fails with the reason.
The sweep (``claims.processing.sweep``) hands expired leases back with ``Lease.expire``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..audit import audit_record, lock_chain
from ..models import Article, Feed, Link

log = logging.getLogger(__name__)


def lease_seconds() -> float:
    return float(settings.CLAIMDESK_LEASE_SECONDS)


def lease_until(now=None):
    return (now or timezone.now()) + dt.timedelta(seconds=lease_seconds())


def new_owner() -> str:
    """A lease owner: this machine, this process, and a nonce for this one attempt."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child that its parent has not reaped yet is a zombie: gone for our purpose
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def owner_is_gone(owner: str) -> bool:
    """True when ``owner`` was a process on this machine that no longer runs (a killed pool child).

    Owners on other machines are never judged from here: their leases simply expire.
    """
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    return not _pid_alive(int(pid))


def release_fields() -> dict:
    """The fields a stage's final write sets: no owner, no expiry, attempts counted afresh."""
    return {"lease_owner": "", "lease_expires": None, "attempts": 0}


class Lease:
    """The protocol over one kind of staged row: ``working_for`` maps each status a stage waits in to
    the status while a worker holds it; ``stage_names`` names each working status for people."""

    def __init__(self, model, *, kind: str, working_for: dict, stage_names: dict, failed: str, again: str):
        self.model, self.kind, self.failed, self.again = model, kind, failed, again
        self.working_for = dict(working_for)
        self.waiting_for = {working: waiting for waiting, working in self.working_for.items()}
        self.stage_names = dict(stage_names)

    # --- taking -----------------------------------------------------------------------------------------

    def take(self, pk: int, *, waiting: str, owner: str) -> bool:
        """Take the stage that waits in ``waiting`` for ``owner``; False when someone else holds it.

        Takes a row waiting in ``waiting``, or one whose lease expired or whose owner is gone (audited
        as ``<kind>.lease_takeover``). Each take counts an attempt; past ``CLAIMDESK_MAX_ATTEMPTS`` the
        row is failed instead (``give_up``).
        """
        working = self.working_for[waiting]
        now = timezone.now()
        row = self.model.objects.filter(pk=pk).values("status", "lease_owner", "lease_expires", "attempts").first()
        if row is None:
            return False
        if row["status"] == waiting:
            if row["attempts"] >= settings.CLAIMDESK_MAX_ATTEMPTS:
                return self.give_up(pk, expected=Q(status=waiting), working=working, attempts=row["attempts"],
                                    why="the worker processing it stopped each time")
            return self.model.objects.filter(pk=pk, status=waiting, attempts=row["attempts"]).update(
                status=working, lease_owner=owner, lease_expires=lease_until(now), attempts=F("attempts") + 1) == 1
        if row["status"] != working:
            return False
        expired = row["lease_expires"] is None or row["lease_expires"] < now
        gone = not expired and owner_is_gone(row["lease_owner"])
        if not (expired or gone):
            return False  # live work: never taken twice
        previous = row["lease_owner"]
        if row["attempts"] >= settings.CLAIMDESK_MAX_ATTEMPTS:
            return self.give_up(pk, expected=Q(status=working, lease_owner=previous), working=working,
                                attempts=row["attempts"],
                                why=f"the worker processing it stopped each time (last {previous})")
        with transaction.atomic():
            lock_chain()
            taken = self.model.objects.filter(pk=pk, status=working, lease_owner=previous).update(
                lease_owner=owner, lease_expires=lease_until(now), attempts=F("attempts") + 1) == 1
            if taken:
                obj = self.model.objects.get(pk=pk)
                audit_record(actor=None, action=f"{self.kind}.lease_takeover", obj=obj,
                             changes={"lease_owner": [previous, owner], "attempts": [row["attempts"], obj.attempts],
                                      "because": [None, "its lease expired" if expired else "its worker process is gone"]})
        return taken

    def give_up_message(self, *, stage: str, attempts: int, why: str) -> str:
        return (f"{stage} gave up after {attempts} attempts: {why}. The {self.kind} may be too large or break "
                f"the worker; {self.again} it to try again.")

    def give_up(self, pk: int, *, expected: Q, working: str, attempts: int, why: str) -> bool:
        """Fail the row after its last attempt, with the reason, audited (``<kind>.gave_up``); False."""
        message = self.give_up_message(stage=self.stage_names[working], attempts=attempts, why=why)
        with transaction.atomic():
            lock_chain()
            obj = self.model.objects.select_for_update().filter(expected, pk=pk).first()
            if obj is None:
                return False
            before = obj.status
            self.model.objects.filter(pk=pk).update(status=self.failed, error=message, lease_owner="",
                                                    lease_expires=None)
            audit_record(actor=None, action=f"{self.kind}.gave_up", obj=obj,
                         changes={"status": [before, self.failed], "error": [None, message],
                                  "attempts": [attempts, attempts]})
        log.error("%s %s: %s", self.kind, pk, message)
        return False

    # --- holding ----------------------------------------------------------------------------------------

    def run_stage(self, pk: int, *, waiting: str, owner: str | None, work, write) -> bool:
        """A whole stage under the lease: take it, run ``work()`` while renewing, then ``write(row,
        result)`` in one transaction that first checks the lease is still ``owner``'s. True when this
        call finished the stage; a lost lease writes nothing, an exception fails the row (``fail``).
        """
        owner = owner or new_owner()
        if not self.take(pk, waiting=waiting, owner=owner):
            return False
        working = self.working_for[waiting]
        try:
            with self.renewed(pk, owner):
                result = work()
            with transaction.atomic():
                row = self.locked(pk, working=working, owner=owner)
                if row is None:
                    log.warning("%s %s: lease lost before the %s was written; nothing written", self.kind, pk,
                                self.stage_names[working])
                    return False
                write(row, result)
        except Exception as exc:
            self.fail(pk, working=working, owner=owner, exc=exc)
            return False
        return True

    def locked(self, pk: int, *, working: str, owner: str):
        """Inside the stage's final transaction: the row, locked, if ``owner`` still holds it."""
        lock_chain()
        return self.model.objects.select_for_update().filter(pk=pk, status=working, lease_owner=owner).first()

    def fail(self, pk: int, *, working: str, owner: str, exc: BaseException) -> None:
        """The stage raised: mark the row failed with the reason, if ``owner`` still holds it (audited as
        ``<kind>.<stage>_failed``)."""
        stage = self.stage_names[working]
        message = f"{stage} failed: {exc.__class__.__name__}: {exc}"[:2000]
        log.error("%s %s: %s", self.kind, pk, message, exc_info=exc)
        with transaction.atomic():
            obj = self.locked(pk, working=working, owner=owner)
            if obj is None:
                log.warning("%s %s: not marked failed, %s no longer holds it", self.kind, pk, owner)
                return
            before = obj.status
            obj.status, obj.error = self.failed, message
            obj.lease_owner, obj.lease_expires = "", None
            obj.save(update_fields=["status", "error", "lease_owner", "lease_expires"])
            audit_record(actor=None, action=f"{self.kind}.{stage}_failed", obj=obj,
                         changes={"status": [before, obj.status], "error": [None, obj.error]})

    @contextlib.contextmanager
    def renewed(self, pk: int, owner: str):
        """Renew ``owner``'s lease every third of its length while the block runs (a long article).

        The renewal runs in a thread with its own database connection; losing the lease is logged here
        and enforced by the stage's final, conditional write.
        """
        stop = threading.Event()
        model, kind = self.model, self.kind

        def renew():
            try:
                while not stop.wait(lease_seconds() / 3):
                    if not model.objects.filter(pk=pk, lease_owner=owner).update(lease_expires=lease_until()):
                        log.warning("%s %s: lease of %s lost while working", kind, pk, owner)
                        return
            except Exception:  # the work goes on; the final write decides
                log.exception("%s %s: lease renewal failed", kind, pk)
            finally:
                connection.close()

        thread = threading.Thread(target=renew, name=f"lease-{kind}-{pk}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    # --- recovering -------------------------------------------------------------------------------------

    def lapsed(self, now, *, batch: int = 500) -> tuple[Q, set[str]]:
        """The condition for a lease that may be handed back now, and the owners found gone: no expiry,
        expired, or live but held by a process on this machine that is gone."""
        lapsed = Q(lease_expires__lt=now) | Q(lease_expires__isnull=True)
        live_owners = set(self.model.objects.filter(status__in=list(self.waiting_for), lease_expires__gte=now)
                          .exclude(lease_owner="").values_list("lease_owner", flat=True)[:batch])
        gone = {owner for owner in live_owners if owner_is_gone(owner)}
        if gone:
            lapsed |= Q(lease_owner__in=gone)
        return lapsed, gone

    def expire(self, now, *, batch: int = 500, failed_message=None) -> tuple[list[int], list[int], dict]:
        """Hand back every lapsed lease: to the waiting status, or failed past the last attempt; each
        audited as ``<kind>.lease_expired`` with the reason. Returns (returned, failed, attempts of
        the returned rows by id). Every change is conditional on the state it read."""
        lapsed, gone = self.lapsed(now, batch=batch)
        returned, failed, attempts = [], [], {}
        rows = (self.model.objects.filter(lapsed, status__in=list(self.waiting_for))
                .values_list("pk", "status", "lease_owner")[:batch])
        for pk, status, owner in rows:
            with transaction.atomic():
                lock_chain()
                obj = (self.model.objects.select_for_update()
                       .filter(lapsed, pk=pk, status=status, lease_owner=owner).first())
                if obj is None:
                    continue
                stage = self.stage_names[status]
                if obj.attempts >= settings.CLAIMDESK_MAX_ATTEMPTS:
                    obj.status = self.failed
                    obj.error = (failed_message or self.expired_message)(stage=stage, obj=obj, owner=owner, now=now)
                    failed.append(pk)
                else:
                    obj.status = self.waiting_for[status]
                    obj.queued_at = None
                    returned.append(pk)
                    attempts[pk] = obj.attempts
                expired_at = obj.lease_expires
                obj.lease_owner, obj.lease_expires = "", None
                obj.save(update_fields=["status", "error", "lease_owner", "lease_expires", "queued_at"])
                because = "its worker process is gone" if owner in gone else "its lease expired"
                audit_record(actor=None, action=f"{self.kind}.lease_expired", obj=obj,
                             changes={"status": [status, obj.status], "lease_owner": [owner, ""],
                                      "lease_expires": [expired_at, None], "attempts": [obj.attempts, obj.attempts],
                                      "because": [None, because]})
        return returned, failed, attempts

    def expired_message(self, *, stage, obj, owner, now) -> str:
        return (f"{stage} gave up after {obj.attempts} attempts: the worker processing it "
                f"stopped each time (last {owner or 'unknown'}, lease expired "
                f"{obj.lease_expires or now:%Y-%m-%d %H:%M:%S} UTC). {self.again.capitalize()} it to try again.")


ARTICLES = Lease(
    Article, kind="article", failed=Article.Status.FAILED, again="re-queue",
    working_for={Article.Status.QUEUED: Article.Status.EXTRACTING, Article.Status.EXTRACTED: Article.Status.MATCHING},
    stage_names={Article.Status.EXTRACTING: "extraction", Article.Status.MATCHING: "matching"},
)

LINKS = Lease(
    Link, kind="link", failed=Link.Status.FAILED, again="retry",
    working_for={Link.Status.QUEUED: Link.Status.FETCHING},
    stage_names={Link.Status.FETCHING: "fetching"},
)


def feed_take(feed_id: int, owner: str, *, force: bool) -> bool:
    """Take a feed's poll for ``owner``: an active feed that is due (or ``force``), with no live lease;
    a lease whose owner is a gone process on this machine counts as free (audited takeover).

    Feeds have no stages: the lease only keeps two pollers apart.
    """
    now = timezone.now()
    due = Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now - dt.timedelta(
        seconds=settings.CLAIMDESK_FEED_POLL_SECONDS))
    row = Feed.objects.filter(pk=feed_id, active=True).values("lease_owner", "lease_expires").first()
    if row is None:
        return False
    expired = row["lease_expires"] is None or row["lease_expires"] < now
    gone = not expired and owner_is_gone(row["lease_owner"])
    if not (expired or gone):
        return False
    qs = Feed.objects.filter(pk=feed_id, active=True, lease_owner=row["lease_owner"],
                             lease_expires=row["lease_expires"])
    if not force:
        qs = qs.filter(due)
    taken = qs.update(lease_owner=owner, lease_expires=lease_until(now)) == 1
    if taken and gone:
        with transaction.atomic():
            lock_chain()
            audit_record(actor=None, action="feed.lease_takeover", obj=Feed.objects.get(pk=feed_id),
                         changes={"lease_owner": [row["lease_owner"], owner],
                                  "because": [None, "its worker process is gone"]})
    return taken


def feed_free_q(now) -> Q:
    """Feeds no poll holds (no lease, or an expired one)."""
    return Q(lease_expires__isnull=True) | Q(lease_expires__lt=now)
