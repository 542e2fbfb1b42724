from django.utils.translation import gettext_lazy as _

from potok.access import registry


def register() -> None:
    from potok.accounts.models import Department, User

    registry.register(
        registry.EntityType(
            code="user",
            label=_("Users"),
            model=User,
            owner_fields=("id",),
            department_field="department",
            listed=False,
        )
    )
    registry.register(
        registry.EntityType(code="department", label=_("Departments"), model=Department, listed=False)
    )
