"""Each detector on what it must find and on the log noise it must leave alone."""

from __future__ import annotations

import re

import pytest

from vedette.privacy.detectors import Detector, all_detectors
from vedette.privacy.detectors.address import AddressDetector
from vedette.privacy.detectors.contact import EmailDetector, PhoneDetector
from vedette.privacy.detectors.dob import DobDetector
from vedette.privacy.detectors.financial import CardDetector, IbanDetector
from vedette.privacy.detectors.national_ids import NationalIdDetector
from vedette.privacy.detectors.network import IpDetector
from vedette.privacy.detectors.person import PersonDetector
from vedette.privacy.detectors.secrets import SecretDetector
from vedette.privacy.engine import resolve_overlaps


def found(detector: Detector, text: str, key_name: str | None = None) -> list[tuple[str, str]]:
    """What the detector reports, overlaps resolved as the engine does."""
    return [(f.type, text[f.start:f.end])
            for f in resolve_overlaps(detector.find(text, key_name))]


@pytest.mark.parametrize(("text", "value"), [
    ("reset for jane.doe+news@gmail.com ok", "jane.doe+news@gmail.com"),
    ('"email":"MIXED.Case@Sub.Example.co.uk"', "MIXED.Case@Sub.Example.co.uk"),
])
def test_email_found(text: str, value: str) -> None:
    assert found(EmailDetector(), text) == [("EMAIL", value)]


@pytest.mark.parametrize("text", ["GET /img/logo@2x.png", "npm i left-pad@1.3.0",
                                  "docker pull app@sha256:abc", "git@github"])
def test_email_ignores_lookalikes(text: str) -> None:
    assert found(EmailDetector(), text) == []


@pytest.mark.parametrize(("text", "value"), [
    ("paid 4111 1111 1111 1111 ok", "4111 1111 1111 1111"),
    ("card=5500-0000-0000-0004", "5500-0000-0000-0004"),
    ("amex 3782 822463 10005", "3782 822463 10005"),
    ("pan 4012888888881881", "4012888888881881"),
])
def test_card_found(text: str, value: str) -> None:
    assert found(CardDetector(), text) == [("CREDIT_CARD", value)]


@pytest.mark.parametrize("text", [
    "order 4111111111111112",           # fails Luhn
    "ts=1731744001542 ns=1731744001542000000",  # epoch ms and ns: no issuer starts with 1
    "id 9111111111111111",              # no network issues 9...
    "trace 4bf92f3577b34da6a3ce929d0e0e4736",
])
def test_card_ignores_numbers_failing_checks(text: str) -> None:
    assert found(CardDetector(), text) == []


def test_iban_compact_and_grouped_and_not_trailing_word() -> None:
    assert found(IbanDetector(), "to GB82WEST12345698765432.") == [
        ("IBAN", "GB82WEST12345698765432")]
    assert found(IbanDetector(), "IBAN GB82 WEST 1234 5698 7654 32 OK") == [
        ("IBAN", "GB82 WEST 1234 5698 7654 32")]
    assert found(IbanDetector(), "GB82 WEST 1234 5698 7654 33") == []  # mod-97 fails


def test_iban_trigger_knows_the_registry_countries() -> None:
    from stdnum import numdb

    from vedette.privacy.detectors.financial import IBAN_COUNTRIES

    registry = sorted({prefix[1] for prefix in numdb.get("iban").prefixes})
    assert list(IBAN_COUNTRIES) == registry
    trigger = re.compile(IbanDetector.trigger)
    assert trigger.search("to GB82WEST12345698765432.")
    assert not trigger.search("postfix/qmgr[812]: EF51E1553F: removed")


@pytest.mark.parametrize(("text", "value"), [
    ("sms to +44 20 7946 0958", "+44 20 7946 0958"),
    ("call (415) 555-2671 now", "(415) 555-2671"),
    ("msisdn=+15062345900&x=1", "+15062345900"),
    ('"phone": "0612345678"', "0612345678"),
])
def test_phone_found(text: str, value: str) -> None:
    assert found(PhoneDetector(), text) == [("PHONE", value)]


@pytest.mark.parametrize("text", [
    "2024-11-15 10:23:45.123", "bytes=1048576000", "pid 4151234567", "v10.0.19041.1",
    "took 0612345678ns",  # a bare number without a phone label
    "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
])
def test_phone_ignores_numbers_that_are_not_phones(text: str) -> None:
    assert found(PhoneDetector(), text) == []


def test_phone_words_count_where_a_word_starts() -> None:
    for key in ("phone", "telefono", "userPhone", "contact_mobile", "tel", "sms.to"):
        assert found(PhoneDetector(), f'"{key}": "0612345678"') == [("PHONE", "0612345678")]
        assert found(PhoneDetector(), "0612345678", key) == [("PHONE", "0612345678")]
    for key in ("hotel_id", "cancelled_count", "intel", "Hotel"):
        assert found(PhoneDetector(), f'"{key}": "0612345678"') == [], key
        assert found(PhoneDetector(), "0612345678", key) == [], key
    assert found(PhoneDetector(), "hotel 0612345678") == []
    assert found(PhoneDetector(), "Tel 0612345678") == [("PHONE", "0612345678")]


def test_international_prefix_00_is_triggered_like_plus() -> None:
    from vedette.privacy import Engine, load_policy

    engine = Engine(load_policy(), key=b"k" * 32)
    for text in ("call 0044 20 7946 0958 now", "call +44 20 7946 0958 now"):
        assert [finding.type for finding in engine.detect(text)] == ["PHONE"], text


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("ssn 536-22-1234 on file", "US_SSN", "536-22-1234"),
    ('"ssn": "536221234"', "US_SSN", "536221234"),
    ("cpf 390.533.447-05", "BR_CPF", "390.533.447-05"),
    ("CNPJ 11.222.333/0001-81", "BR_CNPJ", "11.222.333/0001-81"),
    ("tfn=123 456 782", "AU_TFN", "123 456 782"),
    ("nino AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C"),
    ("NIR 2 95 10 99 126 111 93", "FR_NIR", "2 95 10 99 126 111 93"),
    ("steuer_id=12345678995", "DE_TAX_ID", "12345678995"),
    ("dni 12345678Z", "ES_DNI", "12345678Z"),
    ("nie X1234567L", "ES_NIE", "X1234567L"),
    ("cf RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
    ("bsn: 111222333", "NL_BSN", "111222333"),
    ("aadhaar 2345 6789 0124", "IN_AADHAAR", "2345 6789 0124"),
    ("SIN 130 692 544", "CA_SIN", "130 692 544"),
    ("GET /k?tfn=123+456+782 HTTP/1.1", "AU_TFN", "123+456+782"),
])
def test_national_ids(text: str, kind: str, value: str) -> None:
    assert found(NationalIdDetector(), text) == [(kind, value)]


@pytest.mark.parametrize("text", [
    "request 111222333 done",         # valid BSN checksum, but nothing says it is one
    "ssn 536-22-1235x",               # part of a longer token
    "ssn 000-12-3456",                # area 000 is never issued
    "cpf 390.533.447-06",             # wrong check digits
    "bytes=130692544 sent",           # valid SIN checksum, no label
])
def test_national_ids_need_checksum_and_context(text: str) -> None:
    assert found(NationalIdDetector(), text) == []


def test_ip_addresses_but_not_versions_loopback_or_oids() -> None:
    text = ("from 81.2.69.142 and 10.1.2.3 via 2001:db8::8a2e:370:7334; local 127.0.0.1 ::1 "
            "Chrome/120.0.0.0 version 1.2.3.4 oid 1.3.6.1.4.1 mac 00:1a:2b:3c:4d:5e 10:23:45")
    assert found(IpDetector(), text) == [("IP_ADDRESS", "81.2.69.142"), ("IP_ADDRESS", "10.1.2.3"),
                                         ("IP_ADDRESS", "2001:db8::8a2e:370:7334")]


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("key AKIAIOSFODNN7EXAMPLE used", "AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
    ("Authorization: Bearer abcdef0123456789xyz", "SECRET_TOKEN", "abcdef0123456789xyz"),
    ("password=hunter2!x&next=1", "SECRET_TOKEN", "hunter2!x"),
    ('{"api_key": "k-9f8e7d6c5b4a"}', "SECRET_TOKEN", "k-9f8e7d6c5b4a"),
    ("token ghp_" + "a" * 36, "SECRET_TOKEN", "ghp_" + "a" * 36),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZw", "SECRET_TOKEN",
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZw"),
    ("-----BEGIN RSA PRIVATE KEY-----", "SECRET_TOKEN", "-----BEGIN RSA PRIVATE KEY-----"),
])
def test_secrets(text: str, kind: str, value: str) -> None:
    assert (kind, value) in found(SecretDetector(), text)


@pytest.mark.parametrize("text", ["password=*** accepted", "token=<redacted>", "password=null",
                                  "tokens_used=1234", "key=users.email",
                                  "Authorization: <redacted>"])
def test_secret_placeholders_are_not_secrets(text: str) -> None:
    assert found(SecretDetector(), text) == []


def test_secret_by_key_name() -> None:
    assert found(SecretDetector(), "s3cr3t-value", key_name="db.password") == [
        ("SECRET_TOKEN", "s3cr3t-value")]


@pytest.mark.parametrize(("text", "value"), [
    ("Dear Maria Garcia, your order", "Maria Garcia"),
    ("user Jean-Luc Picard logged in", "Jean-Luc Picard"),
    ("From: Ana van der Berg <ana@x.org>", "Ana van der Berg"),
    ('{"customer_name":"Zoë O\'Brien"}', "Zoë O'Brien"),
    ('{"user": {"id": 7, "name": "Kwame Mensah"}}', "Kwame Mensah"),
    ("INSERT INTO t (cardholder) VALUES ('Li Wei')", "Li Wei"),
])
def test_person_found_through_context(text: str, value: str) -> None:
    assert found(PersonDetector(), text) == [("PERSON", value)]


@pytest.mark.parametrize("text", [
    "Dear Customer, your order", '{"name": "Payment Service"}', '"service": {"name": "Checkout"}',
    "user admin logged in", "User-Agent: Mozilla/5.0", "span name=HTTP GET",
])
def test_person_not_without_context(text: str) -> None:
    assert found(PersonDetector(), text) == []


def test_person_by_key_name() -> None:
    assert found(PersonDetector(), "Ana Lima", key_name="user.name") == [("PERSON", "Ana Lima")]
    assert found(PersonDetector(), "Ana Lima", key_name="service.name") == []


@pytest.mark.parametrize(("text", "value"), [
    ("ship to 221B Baker Street, London", "221B Baker Street"),
    ("addr Hauptstraße 12, Berlin", "Hauptstraße 12"),
    ("livraison 12 rue de Rivoli", "12 rue de Rivoli"),
    ('{"address": "Flat 3, 5 Long Lane"}', "Flat 3, 5 Long Lane"),
])
def test_street_address(text: str, value: str) -> None:
    assert found(AddressDetector(), text) == [("STREET_ADDRESS", value)]


def test_address_key_with_a_network_address_is_not_a_street() -> None:
    assert found(AddressDetector(), "remote_addr=10.0.0.1 listen_address=:8080") == []


def test_date_of_birth_only_with_context() -> None:
    assert found(DobDetector(), '{"dob":"1985-03-02","created_at":"2024-01-01"}') == [
        ("DATE_OF_BIRTH", "1985-03-02")]
    assert found(DobDetector(), "DOB: 02/03/1985") == [("DATE_OF_BIRTH", "02/03/1985")]
    assert found(DobDetector(), "deployed 2024-01-01, expires 1985-03-02") == []


def test_triggers_are_ascii_and_portable() -> None:
    """Triggers run in Hyperscan on bytes and in `re` on text: they must mean the same."""
    for detector in all_detectors():
        detector.trigger.encode("ascii")
        assert "(?=" not in detector.trigger and "(?<" not in detector.trigger
        re.compile(detector.trigger)


@pytest.mark.parametrize("candidate", ["020 7946 0958", "(506) 234-5980", "030 12345678",
                                       "612 34 56 78", "0011 44 20 7946 0958", "12"])
def test_phone_regions_are_reordered_never_dropped(candidate: str) -> None:
    from vedette.privacy.detectors.contact import PHONE_REGIONS, _likely_regions_first

    assert sorted(_likely_regions_first(candidate)) == sorted(PHONE_REGIONS)
    assert _likely_regions_first("020 7946 0958")[0] in ("GB", "NL")  # trunk 0, 10 digits


def test_iban_check_digits_are_checked_as_python_stdnum_does() -> None:
    import random

    from stdnum import iban

    from vedette.privacy.detectors.financial import _mod97_ok

    generator = random.Random(3)
    valid = ["GB82WEST12345698765432", "DE89370400440532013000", "NL91ABNA0417164300",
             "FR1420041010050500013M02606", "BR1800360305000010009795493C1"]
    for number in valid:
        assert _mod97_ok(number) and iban.is_valid(number)
        for _ in range(200):  # the shortcut never turns away what python-stdnum accepts
            position = generator.randrange(2, len(number))
            changed = (number[:position] + generator.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                       + number[position + 1:])
            assert _mod97_ok(changed) or not iban.is_valid(changed)
