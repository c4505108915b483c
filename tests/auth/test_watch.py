"""Following logs for real: rotation, truncation, restart, half-written lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vedette.auth.config import AuthSettings
from vedette.auth.follow import PositionError, load_positions
from vedette.auth.watch import Watcher
from vedette.events import Host
from vedette.store import open_store

HOST = Host(name="test-host")


def failed(n: int) -> str:
    return (f"Mar  7 18:00:{n % 60:02d} bar sshd[{1000 + n}]: Failed password for root from "
            f"192.0.2.{n % 250 + 1} port {40000 + n} ssh2\n")


def append(path: Path, first: int, count: int) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.writelines(failed(n) for n in range(first, first + count))


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        self.log = tmp_path / "auth.log"
        self.positions = tmp_path / "state" / "positions.json"
        self.store = open_store(tmp_path / "store.db")
        # Geolocation has its own tests; here it would only cost time.
        self.settings = AuthSettings(record_failures=True, geo={"enabled": False})

    def watcher(self) -> Watcher:
        """A fresh watcher, as after a restart: only the positions file carries over."""
        return Watcher([str(self.log)], self.settings, HOST, self.store, self.positions)

    def counted(self) -> list[tuple[str, int]]:
        """(log, line) of every attempt recorded in the store."""
        return sorted((e.context["log"], e.context["line"]) for e in self.store.events("auth")
                      if e.category == "authentication" and e.kind == "activity")


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    made = Setup(tmp_path)
    yield made
    made.store.close()


def test_restart_reads_on_from_the_saved_position(setup: Setup) -> None:
    append(setup.log, 0, 5)
    assert setup.watcher().cycle().result.status.context["failures"] == 5
    append(setup.log, 5, 3)
    assert setup.watcher().cycle().result.status.context["failures"] == 3
    assert setup.watcher().cycle().result.status.context["failures"] == 0
    assert len(setup.counted()) == 8
    position = load_positions(setup.positions)[str(setup.log)]
    assert (position.offset, position.line) == (setup.log.stat().st_size, 8)


def test_rotation_reads_the_rest_of_the_old_file_then_the_new(setup: Setup) -> None:
    watcher = setup.watcher()
    append(setup.log, 0, 4)
    watcher.cycle()
    append(setup.log, 4, 2)  # written just before rotation, not read yet
    os.rename(setup.log, f"{setup.log}.1")
    append(setup.log, 100, 3)
    result = setup.watcher().cycle()
    assert result.result.status.context["failures"] == 5
    assert setup.counted() == sorted(
        [(str(setup.log), n) for n in (1, 2, 3, 4)] + [(f"{setup.log}.1", n) for n in (5, 6)]
        + [(str(setup.log), n) for n in (1, 2, 3)])
    assert result.warnings == []


def test_rotation_with_the_old_file_gone_warns(setup: Setup) -> None:
    append(setup.log, 0, 2)
    setup.watcher().cycle()
    append(setup.log, 2, 2)
    os.rename(setup.log, f"{setup.log}.1")
    append(setup.log, 10, 1)
    os.unlink(f"{setup.log}.1")  # compressed away before we came back
    result = setup.watcher().cycle()
    assert result.result.status.context["failures"] == 1
    assert "rotated" in result.warnings[0]


def test_a_new_file_on_a_reused_inode_is_read_from_its_start(setup: Setup) -> None:
    append(setup.log, 0, 2)
    setup.watcher().cycle()
    os.unlink(setup.log)
    append(setup.log, 10, 5)  # longer than before: looks grown if only the inode is checked
    result = setup.watcher().cycle()
    assert result.result.status.context["failures"] == 5


def test_truncation_starts_again_from_the_top(setup: Setup) -> None:
    append(setup.log, 0, 6)
    setup.watcher().cycle()
    with setup.log.open("w"):
        pass  # copytruncate
    append(setup.log, 50, 2)
    result = setup.watcher().cycle()
    assert result.result.status.context["failures"] == 2
    assert "truncated" in result.warnings[0]


def test_a_half_written_line_waits_for_its_end(setup: Setup) -> None:
    line = failed(7)
    with setup.log.open("w") as out:
        out.write(failed(6) + line[:30])
    assert setup.watcher().cycle().result.status.context["failures"] == 1
    with setup.log.open("a") as out:
        out.write(line[30:])
    assert setup.watcher().cycle().result.status.context["failures"] == 1
    assert len(setup.counted()) == 2


def test_connections_span_cycles_without_double_counting(setup: Setup) -> None:
    watcher = setup.watcher()
    setup.log.write_text("Mar  7 18:00:00 bar sshd[77]: Invalid user bot from 192.0.2.9 port "
                         "1\n")
    assert watcher.cycle().result.status.context["failures"] == 0
    with setup.log.open("a") as out:
        out.write("Mar  7 18:00:01 bar sshd[77]: Connection closed by invalid user bot "
                  "192.0.2.9 port 1 [preauth]\n")
    assert watcher.cycle().result.status.context["failures"] == 1
    assert len(setup.counted()) == 1


def test_each_cycle_is_a_run_even_with_nothing_new(setup: Setup) -> None:
    setup.log.write_text("")
    setup.settings.interval = 0.01
    watcher = setup.watcher()
    watcher.run(lambda cycle: None, cycles=2)
    runs = setup.store.runs("auth")
    assert [(r.name, r.outcome, r.exit_code) for r in runs] == [("watch", "ok", 0)] * 2


def test_corrupt_positions_file_is_a_clear_error(setup: Setup) -> None:
    setup.positions.parent.mkdir(parents=True)
    setup.positions.write_text("{not json")
    with pytest.raises(PositionError, match=r"positions\.json"):
        setup.watcher()


def brute(n: int, second: int) -> str:
    return (f"Mar  7 18:00:{second:02d} bar sshd[{2000 + n}]: Failed password for alice from "
            f"198.51.100.7 port {41000 + n} ssh2\n")


def test_an_attack_that_spans_a_restart_is_still_detected(setup: Setup) -> None:
    """Brute force needs 10 failures in 10 minutes: 6 before the restart, 4 after."""
    with setup.log.open("a", encoding="utf-8") as out:
        out.writelines(brute(n, n) for n in range(6))
    assert setup.watcher().cycle().result.findings == []
    with setup.log.open("a", encoding="utf-8") as out:
        out.writelines(brute(n, n) for n in range(6, 10))
    findings = setup.watcher().cycle().result.findings
    assert [f.context["rule"] for f in findings] == ["brute_force"]
    assert findings[0].context["count"] == 10
    # The next restart goes on quietly: the same attack is not reported again, and the
    # lines already read are in the windows once.
    assert setup.watcher().cycle().result.findings == []


def test_a_positions_file_of_the_first_format_still_loads(setup: Setup) -> None:
    append(setup.log, 0, 2)
    setup.watcher().cycle()
    saved = json.loads(setup.positions.read_text())
    setup.positions.write_text(json.dumps(saved["positions"]))  # as older versions wrote it
    append(setup.log, 2, 1)
    assert setup.watcher().cycle().result.status.context["failures"] == 1


def test_a_damaged_detection_state_is_an_error_naming_the_file(setup: Setup) -> None:
    append(setup.log, 0, 2)
    setup.watcher().cycle()
    saved = json.loads(setup.positions.read_text())
    saved["detector"] = {"windows": {"by_source": [["198.51.100.7", [["not a time", None]]]]}}
    setup.positions.write_text(json.dumps(saved))
    with pytest.raises(PositionError, match=r"positions\.json: detection state"):
        setup.watcher()


def test_the_positions_file_is_private(setup: Setup) -> None:
    append(setup.log, 0, 1)
    setup.watcher().cycle()
    assert setup.positions.stat().st_mode & 0o077 == 0
