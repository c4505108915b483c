"""Names of people, found through context: the key they are the value of, a salutation,
a `From:` header, or a word such as `user` or `customer` before them.

Patterns alone cannot tell `Jane Doe` from `Payment Service`; context can. An optional NER
detector (`person_ner`) adds names in free text when a spaCy model is installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from vedette.privacy.context import (
    key_leaf,
    key_parent,
    key_values,
    parent_key,
    sql_columns_wanted,
)
from vedette.privacy.entities import PERSON, Finding

# One word of a name: capitalised, letters (any script with case), apostrophes, hyphens.
_LOWER = r"[a-zß-öø-ÿā-ž]"
_UPPER = r"[A-ZÀ-ÖØ-ÞĀ-Ž]"
# Ana, O'Brien, McDonald, Jean-Luc
_APOSTROPHE = "['\u2019]"
_WORD = (rf"{_UPPER}(?:{_LOWER}+(?:{_UPPER}{_LOWER}+)?|{_APOSTROPHE}{_UPPER}{_LOWER}+)"
         rf"(?:(?:-|{_APOSTROPHE}){_UPPER}?{_LOWER}+)*")
_PARTICLE = r"(?:(?:van|von|der|den|de|del|della|da|do|dos|das|di|du|la|le|bin|al|el|ter)\s+)"
_NAME = rf"{_WORD}(?:\s+{_PARTICLE}{{0,2}}{_WORD}){{0,3}}"
# A name as a whole field value: "Ana Lima", "John Q. Public", "ANA LIMA".
_NAME_VALUE = re.compile(rf"{_NAME}|{_WORD}(?:\s+[A-Z]\.)?(?:\s+{_WORD})?"
                         rf"|[A-Z][A-Z'-]+(?:\s+[A-Z][A-Z'-]+){{1,2}}")

# Keys whose value is a person's name, and parents that make a plain `name` one.
_PERSON_KEYS = re.compile(
    r"^(?:full_?name|first_?name|last_?name|given_?name|family_?name|surname|middle_?name"
    r"|display_?name|customer_?name|client_?name|user_?name|patient_?name|user_?full_?name"
    r"|cardholder(?:_?name)?|card_?holder(?:_?name)?|holder_?name|account_?holder"
    r"|contact_?name|recipient_?name|sender_?name|author_?name|employee_?name"
    r"|billing_?name|shipping_?name|passenger_?name|guest_?name|beneficiary(?:_?name)?)$")
_PERSON_PARENTS = frozenset({
    "user", "customer", "client", "patient", "person", "account", "contact", "author",
    "owner", "employee", "member", "recipient", "sender", "enduser", "cardholder", "holder",
    "buyer", "seller", "passenger", "guest", "driver", "applicant", "beneficiary", "billing",
    "shipping", "profile", "student", "subscriber"})
# Words that precede a name in free text.
_CUE_WORDS = (
    r"(?:[Uu]ser|[Cc]ustomer|[Cc]lient|[Pp]atient|[Ee]mployee|[Mm]ember|[Cc]ardholder"
    r"|[Rr]ecipient|[Aa]pplicant|[Pp]assenger|[Gg]uest|[Aa]ccount holder|[Ss]ubscriber"
    r"|Dear|Hi|Hello|Hey|Welcome(?: back,?)?|Thanks|Thank you|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sr\.?|Sra\.?"
    r"|Herr|Frau|Mme\.?|M\.|[Ss]igned by|[Aa]pproved by|[Aa]ssigned to|[Cc]ontact)")
_CUE = re.compile(
    rf"(?:\b{_CUE_WORDS}|^(?:From|To|Cc|Reply-To|Sender):)\s+(?:[\"'](?=[A-Z]))?"
    rf"(?P<name>{_NAME})", re.MULTILINE)
# Capitalised words that follow those cues without being names.
_NOT_NAMES = frozenset({
    "The", "This", "That", "There", "All", "Team", "Service", "Services", "Admin", "Support",
    "Account", "Accounts", "Id", "ID", "Not", "No", "Login", "Logged", "Session", "Sessions",
    "Agent", "Request", "Requests", "Error", "Errors", "Failed", "Found", "Unknown", "Anonymous",
    "Guest", "System", "Root", "Api", "API", "Data", "Name", "Info", "Profile", "Created",
    "Updated", "Deleted", "Manager", "Group", "Role", "Roles", "Token", "Null", "None",
    "Default", "Test", "Everyone", "Customer", "Customers", "User", "Users",
    "Welcome", "Hello", "Thanks", "Dear", "Sir", "Madam", "Order", "Orders", "Payment",
    "Server", "Job", "Task", "Queue", "Worker", "Http", "Https", "Json", "True", "False",
    "Team,", "Mr", "Mrs", "Ms", "Dr", "Please", "Your", "You", "We", "Our", "Hi", "Hey",
    "Id:", "Is", "Was", "Has", "Had", "With", "From", "To", "For", "In", "On", "At", "Of",
    "Record", "Records", "Details", "Status", "Type", "Key", "Value", "Email", "Mail",
})


def _plausible(value: str) -> bool:
    words = value.replace(",", " ").split()
    return 1 <= len(words) <= 5 and not any(word.strip(".") in _NOT_NAMES for word in words)


@lru_cache(maxsize=4096)
def is_person_key(key_name: str | None) -> bool:
    leaf = key_leaf(key_name).replace("-", "_")
    if _PERSON_KEYS.match(leaf):
        return True
    return leaf in ("name", "fullname") and key_parent(key_name).rstrip("s") in _PERSON_PARENTS


# What makes a line worth a look: keys naming a person (or an object that is one), SQL
# inserts, mail headers; and, confirmed before the line is decoded, a cue word and a capital.
_KEY_TRIGGER = (
    r"(?i:(?:full|first|last|given|family|middle|display|customer|client|patient|user"
    r"|billing|shipping|contact|recipient|sender|author|employee|holder|passenger|guest"
    r"|account)[_-]?name|surname|holder|beneficiary)|VALUES"
    r"|(?i:user|customer|client|patient|person|account|contact|author|owner|employee"
    r"|member|recipient|sender|enduser|cardholder|buyer|seller|passenger|guest|driver"
    r"|applicant|profile|billing|shipping|student|subscriber)s?[\"']?\s*[:=]\s*\{"
    r"|(?m:^(?:From|To|Cc|Reply-To|Sender):)")
_CUE_TRIGGER = rf"\b{_CUE_WORDS}\s+[\"']?[^\s\"'a-z0-9]"
# What precedes the first character of a name in a cue match (Hyperscan's `\s`, quotes).
_CUE_GAP = frozenset(b" \t\n\v\f\r\"'")
_BRACE = ord("{")
_NAME_AT = re.compile(_NAME)


class PersonDetector:
    name = "person"
    types = (PERSON,)
    trigger = f"{_KEY_TRIGGER}|{_CUE_TRIGGER}"

    def wants_key(self, key_name: str) -> bool:
        return is_person_key(key_name)

    def confirm(self, data: bytes, end: int) -> bool:
        # "Dear Customer," opens mails by the thousand: a cue followed by no plausible name
        # is no finding, and its line is not decoded. A cue match ends on the first
        # character of the name, after a space or a quote; keys, headers, SQL inserts and
        # objects (`"user": {`) end otherwise, and the whole line decides.
        if end < 2 or data[end - 2] not in _CUE_GAP or data[end - 1] == _BRACE:
            return sql_columns_wanted(data, end, is_person_key)
        line_end = data.find(b"\n", end)
        rest = data[end - 1:line_end if line_end >= 0 else len(data)].decode("utf-8", "replace")
        name = _NAME_AT.match(rest)
        return name is not None and _plausible(name.group())

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        if key_name is not None and is_person_key(key_name):
            match = _NAME_VALUE.fullmatch(text.strip())
            if match and _plausible(text):
                offset = len(text) - len(text.lstrip())
                yield Finding(PERSON, offset, offset + len(text.strip()), 0.85, self.name)
            return
        for pair in key_values(text):
            value = text[pair.start:pair.end]
            if is_person_key(pair.key):
                if _NAME_VALUE.fullmatch(value) and _plausible(value):
                    yield Finding(PERSON, pair.start, pair.end, 0.85, self.name)
            elif (pair.leaf in ("name", "fullname", "full_name")
                  and parent_key(text, pair.key_start).rstrip("s") in _PERSON_PARENTS
                  and _NAME_VALUE.fullmatch(value) and _plausible(value)):
                # `"user": {"name": "Ana Lima"}`: a plain `name` is a person's inside a person.
                yield Finding(PERSON, pair.start, pair.end, 0.85, self.name)
        for match in _CUE.finditer(text):
            name = match.group("name")
            if _plausible(name):
                yield Finding(PERSON, match.start("name"), match.end("name"), 0.7, self.name)
