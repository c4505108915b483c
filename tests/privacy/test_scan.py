"""Scanning at volume: blocks, the prefilter, line numbers, files, directories, .gz, stdin."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from vedette.privacy import Engine, load_policy
from vedette.privacy.scan import BlockScanner, Scan, read_blocks

KEY = b"k" * 32

LINES = [
    "2024-11-15T10:23:45Z info request done trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
    '{"level":"info","user":{"name":"Ana Lima","email":"ana@corp.io"},"dob":"1985-03-02"}',
    "Nov 15 10:23:45 web-1 sshd[42]: Failed password for root from 81.2.69.142 port 5022 ssh2",
    "INSERT INTO customers (full_name, bsn) VALUES ('Li Wei', '111222333')",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZw",
    "caf\u00e9 \u00fcber 4111 1111 1111 1111 na\u00efve",  # offsets count characters
    "nothing to see here 2024-01-01 v1.2.3 127.0.0.1",
    "Dear Maria Garcia, iban DE89370400440532013000, tel +44 20 7946 0958",
]


@pytest.fixture
def engine() -> Engine:
    return Engine(load_policy(), key=KEY)


def test_block_scanner_finds_what_detect_finds(engine: Engine) -> None:
    block = ("\n".join(LINES) + "\n").encode()
    scanned = {index: findings for index, _, findings in BlockScanner(engine).scan_block(block)}
    for index, line in enumerate(LINES):
        direct = engine.detect_with(engine.detectors, line)
        assert scanned.get(index, []) == direct, line
    assert set(scanned) == {1, 2, 3, 4, 5, 7}


def test_line_numbers_and_character_offsets_across_blocks(engine: Engine) -> None:
    data = ("\n".join(LINES * 50) + "\n").encode()
    scan = Scan(engine)
    items = list(scan.run(["-"], stdin=io.BytesIO(data)))
    card = [item for item in items if item.finding.type == "CREDIT_CARD"]
    assert [item.line for item in card] == [6 + 8 * k for k in range(50)]
    line = LINES[5]
    assert line[card[0].finding.start:card[0].finding.end] == "4111 1111 1111 1111"
    assert scan.bytes == len(data)


def test_read_blocks_cut_at_line_ends_and_bound_long_lines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    monkeypatch.setattr("vedette.privacy.scan.MAX_LINE_BYTES", 40)
    generator = random.Random(5)
    data = b"".join(b"x" * generator.choice([0, 1, 5, 30, 39, 40, 41, 95]) + b"\n"
                    for _ in range(300)) + b"tail"
    for size in (1, 2, 7, 16, 39, 40, 64, 1000):
        blocks = list(read_blocks(io.BytesIO(data), block_bytes=size))
        assert b"".join(block.lines for block in blocks) == data
        for block in blocks[:-1]:
            # Whole lines, or a piece of a line too long to keep whole.
            assert block.lines.endswith(b"\n") or len(block.lines) >= 40
            assert len(block.data) <= 40 + size  # memory is bounded


def test_line_numbers_do_not_depend_on_where_reads_end(engine: Engine) -> None:
    from vedette.privacy.scan import scan_stream

    data = ("\n".join(LINES * 7) + "\n").encode()
    scanner = BlockScanner(engine)
    whole = [(item.line, item.finding) for item in scan_stream(scanner, io.BytesIO(data), "-")]
    assert len(whole) > 40
    for size in (1, 3, 50, 97, 256):
        pieces = scan_stream(scanner, io.BytesIO(data), "-", block_bytes=size)
        assert [(item.line, item.finding) for item in pieces] == whole, size


def test_files_directories_gzip_and_problems(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "logs" / "old").mkdir(parents=True)
    (tmp_path / "logs" / "app.log").write_text("x\nmail jane@corp.io\n")
    with gzip.open(tmp_path / "logs" / "old" / "app.log.1.gz", "wt") as handle:
        handle.write("ssn 536-22-1234\n")
    (tmp_path / "logs" / "core.bin").write_bytes(b"\x00\x01jane@corp.io")
    (tmp_path / "logs" / "bad.gz").write_bytes(b"\x1f\x8bnot really gzip")
    scan = Scan(engine)
    items = list(scan.run([str(tmp_path / "logs"), str(tmp_path / "missing.log")]))
    assert [(Path(i.path).name, i.line, i.finding.type) for i in items] == [
        ("app.log", 2, "EMAIL"), ("app.log.1.gz", 1, "US_SSN")]
    assert [Path(p.path).name for p in scan.problems] == ["bad.gz", "missing.log"]
    assert [Path(p).name for p in scan.skipped_binary] == ["core.bin"]


def test_findings_carry_preview_and_keyed_hash_never_the_value(engine: Engine) -> None:
    items = list(Scan(engine).run(["-"], stdin=io.BytesIO(b"jane@corp.io\n")))
    record = items[0].to_dict()
    assert record == {"path": "-", "line": 1, "start": 0, "end": 12, "type": "EMAIL",
                      "confidence": 0.95, "preview": "j***@c***.io", "hash": record["hash"]}
    assert "jane" not in str(record)


def test_prefilter_without_hyperscan_gives_the_same_lines(engine: Engine,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    block = ("\n".join(LINES) + "\n").encode()
    with_hyperscan = list(BlockScanner(engine).scan_block(block))
    monkeypatch.setattr("vedette.privacy.prefilter._hyperscan_database",
                        lambda *arguments: None)
    without = Engine(engine.policy, engine.key)
    assert list(BlockScanner(without).scan_block(block)) == with_hyperscan
    assert [without.detect(line) for line in LINES] == [engine.detect(line) for line in LINES]


def test_the_prefilter_is_safe_in_many_threads(engine: Engine) -> None:
    """Logging filters run in the application's threads: each scans with its own scratch."""
    from concurrent.futures import ThreadPoolExecutor

    expected = [engine.prefilter.mask(line) for line in LINES]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(20):
            assert list(pool.map(engine.prefilter.mask, LINES)) == expected


def test_json_lines_are_what_json_dumps_writes(engine: Engine, tmp_path: Path) -> None:
    import json

    odd = tmp_path / 'caf\u00e9 "quoted" \\ dir'
    odd.mkdir()
    (odd / "app.log").write_text("mail jose@example.com, card 4111 1111 1111 1111\n")
    items = list(Scan(engine).run([str(odd)]))
    assert len(items) == 2
    for item in items:
        assert item.to_json() == json.dumps(item.to_dict())


# Lines whose trigger matches a confirmation turns away, and lines it must let through.
CONFIRMED = [
    '{"msg":"order 4682592489693320 created","order_id":"6660051272245264"}',  # fail Luhn
    "GET /assets/img/logo@2x.png 200",
    "Dear Customer, your order has shipped",
    "Hello there from the test suite",
    "duration=3910285178034258 card=4111-1111-1111-1111",  # a card after a failing id
    "logo@2x.png then mail to ana.lima@corp.io",
    "Dear Customer, Dear Ana Lima, welcome",
    "\u00e94111111111111111 caf\u00e9 4111111111111111\u00e9 x 5500 0000 0000 0004",
    "4111111111111111",  # at the very start and end of a block
    "j@x.io",
]


def test_confirmations_keep_away_lines_without_findings(engine: Engine) -> None:
    block = ("\n".join(CONFIRMED[:4]) + "\n").encode()
    assert engine.prefilter.hits(block) == {}
    assert [engine.prefilter.mask(line) for line in CONFIRMED[:4]] == [0, 0, 0, 0]


def test_confirmations_never_lose_a_finding(engine: Engine) -> None:
    """With its trigger matches confirmed, the scanner finds on every line exactly what it
    finds without: on tricky lines and on the benchmark corpus's formats."""
    import sys

    from vedette.privacy.prefilter import Prefilter

    sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
    from pii_corpus import Corpus

    unconfirmed = Engine(engine.policy, engine.key)
    unconfirmed.prefilter = Prefilter([detector.trigger for detector in engine.detectors])
    corpus = Corpus(7)
    lines = CONFIRMED + [str(corpus.line()["text"]) for _ in range(3000)]
    for tail in (b"\n", b""):
        block = "\n".join(lines).encode() + tail
        confirmed = list(BlockScanner(engine).scan_block(block))
        assert confirmed == list(BlockScanner(unconfirmed).scan_block(block))
        assert len(engine.prefilter.hits(block)) < len(unconfirmed.prefilter.hits(block))
    assert [engine.detect(line) for line in lines] == [unconfirmed.detect(line)
                                                       for line in lines]
    assert sum(len(findings) for _, _, findings in confirmed) > 2000


def test_the_compiled_triggers_are_cached_privately(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from vedette.privacy import prefilter

    cache = tmp_path / "cache"
    Engine(load_policy(), KEY, cache_dir=cache)  # compiled once per process: lru_cache
    prefilter._hyperscan_database.cache_clear()
    Engine(load_policy(), KEY, cache_dir=cache)
    [saved] = list(cache.iterdir())
    assert saved.stat().st_mode & 0o777 == 0o600 and cache.stat().st_mode & 0o777 == 0o700

    # Loaded, not compiled, by the next process; a damaged file is compiled and replaced.
    saves: list[Path] = []
    save = prefilter._save
    monkeypatch.setattr(prefilter, "_save", lambda data, path: saves.append(path) or
                        save(data, path))
    prefilter._hyperscan_database.cache_clear()
    engine = Engine(load_policy(), KEY, cache_dir=cache)
    assert saves == [] and engine.detect("mail jane@corp.io")
    saved.write_bytes(saved.read_bytes()[:1000])
    prefilter._hyperscan_database.cache_clear()
    engine = Engine(load_policy(), KEY, cache_dir=cache)
    assert saves == [saved] and engine.detect("mail jane@corp.io")
    assert saved.stat().st_size > 1000
    prefilter._hyperscan_database.cache_clear()
