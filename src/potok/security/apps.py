from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "potok.security"
    label = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        from potok.core import periodic
        from potok.security import login_events
        from potok.security.services import security_sweep

        login_events.connect()
        periodic.register("security.sweep", security_sweep, every=600.0)
