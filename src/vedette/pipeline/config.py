"""The `agent:` section of vedette.yaml: checks, pipeline stages, spool and sinks."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from vedette.events import Severity
from vedette.pipeline.sinks.elasticsearch import ElasticsearchSettings
from vedette.pipeline.sinks.graphite import GraphiteSettings
from vedette.pipeline.sinks.influxdb import InfluxSettings
from vedette.pipeline.sinks.pagerduty import PagerDutySettings
from vedette.pipeline.sinks.prometheus import PrometheusSettings
from vedette.pipeline.sinks.pushgateway import PushgatewaySettings
from vedette.pipeline.sinks.sensu import SensuSettings
from vedette.pipeline.sinks.splunk import SplunkSettings
from vedette.pipeline.sinks.stdout import JsonlSettings, StdoutSettings
from vedette.pipeline.sinks.store import StoreSinkSettings
from vedette.pipeline.sinks.syslog import SyslogSettings
from vedette.pipeline.sinks.textfile import TextfileSettings
from vedette.pipeline.sinks.webhook import SlackSettings, WebhookSettings

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: object) -> object:
    """`90`, `"90s"`, `"5m"`, `"2h"`, `"30d"` → seconds; anything else is left to pydantic."""
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return float(match.group(1)) * _UNITS[match.group(2)]
    return value


Seconds = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckSettings(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    type: str = Field(description="fim, auth, drift or pii")
    interval: Seconds = 300.0
    timeout: Seconds = 120.0
    paths: list[str] = Field(default_factory=list, description="fim: roots to check")
    args: list[str] = Field(default_factory=list,
                            description="auth/drift/pii: arguments after `vedette <type>`")


class SilenceSettings(_Section):
    until: AwareDatetime
    source: str | None = None
    dedup_key: str | None = None
    host: str | None = None
    reason: str = ""


class FilterSettings(_Section):
    min_severity: Severity = Severity.INFO
    occurrences: int = Field(default=1, ge=1)
    repeat_after: Seconds | None = None
    silences: list[SilenceSettings] = Field(default_factory=list)

    @property
    def repeat_after_delta(self) -> timedelta | None:
        return timedelta(seconds=self.repeat_after) if self.repeat_after else None


class RedactSettings(_Section):
    enabled: bool = False
    policy: Path | None = None
    key: Path | None = None


class SpoolSettings(_Section):
    max_size_mb: float = Field(default=256, gt=0)
    segment_size_mb: float = Field(default=8, gt=0)


SinkConfig = Annotated[
    StdoutSettings | JsonlSettings | StoreSinkSettings | PagerDutySettings | WebhookSettings
    | SlackSettings | PrometheusSettings | TextfileSettings | PushgatewaySettings
    | InfluxSettings | GraphiteSettings | ElasticsearchSettings | SplunkSettings
    | SensuSettings | SyslogSettings,
    Field(discriminator="type"),
]


class AgentSettings(_Section):
    state_dir: Path | None = None
    concurrency: int = Field(default=2, ge=1, le=64)
    jitter: float = Field(default=0.1, ge=0, le=1)
    drain_timeout: Seconds = 30.0
    retention: Seconds | None = None
    checks: list[CheckSettings] = Field(default_factory=list)
    filters: FilterSettings = Field(default_factory=FilterSettings)
    redact: RedactSettings = Field(default_factory=RedactSettings)
    spool: SpoolSettings = Field(default_factory=SpoolSettings)
    sinks: list[SinkConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> AgentSettings:
        for what, names in (("checks", [c.name for c in self.checks]),
                            ("sinks", [s.sink_name for s in self.sinks])):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"{what}: names must be unique (give each a `name`): "
                                 + ", ".join(duplicates))
        return self
