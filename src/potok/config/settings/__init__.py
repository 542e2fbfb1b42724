"""Potok's settings, split by concern; every value that differs between installations comes from the
environment (see potok.config.env)."""

# The order matters: later modules read and override what earlier ones set (auth last).
from .base import *  # noqa: F403, I001
from .database import *  # noqa: F403
from .i18n import *  # noqa: F403
from .logging import *  # noqa: F403
from .security import *  # noqa: F403
from .static import *  # noqa: F403
from .tasks import *  # noqa: F403
from .retention import *  # noqa: F403
from .auth import *  # noqa: F403
