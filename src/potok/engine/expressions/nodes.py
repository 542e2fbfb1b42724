"""The abstract syntax tree: frozen dataclasses with source positions.

Positions are 0-based offsets into the source and do not take part in equality, so a tree
printed with :func:`potok.engine.expressions.unparse.to_source` and parsed again compares
equal to the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: null, a boolean, an integer, a Decimal or a text.

    Example: ``Literal(10000)`` for ``10000``.
    """

    value: Any
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ListDisplay:
    """A list written in the source, e.g. ``['new', 'open']``."""

    items: tuple[Node, ...]
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A root variable, e.g. ``amount``."""

    name: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Placeholder:
    """The input value of a FEEL unary test, written ``?``, e.g. ``? > 5``."""

    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Attribute:
    """One step of a dotted path, e.g. ``client.segment`` is ``Attribute(Name('client'), 'segment')``."""

    target: Node
    name: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Index:
    """Indexing, e.g. ``items[0]`` or ``record['key']``."""

    target: Node
    index: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Unary:
    """``-x`` (operator ``'-'``) or ``not x`` (operator ``'not'``)."""

    operator: str
    operand: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """Arithmetic or comparison, e.g. ``amount > 10000``.

    Operators are normalised: ``+ - * / %`` and ``== != < <= > >=`` (``=``, ``<>``, ``eq`` …
    are spellings of these), plus ``in`` and ``not in``.
    """

    operator: str
    left: Node
    right: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Logical:
    """``a and b and c`` (operator ``'and'``) or ``a or b`` (``'or'``) with two or more operands."""

    operator: str
    operands: tuple[Node, ...]
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class IsNull:
    """``x is null`` or, with ``negated``, ``x is not null``."""

    operand: Node
    negated: bool = False
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Between:
    """``x between low and high`` (both ends included)."""

    operand: Node
    low: Node
    high: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Conditional:
    """``if condition then when_true else when_false``."""

    condition: Node
    when_true: Node
    when_false: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Lambda:
    """A one-parameter function given to ``any``/``all``, e.g. ``x -> x.amount > 5``."""

    parameter: str
    body: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a registered function, e.g. ``len(description)``."""

    function: str
    arguments: tuple[Node, ...]
    position: int = field(default=0, compare=False)


Node: TypeAlias = (
    Literal
    | ListDisplay
    | Name
    | Placeholder
    | Attribute
    | Index
    | Unary
    | Binary
    | Logical
    | IsNull
    | Between
    | Conditional
    | Lambda
    | Call
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, in source order."""
    match node:
        case Literal() | Name() | Placeholder():
            return ()
        case ListDisplay(items=items):
            return items
        case Attribute(target=target):
            return (target,)
        case Index(target=target, index=index):
            return (target, index)
        case Unary(operand=operand) | IsNull(operand=operand):
            return (operand,)
        case Binary(left=left, right=right):
            return (left, right)
        case Logical(operands=operands):
            return operands
        case Between(operand=operand, low=low, high=high):
            return (operand, low, high)
        case Conditional(condition=condition, when_true=when_true, when_false=when_false):
            return (condition, when_true, when_false)
        case Lambda(body=body):
            return (body,)
        case Call(arguments=arguments):
            return arguments
    raise TypeError(f"not an expression node: {node!r}")


def depth(node: Node) -> int:
    """The nesting depth of a tree, computed without recursion so it is safe on hostile input."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


def dotted_path(node: Node) -> str | None:
    """``'client.segment'`` for a plain dotted path, ``None`` for anything else."""
    parts: list[str] = []
    current: Node = node
    while isinstance(current, Attribute):
        parts.append(current.name)
        current = current.target
    if not isinstance(current, Name):
        return None
    parts.append(current.name)
    return ".".join(reversed(parts))
