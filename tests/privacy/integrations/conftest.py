from __future__ import annotations

import pytest

from vedette.privacy import Engine, load_policy

# Personal data the tests log; none of it may reach any output.
EMAIL = "anna.schmidt@example.org"
OTHER_EMAIL = "li.wei@example.net"
CARD = "4111 1111 1111 1111"
CARD_NUMBER = 4111111111111111
IBAN = "DE89370400440532013000"
RAW = (EMAIL, OTHER_EMAIL, CARD, str(CARD_NUMBER), IBAN, "anna.schmidt", "li.wei")


class Customer:
    """An application object whose text holds personal data."""

    def __str__(self) -> str:
        return f"Customer<{OTHER_EMAIL}>"

    __repr__ = __str__


def assert_clean(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} leaked into {text!r}"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(load_policy(), key=b"integration-tests-key-0123456789")
