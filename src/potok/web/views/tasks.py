"""Task pages: the inbox (my tasks, my queues, overdue, due today, delegated by me, my department's,
addressing problems), a task with the document behind it, its form, outcomes, required objects, comments,
files and history, and redirecting one task or many after a preview."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potok.access.selectors import is_administrator
from potok.accounts.models import User
from potok.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from potok.documents.fieldtypes import FormOptions
from potok.documents.forms import raw_values, values_form_class
from potok.documents.references import lookup_records
from potok.processes.models import ProcessDefinition, Task
from potok.tasks import people, selectors, services
from potok.tasks.details import TaskDetail, outcome_label, task_detail
from potok.tasks.forms import initial_for_form
from potok.tasks.loading import process_of
from potok.tasks.requirements import prefill_query
from potok.tasks.spec import task_spec
from potok.web.views.errors import domain_errors

PAGE_SIZE = 50
# The process history shows finished steps and these task events (the task's own card shows all).
SHOWN_IN_PROCESS = ("step", "assigned", "redirected", "escalated", "completed", "cancelled")
# Served as a download only, and never as something a browser would run.
UNSAFE_CONTENT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
)
TABS = (
    ("mine", "inbox", "My tasks"),
    ("claimable", "people", "My queues"),
    ("overdue", "alarm", "Overdue"),
    ("due_today", "calendar-day", "Due today"),
    ("delegated_by_me", "send", "Delegated by me"),
)


def _tab_labels() -> dict[str, str]:
    return {
        "mine": _("My tasks"),
        "claimable": _("My queues"),
        "overdue": _("Overdue"),
        "due_today": _("Due today"),
        "delegated_by_me": _("Delegated by me"),
        "department": _("My department"),
        "problems": _("Addressing problems"),
    }


def _tabs(user: Any) -> list[dict[str, Any]]:
    labels = _tab_labels()
    tabs = [{"code": code, "icon": icon, "label": labels[code]} for code, icon, _label in TABS]
    if is_administrator(user) or people.headed_departments(user):
        tabs.append({"code": "department", "icon": "diagram-3", "label": labels["department"]})
    if is_administrator(user):
        tabs.append({"code": "problems", "icon": "exclamation-triangle", "label": labels["problems"]})
    return tabs


def _record_labels(tasks: list[Task]) -> dict[str, str]:
    """The number of the document behind each task (one query), for the inbox rows."""
    from potok.documents.models import Document

    ids = {task.record_id for task in tasks if task.entity_type.startswith("document.") and task.record_id}
    numbers = dict(Document.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}
    return {task.pk: numbers.get(task.record_id, "") for task in tasks if task.record_id in numbers}


@login_required
@domain_errors
def task_inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    tabs = _tabs(user)
    queue = request.GET.get("queue", "mine")
    if queue not in {tab["code"] for tab in tabs}:
        queue = "mine"
    query = request.GET.get("q", "")[:200]
    process = request.GET.get("process", "")[:100]
    sort = request.GET.get("sort", "deadline")
    if sort not in selectors.SORTS:
        sort = "deadline"
    error = ""
    try:
        if queue == "claimable" and not query and not process and sort == "deadline":
            page = selectors.claimable_page(user, after=request.GET.get("after"), size=PAGE_SIZE)
        else:
            found = selectors.inbox(user, queue=queue, query=query, process=process)
            page = selectors.inbox_page(found, sort=sort, after=request.GET.get("after"), size=PAGE_SIZE)
    except ValidationFailed as failure:
        error = "; ".join(message for messages_ in failure.errors.values() for message in messages_)
        page = selectors.inbox_page(Task.objects.none())
    params = {
        key: value
        for key, value in (("queue", queue), ("q", query), ("process", process), ("sort", sort))
        if value
    }
    next_url = f"?{urlencode({**params, 'after': page.next_cursor})}" if page.next_cursor else ""
    names = dict(ProcessDefinition.objects.values_list("key", "name"))
    labels = _record_labels(page.items)
    context = {
        "tabs": tabs,
        "queue": queue,
        "query": query,
        "process": process,
        "sort": sort,
        "rows": [
            (task, labels.get(task.pk, ""), names.get(task.process_id, task.process_id))
            for task in page.items
        ],
        "processes": sorted(names.items(), key=lambda item: item[1]),
        "next_url": next_url,
        "counts": selectors.inbox_counts(user),
        "error": error,
    }
    template = "web/tasks/_rows.html" if request.headers.get("HX-Request") else "web/tasks/inbox.html"
    return render(request, template, context)


# -- one task --------------------------------------------------------------------------------------


def _lookup_url(task: Task) -> Any:
    def url(definition: Any) -> str:
        return reverse("web:task_lookup", args=[task.pk, definition.code])

    return url


def _form(detail: TaskDetail, data: Any = None) -> forms.Form:
    form_class = values_form_class(detail.fields, options=FormOptions(lookup_url=_lookup_url(detail.task)))
    initial = initial_for_form(detail.spec, detail.defaults) if data is None else None
    return form_class(data, initial=initial)


def _node_names(task: Task) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """The names of the process's steps, and the labels of its tasks' outcomes by (node, code)."""
    try:
        nodes = process_of(task.instance).nodes
    except Exception:  # a version that cannot be read any more: ids and codes are shown instead
        return {}, {}
    labels = {
        (node_id, outcome.code): outcome_label(outcome)
        for node_id, node in nodes.items()
        for outcome in task_spec(node).outcomes
    }
    return {node_id: node.name or node_id for node_id, node in nodes.items()}, labels


def _render_task(
    request: HttpRequest,
    task: Task,
    *,
    form: forms.Form | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = task_detail(request.user, task)
    requirements = [
        {
            "state": state,
            "create_url": (
                reverse("web:document_create", args=[state.document_type.code])
                + "?"
                + prefill_query(state.prefill)
                if state.prefill is not None and state.document_type is not None
                else None
            ),
        }
        for state in detail.requirements
    ]
    names, outcome_labels = _node_names(task)
    # The history says "approved", not "approve".
    for event in [*detail.events, *(item.event for item in detail.history if item.event is not None)]:
        if event.outcome:
            event.outcome = outcome_labels.get((event.task.node_id, event.outcome), event.outcome)
    record_url = None
    if detail.record is not None and detail.record.readable and detail.record.document_type_code:
        record_url = reverse(
            "web:document_detail", args=[detail.record.document_type_code, detail.record.record_id]
        )
    context = {
        "task": task,
        "detail": detail,
        "form": form if form is not None else _form(detail),
        "errors": errors or [],
        "outcomes": [(outcome, outcome_label(outcome)) for outcome in detail.outcomes],
        "needs_comment": any(outcome.comment for outcome in detail.outcomes),
        "requirements": requirements,
        "record_url": record_url,
        "process_steps": [
            (item, names.get(item.node_id, item.node_id))
            for item in detail.history
            if item.kind in SHOWN_IN_PROCESS
        ],
        "people": User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        if detail.may_redirect
        else [],
    }
    return render(request, "web/tasks/detail.html", context, status=status)


@login_required
@domain_errors
def task_page(request: HttpRequest, task_id: str) -> HttpResponse:
    return _render_task(request, selectors.task_for(request.user, task_id))


@login_required
@require_POST
@domain_errors
def task_complete(request: HttpRequest, task_id: str) -> HttpResponse:
    task = selectors.task_for(request.user, task_id)
    detail_fields = task_detail(request.user, task)
    values = raw_values(detail_fields.fields, request.POST, request.FILES)
    try:
        services.task_complete(
            actor=request.user,
            task=task,
            outcome=request.POST.get("outcome", ""),
            values=values,
            comment=request.POST.get("comment", ""),
        )
    except ValidationFailed as error:
        form = _form(detail_fields, data=request.POST)
        form.is_valid()
        general = []
        for key, field_messages in error.errors.items():
            for message in field_messages:
                if key in form.fields:
                    form.add_error(key, message)
                else:
                    general.append(message)
        return _render_task(request, task, form=form, errors=general, status=400)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("web:task_page", task_id=task.pk)
    messages.success(request, _("«%(name)s» is completed.") % {"name": task.name})
    return redirect("web:task_inbox")


def _act(request: HttpRequest, task_id: str, action: Any, success: str) -> HttpResponse:
    task = selectors.task_for(request.user, task_id)
    try:
        action(task)
    except (Conflict, ValidationFailed) as error:
        text = (
            "; ".join(m for ms in error.errors.values() for m in ms)
            if isinstance(error, ValidationFailed)
            else str(error)
        )
        messages.error(request, text)
    else:
        messages.success(request, success)
    return redirect("web:task_page", task_id=task_id)


@login_required
@require_POST
@domain_errors
def task_claim(request: HttpRequest, task_id: str) -> HttpResponse:
    return _act(
        request,
        task_id,
        lambda task: services.task_claim(actor=request.user, task=task),
        _("The task is yours."),
    )


@login_required
@require_POST
@domain_errors
def task_unclaim(request: HttpRequest, task_id: str) -> HttpResponse:
    return _act(
        request,
        task_id,
        lambda task: services.task_unclaim(actor=request.user, task=task),
        _("The task is back in its queue."),
    )


@login_required
@require_POST
@domain_errors
def task_redirect(request: HttpRequest, task_id: str) -> HttpResponse:
    task = selectors.task_for(request.user, task_id)
    to_user = (
        User.objects.filter(pk=request.POST.get("to") or 0).first()
        if str(request.POST.get("to", "")).isdigit()
        else None
    )
    try:
        services.task_redirect(
            actor=request.user, task=task, to_user=to_user, reason=request.POST.get("reason", "")
        )
    except (ValidationFailed, Conflict) as error:
        text = (
            "; ".join(m for ms in error.errors.values() for m in ms)
            if isinstance(error, ValidationFailed)
            else str(error)
        )
        messages.error(request, text)
        return redirect("web:task_page", task_id=task.pk)
    messages.success(
        request,
        _("The task is redirected to %(person)s.") % {"person": to_user.display_name if to_user else ""},
    )
    try:
        selectors.task_for(request.user, task.pk)
    except NotFound:
        return redirect("web:task_inbox")
    return redirect("web:task_page", task_id=task.pk)


@login_required
@require_POST
@domain_errors
def task_comment(request: HttpRequest, task_id: str) -> HttpResponse:
    text = request.POST.get("text", "")
    return _act(
        request,
        task_id,
        lambda task: services.task_comment_add(actor=request.user, task=task, text=text),
        _("The comment is added."),
    )


@login_required
@require_POST
@domain_errors
def task_attach(request: HttpRequest, task_id: str) -> HttpResponse:
    upload = request.FILES.get("file")
    return _act(
        request,
        task_id,
        lambda task: services.task_attachment_add(actor=request.user, task=task, upload=upload),
        _("The file is attached."),
    )


@login_required
@domain_errors
def task_attachment(request: HttpRequest, task_id: str, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_for(request.user, task_id, attachment_id)
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
    return response  # type: ignore[return-value]  # a streamed answer, which domain_errors passes on


@login_required
@domain_errors
def task_lookup(request: HttpRequest, task_id: str, field_code: str) -> HttpResponse:
    """Options for a reference field of the task's form (htmx), for its performer only."""
    task = selectors.task_for(request.user, task_id)
    if task.assignee_id != request.user.pk:
        raise DjangoPermissionDenied
    detail = task_detail(request.user, task)
    definition = next(
        (d for d in detail.fields if d.code == field_code and d.field_type == "reference"), None
    )
    if definition is None:
        raise NotFound(f"field {field_code}")
    query = request.GET.get(f"{field_code}__search", "") or request.GET.get("q", "")
    options = lookup_records(request.user, str(definition.settings.get("target", "")), query[:100])
    return render(request, "web/tasks/_lookup_options.html", {"options": options, "query": query})


# -- many at once ----------------------------------------------------------------------------------


def _person(value: Any) -> User | None:
    return User.objects.filter(pk=int(value)).first() if str(value or "").isdigit() else None


@login_required
@domain_errors
def task_redirect_many(request: HttpRequest) -> HttpResponse:
    """Choose whose tasks go to whom, see the preview («12 tasks of Глеб → Вера»), pick, confirm."""
    user: Any = request.user
    source = request.POST if request.method == "POST" else request.GET
    from_user: User | None = _person(source.get("from")) or (user if request.method == "GET" else None)
    to_user = _person(source.get("to"))
    preview = None
    error = ""
    if request.method == "POST":
        chosen = request.POST.getlist("task") if request.POST.get("action") == "confirm" else None
        try:
            if chosen is not None:
                moved = services.tasks_redirect(
                    actor=user,
                    from_user=from_user,
                    to_user=to_user,
                    task_ids=chosen,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("%(count)s tasks are redirected.") % {"count": len(moved)})
                return redirect("web:task_inbox")
            preview = services.tasks_redirect_preview(actor=user, from_user=from_user, to_user=to_user)
        except ValidationFailed as failure:
            error = "; ".join(m for ms in failure.errors.values() for m in ms)
        except PermissionDenied:
            error = _("You may redirect your own tasks and those of your department.")
    if is_administrator(user):
        candidates = User.objects.filter(is_active=True)
    else:
        condition: list[int] = [user.pk]
        for department in people.headed_departments(user):
            condition += list(
                User.objects.filter(department__path__startswith=department.path).values_list("pk", flat=True)
            )
        candidates = User.objects.filter(pk__in=condition)
    return render(
        request,
        "web/tasks/redirect_many.html",
        {
            "preview": preview,
            "error": error,
            "from_user": from_user,
            "to_user": to_user,
            "reason": request.POST.get("reason", ""),
            "sources": candidates.order_by("last_name", "first_name", "username"),
            "people": User.objects.filter(is_active=True).order_by("last_name", "first_name", "username"),
        },
    )


def inbox_badge(user: Any) -> tuple[int, str]:
    """The navigation badge: my open tasks, red when some are overdue (two index-only counts)."""
    counts = selectors.inbox_counts(user)
    return counts["mine"], "danger" if counts["overdue"] else "secondary"


# -- absences and deputies -------------------------------------------------------------------------


def _manageable_people(user: Any) -> Any:
    """Whose absences the user may record: his own, his department's (as its head), anyone's (admins)."""
    if is_administrator(user):
        return User.objects.filter(is_active=True)
    ids = [user.pk]
    for department in people.headed_departments(user):
        ids += list(
            User.objects.filter(department__path__startswith=department.path).values_list("pk", flat=True)
        )
    return User.objects.filter(pk__in=ids, is_active=True)


def _period(data: Any) -> tuple[Any, Any]:
    from django.utils.dateparse import parse_date

    found = []
    for name in ("starts_on", "ends_on"):
        try:
            found.append(parse_date(str(data.get(name) or "")))
        except ValueError:
            found.append(None)
    if None in found:
        raise ValidationFailed({"period": _("Give both dates.")})
    return found[0], found[1]


@login_required
@domain_errors
def absence_list(request: HttpRequest) -> HttpResponse:
    """Absences and deputies: a person records his leave and who stands in for him; heads for their
    department, administrators for anyone. Tasks addressed to someone away go to his deputy."""
    from potok.accounts.models import AbsenceKind, SubstitutionScope
    from potok.tasks.services.absences import absences_visible, substitutions_visible

    user: Any = request.user
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "absence":
                person = _person(request.POST.get("user"))
                if person is None:
                    raise ValidationFailed({"user": _("Choose the person.")})
                starts_on, ends_on = _period(request.POST)
                services.absence_add(
                    actor=user,
                    user=person,
                    kind=request.POST.get("kind", AbsenceKind.LEAVE),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    comment=request.POST.get("comment", "")[:500],
                )
                messages.success(request, _("The absence is recorded."))
            elif action == "substitution":
                absent, deputy = _person(request.POST.get("absent")), _person(request.POST.get("deputy"))
                if absent is None or deputy is None:
                    raise ValidationFailed({"deputy": _("Choose who is away and who stands in.")})
                scope = request.POST.get("scope", SubstitutionScope.ALL)
                starts_on, ends_on = _period(request.POST)
                services.substitution_add(
                    actor=user,
                    absent=absent,
                    deputy=deputy,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    scope=scope,
                    process_ids=request.POST.getlist("process_ids")
                    if scope == SubstitutionScope.PROCESSES
                    else [],
                    comment=request.POST.get("comment", "")[:500],
                )
                messages.success(request, _("The deputy is set."))
            elif action == "remove_absence":
                services.absence_remove(actor=user, absence_id=request.POST.get("id"))
                messages.success(request, _("The absence is removed."))
            elif action == "remove_substitution":
                services.substitution_remove(actor=user, substitution_id=request.POST.get("id"))
                messages.success(request, _("The deputy is removed."))
            return redirect("web:absence_list")
        except ValidationFailed as failure:
            errors = [m for ms in failure.errors.values() for m in ms]
        except PermissionDenied:
            errors = [_("You may record absences for yourself and for your department.")]
    from potok.tasks.people import today

    on = today()
    return render(
        request,
        "web/tasks/absences.html",
        {
            "absences": absences_visible(user).filter(ends_on__gte=on).order_by("starts_on", "id")[:200],
            "substitutions": substitutions_visible(user)
            .filter(ends_on__gte=on)
            .order_by("starts_on", "id")[:200],
            "errors": errors,
            "manageable": _manageable_people(user).order_by("last_name", "first_name", "username"),
            "people": User.objects.filter(is_active=True).order_by("last_name", "first_name", "username"),
            "kinds": AbsenceKind.choices,
            "processes": ProcessDefinition.objects.order_by("name").values_list("key", "name"),
            "today": on,
        },
    )
