"""The error of DMN reading and evaluation."""

from __future__ import annotations


class DmnError(ValueError):
    """A DMN file or decision that cannot be read or evaluated; names the XML element.

    Example::

        >>> raise DmnError("rule 'r2': unexpected ')' at position 3", "UnaryTests_1")
        Traceback (most recent call last):
        DmnError: rule 'r2': unexpected ')' at position 3 [element UnaryTests_1]
    """

    def __init__(self, message: str, element_id: str | None = None) -> None:
        self.message = message
        self.element_id = element_id
        super().__init__(f"{message} [element {element_id}]" if element_id else message)
