from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "potok.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from potok.core import periodic
        from potok.processes.store import register_apply_hook
        from potok.tasks.hooks import on_engine_changes
        from potok.tasks.notices import register_kinds
        from potok.tasks.services.escalation import fire_due_timers

        register_kinds()
        # Inside the engine's transaction: new tasks are addressed, closed ones tidied, atomically.
        register_apply_hook(on_engine_changes)
        # Publishing refuses a process whose task declarations cannot be used, naming the element.
        from potok.processes.services.definitions import PUBLISH_CHECKS
        from potok.tasks.spec import spec_problems

        if spec_problems not in PUBLISH_CHECKS:
            PUBLISH_CHECKS.append(spec_problems)
        periodic.register("tasks.fire_due_timers", fire_due_timers, every=1.0)
