from .base import ENV

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.get("POTOK_LOG_LEVEL", "WARNING")},
    "loggers": {"potok": {"level": ENV.get("POTOK_LOG_LEVEL", "INFO"), "propagate": True}},
}
