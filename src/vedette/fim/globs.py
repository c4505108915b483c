"""Path globs with `**`, compiled to one regular expression per rule list."""

from __future__ import annotations

import re
from collections.abc import Callable

# Paths are matched as bytes: `?` is one character of a UTF-8 name (a lead byte and its
# continuation bytes, taken whole), or one stray byte of a name that is not UTF-8; never
# a `/`.
_ONE_CHARACTER = r"(?:[\x00-\x2e\x30-\x7f]|[\xc0-\xff][\x80-\xbf]*+|[\x80-\xbf])"


def glob_to_regex(pattern: str) -> str:
    """Translate a path glob to a regex body.

    `**` matches across directories (and `/**/` also matches a single `/`), `*` and `?`
    stay inside one path component, `[...]` is a character set, `{a,b}` an alternation.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    depth = 0
    while i < n:
        char = pattern[i]
        if pattern.startswith("/**/", i):
            out.append("/(?:.*/)?")
            i += 4
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append(_ONE_CHARACTER)
            i += 1
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
                i += 1
                continue
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^/" + body[1:]  # like `*` and `?`, never across a `/`
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        elif char == "{":
            depth += 1
            out.append("(?:")
            i += 1
        elif char == "," and depth:
            out.append("|")
            i += 1
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
            i += 1
        else:
            out.append(re.escape(char))
            i += 1
    if depth:
        raise ValueError(f"unbalanced '{{' in glob {pattern!r}")
    return "".join(out)


class GlobSet:
    """Ordered named globs; `match` returns the name of the first that matches a path.

    All globs are joined into one alternation so a lookup is one regex call in C, and
    the first alternative that matches decides, which is what "first rule wins" needs.
    Paths are bytes (file names need not be UTF-8), so the regex is a bytes regex.
    """

    def __init__(self, globs: list[tuple[str, str]]) -> None:
        self._names: list[str] = []
        parts = []
        for index, (name, pattern) in enumerate(globs):
            self._names.append(name)
            parts.append(f"(?P<g{index}>{glob_to_regex(pattern)})")
        self._regex = re.compile("|".join(parts).encode("utf-8"), re.DOTALL) if parts else None

    def match(self, path: bytes) -> str | None:
        if self._regex is None:
            return None
        found = self._regex.fullmatch(path)
        if found is None:
            return None
        return self._names[int(found.lastgroup[1:])]  # type: ignore[index]

    def matcher(self) -> Callable[[bytes], object]:
        """A function telling whether any glob matches (truthy) or none does (None)."""
        return self._regex.fullmatch if self._regex is not None else _no_match


def _no_match(path: bytes) -> None:
    return None
