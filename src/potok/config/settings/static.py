from .base import DATA_DIR, ENV

STATIC_URL = "/static/"
# Set only where collectstatic is run (a reverse proxy serving /static/); WhiteNoise needs none.
STATIC_ROOT = ENV.get("POTOK_STATIC_ROOT") or None
MEDIA_URL = "/media/"
MEDIA_ROOT = ENV.get("POTOK_MEDIA_ROOT") or str(DATA_DIR / "media")
# Static files are served from the installed packages by WhiteNoise; no collectstatic step is needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
