"""The Celery application. Broker and queues come from Django settings (CELERY_*).

Every worker also keeps the operator informed and recovers on its own as it starts (``claims.health``):
its main process writes a heartbeat row every ``CLAIMDESK_HEARTBEAT_SECONDS``, and once it is ready it
queues one sweep, so a worker started without Celery beat still picks up what a killed worker or a
broker outage left behind.
"""

import logging
import os

from celery import Celery, bootsteps
from celery.signals import worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

log = logging.getLogger(__name__)

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def preload(sender=None, **kwargs):
    """Before the pool forks: load what every task needs once, so the children share it
    (``CLAIMDESK_WORKER_PRELOAD``; ``claims.processing.warm.worker_warm``)."""
    from django.conf import settings

    if settings.CLAIMDESK_WORKER_PRELOAD:
        from claims.processing.warm import worker_warm

        worker_warm()


@worker_ready.connect
def sweep_on_start(sender=None, **kwargs):
    """Queue one sweep as the worker becomes ready: without beat (an easy mistake) the articles of a
    killed worker and those stored while the broker was down would otherwise wait for the broker's
    visibility timeout, or for ever. Any worker may run it; two at once are safe."""
    try:
        app.send_task("claims.sweep_processing", kwargs={"reason": "worker start"})
    except Exception:  # noqa: BLE001 - a worker that cannot queue it still works; beat sweeps later
        log.exception("could not queue the start-up sweep")


class Heartbeat(bootsteps.StartStopStep):
    """The worker's heartbeat row (``claims.health.worker_beat``), from its main process on the worker's
    own timer, so it says the worker is running whatever its pool children are busy with. A clean stop
    removes the row; a killed worker's row ages out after three heartbeats."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None
        self.name = ""

    def _beat(self):
        from django.db import connections

        from claims import health

        try:
            health.worker_beat(name=self.name)
        except Exception as exc:  # noqa: BLE001 - the database may be down; the next beat tries again
            log.warning("worker heartbeat not written: %s", exc)
        finally:
            connections.close_all()  # the main process forks pool children: no connection may be open then

    def start(self, worker):
        from claims import health

        self.name = worker.hostname
        self._beat()
        self.tref = worker.timer.call_repeatedly(health.heartbeat_seconds(), self._beat, priority=10)

    def stop(self, worker):
        from django.db import connections

        from claims import health

        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        try:
            health.worker_gone(name=self.name)
        except Exception as exc:  # noqa: BLE001
            log.warning("worker heartbeat not removed: %s", exc)
        finally:
            connections.close_all()


app.steps["worker"].add(Heartbeat)
