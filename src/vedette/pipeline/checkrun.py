"""The child process that runs one FIM check for the agent: `python -m
vedette.pipeline.checkrun CONFIG CHECK`. It prints the check's events and metric samples as
JSON lines and exits with the check's Nagios status (3 if it could not run)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from vedette.config import ConfigError
from vedette.events import Host
from vedette.home import data_home
from vedette.pipeline.items import record_line
from vedette.store import StoreError, open_store

UNKNOWN = 3


def run_fim(config_path: Path | None, check_name: str) -> int:
    # Imported here: the configuration pulls in the agent's section, FIM its own modules.
    from vedette.fim import run
    from vedette.fim.baseline import BaselineError, default_key_path
    from vedette.fim.policy import load_policy
    from vedette.pipeline.settings import load_agent_settings

    settings, agent = load_agent_settings(config_path)
    check = next((c for c in agent.checks if c.name == check_name), None)
    if check is None:
        raise ConfigError(f"{config_path}: no check named {check_name!r}")
    fim = settings.fim
    db = fim.db or data_home() / "fim.db"
    key = fim.key or default_key_path(db)
    host = Host(name=settings.host.name or socket.gethostname(), labels=settings.host.labels)
    try:
        policy = load_policy(fim.policy)
        with open_store(settings.store.path or data_home() / "store.db") as store:
            result = run.check(check.paths, db, key, policy, host, store,
                               workers=fim.workers)
    except (run.FimError, BaselineError) as exc:
        raise ConfigError(str(exc)) from exc
    out = sys.stdout
    for record in [*result.events, *result.metrics]:
        out.write(record_line(record) + "\n")
    out.flush()
    return result.exit_code


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m vedette.pipeline.checkrun CONFIG CHECK", file=sys.stderr)
        return UNKNOWN
    config = Path(argv[0]) if argv[0] else None
    try:
        return run_fim(config, argv[1])
    except (ConfigError, StoreError) as exc:
        print(f"vedette: error: {exc}".replace("\n", " "), file=sys.stderr)
        return UNKNOWN


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
