"""python manage.py report [--from DATE] [--to DATE] [--article ID ...] -o FILE.pdf|FILE.html"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import permissions, reports
from claims.errors import ClaimdeskError


class Command(BaseCommand):
    help = ("The verdict report as PDF or HTML (by the output's extension): articles published from/to a date "
            "(inclusive; by ingest day when unknown) and/or given articles.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (inclusive)")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (inclusive)")
        parser.add_argument("--article", action="append", default=[], metavar="ID",
                            help="only this article's claims (repeatable, or ids separated by commas)")
        parser.add_argument("--reviewed", action="store_true", help="only claims with a verdict")
        parser.add_argument("-o", "--output", required=True, help="FILE.pdf or FILE.html")
        parser.add_argument("--as-user", help="report on behalf of this user: refused unless they may export (editors)")

    def handle(self, *args, **opts):
        output = Path(opts["output"])
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in ("pdf", "html"):
            raise CommandError(f"the output must end in .pdf or .html, got {output.name!r}")
        try:
            # Without --as-user the server operator reports, as with export.
            user = permissions.check_username(opts["as_user"], permissions.EXPORT) if opts["as_user"] else None
            built = reports.report_build(user=user, date_from=opts["date_from"], date_to=opts["date_to"],
                                         article_ids=reports.parse_article_ids(opts["article"]),
                                         reviewed_only=opts["reviewed"])
        except ClaimdeskError as exc:
            raise CommandError(exc.message) from None
        if fmt == "pdf":
            output.write_bytes(reports.report_pdf(built))
        else:
            output.write_text(reports.report_html(built), encoding="utf-8")
        self.stderr.write(f"wrote {output}: {built.total} claim{'s' if built.total != 1 else ''}")
