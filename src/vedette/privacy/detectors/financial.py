"""Payment data: card numbers (Luhn and issuer ranges) and IBANs (mod-97, country length)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vedette.privacy.detectors.base import Run
from vedette.privacy.entities import CREDIT_CARD, IBAN, Finding
from vedette.privacy.validators import card_number_ok, digits_of


class CardDetector:
    name = "credit_card"
    types = (CREDIT_CARD,)
    # The tail takes the trigger to the end of the run of digits, spaces and dashes: one
    # match (and one confirmation) per run.
    trigger = r"\b[2-6]\d{3}[ -]?\d{4,6}[ -]?\d{4}[\d -]*(?:[^\d \n-]|$)"

    # Groups of 4 (Visa, Mastercard, Discover...), 4-6-5 (Amex), 4-6-4 (Diners) with one
    # consistent separator, or 13-19 digits in a row.
    _pattern = re.compile(
        r"(?<![\w.+/-])(?:"
        r"\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?"
        r"|\d{4}([ -])\d{6}\2\d{4,5}"
        r"|\d{13,19}"
        r")(?![\w/]|[.-]\d)")
    _run = Run(b"0123456789 -")

    def wants_key(self, key_name: str) -> bool:
        return False  # the value alone decides: the trigger is enough

    def confirm(self, data: bytes, end: int) -> bool:
        # Ids, counters and nanosecond timestamps of 16 digits are far more common in logs
        # than card numbers, and nine in ten fail Luhn: checked here, their lines are
        # never decoded.
        start, stop = self._run.around(data, end)
        run = data[start:stop].strip(b" -")
        if run.isdigit():  # the common case: the only candidate is the whole run
            return card_number_ok(run.decode("ascii"))
        return any(self.find(self._run.text(data, end)))

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        for match in self._pattern.finditer(text):
            if card_number_ok(digits_of(match.group())):
                yield Finding(CREDIT_CARD, match.start(), match.end(), 0.9, self.name)


# The countries of the IBAN registry (python-stdnum's, which validates; a test keeps the two
# equal): postfix queue ids and hex digests start with two other capitals far more often.
IBAN_COUNTRIES = (
    "AD", "AE", "AL", "AT", "AZ", "BA", "BE", "BG", "BH", "BI", "BR", "BY", "CH", "CR", "CY",
    "CZ", "DE", "DJ", "DK", "DO", "EE", "EG", "ES", "FI", "FK", "FO", "FR", "GB", "GE", "GI",
    "GL", "GR", "GT", "HN", "HR", "HU", "IE", "IL", "IQ", "IS", "IT", "JO", "KW", "KZ", "LB",
    "LC", "LI", "LT", "LU", "LV", "LY", "MC", "MD", "ME", "MK", "MN", "MR", "MT", "MU", "NI",
    "NL", "NO", "OM", "PK", "PL", "PS", "PT", "QA", "RO", "RS", "RU", "SA", "SC", "SD", "SE",
    "SI", "SK", "SM", "SO", "ST", "SV", "TL", "TN", "TR", "UA", "VA", "VG", "XK", "YE")


class IbanDetector:
    """IBANs, compact or in groups of four, checked by country length and mod-97."""

    name = "iban"
    types = (IBAN,)
    trigger = rf"\b(?:{'|'.join(IBAN_COUNTRIES)})\d{{2}} ?[A-Z0-9]{{4}}"

    _pattern = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")

    def wants_key(self, key_name: str) -> bool:
        return False  # the value alone decides: the trigger is enough

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        from stdnum import iban

        for match in self._pattern.finditer(text):
            # Grouped IBANs can run into a following word (`... 3000 OK`): retry shorter.
            candidate = match.group()
            while candidate:
                if _mod97_ok(candidate) and iban.is_valid(candidate):
                    yield Finding(IBAN, match.start(), match.start() + len(candidate), 0.95,
                                  self.name)
                    break
                if " " not in candidate:
                    break
                candidate = candidate.rsplit(" ", 1)[0]


def _mod97_ok(candidate: str) -> bool:
    """The IBAN check digits (ISO 7064 mod 97-10), which python-stdnum checks too: one
    big-integer remainder first, because stdnum's full check costs about 40 µs and a
    grouped IBAN followed by a word is retried shorter."""
    compact = candidate.replace(" ", "")
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1
