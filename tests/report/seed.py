"""A realistic month (November 2026) in a store, written by the real commands run at the
seeded times under faketime: `vedette fim` on generated trees, `vedette auth detect` on
generated auth logs, `vedette drift ingest` of generated Puppet reports, `vedette pii scan`
of generated log files, `vedette pii scan-db` of a card table in PostgreSQL, `vedette pii
redact` of the streams leaving the hosts, and `vedette incident`. `Seed` keeps what was put
in, so tests check the report against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from tests.conftest import TREE_POLICY_YAML, make_tree_files, write
from vedette.auth.geo import Geo

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
HOSTS = {
    "pay-1": {"region": "eu-west", "cde": "true", "env": "prod"},
    "web-1": {"region": "eu-west", "env": "prod"},
    "db-1": {"region": "us-east", "env": "prod"},
}
# Raw personal data the seeded month saw. The store holds one only where a check keeps it
# as it came (an e-mail address tried as an SSH user name); findings carry masked previews
# and keyed hashes.
RAW = {"CREDIT_CARD": "4111111111111111", "EMAIL": "jane.doe@example.com",
       "PHONE": "+44 20 7946 0958"}
RAW_FORMS = [*RAW.values(), "4111 1111 1111 1111", "442079460958", "jane.doe"]
PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"

# Addresses that fail SSH logins all month, a few at a time; their countries are whatever
# the built-in geolocation says.
SCANNERS = ["61.177.172.13", "218.92.0.107", "77.88.55.80", "185.220.101.4", "200.160.2.3",
            "45.33.32.156"]
BRUTE_FORCE_IP = "103.99.0.122"  # web-1, 5 November
STUFFING_IP = "91.240.118.30"  # pay-1, 12 November: in after seven failures
OFFICE_IP = "10.20.0.5"  # where the administrators log in from
NOISE_USERS = ["alice", "backup", "svc-report", "guest", "deploy2"]


def at(day: int, hour: int = 10, month: int = 11, minute: int = 0, second: int = 0
       ) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass(frozen=True)
class PrivacyFinding:
    """What one real privacy command found of one type: `redacted` is None at rest."""

    host: str
    type: str
    count: int
    redacted: bool | None
    store: str = ""


@dataclass
class Seed:
    store: Path
    folder: Path
    failures: dict[str, int] = field(default_factory=dict)  # by day the run recorded them
    successes: int = 0
    country_failures: Counter[str] = field(default_factory=Counter)
    source_failures: Counter[str] = field(default_factory=Counter)
    countries: dict[str, str] = field(default_factory=dict)
    auth_events: Counter[str] = field(default_factory=Counter)  # by host, as stored
    detections: Counter[str] = field(default_factory=Counter)  # by rule
    corrective_run: str = ""
    card_store: str = ""
    privacy: list[PrivacyFinding] = field(default_factory=list)
    privacy_runs: int = 0
    privacy_occurrences: Counter[str] = field(default_factory=Counter)


def _config(seed: Seed, host: str) -> Path:
    config = seed.folder / f"{host}.yaml"
    if not config.exists():
        labels = "".join(f"\n    {k}: \"{v}\"" for k, v in HOSTS[host].items())
        # Failed attempts are kept as events: the report's top sources come from them.
        config.write_text(f"host:\n  name: {host}\n  labels:{labels}\n"
                          "auth:\n  record_failures: true\n")
    return config


def _vedette(seed: Seed, when: datetime, host: str, *args: str | Path,
             codes: tuple[int, ...] = (0, 1, 2), stdin: str | None = None) -> str:
    """Run the real command line as `host` with the clock set to `when`."""
    env = {**os.environ, "TZ": "UTC", "VEDETTE_HOME": str(seed.folder / "home"),
           "VEDETTE_CONFIG": str(_config(seed, host))}
    done = subprocess.run(
        ["faketime", when.strftime("%Y-%m-%d %H:%M:%S"), sys.executable, "-m", "vedette",
         *map(str, args)], capture_output=True, text=True, env=env, timeout=60,
        **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}))
    if done.returncode not in codes:
        raise RuntimeError(f"vedette {args}: {done.returncode}: {done.stderr}")
    return done.stdout


# --- file integrity ------------------------------------------------------------------------

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


# --- access --------------------------------------------------------------------------------

def _days(last: int, skip: tuple[int, ...] = ()) -> list[int]:
    return [day for day in range(1, last + 1) if day not in skip]


# Days each host's auth log has lines: web-1 logged nothing on 14 November, db-1 went silent
# after the 20th.
AUTH_DAYS = {"pay-1": _days(30), "web-1": _days(30, skip=(14,)), "db-1": _days(20)}


def _sshd(when: datetime, host: str, pid: int, text: str) -> str:
    return f"{when.isoformat()} {host} sshd[{pid}]: {text}"


def _failed(when: datetime, host: str, pid: int, user: str, ip: str) -> str:
    invalid = "invalid user " if user not in ("deploy", "root") else ""
    return _sshd(when, host, pid, f"Failed password for {invalid}{user} from {ip} port "
                                  f"{40000 + pid % 20000} ssh2")


def _day_lines(host: str, day: int) -> tuple[list[str], list[str]]:
    """One day of `host`'s auth log, and the addresses of its failed attempts in order.

    Each scanner tries at most once every two hours, one user name at a time: background
    noise that no detection rule reports. The attacks of the month are the exceptions."""
    lines: list[tuple[datetime, str]] = []
    failed: list[str] = []
    pid = day * 1000 + {"pay-1": 100, "web-1": 200, "db-1": 300}[host]

    def fail(when: datetime, user: str, ip: str) -> None:
        nonlocal pid
        pid += 1
        lines.append((when, _failed(when, host, pid, user, ip)))
        failed.append(ip)

    scanners = [SCANNERS[(day + n) % len(SCANNERS)] for n in range(1 if host == "db-1" else 2)]
    for n, ip in enumerate(scanners):
        for attempt in range(1 + (day * (n + 2) + len(host)) % 4):
            fail(at(day, 1 + 2 * attempt, minute=7 + 17 * n),
                 NOISE_USERS[(day + attempt + n) % len(NOISE_USERS)], ip)
    if host == "web-1" and day % 7 == 3:
        # An e-mail address tried as a user name: personal data in the auth log itself.
        fail(at(day, 11, minute=15), RAW["EMAIL"], scanners[0])
    if host == "web-1" and day == 5:
        for n in range(12):
            fail(at(day, 3) + timedelta(seconds=10 * n), "webmaster", BRUTE_FORCE_IP)
    if host == "pay-1" and day == 12:
        for n in range(7):
            fail(at(day, 4, minute=n), "deploy", STUFFING_IP)
        pid += 1
        lines.append((at(day, 4, minute=7, second=30), _sshd(
            at(day, 4, minute=7, second=30), host, pid,
            f"Accepted password for deploy from {STUFFING_IP} port 51515 ssh2")))
    for n in range(1 + day % 2):
        pid += 1
        lines.append((at(day, 8 + n, minute=30), _sshd(
            at(day, 8 + n, minute=30), host, pid,
            f"Accepted publickey for ops from {OFFICE_IP} port {50000 + n} ssh2: "
            "ED25519 SHA256:k3Yz0fPq")))
    return [line for _, line in sorted(lines)], failed


def seed_auth(seed: Seed) -> None:
    """`vedette auth detect` once a week (Sundays, and at the end of each host's logs) on
    the lines logged since the last run, as a cron job would: the failed attempts are
    counted on the day of the run, each attempt is an event on its own day."""
    geo = Geo()
    seed.failures = {date(2026, 11, day).isoformat(): 0 for day in _days(30)}
    folder = seed.folder / "auth"
    folder.mkdir()
    for host, days in AUTH_DAYS.items():
        runs = sorted({day for day in days if date(2026, 11, day).weekday() == 6} | {days[-1]})
        first = 1
        for run_day in runs:
            log = folder / f"{host}-{run_day:02d}.log"
            batch: list[str] = []
            for day in range(first, run_day + 1):
                if day not in days:
                    continue
                lines, failed = _day_lines(host, day)
                batch += lines
                for ip in failed:
                    country = seed.countries.setdefault(ip, geo.origin(ip).country)
                    seed.country_failures[country] += 1
                    seed.source_failures[ip] += 1
                seed.failures[date(2026, 11, run_day).isoformat()] += len(failed)
                seed.successes += sum(1 for line in lines if "Accepted" in line)
            log.write_text("\n".join(batch) + "\n")
            events = [json.loads(line) for line in _vedette(
                seed, at(run_day, 23), host, "auth", "detect", log, "--store", seed.store,
                "--format", "jsonl").splitlines()]
            seed.auth_events[host] += len(events)
            seed.detections.update(e["context"]["rule"] for e in events
                                   if e["kind"] == "finding")
            first = run_day + 1


# --- configuration management --------------------------------------------------------------

def _puppet_report(host: str, when: datetime, changed: list[str], corrective: bool = False,
                   noop: bool = False) -> tuple[str, str]:
    """A Puppet `last_run_report.yaml` of a run at `when` that changed (or, in no-op mode,
    would have changed) the files `changed`; and its transaction id."""
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"puppet:{host}:{when.isoformat()}"))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000000000+00:00")
    count = len(changed)
    statuses = "".join(f"""
  File[{path}]: !ruby/object:Puppet::Resource::Status
    title: "{path}"
    resource: File[{path}]
    resource_type: File
    time: '{stamp}'
    failed: false
    changed: {str(not noop).lower()}
    out_of_sync: true
    skipped: false
    change_count: {0 if noop else 1}
    out_of_sync_count: 1
    corrective_change: {str(corrective).lower()}""" for path in changed)
    status = "unchanged" if noop or not changed else "changed"
    report = f"""--- !ruby/object:Puppet::Transaction::Report
host: {host}
time: '{stamp}'
configuration_version: {int(when.timestamp())}
transaction_uuid: {run_id}
report_format: 12
puppet_version: 7.23.0
status: {status}
transaction_completed: true
noop: {str(noop).lower()}
noop_pending: {str(noop and bool(changed)).lower()}
environment: production
logs: []
metrics:
  resources: !ruby/object:Puppet::Util::Metric
    name: resources
    label: Resources
    values:
    - [total, Total, 120]
    - [skipped, Skipped, 0]
    - [failed, Failed, 0]
    - [failed_to_restart, Failed to restart, 0]
    - [changed, Changed, {0 if noop else count}]
    - [out_of_sync, Out of sync, {count}]
    - [corrective_change, Corrective change, {count if corrective else 0}]
  time: !ruby/object:Puppet::Util::Metric
    name: time
    label: Time
    values:
    - [total, Total, 9.5]
resource_statuses:{statuses if changed else " {}"}
cached_catalog_status: not_used
"""
    return report, run_id


def seed_drift(seed: Seed) -> None:
    """Daily Puppet runs at 02:00 (db-1's stop after the 20th), ingested at the end of each
    host's month; one corrective change on pay-1 to the passwd file the integrity check
    then sees; one drift left in no-op mode on web-1."""
    passwd = str(seed.folder / "pay-1" / "etc" / "passwd")
    for host, last in (("pay-1", 30), ("web-1", 30), ("db-1", 20)):
        folder = seed.folder / "puppet" / host
        folder.mkdir(parents=True)
        for day in _days(last):
            noop = host == "web-1" and day == 12
            report, _ = _puppet_report(host, at(day, 2), ["/etc/ssh/sshd_config"] if noop
                                       else [], noop=noop)
            (folder / f"{day:02d}.yaml").write_text(report)
        if host == "pay-1":
            report, seed.corrective_run = _puppet_report(host, at(20, 12), [passwd],
                                                         corrective=True)
            (folder / "20-b.yaml").write_text(report)
        _vedette(seed, at(last, 23), host, "drift", "ingest", folder, "--store", seed.store)


# --- privacy -------------------------------------------------------------------------------

def _checkout_line(day: int, n: int, card: str | None) -> str:
    paid = f" card={card}" if card else " card=on-file"
    return f"2026-11-{day:02d}T10:{n:02d}:00Z checkout order=88{day:02d}{n:02d} total=42.50{paid}"


def _privacy_scans(seed: Seed) -> None:
    """web-1's checkout logs, scanned weekly as they are rotated: the week of the 7th
    logged card numbers in clear (the incident opened below)."""
    logs = seed.folder / "web-1" / "logs"
    for day in (1, 8, 15, 22, 29):
        cards = [RAW["CREDIT_CARD"], "4111 1111 1111 1111", "5500-0000-0000-0004"] \
            if day == 8 else []
        lines = [_checkout_line(day, n, cards[n] if n < len(cards) else None)
                 for n in range(6)]
        log = write(logs / f"checkout.log-2026-11-{day:02d}", "\n".join(lines) + "\n")
        out = _vedette(seed, at(day, 5), "web-1", "pii", "scan", log, "--format", "jsonl",
                       "--store", seed.store)
        summary = json.loads(out.splitlines()[-1])["summary"]
        seed.privacy += [PrivacyFinding("web-1", kind, count, None)
                         for kind, count in summary["by_type"].items()]
        seed.privacy_runs += 1


def _card_table(seed: Seed) -> None:
    """pay-1's payment database keeps card numbers in clear: a scan of the table finds
    them at rest, in the cardholder-data environment."""
    schema = f"payments_{uuid.uuid4().hex[:8]}"
    cards = [RAW["CREDIT_CARD"], "5500000000000004", "378282246310005", "6011111111111117"]
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.cards (id int PRIMARY KEY, pan text)")
        for n in range(12):
            conn.execute(f"INSERT INTO {schema}.cards VALUES (%s, %s)", (n, cards[n % 4]))
    try:
        out = _vedette(seed, at(8), "pay-1", "pii", "scan-db", PG_DSN, "--table",
                       f"{schema}.cards", "--format", "jsonl", "--store", seed.store)
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    summary = json.loads(out.splitlines()[-1])["summary"]
    seed.card_store = f"test:{schema}.cards"
    seed.privacy += [PrivacyFinding("pay-1", kind, count, None, seed.card_store)
                     for kind, count in summary["by_type"].items()]
    seed.privacy_runs += 1


def _redact(seed: Seed, when: datetime, host: str, lines: list[str], found: dict[str, int],
            redacted: bool, *options: str | Path) -> None:
    """A stream through the real `vedette pii redact`, recorded in the store; `found` is
    what the lines carry."""
    out = _vedette(seed, when, host, "pii", "redact", *options, "--store", seed.store,
                   codes=(0,), stdin="\n".join(lines) + "\n")
    assert len(out.splitlines()) == len(lines)
    seed.privacy += [PrivacyFinding(host, kind, count, redacted)
                     for kind, count in found.items()]
    seed.privacy_runs += 1


def seed_privacy(seed: Seed) -> None:
    _privacy_scans(seed)
    _card_table(seed)
    # In flight: web-1's checkout logs go to the central log store with card numbers
    # masked; its application logs go to a US analytics service with e-mail addresses left
    # as they are (the pipeline's policy keeps them) and no legal basis recorded; db-1's
    # CRM sync sends hashed phone numbers to Europe under standard contractual clauses.
    _redact(seed, at(7), "web-1", [_checkout_line(7, n, RAW["CREDIT_CARD"] if n % 2 else None)
                                   for n in range(6)],
            {"CREDIT_CARD": 3}, True, "--pipeline", "checkout-logs")
    keep_emails = seed.folder / "keep-emails.yaml"
    keep_emails.write_text("transforms:\n  EMAIL: keep\n")
    _redact(seed, at(9), "web-1", [f"2026-11-09T09:{n:02d}:00Z signup ok user={RAW['EMAIL']}"
                                   if n < 4 else f"2026-11-09T09:{n:02d}:00Z page view"
                                   for n in range(8)],
            {"EMAIL": 4}, False, "--pipeline", "app-logs", "--to-region", "us-east",
            "--policy", keep_emails)
    hash_phones = seed.folder / "hash-phones.yaml"
    hash_phones.write_text("transforms:\n  PHONE: hash\n")
    _redact(seed, at(15), "db-1", [json.dumps({"contact": n, "phone": RAW["PHONE"]})
                                   for n in range(2)],
            {"PHONE": 2}, True, "--pipeline", "crm-sync", "--to-region", "eu-west",
            "--legal-basis", "SCC", "--policy", hash_phones)
    for finding in seed.privacy:
        seed.privacy_occurrences[finding.type] += finding.count


# --- incidents -----------------------------------------------------------------------------

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
    seed_auth(seed)
    seed_drift(seed)
    seed_privacy(seed)
    seed_incidents(seed)
    return seed


if __name__ == "__main__":
    # `python -m tests.report.seed FOLDER`: the sample month shown in docs/reports.md.
    print(build(Path(sys.argv[1])).store)
