from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "potok.calendars"
    label = "calendars"
    verbose_name = _("Business calendars")

    def ready(self) -> None:
        from potok.access import registry
        from potok.calendars.models import Calendar

        # Access rules speak of calendars: who may see them (everyone, usually) and who may change them.
        registry.register(
            registry.EntityType(
                code="business_calendar", label=_("Business calendars"), model=Calendar, listed=False
            )
        )
