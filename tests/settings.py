"""The project's settings, with the embedded default's files (secret key, SQLite, filesystem broker)
in a temporary folder, so nothing a test queues reaches the worker of `make run`."""

import os
import tempfile

os.environ.setdefault("CLAIMDESK_VAR_DIR", tempfile.mkdtemp(prefix="claimdesk-tests-"))

from factcheck.settings import *  # noqa: E402,F403

CLAIMDESK_PUBLIC_CLAIM_URL = "https://factcheck.example.org/claims/{id}/"

# Django's own advice for test suites: a fast hasher for the passwords the factories set (PBKDF2's
# million rounds cost half a second a user on a CI core). The default hashers follow, so a
# password that a subprocess with the project's settings hashed still checks here.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
