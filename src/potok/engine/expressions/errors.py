"""The one error type of the expression language."""

from __future__ import annotations


class ExpressionError(ValueError):
    """A problem with an expression: it does not parse, or it cannot be evaluated.

    The message names the position (0-based offset into ``source``) and what was expected
    or what went wrong; ``line`` and ``column`` are 1-based and derived from it.

    Example::

        >>> from potok.engine.expressions import compile_expression
        >>> try:
        ...     compile_expression("(a > 1))")
        ... except ExpressionError as error:
        ...     print(error, error.position)
        unexpected ')' at position 7 7
    """

    def __init__(
        self,
        message: str,
        position: int | None = None,
        source: str | None = None,
        *,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.position = position
        self.source = source
        self.path = path
        text = message
        if position is not None:
            text = f"{text} at position {position}"
        if path:
            text = f"{path}: {text}"
        super().__init__(text)

    @property
    def line(self) -> int | None:
        """The 1-based line of ``position`` in ``source``, when both are known."""
        if self.position is None or self.source is None:
            return None
        return self.source.count("\n", 0, self.position) + 1

    @property
    def column(self) -> int | None:
        """The 1-based column of ``position`` in ``source``, when both are known."""
        if self.position is None or self.source is None:
            return None
        return self.position - (self.source.rfind("\n", 0, self.position) + 1) + 1

    def with_path(self, path: str) -> ExpressionError:
        """Return a copy that names the condition-tree clause it came from."""
        return ExpressionError(self.message, self.position, self.source, path=path)
