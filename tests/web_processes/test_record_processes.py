"""A record's page lists its processes with their current step, for those who may see them."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def render_for(user, entity_type: str, record_id: int) -> str:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "web/processes/_record_processes.html",
        {"entity_type": entity_type, "record_id": record_id},
        request=request,
    )


def test_the_processes_of_a_record_with_their_current_step(started, person) -> None:
    running = started("approval", entity_type="counterparty", record_id=7)
    started("approval", entity_type="counterparty", record_id=8)
    html = render_for(person("admin"), "counterparty", 7)
    assert f'data-instance="{running.pk}"' in html
    assert "Review" in html and f"/processes/instances/{running.pk}/" in html
    assert html.count("data-instance=") == 1
    # someone who may not see the instance sees none of it
    assert running.pk not in render_for(person("reception"), "counterparty", 7)


def test_the_counterparty_page_includes_its_processes(client_as, started) -> None:
    from potok.clients.models import Counterparty

    counterparty = Counterparty.objects.filter(deleted_at__isnull=True).first()
    instance = started("approval", entity_type="counterparty", record_id=counterparty.pk)
    page = client_as("admin").get(f"/counterparties/{counterparty.pk}/")
    assert page.status_code == 200
    assert 'data-testid="record-processes"' in page.content.decode()
    assert instance.pk in page.content.decode()


def test_the_diagram_of_a_record_process_is_served_to_those_who_may_see_it(client_as, started) -> None:
    instance = started("approval", entity_type="counterparty", record_id=7)
    body = client_as("admin").get(f"/processes/instances/{instance.pk}/diagram/").json()
    assert body["state"]["active"] == ["review"] and "BPMNShape" in body["xml"]
    assert client_as("reception").get(f"/processes/instances/{instance.pk}/diagram/").status_code == 404
