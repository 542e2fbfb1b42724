"""Compile the expressions, timers and scripts found in a file, collecting problems instead of failing."""

from __future__ import annotations

import re

from potok.engine.calendar import parse_working_duration
from potok.engine.errors import BpmnError, ScriptError
from potok.engine.expressions import ExpressionError, compile_expression
from potok.engine.model.iso8601 import IsoError, parse_cycle, parse_datetime, parse_duration
from potok.engine.model.kinds import TimerKind
from potok.engine.model.nodes import Problem
from potok.engine.model.scripts import compile_script
from potok.engine.model.specs import Condition, Script, TimerSpec

# Potok's own script formats; everything else is refused.
# Text that only Python reads this way: its constants, statements, augmented assignment, slices, f-strings.
_PYTHON_LOOKING = re.compile(
    r"\b(True|False|None|import|def|lambda|elif|print|range|str|int|float|dict|list|self)\b"
    r"|[+\-*/%]=|\*\*|//|:\s*$|\bf[\"']|\[[^\]]*:[^\]]*\]",
    re.MULTILINE,
)
POTOK_SCRIPT_FORMATS = frozenset({"potok", "feel", "juel", "text/x-potok"})
PYTHON_SCRIPT_FORMATS = frozenset({"python", "py", "text/x-python", "python3", "jython"})


class Compiler:
    """Compiles text found in a file; a text that does not compile becomes a Problem naming the element.

    Example::

        compiler = Compiler("complaint.bpmn")
        compiler.condition("amount >", element_id="f1", what="sequenceFlow 'f1': condition", line=7)
        compiler.problems[0].message  # "sequenceFlow 'f1': condition 'amount >' does not compile: ..."
    """

    def __init__(self, source_name: str) -> None:
        self.source_name = source_name
        self.problems: list[Problem] = []

    def problem(
        self, element_id: str | None, message: str, line: int | None, severity: str = "error"
    ) -> None:
        self.problems.append(Problem(element_id, message, line, severity, self.source_name))

    def condition(self, text: str, *, element_id: str, what: str, line: int | None) -> Condition | None:
        try:
            return Condition(text, compile_expression(text))
        except ExpressionError as error:
            where = f" at position {error.position}" if error.position is not None else ""
            self.problem(element_id, f"{what} {text!r} does not compile: {error.message}{where}", line)
            return None

    def timer(self, kind: TimerKind, text: str, *, element_id: str, what: str, line: int | None) -> TimerSpec:
        """ISO text is checked now; anything else must be a working-time phrase or an expression."""
        stripped = text.strip()
        try:
            _check_iso(kind, stripped)
            return TimerSpec(kind, stripped)
        except IsoError as iso_error:
            if kind is TimerKind.DURATION and _is_working_time(stripped):
                return TimerSpec(kind, stripped)
            try:
                expression = compile_expression(stripped)
            except ExpressionError:
                self.problem(element_id, f"{what}: {iso_error}", line)
                return TimerSpec(kind, stripped)
            return TimerSpec(kind, stripped, Condition(stripped, expression))

    def script(
        self, text: str, script_format: str | None, *, element_id: str, name: str, line: int | None
    ) -> Script | None:
        """A script in Potok's language; Python (declared, or undeclared and not Potok) is refused."""
        label = f"script task '{element_id}'" + (f" ({name})" if name else "")
        fmt = (script_format or "").strip().lower()
        if fmt in PYTHON_SCRIPT_FORMATS:
            raise _python_refused(label, element_id, line, self.source_name)
        if fmt and fmt not in POTOK_SCRIPT_FORMATS:
            raise BpmnError(
                f"{label}: scriptFormat {script_format!r} is not supported; "
                'write it in Potok\'s expression language (scriptFormat="potok")',
                element_id=element_id,
                tag="scriptTask",
                line=line,
                source_name=self.source_name,
            )
        if not fmt and _PYTHON_LOOKING.search(text):
            raise _python_refused(label, element_id, line, self.source_name)
        try:
            return compile_script(text)
        except ScriptError as error:
            if not fmt:
                # No declared format and not Potok's language: it is a Python script from another tool.
                raise _python_refused(label, element_id, line, self.source_name) from error
            self.problem(element_id, f"{label}: the script does not compile: {error}", line)
            return None


def _python_refused(label: str, element_id: str, line: int | None, source_name: str) -> BpmnError:
    return BpmnError(
        f"{label}: Python scripts are not executed by Potok; write it in Potok's expression language",
        element_id=element_id,
        tag="scriptTask",
        line=line,
        source_name=source_name,
    )


def _check_iso(kind: TimerKind, text: str) -> None:
    if kind is TimerKind.DATE:
        parse_datetime(text)
    elif kind is TimerKind.DURATION:
        parse_duration(text)
    else:
        parse_cycle(text)


def _is_working_time(text: str) -> bool:
    """ "2 working days", "4 hours", "2 рабочих дня": a duration the business calendar understands."""
    try:
        parse_working_duration(text)
    except ValueError:
        return False
    return True
