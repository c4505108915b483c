"""Which files matter and how much: severity rules, attributes, excludes, immutable mode.

A policy is data (YAML). The built-in Linux policy ships in `vedette/data/fim-linux.yaml`;
a user policy's rules are tried first, then the built-in ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vedette.config import ConfigError, parse_model
from vedette.events import Severity
from vedette.fim.globs import GlobSet, glob_to_regex

ATTRIBUTES = ("type", "mode", "uid", "gid", "size", "mtime", "ctime", "inode", "nlink",
              "target", "xattrs", "acl", "capabilities", "content")
Attribute = Literal["type", "mode", "uid", "gid", "size", "mtime", "ctime", "inode", "nlink",
                    "target", "xattrs", "acl", "capabilities", "content"]
HashAlgorithm = Literal["sha256", "sha512", "blake3"]
# A directory's times, size and link count move whenever an entry is added or removed
# inside it; those entries are reported on their own, so these would only be noise.
DIRECTORY_NOISE = frozenset({"mtime", "ctime", "size", "nlink"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_globs(globs: list[str]) -> list[str]:
    for pattern in globs:
        glob_to_regex(pattern)
    return globs


class Rule(_Model):
    name: str
    paths: list[str] = Field(min_length=1)
    severity: Severity = Severity.MEDIUM
    ignore: list[Attribute] = Field(default_factory=list)
    growing: bool = False
    controls: list[str] = Field(default_factory=list)

    _globs = field_validator("paths")(_check_globs)


class Immutable(_Model):
    enabled: bool = False
    writable: list[str] = Field(default_factory=list)

    _globs = field_validator("writable")(_check_globs)


class PolicyFile(_Model):
    """The YAML shape of a policy file."""

    include_default: bool = True
    scope: list[str] | None = None
    hashes: list[HashAlgorithm] | None = Field(default=None, min_length=1)
    exclude: list[str] = Field(default_factory=list)
    controls: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    immutable: Immutable = Field(default_factory=Immutable)
    cross_mounts: bool = False

    _globs = field_validator("exclude")(_check_globs)


@dataclass(frozen=True)
class Verdict:
    """What the policy says about one path."""

    rule: str
    severity: Severity
    ignore: frozenset[str]
    growing: bool
    controls: tuple[str, ...]


FALLBACK_RULE = Rule(name="default", paths=["**"], severity=Severity.MEDIUM)


class Policy:
    """A compiled policy: fast exclusion checks for the scanner, verdicts for the comparer."""

    def __init__(self, spec: PolicyFile, default: PolicyFile | None = None) -> None:
        base = default or PolicyFile(include_default=False)
        self.spec = spec
        self.scope = spec.scope or base.scope or ["/etc", "/usr/bin", "/usr/sbin"]
        self.hashes: list[str] = list(spec.hashes or base.hashes or ["sha256"])
        self.controls = tuple(dict.fromkeys([*spec.controls, *base.controls]))
        self.rules = [*spec.rules, *base.rules, FALLBACK_RULE]
        self.immutable = spec.immutable
        self.cross_mounts = spec.cross_mounts
        skipped = [*spec.exclude, *base.exclude]
        if spec.immutable.enabled:
            skipped += spec.immutable.writable
        # Asked once per walked path: bound straight to the regex, no Python frame between.
        self.excluded: Callable[[bytes], object] = GlobSet(
            [("exclude", pattern) for pattern in skipped]).matcher()
        self._rules = GlobSet([(str(index), pattern) for index, rule in enumerate(self.rules)
                               for pattern in rule.paths])

    def verdict(self, path: bytes) -> Verdict:
        index = self._rules.match(path)
        rule = self.rules[int(index)] if index is not None else FALLBACK_RULE
        if self.immutable.enabled:
            # On an immutable image every change outside the writable paths is suspect.
            severity = max(rule.severity, Severity.HIGH, key=lambda s: s.rank)
            return Verdict(rule.name, severity, frozenset(), False,
                           (*self.controls, *rule.controls))
        return Verdict(rule.name, rule.severity, frozenset(rule.ignore), rule.growing,
                       (*self.controls, *rule.controls))


def default_policy_file() -> PolicyFile:
    text = resources.files("vedette.data").joinpath("fim-linux.yaml").read_text("utf-8")
    return PolicyFile.model_validate(yaml.safe_load(text))


def load_policy(path: Path | None = None) -> Policy:
    """The built-in policy, or the one at `path` (layered over the built-in one)."""
    if path is None:
        return Policy(default_policy_file())
    if not path.exists():
        raise ConfigError(f"{path}: policy file not found")
    spec = parse_model(PolicyFile, path)
    return Policy(spec, default_policy_file() if spec.include_default else None)
