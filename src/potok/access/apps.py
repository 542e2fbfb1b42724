from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "potok.access"
    label = "access"
    verbose_name = _("Access rights")

    def ready(self) -> None:
        from potok.access import builtin_entities

        builtin_entities.register()
