"""Read one path's attributes and content hashes into a baseline row.

This runs in worker processes, once per file, so it stays small and avoids work it can
skip: regular files are opened once and everything else is read from that descriptor.
"""

from __future__ import annotations

import errno
import grp
import hashlib
import marshal
import mmap
import os
import pwd
import stat
import struct
from collections import namedtuple
from collections.abc import Callable

# A path's state travels and is stored packed, as an Entry: (key, attributes). Equal
# states pack to equal bytes, so scan and baseline compare with one bytes comparison and
# only differences are unpacked into a Row, whose fields are named by these positions.
COLUMNS = ("key", "path", "type", "mode", "uid", "gid", "size", "mtime", "ctime", "inode",
           "nlink", "target", "xattrs", "acl", "capabilities", "hashes", "user", "grp")
KEY, PATH, TYPE, MODE, UID, GID, SIZE, MTIME, CTIME, INODE, NLINK, TARGET, XATTRS, ACL, CAPS, \
    HASHES, USER, GROUP = range(len(COLUMNS))
Row = tuple  # (key, path, type, mode, ...): positions named by COLUMNS
Entry = tuple[bytes, bytes]
# marshal version 2 writes no back-references, so the bytes depend on values only.
_MARSHAL_VERSION = 2

def _blake3(data: bytes = b"") -> object:
    import blake3  # only when asked for: every worker process would carry it otherwise

    return blake3.blake3(data)


HASHERS: dict[str, Callable[..., object]] = {
    "sha256": hashlib.sha256, "sha512": hashlib.sha512, "blake3": _blake3}
CHUNK = 1 << 20
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_NOATIME = getattr(os, "O_NOATIME", 0)
ACL_ACCESS = "system.posix_acl_access"
ACL_DEFAULT = "system.posix_acl_default"
CAPABILITY = "security.capability"

# Walker hints: the directory entry's type as seen by the walker (d_type), so a regular
# file can be opened without a separate lstat, and special files are never opened.
HINT_FILE, HINT_DIR, HINT_OTHER = "f", "d", "o"


class Problem(namedtuple("Problem", ["path", "message"])):
    """Something that kept a path from being read fully (`path: bytes`, `message: str`);
    reported, never fatal. A plain namedtuple: `typing` would cost every worker process
    memory and start-up time for nothing."""

    __slots__ = ()
    path: bytes
    message: str

    @property
    def hides_subtree(self) -> bool:
        """True when nothing below `path` could be seen: its entries are unverified, not
        deleted."""
        return self.message.startswith((CANNOT_LIST, CANNOT_SCAN_ROOT))


# Problems whose subtree went unseen start with these words.
CANNOT_LIST = "cannot list directory"
CANNOT_SCAN_ROOT = "cannot scan root"


def path_key(path: bytes) -> bytes:
    """Sort key that orders paths the way a sorted depth-first walk visits them."""
    return path.replace(b"/", b"\x00")


def key_path(key: bytes) -> bytes:
    return key.replace(b"\x00", b"/")


def pack(row: Row) -> Entry:
    return row[KEY], marshal.dumps(row[TYPE:], _MARSHAL_VERSION)


def unpack(entry: Entry) -> Row:
    """Only for verified baselines and our own scans: marshal trusts its input."""
    return (entry[0], key_path(entry[0]), *marshal.loads(entry[1]))


_TYPE_NAMES = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink",
               stat.S_IFIFO: "fifo", stat.S_IFSOCK: "socket", stat.S_IFCHR: "chardev",
               stat.S_IFBLK: "blockdev"}


_users: dict[int, str | None] = {}
_groups: dict[int, str | None] = {}


def user_name(uid: int) -> str | None:
    if uid not in _users:  # looked up once per process: the hot path is the dict
        try:
            _users[uid] = pwd.getpwuid(uid).pw_name
        except KeyError:
            _users[uid] = None
    return _users[uid]


def group_name(gid: int) -> str | None:
    if gid not in _groups:
        try:
            _groups[gid] = grp.getgrgid(gid).gr_name
        except KeyError:
            _groups[gid] = None
    return _groups[gid]


# --- extended attributes, ACLs and capabilities ---------------------------------------------

_ACL_TAGS = {1: "user", 2: "user", 4: "group", 8: "group", 0x10: "mask", 0x20: "other"}
_ACL_QUALIFIED = {2, 8}


def acl_text(raw: bytes) -> str:
    """POSIX ACL xattr (version 2) as `getfacl`-style short text."""
    if len(raw) < 4 or struct.unpack_from("<I", raw)[0] != 2:
        return "unparsable:" + raw.hex()
    entries = []
    for offset in range(4, len(raw) - 7, 8):
        tag, perm, ident = struct.unpack_from("<HHI", raw, offset)
        qualifier = str(ident) if tag in _ACL_QUALIFIED else ""
        perms = ("r" if perm & 4 else "-") + ("w" if perm & 2 else "-") + ("x" if perm & 1 else "-")
        entries.append(f"{_ACL_TAGS.get(tag, hex(tag))}:{qualifier}:{perms}")
    return ",".join(entries)


CAPABILITY_NAMES = (
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
    "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
    "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
    "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
    "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
    "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore")


def capability_text(raw: bytes) -> str:
    """`security.capability` (vfs_cap_data v1-v3) as `getcap`-style text, e.g. `cap_net_raw=ep`."""
    if len(raw) < 12:
        return "unparsable:" + raw.hex()
    magic = struct.unpack_from("<I", raw)[0]
    revision, effective = magic >> 24, bool(magic & 1)
    words = 1 if revision == 1 else 2
    if len(raw) < 4 + 8 * words:
        return "unparsable:" + raw.hex()
    permitted = inheritable = 0
    for index in range(words):
        p, i = struct.unpack_from("<II", raw, 4 + 8 * index)
        permitted |= p << (32 * index)
        inheritable |= i << (32 * index)
    groups: dict[str, list[str]] = {}
    for number in range((permitted | inheritable).bit_length()):
        bit = 1 << number
        if not (permitted | inheritable) & bit:
            continue
        flags = ("e" if effective else "") + ("i" if inheritable & bit else "") + (
            "p" if permitted & bit else "")
        name = CAPABILITY_NAMES[number] if number < len(CAPABILITY_NAMES) else str(number)
        groups.setdefault(flags, []).append("cap_" + name)
    text = " ".join(",".join(names) + "=" + flags for flags, names in groups.items())
    if revision == 3 and len(raw) >= 24:
        text += f" [rootid={struct.unpack_from('<I', raw, 20)[0]}]"
    return text


NO_XATTRS: tuple[None, None, None] = (None, None, None)


def read_xattrs(target: bytes | int) -> tuple[str | None, str | None, str | None]:
    """(other xattrs as `name=sha256` lines, ACL text, capability text) of a path or fd."""
    follow = not isinstance(target, bytes)
    try:
        names = os.listxattr(target, follow_symlinks=follow)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.ENODATA, errno.EPERM):
            return NO_XATTRS
        raise
    if not names:
        return NO_XATTRS
    others, acls, caps = [], [], None
    for name in sorted(names):
        try:
            value = os.getxattr(target, name, follow_symlinks=follow)
        except OSError:
            continue  # removed between list and get
        if name in (ACL_ACCESS, ACL_DEFAULT):
            acls.append(("default:" if name == ACL_DEFAULT else "") + acl_text(value))
        elif name == CAPABILITY:
            caps = capability_text(value)
        else:
            # Values can be large or sensitive; a digest shows change without copying them.
            # Names may hold newlines or non-UTF-8 bytes: keep them printable and one-line.
            printable = repr(os.fsencode(name))[2:-1]
            others.append(f"{printable}={hashlib.sha256(value).hexdigest()}")
    return ("\n".join(others) or None), (",".join(acls) or None), caps


# --- one path -------------------------------------------------------------------------

MAP_MIN = 256 << 10
MAP_WINDOW = 8 << 20  # a multiple of mmap.ALLOCATIONGRANULARITY
_maps_allowed = False


def use_maps(allowed: bool) -> None:
    """Allow hashing through memory maps: only in worker processes, never in a process
    that must survive a file being truncated under it (see `_hash_mapped`)."""
    global _maps_allowed
    _maps_allowed = allowed


_buffer = bytearray(CHUNK)
_view = memoryview(_buffer)
Problems = list[Problem]


def _hash_mapped(fd: int, algorithms: tuple[str, ...], size: int) -> str:
    """Hash a large file through read-only maps of the page cache, a window at a time: no
    copy into this process, which for big files costs more than the hashing, and no more
    than one window resident. A file truncated while mapped kills this process with
    SIGBUS: the pool then redoes the batch without maps."""
    hashers = [HASHERS[name]() for name in algorithms]
    for offset in range(0, size, MAP_WINDOW):
        with mmap.mmap(fd, min(MAP_WINDOW, size - offset), access=mmap.ACCESS_READ,
                       offset=offset) as window:
            window.madvise(mmap.MADV_SEQUENTIAL)
            for hasher in hashers:
                hasher.update(window)
    return " ".join(f"{name}:{hasher.hexdigest()}" for name, hasher in
                    zip(algorithms, hashers, strict=True))


def _hash_fd(fd: int, algorithms: tuple[str, ...], size: int) -> tuple[str, int]:
    """Content hashes as `name:hex ...`, and how many reads that took.

    Most files are small: they are read in one call of exactly their size (plus one byte
    to see that they did not grow), with no buffer copying. Large ones are mapped (when
    allowed, see `use_maps`), or stream through one reused 1 MiB buffer: memory stays
    flat whatever the file size.
    """
    if size >= MAP_MIN and _maps_allowed:
        # Counted as several reads: the file is checked again for changes afterwards.
        return _hash_mapped(fd, algorithms, size), 2
    if size < CHUNK:
        data = os.read(fd, size + 1)
        if len(data) == size:  # the whole file, in one read of one state
            if len(algorithms) == 1:
                return algorithms[0] + ":" + HASHERS[algorithms[0]](data).hexdigest(), 1
            return " ".join(f"{name}:{HASHERS[name](data).hexdigest()}"
                            for name in algorithms), 1
        hashers = [HASHERS[name](data) for name in algorithms]
        reads = 1
    else:
        hashers = [HASHERS[name]() for name in algorithms]
        reads = 0
    while True:
        count = os.readv(fd, [_buffer])
        reads += 1
        if not count:
            break
        chunk = _view[:count]
        for hasher in hashers:
            hasher.update(chunk)
        if count < CHUNK:
            break  # a short read is the end of a regular file
    return " ".join(f"{name}:{hasher.hexdigest()}" for name, hasher in
                    zip(algorithms, hashers, strict=True)), reads


def _entry(path: bytes, st: os.stat_result, target: bytes | None,
           attrs: tuple[str | None, str | None, str | None], hashes: str | None) -> Entry:
    mode, uid, gid = st.st_mode, st.st_uid, st.st_gid
    user = _users[uid] if uid in _users else user_name(uid)
    group = _groups[gid] if gid in _groups else group_name(gid)
    return path.replace(b"/", b"\x00"), marshal.dumps(
        (_TYPE_NAMES.get(stat.S_IFMT(mode), "unknown"), stat.S_IMODE(mode), uid, gid, st.st_size,
         st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_nlink, target, *attrs, hashes, user,
         group), _MARSHAL_VERSION)


def _open_regular(path: bytes) -> int | None:
    """Open a regular file for hashing without following links or blocking; None if not one."""
    try:
        return os.open(path, _OPEN_FLAGS | _NOATIME)
    except PermissionError:
        if not _NOATIME:
            raise
        # O_NOATIME needs ownership or CAP_FOWNER; fall back to a plain read.
        return os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            return None  # replaced by a link, socket or directory since the walk
        raise


def inspect_into(path: bytes, hint: str, algorithms: tuple[str, ...], entries: list[Entry],
                 problems: Problems) -> None:
    """Append the entry for `path` (if it still exists) and any problems met on the way."""
    try:
        if hint == HINT_FILE:
            fd = _open_regular(path)
            if fd is not None:
                _inspect_open_file(path, fd, algorithms, entries, problems)
                return
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode):
            fd = _open_regular(path)
            if fd is not None:
                _inspect_open_file(path, fd, algorithms, entries, problems)
                return
        target = os.readlink(path) if stat.S_ISLNK(st.st_mode) else None
        entries.append(_entry(path, st, target, read_xattrs(path), None))
    except FileNotFoundError:
        problems.append(Problem(path, "vanished during the scan"))
    except PermissionError:
        _metadata_only(path, "permission denied", entries, problems)
    except OSError as exc:
        _metadata_only(path, exc.strerror or str(exc), entries, problems)


def _inspect_open_file(path: bytes, fd: int, algorithms: tuple[str, ...], entries: list[Entry],
                       problems: Problems) -> None:
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            entries.append(_entry(path, before, None, read_xattrs(fd), None))
            return
        attrs = read_xattrs(fd)
        hashes, reads = _hash_fd(fd, algorithms, before.st_size)
        # One read is one system call against one state of the file; only a file read in
        # several pieces can change under us, so only then is a second fstat worth it.
        after = os.fstat(fd) if reads > 1 else before
    finally:
        os.close(fd)
    entries.append(_entry(path, after, None, attrs, hashes))
    if after is not before and (after.st_size, after.st_mtime_ns) != (before.st_size,
                                                                      before.st_mtime_ns):
        problems.append(Problem(path, "changed while being read; its hash may not match any "
                                      "state"))


def _metadata_only(path: bytes, reason: str, entries: list[Entry], problems: Problems) -> None:
    """Content could not be read: keep what lstat says, and say why the hash is missing."""
    try:
        st = os.lstat(path)
        attrs = read_xattrs(path)
    except FileNotFoundError:
        problems.append(Problem(path, "vanished during the scan"))
        return
    except OSError as exc:
        problems.append(Problem(path, f"cannot read attributes: {exc.strerror or exc}"))
        return
    entries.append(_entry(path, st, None, attrs, None))
    problems.append(Problem(path, f"content not hashed: {reason}"))


def inspect_path(path: bytes, hint: str, algorithms: tuple[str, ...]) -> list[Entry | Problem]:
    """The entry for one path followed by its problems: handy for tests and one-offs."""
    entries: list[Entry] = []
    problems: Problems = []
    inspect_into(path, hint, algorithms, entries, problems)
    return [*entries, *problems]


def inspect_batch(batch: list[tuple[bytes, str]], algorithms: tuple[str, ...]
                  ) -> tuple[list[Entry], Problems]:
    entries: list[Entry] = []
    problems: Problems = []
    for path, hint in batch:
        inspect_into(path, hint, algorithms, entries, problems)
    return entries, problems
