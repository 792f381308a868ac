"""python manage.py demo: demo desk accounts and the project's own demo articles."""

import os
import secrets
from pathlib import Path

from django.core.management.base import BaseCommand

from claims import articles
from claims.audit import audit_door
from claims.roles import demo_user_ensure, ensure_roles

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
ACCOUNTS = [("editor", "editor"), ("editor2", "editor"), ("reviewer", "reviewer"), ("viewer", "viewer")]
# Each demo article's publication date, fixed: the week the stories tell (the bridge closed on a
# Tuesday, the opposition answered on the Thursday), so the README's March 2026 report finds them
# whenever the demo is loaded, and the report's "earlier"/"later" matches read the same every time.
PUBLISHED = {
    "01_harbour_bridge.txt": "2026-03-03",
    "02_bridge_followup.txt": "2026-03-04",
    "03_bridge_dispute.txt": "2026-03-05",
}


class Command(BaseCommand):
    help = ("Create (or reset) the demo accounts — editor, editor2 (a second editor for second reviews), "
            "reviewer, viewer — and queue the demo articles written for Claimdesk.")

    def add_arguments(self, parser):
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD"),
                            help="password for all demo accounts (default: a new random one)")
        parser.add_argument("--sync", action="store_true", help="process the articles in this process")

    def handle(self, *args, **opts):
        ensure_roles()
        password = opts["password"] or secrets.token_urlsafe(9)
        users = {username: demo_user_ensure(username=username, role=role, password=password)
                 for username, role in ACCOUNTS}
        with audit_door("command"):
            for path in sorted(DEMO_DIR.glob("*.txt")):
                result = articles.article_ingest(
                    body=path.read_text(encoding="utf-8"), source="Claimdesk demo", user=users["editor"],
                    published=PUBLISHED.get(path.name), queue=not opts["sync"],
                )
                if result.created and opts["sync"]:
                    articles.article_process_sync(article_id=result.article.pk)
                result.article.refresh_from_db()
                state = "already there" if result.duplicate else result.article.status
                self.stdout.write(f"demo article #{result.article.pk}: {result.article.title}, "
                                  f"published {result.article.published or 'undated'} ({state})")
        self.stdout.write(self.style.SUCCESS(
            f"\nDemo editor account: username 'editor', password '{password}'\n"
            f"Same password for 'editor2' (second editor), 'reviewer' and 'viewer'."
        ))
