"""The project's settings, with the embedded default's files (secret key, SQLite, filesystem broker)
in a temporary folder, so nothing a test queues reaches the worker of `make run`."""

import os
import tempfile

os.environ.setdefault("CLAIMDESK_VAR_DIR", tempfile.mkdtemp(prefix="claimdesk-tests-"))

from factcheck.settings import *  # noqa: E402,F403

CLAIMDESK_PUBLIC_CLAIM_URL = "https://factcheck.example.org/claims/{id}/"
