"""Path globs: `*`, `**`, `?`, sets, alternations, and the first-match-wins GlobSet."""

from __future__ import annotations

import pytest

from vedette.fim.globs import GlobSet, glob_to_regex


def matches(pattern: str, path: bytes) -> bool:
    return GlobSet([("only", pattern)]).match(path) == "only"


CASES = [
    # `*` stays within one path component
    ("/etc/*", b"/etc/passwd", True),
    ("/etc/*", b"/etc/ssh/sshd_config", False),
    ("/etc/*.conf", b"/etc/app.conf", True),
    ("/etc/*.conf", b"/etc/app.confx", False),
    ("/etc/*.conf", b"/etc/sub/app.conf", False),
    ("/etc/*/config", b"/etc/a/config", True),
    ("/etc/*/config", b"/etc/a/b/config", False),
    # `**` crosses directories
    ("/etc/**", b"/etc/passwd", True),
    ("/etc/**", b"/etc/ssh/sshd_config", True),
    ("/etc/**", b"/etc", False),
    ("/etc/**", b"/etcetera/x", False),
    ("**", b"/anything/at/all", True),
    ("**/*.swp", b"/etc/deep/dir/.file.swp", True),
    # `/**/` is zero or more directories
    ("/etc/**/*.swp", b"/etc/x.swp", True),
    ("/etc/**/*.swp", b"/etc/a/b/c/x.swp", True),
    ("/etc/**/*.swp", b"/etcx.swp", False),
    ("/usr/**/bin/ls", b"/usr/bin/ls", True),
    ("/usr/**/bin/ls", b"/usr/local/bin/ls", True),
    # `?` is one character, never a slash
    ("/bin/?s", b"/bin/ls", True),
    ("/bin/?s", b"/bin/ss", True),
    ("/bin/?s", b"/bin/lss", False),
    ("/bin/?s", b"/bin/s", False),
    ("/bin?ls", b"/bin/ls", False),
    # sets
    ("/dev/sd[abc]", b"/dev/sdb", True),
    ("/dev/sd[abc]", b"/dev/sdd", False),
    ("/dev/sd[a-c]1", b"/dev/sdc1", True),
    ("/dev/sd[a-c]1", b"/dev/sdz1", False),
    ("/dev/sd[!abc]", b"/dev/sdd", True),
    ("/dev/sd[!abc]", b"/dev/sda", False),
    ("/dev/sd[!abc]", b"/dev/sd", False),
    # alternations
    ("/{,usr/}bin/ssh", b"/bin/ssh", True),
    ("/{,usr/}bin/ssh", b"/usr/bin/ssh", True),
    ("/{,usr/}bin/ssh", b"/usr/local/bin/ssh", False),
    ("/etc/{passwd,shadow,group}", b"/etc/shadow", True),
    ("/etc/{passwd,shadow,group}", b"/etc/gshadow", False),
    ("/etc/{a,{b,c}d}", b"/etc/cd", True),
    ("/etc/{a,{b,c}d}", b"/etc/c", False),
    ("/etc/{cron.*,anacrontab}/**", b"/etc/cron.d/job", True),
    # everything else is literal, regex syntax included
    ("/etc/ld.so.preload", b"/etc/ldXso.preload", False),
    ("/etc/ld.so.preload", b"/etc/ld.so.preload", True),
    ("/srv/(x)+$^|y", b"/srv/(x)+$^|y", True),
    ("/srv/a}", b"/srv/a}", True),
    ("/srv/a,b", b"/srv/a,b", True),
    ("/srv/[", b"/srv/[", True),
    ("/srv/a\\b", b"/srv/a\\b", True),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), CASES)
def test_glob(pattern: str, path: bytes, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_a_negated_set_does_not_cross_directories() -> None:
    # Like `?` and `*`, a `[...]` set matches one character of one path component: only
    # `**` crosses directories. Otherwise `/etc[!.]passwd` would match `/etc/passwd`.
    assert not matches("/etc[!.]passwd", b"/etc/passwd")
    assert not matches("/etc/x[!a]y", b"/etc/x/y")


@pytest.mark.parametrize("pattern", ["/etc/{a,b", "/etc/{a,{b}", "{", "/x/{{a}"])
def test_unbalanced_brace_is_an_error(pattern: str) -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        glob_to_regex(pattern)
    with pytest.raises(ValueError):
        GlobSet([("bad", pattern)])


def test_first_match_wins() -> None:
    globs = GlobSet([("ssh", "/usr/bin/ssh"), ("bin", "/usr/bin/**"), ("usr", "/usr/**"),
                     ("any", "**")])
    assert globs.match(b"/usr/bin/ssh") == "ssh"
    assert globs.match(b"/usr/bin/sshd") == "bin"
    assert globs.match(b"/usr/lib/x") == "usr"
    assert globs.match(b"/etc/x") == "any"
    reordered = GlobSet([("any", "**"), ("ssh", "/usr/bin/ssh")])
    assert reordered.match(b"/usr/bin/ssh") == "any"


def test_first_full_match_wins_not_first_prefix() -> None:
    globs = GlobSet([("short", "/etc/a"), ("long", "/etc/a*")])
    assert globs.match(b"/etc/abc") == "long"
    assert globs.match(b"/etc/a") == "short"


def test_many_rules_with_same_name() -> None:
    globs = GlobSet([(str(n % 3), f"/d{n}/**") for n in range(300)])
    assert globs.match(b"/d299/x") == "2"
    assert globs.match(b"/d4/x") == "1"
    assert globs.match(b"/nope") is None


def test_empty_globset() -> None:
    empty = GlobSet([])
    assert empty.match(b"/etc/passwd") is None
    assert empty.match(b"") is None


def test_bytes_paths_with_non_utf8_and_newlines() -> None:
    assert matches("/srv/*", b"/srv/caf\xe9")
    assert matches("/srv/caf?", b"/srv/caf\xe9")
    assert matches("/srv/*", b"/srv/line\nbreak")
    assert matches("/srv/**", b"/srv/a\nb/c\xff\xfe/d")
    assert matches("/srv/a?b", b"/srv/a\nb")
    assert matches("/srv/*.log", b"/srv/x\n.log")
    assert not matches("/srv/*.log", b"/srv/x.log\n")
    assert matches("/srv/caf\u00e9", "/srv/caf\u00e9".encode())
    assert not matches("/srv/caf\u00e9", b"/srv/caf\xe9")  # the glob is UTF-8, the path Latin-1


def test_question_mark_is_one_character_of_a_utf8_name() -> None:
    assert matches("/srv/caf?", "/srv/caf\u00e9".encode())  # é: two bytes, one character
    assert matches("/srv/?.txt", "/srv/\u732b.txt".encode())  # three bytes
    assert matches("/srv/??", "/srv/\U0001f600x".encode())  # four bytes, then one
    assert not matches("/srv/caf??", "/srv/caf\u00e9".encode())
    assert not matches("/srv/a?b", b"/srv/a/b")
