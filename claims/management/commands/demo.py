"""python manage.py demo: a demo editor account and the project's own demo articles."""

import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from claims import services
from claims.audit import audit_door

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Create (or reset) the demo editor account and queue the demo articles written for Claimdesk."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD"))
        parser.add_argument("--sync", action="store_true", help="process the articles in this process")

    def handle(self, *args, **opts):
        User = get_user_model()
        password = opts["password"] or secrets.token_urlsafe(9)
        user, created = User.objects.get_or_create(username=opts["username"], defaults={"email": "editor@example.org"})
        user.is_staff = True
        user.is_superuser = True
        user.set_password(password)
        user.save()
        with audit_door("command"):
            for path in sorted(DEMO_DIR.glob("*.txt")):
                result = services.article_ingest(
                    body=path.read_text(encoding="utf-8"), source="Claimdesk demo", user=user, queue=not opts["sync"]
                )
                if result.created and opts["sync"]:
                    services.article_process_sync(article_id=result.article.pk)
                state = "already there" if result.duplicate else result.article.status
                self.stdout.write(f"demo article #{result.article.pk}: {result.article.title} ({state})")
        self.stdout.write(self.style.SUCCESS(
            f"\nDemo editor account: username '{user.username}', password '{password}'"
        ))
