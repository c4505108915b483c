"""What a report covers: pipelines named by the scope or seen in the lookback, the FIM
policies on the cover, and the cardholder-data environment by host or by data store."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.conftest import vedette
from tests.report.seed import AS_OF, Seed
from vedette.config import ConfigError
from vedette.events import Host
from vedette.fim.policy import load_policy
from vedette.fim.run import policy_digest
from vedette.privacy import Engine
from vedette.privacy import load_policy as load_privacy_policy
from vedette.privacy.stores.run import scan_database
from vedette.report import frameworks, scope
from vedette.report.collect import collect
from vedette.report.period import between, month
from vedette.report.scope import Pipeline, Scope
from vedette.store import open_store

DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


def _collect(seed: Seed, chosen: Scope) -> dict:
    with open_store(seed.store) as store:
        return collect(store, month("2026-11"), frameworks.select(["pci-dss"]), AS_OF,
                       scope=chosen)


def test_named_pipelines_join_the_scope_with_their_hosts(seed: Seed) -> None:
    content = _collect(seed, Scope().with_options([], ["web-1:privacy", "mail-1:auth"], None))
    rows = {row["pipeline"]: row for row in content["coverage"]["pipelines"]}
    assert rows["web-1:privacy"]["expected_from"] == "store, scope"
    assert rows["mail-1:auth"] == {**rows["mail-1:auth"], "expected_from": "scope",
                                   "reporting": False, "last_seen": ""}
    assert content["coverage"]["pipeline_summary"]["in_scope"] == 13
    assert content["coverage"]["pipeline_summary"]["reporting"] == 11
    assert content["metadata"]["scope"]["hosts"] == ["db-1", "mail-1", "pay-1", "web-1"]
    # A silent host is one exception, not one more per pipeline.
    silent = [(e["host"], e["what"]) for e in content["exceptions"] if e["area"] == "coverage"]
    assert silent == [("mail-1", "host in scope sent nothing in the period"),
                      ("db-1", "pipeline db-1:fim sent nothing in the period")]


def test_the_lookback_decides_which_silent_pipelines_are_expected(seed: Seed) -> None:
    # db-1 last checked integrity on 19 October: 12 days before the period.
    for days, expected in ((12, 11), (13, 12)):
        content = _collect(seed, Scope(lookback=timedelta(days=days)))
        summary = content["coverage"]["pipeline_summary"]
        assert (summary["in_scope"], summary["reporting"]) == (expected, 11), days
    # Seen in the lookback only, a silent host is last seen then, not "never".
    content = _collect(seed, Scope().with_options(["db-1"], [], None))
    (host,) = content["coverage"]["hosts"]
    assert host["last_seen"].startswith("2026-11-20T23:00")
    with open_store(seed.store) as store:
        december = collect(store, month("2026-12"), frameworks.select(["pci-dss"]),
                           datetime(2027, 1, 1, tzinfo=UTC), hosts=["db-1"])
    assert december["coverage"]["hosts"][0]["last_seen"].startswith("2026-11-20T23:00")
    assert december["coverage"]["hosts"][0]["reporting"] is False


def test_the_cover_names_the_fim_policy_of_every_check(seed: Seed, content: dict) -> None:
    digests = {host: policy_digest(load_policy(seed.folder / f"{host}.policy.yaml"))
               for host in ("pay-1", "web-1")}
    # pay-1: six checks; web-1: four (the one that found no baseline applied no policy).
    assert sorted(content["metadata"]["fim_policies"], key=lambda p: p["hosts"]) == [
        {"sha256": digests["pay-1"], "hosts": "pay-1", "checks": 6},
        {"sha256": digests["web-1"], "hosts": "web-1", "checks": 4}]


def test_scope_file_and_options(tmp_path: Path) -> None:
    path = tmp_path / "scope.yaml"
    path.write_text("hosts: [pay-1]\npipelines: [pay-1:fim, web-1:auth]\nlookback_days: 7\n"
                    "cde:\n  hosts: [pay-1]\n  stores: [payments]\n")
    loaded = scope.load(path).with_options(["db-1"], ["db-1:drift"], None)
    assert loaded.hosts == ("pay-1", "db-1")
    assert loaded.pipelines == (Pipeline("pay-1", "fim"), Pipeline("web-1", "auth"),
                                Pipeline("db-1", "drift"))
    assert loaded.lookback == timedelta(days=7)
    assert loaded.with_options([], [], 0).lookback == timedelta(0)
    assert loaded.store_in_cde("payments:public.cards")
    assert not loaded.store_in_cde("payments_archive:public.cards")
    assert Scope(cde_stores=("*:billing.*",)).store_in_cde("crm:billing.invoices")
    path.write_text("hosts: [a]\npipelines:\n  - a:fim\n  - a:mail\n")
    with pytest.raises(ConfigError, match=r"scope.yaml:4: pipelines.1: .*unknown source 'mail'"):
        scope.load(path)
    with pytest.raises(ConfigError, match="--pipelines 'web-1': expected HOST:SOURCE"):
        Scope().with_options([], ["web-1"], None)


def test_command_line_scope(seed: Seed, tmp_path: Path) -> None:
    scope_file = tmp_path / "scope.yaml"
    scope_file.write_text("pipelines: [mail-1:auth]\n")
    out = tmp_path / "r.json"
    done = vedette("report", "--period", "2026-11", "--as-of", AS_OF.isoformat(), "--store",
                   seed.store, "--scope", scope_file, "--pipelines", "web-1:fim",
                   "--lookback", "0", "--framework", "pci-dss", "-f", "json", "-o", out)
    assert done.returncode == 0, done.stderr
    content = json.loads(out.read_text())
    assert content["metadata"]["scope"]["pipelines"] == ["mail-1:auth", "web-1:fim"]
    assert content["metadata"]["scope"]["lookback_days"] == 0
    assert content["coverage"]["pipeline_summary"] == {
        "in_scope": 12, "reporting": 11, "percent": 91.7, "lookback_days": 0}
    bad = vedette("report", "--period", "2026-11", "--store", seed.store, "--pipelines",
                  "web-1:mail", "-o", tmp_path / "r.html")
    assert bad.returncode == 3 and "unknown source 'mail'" in bad.stderr


@pytest.fixture
def card_tables() -> Iterator[str]:
    """A schema with card numbers in two tables; its name."""
    schema = f"vedette_cde_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.cards (id int PRIMARY KEY, pan text)")
        conn.execute(f"INSERT INTO {schema}.cards VALUES (1, '4111 1111 1111 1111'), "
                     "(2, '5500-0000-0000-0004')")
        conn.execute(f"CREATE TABLE {schema}.orders (id int PRIMARY KEY, note text)")
        conn.execute(f"INSERT INTO {schema}.orders VALUES (1, 'paid by 378282246310005')")
    try:
        yield schema
    finally:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_card_numbers_in_a_store_are_judged_by_the_store(card_tables: str, tmp_path: Path
                                                         ) -> None:
    """The real database scan, from a host outside the CDE, of a database whose `cards`
    table is in it and whose `orders` table is not."""
    engine = Engine(load_privacy_policy(), key=b"cde-tests-key-0123456789abcdef01")
    scanner = Host(name="scanner-1", labels={"region": "eu-west"})
    with open_store(tmp_path / "s.db") as store:
        scan_database(DSN, engine, scanner, store, [f"{card_tables}.cards",
                                                    f"{card_tables}.orders"])
        today = datetime.now(UTC).date().isoformat()

        def outside(chosen: Scope) -> list[tuple[str, int]]:
            content = collect(store, between(today, today), frameworks.select(["pci-dss"]),
                              datetime.now(UTC) + timedelta(days=1), scope=chosen)
            return sorted((row["store"], row["count"])
                          for row in content["privacy"]["cards_outside_cde"])

        cards, orders = f"test:{card_tables}.cards", f"test:{card_tables}.orders"
        # Without a list of CDE stores, the scanning host decides: it is outside.
        assert outside(Scope()) == [(cards, 2), (orders, 1)]
        assert outside(Scope(cde_hosts=frozenset({"scanner-1"}))) == []
        # With one, the store decides, wherever the scan ran from.
        assert outside(Scope(cde_stores=(cards,))) == [(orders, 1)]
        assert outside(Scope(cde_stores=("test",), cde_hosts=frozenset({"x"}))) == []
        assert outside(Scope(cde_stores=("other",), cde_hosts=frozenset({"scanner-1"}))
                       ) == [(cards, 2), (orders, 1)]
