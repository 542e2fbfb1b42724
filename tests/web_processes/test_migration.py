"""Migrating running instances from the web pages: the dry run shows what moves and what conflicts, the
node mapping resolves a renamed step, only a POST applies, the history stays and the operation log says
who migrated; bad input names its field and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from potok.processes.models import HistoryEntry, OperationLog, ProcessInstance, Task
from potok.processes.services.definitions import process_publish_file
from tests.web_processes.bpmn import review_process

pytestmark = pytest.mark.django_db


def publish_renamed(key: str = "approval") -> None:
    """A new version whose waiting step got another element id: «review» became «check»."""
    data = review_process(key, task_name="Check").replace(b'"review"', b'"check"')
    process_publish_file(actor=None, data=data, source_name=f"{key}.bpmn")


def in_english(client: Any) -> Any:
    """The assertions read the English texts, whatever the default language of the installation."""
    client.cookies["django_language"] = "en"
    return client


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in response.context["messages"]]


def test_an_instance_is_migrated_after_its_dry_run_with_a_node_mapped(client_as, started, person) -> None:  # type: ignore[no-untyped-def]
    # given an instance waiting at «review» in v1, and a v2 where that step is called «check»
    instance = started("approval")
    history_before = HistoryEntry.objects.filter(instance=instance).count()
    publish_renamed()
    admin = in_english(client_as("admin"))
    url = f"/processes/instances/{instance.pk}/migrate/"
    assert 'href="' + url + '"' in admin.get(f"/processes/instances/{instance.pk}/").content.decode()

    # when the administrator asks for the dry run with the same element ids
    dry = admin.get(url, {"version": 2})
    # then it names the conflict and offers the mapping of «review»; nothing has changed
    preview = dry.context["preview"]
    assert [conflict["node_id"] for conflict in preview.conflicts] == ["review"]
    assert "no step «review»" in preview.conflicts[0]["message"]
    # and in the reader's language
    admin.cookies["django_language"] = "ru"
    russian = admin.get(url, {"version": 2}).context["preview"]
    admin.cookies["django_language"] = "en"
    assert "в новой версии нет шага «review»" in russian.conflicts[0]["message"]
    assert [row.node_id for row in preview.rows] == ["review"] and preview.rows[0].target == ""
    assert 'data-testid="migrate-apply" disabled' in dry.content.decode()
    assert ProcessInstance.objects.get(pk=instance.pk).version.number == 1

    # when he maps «review» to «check», the dry run shows the task and its token moving there
    mapped = admin.get(url, {"version": 2, "map_review": "check"}).context["preview"]
    assert mapped.conflicts == [] and mapped.possible == 1
    assert {(move["from_id"], move["to_id"]) for move in mapped.moves} == {("review", "check")}
    assert {str(move["row"]) for move in mapped.moves} >= {"task", "token"}

    # and applies it: the instance is on v2 waiting at «check», its history kept, the migration logged
    applied = admin.post(url, {"version": 2, "map_review": "check"}, follow=True)
    assert applied.redirect_chain[-1][0] == f"/processes/instances/{instance.pk}/"
    assert any("v2" in text for text in messages_of(applied))
    instance.refresh_from_db()
    assert instance.version.number == 2
    assert applied.context["diagram"]["state"]["active"] == ["check"]
    assert list(Task.objects.filter(instance=instance, state="open").values_list("node_id", flat=True)) == [
        "check"
    ]
    assert HistoryEntry.objects.filter(instance=instance).count() == history_before
    log = OperationLog.objects.get(instance=instance, operation="migrate")
    assert log.actor == person("admin") and log.details["mapping"] == {"review": "check"}
    operations = [row for row in applied.context["timeline"] if row["operation"]]
    assert len(operations) == 1 and "approval:2" in operations[0]["outcome"]


def test_the_task_of_a_migrated_instance_is_at_the_mapped_step_and_can_be_completed(  # type: ignore[no-untyped-def]
    client_as, started
) -> None:
    from potok.processes.services.instances import task_complete_in_engine

    instance = started("approval")
    publish_renamed()
    client_as("admin").post(
        f"/processes/instances/{instance.pk}/migrate/", {"version": 2, "map_review": "check"}
    )
    task = Task.objects.get(instance=instance, state="open")
    assert task.node_id == "check"
    task_complete_in_engine(actor=None, task_id=task.pk)
    assert ProcessInstance.objects.get(pk=instance.pk).state == "completed"


def test_a_migration_with_conflicts_or_a_wrong_version_changes_nothing(client_as, started) -> None:  # type: ignore[no-untyped-def]
    instance = started("approval")
    publish_renamed()
    admin = in_english(client_as("admin"))
    url = f"/processes/instances/{instance.pk}/migrate/"

    conflicted = admin.post(url, {"version": 2}, follow=True)
    assert any("conflicts" in text for text in messages_of(conflicted))
    unknown = admin.post(url, {"version": 7}, follow=True)
    assert any("Target version" in text and "v7" in text for text in messages_of(unknown))
    same = admin.get(url, {"version": 1})
    assert "Target version" in same.context["preview"].error
    garbage = admin.get(url, {"version": "two"})
    assert "Target version" in garbage.context["preview"].error
    # a mapping to a node the new version does not have is ignored, so the conflict stays
    wrong_map = admin.get(url, {"version": 2, "map_review": "nowhere"}).context["preview"]
    assert [conflict["node_id"] for conflict in wrong_map.conflicts] == ["review"]

    instance.refresh_from_db()
    assert instance.version.number == 1 and not OperationLog.objects.filter(operation="migrate").exists()


def test_every_running_instance_of_a_version_is_migrated_from_the_definition_page(  # type: ignore[no-untyped-def]
    client_as, started, published
) -> None:
    # given two instances on v1 and a v2 with the same element ids
    first, second = started("approval"), started("approval")
    published("approval", task_name="Review v2")
    admin = in_english(client_as("admin"))
    definition = admin.get("/processes/definitions/approval/").content.decode()
    assert "/processes/definitions/approval/migrate/?from=1" in definition

    # the dry run counts both as possible, each task and token moving from «review» to «review»
    url = "/processes/definitions/approval/migrate/"
    dry = admin.get(url, {"from": 1, "version": 2})
    preview = dry.context["preview"]
    assert preview.instances == 2 and preview.possible == 2 and preview.conflicts == []
    assert {(move["from_id"], move["to_id"], move["count"]) for move in preview.moves} >= {
        ("review", "review", 2)
    }
    assert ProcessInstance.objects.filter(version__number=2).count() == 0

    applied = admin.post(url, {"from": 1, "version": 2}, follow=True)
    assert applied.redirect_chain[-1][0] == "/processes/definitions/approval/"
    assert any("2" in text for text in messages_of(applied))
    assert set(ProcessInstance.objects.filter(version__number=2).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert OperationLog.objects.filter(operation="migrate").count() == 2

    wrong = admin.post(url, {"from": 9, "version": 2}, follow=True)
    assert any("Version to migrate from" in text for text in messages_of(wrong))


def test_only_administrators_migrate(client_as, started) -> None:  # type: ignore[no-untyped-def]
    instance = started("approval")
    publish_renamed()
    for username in ("director", "reception"):
        client = client_as(username)
        assert client.get(f"/processes/instances/{instance.pk}/migrate/").status_code in (403, 404)
        assert client.post(f"/processes/instances/{instance.pk}/migrate/", {"version": 2}).status_code in (
            403,
            404,
        )
        assert (
            client.post("/processes/definitions/approval/migrate/", {"from": 1, "version": 2}).status_code
            == 403
        )
    instance.refresh_from_db()
    assert instance.version.number == 1
