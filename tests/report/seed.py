"""A realistic month (November 2026) in a store: integrity checks from the real
`vedette fim` commands run at the seeded times (under faketime), incidents from the real
`vedette incident` commands, and auth, drift and privacy events shaped as those checks
record them. `Seed` keeps what was put in, so tests check the report against it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.conftest import TREE_POLICY_YAML, make_tree_files, write
from vedette.events import Event, Host, Metric, MetricType, Severity
from vedette.privacy.transforms import fingerprint, preview
from vedette.store import open_store

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
HOSTS = {
    "pay-1": {"region": "eu-west", "cde": "true", "env": "prod"},
    "web-1": {"region": "eu-west", "env": "prod"},
    "db-1": {"region": "us-east", "env": "prod"},
}
KEY = b"seed-privacy-key-0123456789abcdef"
# Raw personal data the seeded month saw. It reaches the store only inside a raw log line
# of an auth event (as the auth check keeps them); findings carry masks and keyed hashes.
RAW = {"CREDIT_CARD": "4111111111111111", "EMAIL_ADDRESS": "jane.doe@example.com",
       "PHONE_NUMBER": "+44 20 7946 0958"}
RAW_FORMS = [*RAW.values(), "4111 1111 1111 1111", "442079460958", "jane.doe"]


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class Seed:
    store: Path
    folder: Path
    failures: dict[str, int] = field(default_factory=dict)
    successes: int = 0
    country_failures: dict[str, int] = field(default_factory=dict)
    privacy_occurrences: dict[str, int] = field(default_factory=dict)


def _vedette(seed: Seed, when: datetime, host: str, *args: str | Path,
             codes: tuple[int, ...] = (0, 1, 2)) -> str:
    """Run the real command line as `host` with the clock set to `when`."""
    config = seed.folder / f"{host}.yaml"
    labels = "".join(f"\n    {k}: \"{v}\"" for k, v in HOSTS[host].items())
    config.write_text(f"host:\n  name: {host}\n  labels:{labels}\n")
    env = {**os.environ, "TZ": "UTC", "VEDETTE_HOME": str(seed.folder / "home"),
           "VEDETTE_CONFIG": str(config)}
    done = subprocess.run(
        ["faketime", when.strftime("%Y-%m-%d %H:%M:%S"), sys.executable, "-m", "vedette",
         *map(str, args)], capture_output=True, text=True, env=env, timeout=60,
        stdin=subprocess.DEVNULL)
    if done.returncode not in codes:
        raise RuntimeError(f"vedette {args}: {done.returncode}: {done.stderr}")
    return done.stdout


def _fim(seed: Seed, host: str, when: datetime, command: str, *extra: str) -> None:
    root = seed.folder / host
    _vedette(seed, when, host, "fim", command, *extra, "--db", seed.folder / f"{host}.fim.db",
             "--policy", seed.folder / f"{host}.policy.yaml", "--store", seed.store,
             "--workers", "1", *([str(root)] if command == "init" else []))


def seed_fim(seed: Seed) -> None:
    for host in ("pay-1", "web-1", "db-1"):
        root = seed.folder / host
        make_tree_files(root)
        (seed.folder / f"{host}.policy.yaml").write_text(TREE_POLICY_YAML.format(root=root))
    # db-1's integrity checks ran in October, then stopped: a pipeline gone silent.
    _fim(seed, "db-1", at(5, 9, month=10), "init")
    for day in (12, 19):
        _fim(seed, "db-1", at(day, month=10), "check")
    for host in ("pay-1", "web-1"):
        _fim(seed, host, at(31, 9, month=10), "init")
    # pay-1 is checked every week; its ps binary changes and is never accepted; passwd is
    # changed by a Puppet run (seeded below) and so explained.
    for day in (1, 2, 9):
        _fim(seed, "pay-1", at(day), "check")
    write(seed.folder / "pay-1" / "bin" / "ps", b"\x7fELF trojaned ps " * 50)
    _fim(seed, "pay-1", at(16), "check")
    write(seed.folder / "pay-1" / "etc" / "passwd", "root:x:0:0:root:/root:/bin/bash\n"
          "deploy:x:1001:1001::/home/deploy:/bin/sh\n")
    for day in (23, 30):
        _fim(seed, "pay-1", at(day), "check")
    # web-1: a config change accepted with a reason; no completed check in week 47 (the
    # one attempt that week could not run).
    _fim(seed, "web-1", at(1), "check")
    _fim(seed, "web-1", at(3), "check")
    write(seed.folder / "web-1" / "etc" / "app.conf", "level = info\ntls = 1.3\n")
    _fim(seed, "web-1", at(10), "check")
    _fim(seed, "web-1", at(11), "accept", "--reason", "planned TLS change CHG-1042")
    _vedette(seed, at(17), "web-1", "fim", "check", "--db", seed.folder / "missing.fim.db",
             "--store", seed.store, codes=(3,))
    _fim(seed, "web-1", at(24), "check")


def _days(last: int) -> list[date]:
    return [date(2026, 11, day) for day in range(1, last + 1)]


def seed_auth(seed: Seed, events: list[Event], metrics: list[Metric]) -> None:
    """Daily auth runs (web-1 missed 14 November; db-1 went silent after the 20th)."""
    schedule = {"pay-1": _days(30), "web-1": [d for d in _days(30) if d.day != 14],
                "db-1": _days(20)}
    for name, days in schedule.items():
        host = Host(name=name, labels=HOSTS[name])
        for day in days:
            moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=23)
            failures = {"CN": day.day, "RU": 2} if name != "db-1" else {"BR": 1}
            for country, count in failures.items():
                metrics.append(Metric(name="vedette_auth_attempts_total", value=count,
                                      type=MetricType.COUNTER, time=moment,
                                      labels={"host": name, **HOSTS[name], "service": "sshd",
                                              "outcome": "failure", "country": country}))
                seed.country_failures[country] = seed.country_failures.get(country, 0) + count
                seed.failures[day.isoformat()] = seed.failures.get(day.isoformat(), 0) + count
            metrics.append(Metric(name="vedette_auth_attempts_total", value=3, time=moment,
                                  type=MetricType.COUNTER,
                                  labels={"host": name, **HOSTS[name], "service": "sshd",
                                          "outcome": "success", "country": "US"}))
            seed.successes += 3
            events.append(Event(time=moment, host=host, source="auth", kind="status",
                                category="authentication", summary="read 40 lines",
                                dedup_key=f"{name}:auth:status", context={"lines": 40}))
    web, pay = Host(name="web-1", labels=HOSTS["web-1"]), Host(name="pay-1", labels=HOSTS["pay-1"])
    for n, (ip, country, count) in enumerate([("203.0.113.7", "CN", 5),
                                              ("198.51.100.9", "RU", 3)]):
        for i in range(count):
            events.append(Event(
                time=at(5 + n, 3) + timedelta(seconds=i), host=web, source="auth",
                kind="activity", category="authentication", summary=f"sshd failure from {ip}",
                dedup_key=f"web-1:auth:sshd:{ip}",
                # The raw line is what the auth check keeps; a report must not show it.
                context={"service": "sshd", "outcome": "failure",
                         "line": f"Failed password for {RAW['EMAIL_ADDRESS']} from {ip}",
                         "origin": {"country": country, "asn": None, "as_org": None}},
                observables={"ip": ip, "user": "admin"}))
    events.append(Event(time=at(5, 3), host=web, source="auth", kind="finding",
                        category="detection_finding", severity=Severity.HIGH,
                        summary="brute force: 5 failed attempts from 203.0.113.7 in 1 min",
                        dedup_key="web-1:auth:brute_force:203.0.113.7",
                        context={"rule": "brute_force", "count": 5,
                                 "origin": {"country": "CN"}},
                        observables={"ip": "203.0.113.7"}, controls=["pci_dss:10.2.1.4"]))
    events.append(Event(time=at(12, 4), host=pay, source="auth", kind="finding",
                        category="detection_finding", severity=Severity.CRITICAL,
                        summary="successful login as 'deploy' from 198.51.100.9 after 7 failed "
                                "attempts in 10 min",
                        dedup_key="pay-1:auth:success_after_failures:198.51.100.9",
                        context={"rule": "success_after_failures", "count": 7,
                                 "origin": {"country": "RU"}},
                        observables={"ip": "198.51.100.9", "user": "deploy"},
                        controls=["pci_dss:10.2.1.4"]))


def seed_drift(seed: Seed, events: list[Event]) -> None:
    """Daily Puppet runs (db-1 silent after the 20th); one corrective change on pay-1 to
    the passwd file the integrity check then sees; one drift left in no-op mode."""
    schedule = {"pay-1": _days(30), "web-1": _days(30), "db-1": _days(20)}
    for name, days in schedule.items():
        host = Host(name=name, labels=HOSTS[name])
        for day in days:
            moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2)
            events.append(Event(time=moment, host=host, source="drift", kind="status",
                                category="config_drift", summary="puppet run: 0 changed",
                                dedup_key=f"{name}:drift:status",
                                context={"tool": "puppet", "mode": "enforce",
                                         "run_id": f"{name}-{day.isoformat()}",
                                         "resources_changed": 0}))
    passwd = str(seed.folder / "pay-1" / "etc" / "passwd")
    events.append(Event(
        time=at(20, 12), host=Host(name="pay-1", labels=HOSTS["pay-1"]), source="drift",
        kind="activity", category="config_drift", severity=Severity.MEDIUM,
        summary=f"puppet changed File[{passwd}]", dedup_key=f"pay-1:drift:File[{passwd}]",
        context={"tool": "puppet", "mode": "enforce", "run_id": "pay-1-2026-11-20-b",
                 "resources": [{"type": "File", "title": passwd, "path": passwd}]},
        observables={"file.path": passwd}, controls=["pci_dss:2.2"]))
    events.append(Event(
        time=at(12, 2), host=Host(name="web-1", labels=HOSTS["web-1"]), source="drift",
        kind="finding", category="config_drift", severity=Severity.MEDIUM,
        summary="puppet (noop) would change File[/etc/ssh/sshd_config]",
        dedup_key="web-1:drift:File[/etc/ssh/sshd_config]",
        context={"tool": "puppet", "mode": "noop", "run_id": "web-1-2026-11-12",
                 "resources": [{"type": "File", "title": "/etc/ssh/sshd_config",
                                "path": "/etc/ssh/sshd_config"}]},
        observables={"file.path": "/etc/ssh/sshd_config"}))


def _privacy(seed: Seed, when: datetime, host: str, entity: str, count: int,
             context: dict[str, object]) -> Event:
    raw = RAW[entity]
    seed.privacy_occurrences[entity] = seed.privacy_occurrences.get(entity, 0) + count
    return Event(time=when, host=Host(name=host, labels=HOSTS[host]), source="privacy",
                 kind="finding", category="data_security_finding", severity=Severity.HIGH,
                 summary=f"{entity} found ({count})",
                 dedup_key=f"{host}:privacy:{entity}:{context.get('pipeline', 'db')}",
                 context={"entity_type": entity, "count": count,
                          "samples": [{"preview": preview(entity, raw),
                                       "hash": fingerprint(KEY, entity, raw)}], **context},
                 controls=["gdpr:art5(1)(c)", "pci_dss:3.5.1"] if entity == "CREDIT_CARD"
                 else ["gdpr:art5(1)(c)"])


def seed_privacy(seed: Seed, events: list[Event]) -> None:
    events += [
        _privacy(seed, at(7), "web-1", "CREDIT_CARD", 3,
                 {"pipeline": "checkout-logs", "data_lifecycle_state": "in_transit",
                  "action": "mask"}),
        _privacy(seed, at(8), "pay-1", "CREDIT_CARD", 12,
                 {"data_lifecycle_state": "at_rest", "schema": "public", "table": "cards",
                  "database": {"name": "payments", "host": "127.0.0.1", "port": "5432"}}),
        _privacy(seed, at(9), "web-1", "EMAIL_ADDRESS", 4,
                 {"pipeline": "app-logs", "data_lifecycle_state": "in_transit",
                  "action": "detect", "destination_region": "us-east"}),
        _privacy(seed, at(15), "db-1", "PHONE_NUMBER", 2,
                 {"pipeline": "crm-sync", "data_lifecycle_state": "in_transit",
                  "action": "hash", "destination_region": "eu-west", "legal_basis": "SCC"}),
    ]
    for day in (1, 8, 15, 22, 29):
        events.append(Event(time=at(day, 5), host=Host(name="web-1", labels=HOSTS["web-1"]),
                            source="privacy", kind="status", category="data_security_finding",
                            summary="scanned", dedup_key="web-1:privacy:status"))


def seed_incidents(seed: Seed) -> None:
    def incident(*args: str) -> None:
        _vedette(seed, datetime.now(UTC), "pay-1", "incident", *args, "--store", seed.store)

    incident("open", "--title", "card numbers in checkout logs", "--aware-at",
             "2026-11-07T12:00:00Z", "--regime", "gdpr,us-ca", "--subjects", "120",
             "--data", "card numbers")
    incident("update", "INC-2026-0001", "--done", "gdpr-authority=2026-11-09T10:00:00Z",
             "--note", "authority notified, reference DPA-77")
    incident("open", "--title", "credential stuffing on pay-1", "--aware-at",
             "2026-11-12T18:00:00Z", "--regime", "gdpr,ndb,lgpd")


def build(folder: Path) -> Seed:
    seed = Seed(store=folder / "store.db", folder=folder)
    seed_fim(seed)
    events: list[Event] = []
    metrics: list[Metric] = []
    seed_auth(seed, events, metrics)
    seed_drift(seed, events)
    seed_privacy(seed, events)
    with open_store(seed.store) as store:
        store.add_events(sorted(events, key=lambda e: e.time))
        store.add_metrics(metrics)
    seed_incidents(seed)
    return seed


if __name__ == "__main__":
    # `python -m tests.report.seed FOLDER`: the sample month shown in docs/reports.md.
    print(build(Path(sys.argv[1])).store)
