"""The spool: durable append, per-sink cursors, torn tails, size bound, damaged frames."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.pipeline.conftest import finding, items, sample
from vedette.pipeline.spool import Spool


def _drain(spool: Spool, sink: str, limit: int = 1000) -> list[str]:
    batch = spool.read(sink, limit)
    spool.ack(sink, batch)
    return [item.id for item in batch.items]


def test_records_come_back_in_order_with_their_ids_per_sink(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", ["a", "b"])
    written = items(finding(1), sample(), finding(2))
    spool.append(written)
    batch = spool.read("a", 2)
    assert [item.record for item in batch.items] == [w.record for w in written[:2]]
    assert [item.id for item in batch.items] == [w.id for w in written[:2]]
    spool.ack("a", batch)
    assert _drain(spool, "a") == [written[2].id]
    assert not spool.pending("a") and spool.pending("b")
    assert _drain(spool, "b") == [w.id for w in written]
    assert stat.S_IMODE((tmp_path / "spool").stat().st_mode) == 0o700
    for entry in (tmp_path / "spool").iterdir():
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600, entry


def test_an_unacknowledged_batch_is_offered_again_after_a_restart(tmp_path: Path) -> None:
    spool = Spool(tmp_path, ["a"])
    written = items(*[finding(n) for n in range(5)])
    spool.append(written)
    spool.ack("a", spool.read("a", 2))
    spool.read("a", 3)  # read, but the process dies before the sink confirms
    spool.close()
    reopened = Spool(tmp_path, ["a"])
    assert _drain(reopened, "a") == [w.id for w in written[2:]]
    assert not reopened.pending("a")


def test_a_torn_write_at_the_tail_is_cut_off(tmp_path: Path) -> None:
    spool = Spool(tmp_path, ["a"])
    written = items(finding(1), finding(2))
    spool.append(written)
    spool.close()
    segment = next(tmp_path.glob("seg-*.log"))
    whole = segment.read_bytes()
    with open(segment, "ab") as handle:  # a frame header and half its payload
        handle.write(whole[:30])
    reopened = Spool(tmp_path, ["a"])
    assert segment.stat().st_size == len(whole)
    reopened.append(items(finding(3)))
    assert [item.record.summary for item in reopened.read("a", 10).items] == [
        "changed content: '/etc/f1'", "changed content: '/etc/f2'",
        "changed content: '/etc/f3'"]


def test_segments_rotate_and_are_deleted_once_every_sink_has_them(tmp_path: Path) -> None:
    spool = Spool(tmp_path, ["a", "b"], segment_bytes=2000)
    for n in range(20):
        spool.append(items(finding(n)))
    assert len(list(tmp_path.glob("seg-*.log"))) > 3
    assert len(_drain(spool, "a")) == 20
    assert len(list(tmp_path.glob("seg-*.log"))) > 3  # b still needs them
    assert len(_drain(spool, "b")) == 20
    assert len(list(tmp_path.glob("seg-*.log"))) == 1


def test_the_size_bound_drops_the_oldest_and_counts_them(tmp_path: Path) -> None:
    spool = Spool(tmp_path, ["slow", "fast"], max_bytes=6000, segment_bytes=2000)
    for n in range(40):
        spool.append(items(finding(n)))
        _drain(spool, "fast")
    assert spool.size() <= 6000 + 2000
    survivors = _drain(spool, "slow")
    assert 0 < len(survivors) < 40
    assert spool.dropped == 40 - len(survivors)
    assert (tmp_path / "dropped").read_text() == str(spool.dropped)
    spool.close()
    assert Spool(tmp_path, ["slow", "fast"]).dropped == 40 - len(survivors)


def test_a_damaged_frame_is_skipped_and_counted_not_fatal(tmp_path: Path) -> None:
    spool = Spool(tmp_path, ["a"], segment_bytes=1500)
    for n in range(6):
        spool.append(items(finding(n)))
    spool.close()
    first = sorted(tmp_path.glob("seg-*.log"))[0]
    data = bytearray(first.read_bytes())
    data[20] ^= 0xFF  # inside the first payload: its checksum fails
    first.write_bytes(bytes(data))
    reopened = Spool(tmp_path, ["a"], segment_bytes=1500)
    got: list[str] = []
    while reopened.pending("a"):
        batch = reopened.read("a", 100)
        got += [item.record.summary for item in batch.items]
        reopened.ack("a", batch)
    assert reopened.dropped == 1
    assert got == [f"changed content: '/etc/f{n}'" for n in range(1, 6)]


def test_cursor_files_are_replaced_atomically(tmp_path: Path) -> None:
    spool = Spool(tmp_path, ["a"])
    spool.append(items(finding(1)))
    spool.ack("a", spool.read("a", 10))
    assert (tmp_path / "cursor.a").read_text().split()[0] == "1"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_memory_and_disk_give_the_same_records_in_the_same_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "mem", ["a"], segment_bytes=1500, max_cached=3)
    written = items(*[finding(n) for n in range(8)])
    for item in written:  # the first five are evicted from memory: read from disk
        spool.append([item])
    got: list[str] = []
    while spool.pending("a"):
        batch = spool.read("a", 2)
        got += [item.id for item in batch.items]
        spool.ack("a", batch)
    assert got == [item.id for item in written]
    spool.close()
    assert not Spool(tmp_path / "mem", ["a"]).pending("a")
