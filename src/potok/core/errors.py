"""Errors the domain layer raises; adapters turn them into a 400 / 404 / 409 with a message.

Example:
    >>> raise ValidationFailed({"inn": "ИНН has a wrong check digit"})
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base class of errors that mean "the request cannot be carried out", never "something broke"."""


class ValidationFailed(DomainError):
    """Bad input: a message per field (the key "__all__" for the request as a whole)."""

    def __init__(self, errors: Mapping[str, str | list[str]] | str):
        if isinstance(errors, str):
            errors = {"__all__": errors}
        self.errors: dict[str, list[str]] = {
            field: [messages] if isinstance(messages, str) else list(messages)
            for field, messages in errors.items()
        }
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items()))


class NotFound(DomainError):
    """The record does not exist, or the user may not know that it exists (never a 403 for a guessed id)."""


class PermissionDenied(DomainError):
    """The user knows the record but may not perform this action on it."""


class Conflict(DomainError):
    """The record changed since the user read it, or the operation collides with another one."""
