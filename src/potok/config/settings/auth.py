"""Logging in and staying logged in: password hashing is in security.py; here login throttling
(django-axes), the second factor (django-otp), session timeouts, the API's failed-token throttle and the
Content Security Policy. Every number can be changed from the environment; docs/security.md lists them.
"""

from datetime import timedelta

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from potok.config.env import read_bool

from .base import DEBUG, ENV


def _read_positive_int(name: str, default: int) -> int:
    raw = ENV.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a positive whole number.")
    return value


EMBEDDED = read_bool(ENV, "POTOK_EMBEDDED", default=False)

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username+address is refused before its password is even checked.
    "potok.security.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# -- login throttling (django-axes): N failures for one login from one address lock that pair out --
AXES_FAILURE_LIMIT = _read_positive_int("POTOK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_read_positive_int("POTOK_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "potok.web.views.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "potok.security.network.client_ip"
# Successful logins and logouts are in Potok's audit trail; Axes keeps only the failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# -- the second factor (django-otp, TOTP) --
OTP_TOTP_ISSUER = ENV.get("POTOK_TOTP_ISSUER", "Potok")
# Administrators must use a second factor in production; the demo and development stay one-click.
POTOK_REQUIRE_2FA_FOR_ADMINS = read_bool(
    ENV, "POTOK_REQUIRE_2FA_FOR_ADMINS", default=not DEBUG and not EMBEDDED
)

# -- sessions: an idle and an absolute limit, checked on every request --
POTOK_SESSION_IDLE_MINUTES = _read_positive_int("POTOK_SESSION_IDLE_MINUTES", 30)
POTOK_SESSION_MAX_HOURS = _read_positive_int("POTOK_SESSION_MAX_HOURS", 12)
# How long a re-entered password (and code) lets a person change his e-mail or second factor.
POTOK_REAUTHENTICATION_MINUTES = _read_positive_int("POTOK_REAUTHENTICATION_MINUTES", 10)

# -- the REST API: failed bearer tokens from one address are throttled --
POTOK_API_AUTH_FAILURE_LIMIT = _read_positive_int("POTOK_API_AUTH_FAILURE_LIMIT", 20)
POTOK_API_AUTH_COOLOFF_MINUTES = _read_positive_int("POTOK_API_AUTH_COOLOFF_MINUTES", 15)

# -- request size: bigger bodies are refused before they are read --
POTOK_MAX_REQUEST_MB = _read_positive_int("POTOK_MAX_REQUEST_MB", 50)
# Behind a reverse proxy the client's address is the last X-Forwarded-For entry it appended.
POTOK_PROXY_COUNT = (
    _read_positive_int("POTOK_PROXY_COUNT", 1)
    if ENV.get("POTOK_PROXY_COUNT") or read_bool(ENV, "POTOK_BEHIND_PROXY", default=False)
    else 0
)

# -- headers: Content Security Policy (django-csp) and the features the pages may use --
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # bpmn-js, Chart.js and htmx set style attributes on the elements they draw.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The browser may keep the cookie no longer than a session may last.
SESSION_COOKIE_AGE = POTOK_SESSION_MAX_HOURS * 60 * 60
