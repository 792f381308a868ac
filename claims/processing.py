"""Processing that always finishes, exactly once: leases on articles and the sweep that recovers them.

An article moves ``queued → extracting → extracted → matching → done``. A worker takes a stage
with a conditional update that writes a **lease** (owner, expiry, attempt count); it renews the
lease while it works, and the stage's final write is conditional on still holding it. So:

- a redelivered task finds the lease live and does nothing;
- a task whose worker died is taken over once the lease expires (or at once, when the owner was a
  process on this machine that is gone: a killed pool child);
- the **sweep** (``processing_sweep``, run by Celery beat every ``CLAIMDESK_SWEEP_SECONDS``, and
  once by each worker as it starts) hands expired leases back to the queue with a backoff, marks an
  article ``failed`` with the reason after ``CLAIMDESK_MAX_ATTEMPTS`` lost workers, and re-sends
  articles left waiting in ``queued`` or ``extracted`` whose message was lost (a broker that was
  down, a worker killed with a prefetched message, a filesystem broker that deletes a message when
  it is read). Each run is recorded, and so is each worker's heartbeat (``claims.health``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import health
from .audit import audit_record, lock_chain
from .models import Article

log = logging.getLogger(__name__)

Status = Article.Status
# The status a stage waits in, and the status while a worker holds it.
WORKING_FOR = {Status.QUEUED: Status.EXTRACTING, Status.EXTRACTED: Status.MATCHING}
WAITING_FOR = {working: waiting for waiting, working in WORKING_FOR.items()}
STAGE_NAME = {Status.EXTRACTING: "extraction", Status.MATCHING: "matching"}
SWEEP_BATCH = 500


def lease_seconds() -> float:
    return float(settings.CLAIMDESK_LEASE_SECONDS)


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


def lease_take(article_id: int, *, waiting: str, owner: str) -> bool:
    """Take the stage that waits in ``waiting`` for ``owner``; False when someone else holds it.

    Takes an article waiting in ``waiting``, or one whose lease expired or whose owner is gone.
    Each take counts an attempt; past ``CLAIMDESK_MAX_ATTEMPTS`` the article is failed instead.
    """
    working = WORKING_FOR[waiting]
    now = timezone.now()
    expires = now + dt.timedelta(seconds=lease_seconds())
    row = Article.objects.filter(pk=article_id).values("status", "lease_owner", "lease_expires", "attempts").first()
    if row is None:
        return False
    if row["status"] == waiting:
        if row["attempts"] >= settings.CLAIMDESK_MAX_ATTEMPTS:
            return _give_up(article_id, expected=Q(status=waiting), stage=STAGE_NAME[working], attempts=row["attempts"],
                            why="the worker processing it stopped each time")
        return Article.objects.filter(pk=article_id, status=waiting).update(
            status=working, lease_owner=owner, lease_expires=expires, attempts=F("attempts") + 1) == 1
    if row["status"] != working:
        return False
    expired = row["lease_expires"] is None or row["lease_expires"] < now
    gone = not expired and owner_is_gone(row["lease_owner"])
    if not (expired or gone):
        return False  # live work: never taken twice
    previous = row["lease_owner"]
    if row["attempts"] >= settings.CLAIMDESK_MAX_ATTEMPTS:
        return _give_up(article_id, expected=Q(status=working, lease_owner=previous), stage=STAGE_NAME[working],
                        attempts=row["attempts"], why=f"the worker processing it stopped each time (last {previous})")
    with transaction.atomic():
        lock_chain()
        taken = Article.objects.filter(pk=article_id, status=working, lease_owner=previous).update(
            lease_owner=owner, lease_expires=expires, attempts=F("attempts") + 1) == 1
        if taken:
            article = Article.objects.get(pk=article_id)
            audit_record(actor=None, action="article.lease_takeover", obj=article,
                         changes={"lease_owner": [previous, owner], "attempts": [row["attempts"], article.attempts],
                                  "because": [None, "its lease expired" if expired else "its worker process is gone"]})
    return taken


def _give_up(article_id, *, expected: Q, stage: str, attempts: int, why: str) -> bool:
    message = (f"{stage} gave up after {attempts} attempts: {why}. The article may be too large or break "
               "the worker; re-queue it to try again.")
    with transaction.atomic():
        lock_chain()
        article = Article.objects.select_for_update().filter(expected, pk=article_id).first()
        if article is None:
            return False
        before = {"status": article.status, "lease_owner": article.lease_owner}
        Article.objects.filter(pk=article_id).update(status=Status.FAILED, error=message, lease_owner="",
                                                      lease_expires=None)
        audit_record(actor=None, action="article.gave_up", obj=article,
                     changes={"status": [before["status"], Status.FAILED], "error": [None, message],
                              "attempts": [attempts, attempts]})
    log.error("article %s: %s", article_id, message)
    return False


def lease_locked(article_id: int, *, working: str, owner: str) -> Article | None:
    """Inside the stage's final transaction: the article row, locked, if ``owner`` still holds it."""
    lock_chain()
    return Article.objects.select_for_update().filter(pk=article_id, status=working, lease_owner=owner).first()


def lease_release_fields() -> dict:
    return {"lease_owner": "", "lease_expires": None, "attempts": 0}


@contextlib.contextmanager
def lease_renewed(article_id: int, owner: str):
    """Renew ``owner``'s lease every third of its length while the block runs (a long article).

    The renewal runs in a thread with its own database connection; losing the lease is logged here
    and enforced by the stage's final, conditional write.
    """
    stop = threading.Event()

    def renew():
        try:
            while not stop.wait(lease_seconds() / 3):
                expires = timezone.now() + dt.timedelta(seconds=lease_seconds())
                if not Article.objects.filter(pk=article_id, lease_owner=owner).update(lease_expires=expires):
                    log.warning("article %s: lease of %s lost while working", article_id, owner)
                    return
        except Exception:  # the work goes on; the final write decides
            log.exception("article %s: lease renewal failed", article_id)
        finally:
            connection.close()

    thread = threading.Thread(target=renew, name=f"lease-{article_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def stage_fail(article_id: int, *, working: str, owner: str, exc: BaseException) -> None:
    """The stage raised: mark the article ``failed`` with the reason, if ``owner`` still holds it."""
    stage = STAGE_NAME[working]
    message = f"{stage} failed: {exc.__class__.__name__}: {exc}"[:2000]
    log.error("article %s: %s", article_id, message, exc_info=exc)
    with transaction.atomic():
        article = lease_locked(article_id, working=working, owner=owner)
        if article is None:
            log.warning("article %s: not marked failed, %s no longer holds it", article_id, owner)
            return
        before = {"status": article.status}
        article.status = Status.FAILED
        article.error = message
        article.lease_owner, article.lease_expires = "", None
        article.save(update_fields=["status", "error", "lease_owner", "lease_expires"])
        audit_record(actor=None, action=f"article.{stage}_failed", obj=article,
                     changes={"status": [before["status"], article.status], "error": [None, article.error]})


# --- the sweep ----------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    returned: list[int] = field(default_factory=list)  # expired leases handed back to the queue
    failed: list[int] = field(default_factory=list)  # gave up after the last attempt
    resent: list[int] = field(default_factory=list)  # waiting articles sent to the broker again
    unsent: dict[int, str] = field(default_factory=dict)  # could not be sent (broker down): why


def backoff_seconds(attempts: int) -> int:
    """Seconds before a stage whose worker died is tried again: 0, then 10, 20, 40… at most 300."""
    return 0 if attempts <= 1 else min(300, 10 * 2 ** (attempts - 2))


def broker_pending() -> int | None:
    """Messages waiting in the default queue, or None when the broker cannot say."""
    from factcheck.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
            return conn.default_channel.queue_declare(queue=app.conf.task_default_queue).message_count
    except Exception as exc:
        log.info("could not count the queue: %s", exc)
        return None


def processing_sweep(*, now=None, send=None, reason: str = "") -> SweepResult:
    """Recover what dead workers and lost messages left behind. Safe to run anywhere, any number of
    times at once: every change is conditional on the state it read.

    1. Expired leases, and live ones whose owner was a process on this machine that is gone (a worker
       killed and started again, whose start-up sweep must not wait out the lease): back to the waiting
       status (to be sent again after a backoff), or ``failed`` with the reason once
       ``CLAIMDESK_MAX_ATTEMPTS`` workers have died on it.
    2. Articles waiting with no message sent, or sent more than ``CLAIMDESK_RESEND_AFTER_SECONDS``
       ago while the broker's queue is empty (so the message is not just waiting its turn), are
       sent again; a queue that never empties still gets them re-sent after ten times that.

    Each run is recorded (``claims.health.sweep_record``, ``reason`` naming who ran it), so the operator
    can see a sweep that stopped running.
    """
    from . import services

    send = send or services.article_queue
    now = now or timezone.now()
    result = SweepResult()
    # No expiry at all: left by a release before leases (or a crash between the two updates).
    lapsed = Q(lease_expires__lt=now) | Q(lease_expires__isnull=True)
    live_owners = set(Article.objects.filter(status__in=list(WAITING_FOR), lease_expires__gte=now)
                      .exclude(lease_owner="").values_list("lease_owner", flat=True)[:SWEEP_BATCH])
    gone = [owner for owner in live_owners if owner_is_gone(owner)]
    if gone:
        lapsed |= Q(lease_owner__in=gone)
    expired = (Article.objects.filter(lapsed, status__in=list(WAITING_FOR))
               .values_list("pk", "status", "lease_owner")[:SWEEP_BATCH])
    backoff = {}
    for article_id, status, owner in expired:
        with transaction.atomic():
            lock_chain()
            article = (Article.objects.select_for_update()
                       .filter(lapsed, pk=article_id, status=status, lease_owner=owner).first())
            if article is None:
                continue
            stage = STAGE_NAME[status]
            if article.attempts >= settings.CLAIMDESK_MAX_ATTEMPTS:
                article.status = Status.FAILED
                article.error = (f"{stage} gave up after {article.attempts} attempts: the worker processing it "
                                 f"stopped each time (last {owner or 'unknown'}, lease expired "
                                 f"{article.lease_expires or now:%Y-%m-%d %H:%M:%S} UTC). Re-queue it to try again.")
                result.failed.append(article_id)
            else:
                article.status = WAITING_FOR[status]
                article.queued_at = None
                result.returned.append(article_id)
                backoff[article_id] = backoff_seconds(article.attempts + 1)
            expired_at = article.lease_expires
            article.lease_owner, article.lease_expires = "", None
            article.save(update_fields=["status", "error", "lease_owner", "lease_expires", "queued_at"])
            because = "its worker process is gone" if owner in gone else "its lease expired"
            audit_record(actor=None, action="article.lease_expired", obj=article,
                         changes={"status": [status, article.status], "lease_owner": [owner, ""],
                                  "lease_expires": [expired_at, None], "attempts": [article.attempts, article.attempts],
                                  "because": [None, because]})
    waiting = Article.objects.filter(status__in=list(WORKING_FOR))
    never_sent = Q(queued_at__isnull=True)
    pending = broker_pending()
    patience = settings.CLAIMDESK_RESEND_AFTER_SECONDS * (1 if not pending else 10)
    lost = never_sent | Q(queued_at__lt=now - dt.timedelta(seconds=patience))
    for article_id in waiting.filter(lost).order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]:
        error = send(article_id=article_id, countdown=backoff.get(article_id, 0))
        if error:
            result.unsent[article_id] = error
        else:
            result.resent.append(article_id)
    if result.returned or result.failed or result.resent or result.unsent:
        log.info("sweep: %d lease(s) returned, %d failed, %d re-sent, %d not sent", len(result.returned),
                 len(result.failed), len(result.resent), len(result.unsent))
    health.sweep_record(reason=reason or "direct call", returned=len(result.returned), failed=len(result.failed),
                        resent=len(result.resent), unsent=len(result.unsent))
    return result
