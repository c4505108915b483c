from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from vedette.privacy import Engine, load_policy

DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"

# Personal data seeded into the tables; none of it may appear in any output.
EMAILS = ("anna.schmidt@example.org", "li.wei@example.net", "owner@example.com")
CARDS = ("4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005")
IBANS = ("DE89370400440532013000", "GB82WEST12345698765432")
RAW = (*EMAILS, *CARDS, *IBANS, "4111111111111111", "5500000000000004", "anna.schmidt",
       "li.wei")

# Log-like text that holds no personal data, with the usual hard negatives.
CLEAN_VALUES = (
    "order 1234567 shipped in 250ms",
    "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
    "request 3f2504e0-4f89-11d3-9a0c-0305e82c3301 completed",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "deployed v2.14.3 to pod checkout-7d9f8b6c5-x2x7q",
)


def assert_clean(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} leaked into output"


@dataclass
class Seeded:
    schema: str

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}"


SEED = """
CREATE TABLE {s}.customers (
    id serial PRIMARY KEY, name text, email varchar(200), country char(2), note text,
    profile jsonb);
INSERT INTO {s}.customers (name, email, country, note, profile) VALUES
    ('Anna', 'anna.schmidt@example.org', 'DE', 'pays by card 4111 1111 1111 1111',
     '{{"contact": {{"email": "li.wei@example.net"}}, "visits": 3}}'),
    ('Wei', 'li.wei@example.net', 'CN', 'order 1234567 shipped in 250ms',
     '{{"iban": "DE89370400440532013000", "cards": [5500000000000004]}}'),
    ('Clean', 'no email given', 'FR', NULL, '{{"plan": "gold", "visits": 12}}'),
    ('Keyed', NULL, 'IT', NULL, '{{"by_email": {{"owner@example.com": "admin"}}}}');
CREATE TABLE {s}.payments (
    region text, seq integer, card text, iban varchar(40), amount numeric,
    PRIMARY KEY (region, seq));
INSERT INTO {s}.payments VALUES
    ('eu', 1, '5500-0000-0000-0004', 'GB82WEST12345698765432', 10),
    ('us', 2, '378282246310005', NULL, 20),
    ('us', 3, 'expired', NULL, 30);
CREATE TABLE {s}.audit_lines (line text);
INSERT INTO {s}.audit_lines VALUES ('login ok'), ('password reset for owner@example.com');
CREATE TABLE {s}.by_email (email text PRIMARY KEY, plan text);
INSERT INTO {s}.by_email VALUES ('owner@example.com', 'contact owner@example.com');
CREATE TABLE {s}.clean_events (id bigint PRIMARY KEY, message text, status varchar(20));
CREATE TABLE {s}.counters (id int PRIMARY KEY, hits bigint);
"""


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(load_policy(), key=b"store-tests-key-0123456789abcdef")


@pytest.fixture
def seeded() -> Iterator[Seeded]:
    """A schema of its own, seeded with personal data and clean rows; dropped afterwards."""
    schema = f"vedette_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(SEED.format(s=schema))
        with conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {schema}.clean_events VALUES (%s, %s, 'ok')",
                [(n, CLEAN_VALUES[n % len(CLEAN_VALUES)]) for n in range(1, 2001)])
        conn.execute(f"ANALYZE {schema}.clean_events")
    try:
        yield Seeded(schema)
    finally:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def database() -> Iterator[str]:
    """A database of its own (for whole-database scans), seeded like `seeded`; its DSN."""
    name = f"vedette_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    dsn = DSN.replace("dbname=test", f"dbname={name}")
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA app")
            conn.execute(SEED.format(s="app"))
        yield dsn
    finally:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def limited_role(seeded: Seeded) -> Iterator[str]:
    """A role that may read payments but not customers; its DSN."""
    role = f"vedette_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {seeded.schema} TO {role}")
        conn.execute(f"GRANT SELECT ON {seeded.table('payments')} TO {role}")
    try:
        yield DSN.replace("user=postgres", f"user={role}")
    finally:
        with psycopg.connect(DSN, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
