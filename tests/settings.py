"""Settings for the test suite: the product's settings, with a throwaway data directory."""

import os
import tempfile

os.environ.setdefault("POTOK_DEBUG", "1")
os.environ.setdefault("POTOK_DATA_DIR", os.path.join(tempfile.gettempdir(), "potok-tests"))
os.environ.setdefault("POTOK_LANGUAGE", "ru")

from potok.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests only
