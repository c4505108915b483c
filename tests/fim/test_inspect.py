"""Decoding of POSIX ACL and file capability extended attributes."""

from __future__ import annotations

import random
import struct

import pytest

from vedette.fim.inspect import acl_text, capability_text

CAP_CHOWN, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_ADMIN, CAP_PERFMON = 0, 10, 13, 21, 38
UNDEFINED = 0xFFFFFFFF


def acl(*entries: tuple[int, int, int], version: int = 2) -> bytes:
    return struct.pack("<I", version) + b"".join(struct.pack("<HHI", *e) for e in entries)


def caps_v2(permitted: int, inheritable: int = 0, effective: bool = True) -> bytes:
    return struct.pack("<IIIII", 0x02000000 | int(effective), permitted & UNDEFINED,
                       inheritable & UNDEFINED, permitted >> 32, inheritable >> 32)


def caps_v3(permitted: int, rootid: int, inheritable: int = 0, effective: bool = True) -> bytes:
    return struct.pack("<IIIIII", 0x03000000 | int(effective), permitted & UNDEFINED,
                       inheritable & UNDEFINED, permitted >> 32, inheritable >> 32, rootid)


def test_acl_access_entries() -> None:
    raw = acl((1, 6, UNDEFINED), (2, 7, 4242), (4, 4, UNDEFINED), (8, 5, 100),
              (0x10, 7, UNDEFINED), (0x20, 0, UNDEFINED))
    assert acl_text(raw) == "user::rw-,user:4242:rwx,group::r--,group:100:r-x,mask::rwx,other::---"


def test_acl_minimal() -> None:
    assert acl_text(acl((1, 7, UNDEFINED), (4, 5, UNDEFINED), (0x20, 5, UNDEFINED))) == \
        "user::rwx,group::r-x,other::r-x"


def test_acl_trailing_partial_entry_is_ignored() -> None:
    assert acl_text(acl((1, 6, UNDEFINED)) + b"\x01\x00") == "user::rw-"


@pytest.mark.parametrize("raw", [b"", b"\x02\x00", acl((1, 6, 0), version=1),
                                 acl((1, 6, 0), version=3), b"\xff" * 12])
def test_unparsable_acl(raw: bytes) -> None:
    assert acl_text(raw) == "unparsable:" + raw.hex()


def test_capabilities_v2() -> None:
    raw = caps_v2((1 << CAP_NET_BIND_SERVICE) | (1 << CAP_NET_RAW))
    assert len(raw) == 20
    assert capability_text(raw) == "cap_net_bind_service,cap_net_raw=ep"


def test_capabilities_v2_permitted_only_and_inheritable() -> None:
    assert capability_text(caps_v2(1 << CAP_NET_RAW, effective=False)) == "cap_net_raw=p"
    assert capability_text(caps_v2(1 << CAP_NET_RAW, 1 << CAP_NET_RAW, effective=False)) == \
        "cap_net_raw=ip"
    mixed = caps_v2((1 << CAP_CHOWN) | (1 << CAP_SYS_ADMIN), 1 << CAP_SYS_ADMIN)
    assert capability_text(mixed) == "cap_chown=ep cap_sys_admin=eip"


def test_capabilities_in_the_high_word() -> None:
    assert capability_text(caps_v2(1 << CAP_PERFMON)) == "cap_perfmon=ep"
    assert capability_text(caps_v2(1 << 60)) == "cap_60=ep"  # unknown to us, still shown


def test_capabilities_v3_with_root_id() -> None:
    raw = caps_v3((1 << CAP_NET_BIND_SERVICE) | (1 << CAP_NET_RAW), rootid=100000)
    assert len(raw) == 24
    assert capability_text(raw) == "cap_net_bind_service,cap_net_raw=ep [rootid=100000]"


def test_capabilities_v1() -> None:
    raw = struct.pack("<III", 0x01000001, 1 << CAP_NET_RAW, 0)
    assert capability_text(raw) == "cap_net_raw=ep"


@pytest.mark.parametrize("raw", [b"", b"\x01\x00\x00\x02", b"\x01\x00\x00\x02" + b"\0" * 8,
                                 struct.pack("<IIII", 0x02000001, 1, 0, 0)])
def test_unparsable_capabilities(raw: bytes) -> None:
    assert capability_text(raw) == "unparsable:" + raw.hex()


def test_garbage_never_raises() -> None:
    rng = random.Random(1234)
    for _ in range(3000):
        raw = rng.randbytes(rng.randrange(0, 64))
        if rng.random() < 0.5 and len(raw) >= 4:  # make the header plausible half the time
            raw = struct.pack("<I", rng.choice([2, 0x02000001, 0x03000000, 0x01000001])) + raw[4:]
        assert isinstance(acl_text(raw), str)
        assert isinstance(capability_text(raw), str)
