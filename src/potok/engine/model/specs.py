"""Small immutable specs that nodes carry: compiled conditions, event definitions, loops, call mappings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from potok.engine.model.kinds import CallBinding, EventKind, TimerKind


class CompiledExpression(Protocol):
    """What the engine needs of `potok.engine.expressions.compile_expression`'s result."""

    def evaluate(self, variables: Mapping[str, Any]) -> Any: ...


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """An expression compiled once at read time, with its source text kept for messages and writing.

    Example::

        condition = Condition("amount > 10000", compile_expression("amount > 10000"))
        condition.evaluate({"amount": 20000})  # True
    """

    source: str
    expression: CompiledExpression

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        return self.expression.evaluate(variables)


@dataclass(frozen=True, slots=True, eq=False)
class TimerSpec:
    """A timer's text (ISO 8601 date, duration, cycle or a working-time phrase), or an expression.

    Example::

        TimerSpec(TimerKind.CYCLE, "R3/PT10M")
    """

    kind: TimerKind
    text: str
    expression: Condition | None = None


@dataclass(frozen=True, slots=True, eq=False)
class EventDefinition:
    """One event definition of an event; `name` is the resolved message/signal name or error/escalation code.

    Example::

        EventDefinition(EventKind.MESSAGE, ref="Message_1", name="payment_received",
                        correlation=Condition("order_id", compile_expression("order_id")))
    """

    kind: EventKind
    ref: str | None = None
    name: str | None = None
    timer: TimerSpec | None = None
    condition: Condition | None = None
    correlation: Condition | None = None
    # Where a caught error/escalation code and message go (camunda:errorCodeVariable and friends).
    code_variable: str | None = None
    message_variable: str | None = None


NONE_EVENT = EventDefinition(EventKind.NONE)


@dataclass(frozen=True, slots=True, eq=False)
class MultiInstanceSpec:
    """multiInstanceLoopCharacteristics: parallel or sequential, by cardinality or over a collection.

    Example::

        MultiInstanceSpec(sequential=False, collection=Condition("reviewers", ...),
                          element_variable="reviewer", completion_condition=Condition(
                              "nrOfCompletedInstances >= 2", ...))
    """

    sequential: bool
    cardinality: Condition | None = None
    collection: Condition | None = None
    element_variable: str | None = None
    completion_condition: Condition | None = None
    output_collection: str | None = None
    output_element: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class StandardLoopSpec:
    """standardLoopCharacteristics: repeat while `condition` holds (tested after, or before, each pass).

    Example::

        StandardLoopSpec(condition=Condition("attempts < 3", ...), test_before=False, maximum=10)
    """

    condition: Condition | None = None
    test_before: bool = False
    maximum: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class VariableMapping:
    """One in/out mapping of a call activity: `target` receives the value of `source` (an expression).

    Example::

        VariableMapping(source=Condition("order.total", ...), target="amount")
    """

    source: Condition
    target: str


@dataclass(frozen=True, slots=True, eq=False)
class CallSpec:
    """What a call activity calls: process id, version binding, and variable mappings.

    With no mappings declared every variable is passed in and out (as SpiffWorkflow does); a
    declared mapping list switches that direction to "only what is mapped" unless `all_in`/`all_out`.

    Example::

        CallSpec(called_element="invoice", binding=CallBinding.PINNED, version="3")
    """

    called_element: str
    binding: CallBinding = CallBinding.LATEST
    version: str | None = None
    inputs: tuple[VariableMapping, ...] = ()
    outputs: tuple[VariableMapping, ...] = ()
    all_in: bool = True
    all_out: bool = True


@dataclass(frozen=True, slots=True, eq=False)
class Assignment:
    """One statement `name = expression` of a script. Example: `compile_script("a = 1").assignments[0].target`."""

    target: str
    value: Condition


@dataclass(frozen=True, slots=True, eq=False)
class Script:
    """A script task's body in Potok's assignment language: `total = amount * 2; flag = total > 10`.

    Example::

        script = compile_script("total = amount * 2; flag = total > 10")
        script.run({"amount": 6})  # {"total": 12, "flag": True}
    """

    source: str
    assignments: tuple[Assignment, ...]

    def run(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Evaluate the statements in order; later statements see earlier results."""
        results: dict[str, Any] = {}
        scope: dict[str, Any] = dict(variables)
        for assignment in self.assignments:
            value = assignment.value.evaluate(scope)
            scope[assignment.target] = value
            results[assignment.target] = value
        return results


@dataclass(frozen=True, slots=True, eq=False)
class ItemSpec:
    """A definitions-level message, signal, error or escalation (`code` for errors and escalations).

    Example::

        ItemSpec("Error_1", "Card declined", code="card_declined")
    """

    id: str
    name: str
    code: str | None = None


ExtensionTree = Mapping[str, Any]
