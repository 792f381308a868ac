"""python manage.py export --format csv|json|claimreview [--article ID] [-o FILE]"""

import sys

from django.core.management.base import BaseCommand, CommandError

from claims import exports, permissions
from claims.errors import ClaimdeskError


class Command(BaseCommand):
    help = "Export claims with their verdicts and matches (json, csv, or schema.org claimreview)."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=exports.FORMATS)
        parser.add_argument("--article", help="only this article's claims")
        parser.add_argument("-o", "--output", help="write to this file (default: standard output)")
        parser.add_argument("--as-user", help="export on behalf of this user: refused unless they may export (editors)")

    def handle(self, *args, **opts):
        try:
            # Without --as-user the server operator exports, as before.
            user = permissions.check_username(opts["as_user"], permissions.EXPORT) if opts["as_user"] else None
            chunks = exports.export_stream(opts["format"], user=user, article_id=opts["article"],
                                           on_refused=self._refused)
        except ClaimdeskError as exc:
            raise CommandError(exc.message) from None
        if opts["output"]:
            with open(opts["output"], "w", encoding="utf-8", newline="") as fh:
                fh.writelines(chunks)
            self.stderr.write(f"wrote {opts['output']}")
        else:
            sys.stdout.writelines(chunks)

    def _refused(self, claim_id, problems):
        self.stderr.write(f"claim {claim_id}: ClaimReview refused: {'; '.join(problems)}")
