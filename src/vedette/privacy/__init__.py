"""Vedette's privacy engine: find personal data, decide by policy, transform it.

    from vedette.privacy import Engine, load_policy
    engine = Engine(load_policy(), key=deployment_key)
    engine.detect("mail jane@corp.io")       # [Finding(type='EMAIL', start=5, end=17, ...)]
    engine.redact("mail jane@corp.io")       # 'mail EMAIL_...'

The names are loaded on first use, so that importing the package (its settings model is
part of every command's configuration) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vedette.privacy.engine import Engine, EngineError  # noqa: F401
    from vedette.privacy.entities import ALL_TYPES, Finding  # noqa: F401
    from vedette.privacy.policy import Policy, load_policy  # noqa: F401

_EXPORTS = {
    "Engine": "vedette.privacy.engine", "EngineError": "vedette.privacy.engine",
    "ALL_TYPES": "vedette.privacy.entities", "Finding": "vedette.privacy.entities",
    "Policy": "vedette.privacy.policy", "load_policy": "vedette.privacy.policy",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vedette.privacy' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
