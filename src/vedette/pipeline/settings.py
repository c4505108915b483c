"""Load the `agent:` section, with the same `file:line: key.path: problem` errors as the
rest of the configuration."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vedette.config import (
    ENV_CONFIG,
    ConfigError,
    Settings,
    load_settings,
    load_yaml,
    validation_message,
)
from vedette.pipeline.config import AgentSettings


class _AgentFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    agent: AgentSettings = Field(default_factory=AgentSettings)


def load_agent_settings(path: Path | None) -> tuple[Settings, AgentSettings]:
    """The whole configuration and its validated `agent:` section."""
    if path is None and os.environ.get(ENV_CONFIG):
        path = Path(os.environ[ENV_CONFIG])
    settings = load_settings(path)
    try:
        return settings, _AgentFile.model_validate({"agent": settings.agent}).agent
    except ValidationError as exc:
        node = load_yaml(path)[1] if path is not None else None
        raise ConfigError(validation_message(path or Path("(configuration)"), node, exc)) \
            from exc
