"""Contact details: e-mail addresses and phone numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from types import ModuleType

from vedette.privacy.context import key_of_value, words_before
from vedette.privacy.detectors.base import Run, SqlColumnsConfirm
from vedette.privacy.entities import EMAIL, PHONE, Finding

# File extensions and code suffixes that follow an `@` in logs without being a mail domain
# (`icon@2x.png`, `pkg@1.2.0`).
_NOT_TLDS = frozenset({
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "mjs", "css", "json", "html",
    "htm", "txt", "log", "py", "rb", "go", "java", "ts", "yaml", "yml", "xml", "map", "zip",
    "gz", "tar", "lock", "local", "localdomain", "internal", "svc", "cluster", "lan",
})


class EmailDetector:
    name = "email"
    types = (EMAIL,)
    # To the end of the run of address characters: one match (and confirmation) per run.
    trigger = r"[A-Za-z0-9]@[A-Za-z0-9-]+\.[A-Za-z][\w.%+@-]*(?:[^\w.%+@\n-]|$)"

    _pattern = re.compile(
        r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
        r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})(?![\w-])")
    _run = Run(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.%+-@")

    def wants_key(self, key_name: str) -> bool:
        return False  # the value alone decides: the trigger is enough

    def confirm(self, data: bytes, end: int) -> bool:
        # `logo@2x.png` in every page's asset list: not an address, and its line is not
        # decoded.
        return any(self.find(self._run.text(data, end)))

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        for match in self._pattern.finditer(text):
            if match.group(1).lower() in _NOT_TLDS:
                continue
            yield Finding(EMAIL, match.start(), match.end(), 0.95, self.name)


# Regions tried, in order, for numbers written without an international prefix.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "IN", "AU", "CA")
# Words that say a number is a phone's, where a word starts: `tel`, `telefono`, `userPhone`,
# `contact_mobile`, but not `hotel_id` or `cancelled_at`.
_PHONE_WORDS = (r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))"
                r"(?i:phone|tel|mobile|msisdn|cell|fax|whatsapp|sms|callback|caller)")
_PHONE_KEY = re.compile(_PHONE_WORDS)
# The word must label this very value: `phone: 0612345678`, `SMS sent to 612 34 56 78`.
_PHONE_LABEL = re.compile(rf"{_PHONE_WORDS}[\w .-]{{0,16}}[\"']?\s*[:=]?\s*[\"'(]?$")
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")


class PhoneDetector(SqlColumnsConfirm):
    """Phone numbers that `phonenumbers` validates for their region.

    A `+` or `00` prefix makes the region explicit. A national spelling counts when it is
    written as phone numbers are (trunk `0`, an area code in parentheses, NANP groups) and is
    valid in one of `PHONE_REGIONS`. A bare run of digits is a phone number only where a key
    or a word before it says so: otherwise it is as likely an id, a count or a timestamp.
    """

    name = "phone"
    types = (PHONE,)
    # Each form as the expression below starts it: after the same characters (Hyperscan
    # has no look-behind), an area code in parentheses followed by digits.
    trigger = (r"(?:^|[^\w+.,/:#-])(?:\+|00)[1-9]\d|\(\d{2,5}\)[^\d\n]{0,3}\d{2}"
               r"|[ (:=,\"']0[1-9]\d{0,3}[ -]\d{2}|(?:^|[^\w+.,/:#-])0[1-9]\d{8,10}\b"
               r"|\b[2-9]\d{2}[.-]\d{3}[.-]\d{4}\b|VALUES|(?i:phone|msisdn|mobile|\btel\b|\bfax\b"
               r"|whatsapp|\bsms\b|\bcell|callback|caller)")

    _pattern = re.compile(
        r"(?<![\w+.,/:#-])(?:"
        r"(?P<intl>(?:\+|00)[1-9]\d{0,2}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]?\d{1,5}){1,5})"
        r"|(?P<paren>\(\d{2,5}\)[\s.-]?\d{2,5}(?:[\s.-]?\d{2,5}){1,3})"
        r"|(?P<trunk>0\d{1,4}(?:[\s.-]?\d{2,5}){1,4})"
        r"|(?P<nanp>[2-9]\d{2}[.-]\d{3}[.-]\d{4})"
        r"|(?P<grouped>[1-9]\d{1,3}(?: \d{2,4}){2,4})"
        r"|(?P<bare>[1-9]\d{6,14})"
        r")(?![\w-]|[.,:/]\d)")

    def wants_key(self, key_name: str) -> bool:
        return _PHONE_KEY.search(key_name) is not None  # a bare number under `phone`

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        phonenumbers = _phonenumbers()
        for match in self._pattern.finditer(text):
            candidate = match.group()
            digits = sum(ch.isdigit() for ch in candidate)
            if not 7 <= digits <= 15 or _DATE_LIKE.fullmatch(candidate):
                continue
            kind = match.lastgroup
            if kind == "intl":  # the prefix says it: context would change nothing
                number = "+" + candidate[2:] if candidate.startswith("00") else candidate
                if _valid_phone(phonenumbers, number, None):
                    yield Finding(PHONE, match.start(), match.end(), 0.9, self.name)
                continue
            in_context = _in_context(text, match.start(), key_name)
            if (kind in ("bare", "grouped") or (kind == "trunk" and not _spaced(candidate))) \
                    and not in_context:
                continue
            if any(_valid_phone(phonenumbers, candidate, region)
                   for region in _likely_regions_first(candidate)):
                yield Finding(PHONE, match.start(), match.end(), 0.9 if in_context else 0.75,
                              self.name)


def _in_context(text: str, start: int, key_name: str | None) -> bool:
    """Whether a key or the words just before the number at `start` say it is a phone's."""
    return bool(_PHONE_KEY.search(key_name or key_of_value(text, start) or "")
                or _PHONE_LABEL.search(words_before(text, start, 40)))


@cache
def _phonenumbers() -> ModuleType:
    """The library, imported when first needed, keeping the expressions of its metadata once
    compiled: numbers tried in eleven regions use more than `re`'s cache of 512 holds."""
    import phonenumbers
    from phonenumbers import re_util

    enable = getattr(re_util, "enable_pattern_cache", None)
    if enable is not None:
        enable()
    return phonenumbers


@cache
def _region_shapes() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """Per region: the pattern of its national numbers and its trunk prefix (metadata)."""
    metadata_for = _phonenumbers().PhoneMetadata.metadata_for_region
    shapes = []
    for region in PHONE_REGIONS:
        metadata = metadata_for(region)
        shapes.append((region, re.compile(metadata.general_desc.national_number_pattern),
                       metadata.national_prefix or ""))
    return tuple(shapes)


def _likely_regions_first(candidate: str) -> list[str]:
    """PHONE_REGIONS, those whose national numbers look like the candidate first: whether
    any region validates it does not depend on the order, but a valid number is validated
    at the first try instead of after failed parses in other regions (20 µs each)."""
    digits = "".join(ch for ch in candidate if ch.isdigit())
    likely, others = [], []
    for region, pattern, prefix in _region_shapes():
        national = digits[len(prefix):] if prefix and digits.startswith(prefix) else digits
        (likely if pattern.fullmatch(national) else others).append(region)
    return likely + others


def _spaced(candidate: str) -> bool:
    """Written in groups the way people write phone numbers (`020 7946 0958`)."""
    return any(ch in " .-" for ch in candidate)


def _valid_phone(phonenumbers: object, number: str, region: str | None) -> bool:
    try:
        parsed = phonenumbers.parse(number, region)  # type: ignore[attr-defined]
    except Exception:  # NumberParseException: not a number in that region
        return False
    return bool(phonenumbers.is_valid_number(parsed))  # type: ignore[attr-defined]
