"""One YAML configuration file, validated into typed settings.

Errors name the file, the key path and the line, so a typo is found in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vedette.auth.config import AuthSettings
from vedette.drift.config import DriftSettings
from vedette.home import ENV_CONFIG
from vedette.privacy.config import PrivacySettings

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration problem, already phrased for the user (file, key path, line)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HostSettings(_Section):
    name: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)


class StoreSettings(_Section):
    # A SQLite file or a `postgresql://` URL: text, because a Path folds the URL's `//`.
    path: str | None = None


class FimSettings(_Section):
    db: Path | None = None
    key: Path | None = None
    policy: Path | None = None
    paths: list[str] = Field(default_factory=list)
    workers: int | None = Field(default=None, ge=1, le=256)


class Settings(_Section):
    host: HostSettings = Field(default_factory=HostSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    fim: FimSettings = Field(default_factory=FimSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    drift: DriftSettings = Field(default_factory=DriftSettings)
    # Validated by vedette.pipeline.settings when the agent starts: its model (every sink's
    # settings) would cost every other command tens of milliseconds of start-up.
    agent: dict[str, Any] = Field(default_factory=dict)


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file into data plus its node tree (for line numbers in errors)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from exc
    return data, node


def line_of(node: yaml.Node | None, key_path: tuple[Any, ...]) -> int | None:
    """The 1-based line of `key_path` inside a composed YAML node, or of its nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in key_path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(key)), None)
            key_node = next((k for k, v in node.value if k.value == str(key)), None)
            if key_node is None:
                return line
            line, node = key_node.start_mark.line + 1, match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def validation_message(path: Path, node: yaml.Node | None, error: ValidationError) -> str:
    """Render pydantic errors as `file:line: key.path: problem` lines."""
    lines = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if not str(part).startswith("function-"))
        key_path = ".".join(str(part) for part in loc) or "(top level)"
        line = line_of(node, loc)
        where = f"{path}:{line}" if line else str(path)
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        lines.append(f"{where}: {key_path}: {message}")
    return "\n".join(lines)


def parse_model(model: type[M], path: Path) -> M:
    """Load a YAML file into `model`, raising ConfigError with file, key path and line."""
    data, node = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of settings at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_message(path, node, exc)) from exc


def load_settings(path: Path | None = None) -> Settings:
    """Settings from `path`, else from $VEDETTE_CONFIG, else the built-in defaults."""
    if path is None and os.environ.get(ENV_CONFIG):
        path = Path(os.environ[ENV_CONFIG])
    if path is None:
        return Settings()
    if not path.exists():
        raise ConfigError(f"{path}: configuration file not found")
    return parse_model(Settings, path)
