"""An incident in the reader's language, from the code and params the engine gave it.

The engine keeps an English `message` (the API and logs show it as it is) and says the same as a code
with parameters (potok.engine.runtime.incidents); this is the one place that words those codes. The web
pages and the administrators' notifications use it; an incident whose code is empty (older than the
codes) or unknown here reads as its stored message.

It lives in the processes domain rather than the web layer because the notifications
(potok.processes.alerts) need it too, and domain apps import no adapters.

Example::

    with translation.override("ru"):
        incident_text(incident)  # "Шлюз «Сумма?»: ни одно условие не выполнено, а потока по умолчанию нет"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, pgettext_lazy

# What a failed expression was (params["subject"] of "expression.failed"), as the object of
# "could not evaluate …".
SUBJECTS: dict[str, Promise] = {
    "flow_condition": pgettext_lazy("incident expression", "the condition of flow «%(flow)s»"),
    "mi_collection": pgettext_lazy("incident expression", "the collection of the multi-instance step"),
    "loop_cardinality": pgettext_lazy("incident expression", "the number of instances"),
    "loop_condition": pgettext_lazy("incident expression", "the loop condition"),
    "event_condition": pgettext_lazy("incident expression", "the condition of the event"),
    "action_parameter": pgettext_lazy("incident expression", "the action parameter «%(parameter)s»"),
    "completion_condition": pgettext_lazy("incident expression", "the completion condition"),
}
ANY_EXPRESSION = pgettext_lazy("incident expression", "the expression")

TEXTS: dict[str, Promise] = {
    "steps.limit": gettext_lazy(
        "Step «%(node)s»: more than %(limit)s steps in one operation. Is there an endless loop?"
    ),
    "expression.failed": gettext_lazy(
        "Step «%(node)s»: could not evaluate %(subject)s «%(expression)s»: %(error)s"
    ),
    "flow.condition_invalid": gettext_lazy(
        "Step «%(node)s»: the condition of flow «%(flow)s» has an error; correct it in the diagram"
    ),
    "flow.none_taken": gettext_lazy(
        "Step «%(node)s»: every condition of its outgoing flows is false and there is no default flow"
    ),
    "gateway.no_outgoing_flow": gettext_lazy("Gateway «%(node)s» has no outgoing flow"),
    "gateway.no_true_condition": gettext_lazy(
        "Gateway «%(node)s»: no condition is true and there is no default flow"
    ),
    "node.unsupported": gettext_lazy("Step «%(node)s»: Potok cannot run an element of kind %(kind)s"),
    "mi.no_collection": gettext_lazy(
        "Step «%(node)s»: a multi-instance step needs a number of instances or a collection"
    ),
    "mi.not_a_collection": gettext_lazy(
        "Step «%(node)s»: «%(expression)s» gave %(value)s, which is neither a number nor a list"
    ),
    "message.correlation_failed": gettext_lazy(
        "Step «%(node)s»: could not evaluate the correlation key of the message: %(error)s"
    ),
    "script.invalid": gettext_lazy("Step «%(node)s»: the script has an error and cannot run"),
    "script.failed": gettext_lazy("Step «%(node)s»: the script failed: %(error)s"),
    "action.missing": gettext_lazy("Step «%(node)s» names no action"),
    "action.unknown": gettext_lazy("Step «%(node)s»: there is no action «%(action)s»"),
    "action.failed": gettext_lazy("Step «%(node)s»: the action «%(action)s» failed: %(error)s"),
    "error.uncaught": gettext_lazy("Step «%(node)s»: nothing catches the error «%(error_code)s»"),
    "decision.unavailable": gettext_lazy(
        "Step «%(node)s»: the decision table «%(decision)s» is not available"
    ),
    "decision.failed": gettext_lazy("Step «%(node)s»: the decision table «%(decision)s» failed: %(error)s"),
    "subprocess.no_start": gettext_lazy("Subprocess «%(node)s» has no plain start event"),
    "event_subprocess.entered": gettext_lazy(
        "Step «%(node)s»: an event subprocess is started by its event, not by a flow"
    ),
    "call.no_called_element": gettext_lazy("Step «%(node)s» does not name the process to call"),
    "call.unresolved": gettext_lazy("Step «%(node)s»: the process «%(process)s» cannot be called: %(error)s"),
    "call.start_failed": gettext_lazy(
        "Step «%(node)s»: the called process «%(process)s» could not start: %(error)s"
    ),
    "call.too_deep": gettext_lazy(
        "Step «%(node)s»: calls are nested %(depth)s deep. Do processes call each other in a circle?"
    ),
    "call.mapping_failed": gettext_lazy(
        "Step «%(node)s»: could not evaluate the value of «%(target)s»: %(error)s"
    ),
    "timer.no_value": gettext_lazy("Step «%(node)s»: the timer has no value"),
    "timer.invalid": gettext_lazy("Step «%(node)s»: could not compute the timer's due time: %(error)s"),
    "job.failed": gettext_lazy(
        "Step «%(node)s»: a timer or delayed step failed %(attempts)s times: %(error)s"
    ),
}
# An uncaught error thrown by an action comes with the action's own text.
UNCAUGHT_WITH_TEXT = gettext_lazy("Step «%(node)s»: nothing catches the error «%(error_code)s»: %(error)s")
NO_ERROR_CODE = pgettext_lazy("incident", "(no code)")


def incident_text(incident: Any) -> str:
    """The incident (an Incident row or anything with code, params and message) in the active language."""
    return word(getattr(incident, "code", "") or "", getattr(incident, "params", None), incident.message)


def word(code: str, params: Mapping[str, Any] | None, message: str) -> str:
    """`code` with `params` as a sentence in the active language; `message` when the code is not known
    here or its params do not fit the sentence."""
    text = TEXTS.get(code)
    if text is None or not isinstance(params, Mapping):
        return str(message)
    values = {str(key): str(value) for key, value in params.items()}
    values.setdefault("node", values.get("node_id", ""))
    try:
        if code == "expression.failed":
            values["subject"] = str(SUBJECTS.get(values.get("subject", ""), ANY_EXPRESSION)) % values
        elif code == "error.uncaught":
            values["error_code"] = values.get("error_code") or str(NO_ERROR_CODE)
            if values.get("error"):
                text = UNCAUGHT_WITH_TEXT
        return str(text) % values
    except (KeyError, TypeError, ValueError):
        return str(message)
