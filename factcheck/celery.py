"""The Celery application. Broker and queues come from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def preload(sender=None, **kwargs):
    """Before the pool forks: load what every task needs once, so the children share it
    (``CLAIMDESK_WORKER_PRELOAD``; ``claims.services.worker_warm``)."""
    from django.conf import settings

    if settings.CLAIMDESK_WORKER_PRELOAD:
        from claims.services import worker_warm

        worker_warm()
