"""Detectors, one module per family of entities; `all_detectors` lists them in order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vedette.privacy.detectors.address import AddressDetector
from vedette.privacy.detectors.base import Detector
from vedette.privacy.detectors.contact import EmailDetector, PhoneDetector
from vedette.privacy.detectors.dob import DobDetector
from vedette.privacy.detectors.financial import CardDetector, IbanDetector
from vedette.privacy.detectors.national_ids import NationalIdDetector
from vedette.privacy.detectors.network import IpDetector
from vedette.privacy.detectors.person import PersonDetector
from vedette.privacy.detectors.secrets import SecretDetector

if TYPE_CHECKING:
    from vedette.privacy.policy import DetectorSettings


def all_detectors(settings: DetectorSettings | None = None) -> list[Detector]:
    """A fresh instance of every built-in detector, and of the optional ones `settings`
    (a policy's `detectors:` section) turns on.

    Raises NerUnavailable (a ConfigError) when NER is on but spaCy or its model is missing.
    """
    detectors: list[Detector] = [
        EmailDetector(), PhoneDetector(), CardDetector(), IbanDetector(), NationalIdDetector(),
        IpDetector(), SecretDetector(), PersonDetector(), AddressDetector(), DobDetector()]
    if settings is not None and settings.ner.enabled:
        # Imported only when wanted: the module is light, but it is the door to spaCy.
        from vedette.privacy.detectors.ner import NerDetector

        detectors.append(NerDetector(settings.ner.model))
    return detectors


__all__ = ["Detector", "all_detectors"]
