"""API of tasks: the caller's inbox, one task with its form, outcomes, required objects and history,
claiming, completing, redirecting (one, or many after a preview), comments and files; absences and
substitutions.

A task the caller may not see is 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from potok.accounts.models import User
from potok.api.pagination import PageOut
from potok.core import clock
from potok.core.errors import ValidationFailed
from potok.tasks import selectors, services
from potok.tasks.details import outcome_label, task_detail
from potok.tasks.events import task_number
from potok.tasks.requirements import prefill_query
from potok.tasks.services.absences import absences_visible, substitutions_visible
from potok.tasks.wording import deadline_words

router = Router(tags=["tasks"])
UNSAFE_CONTENT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
)


class PersonOut(Schema):
    id: int
    username: str
    name: str


def person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.display_name}


class QueueOut(Schema):
    role: str
    role_name: str
    object_type: str
    object_id: str


class TaskOut(Schema):
    id: str
    number: int
    name: str
    process: str
    node: str
    state: str
    assignee: PersonOut | None
    addressed_to: PersonOut | None
    queue: QueueOut | None
    due_at: datetime | None
    deadline: str
    overdue: bool
    priority: int
    outcome: str
    entity_type: str
    record_id: int | None
    created_at: datetime
    completed_at: datetime | None


def task_out(request: HttpRequest, task: Any, number: int | None = None) -> dict[str, Any]:
    words = deadline_words(task.due_at, now=clock.now(), zone=selectors.user_zone(request.user))
    queue = None
    if task.role_id and task.assignee_id is None:
        queue = {
            "role": task.role.code,
            "role_name": task.role.name,
            "object_type": task.role_object_type,
            "object_id": task.role_object_id,
        }
    return {
        "id": task.pk,
        "number": number if number is not None else task_number(task),
        "name": task.name,
        "process": task.process_id,
        "node": task.node_id,
        "state": task.state,
        "assignee": person(task.assignee),
        "addressed_to": person(task.addressed_to),
        "queue": queue,
        "due_at": task.due_at,
        "deadline": words.text if task.state == "open" else "",
        "overdue": words.overdue and task.state == "open",
        "priority": task.priority,
        "outcome": task.outcome,
        "entity_type": task.entity_type,
        "record_id": task.record_id,
        "created_at": task.created_at,
        "completed_at": task.completed_at,
    }


def _numbers(tasks: list[Any]) -> dict[str, int]:
    from potok.tasks.models import TaskEvent, TaskEventKind

    rows = TaskEvent.objects.filter(task__in=tasks, kind=TaskEventKind.CREATED).values_list("task_id", "id")
    found: dict[str, int] = {}
    for task_id, event_id in rows:
        found.setdefault(task_id, event_id)
    return found


class FieldOut(Schema):
    code: str
    type: str
    label: str
    required: bool
    help: str
    settings: dict[str, Any]
    default: Any = None


class OutcomeOut(Schema):
    code: str
    label: str
    style: str
    comment: str
    checks: bool


class DocumentLinkOut(Schema):
    id: int
    number: str


class RequiredObjectOut(Schema):
    document_type: str
    label: str
    satisfied: bool
    message: str
    documents: list[DocumentLinkOut]
    prefill: dict[str, Any] | None
    create_url: str | None


class ValueOut(Schema):
    code: str
    label: str
    text: str


class RecordOut(Schema):
    entity_type: str
    record_id: int
    label: str
    readable: bool
    values: list[ValueOut]


class EventOut(Schema):
    id: int
    kind: str
    occurred_at: datetime
    actor: PersonOut | None
    assignee: PersonOut | None
    addressed_to: PersonOut | None
    previous_assignee: PersonOut | None
    reason: str
    tier: int | None
    outcome: str
    details: dict[str, Any]


class CommentOut(Schema):
    id: int
    author: PersonOut | None
    text: str
    created_at: datetime


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    uploaded_by: PersonOut | None
    uploaded_at: datetime


class HistoryOut(Schema):
    at: datetime
    kind: str
    node: str
    task_id: str
    task_name: str
    actor: str | None


class TaskDetailOut(TaskOut):
    form: list[FieldOut]
    outcomes: list[OutcomeOut]
    required_objects: list[RequiredObjectOut]
    record: RecordOut | None
    events: list[EventOut]
    comments: list[CommentOut]
    attachments: list[AttachmentOut]
    history: list[HistoryOut]
    problems: list[str]
    may_complete: bool
    may_claim: bool
    may_unclaim: bool
    may_redirect: bool


def _event(event: Any) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "actor": person(event.actor),
        "assignee": person(event.assignee),
        "addressed_to": person(event.addressed_to),
        "previous_assignee": person(event.previous_assignee),
        "reason": event.reason,
        "tier": event.tier,
        "outcome": event.outcome,
        "details": event.details,
    }


def _create_url(state: Any) -> str | None:
    if state.prefill is None or state.document_type is None:
        return None
    return (
        reverse("web:document_create", args=[state.document_type.code]) + "?" + prefill_query(state.prefill)
    )


def detail_out(request: HttpRequest, task: Any) -> dict[str, Any]:
    detail = task_detail(request.user, task)
    body = task_out(request, task, detail.number)
    body.update(
        form=[
            {
                "code": definition.code,
                "type": definition.field_type
                if definition.field_type != "reference"
                else f"reference:{definition.settings.get('target', '')}",
                "label": definition.label,
                "required": definition.required,
                "help": definition.help_text,
                "settings": {k: v for k, v in definition.settings.items() if k != "target"},
                "default": detail.defaults.get(definition.code),
            }
            for definition in detail.fields
        ],
        outcomes=[
            {
                "code": o.code,
                "label": outcome_label(o),
                "style": o.style,
                "comment": o.comment,
                "checks": o.checks,
            }
            for o in detail.outcomes
        ],
        required_objects=[
            {
                "document_type": state.requirement.document_type,
                "label": state.label,
                "satisfied": state.satisfied,
                "message": state.message,
                "documents": [{"id": d.pk, "number": d.number} for d in state.documents],
                "prefill": state.prefill,
                "create_url": _create_url(state),
            }
            for state in detail.requirements
        ],
        record=(
            None
            if detail.record is None
            else {
                "entity_type": detail.record.entity_type,
                "record_id": detail.record.record_id,
                "label": detail.record.label,
                "readable": detail.record.readable,
                "values": [
                    {"code": v.definition.code, "label": v.definition.label, "text": v.text}
                    for v in detail.record.values
                ],
            }
        ),
        events=[_event(event) for event in detail.events],
        comments=[
            {"id": c.pk, "author": person(c.author), "text": c.text, "created_at": c.created_at}
            for c in detail.comments
        ],
        attachments=[
            {
                "id": a.pk,
                "name": a.original_name,
                "size": a.size,
                "content_type": a.content_type,
                "uploaded_by": person(a.uploaded_by),
                "uploaded_at": a.uploaded_at,
            }
            for a in detail.attachments
        ],
        history=[
            {
                "at": item.at,
                "kind": item.kind,
                "node": item.node_id,
                "task_id": item.task_id,
                "task_name": item.task_name,
                "actor": (
                    item.entry.actor
                    if item.entry
                    else (item.event.actor.username if item.event and item.event.actor else None)
                ),
            }
            for item in detail.history
        ],
        problems=[problem.message for problem in detail.problems],
        may_complete=detail.may_complete,
        may_claim=detail.may_claim,
        may_unclaim=detail.may_unclaim,
        may_redirect=detail.may_redirect,
    )
    return body


def find_user(value: Any, field: str) -> User:
    """A person named by id or login in a request (ValidationFailed naming the field when unknown)."""
    found = None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        found = User.objects.filter(pk=int(value)).first()
    elif isinstance(value, str) and value.strip():
        found = User.objects.filter(username=value.strip()).first()
    if found is None:
        raise ValidationFailed({field: f"There is no user {value!r}."})
    return found


# -- the inbox -------------------------------------------------------------------------------------


class CountsOut(Schema):
    mine: int
    overdue: int


@router.get("tasks", response=PageOut[TaskOut], summary="My inbox: my tasks, my queues, overdue, …")
def inbox(
    request: HttpRequest,
    queue: str = "mine",
    q: str = "",
    process: str = "",
    sort: str = "deadline",
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    if not 1 <= limit <= 500:
        raise ValidationFailed({"limit": "Use a limit from 1 to 500."})
    if queue == "claimable" and not q and not process and sort == "deadline":
        page = selectors.claimable_page(request.user, after=cursor, size=limit)
    else:
        found = selectors.inbox(request.user, queue=queue, query=q[:200], process=process)
        page = selectors.inbox_page(found, sort=sort, after=cursor, size=limit)
    numbers = _numbers(page.items)
    return {
        "items": [task_out(request, task, numbers.get(task.pk)) for task in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("tasks/counts", response=CountsOut, summary="How many tasks I have, and how many are overdue")
def counts(request: HttpRequest) -> Any:
    return selectors.inbox_counts(request.user)


class BulkRedirectIn(Schema):
    from_user: int | str
    to_user: int | str
    task_ids: list[str] | None = None
    reason: str = ""


class BulkPreviewOut(Schema):
    count: int
    summary: str
    from_user: PersonOut
    to_user: PersonOut
    tasks: list[TaskOut]


class BulkRedirectOut(Schema):
    moved: int
    tasks: list[TaskOut]


@router.post("tasks/redirect-preview", response=BulkPreviewOut, summary="What a bulk redirect would move")
def redirect_preview(request: HttpRequest, payload: BulkRedirectIn) -> Any:
    preview = services.tasks_redirect_preview(
        actor=request.user,
        from_user=find_user(payload.from_user, "from_user"),
        to_user=find_user(payload.to_user, "to_user"),
        task_ids=payload.task_ids,
    )
    numbers = _numbers(preview.tasks)
    return {
        "count": len(preview.tasks),
        "summary": preview.summary,
        "from_user": person(preview.from_user),
        "to_user": person(preview.to_user),
        "tasks": [task_out(request, task, numbers.get(task.pk)) for task in preview.tasks],
    }


@router.post(
    "tasks/redirect", response=BulkRedirectOut, summary="Redirect many tasks of one person to another"
)
def redirect_many(request: HttpRequest, payload: BulkRedirectIn) -> Any:
    moved = services.tasks_redirect(
        actor=request.user,
        from_user=find_user(payload.from_user, "from_user"),
        to_user=find_user(payload.to_user, "to_user"),
        task_ids=payload.task_ids,
        reason=payload.reason,
    )
    return {"moved": len(moved), "tasks": [task_out(request, task) for task in moved]}


# -- one task --------------------------------------------------------------------------------------


@router.get(
    "tasks/{task_id}",
    response=TaskDetailOut,
    summary="A task with its form, outcomes, required objects and history",
)
def task(request: HttpRequest, task_id: str) -> Any:
    return detail_out(request, selectors.task_for(request.user, task_id))


@router.post("tasks/{task_id}/claim", response=TaskOut, summary="Take a task from my queue")
def claim(request: HttpRequest, task_id: str) -> Any:
    found = selectors.task_for(request.user, task_id)
    return task_out(request, services.task_claim(actor=request.user, task=found))


@router.post("tasks/{task_id}/unclaim", response=TaskOut, summary="Put a task I took back into its queue")
def unclaim(request: HttpRequest, task_id: str) -> Any:
    found = selectors.task_for(request.user, task_id)
    return task_out(request, services.task_unclaim(actor=request.user, task=found))


class CompleteIn(Schema):
    outcome: str = ""
    values: dict[str, Any] = {}
    comment: str = ""


@router.post(
    "tasks/{task_id}/complete", response=TaskOut, summary="Complete my task (400 says what is missing)"
)
def complete(request: HttpRequest, task_id: str, payload: CompleteIn) -> Any:
    found = selectors.task_for(request.user, task_id)
    done = services.task_complete(
        actor=request.user,
        task=found,
        outcome=payload.outcome,
        values=payload.values,
        comment=payload.comment,
    )
    return task_out(request, done)


class RedirectIn(Schema):
    to: int | str
    reason: str = ""


@router.post("tasks/{task_id}/redirect", response=TaskOut, summary="Redirect a task to another performer")
def redirect(request: HttpRequest, task_id: str, payload: RedirectIn) -> Any:
    found = selectors.task_for(request.user, task_id)
    moved = services.task_redirect(
        actor=request.user, task=found, to_user=find_user(payload.to, "to"), reason=payload.reason
    )
    return task_out(request, moved)


class CommentIn(Schema):
    text: str


@router.post("tasks/{task_id}/comments", response={201: CommentOut}, summary="Comment on a task")
def comment(request: HttpRequest, task_id: str, payload: CommentIn) -> Any:
    found = selectors.task_for(request.user, task_id)
    note = services.task_comment_add(actor=request.user, task=found, text=payload.text)
    return Status(
        201, {"id": note.pk, "author": person(note.author), "text": note.text, "created_at": note.created_at}
    )


@router.post("tasks/{task_id}/attachments", response={201: AttachmentOut}, summary="Attach a file to a task")
def attach(request: HttpRequest, task_id: str, file: File[UploadedFile]) -> Any:
    found = selectors.task_for(request.user, task_id)
    attachment = services.task_attachment_add(actor=request.user, task=found, upload=file)
    return Status(
        201,
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "size": attachment.size,
            "content_type": attachment.content_type,
            "uploaded_by": person(attachment.uploaded_by),
            "uploaded_at": attachment.uploaded_at,
        },
    )


@router.get("tasks/{task_id}/attachments/{attachment_id}", summary="Download a task's file")
def download(request: HttpRequest, task_id: str, attachment_id: int) -> Any:
    attachment = selectors.attachment_for(request.user, task_id, attachment_id)
    return file_response(attachment)


def file_response(attachment: Any) -> FileResponse:
    content_type = attachment.content_type or "application/octet-stream"
    if content_type.split(";")[0].strip().lower() in UNSAFE_CONTENT_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# -- absences and substitutions --------------------------------------------------------------------


class AbsenceOut(Schema):
    id: int
    user: PersonOut
    kind: str
    starts_on: date
    ends_on: date
    comment: str


class AbsenceIn(Schema):
    user: int | str | None = None
    kind: str = "leave"
    starts_on: date
    ends_on: date
    comment: str = ""


class SubstitutionOut(Schema):
    id: int
    absent: PersonOut
    deputy: PersonOut
    starts_on: date
    ends_on: date
    scope: str
    process_ids: list[str]
    comment: str


class SubstitutionIn(Schema):
    absent: int | str | None = None
    deputy: int | str
    starts_on: date
    ends_on: date
    scope: str = "all"
    process_ids: list[str] = []
    comment: str = ""


def _absence(absence: Any) -> dict[str, Any]:
    return {
        "id": absence.pk,
        "user": person(absence.user),
        "kind": absence.kind,
        "starts_on": absence.starts_on,
        "ends_on": absence.ends_on,
        "comment": absence.comment,
    }


def _substitution(substitution: Any) -> dict[str, Any]:
    return {
        "id": substitution.pk,
        "absent": person(substitution.absent),
        "deputy": person(substitution.deputy),
        "starts_on": substitution.starts_on,
        "ends_on": substitution.ends_on,
        "scope": substitution.scope,
        "process_ids": list(substitution.process_ids or []),
        "comment": substitution.comment,
    }


@router.get("absences", response=list[AbsenceOut], summary="Absences I may see (mine, my department's)")
def absences(request: HttpRequest, current: bool = False) -> Any:
    found = absences_visible(request.user).order_by("-starts_on", "id")
    if current:
        found = found.filter(ends_on__gte=clock.now().date())
    return [_absence(absence) for absence in found[:500]]


@router.post("absences", response={201: AbsenceOut}, summary="Record an absence (mine, or of my department)")
def absence_add(request: HttpRequest, payload: AbsenceIn) -> Any:
    user: Any = request.user if payload.user in (None, "") else find_user(payload.user, "user")
    absence = services.absence_add(
        actor=request.user,
        user=user,
        kind=payload.kind,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        comment=payload.comment,
    )
    return Status(201, _absence(absence))


@router.delete("absences/{absence_id}", response={204: None}, summary="Remove an absence")
def absence_remove(request: HttpRequest, absence_id: int) -> Any:
    services.absence_remove(actor=request.user, absence_id=absence_id)
    return Status(204, None)


@router.get("substitutions", response=list[SubstitutionOut], summary="Substitutions I may see")
def substitutions(request: HttpRequest) -> Any:
    return [_substitution(s) for s in substitutions_visible(request.user).order_by("-starts_on", "id")[:500]]


@router.post("substitutions", response={201: SubstitutionOut}, summary="Name a deputy for an absence")
def substitution_add(request: HttpRequest, payload: SubstitutionIn) -> Any:
    absent: Any = request.user if payload.absent in (None, "") else find_user(payload.absent, "absent")
    substitution = services.substitution_add(
        actor=request.user,
        absent=absent,
        deputy=find_user(payload.deputy, "deputy"),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        scope=payload.scope,
        process_ids=payload.process_ids,
        comment=payload.comment,
    )
    return Status(201, _substitution(substitution))


@router.delete("substitutions/{substitution_id}", response={204: None}, summary="Remove a substitution")
def substitution_remove(request: HttpRequest, substitution_id: int) -> Any:
    services.substitution_remove(actor=request.user, substitution_id=substitution_id)
    return Status(204, None)
