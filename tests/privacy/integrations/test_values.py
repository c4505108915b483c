"""Values of any type are redacted through what they will print as."""

from __future__ import annotations

from tests.privacy.integrations.conftest import CARD_NUMBER, EMAIL, Customer, assert_clean
from vedette.privacy.integrations.values import plain, redact_any, safe_text


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError(EMAIL)


def test_safe_text_survives_a_failing_str() -> None:
    assert safe_text(Unprintable()) == "<unprintable Unprintable: RuntimeError>"


def test_plain_reduces_objects_to_json_like_data() -> None:
    assert plain({1: (b"caf\xc3\xa9", {"x"}), "n": None, "c": Customer()}) == {
        "1": ["café", ["x"]], "n": None, "c": str(Customer())}


def test_numbers_stay_numbers_unless_their_text_is_personal(engine: object) -> None:
    assert redact_any(engine, 8080, "port") == 8080  # type: ignore[arg-type]
    assert redact_any(engine, 2.5, "seconds") == 2.5  # type: ignore[arg-type]
    assert redact_any(engine, True, "ok") is True  # type: ignore[arg-type]
    assert redact_any(engine, None, "email") is None  # type: ignore[arg-type]
    card = redact_any(engine, CARD_NUMBER, "card_number")  # type: ignore[arg-type]
    assert isinstance(card, str)
    assert_clean(card)


def test_objects_and_containers(engine: object) -> None:
    assert_clean(str(redact_any(engine, Customer())))  # type: ignore[arg-type]
    redacted = redact_any(engine, ({"email": EMAIL, "visits": 3}, Customer()), "users")  # type: ignore[arg-type]
    assert isinstance(redacted, list) and redacted[0]["visits"] == 3
    assert_clean(str(redacted))
    assert_clean(str(redact_any(engine, Unprintable())))  # type: ignore[arg-type]
    assert_clean(str(redact_any(engine, EMAIL.encode())))  # type: ignore[arg-type]
