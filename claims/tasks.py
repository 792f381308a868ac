"""Background work. Tasks take ids, re-read the rows, and are safe to run twice or to be killed:
each stage runs under the article's lease (``claims.processing``), and the periodic sweep hands
back whatever a dead worker or a lost message left behind."""

from celery import shared_task

from . import processing, services
from .audit import audit_door


@shared_task(name="claims.extract_article", acks_late=True, ignore_result=True)
def extract_article(article_id: int) -> bool:
    with audit_door("task"):
        done = services.article_extract(article_id=article_id)
    if done:
        # Sends matching; if the broker is down now, the sweep sends it later.
        services.article_queue(article_id=article_id)
    return done


@shared_task(name="claims.match_article", acks_late=True, ignore_result=True)
def match_article(article_id: int) -> bool:
    with audit_door("task"):
        return services.article_match(article_id=article_id)


@shared_task(name="claims.sweep_processing", ignore_result=True)
def sweep_processing(reason: str = "beat") -> dict:
    """Run by Celery beat every ``CLAIMDESK_SWEEP_SECONDS``, and queued by each worker as it starts
    (``reason`` "worker start", ``factcheck.celery``): expired leases, lost messages."""
    with audit_door("task"):
        result = processing.processing_sweep(reason=str(reason)[:100])
    return {"returned": result.returned, "failed": result.failed, "resent": result.resent}


@shared_task(name="claims.warm_worker", ignore_result=True)
def warm_worker(marker_dir: str | None = None, linger: float = 0.0) -> dict:
    """Load the models and the match index in the child that runs it (bench/worker_memory.py)."""
    return services.worker_warm(marker_dir=marker_dir, linger=linger)


@shared_task(name="claims.notify_user", ignore_result=True)
def notify_user(user_id: int, subject: str, body: str) -> bool:
    """Email a desk member (console backend by default). A user deleted meanwhile gets nothing."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    send_mail(f"[Claimdesk] {subject}", body, None, [user.email])
    return True


@shared_task(name="claims.fetch_link", acks_late=True, ignore_result=True)
def fetch_link(link_id: int) -> bool:
    """Fetch a link's page and ingest it, under the link's lease (``claims.sources.link_fetch``)."""
    from . import sources

    with audit_door("task"):
        return sources.link_fetch(link_id=link_id)


@shared_task(name="claims.poll_feed", acks_late=True, ignore_result=True)
def poll_feed(feed_id: int, force: bool = True) -> dict:
    """Poll one feed now (a feed just added); its lease keeps a concurrent poll out."""
    from . import sources

    with audit_door("task"):
        result = sources.feed_poll(feed_id=feed_id, force=force)
    return {"polled": result.polled, "new_items": result.new_items, "error": result.error}


@shared_task(name="claims.poll_feeds", ignore_result=True)
def poll_feeds() -> dict:
    """Run by Celery beat: poll every feed that is due, then sweep links left behind."""
    from . import sources

    with audit_door("task"):
        polled = [sources.feed_poll(feed_id=pk).polled for pk in sources.feeds_poll_due()]
        swept = sources.links_sweep()
    return {"polled": sum(polled), **swept}
