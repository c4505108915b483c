"""What one configuration-management run did to one host, whichever tool ran it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

TOOLS = ("puppet", "ansible", "chef", "terraform")


class ReportError(Exception):
    """A report that cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Resource:
    """One resource the run changed, would change (noop), or failed to manage."""

    name: str
    corrective: bool = False
    failed: bool = False
    # The file the resource manages, when it is one: lets a file-integrity finding on the
    # same path be explained by this run.
    path: str | None = None

    def as_context(self) -> dict[str, object]:
        shown: dict[str, object] = {"title": self.name}
        if self.path:
            shown["path"] = self.path
        if self.corrective:
            shown["corrective"] = True
        if self.failed:
            shown["failed"] = True
        return shown


@dataclass
class RunReport:
    """One run on one host. `changed` counts resources changed, or that would change in a
    noop run or a plan; `corrective` those of them that repaired drift (changed outside
    the configuration code); `failed` those the run could not manage."""

    tool: str
    host: str
    started: datetime
    changed: int
    corrective: int = 0
    failed: int = 0
    total: int | None = None
    skipped: int = 0
    duration: float | None = None
    run_failed: bool = False
    noop: bool = False
    run_id: str | None = None
    code_version: str | None = None
    resources: list[Resource] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    origin: str = ""

    @property
    def intentional(self) -> int:
        """Changes the configuration code asked for (all changes minus corrective ones)."""
        return max(self.changed - self.corrective, 0)

    @property
    def key(self) -> str:
        """Identity of the run, so that ingesting the same report twice counts it once."""
        return f"{self.tool}:{self.host}:{self.run_id or self.started.isoformat()}"
