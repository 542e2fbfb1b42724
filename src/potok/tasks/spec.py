"""What a user task declares about itself in Potok's BPMN extension elements, read into typed specs.

The vocabulary (documented in docs/bpmn-extensions.md, the designer edits exactly these):

    <bpmn:userTask id="investigate" name="Провести расследование">
      <bpmn:extensionElements>
        <potok:performer kind="role" role="service_specialist" strategy="round_robin"/>
        <potok:deadline duration="2 working days"/>
        <potok:reminder before="PT4H"/>
        <potok:escalation after="PT0S" action="notify" to="performer head"/>
        <potok:escalation after="1 working day" action="reassign" to="head"/>
        <potok:field code="findings" type="text" label-ru="Выводы" label-en="Findings" required="true"/>
        <potok:outcome code="done" label-ru="Выполнено" label-en="Done"/>
        <potok:requires type="investigation_act" link="complaint"/>
      </bpmn:extensionElements>
    </bpmn:userTask>

`task_spec(node)` reads a node (cached per node object, which published versions keep for good);
`spec_problems(process)` lists what is wrong, naming the element, for the designer and for publishing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from potok.engine.calendar import CalendarError, parse_working_duration
from potok.engine.expressions import Expression, ExpressionError, compile_expression
from potok.engine.model.kinds import NodeKind
from potok.engine.model.nodes import Node
from potok.engine.model.process import ProcessDefinition

PERFORMER_KINDS = (
    "user",
    "role",
    "field",
    "expression",
    "performer-of",
    "manager-of",
    "department-head",
    "initiator",
)
STRATEGIES = ("queue", "round_robin", "least_open")
ESCALATION_ACTIONS = ("notify", "reassign", "complete")
NOTIFY_TARGETS = ("performer", "head", "owner", "initiator")
REASSIGN_TARGETS = ("head", "owner", "initiator")
FIELD_TYPES = (
    "string",
    "text",
    "integer",
    "decimal",
    "money",
    "date",
    "datetime",
    "boolean",
    "choice",
    "user",
    "counterparty",
    "reference",
)
OUTCOME_STYLES = ("primary", "success", "danger", "warning", "secondary")
REQUIREMENT_SCOPES = ("record", "process")
PRIORITIES = {"low": -1, "normal": 0, "high": 1, "urgent": 2}
CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,47}$")
TYPED_OBJECT = re.compile(r"^(?P<type>[a-z_][a-z0-9_.]*):(?P<expression>.+)$", re.DOTALL)
USER_TASK_KINDS = (NodeKind.USER_TASK, NodeKind.MANUAL_TASK)


class SpecError(ValueError):
    """A declaration that cannot be used; the message names the element and the attribute."""


@dataclass(frozen=True)
class PerformerRule:
    """One `<potok:performer>`: who may perform the task, and how one is chosen among several."""

    kind: str
    strategy: str = ""
    user: str = ""
    role: str = ""
    object_type: str = ""
    object: Expression | None = None
    field_path: tuple[str, ...] = ()
    value: Expression | None = None
    task: str = ""
    department: Expression | None = None

    @property
    def effective_strategy(self) -> str:
        if self.strategy:
            return self.strategy
        return "queue" if self.kind == "role" else "least_open"

    def expressions(self) -> list[Expression]:
        return [e for e in (self.object, self.value, self.department) if e is not None]


@dataclass(frozen=True)
class DeadlineRule:
    """`<potok:deadline duration="2 working days"/>` or `<potok:deadline at="expression"/>`."""

    duration: str = ""
    at: Expression | None = None
    # "performer": the performer's business calendar (the default); "company": the company's.
    calendar: str = "performer"


@dataclass(frozen=True)
class ReminderRule:
    """`<potok:reminder before="PT4H"/>`: calendar time before the deadline."""

    before: str


@dataclass(frozen=True)
class EscalationTier:
    """`<potok:escalation after="1 working day" action="reassign" to="head"/>`: one tier, counted from the
    deadline; tiers fire in the order they are written, once each."""

    after: str
    action: str
    targets: tuple[str, ...] = ()
    outcome: str = ""
    message_ru: str = ""
    message_en: str = ""


@dataclass(frozen=True)
class ChoiceOption:
    value: str
    label_ru: str
    label_en: str


@dataclass(frozen=True)
class FormField:
    """`<potok:field>`: one field of the task form; its value becomes a process variable of its code."""

    code: str
    type: str
    label_ru: str
    label_en: str
    required: bool = False
    default: Expression | None = None
    help_ru: str = ""
    help_en: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)
    options: tuple[ChoiceOption, ...] = ()


@dataclass(frozen=True)
class OutcomeSpec:
    """`<potok:outcome>`: a button that completes the task; gateways branch on its code."""

    code: str
    label_ru: str
    label_en: str
    style: str = "primary"
    # "required": the person must write why (a rejection); "optional"; "" no comment box.
    comment: str = ""
    # False: completing with this outcome skips the required fields and objects (e.g. "reject").
    checks: bool = True


@dataclass(frozen=True)
class Prefill:
    field: str
    value: Expression


@dataclass(frozen=True)
class Requirement:
    """`<potok:requires>`: a document that must exist before the task may be completed."""

    document_type: str
    link: str = ""
    # "record": any such document linked to the process's record; "process": one made since it started.
    scope: str = "record"
    condition: Expression | None = None
    label_ru: str = ""
    label_en: str = ""
    prefill: tuple[Prefill, ...] = ()


@dataclass(frozen=True)
class TaskSpec:
    """Everything a user task declares; empty tuples when it declares nothing."""

    performers: tuple[PerformerRule, ...] = ()
    deadline: DeadlineRule | None = None
    reminders: tuple[ReminderRule, ...] = ()
    escalations: tuple[EscalationTier, ...] = ()
    fields: tuple[FormField, ...] = ()
    outcomes: tuple[OutcomeSpec, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    priority: int = 0

    def outcome(self, code: str) -> OutcomeSpec | None:
        return next((outcome for outcome in self.outcomes if outcome.code == code), None)


# -- reading ---------------------------------------------------------------------------------------


def _items(extensions: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    items = extensions.get(name) or []
    return [item for item in (items if isinstance(items, list) else [items]) if isinstance(item, Mapping)]


def _text(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _flag(item: Mapping[str, Any], name: str, where: str, default: bool = False) -> bool:
    value = _text(item, name).lower()
    if not value:
        return default
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise SpecError(f"{where}: {name}={value!r} must be true or false")


def _expression(item: Mapping[str, Any], name: str, where: str) -> Expression | None:
    source = _text(item, name)
    if not source:
        return None
    return _compile(source, f"{where} {name}")


def _compile(source: str, where: str) -> Expression:
    try:
        return compile_expression(source)
    except ExpressionError as error:
        raise SpecError(f"{where}: {error}") from None


def _check_duration(text: str, where: str) -> None:
    if text.strip() in ("0", ""):
        return
    try:
        parse_working_duration(text)
    except CalendarError as error:
        raise SpecError(f"{where}: {error}") from None


def _strategy(item: Mapping[str, Any], where: str) -> str:
    strategy = _text(item, "strategy").replace("-", "_")
    if strategy and strategy not in STRATEGIES:
        raise SpecError(f"{where}: strategy={strategy!r}; use one of {', '.join(STRATEGIES)}")
    return strategy


def read_performer(item: Mapping[str, Any]) -> PerformerRule:
    kind = _text(item, "kind")
    where = f"potok:performer kind={kind!r}"
    if kind not in PERFORMER_KINDS:
        raise SpecError(f"potok:performer: kind={kind!r}; use one of {', '.join(PERFORMER_KINDS)}")
    strategy = _strategy(item, where)
    if strategy == "queue" and kind != "role":
        raise SpecError(f"{where}: only a role has a queue; use round_robin or least_open")
    if kind == "user":
        user = _text(item, "user")
        if not user:
            raise SpecError(f"{where}: give the login in user=")
        return PerformerRule(kind=kind, strategy=strategy, user=user)
    if kind == "role":
        role = _text(item, "role")
        if not role:
            raise SpecError(f"{where}: give the role's code in role=")
        object_type = _text(item, "object-type")
        source = _text(item, "object")
        if source and not object_type:
            match = TYPED_OBJECT.match(source)
            if match is None:
                raise SpecError(
                    f"{where}: object={source!r} must say the object's type, e.g. "
                    'object="department:complaint.department"'
                )
            object_type, source = match.group("type"), match.group("expression").strip()
        if object_type and not source:
            raise SpecError(f"{where}: object-type={object_type!r} needs object= (an expression)")
        return PerformerRule(
            kind=kind,
            strategy=strategy,
            role=role,
            object_type=object_type,
            object=_compile(source, f"{where} object") if source else None,
        )
    if kind == "field":
        path = _text(item, "field")
        if not path or not all(CODE.match(part) for part in path.split(".")):
            raise SpecError(f"{where}: field={path!r} must be a field code, or codes joined by dots")
        return PerformerRule(kind=kind, strategy=strategy, field_path=tuple(path.split(".")))
    if kind == "expression":
        value = _expression(item, "value", where)
        if value is None:
            raise SpecError(f"{where}: give the expression in value=")
        return PerformerRule(kind=kind, strategy=strategy, value=value)
    if kind in ("performer-of", "manager-of"):
        task = _text(item, "task")
        if not task:
            raise SpecError(f"{where}: give the id of the earlier task in task=")
        return PerformerRule(kind=kind, strategy=strategy, task=task)
    if kind == "department-head":
        department = _expression(item, "department", where)
        if department is None:
            raise SpecError(f"{where}: give the department (an expression) in department=")
        return PerformerRule(kind=kind, strategy=strategy, department=department)
    return PerformerRule(kind=kind, strategy=strategy)  # initiator


def read_deadline(item: Mapping[str, Any]) -> DeadlineRule:
    where = "potok:deadline"
    duration = _text(item, "duration")
    at = _expression(item, "at", where)
    if bool(duration) == bool(at):
        raise SpecError(f'{where}: give either duration= ("2 working days") or at= (an expression)')
    if duration:
        _check_duration(duration, f"{where} duration")
    calendar = _text(item, "calendar") or "performer"
    if calendar not in ("performer", "company"):
        raise SpecError(f"{where}: calendar={calendar!r}; use performer or company")
    return DeadlineRule(duration=duration, at=at, calendar=calendar)


def read_reminder(item: Mapping[str, Any]) -> ReminderRule:
    before = _text(item, "before")
    if not before:
        raise SpecError('potok:reminder: give before= ("PT4H", "1 day")')
    try:
        value = parse_working_duration(before, working=False)
    except CalendarError as error:
        raise SpecError(f"potok:reminder before: {error}") from None
    if not hasattr(value, "total_seconds"):
        raise SpecError(
            f"potok:reminder before={before!r}: a reminder counts calendar time, not working time"
        )
    return ReminderRule(before=before)


def _targets(item: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[\s,]+", _text(item, "to")) if part)


def _check_target(target: str, allowed: tuple[str, ...], where: str) -> None:
    kind, _sep, value = target.partition(":")
    if value and kind in ("role", "user"):
        return
    if not value and target in allowed:
        return
    raise SpecError(f"{where}: to={target!r}; use {', '.join(allowed)}, role:<code> or user:<login>")


def read_escalation(item: Mapping[str, Any], index: int) -> EscalationTier:
    where = f"potok:escalation #{index + 1}"
    after = _text(item, "after") or "PT0S"
    _check_duration(after, f"{where} after")
    action = _text(item, "action")
    if action not in ESCALATION_ACTIONS:
        raise SpecError(f"{where}: action={action!r}; use one of {', '.join(ESCALATION_ACTIONS)}")
    targets = _targets(item)
    outcome = _text(item, "outcome")
    if action == "notify":
        if not targets:
            raise SpecError(
                f"{where}: say whom to notify in to= (performer, head, role:<code>, user:<login>)"
            )
        for target in targets:
            _check_target(target, NOTIFY_TARGETS, where)
    elif action == "reassign":
        if len(targets) != 1:
            raise SpecError(f"{where}: reassign to exactly one of head, owner, role:<code> or user:<login>")
        _check_target(targets[0], REASSIGN_TARGETS, where)
    elif not outcome:
        raise SpecError(f"{where}: action=complete needs outcome=")
    return EscalationTier(
        after=after,
        action=action,
        targets=targets,
        outcome=outcome,
        message_ru=_text(item, "message-ru"),
        message_en=_text(item, "message-en"),
    )


def read_field(item: Mapping[str, Any]) -> FormField:
    code = _text(item, "code")
    where = f"potok:field {code!r}"
    if not CODE.match(code):
        raise SpecError(f"potok:field: code={code!r} must be Latin letters, digits and _")
    kind = _text(item, "type") or "string"
    if kind not in FIELD_TYPES:
        raise SpecError(f"{where}: type={kind!r}; use one of {', '.join(FIELD_TYPES)}")
    settings: dict[str, Any] = {}
    for attribute, key in (
        ("min", "min"),
        ("max", "max"),
        ("max-length", "max_length"),
        ("regex", "regex"),
        ("decimal-places", "decimal_places"),
        ("currency", "currency"),
        ("target", "target"),
    ):
        value = _text(item, attribute)
        if value:
            settings[key] = value
    options = tuple(
        ChoiceOption(
            value=_text(option, "value"),
            label_ru=_text(option, "label-ru") or _text(option, "value"),
            label_en=_text(option, "label-en") or _text(option, "label-ru") or _text(option, "value"),
        )
        for option in _items(item, "option")
    )
    if kind == "choice":
        if not options or any(not option.value for option in options):
            raise SpecError(f'{where}: a choice lists its options as <potok:option value="…"/>')
        settings["options"] = [
            {"value": option.value, "label_ru": option.label_ru, "label_en": option.label_en}
            for option in options
        ]
    if kind == "reference" and not settings.get("target"):
        raise SpecError(f"{where}: a reference says what it refers to in target= (e.g. document.complaint)")
    label_ru = _text(item, "label-ru") or _text(item, "label") or code
    return FormField(
        code=code,
        type=kind,
        label_ru=label_ru,
        label_en=_text(item, "label-en") or label_ru,
        required=_flag(item, "required", where),
        default=_expression(item, "default", where),
        help_ru=_text(item, "help-ru"),
        help_en=_text(item, "help-en"),
        settings=settings,
        options=options,
    )


def read_outcome(item: Mapping[str, Any]) -> OutcomeSpec:
    code = _text(item, "code")
    where = f"potok:outcome {code!r}"
    if not CODE.match(code):
        raise SpecError(f"potok:outcome: code={code!r} must be Latin letters, digits and _")
    style = _text(item, "style") or "primary"
    if style not in OUTCOME_STYLES:
        raise SpecError(f"{where}: style={style!r}; use one of {', '.join(OUTCOME_STYLES)}")
    comment = _text(item, "comment")
    if comment not in ("", "required", "optional"):
        raise SpecError(f"{where}: comment={comment!r}; use required or optional")
    label_ru = _text(item, "label-ru") or code
    return OutcomeSpec(
        code=code,
        label_ru=label_ru,
        label_en=_text(item, "label-en") or label_ru,
        style=style,
        comment=comment,
        checks=_flag(item, "checks", where, default=True),
    )


def read_requirement(item: Mapping[str, Any]) -> Requirement:
    document_type = _text(item, "type").removeprefix("document.")
    where = f"potok:requires {document_type!r}"
    if not CODE.match(document_type):
        raise SpecError(f"potok:requires: type={document_type!r} must be a document type's code")
    scope = _text(item, "scope") or "record"
    if scope not in REQUIREMENT_SCOPES:
        raise SpecError(f"{where}: scope={scope!r}; use record or process")
    link = _text(item, "link")
    if link and not CODE.match(link):
        raise SpecError(f"{where}: link={link!r} must be the code of the document's reference field")
    prefill = []
    for entry in _items(item, "prefill"):
        code = _text(entry, "field")
        value = _expression(entry, "value", f"{where} prefill {code!r}")
        if not CODE.match(code) or value is None:
            raise SpecError(
                f"{where}: <potok:prefill> needs field= (a field code) and value= (an expression)"
            )
        prefill.append(Prefill(field=code, value=value))
    return Requirement(
        document_type=document_type,
        link=link,
        scope=scope,
        condition=_expression(item, "condition", where),
        label_ru=_text(item, "label-ru"),
        label_en=_text(item, "label-en"),
        prefill=tuple(prefill),
    )


def _priority(extensions: Mapping[str, Any]) -> int:
    items = _items(extensions, "priority")
    if not items:
        return 0
    value = _text(items[0], "value").lower()
    if value in PRIORITIES:
        return PRIORITIES[value]
    try:
        return max(-5, min(5, int(value)))
    except ValueError:
        raise SpecError(
            f"potok:priority: value={value!r}; use low, normal, high, urgent or a number"
        ) from None


def read_spec(extensions: Mapping[str, Any], vendor_attributes: Mapping[str, str] | None = None) -> TaskSpec:
    """The spec of a user task from its Potok extensions (raises SpecError naming the element)."""
    performers = [read_performer(item) for item in _items(extensions, "performer")]
    if not performers and vendor_attributes:
        # A file drawn in Camunda Modeler: camunda:assignee (a login) and camunda:candidateGroups (roles).
        assignee = (vendor_attributes.get("camunda:assignee") or "").strip()
        if assignee and "${" not in assignee:
            performers.append(PerformerRule(kind="user", user=assignee))
        for group in (vendor_attributes.get("camunda:candidateGroups") or "").split(","):
            if group.strip() and "${" not in group:
                performers.append(PerformerRule(kind="role", role=group.strip()))
    deadlines = _items(extensions, "deadline")
    if len(deadlines) > 1:
        raise SpecError("potok:deadline: a task has one deadline")
    fields = [read_field(item) for item in _items(extensions, "field")]
    outcomes = [read_outcome(item) for item in _items(extensions, "outcome")]
    for name, codes in (("field", [f.code for f in fields]), ("outcome", [o.code for o in outcomes])):
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise SpecError(f"potok:{name}: the code {repeated[0]!r} is used twice")
    escalations = [
        read_escalation(item, index) for index, item in enumerate(_items(extensions, "escalation"))
    ]
    outcome_codes = {o.code for o in outcomes}
    for index, tier in enumerate(escalations):
        if tier.action == "complete" and outcome_codes and tier.outcome not in outcome_codes:
            raise SpecError(
                f"potok:escalation #{index + 1}: outcome={tier.outcome!r} is not one of the task's outcomes"
            )
    if (escalations or _items(extensions, "reminder")) and not deadlines:
        raise SpecError("potok:escalation / potok:reminder: the task needs a potok:deadline to count from")
    return TaskSpec(
        performers=tuple(performers),
        deadline=read_deadline(deadlines[0]) if deadlines else None,
        reminders=tuple(read_reminder(item) for item in _items(extensions, "reminder")),
        escalations=tuple(escalations),
        fields=tuple(fields),
        outcomes=tuple(outcomes),
        requirements=tuple(read_requirement(item) for item in _items(extensions, "requires")),
        priority=_priority(extensions),
    )


_cache: dict[int, tuple[Node, TaskSpec]] = {}
_cache_lock = threading.Lock()
EMPTY_SPEC = TaskSpec()


def task_spec(node: Node) -> TaskSpec:
    """The spec of a user task node. A node whose declarations are broken gets an empty spec (it is
    addressed as a task without rules: an addressing problem an administrator sees); publishing refuses
    such a model through `spec_problems`."""
    with _cache_lock:
        cached = _cache.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    try:
        spec = read_spec(node.extensions, node.vendor_attributes)
    except SpecError:
        spec = EMPTY_SPEC
    with _cache_lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[id(node)] = (node, spec)
    return spec


def spec_error(node: Node) -> str | None:
    """What is wrong with a node's declarations, or None."""
    try:
        read_spec(node.extensions, node.vendor_attributes)
    except SpecError as error:
        return str(error)
    return None


def spec_problems(process: ProcessDefinition) -> list[tuple[str, str]]:
    """(element id, message) for every user task whose Potok declarations cannot be used."""
    problems = []
    for node in process.nodes.values():
        if node.kind not in USER_TASK_KINDS:
            continue
        message = spec_error(node)
        if message:
            problems.append((node.id, message))
    return problems
