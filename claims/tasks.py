"""Background work's front door: each task takes ids, calls one stage of ``claims.processing`` and
returns. Tasks are queued by name (``claims.processing.sender``), are safe to run twice or to be
killed (each stage runs under its row's lease), and the periodic sweep hands back whatever a dead
worker or a lost message left behind."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from .audit import audit_door
from .processing import extraction, fetching, matching, sender, sweep, warm


@shared_task(name=sender.EXTRACT, acks_late=True, ignore_result=True)
def extract_article(article_id: int) -> bool:
    with audit_door("task"):
        done = extraction.article_extract(article_id=article_id)
    if done:
        # Sends matching; if the broker is down now, the sweep sends it later.
        sender.article_queue(article_id=article_id)
    return done


@shared_task(name=sender.MATCH, acks_late=True, ignore_result=True)
def match_article(article_id: int) -> bool:
    with audit_door("task"):
        return matching.article_match(article_id=article_id)


@shared_task(name=sender.REMATCH, acks_late=True, ignore_result=True)
def rematch_claim(claim_id: int, reembed: bool = False) -> int:
    """Redo one corrected claim's matching (queued by ``claims.corrections`` after the correction commits)."""
    with audit_door("task"):
        return matching.claim_rematch(claim_id=claim_id, reembed=bool(reembed))


@shared_task(name=sender.SWEEP, ignore_result=True)
def sweep_processing(reason: str = "beat") -> dict:
    """Run by Celery beat every ``CLAIMDESK_SWEEP_SECONDS``, and queued by each worker as it starts
    (``reason`` "worker start", ``factcheck.celery``): expired leases, lost messages."""
    with audit_door("task"):
        result = sweep.processing_sweep(reason=str(reason)[:100])
    return {"returned": result.returned, "failed": result.failed, "resent": result.resent}


@shared_task(name="claims.warm_worker", ignore_result=True)
def warm_worker(marker_dir: str | None = None, linger: float = 0.0) -> dict:
    """Load the models and the match index in the child that runs it (bench/worker_memory.py)."""
    return warm.worker_warm(marker_dir=marker_dir, linger=linger)


@shared_task(name=sender.NOTIFY, ignore_result=True)
def notify_user(user_id: int, subject: str, body: str) -> bool:
    """Email a desk member (console backend by default). A user deleted meanwhile gets nothing."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    send_mail(f"[Claimdesk] {subject}", body, None, [user.email])
    return True


@shared_task(name=sender.FETCH_LINK, acks_late=True, ignore_result=True)
def fetch_link(link_id: int) -> bool:
    """Fetch a link's page and ingest it, under the link's lease (``claims.processing.fetching.link_fetch``)."""
    with audit_door("task"):
        return fetching.link_fetch(link_id=link_id)


@shared_task(name=sender.POLL_FEED, acks_late=True, ignore_result=True)
def poll_feed(feed_id: int, force: bool = True) -> dict:
    """Poll one feed now (a feed just added); its lease keeps a concurrent poll out."""
    with audit_door("task"):
        result = fetching.feed_poll(feed_id=feed_id, force=force)
    return {"polled": result.polled, "new_items": result.new_items, "error": result.error}


@shared_task(name="claims.poll_feeds", ignore_result=True)
def poll_feeds() -> dict:
    """Run by Celery beat: poll every feed that is due, then sweep links left behind."""
    with audit_door("task"):
        polled = [fetching.feed_poll(feed_id=pk).polled for pk in fetching.feeds_poll_due()]
        swept = sweep.links_sweep()
    return {"polled": sum(polled), **swept}
