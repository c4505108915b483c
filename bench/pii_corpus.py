"""Labelled log corpus for the privacy benchmarks: realistic lines, PII spans as labels.

Formats: web access logs, syslog (sshd, postfix, cron, kernel), JSON application logs,
logfmt, Python and Java stack traces, span dumps, Prometheus exposition lines, SQL
statement logs, HTTP header dumps and mail headers. About 40% of lines hold no personal
data but are full of what looks like it: UUIDs, trace and span ids, digests, timestamps,
versions, durations, ports, byte counts, pod names and order numbers.

Each JSON-lines record is {"text": line, "labels": [[start, end, TYPE], ...]} with
character offsets. Values are valid (checksums, issuer ranges, phone plans) because an
invalid one is not that kind of data. Seed 1 is the development corpus; seed 2 is held out
and only ever scored.

    python bench/pii_corpus.py --seed 2 --lines 20000 > corpus.jsonl
    python bench/pii_corpus.py --seed 3 --bytes 200000000 --text > mixed.log
"""

# Log line templates are data: they stay on one line each, as they appear in logs.
# ruff: noqa: E501, RUF001, RUF012

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import sys
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn, verhoeff
from stdnum.au import tfn
from stdnum.br import cnpj, cpf
from stdnum.ca import sin
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn

FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Wei",
    "Fang",
    "Hiroshi",
    "Yuki",
    "Priya",
    "Rahul",
    "Aarav",
    "Ananya",
    "Mohammed",
    "Fatima",
    "Ahmed",
    "Aisha",
    "José",
    "María",
    "Carlos",
    "Lucía",
    "João",
    "Ana",
    "Pedro",
    "Beatriz",
    "Hans",
    "Anna",
    "Lukas",
    "Sophie",
    "Pierre",
    "Camille",
    "Louis",
    "Chloé",
    "Giulia",
    "Marco",
    "Francesca",
    "Luca",
    "Sanne",
    "Daan",
    "Emma",
    "Lars",
    "Ingrid",
    "Olga",
    "Dmitri",
    "Chidi",
    "Ngozi",
    "Kwame",
    "Amara",
    "Siobhan",
    "Liam",
    "Zoë",
    "Björn",
    "Mei",
    "Kenji",
    "Sakura",
    "Arjun",
    "Deepika",
    "Omar",
    "Leila",
    "Mateo",
    "Valentina",
    "Thiago",
    "Larissa",
    "Noah",
    "Mia",
    "Elif",
    "Emre",
    "Kofi",
    "Adaeze",
    "Tomás",
    "Inés",
    "Jakub",
    "Zofia",
    "Nikolai",
    "Anastasia",
    "Grace",
    "Oliver",
    "Charlotte",
    "Ethan",
    "Ava",
    "Lena",
    "Felix",
    "Clara",
    "Hugo",
    "Manon",
    "Sven",
    "Astrid",
    "Ravi",
    "Sunita",
    "Tariq",
    "Yasmin",
    "Diego",
    "Camila",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Wang",
    "Li",
    "Zhang",
    "Chen",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Sharma",
    "Patel",
    "Singh",
    "Gupta",
    "Khan",
    "Ali",
    "Hassan",
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Martin",
    "Bernard",
    "Dubois",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Jansen",
    "Visser",
    "Bakker",
    "Andersson",
    "Johansson",
    "Nielsen",
    "Ivanov",
    "Petrov",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "O'Brien",
    "Murphy",
    "Kowalski",
    "Nowak",
    "Yılmaz",
    "Kaya",
    "Nguyen",
    "Tran",
    "Kim",
    "Park",
    "Lee",
    "Novak",
    "Horvat",
    "Fernández",
    "López",
    "Pérez",
    "González",
    "Costa",
    "Pereira",
    "Becker",
    "Hoffmann",
    "Lefebvre",
    "Moreau",
    "Romano",
    "Colombo",
    "Dijkstra",
    "Eriksson",
    "Hansen",
    "Popescu",
    "Papadopoulos",
    "Cohen",
    "Levi",
    "Smith-Jones",
]
LAST_PARTICLES = [
    "van der Berg",
    "de la Cruz",
    "van Dijk",
    "da Silva",
    "von Braun",
    "di Stefano",
    "dos Santos",
    "de Vries",
    "del Rio",
    "le Roux",
]
MAIL_DOMAINS = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.co.uk",
    "web.de",
    "orange.fr",
    "libero.it",
    "uol.com.br",
    "protonmail.com",
    "icloud.com",
    "gmx.de",
    "yahoo.co.in",
    "t-online.de",
    "free.fr",
    "acme-corp.com",
    "globex.io",
    "initech.net",
    "umbrella-health.org",
    "hooli.xyz",
    "wayne-enterprises.co",
]
STREETS_EN = [
    "Baker",
    "Elm",
    "Oak",
    "Maple",
    "Pine",
    "Cedar",
    "Washington",
    "Lincoln",
    "Park",
    "Main",
    "High",
    "Church",
    "Mill",
    "Station",
    "Victoria",
    "King",
    "Queen",
    "George",
    "Market",
    "Bridge",
    "Sunset",
    "Lake",
    "Hill",
    "River",
    "Chestnut",
    "Highland",
]
SUFFIX_EN = [
    "Street",
    "St",
    "Avenue",
    "Ave",
    "Road",
    "Rd",
    "Lane",
    "Drive",
    "Boulevard",
    "Court",
    "Way",
    "Place",
    "Terrace",
    "Close",
]
CITIES = [
    "London",
    "Springfield",
    "Berlin",
    "Paris",
    "Madrid",
    "Rome",
    "Amsterdam",
    "Toronto",
    "Sydney",
    "São Paulo",
    "Mumbai",
    "Austin",
    "Dublin",
    "Lyon",
    "Munich",
    "Porto",
]
SERVICES = [
    "checkout",
    "payments",
    "auth",
    "orders",
    "users",
    "search",
    "cart",
    "billing",
    "notifications",
    "inventory",
    "gateway",
    "profile",
    "shipping",
    "ledger",
]
PATHS = [
    "/api/v1/orders",
    "/api/v2/users/{id}",
    "/health",
    "/metrics",
    "/login",
    "/cart/items",
    "/static/js/app.{hex}.js",
    "/api/v1/payments/{id}/capture",
    "/favicon.ico",
    "/graphql",
    "/api/v1/search",
    "/assets/img/logo@2x.png",
    "/oauth/token",
    "/ready",
]
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Safari/605.1.15",
    "curl/8.4.0",
    "kube-probe/1.28",
    "Go-http-client/2.0",
    "python-requests/2.31.0",
    "Prometheus/2.48.0",
    "okhttp/4.12.0",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
]
PHONE_REGIONS = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "IN", "AU", "CA"]
IBAN_COUNTRIES = {
    "DE": 18,
    "GB": 18,
    "FR": 23,
    "ES": 20,
    "IT": 23,
    "NL": 14,
    "BE": 12,
    "AT": 16,
    "PT": 21,
    "IE": 18,
}
CARD_PREFIXES = [
    ("4", 16),
    ("4", 16),
    ("51", 16),
    ("55", 16),
    ("2221", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("3530", 16),
    ("36", 14),
]


class Line:
    """A line being written, with the character spans of the personal data in it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.labels: list[list[object]] = []
        self.length = 0

    def add(self, text: str) -> Line:
        self.parts.append(text)
        self.length += len(text)
        return self

    def pii(self, entity_type: str, text: str) -> Line:
        self.labels.append([self.length, self.length + len(text), entity_type])
        return self.add(text)

    def value(self, item: Item | str) -> Line:
        if isinstance(item, Item):
            return self.pii(item.type, item.text) if item.type else self.add(item.text)
        return self.add(item)

    def record(self) -> dict[str, object]:
        return {"text": "".join(self.parts), "labels": self.labels}


class Item:
    """A value to write: personal data of `type`, or a decoy (`type` None)."""

    def __init__(self, type_: str | None, text: str) -> None:
        self.type, self.text = type_, text


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.clock = datetime(2024, 11, 15, 8, 0, tzinfo=UTC) + timedelta(days=seed)

    # --- small helpers --------------------------------------------------------------------
    def pick(self, items: list):
        return self.r.choice(items)

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def hex(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def tick(self) -> datetime:
        self.clock += timedelta(milliseconds=self.r.randint(1, 900))
        return self.clock

    def iso(self) -> str:
        return self.tick().isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    # --- personal data ----------------------------------------------------------------------
    def person(self) -> str:
        first = self.pick(FIRST)
        last = self.pick(LAST_PARTICLES) if self.r.random() < 0.1 else self.pick(LAST)
        if self.r.random() < 0.1:
            return f"{first} {self.pick(FIRST)} {last}"
        return f"{first} {last}"

    def first_name(self) -> str:
        return self.pick(FIRST)

    def email(self, name: str | None = None) -> str:
        name = name or self.person()
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        parts = [p.lower().replace("'", "") for p in ascii_name.split()]
        style = self.r.randint(0, 4)
        local = {
            0: ".".join(parts),
            1: parts[0][0] + parts[-1],
            2: parts[0] + self.digits(2),
            3: f"{parts[0]}_{parts[-1]}",
            4: f"{parts[0]}+{self.pick(['shop', 'news', 'x'])}",
        }[style]
        return f"{local}@{self.pick(MAIL_DOMAINS)}"

    def phone(self) -> str:
        while True:
            region = self.pick(PHONE_REGIONS)
            example = phonenumbers.example_number_for_type(
                region,
                self.pick(
                    [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
                ),
            )
            national = str(example.national_number)
            # Vary the subscriber digits, keep the prefix that makes it valid.
            keep = max(3, len(national) - 4)
            candidate = national[:keep] + self.digits(len(national) - keep)
            number = phonenumbers.parse("+" + str(example.country_code) + candidate)
            if not phonenumbers.is_valid_number(number):
                continue
            fmt = self.pick(
                [
                    phonenumbers.PhoneNumberFormat.E164,
                    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                    phonenumbers.PhoneNumberFormat.NATIONAL,
                ]
            )
            return phonenumbers.format_number(number, fmt)

    def card(self) -> str:
        prefix, length = self.pick(CARD_PREFIXES)
        body = prefix + self.digits(length - len(prefix) - 1)
        number = body + luhn.calc_check_digit(body)
        style = self.r.random()
        if style < 0.4:
            return number
        sep = " " if style < 0.75 else "-"
        if length in (14, 15):  # Diners and Amex are written 4-6-4 and 4-6-5
            return sep.join([number[:4], number[4:10], number[10:]])
        return sep.join(number[i : i + 4] for i in range(0, length, 4))

    def iban(self) -> str:
        country = self.pick(list(IBAN_COUNTRIES))
        bban = self.digits(IBAN_COUNTRIES[country])
        if country in ("GB", "IE"):
            bban = "".join(self.r.choice(string.ascii_uppercase) for _ in range(4)) + bban[4:]
        if country == "NL":
            bban = "".join(self.r.choice(string.ascii_uppercase) for _ in range(4)) + bban[:10]
        if country == "IT":
            bban = self.pick(string.ascii_uppercase) + bban[1:]
        check = std_iban.calc_check_digits(country + "00" + bban)
        value = country + check + bban
        if not std_iban.is_valid(value):  # national check digits (ES, FR, BE...): draw again
            return self.iban()
        if self.r.random() < 0.5:
            return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
        return value

    def ssn(self, dashed: bool = True) -> str:
        while True:
            area = self.r.randint(1, 899)
            if area == 666:
                continue
            value = f"{area:03d}-{self.r.randint(1, 99):02d}-{self.r.randint(1, 9999):04d}"
            if ssn.is_valid(value):
                return value if dashed else value.replace("-", "")

    def ip(self) -> str:
        kind = self.r.random()
        if kind < 0.55:
            while True:
                first = self.r.randint(1, 223)
                if first not in (10, 127, 172, 192, 0):
                    return f"{first}.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"
        if kind < 0.8:
            return self.pick(
                [
                    f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                    f"192.168.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                    f"172.{self.r.randint(16, 31)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                ]
            )
        groups = [f"{self.r.randint(0, 0xFFFF):x}" for _ in range(8)]
        if self.r.random() < 0.5:
            return "2001:db8:" + ":".join(groups[2:])
        return f"2a02:{groups[1]}:{groups[2]}::{groups[3]}"

    def address(self) -> str:
        style = self.r.random()
        if style < 0.5:
            unit = f", Apt {self.r.randint(1, 40)}" if self.r.random() < 0.2 else ""
            return f"{self.r.randint(1, 9999)} {self.pick(STREETS_EN)} {self.pick(SUFFIX_EN)}{unit}"
        if style < 0.65:
            return (
                f"{self.pick(['Haupt', 'Bahnhof', 'Schiller', 'Goethe', 'Linden', 'Berg'])}"
                f"{self.pick(['straße', 'strasse', 'weg', 'allee', 'platz'])} {self.r.randint(1, 180)}"
            )
        if style < 0.8:
            return (
                f"{self.r.randint(1, 120)} {self.pick(['rue', 'avenue', 'boulevard'])} "
                f"{self.pick(['de Rivoli', 'Victor Hugo', 'des Lilas', 'Foch', 'de la Paix'])}"
            )
        return (
            f"{self.pick(['Calle', 'Via', 'Rua', 'Avenida'])} "
            f"{self.pick(['Mayor', 'Roma', 'Augusta', 'Garibaldi', 'Paulista', 'del Sol'])} "
            f"{self.r.randint(1, 2000)}"
        )

    def dob(self) -> str:
        day = datetime(1940, 1, 1) + timedelta(days=self.r.randint(0, 365 * 65))
        return day.strftime(self.pick(["%Y-%m-%d", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y"]))

    def national_id(self) -> tuple[str, str, str]:
        """(type, key name, value) for one of the national identifiers."""
        kind = self.r.randint(0, 11)
        if kind == 0:
            body = self.digits(9)
            return "BR_CPF", "cpf", cpf.format(self._valid(cpf.is_valid, lambda: self.digits(11)))
        if kind == 1:
            body = self.digits(8) + "0001"
            return "BR_CNPJ", "cnpj", cnpj.format(body + cnpj.calc_check_digits(body))
        if kind == 2:
            return "AU_TFN", "tfn", self._valid(tfn.is_valid, lambda: self.digits(9), "{} {} {}")
        if kind == 3:
            letters = "ABCEGHJKLMNPRSTWXYZ"
            prefix = self.pick(letters[:-1]) + self.pick(letters[:-1])
            if prefix in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):  # never issued
                prefix = "AB"
            value = f"{prefix}{self.digits(6)}{self.pick('ABCD')}"
            spaced = f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"
            return "UK_NINO", "nino", self.pick([value, spaced])
        if kind == 4:
            body = (
                f"{self.r.randint(1, 2)}{self.digits(2)}{self.r.randint(1, 12):02d}"
                f"{self.r.randint(1, 95):02d}{self.digits(6)}"
            )
            value = body + nir.calc_check_digits(body)
            return "FR_NIR", "nir", self.pick([value, nir.format(value)])
        if kind == 5:
            return (
                "DE_TAX_ID",
                "steuer_id",
                self._valid(idnr.is_valid, lambda: str(self.r.randint(1, 9)) + self.digits(10)),
            )
        if kind == 6:
            body = self.digits(8)
            return "ES_DNI", "dni", body + dni.calc_check_digit(body)
        if kind == 7:
            body = self.pick("XYZ") + self.digits(7)
            return "ES_NIE", "nie", body + nie.calc_check_digit(body)
        if kind == 8:
            letters = "".join(self.r.choice(string.ascii_uppercase) for _ in range(6))
            body = (
                f"{letters}{self.digits(2)}{self.pick('ABCDEHLMPRST')}{self.r.randint(1, 28):02d}"
                f"{self.pick(string.ascii_uppercase)}{self.digits(3)}"
            )
            return "IT_FISCAL_CODE", "codice_fiscale", body + codicefiscale.calc_check_digit(body)
        if kind == 9:
            return "NL_BSN", "bsn", self._valid(bsn.is_valid, lambda: self.digits(9))
        if kind == 10:
            body = str(self.r.randint(2, 9)) + self.digits(10)
            value = body + verhoeff.calc_check_digit(body)
            return (
                "IN_AADHAAR",
                "aadhaar",
                self.pick([value, f"{value[:4]} {value[4:8]} {value[8:]}"]),
            )
        return (
            "CA_SIN",
            "sin",
            self._valid(
                sin.is_valid, lambda: str(self.r.randint(1, 7)) + self.digits(8), "{} {} {}"
            ),
        )

    def _valid(
        self, check: Callable[[str], bool], make: Callable[[], str], spaced: str = ""
    ) -> str:
        while True:
            value = make()
            if check(value):
                if spaced and self.r.random() < 0.5:
                    return spaced.format(value[:3], value[3:6], value[6:])
                return value

    def aws_key(self) -> str:
        return "AKIA" + "".join(self.r.choice(string.ascii_uppercase + "234567") for _ in range(16))

    def secret(self) -> str:
        kind = self.r.randint(0, 5)
        if kind == 0:
            header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
            claims = json.dumps(
                {"sub": self.uuid(), "iat": int(self.clock.timestamp()), "scope": "read write"}
            ).encode()
            payload = base64.urlsafe_b64encode(claims).rstrip(b"=").decode()
            sig = base64.urlsafe_b64encode(self.r.randbytes(32)).rstrip(b"=").decode()
            return f"{header}.{payload}.{sig}"
        alnum = string.ascii_letters + string.digits
        if kind == 1:
            return "ghp_" + "".join(self.r.choice(alnum) for _ in range(36))
        if kind == 2:
            return "sk_live_" + "".join(self.r.choice(alnum) for _ in range(24))
        if kind == 3:
            return (
                "xoxb-"
                + self.digits(11)
                + "-"
                + self.digits(12)
                + "-"
                + "".join(self.r.choice(alnum) for _ in range(24))
            )
        if kind == 4:
            return "AIza" + "".join(self.r.choice(alnum + "_-") for _ in range(35))
        return "".join(self.r.choice(alnum) for _ in range(self.r.randint(24, 48)))

    def password(self) -> str:
        words = ["summer", "Winter", "dragon", "P@ss", "qwerty", "Tr0ub4dor", "letmein", "S3cure"]
        return (
            self.pick(words)
            + self.pick(["!", "#", "2024", "99", "_x", "&&"])
            + self.digits(self.r.randint(0, 3))
        )

    # --- decoys: what logs are full of and is not personal data -------------------------------
    def decoy(self) -> str:
        kind = self.r.randint(0, 21)
        return [
            self.uuid,
            lambda: self.hex(32),
            lambda: self.hex(16),
            lambda: self.hex(64),
            lambda: self.hex(40),
            lambda: f"{self.r.randint(1, 4000)}ms",
            lambda: f"{self.r.random() * 3:.3f}s",
            lambda: str(self.r.randint(100, 10**10)),
            lambda: f"v{self.r.randint(0, 3)}.{self.r.randint(0, 40)}.{self.r.randint(0, 20)}",
            lambda: (
                f"{self.pick(SERVICES)}-{self.hex(9)}-{''.join(self.r.choice(string.ascii_lowercase + string.digits) for _ in range(5))}"
            ),
            self.order_number,
            lambda: str(int(self.clock.timestamp() * 1000)),
            lambda: str(int(self.clock.timestamp())),
            lambda: f"0x{self.hex(8)}",
            lambda: ":".join(self.hex(2) for _ in range(6)),
            lambda: (
                f"{self.r.randint(1, 9)}.{self.r.randint(0, 9)}.{self.r.randint(0, 9)}.{self.r.randint(100, 9999)}"
            ),
            lambda: f"ORD-{self.clock.year}-{self.digits(6)}",
            lambda: self.digits(9),
            lambda: f"sha256:{self.hex(64)}",
            lambda: self.iso(),
            lambda: f"INV{self.digits(8)}",
            lambda: f"{self.r.randint(1, 500)}.{self.r.randint(0, 99):02d}",
        ][kind]()

    def order_number(self) -> str:
        """A 16-digit order or transaction number that fails the card checks."""
        while True:
            value = self.pick(["4", "5", "6", "3", "1", "9"]) + self.digits(15)
            if not luhn.is_valid(value):
                return value


# --- what personal data looks like in each place ---------------------------------------------

# Keys under which each type appears in structured logs.
KEYS = {
    "EMAIL": ["email", "user_email", "customer.email", "to", "recipient", "login", "contact_email"],
    "PHONE": ["phone", "phone_number", "mobile", "msisdn", "contact_phone", "tel"],
    "PERSON": [
        "full_name",
        "customer_name",
        "user.name",
        "first_name",
        "cardholder",
        "display_name",
        "billing_name",
        "patient_name",
    ],
    "CREDIT_CARD": ["card_number", "pan", "cc", "card"],
    "IBAN": ["iban", "account", "payout_iban", "bank_account"],
    "US_SSN": ["ssn", "social_security_number", "tax_ssn"],
    "IP_ADDRESS": ["client_ip", "remote_addr", "src_ip", "ip", "x_forwarded_for", "peer.ip"],
    "STREET_ADDRESS": ["address", "street", "shipping_address", "billing_address", "address_line1"],
    "DATE_OF_BIRTH": ["dob", "date_of_birth", "birthdate", "birth_date"],
    "SECRET_TOKEN": [
        "password",
        "api_key",
        "access_token",
        "client_secret",
        "refresh_token",
        "token",
    ],
    "AWS_ACCESS_KEY": ["aws_access_key_id", "access_key", "AWS_ACCESS_KEY_ID"],
}

# Free-text messages that carry a value; {v} is the value.
PHRASES = {
    "EMAIL": [
        "password reset requested for {v}",
        "sending receipt to {v}",
        "Duplicate entry '{v}' for key 'users.email'",
        "login failed for {v}: bad credentials",
        "unsubscribed {v} from newsletter",
        "invite accepted by {v}",
    ],
    "PHONE": [
        "SMS OTP sent to {v}",
        "call forwarded to {v}",
        "invalid phone number {v} rejected by carrier",
        "customer callback requested at {v}",
    ],
    "PERSON": [
        "user {v} logged in",
        "Dear {v}, your order has shipped",
        "Hi {v}, your code is 482913",
        "payment approved for customer {v}",
        "ticket assigned to {v}",
        "Welcome back, {v}!",
        "Refund issued to {v} for order ORD-88123",
        "Meeting notes shared by {v}",
    ],
    "CREDIT_CARD": [
        "charge declined for card {v}",
        "tokenizing card {v}",
        "ValueError: invalid card number {v}",
        "card {v} expired",
    ],
    "IBAN": ["SEPA transfer to {v} queued", "payout account {v} verified", "invalid IBAN {v}"],
    "US_SSN": ["SSN {v} failed verification", "identity check for ssn {v}"],
    "IP_ADDRESS": [
        "connection from {v} closed",
        "rate limit exceeded for {v}",
        "Failed password for invalid user admin from {v} port 52{p} ssh2",
        "blocked request from {v}",
    ],
    "STREET_ADDRESS": [
        "shipping label printed for {v}",
        "address updated to {v}",
        "geocoding failed for '{v}'",
        "delivery rescheduled to {v}",
    ],
    "DATE_OF_BIRTH": [
        "age check: DOB {v}",
        "customer born {v} is under 18",
        "date of birth: {v} mismatch",
    ],
    "SECRET_TOKEN": ["retrying with token {v}", "Authorization: Bearer {v}", "using api key {v}"],
    "AWS_ACCESS_KEY": [
        "InvalidAccessKeyId: The AWS Access Key Id {v} does not exist",
        "assumed role with key {v}",
    ],
}
NATIONAL_PHRASES = [
    "invalid {k} {v}",
    "{K} {v} verified",
    "lookup {k}={v} returned 1 row",
    "KYC check passed for {K} {v}",
]

BENIGN_MESSAGES = [
    "request completed",
    "cache miss for key user:profile:{n}",
    "GET {path} 200",
    "retrying in {d}",
    "connection pool exhausted, waiting",
    "job {id} finished in {d}",
    "processed batch of {n} events",
    "TLS handshake completed",
    "config reloaded (version {ver})",
    "health check ok",
    "upstream timed out after {d}",
    "order {order} created",
    "invoice {inv} generated",
    "User-Agent: {ua}",
    "checksum {hex} matches",
    "span exported",
    "Started Session {n} of user root.",
    "Dear Customer, your order has shipped",
    "Hi there, thanks for signing up",
    "Welcome to the service",
    "user admin changed settings",
    "customer 4412 created",
    "password=*** accepted",
    "token=<redacted> refreshed",
    "listening on 0.0.0.0:{port}",
    "std::vector<int>::iterator out of range",
    "From: noreply",
    "GC pause {d}",
    "heap usage {n} bytes",
    "pod {pod} restarted",
    "migrating table users (step {n} of 12)",
    "dial tcp 127.0.0.1:{port}: connection refused",
    "build {ver} deployed to prod",
    "Signature verification ok for release {ver}",
]


class Corpus(Gen):
    """Lines in the formats above, with or without personal data."""

    TYPES = [
        ("EMAIL", 14),
        ("IP_ADDRESS", 12),
        ("PHONE", 8),
        ("PERSON", 12),
        ("CREDIT_CARD", 6),
        ("IBAN", 4),
        ("SECRET_TOKEN", 8),
        ("AWS_ACCESS_KEY", 2),
        ("US_SSN", 4),
        ("STREET_ADDRESS", 4),
        ("DATE_OF_BIRTH", 3),
        ("NATIONAL", 16),
    ]

    def pii_item(self) -> tuple[str, str, str]:
        """(type, key, value) of a random piece of personal data."""
        kind = self.r.choices([t for t, _ in self.TYPES], [w for _, w in self.TYPES])[0]
        if kind == "NATIONAL":
            return self.national_id()
        value = {
            "EMAIL": self.email,
            "IP_ADDRESS": self.ip,
            "PHONE": self.phone,
            "PERSON": self.person,
            "CREDIT_CARD": self.card,
            "IBAN": self.iban,
            "US_SSN": self.ssn,
            "STREET_ADDRESS": self.address,
            "DATE_OF_BIRTH": self.dob,
            "AWS_ACCESS_KEY": self.aws_key,
            "SECRET_TOKEN": lambda: self.password() if self.r.random() < 0.3 else self.secret(),
        }[kind]()
        key = self.pick(KEYS[kind])
        if kind == "SECRET_TOKEN" and key == "password":
            value = self.password()
        return kind, key, value

    def benign(self) -> str:
        message = self.pick(BENIGN_MESSAGES)
        return message.format(
            n=self.r.randint(1, 99999),
            d=self.decoy() if self.r.random() < 0.3 else f"{self.r.randint(1, 900)}ms",
            path=self.path(),
            id=self.uuid(),
            ver=f"{self.r.randint(1, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 9)}",
            order=self.order_number(),
            inv=f"INV-{self.digits(7)}",
            ua=self.pick(UAS),
            hex=self.hex(64),
            port=self.r.randint(1024, 65535),
            pod=self.pod(),
        )

    def pod(self) -> str:
        return f"{self.pick(SERVICES)}-{self.hex(10)}-{''.join(self.r.choice(string.ascii_lowercase + string.digits) for _ in range(5))}"

    def path(self) -> str:
        return (
            self.pick(PATHS)
            .replace("{id}", self.pick([self.uuid(), str(self.r.randint(1, 99999))]))
            .replace("{hex}", self.hex(8))
        )

    def phrase(self, line: Line, kind: str, key: str, value: str) -> None:
        """Write a free-text message carrying `value` into `line`."""
        if kind in PHRASES:
            template = self.pick(PHRASES[kind])
            if kind == "SECRET_TOKEN":  # passwords are written as fields, not in sentences
                value = self.secret()
        else:
            template = (
                self.pick(NATIONAL_PHRASES)
                .replace("{k}", key.replace("_", " "))
                .replace("{K}", key.upper().replace("_", " "))
            )
        head, tail = template.split("{v}")
        line.add(head.replace("{p}", self.digits(3))).pii(kind, value).add(tail)

    # --- formats ----------------------------------------------------------------------------
    def access_log(self, items: list[tuple[str, str, str]]) -> Line:
        line = Line()
        ip_item = next((i for i in items if i[0] == "IP_ADDRESS"), None)
        if ip_item:
            items.remove(ip_item)
            line.pii("IP_ADDRESS", ip_item[2])
        else:
            line.add(self.pick(["127.0.0.1", "::1"]))
        user = next((i for i in items if i[0] == "EMAIL"), None)
        line.add(" - ")
        if user:
            items.remove(user)
            line.pii("EMAIL", user[2])
        else:
            line.add("-")
        t = self.tick()
        line.add(
            f' [{t.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "{self.pick(["GET", "POST", "PUT"])} {self.path()}'
        )
        for kind, key, value in items:
            if kind in ("STREET_ADDRESS", "PERSON"):
                continue
            line.add(f"{'&' if '?' in ''.join(line.parts) else '?'}{key.split('.')[-1]}=").pii(
                kind,
                value.replace(" ", "+")
                if kind not in ("CREDIT_CARD", "IBAN", "PHONE")
                else value.replace(" ", ""),
            )
        line.add(
            f' HTTP/1.1" {self.pick([200, 200, 201, 204, 301, 404, 500])} {self.r.randint(0, 900000)} "-" "{self.pick(UAS)}" rt={self.r.random():.3f}'
        )
        return line

    def syslog(self, items: list[tuple[str, str, str]]) -> Line:
        t = self.tick()
        line = Line().add(
            f"{t.strftime('%b %d %H:%M:%S')} {self.pick(['web-1', 'db-2', 'ip-10-0-3-17', 'worker-7'])} "
        )
        prog = self.pick(["sshd", "postfix/smtp", "app", "CRON", "kernel", "sudo"])
        line.add(f"{prog}[{self.r.randint(100, 65000)}]: ")
        if not items:
            line.add(
                self.pick(
                    [
                        f"Accepted publickey for deploy from 127.0.0.1 port {self.r.randint(1024, 65535)} ssh2: ED25519 SHA256:{base64.b64encode(self.r.randbytes(32)).decode().rstrip('=')}",
                        "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                        f"[{self.r.randint(1, 99999)}.{self.digits(6)}] eth0: link up, 1000Mbps, full-duplex",
                        self.benign(),
                        f"{self.hex(10).upper()}: removed",
                    ]
                )
            )
            return line
        for index, (kind, key, value) in enumerate(items):
            if index:
                line.add("; ")
            if kind == "EMAIL" and prog.startswith("postfix"):
                line.add(f"{self.hex(10).upper()}: to=<").pii(kind, value).add(
                    f">, relay=mx.{self.pick(MAIL_DOMAINS)}[{self.r.randint(1, 200)}.0.0.{self.r.randint(1, 9)}]:25, delay={self.r.random():.2f}, status=sent"
                )
                # The relay address is a mail server's, but an address all the same.
                text = "".join(line.parts)
                start = text.rindex("[") + 1
                line.labels.append([start, text.index("]", start), "IP_ADDRESS"])
            else:
                self.phrase(line, kind, key, value)
        return line

    def json_log(self, items: list[tuple[str, str, str]]) -> Line:
        line = Line().add(
            f'{{"ts":"{self.iso()}","level":"{self.pick(["info", "warn", "error", "debug"])}",'
        )
        line.add(
            f'"logger":"{self.pick(SERVICES)}.{self.pick(["handler", "service", "client", "repo"])}",'
        )
        structured = [i for i in items if self.r.random() < 0.75]
        free = [i for i in items if i not in structured]
        line.add('"msg":"')
        if free:
            self.phrase(line, *free[0])
            free = free[1:]
            structured += free
        else:
            line.add(self.benign().replace('"', "'"))
        line.add('"')
        line.add(f',"trace_id":"{self.hex(32)}","span_id":"{self.hex(16)}"')
        for kind, key, value in structured:
            parts = key.split(".")
            if len(parts) == 2:
                line.add(f',"{parts[0]}":{{"{parts[1]}":"').pii(kind, value).add('"}')
            else:
                line.add(f',"{key}":"').pii(kind, value).add('"')
        for _ in range(self.r.randint(1, 3)):
            key = self.pick(
                [
                    "duration_ms",
                    "bytes",
                    "order_id",
                    "request_id",
                    "pod",
                    "version",
                    "retries",
                    "status",
                    "user_id",
                    "session_id",
                    "port",
                    "amount",
                    "created_at",
                    "name",
                    "service.name",
                    "sha",
                    "node",
                ]
            )
            value = {
                "duration_ms": lambda: f"{self.r.random() * 900:.2f}",
                "bytes": lambda: str(self.r.randint(0, 10**9)),
                "order_id": self.order_number,
                "request_id": self.uuid,
                "pod": self.pod,
                "version": lambda: (
                    f"{self.r.randint(1, 5)}.{self.r.randint(0, 30)}.{self.r.randint(0, 9)}"
                ),
                "retries": lambda: str(self.r.randint(0, 5)),
                "status": lambda: self.pick(["200", "OK", "FAILED"]),
                "user_id": lambda: str(self.r.randint(1, 10**7)),
                "session_id": lambda: self.hex(24),
                "port": lambda: str(self.r.randint(1024, 65535)),
                "amount": lambda: f"{self.r.random() * 500:.2f}",
                "created_at": self.iso,
                "name": lambda: self.pick(
                    [
                        "checkout",
                        "GET /api/v1/orders",
                        "Payment Service",
                        "db.query",
                        "Nightly Export",
                    ]
                ),
                "service.name": lambda: self.pick(SERVICES),
                "sha": lambda: self.hex(40),
                "node": lambda: (
                    f"ip-10-0-{self.r.randint(0, 255)}-{self.r.randint(0, 255)}.ec2.internal"
                ),
            }[key]()
            line.add(f',"{key}":"{value}"')
        line.add("}")
        return line

    def logfmt(self, items: list[tuple[str, str, str]]) -> Line:
        line = Line().add(f"time={self.iso()} level={self.pick(['info', 'warn', 'error'])} ")
        line.add(
            f'service={self.pick(SERVICES)} msg="{self.benign() if not items or self.r.random() < 0.6 else "update"}"'
        )
        for kind, key, value in items:
            quoted = " " in value or self.r.random() < 0.3
            line.add(f" {key.replace('.', '_')}=" + ('"' if quoted else "")).pii(kind, value).add(
                '"' if quoted else ""
            )
        line.add(
            f" duration={self.decoy() if self.r.random() < 0.5 else str(self.r.randint(1, 900)) + 'ms'} request_id={self.uuid()}"
        )
        return line

    def stack_trace(self, items: list[tuple[str, str, str]]) -> Line:
        if items:
            line = Line().add(
                self.pick(
                    [
                        "ValueError: ",
                        "java.lang.IllegalArgumentException: ",
                        "Caused by: java.sql.SQLIntegrityConstraintViolationException: ",
                        "RuntimeError: ",
                        "psycopg.errors.UniqueViolation: ",
                    ]
                )
            )
            for index, item in enumerate(items):
                if index:
                    line.add(" and ")
                self.phrase(line, *item)
            return line
        return Line().add(
            self.pick(
                [
                    f'  File "/app/{self.pick(SERVICES)}/handlers.py", line {self.r.randint(10, 900)}, in {self.pick(["charge", "handle", "dispatch", "_run"])}',
                    f"\tat com.acme.{self.pick(SERVICES)}.Processor.process(Processor.java:{self.r.randint(10, 900)})",
                    "\tat java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)",
                    "Traceback (most recent call last):",
                    f"  ... {self.r.randint(2, 40)} more",
                    f"TimeoutError: operation {self.uuid()} timed out after {self.r.randint(1, 60)}s",
                ]
            )
        )

    def span_dump(self, items: list[tuple[str, str, str]]) -> Line:
        line = Line().add(
            f"span name={self.pick(['HTTP GET', 'HTTP POST', 'db.query', 'kafka.produce'])} trace_id={self.hex(32)} span_id={self.hex(16)} "
        )
        line.add(
            f"parent_id={self.hex(16)} start={int(self.clock.timestamp() * 1e9)} duration_ns={self.r.randint(1000, 10**9)} attributes={{"
        )
        attrs = [
            f'"http.route": "{self.path()}"',
            f'"net.peer.port": {self.r.randint(1024, 65535)}',
            f'"k8s.pod.name": "{self.pod()}"',
            f'"service.version": "{self.r.randint(1, 4)}.{self.r.randint(0, 30)}.{self.r.randint(0, 9)}"',
        ]
        line.add(", ".join(self.r.sample(attrs, 2)))
        for kind, key, value in items:
            attr = {
                "EMAIL": "enduser.email",
                "IP_ADDRESS": "client.address",
                "PERSON": "user.full_name",
                "PHONE": "enduser.phone",
            }.get(kind, key)
            line.add(f', "{attr}": "').pii(kind, value).add('"')
        line.add("}")
        return line

    def prometheus(self, items: list[tuple[str, str, str]]) -> Line:
        name = self.pick(
            [
                "http_requests_total",
                "http_request_duration_seconds_bucket",
                "login_attempts_total",
                "payment_failures_total",
                "queue_depth",
            ]
        )
        line = Line().add(f'{name}{{service="{self.pick(SERVICES)}",pod="{self.pod()}"')
        for kind, key, value in items:
            line.add(f',{key.replace(".", "_").lower()}="').pii(kind, value).add('"')
        if name.endswith("bucket"):
            line.add(f',le="{self.pick(["0.005", "0.1", "0.5", "2.5", "+Inf"])}"')
        line.add(f"}} {self.r.randint(0, 10**7)} {int(self.clock.timestamp() * 1000)}")
        return line

    def sql(self, items: list[tuple[str, str, str]]) -> Line:
        t = self.tick()
        line = Line().add(
            f"{t.strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]} UTC [{self.r.randint(100, 65000)}] "
        )
        if not items:
            return line.add(
                self.pick(
                    [
                        f"LOG:  duration: {self.r.random() * 100:.3f} ms  statement: SELECT id, status FROM orders WHERE id = {self.r.randint(1, 10**6)}",
                        f"LOG:  checkpoint complete: wrote {self.r.randint(1, 9000)} buffers ({self.r.random() * 10:.1f}%); 0 WAL file(s) added",
                        f"LOG:  statement: UPDATE sessions SET expires_at = '{self.iso()}' WHERE token_hash = '{self.hex(64)}'",
                        f'ERROR:  duplicate key value violates unique constraint "orders_pkey" DETAIL: Key (id)=({self.r.randint(1, 10**6)}) already exists.',
                    ]
                )
            )
        if self.r.random() < 0.5:
            line.add(
                "LOG:  statement: INSERT INTO customers ("
                + ", ".join(k.split(".")[-1] for _, k, _ in items)
                + ") VALUES ("
            )
            for index, (kind, _key, value) in enumerate(items):
                line.add(", " if index else "").add("'").pii(kind, value).add("'")
            return line.add(")")
        line.add("LOG:  statement: SELECT * FROM customers WHERE ")
        for index, (kind, key, value) in enumerate(items):
            line.add(" AND " if index else "").add(f"{key.split('.')[-1]} = '").pii(
                kind, value
            ).add("'")
        return line

    def http_headers(self, items: list[tuple[str, str, str]]) -> Line:
        if not items:
            return Line().add(
                self.pick(
                    [
                        f"X-Request-Id: {self.uuid()}",
                        f"User-Agent: {self.pick(UAS)}",
                        f"traceparent: 00-{self.hex(32)}-{self.hex(16)}-01",
                        "Accept-Encoding: gzip, br",
                        f"Content-Length: {self.r.randint(0, 10**6)}",
                        f'ETag: W/"{self.hex(8)}-{self.hex(27)}"',
                        "Authorization: <redacted>",
                        f"Date: {self.tick().strftime('%a, %d %b %Y %H:%M:%S GMT')}",
                        f"X-Amzn-Trace-Id: Root=1-{self.hex(8)}-{self.hex(24)}",
                    ]
                )
            )
        kind, key, value = items[0]
        line = Line()
        if kind == "SECRET_TOKEN":
            return line.add(f"Authorization: {self.pick(['Bearer', 'Bearer', 'token'])} ").pii(
                kind, self.secret()
            )
        if kind == "IP_ADDRESS":
            line.add("X-Forwarded-For: ").pii(kind, value)
            if len(items) > 1 and items[1][0] == "IP_ADDRESS":
                line.add(", ").pii("IP_ADDRESS", items[1][2])
            return line
        if kind in ("EMAIL", "PERSON"):
            name = self.person()
            line.add(self.pick(["From: ", "To: ", "Reply-To: "])).pii("PERSON", name).add(" <").pii(
                "EMAIL", self.email(name)
            ).add(">")
            return line
        return line.add(f"X-{key.replace('_', '-').replace('.', '-').title()}: ").pii(kind, value)

    FORMATS = [
        "access_log",
        "syslog",
        "json_log",
        "json_log",
        "logfmt",
        "stack_trace",
        "span_dump",
        "prometheus",
        "sql",
        "http_headers",
    ]

    def __init__(self, seed: int, pii_share: float = 0.6) -> None:
        super().__init__(seed)
        self.pii_share = pii_share

    def line(self) -> dict[str, object]:
        fmt = self.pick(self.FORMATS)
        has_pii = self.r.random() < self.pii_share
        if fmt == "access_log" and not has_pii:
            items: list[tuple[str, str, str]] = []
        elif has_pii:
            items = [self.pii_item() for _ in range(self.r.choices([1, 2, 3], [6, 3, 1])[0])]
        else:
            items = []
        return getattr(self, fmt)(items).record()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument(
        "--bytes", type=int, help="write lines until this many bytes (implies --text)"
    )
    parser.add_argument("--text", action="store_true", help="plain log lines, no labels")
    parser.add_argument(
        "--pii-share",
        type=float,
        default=0.6,
        help="share of lines that hold personal data (default 0.6)",
    )
    args = parser.parse_args()
    corpus = Corpus(args.seed, args.pii_share)
    out = sys.stdout
    if args.bytes:
        written = 0
        while written < args.bytes:
            chunk = "".join(corpus.line()["text"] + "\n" for _ in range(1000))  # type: ignore[operator]
            out.write(chunk)
            written += len(chunk.encode())
        return
    for _ in range(args.lines):
        record = corpus.line()
        out.write((record["text"] if args.text else json.dumps(record, ensure_ascii=False)) + "\n")  # type: ignore[operator]


if __name__ == "__main__":
    main()
