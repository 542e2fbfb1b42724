from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from potok.sales.reference_data import UNITS, VAT_RATES

    Unit = apps.get_model("sales", "Unit")
    VatRate = apps.get_model("sales", "VatRate")
    for code, name, symbol in UNITS:
        Unit.objects.update_or_create(code=code, defaults={"name": name, "symbol": symbol})
    for code, name, percent, exempt, active, sort in VAT_RATES:
        VatRate.objects.update_or_create(
            code=code, defaults={"name": name, "percent": percent, "exempt": exempt, "is_active": active, "sort": sort}
        )


def unload(apps: Any, schema_editor: Any) -> None:
    from potok.sales.reference_data import UNITS, VAT_RATES

    apps.get_model("sales", "Unit").objects.filter(code__in=[row[0] for row in UNITS]).delete()
    apps.get_model("sales", "VatRate").objects.filter(code__in=[row[0] for row in VAT_RATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
