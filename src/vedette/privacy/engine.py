"""The engine: detectors find, the policy decides, transforms change the text."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from vedette.privacy import transforms
from vedette.privacy.context import key_leaf
from vedette.privacy.detectors import Detector, all_detectors
from vedette.privacy.entities import Finding
from vedette.privacy.policy import Policy
from vedette.privacy.prefilter import Prefilter
from vedette.privacy.transforms import Transform


class EngineError(Exception):
    """The engine cannot be set up as the policy says (e.g. an unreadable encryption key)."""


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order; where two overlap, the more confident
    (then the longer) one wins: a card number is not also a phone number."""
    ranked = sorted(findings, key=lambda f: (-f.confidence, f.start - f.end, f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= other.start or finding.start >= other.end for other in kept):
            kept.append(finding)
    kept.sort(key=lambda f: f.start)
    return kept


class Engine:
    """Detects personal data and transforms it as `policy` says.

    `key` is the deployment key behind hashes and pseudonyms: the same value gives the same
    token for one key. Without one, a random key is used and tokens hold for this process only.
    `cache_dir`, if given, keeps the compiled prefilter for the next process that starts.
    """

    def __init__(self, policy: Policy, key: bytes | None = None,
                 cache_dir: Path | None = None) -> None:
        self.policy = policy
        self.key = key or os.urandom(32)
        self.detectors: list[Detector] = [
            detector for detector in all_detectors(policy.detectors)
            if set(detector.types) & policy.enabled_types]
        self._allowed_values = frozenset(policy.allow.values)
        self._allowed_pattern = (re.compile("|".join(f"(?:{p})" for p in policy.allow.patterns))
                                 if policy.allow.patterns else None)
        self._allowed_keys = frozenset(key.lower() for key in policy.allow.keys)
        self._encryption_key = self._load_encryption_key()
        # Detectors whose trigger does not occur in a text cannot find anything in it.
        self.prefilter = Prefilter([detector.trigger for detector in self.detectors],
                                   [getattr(detector, "confirm", None)
                                    for detector in self.detectors], cache_dir)
        # ...unless the key the text is the value of makes it personal data by itself.
        self._wanting = lru_cache(maxsize=4096)(self._detectors_wanting)

    def _load_encryption_key(self) -> bytes | None:
        settings = self.policy.encryption
        if settings is None:
            return None
        try:
            text = settings.key_file.read_text().strip()
            key = bytes.fromhex(text)
        except OSError as exc:
            raise EngineError(f"{settings.key_file}: cannot read the encryption key: "
                              f"{exc.strerror or exc}") from exc
        except ValueError as exc:
            raise EngineError(f"{settings.key_file}: the encryption key must be 64 hex "
                              "digits (32 bytes)") from exc
        if len(key) != 32:
            raise EngineError(f"{settings.key_file}: the encryption key must be 32 bytes, "
                              f"not {len(key)}")
        return key

    # --- detection ----------------------------------------------------------------------

    def key_is_allowed(self, key_name: str | None) -> bool:
        if not key_name or not self._allowed_keys:
            return False
        return key_name.lower() in self._allowed_keys or key_leaf(key_name) in self._allowed_keys

    def accept(self, text: str, finding: Finding) -> bool:
        """Whether the policy lets this finding stand (type enabled, confident, not allowed)."""
        if finding.type not in self.policy.enabled_types:
            return False
        if finding.confidence < self.policy.min_confidence:
            return False
        value = text[finding.start:finding.end]
        if value in self._allowed_values:
            return False
        return not (self._allowed_pattern and self._allowed_pattern.fullmatch(value))

    def detect_with(self, detectors: Sequence[Detector], text: str,
                    key_name: str | None = None) -> list[Finding]:
        """What `detectors` find in `text` and the policy accepts, without overlaps."""
        if self.key_is_allowed(key_name):
            return []
        found = [finding for detector in detectors for finding in detector.find(text, key_name)
                 if self.accept(text, finding)]
        return resolve_overlaps(found) if len(found) > 1 else found

    def detect(self, text: str, key_name: str | None = None) -> list[Finding]:
        """The personal data in `text`, in text order; `key_name` names the field `text` is
        the value of."""
        mask = self.prefilter.mask(text)
        if key_name is None:
            return self.detect_with([detector for index, detector in enumerate(self.detectors)
                                     if mask >> index & 1], text)
        # A key can make a whole value personal data with no trigger in the text itself.
        wanting = self._wanting(key_name)
        return self.detect_with([detector for index, detector in enumerate(self.detectors)
                                 if mask >> index & 1 or detector in wanting], text, key_name)

    def _detectors_wanting(self, key_name: str) -> frozenset[Detector]:
        """The detectors for which a value under `key_name` may be personal data with no
        trigger in it; a detector that cannot tell is always among them."""
        return frozenset(detector for detector in self.detectors
                         if getattr(detector, "wants_key", None) is None
                         or detector.wants_key(key_name))

    # --- transformation -----------------------------------------------------------------

    def replacement(self, text: str, finding: Finding) -> str:
        """What the policy puts in place of the finding's value."""
        value = text[finding.start:finding.end]
        spec = self.policy.transform_for(finding.type)
        match spec.transform:
            case Transform.KEEP:
                return value
            case Transform.MASK:
                return f"<{finding.type}>"
            case Transform.PARTIAL_MASK:
                return transforms.partial_mask(finding.type, value, spec.keep_start,
                                               spec.keep_end)
            case Transform.DROP:
                return ""
            case Transform.HASH:
                return f"<{finding.type}:{transforms.fingerprint(self.key, finding.type, value)}>"
            case Transform.PSEUDONYMIZE:
                return transforms.pseudonym(self.key, finding.type, value)
            case Transform.ENCRYPT:
                if self._encryption_key is None or self.policy.encryption is None:
                    # Reversible encryption without a key would lose the value: mask instead.
                    return f"<{finding.type}>"
                return transforms.encrypt(self._encryption_key, self.policy.encryption.key_id,
                                          finding.type, value)

    def apply(self, text: str, findings: Sequence[Finding]) -> str:
        """`text` with each (non-overlapping, ordered) finding replaced as the policy says."""
        if not findings:
            return text
        parts: list[str] = []
        position = 0
        for finding in findings:
            parts.append(text[position:finding.start])
            parts.append(self.replacement(text, finding))
            position = finding.end
        parts.append(text[position:])
        return "".join(parts)

    def redact(self, text: str, key_name: str | None = None,
               observe: Callable[[str, list[Finding]], None] | None = None) -> str:
        """`text` with its personal data transformed by the policy; `observe`, if given, is
        told what was found (to count it, never to keep the value)."""
        findings = self.detect(text, key_name)
        if observe is not None and findings:
            observe(text, findings)
        return self.apply(text, findings)

    def redact_value(self, value: object, key_name: str | None = None,
                     observe: Callable[[str, list[Finding]], None] | None = None) -> object:
        """A JSON-like value with its strings redacted, keys as context, structure kept
        (see `redact_values`)."""
        return redact_values(value, key_name,
                             lambda text, key: self.redact(text, key, observe))

    # --- reporting without the value ------------------------------------------------------

    def preview(self, text: str, finding: Finding) -> str:
        """A masked preview of the finding's value (`j***@e***.com`)."""
        return transforms.preview(finding.type, text[finding.start:finding.end])

    def fingerprint(self, text: str, finding: Finding) -> str:
        """The keyed hash of the finding's value: equal values give equal fingerprints."""
        return transforms.fingerprint(self.key, finding.type, text[finding.start:finding.end])


def redact_values(value: object, key_name: str | None,
                  redact: Callable[[str, str | None], str]) -> object:
    """`value` with every string passed through `redact(text, key)`, `key` the dotted path
    of keys above it (`user.name`: a key names its values' field). Mappings keep their
    keys and lists their order (tuples come back as lists); numbers are checked through
    their text (a card number logged as an int is still one) and come back as redacted text
    only when they held personal data."""
    if isinstance(value, str):
        return redact(value, key_name)
    if isinstance(value, dict):
        return {key: redact_values(item, _child_key(key_name, str(key)), redact)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_values(item, key_name, redact) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
        redacted = redact(text, key_name)
        return value if redacted == text else redacted
    return value


def _child_key(parent: str | None, key: str) -> str:
    return f"{parent}.{key}" if parent else key
