from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "potok.clients"
    label = "clients"
    verbose_name = _("Client base")

    def ready(self) -> None:
        from potok.clients import entities

        entities.register()
