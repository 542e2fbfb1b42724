"""An export holds the records the export right covers, not everything the list shows: a sales manager
reads every client (as every employee does) but exports only his own."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from potok.access.models import Action, Scope
from potok.access.selectors import user_access
from potok.clients.models import Counterparty

pytestmark = pytest.mark.django_db


def test_a_counterparty_export_holds_only_the_export_scope(client_as, api_as, person) -> None:  # type: ignore[no-untyped-def]
    sales1 = person("sales1")
    access = user_access(sales1)
    assert access.scope("counterparty", Action.READ) == Scope.ALL
    assert access.scope("counterparty", Action.EXPORT) == Scope.OWN
    own = set(
        Counterparty.objects.filter(responsible=sales1, deleted_at__isnull=True).values_list(
            "name", flat=True
        )
    )
    others = set(
        Counterparty.objects.filter(deleted_at__isnull=True)
        .exclude(responsible=sales1)
        .values_list("name", flat=True)
    )
    assert own and others - own

    for response in (
        client_as("sales1").get(reverse("web:counterparty_export")),
        api_as("sales1").get("/api/v1/counterparties/export", {"format": "csv"}),
    ):
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
        cells = {cell for row in rows for cell in row}
        assert len(rows) == Counterparty.objects.filter(responsible=sales1, deleted_at__isnull=True).count()
        assert own <= cells
        assert not (others - own) & cells
