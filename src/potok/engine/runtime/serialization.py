"""An instance's live state as plain JSON-able dicts, with a format version (save/reload, export).

Variables may hold dates, times, decimals and durations (the expression language produces them);
they are written as tagged objects `{"$type": "datetime", "value": "…"}` and read back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from potok.engine.errors import EngineError
from potok.engine.runtime.changes import ChangeSet
from potok.engine.runtime.rows import (
    Execution,
    HistoryRow,
    Incident,
    Instance,
    InstanceState,
    Job,
    Subscription,
    Task,
)
from potok.engine.runtime.states import (
    ExecutionState,
    IncidentState,
    InstanceStatus,
    JobKind,
    Outcome,
    SubscriptionKind,
    TaskKind,
    TaskState,
)

FORMAT_VERSION = 1
# Upgrade steps: FORMAT_VERSION n-1 → n. A new format adds a step here, never edits an old one.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

_FIELD_TYPES: dict[type[Any], dict[str, type[Enum]]] = {
    Instance: {"state": InstanceStatus},
    Execution: {"state": ExecutionState},
    Task: {"state": TaskState, "kind": TaskKind},
    Job: {"kind": JobKind},
    Subscription: {"kind": SubscriptionKind},
    Incident: {"state": IncidentState},
    HistoryRow: {"outcome": Outcome},
}
_DATETIME_FIELDS = frozenset(
    {"started_at", "ended_at", "created_at", "completed_at", "due_at", "resolved_at"}
)
_VARIABLE_FIELDS = frozenset({"variables", "data"})


class SerializationError(EngineError):
    """The data is not a serialized instance of a format this engine can read."""


def encode_value(value: Any) -> Any:
    """A variable value as JSON-able data (dates, decimals and durations tagged)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"$type": "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {"$type": "date", "value": value.isoformat()}
    if isinstance(value, time):
        return {"$type": "time", "value": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$type": "decimal", "value": str(value)}
    if isinstance(value, timedelta):
        return {"$type": "timedelta", "value": value.total_seconds()}
    if isinstance(value, Mapping):
        return {str(key): encode_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode_value(item) for item in value]
    raise SerializationError(f"a variable holds a {type(value).__name__}, which cannot be saved")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "decimal": Decimal,
    "timedelta": lambda seconds: timedelta(seconds=seconds),
}


def decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if isinstance(value, dict):
        tag = value.get("$type")
        if isinstance(tag, str) and set(value) == {"$type", "value"} and tag in _DECODERS:
            return _DECODERS[tag](value["value"])
        return {key: decode_value(item) for key, item in value.items()}
    return value


def _row_to_dict(row: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in dataclasses.fields(row):
        value = getattr(row, item.name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif item.name in _VARIABLE_FIELDS and value is not None:
            value = encode_value(value)
        result[item.name] = value
    return result


R = TypeVar("R")


def _row_from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
    enums = _FIELD_TYPES.get(cls, {})
    values: dict[str, Any] = {}
    names = {item.name for item in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for name, value in data.items():
        if name not in names:
            raise SerializationError(f"{cls.__name__} has no field {name!r}")
        if value is not None:
            if name in enums:
                value = enums[name](value)
            elif name in _DATETIME_FIELDS:
                value = datetime.fromisoformat(value)
            elif name in _VARIABLE_FIELDS:
                value = decode_value(value)
        values[name] = value
    return cls(**values)


def serialize_instance(state: InstanceState, history: list[HistoryRow] | None = None) -> dict[str, Any]:
    """An instance's live rows (and optionally its history) as JSON-able dicts.

    Example::

        data = serialize_instance(store.load_instance_state(instance.id), store.history(instance.id))
        json.dumps(data)
    """
    return {
        "format_version": FORMAT_VERSION,
        "instance": _row_to_dict(state.instance),
        "executions": [_row_to_dict(row) for row in state.executions.values()],
        "tasks": [_row_to_dict(row) for row in state.tasks.values()],
        "jobs": [_row_to_dict(row) for row in state.jobs.values()],
        "subscriptions": [_row_to_dict(row) for row in state.subscriptions.values()],
        "incidents": [_row_to_dict(row) for row in state.incidents.values()],
        "history": [_row_to_dict(row) for row in history or ()],
    }


def deserialize_instance(data: Mapping[str, Any]) -> tuple[InstanceState, list[HistoryRow]]:
    """Read what `serialize_instance` wrote (older formats are upgraded step by step)."""
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise SerializationError(
            f"unknown format version {version!r} (this engine reads up to {FORMAT_VERSION})"
        )
    upgraded = dict(data)
    while version < FORMAT_VERSION:
        upgraded = UPGRADES[version + 1](upgraded)
        version += 1
    try:
        state = InstanceState(
            _row_from_dict(Instance, upgraded["instance"]),
            {row["id"]: _row_from_dict(Execution, row) for row in upgraded["executions"]},
            {row["id"]: _row_from_dict(Task, row) for row in upgraded["tasks"]},
            {row["id"]: _row_from_dict(Job, row) for row in upgraded["jobs"]},
            {row["id"]: _row_from_dict(Subscription, row) for row in upgraded["subscriptions"]},
            {row["id"]: _row_from_dict(Incident, row) for row in upgraded["incidents"]},
        )
        history = [_row_from_dict(HistoryRow, row) for row in upgraded.get("history", ())]
    except (KeyError, TypeError, ValueError) as error:
        raise SerializationError(f"not a serialized instance: {error}") from error
    return state, history


def restore_changes(state: InstanceState, history: list[HistoryRow] | None = None) -> ChangeSet:
    """A ChangeSet that inserts a deserialized instance into a store that does not have it (version kept).

    Example::

        state, history = deserialize_instance(data)
        MemoryStore().apply(restore_changes(state, history))
    """
    changes = ChangeSet()
    changes.expected_versions[state.instance.id] = 0
    changes.instances.insert(state.instance)
    for execution in state.executions.values():
        changes.executions.insert(execution)
    for task in state.tasks.values():
        changes.tasks.insert(task)
    for job in state.jobs.values():
        changes.jobs.insert(job)
    for subscription in state.subscriptions.values():
        changes.subscriptions.insert(subscription)
    for incident in state.incidents.values():
        changes.incidents.insert(incident)
    changes.history.extend(history or ())
    return changes
