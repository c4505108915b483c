"""Ansible runs: the summary written by Vedette's callback plugin, and the output of the
`ansible.posix.json` stdout callback (`ANSIBLE_STDOUT_CALLBACK=ansible.posix.json`).

Ansible counts tasks, not resources: a task that reported `changed` is one changed
resource. Ansible has no notion of a corrective change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vedette.drift.model import ReportError, Resource, RunReport
from vedette.drift.reports._common import count, parse_time

# The key that marks a summary written by the callback plugin, and its format version.
SUMMARY_KEY = "vedette_ansible_summary"


def looks_like(document: dict[str, Any]) -> bool:
    return SUMMARY_KEY in document or ("plays" in document and "stats" in document)


def parse(document: Any, origin: str, default_host: str) -> list[RunReport]:
    if not isinstance(document, dict) or not looks_like(document):
        raise ReportError(f"{origin}: not an Ansible json callback output or Vedette summary")
    if SUMMARY_KEY in document:
        return _from_summary(document, origin)
    return _from_json_callback(document, origin)


def _report(host: str, stats: dict[str, Any], started: datetime, ended: datetime | None,
            resources: list[Resource], noop: bool, run_id: str | None, origin: str
            ) -> RunReport:
    where = f"stats.{host}"
    failures = count(stats.get("failures", stats.get("failed")), origin, f"{where}.failures")
    unreachable = count(stats.get("unreachable"), origin, f"{where}.unreachable")
    ok = count(stats.get("ok"), origin, f"{where}.ok")
    skipped = count(stats.get("skipped"), origin, f"{where}.skipped")
    return RunReport(
        tool="ansible", host=host, started=started,
        changed=count(stats.get("changed"), origin, f"{where}.changed"),
        failed=failures, total=ok + failures + skipped, skipped=skipped,
        duration=(ended - started).total_seconds() if ended else None,
        run_failed=failures > 0 or unreachable > 0, noop=noop, run_id=run_id,
        resources=resources,
    )


def _from_summary(document: dict[str, Any], origin: str) -> list[RunReport]:
    started = parse_time(document["start"], origin, "start")
    ended = parse_time(document["end"], origin, "end") if document.get("end") else None
    hosts = document.get("hosts")
    if not isinstance(hosts, dict):
        raise ReportError(f"{origin}: hosts: expected a mapping of host to counts")
    reports = []
    for host, stats in hosts.items():
        resources = [_task(entry, failed=False) for entry in stats.get("changed_tasks", [])]
        resources += [_task(entry, failed=True) for entry in stats.get("failed_tasks", [])]
        reports.append(_report(host, stats, started, ended, resources,
                               bool(document.get("check_mode")), document.get("run_id"), origin))
    return reports


def _path_of(result: dict[str, Any]) -> str | None:
    """The file a task managed, as file modules (copy, template, file, lineinfile) return it."""
    path = result.get("dest") or result.get("path")
    return path if isinstance(path, str) else None


def _task(entry: dict[str, Any], failed: bool) -> Resource:
    return Resource(name=str(entry["task"]), failed=failed, path=entry.get("path"))


def _from_json_callback(document: dict[str, Any], origin: str) -> list[RunReport]:
    plays = document.get("plays") or []
    stats = document.get("stats")
    if not isinstance(stats, dict):
        raise ReportError(f"{origin}: stats: expected a mapping of host to counts")
    durations = [play["play"]["duration"] for play in plays
                 if play.get("play", {}).get("duration")]
    if not durations:
        raise ReportError(f"{origin}: no play with a start time")
    started = parse_time(durations[0]["start"], origin, "plays[0].play.duration.start")
    ended_text = durations[-1].get("end")
    ended = parse_time(ended_text, origin, "play.duration.end") if ended_text else None
    touched: dict[str, list[Resource]] = {host: [] for host in stats}
    for play in plays:
        for task in play.get("tasks") or []:
            name = task.get("task", {}).get("name") or "(unnamed task)"
            for host, result in (task.get("hosts") or {}).items():
                if result.get("changed") or result.get("failed"):
                    touched.setdefault(host, []).append(Resource(
                        name=name, failed=bool(result.get("failed")), path=_path_of(result)))
    run_id = plays[0].get("play", {}).get("id") if plays else None
    return [_report(host, host_stats, started, ended, touched.get(host, []), False, run_id,
                    origin)
            for host, host_stats in stats.items()]
