"""The definition page: administrators choose the record types a process may be started from by hand; a
role with the right to view processes (the demo's director) reads the monitor but operates nothing."""

from __future__ import annotations

import pytest

from potok.automation.services.manual import startable_processes
from potok.processes.models import ProcessDefinition

pytestmark = pytest.mark.django_db


def test_an_administrator_chooses_the_record_types_of_the_manual_start(client_as, published) -> None:  # type: ignore[no-untyped-def]
    published("approval")
    admin = client_as("admin")
    page = admin.get("/processes/definitions/approval/").content.decode()
    assert 'data-testid="manual-start"' in page and 'value="document.complaint"' in page

    saved = admin.post(
        "/processes/definitions/approval/manual-start/",
        {"entity_types": ["counterparty", "document.complaint"]},
        follow=True,
    )
    assert saved.status_code == 200
    assert ProcessDefinition.objects.get(key="approval").manual_start_entity_types == [
        "counterparty",
        "document.complaint",
    ]
    assert "approval" in [d.key for d in startable_processes("counterparty")]
    assert 'value="counterparty" id="manual-' in saved.content.decode()

    # an unknown type is refused, naming it, and nothing changes
    refused = admin.post(
        "/processes/definitions/approval/manual-start/",
        {"entity_types": ["counterparty", "spaceship"]},
        follow=True,
    )
    assert any("spaceship" in str(message) for message in refused.context["messages"])
    assert ProcessDefinition.objects.get(key="approval").manual_start_entity_types == [
        "counterparty",
        "document.complaint",
    ]

    # clearing every box: started by hand from nothing
    admin.post("/processes/definitions/approval/manual-start/", {})
    assert ProcessDefinition.objects.get(key="approval").manual_start_entity_types == []


def test_the_director_reads_the_monitor_but_operates_nothing(client_as, started) -> None:  # type: ignore[no-untyped-def]
    instance = started("approval")
    director = client_as("director")
    assert 'href="/processes/"' in director.get("/").content.decode()
    for url in (
        "/processes/",
        "/processes/instances/",
        "/processes/definitions/approval/",
        "/processes/definitions/approval/v1/heatmap/",
        f"/processes/instances/{instance.pk}/",
    ):
        assert director.get(url).status_code == 200, url
    definition = director.get("/processes/definitions/approval/").content.decode()
    assert 'data-testid="manual-start"' not in definition and "/process-designer/" not in definition
    page = director.get(f"/processes/instances/{instance.pk}/").content.decode()
    assert 'data-testid="op-suspend"' not in page and 'data-testid="op-migrate"' not in page
    assert director.get("/process-designer/").status_code == 403
    assert director.post(f"/processes/instances/{instance.pk}/suspend/").status_code == 403
    assert (
        director.post("/processes/definitions/approval/manual-start/", {"entity_types": ["*"]}).status_code
        == 403
    )
    assert ProcessDefinition.objects.get(key="approval").manual_start_entity_types == []
    instance.refresh_from_db()
    assert instance.state == "running"
