"""python manage.py ingest FILE [FILE ...]: store articles from UTF-8 text files and process them."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import articles, permissions, selectors
from claims.audit import audit_door
from claims.errors import ClaimdeskError
from claims.ingestion import decode_bytes


class Command(BaseCommand):
    help = (
        "Ingest plain-text articles (UTF-8). The first non-empty line is the title unless --title is "
        "given. Without --sync the work is queued for the workers; --wait blocks until it is done."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="text files, one article each ('-' for standard input)")
        parser.add_argument("--title", help="title (default: the first non-empty line of each file)")
        parser.add_argument("--source", default="", help="source or outlet, e.g. 'Reuters'")
        parser.add_argument("--url", default="", help="the article's URL")
        parser.add_argument("--published", default=None, help="publication date, YYYY-MM-DD")
        parser.add_argument("--user", default=None, help="username to record as the actor; refused unless they may add articles (editors)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--sync", action="store_true", help="extract and match in this process, now")
        mode.add_argument("--wait", action="store_true", help="queue, then wait for the workers to finish")
        parser.add_argument("--timeout", type=float, default=900, help="seconds --wait waits at most")

    def handle(self, *args, **opts):
        # Without --user the server operator ingests, as before; with it, that user must be allowed.
        try:
            user = permissions.check_username(opts["user"], permissions.INGEST) if opts["user"] else None
        except ClaimdeskError as exc:
            raise CommandError(exc.message) from None
        # Validate every file before storing any, so a bad file leaves nothing half-written.
        prepared = []
        errors = []
        for name in opts["files"]:
            try:
                data = self._read(name)
                text = decode_bytes(data, name=name)
                fields = articles.article_validate(
                    body=text, title=opts["title"],
                    source=opts["source"], url=opts["url"], published=opts["published"],
                )
                prepared.append((name, fields))
            except ClaimdeskError as exc:
                errors.append(exc.message)
        if errors:
            raise CommandError("nothing was ingested:\n  " + "\n  ".join(errors))

        created = []
        with audit_door("command"):
            for name, fields in prepared:
                result = articles.article_ingest(user=user, queue=not opts["sync"], **fields)
                article = result.article
                if result.duplicate:
                    self.stdout.write(f"{name}: duplicate of article #{article.pk} ({article.status}), nothing new stored")
                    continue
                created.append(article.pk)
                if opts["sync"]:
                    article = articles.article_process_sync(article_id=article.pk)
                    self.stdout.write(
                        f"{name}: article #{article.pk} {article.status}, {article.claims.count()} claims, "
                        f"{sum(c.matches.count() for c in article.claims.all())} matches"
                    )
                    if article.status == article.Status.FAILED:
                        self.stderr.write(f"  {article.error}")
                elif result.queue_error:
                    self.stderr.write(f"{name}: article #{article.pk} stored but not queued: {result.queue_error}")
                else:
                    self.stdout.write(f"{name}: article #{article.pk} queued")
        if opts["wait"] and created:
            self._wait(created, opts["timeout"])

    def _read(self, name):
        if name == "-":
            import sys

            return sys.stdin.buffer.read()
        path = Path(name)
        if not path.is_file():
            raise ClaimdeskError(f"{name}: no such file")
        return path.read_bytes()

    def _wait(self, ids, timeout):
        from tqdm import tqdm

        deadline = time.monotonic() + timeout
        total = len(ids)
        with tqdm(total=total, desc="processing", unit="article", file=self.stderr._out) as bar:
            done = 0
            while True:
                pending = selectors.articles_pending(article_ids=ids)
                bar.update(total - pending - done)
                done = total - pending
                if pending == 0:
                    break
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"{pending} article(s) still not processed after {timeout:.0f}s: is a worker running? "
                        "(start one with: celery -A factcheck worker)"
                    )
                time.sleep(0.25)
        failed = selectors.articles_failed(article_ids=ids)
        for article in failed:
            self.stderr.write(f"article #{article.pk} failed: {article.error}")
        if failed:
            raise CommandError(f"{len(failed)} article(s) failed")
        self.stdout.write(f"{total} article(s) processed")
