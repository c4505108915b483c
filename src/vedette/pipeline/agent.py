"""The agent: run the configured checks on their schedules and push what they find through
the pipeline (enrich → redact → filter → spool) to the sinks.

Scheduling: each check runs every `interval` seconds, spread by `jitter` (a fraction of
the interval) so that a fleet of hosts does not hit its servers at the same second; at most
`concurrency` checks run at once; a check that outlives its `timeout` is killed. A check
still running when it is due again is not started twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import random
import socket
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta
from pathlib import Path

from vedette.config import ConfigError, Settings
from vedette.events import Host, Metric, MetricType, utcnow
from vedette.home import data_home
from vedette.pipeline import checks
from vedette.pipeline.checks import CheckOutcome, run_check, worst
from vedette.pipeline.config import AgentSettings, CheckSettings
from vedette.pipeline.delivery import Delivery
from vedette.pipeline.enrich import Enricher
from vedette.pipeline.filters import Filter, Silence
from vedette.pipeline.items import Record, new_item
from vedette.pipeline.redact import RedactionUnavailable, Redactor, load_engine
from vedette.pipeline.sinks.base import Sink, SinkConfigError
from vedette.pipeline.spool import Spool, SpoolError
from vedette.store import StoreError, open_store

log = logging.getLogger("vedette.agent")

HOUSEKEEPING_EVERY = 3600.0  # seconds between retention runs
CLOCK_SLACK = timedelta(minutes=5)


class Pipeline:
    """enrich → redact → filter, then durably into the spool."""

    def __init__(self, enricher: Enricher, redactor: Redactor | None, filter_: Filter,
                 spool: Spool) -> None:
        self.enricher, self.redactor, self.filter, self.spool = enricher, redactor, filter_, \
            spool
        self._lock = threading.Lock()  # the filter's state is shared by every check

    def put(self, records: list[Record]) -> int:
        """Process and spool `records`; returns how many were spooled."""
        with self._lock:
            kept: list[Record] = []
            for record in records:
                record = self.enricher(record)
                if self.redactor is not None:
                    record = self.redactor(record)
                kept.extend(self.filter(record))
            self.spool.append([new_item(record) for record in kept])
        return len(kept)


class Agent:
    def __init__(self, settings: Settings, agent: AgentSettings,
                 config_path: Path | None) -> None:
        self.settings, self.config, self.config_path = settings, agent, config_path
        self.host = Host(name=settings.host.name or socket.gethostname(),
                         labels=settings.host.labels)
        self.state_dir = agent.state_dir or data_home() / "agent"
        for check in agent.checks:
            if check.type not in checks.RUNNERS:
                raise ConfigError(f"check {check.name}: unknown type {check.type!r} (known: "
                                  + ", ".join(sorted(checks.RUNNERS)) + ")")
        self._stopping = threading.Event()
        self._lock_file = self._take_lock()
        self.sinks: list[Sink] = []
        try:
            self._build(agent)
        except BaseException:
            self.close()
            raise

    def _take_lock(self) -> int:
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.state_dir / "agent.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(f"{self.state_dir}: cannot use the agent's state directory: "
                              f"{exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(f"{self.state_dir}: another agent is running with this state "
                              "directory") from None
        return fd

    def _build(self, agent: AgentSettings) -> None:
        try:
            for sink_settings in agent.sinks:
                self.sinks.append(sink_settings.build())
        except SinkConfigError as exc:
            raise ConfigError(str(exc)) from exc
        try:
            self.spool = Spool(self.state_dir / "spool", [sink.name for sink in self.sinks],
                               max_bytes=int(agent.spool.max_size_mb * 2**20),
                               segment_bytes=int(agent.spool.segment_size_mb * 2**20))
        except SpoolError as exc:
            raise ConfigError(str(exc)) from exc
        redactor = None
        if agent.redact.enabled:
            try:
                key = agent.redact.key or self.state_dir / "redaction.key"
                redactor = Redactor(load_engine(agent.redact.policy, key,
                                                create_key=agent.redact.key is None))
            except RedactionUnavailable as exc:
                raise ConfigError(f"agent.redact: {exc}") from exc
        filters = agent.filters
        self.filter = Filter(filters.min_severity, filters.occurrences,
                             filters.repeat_after_delta,
                             [Silence(**s.model_dump()) for s in filters.silences],
                             self.state_dir / "filter-state.json")
        self.pipeline = Pipeline(Enricher(self.host), redactor, self.filter, self.spool)
        self.deliveries = [Delivery(self.spool, sink) for sink in self.sinks]
        for sink in self.sinks:
            set_live = getattr(sink, "set_live", None)
            if set_live is not None:
                set_live(self.live_metrics)

    # --- what the agent says about itself ----------------------------------------------------

    def live_metrics(self) -> list[Metric]:
        now = utcnow()
        samples = [Metric(name="vedette_spool_dropped_total", value=self.spool.dropped,
                          time=now, type=MetricType.COUNTER),
                   Metric(name="vedette_spool_bytes", value=self.spool.size(), time=now),
                   Metric(name="vedette_filter_dropped_total", value=self.filter.dropped,
                          time=now, type=MetricType.COUNTER)]
        for delivery in self.deliveries:
            labels = {"sink": delivery.sink.name}
            stats = delivery.stats
            samples += [
                Metric(name="vedette_sink_delivered_total", value=stats.delivered,
                       labels=labels, time=now, type=MetricType.COUNTER),
                Metric(name="vedette_sink_rejected_total", value=stats.rejected,
                       labels=labels, time=now, type=MetricType.COUNTER),
                Metric(name="vedette_sink_failures_total", value=stats.failures,
                       labels=labels, time=now, type=MetricType.COUNTER),
            ]
        return samples

    # --- running -------------------------------------------------------------------------

    def run_check(self, check: CheckSettings) -> CheckOutcome:
        outcome = run_check(check, self.config_path, self.host)
        if outcome.killed is not None:
            self._close_killed_runs(outcome)
        if self._stopping.is_set():  # killed because the agent stops: not a failure to report
            return outcome
        spooled = self.pipeline.put(outcome.records)
        if outcome.error:
            log.warning("check %s: could not run: %s", check.name, outcome.error)
        else:
            log.info("check %s: status %d, %d record(s), %d spooled, %.1f s", check.name,
                     outcome.status, len(outcome.records), spooled, outcome.seconds)
        return outcome

    def run_once(self, stop: threading.Event | None = None) -> list[CheckOutcome]:
        """Run every check once (at most `concurrency` at a time), then deliver what they
        produced, waiting up to `drain_timeout`; what is left stays spooled."""
        stop = stop or threading.Event()
        with ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="check") as pool:
            outcomes = list(pool.map(self.run_check, self.config.checks))
        self.housekeeping()
        deadline = time.monotonic() + self.config.drain_timeout
        drains = [threading.Thread(target=d.drain, args=(stop, deadline)) for d in
                  self.deliveries]
        for thread in drains:
            thread.start()
        for thread in drains:
            thread.join()
        for delivery in self.deliveries:
            if self.spool.pending(delivery.sink.name):
                log.warning("sink %s: not everything was delivered (%s); it stays spooled "
                            "for the next run", delivery.sink.name,
                            delivery.stats.last_error or "time ran out")
        return outcomes

    def run_forever(self, stop: threading.Event) -> None:
        """Run checks on their schedules until `stop` is set."""
        for delivery in self.deliveries:
            delivery.start(stop)
        now = time.monotonic()
        due = {check.name: now + random.uniform(0, self.config.jitter * check.interval)
               for check in self.config.checks}
        next_housekeeping = now
        running: dict[Future[CheckOutcome], CheckSettings] = {}
        with ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="check") as pool:
            try:
                while not stop.is_set():
                    now = time.monotonic()
                    if now >= next_housekeeping:
                        self.housekeeping()
                        next_housekeeping = now + HOUSEKEEPING_EVERY
                    busy = {check.name for check in running.values()}
                    for check in self.config.checks:
                        if len(running) >= self.config.concurrency:
                            break
                        if due[check.name] <= now and check.name not in busy:
                            running[pool.submit(self.run_check, check)] = check
                            due[check.name] = now + self._next_interval(check)
                    pause = max(0.0, min([*due.values(), next_housekeeping]) - now)
                    if running:
                        done, _ = wait(running, timeout=min(pause, 1.0),
                                       return_when=FIRST_COMPLETED)
                        for future in done:
                            del running[future]
                            future.result()
                    else:
                        stop.wait(pause)
            finally:
                self._stopping.set()
                stop.set()
                checks.stop_all()

    def _close_killed_runs(self, outcome: CheckOutcome) -> None:
        """A check killed at its timeout (or by a signal) could not record how its run
        ended: record it as `timeout` (or `interrupted`), exit code 3, in the local store
        where the check records its runs, so the evidence says why the run stopped instead
        of showing it running for ever."""
        killed = outcome.killed
        assert killed is not None
        outcome_name = killed.outcome
        # The run was started by the killed process itself, after `started_at`; a few
        # minutes of slack for a PostgreSQL server whose clock differs from this host's.
        since = killed.started_at - CLOCK_SLACK
        try:
            with open_store(self._local_store()) as store:
                for run in store.runs(since=since):
                    if run.pid == killed.pid and run.host == self.host.name \
                            and run.outcome == "running":
                        store.finish_run(run, outcome_name, checks.UNKNOWN, run.counts,
                                         error=outcome.error)
        except StoreError as exc:
            log.warning("check %s: cannot record its run as %s: %s", outcome.check.name,
                        outcome_name, exc)

    def _local_store(self) -> Path | str:
        return self.settings.store.path or data_home() / "store.db"

    def _next_interval(self, check: CheckSettings) -> float:
        spread = self.config.jitter / 2
        return check.interval * random.uniform(1 - spread, 1 + spread)

    def housekeeping(self) -> None:
        """Retention: prune the local store of what is older than `retention`."""
        if self.config.retention is None:
            return
        location = self._local_store()
        before = utcnow() - timedelta(seconds=self.config.retention)
        try:
            with open_store(location) as store:
                counts = store.prune(before)
        except StoreError as exc:
            log.warning("retention: %s", exc)
            return
        if counts.events or counts.metrics or counts.runs:
            log.info("retention: removed %d event(s), %d sample(s), %d run(s) older than %s",
                     counts.events, counts.metrics, counts.runs, before.isoformat())

    def close(self) -> None:
        for delivery in getattr(self, "deliveries", []):
            delivery.join(timeout=5)
        for sink in self.sinks:
            with contextlib.suppress(Exception):  # one sink failing to close must not stop
                sink.close()                      # the others from closing
        spool = getattr(self, "spool", None)
        if spool is not None:
            spool.close()
        os.close(self._lock_file)


def status_of(outcomes: list[CheckOutcome]) -> int:
    return worst([outcome.status for outcome in outcomes])
