"""What happens to a found value: mask, partial mask, drop, keyed hash, pseudonym, encryption.

Every keyed output (hash, pseudonym) is a keyed BLAKE2b MAC over a normalised value, so the
same card written with or without spaces, or the same address in another case, gives the
same token for one deployment key and nothing linkable under another.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from enum import StrEnum

from vedette.privacy.entities import CREDIT_CARD, EMAIL, PERSON, SECRETS


class Transform(StrEnum):
    KEEP = "keep"                  # report it, leave the text as it is
    MASK = "mask"                  # <EMAIL>
    PARTIAL_MASK = "partial_mask"  # 411111******1111, j***@e***.com
    DROP = "drop"                  # remove the value
    HASH = "hash"                  # <EMAIL:hash:9f2c...>: keyed, for joins and de-duplication
    PSEUDONYMIZE = "pseudonymize"  # EMAIL_K3M9Q2XD: keyed, short, stable per deployment key
    ENCRYPT = "encrypt"            # <ENC:EMAIL:key-id:...>: reversible with the key


_SEPARATORS = re.compile(r"[\s.\-/]")


def normalize(entity_type: str, value: str) -> str:
    """The form two spellings of one value share: case-folded, without separators."""
    if entity_type in (EMAIL, PERSON):
        return " ".join(value.split()).casefold()
    if entity_type in SECRETS:
        return value
    return _SEPARATORS.sub("", value).upper()


def keyed_digest(key: bytes, purpose: bytes, entity_type: str, value: str, size: int) -> bytes:
    data = f"{entity_type}\x00{normalize(entity_type, value)}".encode()
    return hashlib.blake2b(data, key=key[:64], person=purpose[:16], digest_size=size).digest()


def fingerprint(key: bytes, entity_type: str, value: str) -> str:
    """Hex keyed hash of the value: what findings carry instead of the value."""
    return keyed_digest(key, b"vedette-fp", entity_type, value, 16).hex()


def pseudonym(key: bytes, entity_type: str, value: str) -> str:
    """A short stable token for the value, readable in a log line: `EMAIL_K3M9Q2XDTA`."""
    token = base64.b32encode(keyed_digest(key, b"vedette-pseudo", entity_type, value, 10))
    return f"{entity_type}_{token.decode()[:12]}"


def _mask_chars(text: str, keep_start: int, keep_end: int) -> str:
    """`text` with its letters and digits starred except the first and last few; separators kept."""
    positions = [i for i, ch in enumerate(text) if ch.isalnum()]
    count = len(positions)
    if keep_start + keep_end >= count:
        keep_start, keep_end = min(keep_start, count // 4), min(keep_end, count // 4)
    chars = list(text)
    for i in positions[keep_start:count - keep_end]:
        chars[i] = "*"
    return "".join(chars)


def preview(entity_type: str, value: str) -> str:
    """A masked preview that shows the shape of the value, never enough to recover it."""
    if entity_type == EMAIL and "@" in value:
        local, _, domain = value.rpartition("@")
        host, _, tld = domain.rpartition(".")
        return f"{local[:1]}***@{host[:1]}***.{tld}"
    if entity_type in SECRETS:
        return f"{value[:4]}***" if len(value) > 16 else "***"
    if entity_type == PERSON:
        return " ".join(f"{word[:1]}***" for word in value.split())
    if entity_type == CREDIT_CARD:
        return _mask_chars(value, 0, 4)
    return _mask_chars(value, 0, 2)


def partial_mask(entity_type: str, value: str, keep_start: int, keep_end: int) -> str:
    """Cards keep at most their first `keep_start` (≤6) and last `keep_end` (≤4) digits."""
    if entity_type == CREDIT_CARD:
        return _mask_chars(value, min(keep_start, 6), min(keep_end, 4))
    return preview(entity_type, value)


def encrypt(key: bytes, key_id: str, entity_type: str, value: str) -> str:
    """AES-256-GCM, the type and key id bound as associated data: `<ENC:TYPE:key-id:blob>`."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, value.encode(), f"{entity_type}:{key_id}".encode())
    blob = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"<ENC:{entity_type}:{key_id}:{blob}>"


ENCRYPTED_TOKEN = re.compile(r"<ENC:([A-Z0-9_]+):([\w.-]+):([A-Za-z0-9_-]+)>")


class DecryptionError(Exception):
    """A token cannot be decrypted: unknown key id, wrong key, or altered token."""


def decrypt(token: str, keys: dict[str, bytes]) -> str:
    """The value inside an `<ENC:...>` token, given the keys by key id."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    match = ENCRYPTED_TOKEN.fullmatch(token)
    if match is None:
        raise DecryptionError("not an encrypted token")
    entity_type, key_id, blob = match.groups()
    if key_id not in keys:
        raise DecryptionError(f"no key with id {key_id!r}")
    raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    try:
        plain = AESGCM(keys[key_id]).decrypt(raw[:12], raw[12:],
                                             f"{entity_type}:{key_id}".encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(f"token does not decrypt with key {key_id!r}") from exc
    return plain.decode()
