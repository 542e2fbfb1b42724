from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "potok.imports"
    label = "imports"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from potok.imports import registry
        from potok.imports.entities.contacts import ContactImporter
        from potok.imports.entities.counterparties import CounterpartyImporter

        registry.register(CounterpartyImporter())
        registry.register(ContactImporter())
