"""Service-task actions: a registry of named callables that return the variables to set."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from potok.engine.errors import EngineError


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action sees: where it runs, the variables (read-only), its evaluated parameters.

    Example::

        def charge(context: ActionContext) -> Mapping[str, Any]:
            return {"charged": context.parameters["amount"]}
    """

    instance_id: str
    process_id: str
    node_id: str
    execution_id: str
    business_key: str | None
    variables: Mapping[str, Any]
    parameters: Mapping[str, Any]
    now: datetime


class ActionError(EngineError):
    """Raised by an action to throw a BPMN error (caught by an error boundary event or event subprocess).

    Example::

        raise ActionError("card_declined", "the bank declined the card")
    """

    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        self.message = message or code
        super().__init__(f"{code}: {self.message}")


Action = Callable[[ActionContext], Mapping[str, Any] | None]


class ActionRegistry:
    """Name → action. An unknown name or an action that raises becomes an incident, never a crash.

    Example::

        actions = ActionRegistry()

        @actions.register("payments.charge")
        def charge(context: ActionContext) -> Mapping[str, Any]:
            return {"charged": True}

        engine = Engine(store, actions=actions)
    """

    def __init__(self, actions: Mapping[str, Action] | None = None) -> None:
        self._actions: dict[str, Action] = dict(actions or {})

    def register(self, name: str) -> Callable[[Action], Action]:
        def decorate(action: Action) -> Action:
            self._actions[name] = action
            return action

        return decorate

    def add(self, name: str, action: Action) -> None:
        self._actions[name] = action

    def get(self, name: str) -> Action | None:
        return self._actions.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._actions
