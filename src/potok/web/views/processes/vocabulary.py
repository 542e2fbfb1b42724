"""The Potok extension elements the designer's side panel edits, described as data so that one small
renderer draws every section. The vocabulary is the tasks layer's (docs/bpmn-extensions.md,
potok.tasks.spec); labels are translated here, choices come from the company's data.

Each section is one extension element: `repeat` says it may occur several times; each attribute has a
`kind` the panel knows (text, select, expression, duration, calendar_duration, flag) and may be shown
only `when` another attribute has one of some values. Choices given as a string name a list of the
panel's `choices` (roles, users, document types, the diagram's user tasks)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def _attribute(name: str, label: str, kind: str = "text", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "kind": kind, **extra}


def _labels() -> list[dict[str, Any]]:
    return [
        _attribute("label-ru", _("Label (Russian)")),
        _attribute("label-en", _("Label (English)")),
    ]


def user_task_sections() -> list[dict[str, Any]]:
    performer_kinds = [
        ("role", _("a role")),
        ("user", _("a person")),
        ("field", _("a person named in a field of the record")),
        ("expression", _("an expression")),
        ("performer-of", _("the performer of an earlier task")),
        ("manager-of", _("the head of an earlier task's performer")),
        ("department-head", _("the head of a department")),
        ("initiator", _("the person who started the process")),
    ]
    field_types = [
        ("string", _("line of text")),
        ("text", _("text")),
        ("integer", _("whole number")),
        ("decimal", _("number")),
        ("money", _("money")),
        ("date", _("date")),
        ("datetime", _("date and time")),
        ("boolean", _("yes / no")),
        ("choice", _("choice from a list")),
        ("user", _("person")),
        ("counterparty", _("counterparty")),
        ("reference", _("reference to a record")),
    ]
    numeric = ["integer", "decimal", "money", "date", "datetime"]
    return [
        {
            "element": "performer",
            "label": _("Performers"),
            "item_label": _("Rule"),
            "help": _("Who performs the task; with several rules the first that finds somebody wins."),
            "repeat": True,
            "attributes": [
                _attribute("kind", _("Performer"), "select", choices=performer_kinds, required=True),
                _attribute("role", _("Role"), "select", choices="roles", when={"kind": ["role"]}),
                _attribute(
                    "object",
                    _("Addressing object (type:expression)"),
                    "expression",
                    placeholder="department:record.department",
                    when={"kind": ["role"]},
                    typed_object=True,
                ),
                _attribute("user", _("Person"), "select", choices="users", when={"kind": ["user"]}),
                _attribute("field", _("Field code"), placeholder="responsible", when={"kind": ["field"]}),
                _attribute("value", _("Expression"), "expression", when={"kind": ["expression"]}),
                _attribute(
                    "task",
                    _("Earlier task"),
                    "select",
                    choices="user_tasks",
                    when={"kind": ["performer-of", "manager-of"]},
                ),
                _attribute(
                    "department",
                    _("Department (expression)"),
                    "expression",
                    placeholder="record.department",
                    when={"kind": ["department-head"]},
                ),
                _attribute(
                    "strategy",
                    _("When several people fit"),
                    "select",
                    choices=[
                        ("", pgettext("strategy", "default")),
                        ("queue", _("a queue of the role: whoever takes it")),
                        ("round_robin", _("in turn")),
                        ("least_open", _("the one with fewest open tasks")),
                    ],
                ),
            ],
        },
        {
            "element": "deadline",
            "label": _("Deadline"),
            "item_label": _("Deadline"),
            "help": _("Either a duration in working time or a moment given by an expression."),
            "repeat": False,
            "attributes": [
                _attribute("duration", _("Duration"), "duration", placeholder=_("2 working days")),
                _attribute("at", _("or at (expression)"), "expression", placeholder="record.due_date"),
                _attribute(
                    "calendar",
                    _("Calendar"),
                    "select",
                    choices=[
                        ("", _("the performer's")),
                        ("performer", _("the performer's")),
                        ("company", _("the company's")),
                    ],
                ),
            ],
        },
        {
            "element": "reminder",
            "label": _("Reminders"),
            "item_label": _("Reminder"),
            "help": _("Calendar time before the deadline, e.g. PT4H or 1 day."),
            "repeat": True,
            "attributes": [
                _attribute("before", _("Before the deadline"), "calendar_duration", placeholder="PT4H")
            ],
        },
        {
            "element": "escalation",
            "label": _("Escalation tiers"),
            "item_label": _("Tier"),
            "help": _(
                "Counted from the deadline, fired in order, once each. Whom: performer, head, owner, "
                "initiator, role:<code> or user:<login>, separated by spaces."
            ),
            "repeat": True,
            "attributes": [
                _attribute("after", _("After the deadline"), "duration", placeholder="1 working day"),
                _attribute(
                    "action",
                    _("Action"),
                    "select",
                    choices=[
                        ("notify", _("notify")),
                        ("reassign", _("reassign")),
                        ("complete", _("complete with an outcome")),
                    ],
                    required=True,
                ),
                _attribute(
                    "to", _("Whom"), placeholder="performer head", when={"action": ["notify", "reassign"]}
                ),
                _attribute("outcome", _("Outcome code"), when={"action": ["complete"]}),
                _attribute("message-ru", _("Message (Russian)")),
                _attribute("message-en", _("Message (English)")),
            ],
        },
        {
            "element": "field",
            "label": _("Form fields"),
            "item_label": _("Field"),
            "help": _("Each value becomes a process variable named by its code."),
            "repeat": True,
            "attributes": [
                _attribute("code", _("Code"), placeholder="findings", required=True),
                _attribute("type", _("Type"), "select", choices=field_types),
                *_labels(),
                _attribute("required", _("Required"), "flag"),
                _attribute("default", _("Default (expression)"), "expression"),
                _attribute("min", _("Minimum"), when={"type": numeric}),
                _attribute("max", _("Maximum"), when={"type": numeric}),
                _attribute("max-length", _("Maximum length"), when={"type": ["string", "text"]}),
                _attribute("regex", _("Pattern (regular expression)"), when={"type": ["string"]}),
                _attribute("decimal-places", _("Decimal places"), when={"type": ["decimal"]}),
                _attribute("currency", _("Currency"), placeholder="RUB", when={"type": ["money"]}),
                _attribute(
                    "target", _("Refers to"), "select", choices="targets", when={"type": ["reference"]}
                ),
                _attribute("help-ru", _("Hint (Russian)")),
                _attribute("help-en", _("Hint (English)")),
            ],
            "children": [
                {
                    "element": "option",
                    "label": _("Options"),
                    "item_label": _("Option"),
                    "repeat": True,
                    "when": {"type": ["choice"]},
                    "attributes": [_attribute("value", _("Value"), required=True), *_labels()],
                }
            ],
        },
        {
            "element": "outcome",
            "label": _("Outcomes"),
            "item_label": pgettext("task", "Outcome"),
            "help": _("Buttons that complete the task; gateways branch on the outcome's code."),
            "repeat": True,
            "attributes": [
                _attribute("code", _("Code"), placeholder="approved", required=True),
                *_labels(),
                _attribute(
                    "style",
                    _("Colour"),
                    "select",
                    choices=[
                        ("", _("blue")),
                        ("success", _("green")),
                        ("danger", _("red")),
                        ("warning", _("yellow")),
                        ("secondary", _("grey")),
                    ],
                ),
                _attribute(
                    "comment",
                    _("Comment"),
                    "select",
                    choices=[("", _("none")), ("optional", _("optional")), ("required", _("required"))],
                ),
                _attribute("checks", _("Check required fields and objects"), "flag", default=True),
            ],
        },
        {
            "element": "requires",
            "label": _("Required objects"),
            "item_label": _("Document"),
            "help": _("Documents that must exist before the task can be completed."),
            "repeat": True,
            "attributes": [
                _attribute("type", _("Document type"), "select", choices="document_types", required=True),
                _attribute("link", _("Its reference field to the record"), placeholder="complaint"),
                _attribute(
                    "scope",
                    _("Which documents count"),
                    "select",
                    choices=[
                        ("", _("any linked to the record")),
                        ("process", _("only those made during this process")),
                    ],
                ),
                _attribute("condition", _("Condition (expression)"), "expression"),
                *_labels(),
            ],
            "children": [
                {
                    "element": "prefill",
                    "label": _("Filled in when created from the task"),
                    "item_label": _("Field"),
                    "repeat": True,
                    "attributes": [
                        _attribute("field", _("Field code"), required=True),
                        _attribute("value", _("Value (expression)"), "expression"),
                    ],
                }
            ],
        },
        {
            "element": "priority",
            "label": _("Priority"),
            "item_label": _("Priority"),
            "repeat": False,
            "attributes": [
                _attribute(
                    "value",
                    _("Priority"),
                    "select",
                    choices=[
                        ("low", _("low")),
                        ("normal", _("normal")),
                        ("high", _("high")),
                        ("urgent", _("urgent")),
                    ],
                )
            ],
        },
    ]
