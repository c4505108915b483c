"""Scanning text at volume: files, directories, `.gz` files and streams, line by line.

Large inputs are read in blocks of a few megabytes. All detectors' triggers (cheap
regular expressions) run in one pass over the raw bytes of a block; only the lines a
trigger hits are decoded and given to the detectors whose triggers hit them, and line
numbers are counted only up to those lines. Most of a
log is never looked at by Python code at all, which is what makes the scan fast, and the
block size bounds memory whatever the input size.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from vedette.privacy.detectors import Detector
from vedette.privacy.engine import Engine
from vedette.privacy.entities import Finding

try:  # the C encoder, as json.dumps uses it (ASCII output)
    from json.encoder import c_encode_basestring_ascii as _quote  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - CPython always has it
    from json.encoder import py_encode_basestring_ascii as _quote

BLOCK_BYTES = 4 * 1024 * 1024
# Lines longer than this are cut into pieces (a minified bundle must not become one string).
MAX_LINE_BYTES = 1024 * 1024
STDIN = "-"


class LineFinding(NamedTuple):
    """A finding located in a file: 1-based line, offsets in characters within that line."""

    path: str
    line: int
    finding: Finding
    preview: str
    hash: str

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "start": self.finding.start,
                "end": self.finding.end, "type": self.finding.type,
                "confidence": self.finding.confidence, "preview": self.preview,
                "hash": self.hash}

    def to_json(self) -> str:
        """`json.dumps(self.to_dict())`, several times faster: a scan prints one per finding."""
        finding = self.finding
        return (f'{{"path": {_quote(self.path)}, "line": {self.line}, "start": {finding.start}, '
                f'"end": {finding.end}, "type": "{finding.type}", '
                f'"confidence": {finding.confidence!r}, "preview": {_quote(self.preview)}, '
                f'"hash": "{self.hash}"}}')


@dataclass(frozen=True, slots=True)
class ScanProblem:
    """An input that could not be read, and why; the scan goes on with the others."""

    path: str
    message: str


class Block(NamedTuple):
    """`data[start:end]` is whole lines. Around them `data` may hold the parts of lines that
    other blocks give whole: a block is the buffer that was read, never a copy of it."""

    data: bytes
    start: int
    end: int

    @property
    def lines(self) -> bytes:
        return self.data[self.start:self.end]


class BlockScanner:
    """Finds personal data in blocks of whole lines, looking only at lines a trigger hits."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.detectors: list[Detector] = list(engine.detectors)
        self.prefilter = engine.prefilter

    def scan_block(self, data: bytes, start: int = 0,
                   end: int | None = None) -> Iterator[tuple[int, str, list[Finding]]]:
        """(0-based line index from `start`, line, findings) for each line with findings
        among the lines of `data[start:end]`."""
        index, counted_to = 0, start
        for line_start, line, findings in self.scan_lines(data, start, end):
            index += data.count(b"\n", counted_to, line_start)
            counted_to = line_start
            yield index, line, findings

    def scan_lines(self, data: bytes, start: int = 0,
                   end: int | None = None) -> Iterator[tuple[int, str, list[Finding]]]:
        """(offset in `data`, line, findings) for each line with findings among the lines
        of `data[start:end]`."""
        end = len(data) if end is None else end
        hits = self.prefilter.hits(data)
        detectors = self.detectors
        for line_start in sorted(hits):
            if not start <= line_start < end:
                continue  # part of a line another block holds whole
            line_end = data.find(b"\n", line_start, end)
            line = data[line_start:line_end if line_end >= 0 else end].decode("utf-8", "replace")
            mask = hits[line_start]
            chosen = [detector for index, detector in enumerate(detectors) if mask >> index & 1]
            findings = self.engine.detect_with(chosen, line)
            if findings:
                yield line_start, line, findings


def read_blocks(stream: BinaryIO, block_bytes: int = BLOCK_BYTES) -> Iterator[Block]:
    """The stream in blocks of whole lines (the last may not end with one); a line longer
    than MAX_LINE_BYTES is cut, so memory stays bounded whatever the input.

    Each read is one block as it is: copying megabytes to join or cut them costs more than
    the rest of reading. Only the line that runs across two reads is joined, as a block of
    its own."""
    rest = b""
    while True:
        chunk = stream.read(block_bytes)
        if not chunk:
            break
        start = 0
        if rest:
            first = chunk.find(b"\n")
            if first < 0 and len(rest) + len(chunk) < MAX_LINE_BYTES:
                rest += chunk
                continue
            head = rest + (chunk[:first + 1] if first >= 0 else chunk)
            yield Block(head, 0, len(head))
            if first < 0:
                rest = b""
                continue
            start = first + 1
        end = chunk.rfind(b"\n", start) + 1
        if end > start:
            yield Block(chunk, start, end)
            rest = chunk[end:]
        elif len(chunk) - start >= MAX_LINE_BYTES:
            yield Block(chunk, start, len(chunk))
            rest = b""
        else:
            rest = chunk[start:]
    if rest:
        yield Block(rest, 0, len(rest))


def scan_stream(scanner: BlockScanner, stream: BinaryIO, path: str,
                block_bytes: int = BLOCK_BYTES) -> Iterator[LineFinding]:
    """Every finding in a byte stream, with 1-based line numbers."""
    engine = scanner.engine
    number = 1
    for data, start, end in read_blocks(stream, block_bytes):
        # Line numbers: the line ends are counted once, up to each line with findings.
        counted_to = start
        for line_start, line, findings in scanner.scan_lines(data, start, end):
            number += data.count(b"\n", counted_to, line_start)
            counted_to = line_start
            for finding in findings:
                yield LineFinding(path, number, finding, engine.preview(line, finding),
                                  engine.fingerprint(line, finding))
        number += data.count(b"\n", counted_to, end)


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _looks_binary(path: Path) -> bool:
    """NUL bytes in the first few kilobytes: an executable, image or database, not text."""
    with path.open("rb") as handle:
        return b"\x00" in handle.read(8192)


def expand_paths(paths: Iterable[str]) -> Iterator[tuple[str, ScanProblem | None]]:
    """Each file to scan (directories walked in name order), or the problem with a path."""
    for name in paths:
        if name == STDIN:
            yield name, None
            continue
        path = Path(name)
        if path.is_dir():
            for root, dirs, files in os.walk(path, onerror=None):
                dirs.sort()
                for file in sorted(files):
                    full = Path(root) / file
                    if full.is_file() and not full.is_symlink():
                        yield str(full), None
        elif path.exists():
            yield name, None
        else:
            yield name, ScanProblem(name, "no such file or directory")


class Scan:
    """A scan of several inputs: findings as they are found, problems collected."""

    def __init__(self, engine: Engine) -> None:
        self.scanner = BlockScanner(engine)
        self.problems: list[ScanProblem] = []
        self.files = 0
        self.bytes = 0
        self.skipped_binary: list[str] = []

    def run(self, paths: Iterable[str], stdin: BinaryIO | None = None) -> Iterator[LineFinding]:
        for name, problem in expand_paths(paths):
            if problem is not None:
                self.problems.append(problem)
                continue
            try:
                yield from self._scan_one(name, stdin)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                self.problems.append(ScanProblem(name, f"cannot read: {reason}"))

    def _scan_one(self, name: str, stdin: BinaryIO | None) -> Iterator[LineFinding]:
        if name == STDIN:
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from self._counted(stream, name)
            return
        path = Path(name)
        if _is_gzip(path):
            with gzip.open(path, "rb") as handle:
                yield from self._counted(handle, name)  # type: ignore[arg-type]
            return
        if _looks_binary(path):
            self.skipped_binary.append(name)
            return
        with path.open("rb") as handle:
            yield from self._counted(handle, name)

    def _counted(self, stream: BinaryIO, name: str) -> Iterator[LineFinding]:
        counter = _CountingReader(stream)
        self.files += 1
        try:
            yield from scan_stream(self.scanner, counter, name)  # type: ignore[arg-type]
        finally:
            self.bytes += counter.count


class _CountingReader(io.RawIOBase):
    """Counts the bytes read through it (uncompressed, for .gz inputs)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data
