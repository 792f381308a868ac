"""python manage.py matches report: precision per threshold from reviewers' match decisions."""

from django.core.management.base import BaseCommand, CommandError

from claims import permissions, selectors
from claims.errors import ClaimdeskError


class Command(BaseCommand):
    help = "Precision of suggested matches per score threshold, from reviewers' confirmations and rejections."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["report"])
        parser.add_argument("--as-user", help="run on behalf of this user: refused unless they have a desk role")

    def handle(self, *args, **opts):
        if opts["as_user"]:  # without it the server operator reads, as before
            try:
                permissions.check_username(opts["as_user"], permissions.VIEW)
            except ClaimdeskError as exc:
                raise CommandError(exc.message) from None
        rows = selectors.match_precision_by_threshold()
        self.stdout.write(f"| {'threshold':>9} | {'decided':>7} | {'confirmed':>9} | {'precision':>9} |")
        self.stdout.write(f"|{'-' * 10}:|{'-' * 8}:|{'-' * 10}:|{'-' * 10}:|")
        for r in rows:
            precision = f"{r['precision']:.3f}" if r["precision"] is not None else "—"
            self.stdout.write(f"| {r['threshold']:>9.2f} | {r['decided']:>7} | {r['confirmed']:>9} | {precision:>9} |")
