from django.core.exceptions import ImproperlyConfigured

from potok.config.env import read_bool

from .base import DATA_DIR, DEBUG, ENV

_secret = ENV.get("POTOK_SECRET_KEY", "").strip()
if not _secret:
    if not DEBUG and not read_bool(ENV, "POTOK_EMBEDDED", default=False):
        raise ImproperlyConfigured(
            "POTOK_SECRET_KEY is not set. Production mode needs a secret key of at least 50 random "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(64))'); "
            "for a local trial set POTOK_DEBUG=1 or run 'potok demo'."
        )
    # Development and the embedded demo: a key kept in the data directory, stable across restarts.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        _secret = _key_file.read_text().strip()
    else:
        import secrets

        _secret = secrets.token_urlsafe(64)
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(_secret)
        _key_file.chmod(0o600)
elif len(_secret) < 50 and not DEBUG:
    raise ImproperlyConfigured("POTOK_SECRET_KEY is shorter than 50 characters; use a long random value.")
SECRET_KEY = _secret

ALLOWED_HOSTS = [
    h.strip() for h in ENV.get("POTOK_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in ENV.get("POTOK_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

HTTPS = read_bool(
    ENV, "POTOK_HTTPS", default=not DEBUG and not read_bool(ENV, "POTOK_EMBEDDED", default=False)
)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and not read_bool(ENV, "POTOK_BEHIND_PROXY_REDIRECTS", default=False)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if read_bool(ENV, "POTOK_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_EXPIRE_AT_BROWSER_CLOSE = False

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
