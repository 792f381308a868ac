"""Follow feeds from the command line: ``feeds add URL``, ``feeds poll [--wait]``, ``feeds list``."""

import time

from django.core.management.base import BaseCommand, CommandError

from claims import permissions, sources
from claims.audit import audit_door
from claims.errors import ClaimdeskError
from claims.models import Link
from claims.processing import fetching


class Command(BaseCommand):
    help = "Add, poll and list RSS/Atom feeds (polling is Celery beat's job; `poll` does it now)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["add", "poll", "list"])
        parser.add_argument("url", nargs="?", help="the feed's address (add)")
        parser.add_argument("--title", default="")
        parser.add_argument("--user", help="act as this desk user (must be an editor)")
        parser.add_argument("--wait", action="store_true", help="poll: wait until the new items are fetched")
        parser.add_argument("--sync", action="store_true", help="poll: fetch the new links in this process")
        parser.add_argument("--timeout", type=float, default=300)

    def handle(self, *args, **opts):
        try:
            user = permissions.check_username(opts["user"], permissions.INGEST) if opts["user"] else None
            with audit_door("command"):
                if opts["action"] == "add":
                    if not opts["url"]:
                        raise CommandError("feeds add needs the feed's URL")
                    feed, created = sources.feed_add(url=opts["url"], title=opts["title"], user=user, queue=False)
                    self.stdout.write(f"feed #{feed.pk} {'added' if created else 'already followed'}: {feed.url}")
                elif opts["action"] == "poll":
                    self._poll(opts)
        except ClaimdeskError as exc:
            raise CommandError(exc.message) from None
        self._list()

    def _poll(self, opts):
        from tqdm import tqdm

        new = []
        for feed in sources.feed_list_with_stats().filter(active=True):
            result = fetching.feed_poll(feed_id=feed.pk, force=True)
            self.stdout.write(f"feed #{feed.pk}: {result.status or 'busy (another poller holds it)'}"
                              + (f" — {result.error}" if result.error else ""))
            new += list(Link.objects.filter(feed=feed).values_list("pk", flat=True))
        if opts["sync"]:
            for pk in Link.objects.filter(pk__in=new, status=Link.Status.QUEUED).values_list("pk", flat=True):
                fetching.link_fetch(link_id=pk)
        if not opts["wait"] or not new:
            return
        deadline = time.monotonic() + opts["timeout"]
        with tqdm(total=len(new), desc="fetching", unit="link", file=self.stderr._out) as bar:
            while True:
                finished = Link.objects.filter(pk__in=new, status__in=[Link.Status.DONE, Link.Status.FAILED]).count()
                bar.update(finished - bar.n)
                if finished == len(new):
                    break
                if time.monotonic() > deadline:
                    raise CommandError(f"{len(new) - finished} link(s) still not fetched: is a worker running?")
                time.sleep(0.25)

    def _list(self):
        for f in sources.feed_list_with_stats().order_by("id"):
            self.stdout.write(f"#{f.pk} {f.title or f.url}: last poll {f.last_polled_at or 'never'}, "
                              f"{f.items_seen} seen, {f.items_ingested} ingested, {f.items_failed} failed"
                              + (f", last error: {f.last_error}" if f.last_error else ""))
