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

        from potok.processes.actions import register_builtin_actions

        register_builtin_actions()

        from potok.processes.alerts import on_engine_changes
        from potok.processes.store import register_apply_hook

        register_apply_hook(on_engine_changes)

        from potok.access import registry
        from potok.processes.models import ProcessInstance

        registry.register(
            registry.EntityType(
                code="process_instance",
                label=_("Process instances"),
                model=ProcessInstance,
                owner_fields=("started_by",),
                listed=False,
            )
        )
