"""The `privacy:` section of Vedette's configuration file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict


class PrivacySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: Path | None = None      # None: the shipped default policy
    region: str | None = None       # a region of the policy whose overrides apply
    key_file: Path | None = None    # deployment key for hashes and pseudonyms
