from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "potok.privacy"
    label = "privacy"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        from potok.access import registry
        from potok.clients.models import Contact
        from potok.core import periodic
        from potok.privacy.retention import retention_purge

        # A right, not a record type: "export" of it lets a person export everything about a person,
        # "delete" lets him erase it. Administrators hold both.
        registry.register(
            registry.EntityType(
                code=PERSONAL_DATA,
                label=_("Personal data (export and erasure on request)"),
                model=Contact,
                listed=False,
            )
        )
        periodic.register("privacy.retention", retention_purge, every=3600.0)


PERSONAL_DATA = "personal_data"
