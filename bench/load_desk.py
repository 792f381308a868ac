"""The desk's users for locust: what ``bench/load.py`` runs headless (it writes the plan this reads).

    LOAD_PLAN=var/bench/load-plan.json locust -f bench/load_desk.py --headless -u 50 -t 60s --host http://127.0.0.1:8000

Reviewers (four users in five) work their queue: their own list, filtered claim lists (now and then
the next cursor page), claim pages, a claim's audit trail, and a proposed verdict on one of their
claims. Editors (one in five) read lists, claim pages, the audit export and approve the verdicts
the reviewers proposed (each one once: a queue shared by the users of this process). Every user
waits 0.5 to 2 s between requests, as a person at a desk does. Every request's time and outcome go
to ``samples`` in the plan's output file when locust quits; ``bench/load.py`` makes the table.
"""

import itertools
import json
import os
import random
from collections import defaultdict
from urllib.parse import urlsplit

from gevent.queue import Empty, Queue
from locust import FastHttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read()) if os.environ.get("LOAD_PLAN") else None
SAMPLES: dict[str, list[float]] = defaultdict(list)
ERRORS: dict[str, int] = defaultdict(int)
ERROR_EXAMPLES: list[str] = []
PROPOSED: Queue = Queue()  # claims the reviewers proposed, for the editors to approve
LIST_FILTERS = (
    "verdict=disputed",
    "state=published&ordering=-checkworthiness",
    "checkworthiness_min=0.9",
    "attribution=reported&verdict=verified",
    "state=in_review&ordering=-checkworthiness",
    "overdue=true",
    "ordering=-id",
)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    SAMPLES[name].append(response_time)
    if exception is not None:
        ERRORS[name] += 1
        if len(ERROR_EXAMPLES) < 20:
            ERROR_EXAMPLES.append(f"{name}: {exception!r}"[:300])


@events.quitting.add_listener
def _dump(environment, **kwargs):
    if PLAN and PLAN.get("samples"):
        with open(PLAN["samples"], "w") as out:
            json.dump({"samples": SAMPLES, "errors": ERRORS, "examples": ERROR_EXAMPLES}, out)


class DeskUser(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    accounts = None

    def on_start(self):
        self.account = next(self.accounts)
        # As the TLS proxy in front of gunicorn sets it (CLAIMDESK_PROXY_SSL_HEADER): no redirect to https.
        self.headers = {"Authorization": f"Token {self.account['token']}", "X-Forwarded-Proto": "https"}

    def get(self, path, name, read=False):
        """GET; with ``read``, the decoded body (the client's CPU is the server's on this machine)."""
        with self.client.get(path, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:120]}")
                return None
            return response.json() if read else None

    def post(self, path, body, name, expect=200):
        with self.client.post(path, json=body, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code} {response.text[:120]}")

    @task(4)
    def claim_list(self):
        page = self.get(f"/api/claims/?{random.choice(LIST_FILTERS)}", "claims: filtered list", read=True)
        if page and page.get("next") and random.random() < 0.3:
            url = urlsplit(page["next"])
            self.get(f"{url.path}?{url.query}", "claims: next page")

    @task(4)
    def claim_page(self):
        self.get(f"/api/claims/{random.randint(PLAN['first_claim'], PLAN['last_claim'])}/", "claim page")

    @task(2)
    def claim_audit(self):
        self.get(f"/api/claims/{random.choice(PLAN['history'])}/audit/", "claim audit")


class Reviewer(DeskUser):
    weight = 4
    accounts = itertools.cycle(PLAN["reviewers"]) if PLAN else None

    def on_start(self):
        super().on_start()
        self.todo = list(self.account["claims"])

    @task(3)
    def my_queue(self):
        self.get("/api/claims/?assignee=me", "claims: my queue")

    @task(1)
    def propose(self):
        if not self.todo:
            return
        claim = self.todo.pop()
        self.post(f"/api/claims/{claim}/propose/", {
            "verdict": random.choice(["verified", "disputed", "unattributed"]),
            "rationale": "Checked against the council minutes of 3 March.",
            "evidence": [{"url": f"https://example.org/minutes/{claim}", "title": "Council minutes"}],
        }, "propose verdict")
        PROPOSED.put(claim)


class Editor(DeskUser):
    weight = 1
    accounts = itertools.cycle(PLAN["editors"]) if PLAN else None

    @task(2)
    def audit_export(self):
        if random.random() < 0.5:
            self.get(f"/api/audit/?claim={random.choice(PLAN['history'])}", "audit export")
        else:
            self.get(f"/api/audit/?user={random.choice(PLAN['reviewers'])['username']}", "audit export")

    @task(2)
    def approve(self):
        try:
            claim = PROPOSED.get_nowait()
        except Empty:
            return
        self.post(f"/api/claims/{claim}/approve/", {"comment": ""}, "approve verdict")
