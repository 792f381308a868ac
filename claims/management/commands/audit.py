"""python manage.py audit verify: check the audit trail's hash chain."""

from django.core.management.base import BaseCommand, CommandError

from claims.audit import audit_verify


class Command(BaseCommand):
    help = "Audit trail tools. 'verify' walks the hash chain and names the first broken record."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **opts):
        result = audit_verify()
        if result.broken is not None:
            raise CommandError(
                f"audit trail broken at record #{result.broken.pk} ({result.broken.action}, "
                f"{result.broken.at:%Y-%m-%d %H:%M:%S}): {result.reason}; {result.checked} record(s) before it are intact"
            )
        self.stdout.write(f"audit trail intact: {result.checked} record(s) checked")
