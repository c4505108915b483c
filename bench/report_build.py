"""Report benchmark: CPU time to build a month's report from a generated store.

    python bench/report_build.py [--hosts 50] [--attempts 200] [--repeat 3]

The store holds one month (November 2026) for HOSTS hosts: hourly drift runs, daily auth
runs with ATTEMPTS failed-attempt events per host and day, weekly integrity-check status
events with a few findings, and privacy findings; generated from a fixed seed. The anchor
is reading every event of the store once (`Store.events`), the floor any report pays;
then `vedette report` renders JSON, HTML and PDF. Each measurement runs in a fresh child
process and is timed by its CPU time (resource.getrusage of children, user + system)
because the machine is shared and wall time would measure the neighbours. The median of
`--repeat` runs is reported with every run's figure.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 7
READ_ALL = ("import sys; from vedette.store import open_store; "
            "s = open_store(sys.argv[1]); print(sum(1 for _ in s.events()))")


def generate(store_path: Path, hosts: int, attempts: int) -> int:
    from vedette.events import Event, Host, Metric, MetricType, Severity
    from vedette.store import open_store

    rng = random.Random(SEED)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    events: list[Event] = []
    metrics: list[Metric] = []
    for number in range(hosts):
        host = Host(name=f"host-{number:03d}", labels={"region": rng.choice(["eu", "us"])})
        for day in range(30):
            midnight = start + timedelta(days=day)
            events += [Event(time=midnight + timedelta(hours=hour), host=host, source="drift",
                             kind="status", category="config_drift", summary="run",
                             dedup_key=f"{host.name}:drift:status",
                             context={"tool": "puppet", "run_id": f"{day}-{hour}"})
                       for hour in range(24)]
            events.append(Event(time=midnight + timedelta(hours=23), host=host, source="auth",
                                kind="status", category="authentication", summary="run",
                                dedup_key=f"{host.name}:auth:status"))
            for i in range(attempts):
                ip = f"203.0.113.{rng.randrange(256)}"
                events.append(Event(
                    time=midnight + timedelta(seconds=rng.randrange(86400)), host=host,
                    source="auth", kind="activity", category="authentication",
                    summary="sshd failure", dedup_key=f"{host.name}:auth:sshd:{ip}:{i}",
                    context={"service": "sshd", "outcome": "failure",
                             "origin": {"country": rng.choice(["CN", "RU", "BR", "US"])}},
                    observables={"ip": ip, "user": "root"}))
            metrics.append(Metric(name="vedette_auth_attempts_total", value=attempts,
                                  type=MetricType.COUNTER, time=midnight + timedelta(hours=23),
                                  labels={"host": host.name, "outcome": "failure",
                                          "country": "CN", "service": "sshd"}))
            if day % 7 == 0:
                events.append(Event(time=midnight + timedelta(hours=3), host=host, source="fim",
                                    kind="status", category="file_system_activity",
                                    summary="checked", dedup_key=f"{host.name}:fim:status",
                                    context={"baseline_verified": True}))
                events.append(Event(time=midnight + timedelta(hours=3), host=host, source="fim",
                                    kind="finding", category="file_system_activity",
                                    severity=Severity.MEDIUM, summary="changed",
                                    dedup_key=f"{host.name}:fim:/etc/x{day}",
                                    context={"change": "modified", "attributes": {}},
                                    observables={"file.path": f"/etc/x{day}"}))
        events.append(Event(time=start + timedelta(days=3), host=host, source="privacy",
                            kind="finding", category="data_security_finding", summary="pii",
                            dedup_key=f"{host.name}:privacy:e",
                            context={"entity_type": "EMAIL_ADDRESS", "count": 3,
                                     "action": "mask"}))
    events.sort(key=lambda e: e.time)
    with open_store(store_path) as store:
        store.add_events(events)
        store.add_metrics(metrics)
    return len(events)


def cpu_of(command: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store.db"
        count = generate(store, args.hosts, args.attempts)
        print(f"{count} events, {args.hosts} hosts, one month")
        runs = {"anchor: read every event": [sys.executable, "-c", READ_ALL, str(store)]}
        for fmt in ("json", "html", "pdf"):
            runs[f"vedette report -f {fmt}"] = [
                sys.executable, "-m", "vedette", "report", "--period", "2026-11", "--as-of",
                "2026-12-01T00:00:00Z", "--store", str(store), "-f", fmt, "-o",
                str(Path(folder) / f"r.{fmt}")]
        print("| measurement | median CPU s | runs |")
        print("| --- | --- | --- |")
        for name, command in runs.items():
            times = [cpu_of(command) for _ in range(args.repeat)]
            shown = ", ".join(f"{t:.2f}" for t in times)
            print(f"| {name} | {statistics.median(times):.2f} | {shown} |")


if __name__ == "__main__":
    main()
