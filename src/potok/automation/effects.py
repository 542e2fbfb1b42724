"""What the processes started by rules may change, and the loops rules could make through them.

A service task names an action (`<potok:action name="documents.set_fields">`). The app that owns an
action declares here which record types and events it may cause; from that, every enabled rule is an
edge: "an event of type A (the rule listens to) → the events its process may cause". A cycle through
enabled rules could start processes forever; it is refused when a rule is saved or enabled, with the
cycle shown. The check is an approximation (conditions are not looked at), and the depth limit of the
dispatcher stops at run time whatever it misses.

Example:
    >>> declare("documents.create", Effect(kind="created", entity_parameter="type", entity_prefix="document."))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from potok.engine.model.kinds import NodeKind

# A rule's process changes "the record the rule started it for" when an effect names no type.
SAME_RECORD = "@record"
ANY_DOCUMENT = "document.*"


@dataclass(frozen=True)
class Effect:
    """An action causes `kind` events (created / updated / deleted / linked) on a record type: a fixed
    `entity_type`, or the literal value of the parameter `entity_parameter` (with `entity_prefix`), or,
    when neither is given, the record the process works on."""

    kind: str
    entity_type: str | None = None
    entity_parameter: str | None = None
    entity_prefix: str = ""


_effects: dict[str, tuple[Effect, ...]] = {}


def declare(action: str, *effects: Effect) -> None:
    _effects[action] = tuple(effects)


def declared() -> dict[str, tuple[Effect, ...]]:
    return dict(_effects)


def declare_builtin() -> None:
    """The effects the processes app declares for its built-in actions (potok.processes.actions.DECLARED):
    "record" — the process's own record is changed; "document:<parameter>" — a document of the type
    named by that parameter is created (and, with `link`, linked to the record)."""
    try:
        from potok.processes.actions import DECLARED
    except ImportError:  # pragma: no cover - the processes app always ships it
        DECLARED = {}
    for action, declaration in DECLARED.items():
        changes = declaration.get("changes")
        if changes == "record":
            declare(action, Effect("updated"))
        elif isinstance(changes, str) and changes.startswith("document:"):
            parameter = changes.split(":", 1)[1]
            declare(
                action,
                Effect("created", entity_parameter=parameter, entity_prefix="document."),
                Effect("linked"),
            )
    declare("clients.set_fields", Effect("updated", entity_type="counterparty"))
    declare("sales.move_deal", Effect("updated", entity_type="deal"))


def _literal(source: str) -> str | None:
    text = source.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return None


def process_effects(process: Any, record_type: str) -> set[tuple[str, str]]:
    """(record type, event kind) pairs the process's service tasks may cause."""
    found: set[tuple[str, str]] = set()
    for node in process.nodes.values():
        if node.kind not in (NodeKind.SERVICE_TASK, NodeKind.SEND_TASK) or not getattr(node, "action", None):
            continue
        for effect in _effects.get(node.action, ()):
            target = effect.entity_type
            if target is None and effect.entity_parameter:
                condition = node.action_parameters.get(effect.entity_parameter)
                literal = _literal(condition.source) if condition is not None else None
                if literal is not None:
                    target = (
                        literal
                        if literal.startswith(effect.entity_prefix)
                        else effect.entity_prefix + literal
                    )
                elif effect.entity_prefix == "document.":
                    target = ANY_DOCUMENT
                else:
                    target = "*"
            if target is None:
                target = record_type
            found.add((target, effect.kind))
    return found


@dataclass(frozen=True)
class RuleNode:
    """A rule as the loop check sees it."""

    rule_id: int | None
    name: str
    entity_type: str
    kinds: frozenset[str]
    effects: frozenset[tuple[str, str]]


def _listens(rule: RuleNode, entity_type: str, kind: str) -> bool:
    if kind not in rule.kinds:
        return False
    if entity_type == "*":
        return True
    if entity_type == ANY_DOCUMENT:
        return rule.entity_type.startswith("document.")
    return rule.entity_type == entity_type


def find_cycle(rules: Iterable[RuleNode], start: RuleNode) -> list[RuleNode] | None:
    """A chain of rules leading from `start` back to it, or None."""
    nodes = list(rules)
    successors: dict[int, list[RuleNode]] = {}

    def next_rules(rule: RuleNode) -> list[RuleNode]:
        key = id(rule)
        if key not in successors:
            successors[key] = [
                other
                for other in nodes
                if any(_listens(other, entity_type, kind) for entity_type, kind in rule.effects)
            ]
        return successors[key]

    path: list[RuleNode] = [start]
    on_path = {id(start)}
    visited: set[int] = set()

    def walk(rule: RuleNode) -> list[RuleNode] | None:
        for other in next_rules(rule):
            if other is start:
                return [*path, start]
            if id(other) in on_path or id(other) in visited:
                continue
            path.append(other)
            on_path.add(id(other))
            found = walk(other)
            if found:
                return found
            path.pop()
            on_path.discard(id(other))
            visited.add(id(other))
        return None

    return walk(start)


def describe_cycle(cycle: list[RuleNode], kinds_label: Mapping[str, str] | None = None) -> str:
    steps = [f"«{rule.name}» ({rule.entity_type})" for rule in cycle]
    return " → ".join(steps)
