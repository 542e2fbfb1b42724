"""Kind-specific parts of flow nodes: event definitions, loops, tasks and call activities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from potok.engine.bpmn.compiling import Compiler
from potok.engine.bpmn.namespaces import BPMN, CAMUNDA, POTOK, SPIFF, ZEEBE, Element, tag
from potok.engine.model.kinds import CallBinding, EventKind, TimerKind
from potok.engine.model.specs import (
    CallSpec,
    Condition,
    EventDefinition,
    ItemSpec,
    MultiInstanceSpec,
    StandardLoopSpec,
    VariableMapping,
)

_EVENT_DEFINITION_KINDS = {
    "messageEventDefinition": EventKind.MESSAGE,
    "timerEventDefinition": EventKind.TIMER,
    "signalEventDefinition": EventKind.SIGNAL,
    "errorEventDefinition": EventKind.ERROR,
    "escalationEventDefinition": EventKind.ESCALATION,
    "terminateEventDefinition": EventKind.TERMINATE,
    "linkEventDefinition": EventKind.LINK,
    "conditionalEventDefinition": EventKind.CONDITIONAL,
    "cancelEventDefinition": EventKind.CANCEL,
    "compensateEventDefinition": EventKind.COMPENSATE,
}
_TIMER_KINDS = {"timeDate": TimerKind.DATE, "timeDuration": TimerKind.DURATION, "timeCycle": TimerKind.CYCLE}


@dataclass(slots=True)
class Catalog:
    """Definitions-level messages, signals, errors and escalations, by id.

    Example::

        catalog.messages["Message_1"].name  # "payment_received"
    """

    messages: dict[str, ItemSpec] = field(default_factory=dict)
    signals: dict[str, ItemSpec] = field(default_factory=dict)
    errors: dict[str, ItemSpec] = field(default_factory=dict)
    escalations: dict[str, ItemSpec] = field(default_factory=dict)


def local_name(element: Element) -> str | None:
    """The local name of a BPMN-namespace element, None for anything else."""
    if not isinstance(element.tag, str):
        return None
    qname = etree.QName(element)
    return qname.localname if qname.namespace == BPMN else None


def text_of(element: Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def child(element: Element, local: str) -> Element | None:
    return element.find(tag(local))


def vendor(element: Element, namespace: str, name: str) -> str | None:
    value = element.get(f"{{{namespace}}}{name}")
    return None if value is None else str(value)


def potok_value(element: Element, extensions: Mapping[str, Any], name: str, attribute: str) -> str | None:
    """A Potok setting given as attribute `potok:name` or as `<potok:name attribute="…"/>`."""
    direct = vendor(element, POTOK, name)
    if direct is not None:
        return direct
    for item in extensions.get(name, ()):
        if isinstance(item, dict):
            value = item.get(attribute) or item.get("text")
            if value:
                return str(value)
    return None


def event_definitions(
    element: Element,
    node_id: str,
    catalog: Catalog,
    compiler: Compiler,
    extensions: Mapping[str, Any],
) -> tuple[EventDefinition, ...]:
    """All event definitions of an event element, with references resolved to names and codes."""
    result: list[EventDefinition] = []
    for item in element:
        local = local_name(item)
        kind = _EVENT_DEFINITION_KINDS.get(local or "")
        if kind is None:
            continue
        line = item.sourceline
        what = f"{etree.QName(element).localname} '{node_id}'"
        if kind is EventKind.MESSAGE:
            ref = item.get("messageRef")
            message = catalog.messages.get(ref) if ref else None
            result.append(
                EventDefinition(
                    kind,
                    ref=ref,
                    name=message.name if message else _fallback_name(element, item, what, ref, compiler),
                    correlation=correlation(element, node_id, compiler, extensions),
                )
            )
        elif kind is EventKind.SIGNAL:
            ref = item.get("signalRef")
            signal = catalog.signals.get(ref) if ref else None
            name = signal.name if signal else _fallback_name(element, item, what, ref, compiler)
            result.append(EventDefinition(kind, ref=ref, name=name))
        elif kind is EventKind.ERROR:
            ref = item.get("errorRef")
            error = catalog.errors.get(ref) if ref else None
            result.append(
                EventDefinition(
                    kind,
                    ref=ref,
                    name=(error.code or error.name) if error else None,
                    code_variable=vendor(item, CAMUNDA, "errorCodeVariable"),
                    message_variable=vendor(item, CAMUNDA, "errorMessageVariable"),
                )
            )
        elif kind is EventKind.ESCALATION:
            ref = item.get("escalationRef")
            escalation = catalog.escalations.get(ref) if ref else None
            result.append(
                EventDefinition(
                    kind,
                    ref=ref,
                    name=(escalation.code or escalation.name) if escalation else None,
                    code_variable=vendor(item, CAMUNDA, "escalationCodeVariable"),
                )
            )
        elif kind is EventKind.TIMER:
            timer = None
            for part in item:
                timer_kind = _TIMER_KINDS.get(local_name(part) or "")
                if timer_kind is not None:
                    timer = compiler.timer(
                        timer_kind, text_of(part), element_id=node_id, what=f"{what}: {timer_kind}", line=line
                    )
            if timer is None:
                compiler.problem(
                    node_id, f"{what}: the timer has no timeDate, timeDuration or timeCycle", line
                )
            result.append(EventDefinition(kind, timer=timer))
        elif kind is EventKind.CONDITIONAL:
            text = text_of(child(item, "condition"))
            condition = None
            if text:
                condition = compiler.condition(text, element_id=node_id, what=f"{what}: condition", line=line)
            else:
                compiler.problem(node_id, f"{what}: the conditional event has no condition", line)
            result.append(EventDefinition(kind, condition=condition))
        elif kind is EventKind.LINK:
            result.append(EventDefinition(kind, name=item.get("name")))
        else:
            result.append(EventDefinition(kind))
    return tuple(result)


def _fallback_name(
    element: Element, definition: Element, what: str, ref: str | None, compiler: Compiler
) -> str | None:
    """Without a (resolvable) reference the event's own name is the message/signal name, as in Spiff."""
    kind = "message" if local_name(definition) == "messageEventDefinition" else "signal"
    node_id = str(element.get("id"))
    if ref:
        compiler.problem(node_id, f"{what}: {kind} {ref!r} is not defined in the file", definition.sourceline)
        return None
    name = element.get("name")
    if not name:
        return None
    compiler.problem(
        node_id,
        f"{what}: names no {kind}Ref; its name {name!r} is used as the {kind} name",
        definition.sourceline,
        "warning",
    )
    return str(name)


def correlation(
    element: Element, node_id: str, compiler: Compiler, extensions: Mapping[str, Any]
) -> Condition | None:
    """The correlation key expression of a message catcher: potok:correlation key, or zeebe's."""
    text = potok_value(element, extensions, "correlation", "key")
    if text is None:
        for holder in element.iterchildren(tag("extensionElements")):
            for subscription in holder.iterchildren(f"{{{ZEEBE}}}subscription"):
                text = subscription.get("correlationKey")
    if text is None:
        return None
    return compiler.condition(
        text,
        element_id=node_id,
        what=f"{etree.QName(element).localname} '{node_id}': correlation key",
        line=element.sourceline,
    )


def loop_characteristics(
    element: Element, node_id: str, compiler: Compiler
) -> MultiInstanceSpec | StandardLoopSpec | None:
    """multiInstanceLoopCharacteristics (BPMN, Camunda and Zeebe forms) or standardLoopCharacteristics."""
    label = f"{etree.QName(element).localname} '{node_id}'"
    multi = child(element, "multiInstanceLoopCharacteristics")
    if multi is not None:
        return _multi_instance(multi, node_id, label, compiler)
    standard = child(element, "standardLoopCharacteristics")
    if standard is None:
        return None
    text = text_of(child(standard, "loopCondition"))
    condition = None
    if text:
        condition = compiler.condition(
            text, element_id=node_id, what="loop condition", line=standard.sourceline
        )
    maximum_text = standard.get("loopMaximum")
    maximum = None
    if maximum_text:
        try:
            maximum = int(maximum_text)
        except ValueError:
            compiler.problem(
                node_id, f"loopMaximum {maximum_text!r} is not a whole number", standard.sourceline
            )
    if condition is None and maximum is None:
        compiler.problem(
            node_id, "a standard loop needs a loopCondition or a loopMaximum", standard.sourceline
        )
    return StandardLoopSpec(condition, standard.get("testBefore") == "true", maximum)


def _multi_instance(multi: Element, node_id: str, label: str, compiler: Compiler) -> MultiInstanceSpec:
    line = multi.sourceline

    def compiled(text: str | None, what: str) -> Condition | None:
        if not text or not text.strip():
            return None
        return compiler.condition(text.strip(), element_id=node_id, what=f"{label}: {what}", line=line)

    cardinality = compiled(text_of(child(multi, "loopCardinality")), "loopCardinality")
    collection_text = text_of(child(multi, "loopDataInputRef")) or vendor(multi, CAMUNDA, "collection")
    element_variable = None
    input_item = child(multi, "inputDataItem")
    if input_item is not None:
        element_variable = input_item.get("id") or input_item.get("name")
    element_variable = vendor(multi, CAMUNDA, "elementVariable") or element_variable
    output_collection = text_of(child(multi, "loopDataOutputRef")) or None
    output_element = None
    output_item = child(multi, "outputDataItem")
    if output_item is not None:
        output_element = output_item.get("id") or output_item.get("name")
    for holder in multi.iterchildren(tag("extensionElements")):
        for zeebe in holder.iterchildren(f"{{{ZEEBE}}}loopCharacteristics"):
            collection_text = zeebe.get("inputCollection") or collection_text
            element_variable = zeebe.get("inputElement") or element_variable
            output_collection = zeebe.get("outputCollection") or output_collection
            output_element = zeebe.get("outputElement") or output_element
    collection = compiled(collection_text, "collection")
    if cardinality is None and collection is None and not compiler_has_problem(compiler, node_id):
        compiler.problem(
            node_id, f"{label}: a multi-instance activity needs a loopCardinality or a collection", line
        )
    return MultiInstanceSpec(
        sequential=multi.get("isSequential") == "true",
        cardinality=cardinality,
        collection=collection,
        element_variable=element_variable,
        completion_condition=compiled(text_of(child(multi, "completionCondition")), "completionCondition"),
        output_collection=output_collection,
        output_element=output_element,
    )


def compiler_has_problem(compiler: Compiler, node_id: str) -> bool:
    return any(problem.element_id == node_id for problem in compiler.problems)


def call_spec(
    element: Element, node_id: str, compiler: Compiler, extensions: Mapping[str, Any]
) -> CallSpec | None:
    """calledElement with its binding (latest or pinned version) and in/out variable mappings."""
    called = element.get("calledElement")
    for holder in element.iterchildren(tag("extensionElements")):
        for zeebe in holder.iterchildren(f"{{{ZEEBE}}}calledElement"):
            called = called or zeebe.get("processId")
    if not called:
        return None
    binding = CallBinding.LATEST
    version = potok_value(element, extensions, "version", "value")
    potok_binding = vendor(element, POTOK, "binding")
    camunda_binding = vendor(element, CAMUNDA, "calledElementBinding")
    if potok_binding == "latest":
        version = None
    elif potok_binding == "pinned" or version or camunda_binding == "version":
        binding = CallBinding.PINNED
        version = version or vendor(element, CAMUNDA, "calledElementVersion")
    inputs, all_in = _mappings(element, node_id, compiler, "in")
    outputs, all_out = _mappings(element, node_id, compiler, "out")
    return CallSpec(called.strip(), binding, version, inputs, outputs, all_in, all_out)


def _mappings(
    element: Element, node_id: str, compiler: Compiler, direction: str
) -> tuple[tuple[VariableMapping, ...], bool]:
    mappings: list[VariableMapping] = []
    declared = False
    all_variables = False
    for holder in element.iterchildren(tag("extensionElements")):
        for item in holder:
            if not isinstance(item.tag, str):
                continue
            qname = etree.QName(item)
            if qname.localname != direction or qname.namespace not in (POTOK, CAMUNDA):
                continue
            declared = True
            if item.get("variables") == "all":
                all_variables = True
                continue
            source = item.get("sourceExpression") or item.get("source")
            target = item.get("target") or item.get("source")
            if not source or not target:
                compiler.problem(
                    node_id,
                    f"callActivity '{node_id}': a {direction} mapping needs source and target",
                    item.sourceline,
                )
                continue
            condition = compiler.condition(
                source,
                element_id=node_id,
                what=f"callActivity '{node_id}': {direction} mapping",
                line=item.sourceline,
            )
            if condition is not None:
                mappings.append(VariableMapping(condition, target))
    return tuple(mappings), all_variables or not declared


def action_of(element: Element, extensions: Mapping[str, Any]) -> str | None:
    """The action a service/send task runs: potok:action, else an external-task topic or Zeebe type."""
    action = potok_value(element, extensions, "action", "name")
    if action:
        return action
    topic = vendor(element, CAMUNDA, "topic")
    if topic:
        return topic
    for holder in element.iterchildren(tag("extensionElements")):
        for definition in holder.iterchildren(f"{{{ZEEBE}}}taskDefinition"):
            kind = definition.get("type")
            if kind:
                return str(kind)
        for operator in holder.iterchildren(f"{{{SPIFF}}}serviceTaskOperator"):
            name = operator.get("id")
            if name:
                return str(name)
    return None


def action_parameters(
    node_id: str, extensions: Mapping[str, Any], compiler: Compiler, line: int | None
) -> dict[str, Condition]:
    """`<potok:action name="…"><potok:parameter name="to">client.email</potok:parameter></potok:action>`."""
    result: dict[str, Condition] = {}
    for action in extensions.get("action", ()):
        if not isinstance(action, dict):
            continue
        for parameter in action.get("parameter", ()):
            name = parameter.get("name")
            text = parameter.get("text") or parameter.get("value")
            if not name or text is None:
                compiler.problem(
                    node_id, f"task '{node_id}': an action parameter needs a name and a value", line
                )
                continue
            condition = compiler.condition(
                text, element_id=node_id, what=f"task '{node_id}': parameter {name!r}", line=line
            )
            if condition is not None:
                result[name] = condition
    return result


def decision_of(element: Element, extensions: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(decision id, result variable) of a business rule task (Potok, Camunda, Zeebe, Spiff forms)."""
    decision = potok_value(element, extensions, "decision", "ref") or vendor(element, CAMUNDA, "decisionRef")
    result_variable = potok_value(element, extensions, "resultVariable", "name") or vendor(
        element, CAMUNDA, "resultVariable"
    )
    for holder in element.iterchildren(tag("extensionElements")):
        for called in holder.iterchildren(f"{{{ZEEBE}}}calledDecision"):
            decision = decision or called.get("decisionId")
            result_variable = result_variable or called.get("resultVariable")
        for called in holder.iterchildren(f"{{{SPIFF}}}calledDecisionId"):
            decision = decision or text_of(called) or None
    if decision is None:
        decision = vendor(element, POTOK, "decisionRef")
    return decision, result_variable
