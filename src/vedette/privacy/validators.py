"""Checksums and structural rules that turn a pattern match into a confident detection.

National identifiers are checked with `python-stdnum`; what is here is what stdnum does not
cover the way log scanning needs (card issuer ranges, IPv4 octets).
"""

from __future__ import annotations


def digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


# Each digit doubled, digits of the product summed: 7 -> 14 -> 5.
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards and Canadian SINs (ASCII digits)."""
    # Sums of the character codes, in C: a card scan checks every 16-digit id in a log.
    kept, doubled = digits[-1::-2], digits[-2::-2].translate(_DOUBLED)
    return (sum(kept.encode()) + sum(doubled.encode()) - 48 * len(digits)) % 10 == 0


# (first digits range, allowed lengths) of the card networks in use, per ISO/IEC 7812 IINs.
_CARD_RANGES: tuple[tuple[int, int, int, tuple[int, ...]], ...] = (
    # prefix length, low, high, lengths
    (1, 4, 4, (13, 16, 19)),            # Visa
    (2, 51, 55, (16,)),                 # Mastercard
    (4, 2221, 2720, (16,)),             # Mastercard 2-series
    (2, 34, 34, (15,)),                 # American Express
    (2, 37, 37, (15,)),
    (4, 6011, 6011, (16, 19)),          # Discover
    (2, 65, 65, (16, 19)),
    (3, 644, 649, (16, 19)),
    (4, 3528, 3589, (16, 19)),          # JCB
    (3, 300, 305, (14,)),               # Diners Club
    (2, 36, 36, (14,)),
    (2, 38, 39, (16,)),
    (2, 62, 62, (16, 17, 18, 19)),      # UnionPay
)


def card_issuer_ok(digits: str) -> bool:
    """True when the number's prefix and length belong to a card network."""
    length = len(digits)
    for size, low, high, lengths in _CARD_RANGES:
        if length in lengths and low <= int(digits[:size]) <= high:
            return True
    return False


def card_number_ok(digits: str) -> bool:
    # Luhn first: it is cheaper and turns away nine in ten.
    return 13 <= len(digits) <= 19 and luhn_ok(digits) and card_issuer_ok(digits)


def ipv4_ok(text: str) -> bool:
    """Four decimal octets 0-255 without leading zeros (`010.1.1.1` is not written by software)."""
    parts = text.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        if not part.isdigit() or len(part) > 3 or (len(part) > 1 and part[0] == "0"):
            return False
        if int(part) > 255:
            return False
    return True
