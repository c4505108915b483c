"""Scan and redaction results as events and metrics: one finding event per file (or
redacted stream) and entity type, with a count and a few located samples, one status event
per run. Never a value: previews and keyed hashes only.

A log file with ten thousand e-mail addresses is one problem to fix, so it is one event,
deduplicated across runs by host, path and type; the individual lines go to the scan's own
output. Data in files is at rest; data a `pii redact` stream carries is in transit, and its
events say through which pipeline, what was done to it and which region it goes to.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vedette.events import Event, Host, Metric, MetricType, Severity
from vedette.privacy.entities import CREDIT_CARD, IP_ADDRESS, NATIONAL_IDS, SECRETS, US_SSN
from vedette.privacy.scan import STDIN, LineFinding, ScanProblem

SOURCE = "privacy"
CATEGORY = "data_security_finding"
MAX_SAMPLES = 10
MAX_LISTED_PROBLEMS = 100
# OCSF data lifecycle states: stored (files, databases) or moving (a stream being shipped).
AT_REST, IN_TRANSIT = "at_rest", "in_transit"

# Personal data found where it should not be bears on data minimisation and on the
# security of processing (GDPR Art. 5(1)(c), Art. 32; LGPD Art. 46). Readable card numbers
# at rest break PCI DSS 3.5.1 and call for the 12.10.7 procedure; credentials stored or
# logged in clear break 8.3.2; national identifiers fall under GDPR Art. 87.
BASE_CONTROLS = ("gdpr:art5(1)(c)", "gdpr:art32", "lgpd:art46")
_CONTROLS_BY_TYPE: dict[str, tuple[str, ...]] = {
    CREDIT_CARD: ("pci_dss:3.5.1", "pci_dss:12.10.7"),
    **{secret: ("pci_dss:8.3.2",) for secret in SECRETS},
    **{national: ("gdpr:art87",) for national in NATIONAL_IDS},
}
_SEVERITY_BY_TYPE: dict[str, Severity] = {
    CREDIT_CARD: Severity.HIGH, US_SSN: Severity.HIGH,
    **{secret: Severity.HIGH for secret in SECRETS},
    IP_ADDRESS: Severity.LOW,
}


def controls_for(entity_type: str) -> list[str]:
    return [*_CONTROLS_BY_TYPE.get(entity_type, ()), *BASE_CONTROLS]


def severity_for(entity_type: str) -> Severity:
    return _SEVERITY_BY_TYPE.get(entity_type, Severity.MEDIUM)


@dataclass
class FileTypeFindings:
    """What one scan found of one entity type in one file."""

    path: str
    type: str
    count: int = 0
    max_confidence: float = 0.0
    detectors: set[str] = field(default_factory=set)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: LineFinding) -> None:
        self.count += 1
        self.max_confidence = max(self.max_confidence, item.finding.confidence)
        self.detectors.add(item.finding.detector)
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append({"line": item.line, "start": item.finding.start,
                                 "end": item.finding.end, "preview": item.preview,
                                 "hash": item.hash})


class Tally:
    """Findings grouped by file and type, in the order first seen; counts by type and path."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], FileTypeFindings] = {}
        self.by_type: Counter[str] = Counter()
        self.by_path: Counter[str] = Counter()

    def add(self, item: LineFinding) -> None:
        key = (item.path, item.finding.type)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = FileTypeFindings(item.path, item.finding.type)
        group.add(item)
        self.by_type[item.finding.type] += 1
        self.by_path[item.path] += 1

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def finding_event(host: Host, group: FileTypeFindings) -> Event:
    plural = "" if group.count == 1 else "s"
    # Standard input is whatever was piped in: where it rests is not known.
    state = {} if group.path == STDIN else {"data_lifecycle_state": AT_REST}
    return Event(
        host=host, source=SOURCE, kind="finding", category=CATEGORY,
        severity=severity_for(group.type),
        summary=f"{group.count} {group.type} value{plural} in {group.path}",
        dedup_key=f"{host.name}:{SOURCE}:file:{group.path}:{group.type}",
        context={**state, "entity_type": group.type, "count": group.count,
                 "max_confidence": round(group.max_confidence, 3),
                 "detectors": sorted(group.detectors), "samples": group.samples},
        observables={"file.path": group.path},
        controls=controls_for(group.type))


def status_event(host: Host, scope: list[str], tally: Tally, files: int, scanned_bytes: int,
                 problems: list[ScanProblem]) -> Event:
    highest = Severity.highest([severity_for(kind) for kind in tally.by_type]) or Severity.INFO
    summary = (f"scanned {files} inputs ({scanned_bytes} bytes): {tally.total} findings"
               + (f", {len(problems)} unreadable" if problems else ""))
    return Event(
        host=host, source=SOURCE, kind="status", category=CATEGORY, severity=highest,
        summary=summary, dedup_key=f"{host.name}:{SOURCE}:scan:status",
        context={"scope": scope, "files": files, "bytes": scanned_bytes,
                 "findings": tally.total, "by_type": dict(tally.by_type),
                 "problems": len(problems),
                 "problem_list": [{"path": p.path, "problem": p.message}
                                  for p in problems[:MAX_LISTED_PROBLEMS]]},
        controls=list(BASE_CONTROLS))


def scan_metrics(tally: Tally, files: int, scanned_bytes: int, seconds: float) -> list[Metric]:
    metrics = [Metric(name="vedette_privacy_findings_total", value=count,
                      labels={"type": kind}, type=MetricType.COUNTER)
               for kind, count in sorted(tally.by_type.items())]
    metrics += [
        Metric(name="vedette_privacy_scanned_files", value=files),
        Metric(name="vedette_privacy_scanned_bytes", value=scanned_bytes),
        Metric(name="vedette_privacy_scan_duration_seconds", value=round(seconds, 3)),
    ]
    return metrics


# --- redacted streams ------------------------------------------------------------------------

@dataclass(frozen=True)
class Flow:
    """A stream `pii redact` filters: the pipeline's name, the region label of where it is
    sent (None: not said) and the legal basis of sending it there (None: none recorded)."""

    pipeline: str
    destination_region: str | None = None
    legal_basis: str | None = None

    def context(self) -> dict[str, str]:
        described = {"pipeline": self.pipeline, "destination_region": self.destination_region,
                     "legal_basis": self.legal_basis}
        return {key: value for key, value in described.items() if value is not None}


@dataclass
class StreamTypeFindings:
    """What one redacted stream carried of one entity type, and what the policy did to it
    (its transform: `mask`, `hash`, `keep`...)."""

    type: str
    action: str
    count: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, line: int, preview: str, hash_: str) -> None:
        self.count += 1
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append({"line": line, "preview": preview, "hash": hash_})


def stream_finding_event(host: Host, flow: Flow, group: StreamTypeFindings) -> Event:
    plural = "" if group.count == 1 else "s"
    return Event(
        host=host, source=SOURCE, kind="finding", category=CATEGORY,
        severity=severity_for(group.type),
        summary=f"{group.count} {group.type} value{plural} in pipeline {flow.pipeline} "
                f"({group.action})",
        dedup_key=f"{host.name}:{SOURCE}:pipeline:{flow.pipeline}:{group.type}",
        context={**flow.context(), "action": group.action,
                 "data_lifecycle_state": IN_TRANSIT, "entity_type": group.type,
                 "count": group.count, "samples": group.samples},
        controls=controls_for(group.type))


def stream_status_event(host: Host, flow: Flow, lines: int, groups: list[StreamTypeFindings],
                        dropped: int) -> Event:
    total = sum(group.count for group in groups)
    highest = Severity.highest([severity_for(group.type) for group in groups]) or Severity.INFO
    summary = (f"redacted {lines} lines of pipeline {flow.pipeline}: {total} findings"
               + (f", {dropped} lines dropped" if dropped else ""))
    return Event(
        host=host, source=SOURCE, kind="status", category=CATEGORY, severity=highest,
        summary=summary, dedup_key=f"{host.name}:{SOURCE}:pipeline:{flow.pipeline}:status",
        context={**flow.context(), "data_lifecycle_state": IN_TRANSIT, "lines": lines,
                 "findings": total, "by_type": {group.type: group.count for group in groups},
                 "dropped_lines": dropped},
        controls=list(BASE_CONTROLS))
