"""Detectors, one module per family of entities; `all_detectors` lists them in order."""

from __future__ import annotations

from vedette.privacy.detectors.address import AddressDetector
from vedette.privacy.detectors.base import Detector
from vedette.privacy.detectors.contact import EmailDetector, PhoneDetector
from vedette.privacy.detectors.dob import DobDetector
from vedette.privacy.detectors.financial import CardDetector, IbanDetector
from vedette.privacy.detectors.national_ids import NationalIdDetector
from vedette.privacy.detectors.network import IpDetector
from vedette.privacy.detectors.person import PersonDetector
from vedette.privacy.detectors.secrets import SecretDetector


def all_detectors() -> list[Detector]:
    """A fresh instance of every built-in detector."""
    return [EmailDetector(), PhoneDetector(), CardDetector(), IbanDetector(),
            NationalIdDetector(), IpDetector(), SecretDetector(), PersonDetector(),
            AddressDetector(), DobDetector()]


__all__ = ["Detector", "all_detectors"]
