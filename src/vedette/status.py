"""Exit codes of checks: the Nagios plugin contract, which Sensu and the agent read too."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: the exit codes alone must not load the event model
    from vedette.events import Severity

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3  # UNKNOWN: could not run
# How a Nagios status line names each code.
NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}


def exit_code_for(highest: Severity | None) -> int:
    """The exit code of a check whose most severe finding is `highest` (None: none)."""
    from vedette.events import Severity as Severities

    if highest is None:
        return OK
    return CRITICAL if highest.rank >= Severities.HIGH.rank else WARNING
