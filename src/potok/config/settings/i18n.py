from django.utils.translation import gettext_lazy as _

from potok.config.env import read_language, read_time_zone

from .base import ENV, PACKAGE_DIR

LANGUAGE_CODE = read_language(ENV)
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = read_time_zone(ENV)
