"""The one sender: every task is queued by name, after the transaction that made it necessary commits.

Nothing below the top floor imports ``claims.tasks``: a task is looked up in the Celery app by its
registered name (loading the app's task modules once when this process has not yet), so its routing,
retries and eager mode are the task's own. A broker that is down never loses the work: the row that
needed the task stays waiting, the reason is returned (or kept on the row), and the sweep sends it
again once the broker is back.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from ..models import Article, Link

log = logging.getLogger(__name__)

# A short retry: a request must not hang on a broker that is down (the sweep sends it later).
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

EXTRACT, MATCH, REMATCH = "claims.extract_article", "claims.match_article", "claims.rematch_claim"
FETCH_LINK, POLL_FEED, NOTIFY, SWEEP = "claims.fetch_link", "claims.poll_feed", "claims.notify_user", \
    "claims.sweep_processing"


def task_named(name: str):
    """The registered task called ``name``, loading the app's task modules first if need be."""
    task = current_app.tasks.get(name)
    if task is None:
        current_app.loader.import_default_modules()
        task = current_app.tasks[name]
    return task


def task_send(name: str, *, args=(), kwargs=None, countdown: float = 0, retry: bool = True) -> None:
    """Queue the task ``name`` now; raises what the broker raised."""
    task_named(name).apply_async(args=list(args), kwargs=kwargs, countdown=countdown or None, retry=retry,
                                 retry_policy=RETRY_POLICY if retry else None)


def task_try(name: str, *, args=(), kwargs=None, countdown: float = 0, retry: bool = True) -> str:
    """Queue the task ``name``; "" or the reason the broker refused it (logged, never raised)."""
    try:
        task_send(name, args=args, kwargs=kwargs, countdown=countdown, retry=retry)
    except Exception as exc:  # noqa: BLE001 - the broker is down: the caller keeps the row and says why
        log.warning("could not queue %s%s: %s", name, tuple(args), exc)
        return f"the broker is unavailable ({exc.__class__.__name__}: {exc})"
    return ""


def on_commit(name: str, *, args=(), kwargs=None, retry: bool = True, fallback=None) -> None:
    """Queue the task ``name`` once the current transaction commits (at once outside one).

    ``fallback``: called instead when the broker refuses the task (work that no sweep would find again,
    such as a corrected claim's rematch, is then done in the calling process)."""
    def send():
        if task_try(name, args=args, kwargs=kwargs, retry=retry) and fallback is not None:
            fallback()

    transaction.on_commit(send)


def article_queue(*, article_id, countdown: float = 0) -> str:
    """Send an article's next stage to the workers: extraction when it is ``queued``, matching when
    ``extracted``. Returns "" or the reason it could not be sent (the article is kept either way,
    and the sweep sends it once the broker is back)."""
    status = Article.objects.filter(pk=article_id).values_list("status", flat=True).first()
    name = {Article.Status.QUEUED: EXTRACT, Article.Status.EXTRACTED: MATCH}.get(status)
    if name is None:
        return ""
    error = task_try(name, args=[article_id], countdown=countdown)
    if error:
        message = f"could not queue for processing, {error}"
        log.warning("article %s: %s", article_id, message)
        Article.objects.filter(pk=article_id, status=status).update(error=message, queued_at=None)
        return message
    Article.objects.filter(pk=article_id, status=status).update(error="", queued_at=timezone.now())
    return ""


def link_queue(*, link_id: int) -> str:
    """Send a queued link to the workers; "" or the reason it could not be sent (the sweep retries)."""
    error = task_try(FETCH_LINK, args=[link_id])
    if error:
        message = f"could not queue for fetching, {error}"
        Link.objects.filter(pk=link_id, status=Link.Status.QUEUED).update(error=message, queued_at=None)
        return message
    Link.objects.filter(pk=link_id, status=Link.Status.QUEUED).update(error="", queued_at=timezone.now())
    return ""


def feed_queue(*, feed_id: int) -> str:
    """Send a feed's poll now; "" or why not (beat polls it on its next round)."""
    return task_try(POLL_FEED, args=[feed_id])
