"""The checks the agent can run: a registry of runners, one per check type.

Every check runs in a child process of its own, in a new session: a timeout kills the
whole process group (FIM's hashing workers included), a crash or a leak stays in the
child, and checks run in parallel on several cores. A child writes its events and metric
samples as JSON lines on stdout and exits with its Nagios status; it records its own run
in the store, exactly as the same check run from the command line does.

* `fim` runs `python -m vedette.pipeline.checkrun` (the FIM check with its metrics);
* `auth`, `drift`, `pii` run `vedette <type> <args...> --format jsonl`, the command line of
  those areas (their `args` say which command and what to read).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from vedette.events import Category, Event, Host, Metric, Severity, utcnow
from vedette.pipeline.config import CheckSettings
from vedette.pipeline.items import Record, parse_record_line

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
# Worst first when several checks ran: critical, then could-not-run, then warning.
_WORST = {OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3}


def worst(statuses: list[int]) -> int:
    return max(statuses, key=lambda s: _WORST.get(s, _WORST[UNKNOWN]), default=OK)


@dataclass
class CheckOutcome:
    check: CheckSettings
    status: int
    records: list[Record] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    # Set when the check's process was killed (at its timeout, or by a signal): it could
    # not record how its run ended, so the agent does.
    killed: KilledCheck | None = None


@dataclass(frozen=True)
class KilledCheck:
    pid: int
    started_at: datetime
    outcome: str  # what to record: `timeout`, or `interrupted` (killed by a signal)


@dataclass(frozen=True)
class Runner:
    category: Category
    argv: Callable[[CheckSettings, Path | None], list[str]]


def _fim_argv(check: CheckSettings, config: Path | None) -> list[str]:
    return [sys.executable, "-m", "vedette.pipeline.checkrun", str(config or ""), check.name]


def _cli_argv(area: str) -> Callable[[CheckSettings, Path | None], list[str]]:
    def argv(check: CheckSettings, config: Path | None) -> list[str]:
        options = ["--config", str(config)] if config else []
        return [sys.executable, "-m", "vedette", *options, area, *check.args,
                "--format", "jsonl"]
    return argv


RUNNERS: dict[str, Runner] = {
    "fim": Runner("file_system_activity", _fim_argv),
    "auth": Runner("authentication", _cli_argv("auth")),
    "drift": Runner("config_drift", _cli_argv("drift")),
    "pii": Runner("data_security_finding", _cli_argv("pii")),
}


# Children still running, so that an agent told to stop can stop them too.
_running: set[subprocess.Popen[str]] = set()
_running_lock = threading.Lock()


def stop_all() -> None:
    """Kill every check still running (and its workers)."""
    with _running_lock:
        for process in _running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def run_check(check: CheckSettings, config: Path | None, host: Host) -> CheckOutcome:
    """Run one check to completion or to its timeout; never raises for the check's sake."""
    runner = RUNNERS[check.type]
    started, started_at = time.monotonic(), utcnow()
    try:
        process = subprocess.Popen(runner.argv(check, config), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                   start_new_session=True, text=True, encoding="utf-8",
                                   errors="replace")
    except OSError as exc:
        return _failed(check, host, runner, f"cannot start: {exc.strerror or exc}", started)
    with _running_lock:
        _running.add(process)
    try:
        stdout, stderr = process.communicate(timeout=check.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        outcome = _failed(check, host, runner, f"timed out after {check.timeout:g} s", started)
        outcome.killed = KilledCheck(process.pid, started_at, "timeout")
        return outcome
    finally:
        with _running_lock:
            _running.discard(process)
    records: list[Record] = []
    for number, line in enumerate(stdout.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(parse_record_line(line))
        except (ValueError, ValidationError) as exc:
            return _failed(check, host, runner, f"output line {number} is not an event: "
                           f"{str(exc).splitlines()[0]}", started)
    if process.returncode not in (OK, WARNING, CRITICAL):
        reason = (stderr.strip().splitlines() or [f"exit status {process.returncode}"])[-1]
        outcome = _failed(check, host, runner, reason, started, records)
        if process.returncode < 0:  # killed by a signal: the agent stopping, the OOM killer
            outcome.killed = KilledCheck(process.pid, started_at, "interrupted")
        return outcome
    outcome = CheckOutcome(check, process.returncode, records,
                           seconds=time.monotonic() - started)
    outcome.records += run_metrics(outcome)
    return outcome


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _failed(check: CheckSettings, host: Host, runner: Runner, reason: str, started: float,
            records: list[Record] | None = None) -> CheckOutcome:
    """A check that could not run is itself a finding: someone must look. Its dedup key is
    not reported by a good run, so the next good run of the same source resolves it."""
    finding = Event(host=host, source=check.type, kind="finding", category=runner.category,
                    severity=Severity.HIGH,
                    summary=f"check {check.name} could not run: {reason}",
                    dedup_key=f"{host.name}:agent:{check.name}",
                    context={"check": check.name, "reason": reason})
    outcome = CheckOutcome(check, UNKNOWN, [*(records or []), finding], reason,
                           time.monotonic() - started)
    outcome.records += run_metrics(outcome)
    return outcome


def run_metrics(outcome: CheckOutcome) -> list[Metric]:
    """What the agent says of every run: its status, its duration, when it ran."""
    labels = {"check": outcome.check.name, "type": outcome.check.type}
    now = utcnow()
    return [
        Metric(name="vedette_check_status", value=outcome.status, labels=labels, time=now),
        Metric(name="vedette_check_duration_seconds", value=round(outcome.seconds, 3),
               labels=labels, time=now),
        Metric(name="vedette_check_last_run_timestamp_seconds", value=int(now.timestamp()),
               labels=labels, time=now),
    ]
