"""What a report covers beyond what the store shows: hosts and pipelines that must report,
how far back a pipeline counts as expected, and which hosts and data stores form the
cardholder-data environment (CDE). Given by options or by a scope file (YAML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from vedette.config import ConfigError, parse_model

# The checks that record runs and events: a pipeline is one host's stream of one of them.
SOURCES = ("fim", "auth", "drift", "privacy")
DEFAULT_LOOKBACK_DAYS = 30


@dataclass(frozen=True, order=True)
class Pipeline:
    host: str
    source: str

    def __str__(self) -> str:
        return f"{self.host}:{self.source}"


def parse_pipeline(text: str) -> Pipeline:
    """`host:source`, e.g. `web-1:auth`; ValueError says what is wrong."""
    host, _, source = text.strip().rpartition(":")
    if not host or not source:
        raise ValueError(f"{text!r}: expected HOST:SOURCE, e.g. web-1:auth")
    if source not in SOURCES:
        raise ValueError(f"{text!r}: unknown source {source!r}; known: {', '.join(SOURCES)}")
    return Pipeline(host, source)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CdeFile(_Model):
    hosts: list[str] = Field(default_factory=list)
    stores: list[str] = Field(default_factory=list)


def _pipeline_text(text: str) -> str:
    parse_pipeline(text)
    return text


class ScopeFile(_Model):
    hosts: list[str] = Field(default_factory=list)
    # Checked item by item, so an error names the line of the item.
    pipelines: list[Annotated[str, AfterValidator(_pipeline_text)]] = Field(
        default_factory=list)
    lookback_days: int = Field(default=DEFAULT_LOOKBACK_DAYS, ge=0, le=366)
    cde: CdeFile = Field(default_factory=CdeFile)


@dataclass(frozen=True)
class Scope:
    hosts: tuple[str, ...] = ()
    pipelines: tuple[Pipeline, ...] = ()
    lookback: timedelta = timedelta(days=DEFAULT_LOOKBACK_DAYS)
    cde_hosts: frozenset[str] = field(default_factory=frozenset)
    cde_stores: tuple[str, ...] = ()

    def with_options(self, hosts: list[str], pipelines: list[str],
                     lookback_days: int | None) -> Scope:
        """This scope plus hosts and pipelines given as options (`--pipelines` items as
        text); a lookback given as an option replaces the file's."""
        try:
            named = [parse_pipeline(text) for text in pipelines]
        except ValueError as exc:
            raise ConfigError(f"--pipelines {exc}") from exc
        if lookback_days is not None and lookback_days < 0:
            raise ConfigError(f"--lookback {lookback_days}: expected 0 or more days")
        return Scope(
            hosts=tuple(dict.fromkeys([*self.hosts, *hosts])),
            pipelines=tuple(dict.fromkeys([*self.pipelines, *named])),
            lookback=self.lookback if lookback_days is None else timedelta(days=lookback_days),
            cde_hosts=self.cde_hosts, cde_stores=self.cde_stores)

    def store_in_cde(self, store: str) -> bool:
        """`payments` names every table of that database, `payments:public.cards` one
        table; shell-style wildcards work in either part."""
        return any(fnmatchcase(store, pattern) or fnmatchcase(store, f"{pattern}:*")
                   for pattern in self.cde_stores)


def load(path: Path) -> Scope:
    """A scope file; a bad one raises ConfigError naming file, key and line."""
    spec = parse_model(ScopeFile, path)
    return Scope(hosts=tuple(dict.fromkeys(spec.hosts)),
                 pipelines=tuple(dict.fromkeys(parse_pipeline(p) for p in spec.pipelines)),
                 lookback=timedelta(days=spec.lookback_days),
                 cde_hosts=frozenset(spec.cde.hosts), cde_stores=tuple(spec.cde.stores))
