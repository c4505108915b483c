"""Dates of birth: a date is personal data only when a key or a word says it is a birth date."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vedette.privacy.context import key_leaf, key_values
from vedette.privacy.entities import DATE_OF_BIRTH, Finding

_DATE = (r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}/\d{2}/\d{2}"
         r"|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+\d{4}"
         r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|\d{8})")
_DATE_VALUE = re.compile(_DATE + r"(?:T00:00:00(?:\.0+)?Z?)?")
_BIRTH_KEYS = re.compile(r"^(?:.*_)?(?:dob|d_o_b|birth_?date|date_?of_?birth|birthday|born(?:_on)?"
                         r"|geburtsdatum|date_?de_?naissance|fecha_?de_?nacimiento"
                         r"|data_?de_?nascimento|data_?di_?nascita|birth_?dt)$")
_PHRASE_WORD = re.compile(r"(?i)d\.?o\.?b|birth|born|geboren|n\S{1,3} le")
_PHRASE = re.compile(r"(?i)\b(?:d\.?o\.?b\.?|date of birth|birth ?date|birthday|born(?: on)?"
                     r"|geboren(?: am)?|n[ée]e? le)\s*[:=]?\s*[\"']?(" + _DATE + r")\b")


class DobDetector:
    name = "date_of_birth"
    types = (DATE_OF_BIRTH,)
    trigger = (r"(?i:dob|d\.o\.b|d_o_b|birth|born|geboren|geburt|naissance|nacimiento|nascita"
               r"|nascimento|n\S{1,3} le)")

    def wants_key(self, key_name: str) -> bool:
        return _BIRTH_KEYS.match(key_leaf(key_name)) is not None

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        if key_name is not None and _BIRTH_KEYS.match(key_leaf(key_name)):
            if _DATE_VALUE.fullmatch(text.strip()):
                yield Finding(DATE_OF_BIRTH, 0, len(text), 0.9, self.name)
            return
        for pair in key_values(text):
            if _BIRTH_KEYS.match(key_leaf(pair.key)):
                value = text[pair.start:pair.end]
                if _DATE_VALUE.fullmatch(value):
                    yield Finding(DATE_OF_BIRTH, pair.start, pair.end, 0.9, self.name)
        for match in _PHRASE.finditer(text) if _PHRASE_WORD.search(text) else ():
            yield Finding(DATE_OF_BIRTH, match.start(1), match.end(1), 0.85, self.name)
