"""The deployment key behind keyed hashes and pseudonyms.

One key per deployment makes tokens comparable across hosts and runs of that deployment and
unlinkable with anyone else's. It lives in a private file (mode 0600) that is created, with
a random key, the first time Vedette needs one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE_NAME = "privacy.key"
MIN_KEY_BYTES = 16


class DeploymentKeyError(Exception):
    """The key file cannot be read, created or used; the message names the file."""


def load_deployment_key(path: Path, create: bool = True) -> bytes:
    """The key in `path` (hex); with `create`, a new random one is written there if missing."""
    if create and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two processes creating the key at once must not end with two keys.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
        except FileExistsError:
            pass
        except OSError as exc:
            raise DeploymentKeyError(f"{path}: cannot create the privacy key: "
                            f"{exc.strerror or exc}") from exc
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise DeploymentKeyError(f"{path}: cannot read the privacy key: "
                                 f"{exc.strerror or exc}") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise DeploymentKeyError(f"{path}: the privacy key must be hex digits") from exc
    if len(key) < MIN_KEY_BYTES:
        raise DeploymentKeyError(f"{path}: the privacy key is too short ({len(key)} bytes, need at "
                        f"least {MIN_KEY_BYTES})")
    return key
