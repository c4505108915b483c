"""Secrets: cloud access keys, well-known token formats, private keys, credential values."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vedette.privacy.context import is_placeholder, key_leaf, key_values
from vedette.privacy.detectors.base import SqlColumnsConfirm
from vedette.privacy.entities import AWS_ACCESS_KEY, SECRET_TOKEN, Finding

# Token formats with a recognisable prefix (GitHub, GitLab, Slack, Stripe, Google, npm,
# OpenAI-style sk- keys, SendGrid, Twilio) and JSON Web Tokens.
_TOKENS = re.compile(
    r"(?<![\w-])(?:"
    r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255}"
    r"|glpat-[A-Za-z0-9_-]{20}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,250}"
    r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}"
    r"|AIza[A-Za-z0-9_-]{35}"
    r"|npm_[A-Za-z0-9]{36}"
    r"|sk-(?:proj-)?[A-Za-z0-9_-]{32,}"
    r"|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"
    r"|SK[0-9a-f]{32}"
    r")(?![\w-])")
_AWS_KEY = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])")
# A PEM private key, whole (in a file or a JSON string with \n escapes) or its first line.
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:(?:\\n|\s|[A-Za-z0-9+/=:,-])*?-----END (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----)?")
_AUTHORIZATION = re.compile(
    r"(?i)(?:authorization|proxy-authorization)[\"']?\s*[:=]\s*[\"']?"
    r"(?:bearer|basic|token|digest|negotiate|apikey)\s+([A-Za-z0-9._~+/=-]{8,})")
# Keys whose values are credentials.
SECRET_KEYS = re.compile(
    r"(?i)^(?:.*[_-])?(?:pass(?:word|wd|phrase)?|pwd|secret|client[_-]?secret|api[_-]?key"
    r"|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|(?:access|refresh|id|auth"
    r"|session|bearer|csrf)[_-]?token|token|credentials?|x-api-key|sig(?:nature)?)$")
# `token 8f9Kq...`, `api key is ...`: an opaque value right after the word naming it, long and
# mixed enough (letters and digits) not to be an ordinary word.
_NAMED_IN_TEXT = re.compile(
    r"(?i)\b(?:token|api[ _-]?key|secret|password|passwd)(?:\s+(?:is|was|=|:))?\s+"
    r"(?=[A-Za-z0-9._~+/=-]*\d)(?=[A-Za-z0-9._~+/=-]*[A-Za-z])([A-Za-z0-9._~+/=-]{16,})")
_AWS_PREFIX = re.compile(r"A[KSBC][IC]A")
_TOKEN_PREFIX = re.compile(
    r"eyJ|gh[pousr]_|github_pat_|glpat-|xox|_live_|_test_|AIza|npm_|sk-|SG\.|SK[0-9a-f]")
_NAMING_WORDS = ("token", "key", "secret", "passw")
_SECRET_TRIGGER = (
    r"eyJ[A-Za-z0-9_-]{8}|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|[sr]k_(?:live|test)_|AIza"
    r"|npm_[A-Za-z0-9]{8}|sk-[A-Za-z0-9_-]{16}|SG\.[A-Za-z0-9_-]{8}|SK[0-9a-f]{16}"
    r"|A[KSBC][IC]A[A-Z2-7]{16}|PRIVATE KEY|VALUES"
    r"|(?i:authorization)[\"']?\s*[:=]\s*[\"']?"
    r"(?i:bearer|basic|token|digest|negotiate|apikey)\s"
    # A credential key with a value that is not masked already (`password=***`,
    # `"token": "<redacted>"` fill logs and are no finding: see `is_placeholder`).
    r"|(?i:pass(?:word|wd|phrase)?|pwd|secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|token|credentials?|sig(?:nature)?)[\"']?\s*[:=]\s*[\"']?(?:[^\s*<\"']|\*+[^\s*\"']|<[^>\n]*$)"
    r"|(?i:token|api[ _-]?key|secret|password|passwd)\s+(?:is\s+|was\s+)?[A-Za-z0-9._~+/=-]{16}")


class SecretDetector(SqlColumnsConfirm):
    name = "secret"
    types = (AWS_ACCESS_KEY, SECRET_TOKEN)
    trigger = _SECRET_TRIGGER

    def wants_key(self, key_name: str) -> bool:
        return SECRET_KEYS.match(key_leaf(key_name)) is not None

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        if key_name and SECRET_KEYS.match(key_leaf(key_name)) and not is_placeholder(text):
            yield Finding(SECRET_TOKEN, 0, len(text), 0.85, self.name)
            return
        # Each pattern runs only where its literal part occurs: they are costly on long lines.
        if _AWS_PREFIX.search(text):
            for match in _AWS_KEY.finditer(text):
                yield Finding(AWS_ACCESS_KEY, match.start(), match.end(), 0.95, self.name)
        if _TOKEN_PREFIX.search(text):
            for match in _TOKENS.finditer(text):
                yield Finding(SECRET_TOKEN, match.start(), match.end(), 0.95, self.name)
        if "PRIVATE KEY" in text:
            for match in _PRIVATE_KEY.finditer(text):
                yield Finding(SECRET_TOKEN, match.start(), match.end(), 0.95, self.name)
        lowered = text.lower()
        if "authorization" in lowered:
            for match in _AUTHORIZATION.finditer(text):
                yield Finding(SECRET_TOKEN, match.start(1), match.end(1), 0.9, self.name)
        if any(word in lowered for word in _NAMING_WORDS):
            for match in _NAMED_IN_TEXT.finditer(text):
                yield Finding(SECRET_TOKEN, match.start(1), match.end(1), 0.75, self.name)
        for pair in key_values(text):
            value = text[pair.start:pair.end]
            if SECRET_KEYS.match(pair.leaf) and not is_placeholder(value) and len(value) >= 4:
                yield Finding(SECRET_TOKEN, pair.start, pair.end, 0.85, self.name)
