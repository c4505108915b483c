"""Redact any value an application may hand to a logger or a tracer, whatever its type.

Logging frameworks accept arbitrary objects and turn them into text late (a formatter's
`%(user)s`, a renderer's `repr`), so a value is safe only if what it will print as is safe:
objects are redacted through their text, numbers are checked as text (a card number logged
as an int is still a card number), containers keep their shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vedette.privacy import Engine

# What JSON (and so `Engine.redact_value`) can hold; anything else is reduced to its text.
_SCALARS = (str, int, float, bool, type(None))


def safe_text(value: object) -> str:
    """`str(value)`, or a placeholder when the object's own `__str__` fails."""
    try:
        return str(value)
    except Exception as exc:  # an application's __str__ may raise anything
        return f"<unprintable {type(value).__name__}: {type(exc).__name__}>"


def plain(value: object) -> object:
    """The value as JSON-like data: mappings, lists and scalars; other objects as text."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return {safe_text(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return safe_text(value)


def redact_any(engine: Engine, value: object, key_name: str | None = None) -> object:
    """`value` with its personal data transformed by `engine`, `key_name` as context.

    Strings come back as strings, containers as containers (tuples as lists); numbers are
    kept unless their text holds personal data; other objects come back as redacted text.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return engine.redact(value, key_name)
    if isinstance(value, int | float):
        text = str(value)
        redacted = engine.redact(text, key_name)
        return value if redacted == text else redacted
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return engine.redact_value(plain(value), key_name)
    return engine.redact(str(plain(value)), key_name)


__all__ = ["plain", "redact_any", "safe_text"]
