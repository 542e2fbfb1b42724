"""Errors raised by the engine: one base class so callers can catch everything the engine refuses.

Example::

    try:
        definitions = read_bpmn(data, source_name="complaint.bpmn")
    except BpmnError as error:
        print(error)  # complaint.bpmn:12: scriptTask 'calc': Python scripts are not executed by Potok; ...
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class BpmnError(EngineError):
    """A BPMN file was rejected; the message names the element (id, tag) and the line.

    Example::

        raise BpmnError("has no calledElement", element_id="call_1", tag="callActivity", line=14)
    """

    def __init__(
        self,
        message: str,
        *,
        element_id: str | None = None,
        tag: str | None = None,
        line: int | None = None,
        source_name: str | None = None,
    ) -> None:
        self.message = message
        self.element_id = element_id
        self.tag = tag
        self.line = line
        self.source_name = source_name
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source_name:
            where = self.source_name
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        what = ""
        if self.element_id is not None:
            what = f"{self.tag or 'element'} '{self.element_id}': "
        elif self.tag:
            what = f"{self.tag}: "
        prefix = f"{where}: " if where else ""
        return f"{prefix}{what}{self.message}"


class ScriptError(EngineError):
    """A script in Potok's assignment language did not compile; `position` is 0-based in the text."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} (at position {position})")


class DefinitionError(EngineError):
    """A process definition cannot be executed (it has compile problems or is not executable)."""


class NotFound(EngineError):
    """A row (instance, task, job, incident, definition) does not exist."""


class ConcurrentModification(EngineError):
    """The instance changed since it was loaded; the caller reloads and retries the operation."""


class InvalidTransition(EngineError):
    """A state change that the declared transitions do not allow (e.g. completing a cancelled task)."""


class MessageNotCorrelated(EngineError):
    """No waiting subscription and no message start event accepts the message."""
