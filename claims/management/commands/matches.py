"""python manage.py matches report: precision per threshold from reviewers' match decisions."""

from django.core.management.base import BaseCommand

from claims import selectors


class Command(BaseCommand):
    help = "Precision of suggested matches per score threshold, from reviewers' confirmations and rejections."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["report"])

    def handle(self, *args, **opts):
        rows = selectors.match_precision_by_threshold()
        self.stdout.write(f"| {'threshold':>9} | {'decided':>7} | {'confirmed':>9} | {'precision':>9} |")
        self.stdout.write(f"|{'-' * 10}:|{'-' * 8}:|{'-' * 10}:|{'-' * 10}:|")
        for r in rows:
            precision = f"{r['precision']:.3f}" if r["precision"] is not None else "—"
            self.stdout.write(f"| {r['threshold']:>9.2f} | {r['decided']:>7} | {r['confirmed']:>9} | {precision:>9} |")
