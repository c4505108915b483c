"""National identifiers with check digits, validated by `python-stdnum`.

Each identifier has the ways it is written and the words that name it. Where its written
form is distinctive (`123.456.789-09`, `RSSMRA85T10A562S`) a valid checksum is enough; where
it is a bare run of digits that a random id passes one time in ten (BSN, TFN, SIN, the US
SSN without dashes) a key or a word before it must say what it is.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from vedette.privacy.context import key_of_value, words_before
from vedette.privacy.detectors.base import SqlColumnsConfirm
from vedette.privacy.entities import (
    AU_TFN,
    BR_CNPJ,
    BR_CPF,
    CA_SIN,
    DE_TAX_ID,
    ES_DNI,
    ES_NIE,
    FR_NIR,
    IN_AADHAAR,
    IT_FISCAL_CODE,
    NL_BSN,
    UK_NINO,
    US_SSN,
    Finding,
)


@dataclass(frozen=True)
class IdSpec:
    type: str
    module: str              # python-stdnum module with is_valid()
    distinctive: str         # written forms a valid checksum is enough for
    contextual: str          # written forms that also need `context`
    context: str             # words or keys that name the identifier
    confidence: float = 0.9


def _spaced(pattern: str) -> str:
    """`pattern` with its spaces also matching `+`, a space in a URL query string."""
    return pattern.replace("[ -]", "[ +-]").replace(" ?", "[ +]?").replace(" \\d", "[ +]\\d")


_SPECS = (
    IdSpec(US_SSN, "us.ssn", r"\d{3}-\d{2}-\d{4}", r"\d{9}|\d{3} \d{2} \d{4}",
           r"ssn|social[ _-]?security"),
    IdSpec(BR_CPF, "br.cpf", r"\d{3}\.\d{3}\.\d{3}-\d{2}", r"\d{11}", r"cpf"),
    IdSpec(BR_CNPJ, "br.cnpj", r"\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}", r"\d{14}", r"cnpj"),
    IdSpec(AU_TFN, "au.tfn", r"(?!)", r"\d{3} ?\d{3} ?\d{2,3}", r"tfn|tax[ _-]?file"),
    IdSpec(UK_NINO, "", r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]",
           r"(?!)", r"nino|national[ _-]?insurance|\bni\b"),
    IdSpec(FR_NIR, "fr.nir",
           r"[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}",
           r"(?!)", r"nir|insee|s[ée]curit[ée][ _-]?sociale|secu"),
    IdSpec(DE_TAX_ID, "de.idnr", r"(?!)", r"\d{2} ?\d{3} ?\d{3} ?\d{3}",
           r"steuer|idnr|tax[ _-]?id|\btin\b|identifikationsnummer"),
    IdSpec(ES_DNI, "es.dni", r"\d{8}-?[A-HJ-NP-TV-Z]", r"(?!)", r"dni|nif"),
    IdSpec(ES_NIE, "es.nie", r"[XYZ]-?\d{7}-?[A-HJ-NP-TV-Z]", r"(?!)", r"nie"),
    IdSpec(IT_FISCAL_CODE, "it.codicefiscale",
           r"[A-Z]{6}[\dLMNP-V]{2}[A-EHLMPR-T][\dLMNP-V]{2}[A-Z][\dLMNP-V]{3}[A-Z]", r"(?!)",
           r"codice[ _-]?fiscale|\bcf\b|fiscal[ _-]?code"),
    IdSpec(NL_BSN, "nl.bsn", r"(?!)", r"\d{9}|\d{4}\.\d{2}\.\d{3}",
           r"bsn|burgerservice|sofi"),
    IdSpec(IN_AADHAAR, "in_.aadhaar", r"[2-9]\d{3} \d{4} \d{4}", r"[2-9]\d{11}",
           r"aadhaa?r|uidai"),
    IdSpec(CA_SIN, "ca.sin", r"(?!)", r"\d{3}[ -]?\d{3}[ -]?\d{3}",
           r"\bsin\b|social[ _-]?insurance|\bnas\b"),
)

# NINO prefixes never issued (HMRC): BG, GB, KN, NK, NT, TN, ZZ.
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def _nino_ok(value: str) -> bool:
    return value.replace(" ", "")[:2] not in _NINO_BAD_PREFIXES


class NationalIdDetector(SqlColumnsConfirm):
    name = "national_id"
    types = tuple(spec.type for spec in _SPECS)
    trigger = (r"\d{3}-\d{2}-\d{4}|\d{3}\.\d{3}\.\d{3}-|\d{2}\.\d{3}\.\d{3}/"
               r"|[A-Z]{2}[ +]?\d{2}[ +]?\d{2}[ +]?\d{2}[ +]?[A-D]\b"
               r"|\b[12][ +]?\d{2}[ +]?\d{2}[ +]?"
               r"(?:\d{2}|2[AB])[ +]?\d{3}[ +]?\d{3}[ +]?\d{2}\b|\b\d{8}-?[A-Z]\b|\b[XYZ]-?\d{7}"
               r"|[A-Z]{6}[\dLMNP-V]{2}[A-Z]|\b[2-9]\d{3}[ +]\d{4}[ +]\d{4}\b|VALUES"
               r"|(?i:ssn|social.security|cpf|cnpj|tfn|tax.file|nino|national.insurance|\bnir\b"
               r"|insee|s\S{1,2}curit|steuer|idnr|tax.?id|\btin\b|\bdni|\bnie\b|\bnif"
               r"|codice|fiscal|\bcf\b|bsn|burgerservice|sofi|aadhaa?r|uidai|\bsin\b"
               r"|social.insurance|\bnas\b)")

    def __init__(self) -> None:
        # One pass over the text for every written form; the group name says which.
        branches = []
        for index, spec in enumerate(_SPECS):
            branches.append(f"(?P<d{index}>{_spaced(spec.distinctive)})")
            branches.append(f"(?P<c{index}>{_spaced(spec.contextual)})")
        # Every form starts with a digit or a capital: the look-ahead skips other positions
        # before the many alternatives are tried.
        self._pattern = re.compile(r"(?<![\w.+/-])(?=[\dA-Z])(?:" + "|".join(branches) +
                                   r")(?![\w/]|[.-]\w)")
        # The word must label this very value (`SSN: ...`, `"bsn": "...`, `tfn=...`).
        self._context = [re.compile(rf"(?:{spec.context})[\w .-]{{0,16}}[\"']?\s*[:=]?\s*[\"']?$",
                                    re.IGNORECASE) for spec in _SPECS]
        self._key_context = [re.compile(spec.context, re.IGNORECASE) for spec in _SPECS]
        # The forms again, each alone, to tell which identifiers a matched value can be.
        self._forms = [(re.compile(spec.distinctive), re.compile(spec.contextual))
                       for spec in _SPECS]
        self._validators = [
            importlib.import_module(f"stdnum.{spec.module}").is_valid if spec.module
            else _nino_ok for spec in _SPECS]

    def wants_key(self, key_name: str) -> bool:
        # Undistinctive forms (nine digits) count under a key that names them (`ssn`).
        return any(context.search(key_name) for context in self._key_context)

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        for match in self._pattern.finditer(text):
            value = match.group().replace("+", " ")
            before: str | None = None
            key: str | None = None
            # Alternatives sharing a form (9 digits: SSN, BSN, TFN, SIN) are all tried, from
            # the one that matched: an earlier one whose form fits would have matched first.
            first = int(match.lastgroup[1:])  # type: ignore[index]
            for index in range(first, len(_SPECS)):
                spec, (distinctive_form, contextual_form) = _SPECS[index], self._forms[index]
                distinctive = distinctive_form.fullmatch(value) is not None
                if not distinctive and contextual_form.fullmatch(value) is None:
                    continue
                if distinctive and not self._shared_form(index, value):
                    # A form of its own: the checksum decides, context does not matter.
                    if not self._validators[index](value):
                        continue
                    yield Finding(spec.type, match.start(), match.end(), spec.confidence,
                                  self.name)
                    break
                if before is None:
                    before = words_before(text, match.start(), 40)
                    key = key_name or key_of_value(text, match.start())
                named = (self._context[index].search(before) is not None
                         or (key is not None and self._key_context[index].search(key) is not None))
                if not (distinctive or named) or not self._validators[index](value):
                    continue
                # Named, or written the way another identifier is too: context decides.
                confidence = spec.confidence if named else 0.6
                yield Finding(spec.type, match.start(), match.end(), confidence, self.name)
                break

    def _shared_form(self, index: int, value: str) -> bool:
        """Whether another identifier is written the same way (then context decides)."""
        return any(distinctive.fullmatch(value) or contextual.fullmatch(value)
                   for other, (distinctive, contextual) in enumerate(self._forms)
                   if other != index)
