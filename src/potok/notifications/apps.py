from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "potok.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from potok.core import periodic
        from potok.notifications import kinds

        kinds.register_builtin()
        # Every worker sweeps on its own schedule as well, so deliveries left by a crash right after a
        # commit are found even when no new notification starts the sweeper chain.
        periodic.register("notifications.sweep", sweep_once, every=5.0)


def sweep_once() -> int:
    from potok.notifications.services.sweeping import sweep

    sweep()
    # A safety net on a fixed schedule: it never asks the worker to run it again at once.
    return 0
