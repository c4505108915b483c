"""Where Vedette finds its configuration and keeps its state.

Apart from `config` on purpose: commands that need no settings (`vedette auth parse` without
a configuration file) start without loading the settings models.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_CONFIG = "VEDETTE_CONFIG"
ENV_HOME = "VEDETTE_HOME"


def data_home() -> Path:
    """Where Vedette keeps its state when the configuration does not say."""
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME])
    if os.geteuid() == 0:
        return Path("/var/lib/vedette")
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "vedette"
