"""Reading what a stored task needs: its node's spec from the instance's (immutable) process version, and
the process data its expressions are evaluated on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from potok.engine.expressions import EvaluationContext
from potok.engine.model.nodes import Node
from potok.engine.model.process import ProcessDefinition
from potok.processes.definitions import parse_version
from potok.processes.models import ProcessInstance, ProcessVersion, Task
from potok.tasks import data as process_data
from potok.tasks.spec import EMPTY_SPEC, TaskSpec, task_spec


def process_of(instance: ProcessInstance) -> ProcessDefinition:
    version = ProcessVersion.objects.select_related("definition").get(pk=instance.version_id)
    return parse_version(version)


def node_of(task: Task) -> Node | None:
    return process_of(task.instance).nodes.get(task.node_id)


def spec_of(task: Task) -> TaskSpec:
    node = node_of(task)
    return task_spec(node) if node is not None else EMPTY_SPEC


def process_facts(instance: ProcessInstance) -> dict[str, Any]:
    """`process` in expressions: the instance's id, process key, business key and initiator's login."""
    return {
        "id": instance.pk,
        "key": instance.process_id,
        "business_key": instance.business_key,
        "initiator": instance.started_by.username if instance.started_by_id and instance.started_by else None,
        "started_at": instance.started_at,
    }


@dataclass
class TaskData:
    data: Mapping[str, Any]
    context: EvaluationContext
    record: process_data.RecordRef | None


def task_data(task: Task) -> TaskData:
    """The process data the task's expressions see now (variables as its execution sees them)."""
    instance = task.instance
    record = process_data.record_of_instance(instance)
    variables = process_data.instance_variables(instance, task.execution_id)
    data = process_data.process_data(variables, record=record, process=process_facts(instance))
    return TaskData(data=data, context=process_data.evaluation_context(), record=record)
