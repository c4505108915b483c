"""Street addresses: house number and street in the common European and American forms,
or any value of an `address` / `street` field that has a number in it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vedette.privacy.context import key_leaf, key_values
from vedette.privacy.detectors.base import SqlColumnsConfirm
from vedette.privacy.entities import STREET_ADDRESS, Finding

_CAP = r"[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'.-]*"
_STREET = re.compile(
    # 221B Baker Street, 1600 Pennsylvania Avenue NW, 42 Elm St. Apt 5
    r"\b\d{1,5}[A-Za-z]?\s+(?:" + _CAP + r"\s+){1,4}(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?"
    r"|Boulevard|Blvd\.?|Lane|Ln\.?|Drive|Dr\.?|Court|Ct\.?|Way|Place|Pl\.?|Terrace|Square"
    r"|Parkway|Pkwy\.?|Highway|Hwy\.?|Close|Crescent|Row|Gardens|Grove|Circle|Trail)\b\.?"
    r"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?(?:,?\s+(?:Apt|Suite|Unit|Flat|Ste)\.?\s*#?\w+)?"
    # Hauptstraße 12, Keizersgracht 123, Bahnhofweg 4a
    r"|\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|straat"
    r"|laan|gracht|plein|kade|steeg)\s+\d{1,4}[a-z]?\b"
    # 12 rue de Rivoli, 5 bis avenue Foch
    r"|\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|bd|place|chemin|allée|impasse"
    r"|quai|route)\s+(?:(?:de|du|des|la|le|l'|d')\s*){0,2}" + _CAP + r"(?:\s+" + _CAP + r"){0,3}"
    # Calle Mayor 5, Via Roma 10, Rua Augusta 1500, Avenida Paulista, 1000
    r"|\b(?:Calle|C/|Avenida|Avda\.?|Plaza|Paseo|Via|Viale|Piazza|Corso|Largo|Rua|Av\.)\s+"
    r"(?:(?:de|del|la|da|do|dos|das|della|di)\s+){0,2}" + _CAP + r"(?:\s+" + _CAP + r"){0,3}"
    r",?\s+(?:n[ºo°.]\s*)?\d{1,5}[A-Za-z]?\b")
_ADDRESS_KEYS = re.compile(r"^(?:.*_)?(?:address|addr|street|address_?line_?\d?)$")
_HAS_DIGIT_AND_WORD = re.compile(r"(?=.*\d)(?=.*[A-Za-zÀ-ÿ]{3})")


class AddressDetector(SqlColumnsConfirm):
    name = "street_address"
    types = (STREET_ADDRESS,)
    trigger = (r"\b(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way"
               r"|Place|Pl|Terrace|Square|Parkway|Pkwy|Highway|Hwy|Close|Crescent|Row|Gardens|Grove"
               r"|Circle|Trail)\b|(?:stra\S{1,2}e|str\.|weg|gasse|allee|platz|ring|damm|straat|laan"
               r"|gracht|plein|kade|steeg)\s+\d|\b(?:rue|avenue|boulevard|bd|place|chemin|all\S{1,2}e"
               r"|impasse|quai|route|Calle|C/|Avenida|Avda|Plaza|Paseo|Via|Viale|Piazza|Corso|Largo"
               r"|Rua|Av\.)\s|(?i:addr|street)[\w-]*[\"']?\s*[:=]|VALUES")

    def wants_key(self, key_name: str) -> bool:
        return _ADDRESS_KEYS.match(key_leaf(key_name)) is not None

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        if key_name is not None and _ADDRESS_KEYS.match(key_leaf(key_name)) and \
                _HAS_DIGIT_AND_WORD.match(text) and "@" not in text and "://" not in text:
            yield Finding(STREET_ADDRESS, 0, len(text), 0.8, self.name)
            return
        for match in _STREET.finditer(text):
            yield Finding(STREET_ADDRESS, match.start(), match.end(), 0.75, self.name)
        for pair in key_values(text):
            value = text[pair.start:pair.end]
            if (_ADDRESS_KEYS.match(key_leaf(pair.key)) and _HAS_DIGIT_AND_WORD.match(value)
                    and "@" not in value and "://" not in value and not _is_network(value)):
                yield Finding(STREET_ADDRESS, pair.start, pair.end, 0.8, self.name)


def _is_network(value: str) -> bool:
    """`remote_addr=10.0.0.1`, `listen_address=:8080`: a network address, not a street."""
    return re.fullmatch(r"[\d.:\[\]a-fA-F/]+|[\w.-]+:\d+", value) is not None
