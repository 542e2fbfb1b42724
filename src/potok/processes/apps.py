from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcessesConfig(AppConfig):
    name = "potok.processes"
    label = "processes"
    verbose_name = _("Processes")

    def ready(self) -> None:
        from potok.core import periodic
        from potok.processes.jobs import fire_due_jobs

        periodic.register("processes.fire_due_jobs", fire_due_jobs, every=0.5)
