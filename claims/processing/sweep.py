"""The sweep: what dead workers and lost messages left behind, recovered. Run by Celery beat every
``CLAIMDESK_SWEEP_SECONDS`` (``claims.sweep_processing``; links by ``claims.poll_feeds``) and once by
each worker as it starts; safe anywhere, any number of times at once, since every change is
conditional on the state it read. Each run is recorded (``claims.health``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .. import health
from ..models import Article, Link
from . import sender
from .leases import ARTICLES, LINKS

log = logging.getLogger(__name__)

SWEEP_BATCH = 500


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
    app = current_app
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
    send = send or sender.article_queue
    now = now or timezone.now()
    result = SweepResult()
    # Lapsed leases: expired, none at all (a crash between two updates), or a gone process's.
    result.returned, result.failed, attempts = ARTICLES.expire(now, batch=SWEEP_BATCH)
    backoff = {pk: backoff_seconds(n + 1) for pk, n in attempts.items()}
    waiting = Article.objects.filter(status__in=list(ARTICLES.working_for))
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


def links_sweep() -> dict:
    """Links a dead worker or a lost message left behind: a lapsed lease goes back to the queue (or
    ``failed`` past ``CLAIMDESK_MAX_ATTEMPTS``), audited like an article's, and a link waiting unsent,
    or sent more than ``CLAIMDESK_RESEND_AFTER_SECONDS`` ago, is sent again (a duplicate message finds
    it taken)."""
    now = timezone.now()
    returned, failed, _ = LINKS.expire(now, batch=SWEEP_BATCH)
    stale = now - dt.timedelta(seconds=settings.CLAIMDESK_RESEND_AFTER_SECONDS)
    resent = 0
    for pk in Link.objects.filter(Q(queued_at__isnull=True) | Q(queued_at__lt=stale),
                                  status=Link.Status.QUEUED).values_list("pk", flat=True)[:SWEEP_BATCH]:
        resent += not sender.link_queue(link_id=pk)
    return {"returned": len(returned), "failed": len(failed), "resent": resent}
