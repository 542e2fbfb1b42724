"""Settings for the test suite: the product's settings, with a throwaway data directory per test run."""

import os
import tempfile

os.environ.setdefault("POTOK_DEBUG", "1")
os.environ.setdefault("POTOK_DATA_DIR", tempfile.mkdtemp(prefix="potok-tests-"))
os.environ.setdefault("POTOK_LANGUAGE", "ru")

from potok.config.settings import *  # noqa: F403
from potok.config.settings import DATA_DIR, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests only

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (not memory) so that live servers, threads and subprocesses share it; one per test run so
    # that concurrent runs never meet.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-potok.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
