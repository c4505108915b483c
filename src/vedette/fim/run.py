"""The three FIM operations, end to end: init (take a baseline), check (compare), accept.

Each records a run in the store (start, end, scope, outcome) whatever happens, because
auditors need proof that the control operated, not only its alerts.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from vedette import __version__
from vedette.events import Event, Host, Metric, Severity
from vedette.fim.baseline import (
    Baseline,
    BaselineError,
    BaselineWriter,
    SignatureError,
    key_is_private,
    load_key,
    merged,
    writing,
)
from vedette.fim.compare import Change, Comparison, display_path
from vedette.fim.findings import change_event, run_metrics, status_event, tamper_event
from vedette.fim.inspect import Entry, Problem, pack, path_key
from vedette.fim.policy import Policy, default_policy_file
from vedette.fim.scan import Batch, WorkerError, normalize_roots, scan
from vedette.status import CRITICAL, OK
from vedette.status import exit_code_for as status_exit_code
from vedette.store import Store
from vedette.store.runs import RecordedRun

# Exit codes: the Nagios plugin contract, so Sensu (or Nagios, Icinga...) can run a check.

Progress = Callable[[int], None]


class FimError(Exception):
    """The operation could not run; the message says what and where. Maps to exit code 3."""


@dataclass
class InitResult:
    db: Path
    roots: list[str]
    files: int
    problems: list[Problem]
    seconds: float


@dataclass
class CheckResult:
    roots: list[str]
    scanned: int
    changes: list[Change]
    problems: list[Problem]
    findings: list[Event]
    status: Event
    metrics: list[Metric]
    exit_code: int
    seconds: float

    @property
    def events(self) -> list[Event]:
        return [*self.findings, self.status]


@dataclass
class AcceptResult:
    accepted: list[Change]
    problems: list[Problem] = field(default_factory=list)


def _ticking(batches: Iterable[Batch], progress: Progress | None) -> Iterator[Batch]:
    """Pass batches through, telling `progress` how many paths each held."""
    for batch in batches:
        if progress is not None:
            progress(len(batch[0]))
        yield batch


def policy_digest(policy: Policy) -> str:
    """SHA-256 of the policy in force: its file as parsed, plus the built-in policy when
    layered beneath it, so a report can name the rule set each check used."""
    layers = [policy.spec.model_dump(mode="json")]
    if policy.spec.include_default:
        layers.append(default_policy_file().model_dump(mode="json"))
    canonical = json.dumps(layers, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stamped(status: Event, digest: str) -> Event:
    """The status event with the policy digest, for stores that get events without runs."""
    return status.model_copy(update={"context": {**status.context, "policy_sha256": digest}})


def who_am_i() -> str:
    user = getpass.getuser()
    sudo_user = os.environ.get("SUDO_USER")
    return f"{user} (via sudo from {sudo_user})" if sudo_user and sudo_user != user else user


def init(paths: list[str], db: Path, key_path: Path, policy: Policy, host: Host,
         store: Store | None = None, workers: int | None = None, force: bool = False,
         progress: Progress | None = None) -> InitResult:
    """Scan `paths` (or the policy's scope) and write a new signed baseline to `db`."""
    if db.exists() and not force:
        raise FimError(f"{db}: a baseline already exists; use 'vedette fim accept' to take in "
                       "changes, or --force to replace it")
    # The built-in scope lists places some hosts lack; only a root the user named must exist.
    roots = normalize_roots(paths or [p for p in policy.scope if os.path.lexists(p)])
    shown_roots = [display_path(root) for root in roots]
    started = time.monotonic()
    problems: list[Problem] = []
    with RecordedRun(store, "fim", "init", host.name, shown_roots) as log, _as_fim_error(), \
            writing(db):
        if db.exists() and not force:  # again, now that no other init can be writing it
            raise FimError(f"{db}: a baseline already exists")
        key = load_key(key_path, create=True)
        with BaselineWriter(db, key) as writer:
            writer.set_meta(format=1, created_at=datetime.now(UTC).isoformat(), host=host.name,
                            roots=[os.fsdecode(root) for root in roots],
                            hashes=policy.hashes, policy=policy_digest(policy),
                            vedette=__version__)
            for entries, met in _ticking(scan(roots, policy, tuple(policy.hashes), workers),
                                         progress):
                writer.add(entries)
                problems += met
            files = writer.commit()
        log.finish("ok", OK, {"files": files, "problems": len(problems),
                              "policy_sha256": policy_digest(policy)})
    return InitResult(db, shown_roots, files, problems, time.monotonic() - started)


@contextlib.contextmanager
def _as_fim_error() -> Iterator[None]:
    """What stops an operation reaches the caller as one FimError (exit code 3)."""
    try:
        yield
    except (BaselineError, OSError, WorkerError) as exc:
        raise FimError(str(exc)) from exc


def exit_code_for(changes: list[Change]) -> int:
    return status_exit_code(Severity.highest([change.severity for change in changes]))


def _open_verified(db: Path, key_path: Path) -> Baseline:
    baseline = Baseline(db)
    try:
        baseline.verify(load_key(key_path))
    except BaseException:
        baseline.close()
        raise
    return baseline


def _compare(baseline: Baseline, paths: list[str], policy: Policy, workers: int | None,
             progress: Progress | None) -> tuple[list[bytes], Comparison, list[Change]]:
    """Scan `paths` (default: the baseline's roots) and compare them with the baseline."""
    roots = normalize_roots(paths) if paths else baseline.roots
    comparison = Comparison()
    scanned = _ticking(scan(roots, policy, baseline.hashes, workers), progress)
    changes = list(comparison.changes(baseline.entries(roots if paths else None), scanned,
                                      policy))
    return roots, comparison, changes


def check(paths: list[str], db: Path, key_path: Path, policy: Policy, host: Host,
          store: Store | None = None, workers: int | None = None,
          progress: Progress | None = None, on_total: Callable[[int], None] | None = None
          ) -> CheckResult:
    """Compare the file system with the baseline. Raises FimError if it cannot run at all."""
    started = time.monotonic()
    digest = policy_digest(policy)
    with RecordedRun(store, "fim", "check", host.name,
                     [str(p) for p in paths] or ["(baseline scope)"]) as log:
        try:
            baseline = _open_verified(db, key_path)
        except SignatureError as exc:
            finding = tamper_event(host, str(db), str(exc), policy.controls)
            status = _stamped(status_event(host, [], 0, [], [], False, policy.controls),
                              digest)
            result = CheckResult([], 0, [], [], [finding], status, [], CRITICAL,
                                 time.monotonic() - started)
            log.finish("baseline_tampered", CRITICAL, {"policy_sha256": digest},
                       result.events)
            return result
        except BaselineError as exc:
            raise FimError(str(exc)) from exc
        with _as_fim_error(), baseline:
            if on_total:
                on_total(baseline.count())
            roots, comparison, changes = _compare(baseline, paths, policy, workers, progress)
        if not key_is_private(key_path):
            comparison.problems.append(Problem(os.fsencode(key_path),
                                               "key file is readable by group or others"))
        shown_roots = [display_path(root) for root in roots]
        status = _stamped(status_event(host, shown_roots, comparison.scanned, changes,
                                       comparison.problems, True, policy.controls), digest)
        seconds = time.monotonic() - started
        result = CheckResult(shown_roots, comparison.scanned, changes, comparison.problems,
                             [change_event(change, host) for change in changes], status,
                             run_metrics(host, comparison.scanned, changes,
                                         len(comparison.problems), seconds),
                             exit_code_for(changes), seconds)
        log.finish("ok" if result.exit_code == OK else "changes", result.exit_code,
                   {k: status.context[k] for k in ("scanned", "changes", "by_severity",
                                                   "problems", "policy_sha256")},
                   result.events, result.metrics)
    return result


def accept(paths: list[str], db: Path, key_path: Path, reason: str, policy: Policy, host: Host,
           store: Store | None = None, workers: int | None = None,
           progress: Progress | None = None) -> AcceptResult:
    """Take the current state of `paths` (or the whole scope) into the baseline, with an
    audit record of who accepted what, when and why."""
    if not reason.strip():
        raise FimError("--reason must say why the changes are accepted")
    with RecordedRun(store, "fim", "accept", host.name,
                     [str(p) for p in paths] or ["(baseline scope)"]) as log, \
            _as_fim_error(), writing(db):
        key = load_key(key_path)
        with _open_verified(db, key_path) as baseline, BaselineWriter(db, key) as writer:
            roots, comparison, changes = _compare(baseline, paths, policy, workers, progress)
            updates: dict[bytes, Entry | None] = {}
            for change in changes:
                if change.from_path is not None:
                    updates[path_key(change.from_path)] = None
                updates[path_key(change.path)] = pack(change.after) if change.after else None
            writer.copy_history(baseline)
            writer.add_all(merged(baseline.entries(), updates))
            new_roots = normalize_roots([*baseline.roots, *roots])
            writer.set_meta(roots=[os.fsdecode(root) for root in new_roots],
                            updated_at=datetime.now(UTC).isoformat())
            who = who_am_i()
            writer.add_acceptance(datetime.now(UTC).isoformat(), who, reason, [
                {"path": display_path(c.path), "change": c.kind, "attributes": c.attributes}
                for c in changes])
            writer.commit()
        # Who and why go into the store too: reports show each accepted change's disposition
        # from the store alone, without the baseline file.
        log.finish("ok", OK, {"accepted": len(changes), "policy_sha256": policy_digest(policy)}, [
            _accepted_event(change_event(c, host), who, reason) for c in changes])
    return AcceptResult(changes, comparison.problems)


def _accepted_event(event: Event, who: str, reason: str) -> Event:
    context = {**event.context, "accepted_by": who, "reason": reason}
    return event.model_copy(update={"kind": "activity", "context": context})


__all__ = ["AcceptResult", "CheckResult", "FimError", "InitResult", "accept", "check",
           "init"]
