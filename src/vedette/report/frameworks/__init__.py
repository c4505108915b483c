"""Control catalogues: one YAML file per framework version in `vedette/data/frameworks`,
so a new version of a framework is a new file, not new code."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vedette.config import ConfigError, parse_model

# What the report knows how to show as evidence; a catalogue may only name these.
Evidence = Literal["scope_coverage", "fim_operation", "fim_dispositions", "drift_operation",
                   "auth_monitoring", "privacy_scanning", "pan_containment", "redaction",
                   "region_flows", "incident_register", "report_integrity"]


class Control(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    requirement: str
    evidence: list[Evidence] = Field(min_length=1)


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    version: str
    tag_prefix: str
    controls: list[Control] = Field(min_length=1)


@dataclass(frozen=True)
class Framework:
    catalogue: Catalogue
    file: str
    sha256: str

    @property
    def id(self) -> str:
        return self.catalogue.id

    def tag(self, control: Control) -> str:
        """How events name this control, e.g. `pci_dss:11.5.2`."""
        return f"{self.catalogue.tag_prefix}:{control.id}"


FOLDER = Path(str(resources.files("vedette"))) / "data" / "frameworks"


def load(path: Path) -> Framework:
    """One catalogue file; a bad one raises ConfigError naming file, key and line."""
    catalogue = parse_model(Catalogue, path)
    return Framework(catalogue, path.name, hashlib.sha256(path.read_bytes()).hexdigest())


def available() -> dict[str, Framework]:
    """Every shipped catalogue by framework id (`pci-dss`, `gdpr`, ...)."""
    frameworks = [load(path) for path in sorted(FOLDER.glob("*.yaml"))]
    return {framework.id: framework for framework in frameworks}


def select(names: list[str] | None) -> list[Framework]:
    """The named frameworks, in the order given; all of them if `names` is empty."""
    known = available()
    if not names:
        return list(known.values())
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(f"--framework: unknown {', '.join(unknown)}; known: "
                          f"{', '.join(sorted(known))}")
    return [known[name] for name in names]
