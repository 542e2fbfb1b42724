"""The process designer: bpmn-js with Potok's side panel; validation listing every problem with its
element, saving a draft or publishing a new immutable version, and live checks of expressions and
durations typed into the panel.

The panel writes Potok's extension elements straight into the diagram as generic moddle elements
(see static/web/processes/designer.js), so the XML the browser sends is complete: saving stores exactly
what was drawn, and an exported file carries every <potok:…> element."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any
from xml.sax.saxutils import quoteattr

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from potok.accounts.models import Role
from potok.core.errors import ValidationFailed
from potok.documents.selectors import document_types
from potok.engine.bpmn.compiling import Compiler
from potok.engine.calendar import CalendarError, parse_working_duration
from potok.engine.expressions import ExpressionError, compile_expression
from potok.engine.expressions.conditions import compile_condition_tree
from potok.engine.model.kinds import TimerKind
from potok.engine.model.process import Definitions
from potok.processes import selectors
from potok.processes.models import ProcessDefinition
from potok.processes.services import definitions as services
from potok.web.views.automation.rules import builder_labels
from potok.web.views.processes.common import administrators_only, error_messages
from potok.web.views.processes.monitor import definition_or_404, entity_type_choices, version_or_404
from potok.web.views.processes.vocabulary import user_task_sections

MAX_CHECK_LENGTH = 4000

NEW_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:potok="https://potok.dev/schema/bpmn/1.0" \
id="definitions_{key}" targetNamespace="https://potok.dev/processes">
  <bpmn:process id="{key}" name={name} isExecutable="true">
    <bpmn:startEvent id="start" name={start} />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}">
    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="{key}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="152" y="182" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="146" y="225" width="48" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def new_diagram() -> str:
    key = f"process_{secrets.token_hex(4)}"
    return NEW_DIAGRAM.format(
        key=key, name=quoteattr(_("New process")), start=quoteattr(pgettext("start event", "Start"))
    )


@administrators_only
def designer_home(request: HttpRequest) -> HttpResponse:
    definitions = list(selectors.definitions_with_counts())
    latest = {
        version.definition_id: version
        for version in selectors.latest_versions([definition.pk for definition in definitions])
    }
    return render(
        request,
        "web/processes/designer_home.html",
        {"rows": [(definition, latest.get(definition.pk)) for definition in definitions]},
    )


@administrators_only
def designer(request: HttpRequest, key: str = "") -> HttpResponse:
    definition: ProcessDefinition | None = None
    version = None
    versions: list[Any] = []
    if key:
        definition = definition_or_404(key)
        versions = list(definition.versions.order_by("-number"))
        number = request.GET.get("version")
        version = version_or_404(definition, int(number)) if number and number.isdigit() else versions[0]
    config = {
        "xml": version.bpmn_xml if version is not None else new_diagram(),
        "key": definition.key if definition else "",
        "version": version.number if version else None,
        "urls": {
            "save": reverse("web:process_designer_save"),
            "validate": reverse("web:process_designer_validate"),
            "check": reverse("web:process_designer_check"),
        },
        "sections": {"UserTask": user_task_sections(), "ManualTask": user_task_sections()},
        "choices": panel_choices(),
        "actions": selectors.registered_actions(),
        # Saving a diagram whose process id is one of these adds a version to that process.
        "keys": list(ProcessDefinition.objects.values_list("key", flat=True)),
        "strings": designer_strings(),
        "condition": condition_builder_config(definition),
    }
    return render(
        request,
        "web/processes/designer.html",
        {"definition": definition, "version": version, "versions": versions, "config": config},
    )


# Operators offered on a process variable, whose type the diagram does not declare.
VARIABLE_OPERATORS = [
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "not_in",
    "contains",
    "is_empty",
    "is_not_empty",
]


def condition_builder_config(definition: ProcessDefinition | None) -> dict[str, Any]:
    """What the condition builder on a sequence flow needs: its words (the start rule editor's), the
    fields of the record the process is started from by hand (`record.<field>`; the declared variables
    are read from the diagram in the browser) and where to compile a tree to an expression."""
    from potok.automation.schema import schema_for

    record_fields: list[dict[str, Any]] = []
    for entity_type in (definition.manual_start_entity_types if definition else None) or []:
        if "*" in entity_type:
            continue
        try:
            described = schema_for(entity_type).describe()
        except KeyError:
            continue
        record_fields.append(
            {
                "code": "record",
                "label": _("Start record (%(type)s)") % {"type": described["label"]},
                "type": "reference",
                "target": entity_type,
                "choices": [],
                "operators": ["is_empty", "is_not_empty"],
                "fields": described["fields"],
            }
        )
        break
    labels = builder_labels()
    labels["always"] = _("No condition: build one, or write an expression below.")
    labels["choose_type"] = _(
        "No fields to choose: the diagram declares no process variable (potok:variable) and the process is "
        "started by hand from no record type. Write an expression below."
    )
    labels["variable"] = _("process variable")
    return {
        "labels": labels,
        "record_fields": record_fields,
        "variable_operators": VARIABLE_OPERATORS,
        "compile_url": reverse("web:process_designer_condition"),
    }


@require_POST
@administrators_only
def designer_condition(request: HttpRequest) -> JsonResponse:
    """Compile a condition tree from the builder to the expression the engine runs (the same AST)."""
    try:
        tree = json.loads(request.POST.get("tree", "") or "{}")
    except ValueError:
        return JsonResponse({"ok": False, "message": _("The condition is not valid JSON.")}, status=400)
    if not isinstance(tree, dict) or not tree:
        return JsonResponse({"ok": True, "expression": ""})
    try:
        expression = compile_condition_tree(tree)
    except ExpressionError as error:
        # str() names the clause: "all[0]: unknown operator '??'"
        return JsonResponse({"ok": False, "message": str(error)}, status=400)
    return JsonResponse({"ok": True, "expression": expression.source})


def panel_choices() -> dict[str, list[tuple[str, str]]]:
    users = get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    return {
        "roles": [(role.code, f"{role.name} ({role.code})") for role in Role.objects.order_by("code")],
        "users": [(user.username, f"{user.display_name} ({user.username})") for user in users],
        "document_types": [(t.code, t.name) for t in document_types()],
        "targets": entity_type_choices(),
    }


def read_and_check(xml: bytes) -> tuple[Definitions | None, list[dict[str, Any]]]:
    """The model read from the designer's XML and every problem of it: the reader's refusal (naming the
    element when it can), the engine's validation and the tasks layer's check of user-task declarations."""
    try:
        definitions = services.read_checked(xml, source_name="designer.bpmn")
    except ValidationFailed as error:
        cause = error.__cause__
        return None, [
            {
                "element_id": getattr(cause, "element_id", None),
                "message": message,
                "line": getattr(cause, "line", None),
                "severity": "error",
            }
            for message in error_messages(error)
        ]
    problems = services.problems_of(definitions)
    seen = {(problem["element_id"], problem["message"]) for problem in problems}
    from potok.tasks.spec import spec_problems

    for process in definitions.processes.values():
        for element_id, message in spec_problems(process):
            if (element_id, message) not in seen:
                problems.append(
                    {"element_id": element_id, "message": message, "line": None, "severity": "error"}
                )
    return definitions, problems


def _xml_of(request: HttpRequest) -> bytes:
    return request.POST.get("xml", "").encode("utf-8")


@require_POST
@administrators_only
def designer_validate(request: HttpRequest) -> JsonResponse:
    _definitions, problems = read_and_check(_xml_of(request))
    return JsonResponse({"valid": not _errors(problems), "problems": problems})


def _errors(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [problem for problem in problems if problem["severity"] == "error"]


@require_POST
@administrators_only
def designer_save(request: HttpRequest) -> JsonResponse:
    """Save the diagram as a new draft version, or (publish=1) as a new published version when it has no
    errors. Nothing is stored when it is refused."""
    xml = _xml_of(request)
    publish = request.POST.get("publish") == "1"
    comment = request.POST.get("comment", "").strip()[:500]
    definitions, problems = read_and_check(xml)
    if definitions is None or (publish and _errors(problems)):
        return JsonResponse(
            {"ok": False, "message": _("Not published: correct the errors first."), "problems": problems},
            status=400,
        )
    try:
        if publish:
            versions = services.process_publish_file(
                actor=request.user, data=xml, source_name="designer.bpmn"
            )
        else:
            versions = services.process_draft_save(
                actor=request.user, data=xml, source_name="designer.bpmn", comment=comment
            )
    except ValidationFailed as error:
        return JsonResponse(
            {
                "ok": False,
                "message": "; ".join(error_messages(error)),
                "problems": problems
                or [
                    {"element_id": None, "message": m, "line": None, "severity": "error"}
                    for m in error_messages(error)
                ],
            },
            status=400,
        )
    wanted = request.POST.get("key", "")
    shown = next((v for v in versions if v.definition.key == wanted), versions[0])
    saved = ", ".join(f"{v.definition.name} v{v.number}" for v in versions)
    text = _("Published: %(versions)s.") if publish else _("Saved as a draft: %(versions)s.")
    return JsonResponse(
        {
            "ok": True,
            "message": text % {"versions": saved},
            "problems": problems,
            "versions": [{"key": v.definition.key, "number": v.number, "status": v.status} for v in versions],
            "url": reverse("web:process_designer", args=[shown.definition.key]) + f"?version={shown.number}",
        }
    )


@require_POST
@administrators_only
def designer_check(request: HttpRequest) -> JsonResponse:
    """Check one text typed in the panel: an expression, a working-time duration, a calendar duration or a
    timer; an error comes with its position (0-based) so the panel can point at it."""
    kind = request.POST.get("kind", "expression")
    text = request.POST.get("text", "")[:MAX_CHECK_LENGTH]
    return JsonResponse(check_text(kind, text))


def check_text(kind: str, text: str) -> dict[str, Any]:
    if not text.strip():
        return {"ok": True}
    if kind == "expression":
        try:
            compile_expression(text)
        except ExpressionError as error:
            return {"ok": False, "message": error.message, "position": error.position}
        return {"ok": True}
    if kind in ("duration", "calendar_duration"):
        if text.strip() == "0":
            return {"ok": True}
        try:
            value = parse_working_duration(text, working=kind == "duration")
        except CalendarError as error:
            return {"ok": False, "message": str(error), "position": None}
        if kind == "calendar_duration" and not isinstance(value, timedelta):
            return {
                "ok": False,
                "message": _("Calendar time here, not working time (e.g. PT4H, 1 day)."),
                "position": None,
            }
        return {"ok": True}
    timer_kinds = {
        "timeDuration": TimerKind.DURATION,
        "timeDate": TimerKind.DATE,
        "timeCycle": TimerKind.CYCLE,
    }
    if kind in timer_kinds:
        compiler = Compiler("designer")
        compiler.timer(timer_kinds[kind], text, element_id="timer", what=_("timer"), line=None)
        if compiler.problems:
            return {"ok": False, "message": compiler.problems[0].message, "position": None}
        return {"ok": True}
    return {"ok": False, "message": _("Unknown kind of check."), "position": None}


def designer_strings() -> dict[str, Any]:
    """Every text the designer's scripts show, in the user's language."""
    return {
        "process": _("Process"),
        "process_id": _("Process id (key)"),
        "process_id_help": _("Latin letters, digits, _ and -; a new id makes a new process."),
        "process_id_taken": _("A process with this id exists: saving adds a new version to it."),
        "executable": _("Executable"),
        "element": _("Element"),
        "element_id": _("Id"),
        "name": pgettext("bpmn element", "Name"),
        "documentation": _("Description"),
        "nothing_selected": _("Select an element on the diagram or in the list to edit it."),
        "elements": _("Elements of the diagram"),
        "add": _("Add"),
        "remove": _("Remove"),
        "move_up": _("Move up"),
        "condition": _("Condition"),
        "condition_help": _("An expression over the process variables, e.g. amount > 10000."),
        "default_flow": _("Default flow (taken when no condition holds)"),
        "timer": _("Timer"),
        "timer_kind": _("The timer waits"),
        "timer_duration": _("for a duration"),
        "timer_date": _("until a date"),
        "timer_cycle": _("repeatedly (cycle)"),
        "timer_value": _("Value"),
        "timer_help": _("In working time: 2 working days, 4 working hours; or ISO 8601: PT4H, P1D."),
        "action": _("Action"),
        "action_none": _("— choose an action —"),
        "action_unregistered": _("%(name)s (not registered)"),
        "parameters": _("Parameters"),
        "parameter": _("Parameter"),
        "parameter_name": _("Parameter name"),
        "parameter_value": _("Value (expression)"),
        "no_actions": _("No actions are registered yet."),
        "checking": _("checking…"),
        "check_ok": _("OK"),
        "check_error_at": _("%(message)s (at position %(position)s)"),
        "valid": _("No problems found."),
        "problems": _("Problems"),
        "error": _("error"),
        "warning": _("warning"),
        "process_level": _("process"),
        "saving": _("Saving…"),
        "validating": _("Checking the diagram…"),
        "publish_confirm": _("Publish a new version? Running instances stay on their version."),
        "new_confirm": _("Start a new diagram? Unsaved changes are lost."),
        "import_confirm": _("Replace the diagram with the file? Unsaved changes are lost."),
        "import_failed": _("The file could not be opened: %(error)s"),
        "import_warnings": _("Opened with %(count)s warnings: some parts were not understood."),
        "unsaved": _("Unsaved changes"),
        "server_error": _("The server did not answer as expected (%(status)s)."),
        "no_diagram": _("This version has no diagram layout (BPMNDI) to draw."),
        "item": _("item"),
        "not_published": _("Not published: correct the errors first."),
        "published": _("published"),
        "draft": _("draft"),
        "timer_placeholder": _("2 working days"),
        "types": {
            "StartEvent": _("Start event"),
            "EndEvent": _("End event"),
            "IntermediateCatchEvent": _("Intermediate event"),
            "IntermediateThrowEvent": _("Intermediate throw event"),
            "BoundaryEvent": _("Boundary event"),
            "Task": _("Task"),
            "UserTask": _("User task"),
            "ManualTask": _("Manual task"),
            "ServiceTask": _("Service task"),
            "SendTask": _("Send task"),
            "ReceiveTask": _("Receive task"),
            "ScriptTask": _("Script task"),
            "BusinessRuleTask": _("Business rule task"),
            "SubProcess": _("Subprocess"),
            "CallActivity": _("Call activity"),
            "ExclusiveGateway": _("Exclusive gateway"),
            "ParallelGateway": _("Parallel gateway"),
            "InclusiveGateway": _("Inclusive gateway"),
            "EventBasedGateway": _("Event-based gateway"),
            "SequenceFlow": _("Sequence flow"),
            "Participant": _("Pool"),
            "Lane": _("Lane"),
            "TextAnnotation": _("Annotation"),
            "DataObjectReference": _("Data object"),
            "DataStoreReference": _("Data store"),
        },
    }
