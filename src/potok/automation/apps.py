from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "potok.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from potok.automation import wiring

        wiring.connect()
