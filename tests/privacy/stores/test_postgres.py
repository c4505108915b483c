"""The PostgreSQL scanner against the real server: where findings are, what is read, what
is never shown, and how it fails."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import psycopg
import pytest

from tests.privacy.stores.conftest import DSN, Seeded, assert_clean
from vedette.privacy.stores.postgres import (
    MIN_SAMPLED_BLOCKS,
    DatabaseError,
    PostgresScanner,
    RowFinding,
    Table,
    TableError,
    _sampled_share,
    describe_dsn,
    parse_table_name,
)


def scan(engine: object, tables: list[str] | None, dsn: str = DSN, **options: object
         ) -> tuple[list[RowFinding], PostgresScanner]:
    with PostgresScanner(dsn, engine, **options) as scanner:  # type: ignore[arg-type]
        findings = [f for table in scanner.tables(tables) for f in scanner.scan(table)]
    return findings, scanner


def located(findings: list[RowFinding]) -> set[tuple[str, str, str, str | None]]:
    """(column, key, type, json path) of each finding."""
    return {(f.column, json.dumps(f.key, sort_keys=True), f.type, f.json_path)
            for f in findings}


def test_text_varchar_and_jsonb_findings_are_located(engine: object, seeded: Seeded) -> None:
    findings, scanner = scan(engine, [seeded.table("customers")])
    assert {(f.schema, f.table) for f in findings} == {(seeded.schema, "customers")}
    assert {
        ("email", '{"id": "1"}', "EMAIL", None),
        ("note", '{"id": "1"}', "CREDIT_CARD", None),
        ("profile", '{"id": "1"}', "EMAIL", "$.contact.email"),
        ("email", '{"id": "2"}', "EMAIL", None),
        ("profile", '{"id": "2"}', "IBAN", "$.iban"),
        ("profile", '{"id": "2"}', "CREDIT_CARD", "$.cards[0]"),
    } <= located(findings)
    types = {(f.column, f.column_type) for f in findings}
    assert {("email", "varchar"), ("note", "text"), ("profile", "jsonb")} <= types
    # row 3 holds nothing personal outside its name; the clean note of row 2 neither
    assert not [f for f in findings if f.key == {"id": "3"} and f.column != "name"]
    assert not [f for f in findings if f.key == {"id": "2"} and f.column == "note"]
    assert scanner.counts.rows == 4 and scanner.counts.tables == 1


def test_no_value_is_ever_reported(engine: object, seeded: Seeded) -> None:
    findings, _ = scan(engine, [seeded.schema + "." + name for name in
                                ("customers", "payments", "audit_lines", "by_email")])
    assert len(findings) >= 10
    assert_clean(json.dumps([f.to_dict() for f in findings]))
    for finding in findings:
        assert finding.preview and finding.hash and 0 < finding.confidence <= 1


def test_member_names_that_are_personal_data_are_found_and_masked_in_paths(
        engine: object, seeded: Seeded) -> None:
    findings, _ = scan(engine, [seeded.table("customers")])
    keyed = [f for f in findings if f.key == {"id": "4"} and f.column == "profile"]
    assert [f.type for f in keyed] == ["EMAIL"]
    path = keyed[0].json_path
    assert path and path.startswith("$.by_email")
    assert "owner@example.com" not in path


def test_composite_primary_key(engine: object, seeded: Seeded) -> None:
    findings, _ = scan(engine, [seeded.table("payments")])
    assert {
        ("card", '{"region": "eu", "seq": "1"}', "CREDIT_CARD", None),
        ("iban", '{"region": "eu", "seq": "1"}', "IBAN", None),
        ("card", '{"region": "us", "seq": "2"}', "CREDIT_CARD", None),
    } == located(findings)


def test_rows_without_primary_key_are_located_by_ctid(engine: object, seeded: Seeded) -> None:
    findings, _ = scan(engine, [seeded.table("audit_lines")])
    assert [(f.column, f.key, f.type) for f in findings] == [
        ("line", {"ctid": "(0,2)"}, "EMAIL")]


def test_a_primary_key_that_is_personal_data_is_not_shown(engine: object, seeded: Seeded
                                                          ) -> None:
    findings, _ = scan(engine, [seeded.table("by_email")])
    assert {f.column for f in findings} == {"email", "plan"}
    assert_clean(json.dumps([f.key for f in findings]))
    assert len({json.dumps(f.key) for f in findings}) == 1  # still one row, one key


def test_clean_rows_give_no_findings(engine: object, seeded: Seeded) -> None:
    findings, scanner = scan(engine, [seeded.table("clean_events")])
    assert findings == []
    assert scanner.counts.rows == 2000


def test_sample_reads_at_most_n_rows_per_table(engine: object, seeded: Seeded) -> None:
    _, scanner = scan(engine, [seeded.table("clean_events"), seeded.table("customers")],
                      sample=50)
    assert 0 < scanner.counts.rows <= 50 + 4
    _, small = scan(engine, [seeded.table("customers")], sample=2)
    assert small.counts.rows == 2


def test_a_sample_of_a_small_table_is_never_empty(engine: object, seeded: Seeded) -> None:
    """Block sampling of a table of a few blocks could pick none of them (about one time
    in five for 100 of 2,000 rows): such a table is read up to the sample size instead."""
    for _ in range(20):
        _, scanner = scan(engine, [seeded.table("clean_events")], sample=100)
        assert scanner.counts.rows == 100


def test_block_sampling_reads_enough_blocks() -> None:
    big = Table("s", "t", (), (), estimated_rows=10_000_000, estimated_blocks=100_000)
    assert _sampled_share(100, big) == pytest.approx(MIN_SAMPLED_BLOCKS / 100_000)
    assert _sampled_share(1_000_000, big) == pytest.approx(0.2)
    assert _sampled_share(100, Table("s", "t", (), (), 2000, 15)) == 1.0
    assert _sampled_share(100, Table("s", "t", (), (), -1, 0)) == 1.0  # never analysed


def test_table_names_with_or_without_schema(engine: object, seeded: Seeded) -> None:
    with PostgresScanner(DSN, engine) as scanner:  # type: ignore[arg-type]
        chosen = scanner.tables([seeded.table("payments"), seeded.table("customers")])
        assert [t.qualified for t in chosen] == [seeded.table("payments"),
                                                 seeded.table("customers")]
        (payments,) = scanner.tables([seeded.table("payments")])
        assert payments.primary_key == ("region", "seq")
        assert [(c.name, c.type) for c in payments.columns] == [
            ("region", "text"), ("card", "text"), ("iban", "varchar")]
        with pytest.raises(DatabaseError, match="no such table"):
            scanner.tables([seeded.table("counters")])  # exists, but nothing to scan
        with pytest.raises(DatabaseError, match="no such table"):
            scanner.tables([seeded.table("missing")])
    assert parse_table_name("public.users") == ("public", "users")
    assert parse_table_name("users") == (None, "users")


def test_the_whole_database(engine: object, database: str) -> None:
    findings, scanner = scan(engine, None, dsn=database)
    assert {f.table for f in findings} == {"customers", "payments", "audit_lines", "by_email"}
    assert scanner.counts.tables == 5  # clean_events too; counters has no text column


def test_transactions_are_read_only(engine: object, seeded: Seeded) -> None:
    with PostgresScanner(DSN, engine) as scanner:  # type: ignore[arg-type]
        connection = scanner._conn
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), connection.transaction():
            connection.execute(f"DELETE FROM {seeded.table('payments')}")
        timeout = connection.execute("SHOW statement_timeout").fetchone()
    assert timeout == ("1min",)


@pytest.fixture
def locked(seeded: Seeded) -> Iterator[str]:
    """The customers table, held in ACCESS EXCLUSIVE mode by another session."""
    table = seeded.table("customers")
    release = threading.Event()
    ready = threading.Event()

    def hold() -> None:
        with psycopg.connect(DSN) as conn:
            conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            ready.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    ready.wait(30)
    yield table
    release.set()
    holder.join()


def test_a_table_that_cannot_be_read_in_time_is_a_table_error(
        engine: object, seeded: Seeded, locked: str) -> None:
    with PostgresScanner(DSN, engine, timeout=0.3) as scanner:  # type: ignore[arg-type]
        (customers,) = scanner.tables([locked])
        with pytest.raises(TableError, match=f"{locked}: canceling statement due to .*timeout"):
            list(scanner.scan(customers))
        (payments,) = scanner.tables([seeded.table("payments")])
        assert len(list(scanner.scan(payments))) == 3  # the connection is still usable


def test_a_table_without_privilege_is_a_table_error(engine: object, seeded: Seeded,
                                                    limited_role: str) -> None:
    with PostgresScanner(limited_role, engine) as scanner:  # type: ignore[arg-type]
        customers, payments = scanner.tables([seeded.table("customers"),
                                              seeded.table("payments")])
        with pytest.raises(TableError, match="permission denied"):
            list(scanner.scan(customers))
        assert len(list(scanner.scan(payments))) == 3


def test_server_down_or_database_missing_is_a_database_error(engine: object) -> None:
    with pytest.raises(DatabaseError, match=r"host=127\.0\.0\.1 port=1 .*cannot connect"):
        PostgresScanner("host=127.0.0.1 port=1 dbname=test user=postgres", engine)  # type: ignore[arg-type]
    with pytest.raises(DatabaseError, match="does not exist"):
        PostgresScanner(DSN.replace("dbname=test", "dbname=vedette_absent"), engine)  # type: ignore[arg-type]


def test_the_password_is_never_shown(engine: object) -> None:
    dsn = "postgresql://auditor:s3cret-pass@127.0.0.1:1/shop"
    assert describe_dsn(dsn) == "host=127.0.0.1 port=1 dbname=shop user=auditor"
    with pytest.raises(DatabaseError) as caught:
        PostgresScanner(dsn, engine)  # type: ignore[arg-type]
    assert "s3cret" not in str(caught.value)
