"""Background work. Tasks take ids, re-read the rows, and are safe to run twice: each service
claims its article with a conditional status update, so a redelivered task does nothing."""

from celery import shared_task
from django.db import transaction

from . import services
from .audit import audit_door


@shared_task(name="claims.extract_article", acks_late=True, ignore_result=True)
def extract_article(article_id: int) -> bool:
    with audit_door("task"):
        done = services.article_extract(article_id=article_id)
    if done:
        transaction.on_commit(lambda: match_article.delay(article_id))
    return done


@shared_task(name="claims.match_article", acks_late=True, ignore_result=True)
def match_article(article_id: int) -> bool:
    with audit_door("task"):
        return services.article_match(article_id=article_id)


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
