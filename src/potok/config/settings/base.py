from pathlib import Path

from potok.config.env import environment, read_bool, read_data_dir

ENV = environment()
PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = read_data_dir(ENV)
DEBUG = read_bool(ENV, "POTOK_DEBUG", default=False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "potok.core",
    "potok.accounts",
    "potok.access",
    "potok.audit",
    "potok.calendars",
    "potok.notifications",
    "potok.clients",
    "potok.documents",
    "potok.imports",
    "potok.sales",
    "potok.processes",
    "potok.automation",
    "potok.tasks",
    "potok.security",
    "potok.privacy",
    "potok.web",
    "potok.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "potok.security.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "potok.security.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "potok.web.middleware.UserTimeZoneMiddleware",
    "potok.web.middleware.ActingMiddleware",
    # Last, as django-axes asks: it turns a lockout noticed during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "potok.config.urls"
WSGI_APPLICATION = "potok.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "potok.web.context_processors.navigation",
            ],
        },
    }
]

EMAIL_BACKEND = ENV.get("POTOK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = ENV.get("POTOK_EMAIL_FROM", "potok@localhost")
