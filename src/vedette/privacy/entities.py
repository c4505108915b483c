"""What a detection is: an entity type at character offsets, never the value itself."""

from __future__ import annotations

from typing import NamedTuple

# Entity type names, as policies, findings and reports spell them.
EMAIL = "EMAIL"
PHONE = "PHONE"
CREDIT_CARD = "CREDIT_CARD"
IBAN = "IBAN"
US_SSN = "US_SSN"
IP_ADDRESS = "IP_ADDRESS"
PERSON = "PERSON"
STREET_ADDRESS = "STREET_ADDRESS"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
AWS_ACCESS_KEY = "AWS_ACCESS_KEY"
SECRET_TOKEN = "SECRET_TOKEN"
BR_CPF = "BR_CPF"
BR_CNPJ = "BR_CNPJ"
AU_TFN = "AU_TFN"
UK_NINO = "UK_NINO"
FR_NIR = "FR_NIR"
DE_TAX_ID = "DE_TAX_ID"
ES_DNI = "ES_DNI"
ES_NIE = "ES_NIE"
IT_FISCAL_CODE = "IT_FISCAL_CODE"
NL_BSN = "NL_BSN"
IN_AADHAAR = "IN_AADHAAR"
CA_SIN = "CA_SIN"

NATIONAL_IDS = (US_SSN, BR_CPF, BR_CNPJ, AU_TFN, UK_NINO, FR_NIR, DE_TAX_ID, ES_DNI, ES_NIE,
                IT_FISCAL_CODE, NL_BSN, IN_AADHAAR, CA_SIN)
SECRETS = (AWS_ACCESS_KEY, SECRET_TOKEN)
ALL_TYPES = (EMAIL, PHONE, CREDIT_CARD, IBAN, IP_ADDRESS, PERSON, STREET_ADDRESS,
             DATE_OF_BIRTH, *NATIONAL_IDS, *SECRETS)


class Finding(NamedTuple):
    """One piece of personal data: its type and where it is in the text that was scanned.

    `confidence` is 0..1; `detector` names the detector that fired (for tuning and audit).
    The value is deliberately not kept: callers that need it slice their own text. A named
    tuple: immutable like a frozen dataclass, and made in half the time (a scan makes one
    for every candidate).
    """

    type: str
    start: int
    end: int
    confidence: float
    detector: str

    def shifted(self, offset: int) -> Finding:
        """The same finding with its offsets moved by `offset` (a region inside a larger text)."""
        return Finding(self.type, self.start + offset, self.end + offset, self.confidence,
                       self.detector)
