"""Everything a task's page (web or API) shows, read once for the user looking at it.

>>> detail = task_detail(user, task_for(user, task_id))
>>> detail.outcomes, detail.requirements, detail.record, detail.events, detail.may_complete
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language

from potok.access.models import Action
from potok.access.selectors import visible_records
from potok.core import clock
from potok.documents.models import FieldDefinition
from potok.processes.models import Task
from potok.tasks import forms, people, selectors
from potok.tasks.events import task_number
from potok.tasks.loading import spec_of, task_data
from potok.tasks.models import AddressingProblem, TaskAttachment, TaskComment, TaskEvent
from potok.tasks.requirements import RequirementState, requirement_states
from potok.tasks.spec import OutcomeSpec, TaskSpec
from potok.tasks.wording import DeadlineWords, deadline_words

PREVIEW_VALUES = 12


@dataclass
class RecordSummary:
    """The record behind the task: always its name; its values only for someone who may read it."""

    entity_type: str
    record_id: int
    label: str
    readable: bool
    document_type_code: str = ""
    values: list[Any] = field(default_factory=list)


@dataclass
class TaskDetail:
    task: Task
    number: int
    spec: TaskSpec
    fields: list[FieldDefinition]
    defaults: dict[str, Any]
    outcomes: list[OutcomeSpec]
    requirements: list[RequirementState]
    record: RecordSummary | None
    events: list[TaskEvent]
    comments: list[TaskComment]
    attachments: list[TaskAttachment]
    history: list[selectors.HistoryItem]
    problems: list[AddressingProblem]
    deadline: DeadlineWords
    may_complete: bool
    may_claim: bool
    may_unclaim: bool
    may_redirect: bool


def outcome_label(outcome: OutcomeSpec) -> str:
    return outcome.label_ru if (get_language() or "ru").startswith("ru") else outcome.label_en


def record_summary(user: Any, task: Task) -> RecordSummary | None:
    if not task.entity_type or task.record_id is None:
        return None
    from potok.documents.models import Document
    from potok.documents.selectors import field_definitions, shown_values

    try:
        readable = visible_records(user, task.entity_type, Action.READ).filter(pk=task.record_id).first()
    except KeyError:
        readable = None
    summary = RecordSummary(
        entity_type=task.entity_type, record_id=task.record_id, label=f"#{task.record_id}", readable=False
    )
    if readable is None:
        if task.entity_type.startswith("document."):
            number = Document.objects.filter(pk=task.record_id).values_list("number", flat=True).first()
            summary.label = number or summary.label
        return summary
    summary.readable = True
    summary.label = str(readable)
    if isinstance(readable, Document):
        summary.document_type_code = readable.document_type.code
        definitions = [d for d in field_definitions(readable.document_type) if not d.confidential]
        summary.values = shown_values(definitions, readable.data, include_empty=False)[:PREVIEW_VALUES]
    return summary


def task_detail(user: Any, task: Task) -> TaskDetail:
    spec = spec_of(task)
    loaded = task_data(task)
    is_open = task.state == "open"
    mine = is_open and task.assignee_id == user.pk
    return TaskDetail(
        task=task,
        number=task_number(task),
        spec=spec,
        fields=forms.form_definitions(spec),
        defaults=forms.defaults(spec, loaded.data, loaded.context) if mine else {},
        outcomes=list(spec.outcomes),
        requirements=requirement_states(task, spec, loaded) if is_open else [],
        record=record_summary(user, task),
        events=list(selectors.task_events(task)),
        comments=list(selectors.task_comments(task)),
        attachments=list(selectors.task_attachments(task)),
        history=selectors.process_history(task),
        problems=list(AddressingProblem.objects.filter(task=task, resolved_at__isnull=True)),
        deadline=deadline_words(task.due_at, now=clock.now(), zone=selectors.user_zone(user)),
        may_complete=mine,
        may_claim=is_open and task.assignee_id is None and people.may_claim(user, task),
        may_unclaim=mine and task.role_id is not None and task.claimed_at is not None,
        may_redirect=selectors.may_redirect(user, task),
    )
