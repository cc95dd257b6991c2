#!/usr/bin/env python3
"""Writes a synthetic PII development corpus for the guard layer's PII scanner.

Every record is one JSON line:
  {"text": "...", "spans": [{"type": "EMAIL_ADDRESS", "start": N, "end": N}]}
with offsets in Unicode code points (Python string indices), end exclusive.

Sentences are in English, Spanish and Russian and cover every type the PII
scanner reports (EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE,
IP_ADDRESS, US_SSN, ES_NIF, ES_NIE, ES_CIF, RU_INN, RU_SNILS, RU_OGRN) in
varied formats, mixed with hard negatives that must NOT be reported: order
and tracking numbers, dates, version strings, prices, numbers that fail
their checksum, UUIDs, git hashes, ISBNs, timestamps. All values are
generated here (no third-party data); the output is deterministic for a
given --seed. Write it outside the repository:

  python3 scripts/guard-eval/make_pii_corpus.py --out /tmp/pii_corpus.jsonl
"""

import argparse
import json
import random
import string

# ---------------------------------------------------------------- checksums


def luhn_digit(body):
    """The check digit that makes body + digit Luhn-valid."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_check(country, bban):
    s = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in s)
    return "%02d" % (98 - int(num) % 97)


def iban_ok(iban):
    s = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in s)) % 97 == 1


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def cif_control(org, digits):
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == 1:
            total += d
        else:
            dd = 2 * d
            total += dd // 10 + dd % 10
    c = (10 - total % 10) % 10
    if org in "NPQRSW" or digits[:2] == "00":
        return "JABCDEFGHI"[c]
    if org in "ABEH":
        return str(c)
    return random.choice([str(c), "JABCDEFGHI"[c]])


def inn10(body9):
    w = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    return body9 + str(sum(int(a) * b for a, b in zip(body9, w)) % 11 % 10)


def inn12(body10):
    w1 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    w2 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    s = body10 + str(sum(int(a) * b for a, b in zip(body10, w1)) % 11 % 10)
    return s + str(sum(int(a) * b for a, b in zip(s, w2)) % 11 % 10)


def snils_check(body9):
    s = sum(int(d) * (9 - i) for i, d in enumerate(body9))
    if s < 100:
        c = s
    elif s in (100, 101):
        c = 0
    else:
        c = s % 101
        if c == 100:
            c = 0
    return "%02d" % c


def ogrn(body12):
    return body12 + str(int(body12) % 11 % 10)


def ogrnip(body14):
    return body14 + str(int(body14) % 13 % 10)


# ---------------------------------------------------------------- values


def digits(n):
    return "".join(random.choice(string.digits) for _ in range(n))


def off_by_one(s):
    """The same string with one digit changed (the checksum then fails, for all
    the checksums here: each catches every single-digit error)."""
    idx = [i for i, c in enumerate(s) if c.isdigit()]
    i = random.choice(idx)
    d = str((int(s[i]) + random.randint(1, 9)) % 10)
    return s[:i] + d + s[i + 1:]


CARD_PREFIXES = [
    ("4", 16), ("4", 16), ("4", 13), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("2720", 16),
    ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("644", 16), ("3528", 16), ("3589", 16),
    ("36", 14), ("38", 14), ("300", 14), ("62", 16), ("6759", 16), ("5018", 16), ("2200", 16), ("2204", 16),
]


def card_digits():
    prefix, n = random.choice(CARD_PREFIXES)
    body = prefix + digits(n - len(prefix) - 1)
    return body + luhn_digit(body)


def format_card(d):
    style = random.random()
    if len(d) == 15:
        if style < 0.6:
            return "%s %s %s" % (d[:4], d[4:10], d[10:])
        return d
    if len(d) == 14 and style < 0.5:
        return "%s %s %s" % (d[:4], d[4:10], d[10:])
    groups = [d[i:i + 4] for i in range(0, len(d), 4)]
    if style < 0.45:
        return " ".join(groups)
    if style < 0.75:
        return "-".join(groups)
    return d


IBAN_BBAN = {
    "ES": lambda: digits(20), "DE": lambda: digits(18), "FR": lambda: digits(10) + "".join(
        random.choice(string.ascii_uppercase + string.digits) for _ in range(11)) + digits(2),
    "GB": lambda: "".join(random.choice(string.ascii_uppercase) for _ in range(4)) + digits(14),
    "IT": lambda: random.choice(string.ascii_uppercase) + digits(10) + digits(12),
    "NL": lambda: "".join(random.choice(string.ascii_uppercase) for _ in range(4)) + digits(10),
    "PT": lambda: digits(21), "BE": lambda: digits(12), "CH": lambda: digits(17), "AT": lambda: digits(16),
    "RU": lambda: digits(29), "PL": lambda: digits(24), "SE": lambda: digits(20), "IE": lambda: "AIBK" + digits(14),
    "NO": lambda: digits(11), "BR": lambda: digits(23) + random.choice("CP") + random.choice("12"),
}


def iban_compact():
    country = random.choice(list(IBAN_BBAN))
    bban = IBAN_BBAN[country]()
    return country + iban_check(country, bban) + bban


def format_iban(s):
    if random.random() < 0.6:
        return " ".join(s[i:i + 4] for i in range(0, len(s), 4))
    return s


def ipv4():
    kind = random.random()
    if kind < 0.3:
        return "192.168.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
    if kind < 0.45:
        return "10.%d.%d.%d" % (random.randint(0, 255), random.randint(0, 255), random.randint(1, 254))
    return "%d.%d.%d.%d" % (random.randint(11, 223), random.randint(0, 255), random.randint(0, 255),
                            random.randint(1, 254))


def ipv6():
    groups = ["%x" % random.randint(0, 0xFFFF) for _ in range(8)]
    kind = random.random()
    if kind < 0.3:
        return ":".join(groups)
    if kind < 0.55:
        return "2001:db8::" + ":".join(groups[5:])
    if kind < 0.7:
        return "fe80::" + ":".join(groups[4:])
    if kind < 0.85:
        return "::ffff:" + ipv4()
    return ":".join(groups[:3]) + "::" + groups[7]


def ssn_digits():
    while True:
        area = random.randint(1, 899)
        if area == 666:
            continue
        s = "%03d%02d%04d" % (area, random.randint(1, 99), random.randint(1, 9999))
        if s not in ("078051120", "219099999", "457555462", "123456789"):
            return s


def format_ssn(s):
    r = random.random()
    if r < 0.75:
        return "%s-%s-%s" % (s[:3], s[3:5], s[5:])
    if r < 0.9:
        return "%s %s %s" % (s[:3], s[3:5], s[5:])
    return s


def dni():
    n = random.randint(0, 99999999)
    d = "%08d" % n
    letter = DNI_LETTERS[n % 23]
    if random.random() < 0.05:
        letter = letter.lower()
    r = random.random()
    if r < 0.6:
        return d + letter
    if r < 0.8:
        return d + "-" + letter
    if r < 0.9:
        return "%s.%s.%s-%s" % (d[:2], d[2:5], d[5:], letter)
    return d + " " + letter


def nie():
    lead = random.choice("XYZ")
    body = digits(7)
    letter = DNI_LETTERS[int(str("XYZ".index(lead)) + body) % 23]
    if random.random() < 0.75:
        return lead + body + letter
    return "%s-%s-%s" % (lead, body, letter)


def cif():
    org = random.choice("ABBBBBCDEFGHJNPQRSUVW")
    body = digits(7)
    return org + body + cif_control(org, body)


def inn():
    if random.random() < 0.5:
        return inn10("%02d" % random.randint(1, 99) + digits(7))
    return inn12("%02d" % random.randint(1, 99) + digits(8))


def snils():
    while True:
        body = digits(9)
        if int(body) > 1001998:
            break
    s = body + snils_check(body)
    r = random.random()
    if r < 0.65:
        return "%s-%s-%s %s" % (s[:3], s[3:6], s[6:9], s[9:])
    if r < 0.75:
        return "%s-%s-%s-%s" % (s[:3], s[3:6], s[6:9], s[9:])
    return s


def ogrn_any():
    if random.random() < 0.7:
        return ogrn(random.choice("15") + "%02d" % random.randint(2, 24) + "%02d" % random.randint(1, 99) + digits(7))
    return ogrnip("3" + "%02d" % random.randint(4, 24) + "%02d" % random.randint(1, 99) + digits(9))


FIRST = ["john", "mary", "alex", "sarah", "david", "laura", "juan", "maria", "carlos", "lucia", "javier", "ivan",
         "olga", "sergey", "anna", "dmitry", "elena", "pablo", "sofia", "mikhail"]
LAST = ["smith", "johnson", "garcia", "martinez", "lopez", "fernandez", "ivanov", "petrova", "smirnov", "kuznetsova",
        "brown", "sanchez", "popov", "volkova", "miller", "romero"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "example.org", "company.io", "correo.es", "empresa.com.mx",
           "telefonica.net", "mail.ru", "yandex.ru", "rambler.ru", "uni-madrid.es", "bigcorp.co.uk", "inbox.ru"]


def email():
    f, l = random.choice(FIRST), random.choice(LAST)
    r = random.random()
    if r < 0.35:
        user = f + "." + l
    elif r < 0.55:
        user = f[0] + l + str(random.randint(1, 99))
    elif r < 0.7:
        user = f + "_" + l
    elif r < 0.8:
        user = f + "+" + random.choice(["news", "shop", "work"])
    else:
        user = f + str(random.randint(1970, 2005))
    if random.random() < 0.1:
        user = user.capitalize()
    return user + "@" + random.choice(DOMAINS)


def phone(lang):
    """A phone number in a format of a country likely for the language."""
    nd = lambda n: digits(n)
    us = lambda: random.choice("23456789") + nd(2)
    ex = lambda: random.choice("23456789") + nd(2)
    choices = {
        "en": [
            lambda: "(%s) %s-%s" % (us(), ex(), nd(4)),
            lambda: "%s-%s-%s" % (us(), ex(), nd(4)),
            lambda: "%s.%s.%s" % (us(), ex(), nd(4)),
            lambda: "+1 %s %s %s" % (us(), ex(), nd(4)),
            lambda: "+1-%s-%s-%s" % (us(), ex(), nd(4)),
            lambda: "1-800-%s-%s" % (ex(), nd(4)),
            lambda: "+44 20 %s %s" % (nd(4), nd(4)),
            lambda: "020 %s %s" % (nd(4), nd(4)),
            lambda: "07700 %s" % nd(6),
            lambda: "+44 7700 %s" % nd(6),
            lambda: "+49 30 %s" % nd(8),
            lambda: "+33 1 %s %s %s %s" % (nd(2), nd(2), nd(2), nd(2)),
            lambda: "+39 06 %s %s" % (nd(4), nd(4)),
            lambda: "+61 2 %s %s" % (nd(4), nd(4)),
            lambda: "+44 (0)20 %s %s" % (nd(4), nd(4)),
            lambda: "030 %s" % nd(8),
            lambda: "+1.%s.%s.%s" % (us(), ex(), nd(4)),
            lambda: "%s %s %s" % (us(), ex(), nd(4)),
            lambda: "+39 333 %s %s" % (nd(3), nd(4)),
            lambda: "01 %s %s %s %s" % (nd(2), nd(2), nd(2), nd(2)),
        ],
        "es": [
            lambda: "6%s %s %s" % (nd(2), nd(3), nd(3)),
            lambda: "6%s %s %s %s" % (nd(2), nd(2), nd(2), nd(2)),
            lambda: "+34 6%s %s %s" % (nd(2), nd(3), nd(3)),
            lambda: "+34 91 %s %s %s" % (nd(3), nd(2), nd(2)),
            lambda: "91 %s %s %s" % (nd(3), nd(2), nd(2)),
            lambda: "0034 6%s" % nd(8),
            lambda: "+52 55 %s %s" % (nd(4), nd(4)),
            lambda: "55 %s %s" % (nd(4), nd(4)),
            lambda: "+54 9 11 %s-%s" % (nd(4), nd(4)),
            lambda: "011 4%s-%s" % (nd(3), nd(4)),
            lambda: "+55 11 9%s-%s" % (nd(4), nd(4)),
            lambda: "(11) 9%s-%s" % (nd(4), nd(4)),
            lambda: "+57 310 %s %s" % (nd(3), nd(4)),
            lambda: "+56 9 %s %s" % (nd(4), nd(4)),
            lambda: "(+34) 6%s %s %s %s" % (nd(2), nd(2), nd(2), nd(2)),
            lambda: "900 %s %s" % (nd(3), nd(3)),
            lambda: "(55) %s-%s" % (nd(4), nd(4)),
            lambda: "+34-6%s-%s-%s" % (nd(2), nd(3), nd(3)),
        ],
        "ru": [
            lambda: "+7 (9%s) %s-%s-%s" % (nd(2), nd(3), nd(2), nd(2)),
            lambda: "8 (9%s) %s-%s-%s" % (nd(2), nd(3), nd(2), nd(2)),
            lambda: "8-9%s-%s-%s-%s" % (nd(2), nd(3), nd(2), nd(2)),
            lambda: "+7 9%s %s %s %s" % (nd(2), nd(3), nd(2), nd(2)),
            lambda: "+79%s" % nd(9),
            lambda: "8 495 %s-%s-%s" % (nd(3), nd(2), nd(2)),
            lambda: "+7 (495) %s-%s-%s" % (nd(3), nd(2), nd(2)),
            lambda: "+375 29 %s-%s-%s" % (nd(3), nd(2), nd(2)),
            lambda: "+380 44 %s %s %s" % (nd(3), nd(2), nd(2)),
            lambda: "+49 151 %s" % nd(8),
            lambda: "+7(9%s)%s" % (nd(2), nd(7)),
            lambda: "8 800 %s-%s-%s" % (nd(3), nd(2), nd(2)),
            lambda: "8(9%s)%s-%s-%s" % (nd(2), nd(3), nd(2), nd(2)),
        ],
    }
    return random.choice(choices[lang])()


# ---------------------------------------------------------------- negatives


def neg_value(lang):
    """A hard negative: looks like a number of interest, is not one."""
    kinds = [
        lambda: "%d-%02d-%02d" % (random.randint(1990, 2030), random.randint(1, 12), random.randint(1, 28)),
        lambda: "%02d/%02d/%d" % (random.randint(1, 28), random.randint(1, 12), random.randint(1990, 2030)),
        lambda: "%02d.%02d.%d" % (random.randint(1, 28), random.randint(1, 12), random.randint(1990, 2030)),
        lambda: "%d.%d.%d" % (random.randint(0, 9), random.randint(0, 20), random.randint(0, 99)),
        lambda: "%d.%d.%d.%d.%d" % tuple(random.randint(0, 20) for _ in range(5)),
        lambda: "v%d.%d.%d" % (random.randint(0, 9), random.randint(0, 20), random.randint(0, 99)),
        lambda: "%s-%s-%s-%s-%s" % tuple("".join(random.choice("0123456789abcdef") for _ in range(n))
                                         for n in (8, 4, 4, 4, 12)),
        lambda: "".join(random.choice("0123456789abcdef") for _ in range(40)),
        lambda: "".join(random.choice("0123456789abcdef") for _ in range(7)),
        lambda: "978-%d-%02d-%06d-%d" % (random.randint(0, 9), random.randint(0, 99), random.randint(0, 999999),
                                        random.randint(0, 9)),
        lambda: "%d" % random.randint(1_600_000_000, 1_800_000_000),
        lambda: "1Z%s%s" % ("".join(random.choice(string.ascii_uppercase) for _ in range(5)), digits(11)),
        lambda: corrupt(lambda: format_card(card_digits()), lambda s: luhn_ok(s)),
        lambda: corrupt(lambda: format_iban(iban_compact()), iban_ok),
        lambda: corrupt(inn, inn_ok),
        lambda: corrupt(snils, snils_ok),
        lambda: corrupt(ogrn_any, ogrn_ok),
        bad_dni,
        lambda: "#%d" % random.randint(10000, 99999999),
        lambda: "%d %03d %03d" % (random.randint(1, 99), random.randint(0, 999), random.randint(0, 999)),
        lambda: "%d:%02d" % (random.randint(0, 23), random.randint(0, 59)),
        lambda: "%d.%d.%d.%d" % (random.randint(1, 20), random.randint(0, 9), random.randint(10000, 30000),
                                 random.randint(1000, 9999)),
        lambda: "%.4f, %.4f" % (random.uniform(-90, 90), random.uniform(-180, 180)),
        lambda: "%s%07d" % (random.choice("ABCDEFGH"), random.randint(0, 9999999)),
        lambda: "%d%02d%02d%02d%02d%02d" % (random.randint(2000, 2030), random.randint(1, 12), random.randint(1, 28),
                                           random.randint(0, 23), random.randint(0, 59), random.randint(0, 59)),
        lambda: "%d" % random.randint(1_600_000_000_000, 1_800_000_000_000),
    ]
    return random.choice(kinds)()


def only_digits(s):
    return "".join(c for c in s if c.isdigit())


def corrupt(make, valid):
    """A value of the right shape whose checksum fails."""
    while True:
        s = off_by_one(make())
        compact = s.replace(" ", "").replace("-", "")
        if not valid(compact if compact[:2].isalpha() else only_digits(s)):
            return s


def inn_ok(d):
    return (len(d) == 10 and inn10(d[:9]) == d) or (len(d) == 12 and inn12(d[:10]) == d)


def snils_ok(d):
    return len(d) == 11 and snils_check(d[:9]) == d[9:]


def ogrn_ok(d):
    return (len(d) == 13 and ogrn(d[:12]) == d) or (len(d) == 15 and ogrnip(d[:14]) == d)


def bad_dni():
    n = random.randint(0, 99999999)
    good = DNI_LETTERS[n % 23]
    bad = random.choice([c for c in DNI_LETTERS if c != good])
    return "%08d%s" % (n, bad)


def price(lang):
    if lang == "en":
        return random.choice(["$%d,%03d.%02d" % (random.randint(1, 999), random.randint(0, 999), random.randint(0, 99)),
                              "USD %d" % random.randint(100, 99999)])
    if lang == "es":
        return random.choice(["%d.%03d,%02d €" % (random.randint(1, 999), random.randint(0, 999), random.randint(0, 99)),
                              "%d euros" % random.randint(10, 9999)])
    return random.choice(["%d %03d руб." % (random.randint(1, 999), random.randint(0, 999)),
                          "%d ₽" % random.randint(100, 99999)])


# ---------------------------------------------------------------- sentences

# {T:TYPE} marks an entity of TYPE; {NEG} a hard negative; {PRICE} a price;
# {ORDER} an order number. The same type may appear once per template.
TEMPLATES = {
    "en": [
        "Please contact me at {T:EMAIL_ADDRESS} or call {T:PHONE_NUMBER} after 5pm.",
        "My phone number is {T:PHONE_NUMBER}.",
        "You can reach our support team at {T:PHONE_NUMBER}, Monday to Friday.",
        "Send the report to {T:EMAIL_ADDRESS} before {NEG}.",
        "My credit card number is {T:CREDIT_CARD} and it expires 09/27.",
        "Charge it to the Visa ending in 1111, full number {T:CREDIT_CARD}.",
        "Card: {T:CREDIT_CARD}, CVV 123.",
        "Wire the money to IBAN {T:IBAN_CODE} by Friday.",
        "Our account details: {T:IBAN_CODE} (Deutsche Bank).",
        "The server at {T:IP_ADDRESS} stopped responding after the {NEG} deploy.",
        "Block traffic from {T:IP_ADDRESS} in the firewall.",
        "ssh admin@{T:IP_ADDRESS} -p 2222",
        "Her SSN is {T:US_SSN}, please keep it confidential.",
        "Social Security Number: {T:US_SSN}",
        "Employee record: name John Doe, SSN {T:US_SSN}, phone {T:PHONE_NUMBER}.",
        "Order {ORDER} shipped on {NEG}, total {PRICE}.",
        "We upgraded to version {NEG} last week; see build {NEG}.",
        "The commit {NEG} fixed the bug reported in ticket {ORDER}.",
        "The invoice number is {ORDER} and the amount due is {PRICE}.",
        "Request id {NEG} failed at {NEG}.",
        "I tried the card {NEG} but it was declined.",
        "Meeting moved to {NEG}, room 4.2.",
        "Population grew to {NEG} by 2020.",
        "My email is {T:EMAIL_ADDRESS}; my IP was {T:IP_ADDRESS} when it happened.",
        "The Spanish client (DNI {T:ES_NIF}) paid with card {T:CREDIT_CARD}.",
        "Customer tax ID (INN) {T:RU_INN}, contact {T:EMAIL_ADDRESS}.",
        "ISBN {NEG}, printed {NEG}.",
        "Dial {T:PHONE_NUMBER} for reservations.",
        "fax: {T:PHONE_NUMBER}",
        "Your tracking number is {NEG}.",
        "Hi team, I'm reachable on {T:PHONE_NUMBER} or {T:EMAIL_ADDRESS}.",
        "Our London desk: {T:PHONE_NUMBER}",
        "client ip={T:IP_ADDRESS} user-agent=curl/8.1",
        "Upgrade to {NEG} before {NEG}; python {NEG}",
        "Paid with {T:CREDIT_CARD} yesterday, receipt {ORDER}.",
        "beneficiary account {T:IBAN_CODE}",
        "{T:EMAIL_ADDRESS} wrote: the build {NEG} is broken",
        "Coordinates {NEG}, elevation 667 m, product code {ORDER}.",
    ],
    "es": [
        "Mi DNI es {T:ES_NIF} y mi teléfono es {T:PHONE_NUMBER}.",
        "Puedes escribirme a {T:EMAIL_ADDRESS} o llamarme al {T:PHONE_NUMBER}.",
        "Llámame al {T:PHONE_NUMBER} cuando llegues.",
        "El NIE del trabajador es {T:ES_NIE}.",
        "Número de identidad de extranjero: {T:ES_NIE}, válido hasta {NEG}.",
        "La empresa tiene CIF {T:ES_CIF} y domicilio en Madrid.",
        "Factura a nombre de Construcciones López S.L., CIF {T:ES_CIF}.",
        "Paga con la tarjeta {T:CREDIT_CARD} antes del viernes.",
        "Mi tarjeta de crédito es {T:CREDIT_CARD}.",
        "Haz la transferencia a la cuenta {T:IBAN_CODE}.",
        "IBAN: {T:IBAN_CODE} (titular: María García).",
        "El servidor con dirección IP {T:IP_ADDRESS} no responde.",
        "Conéctate a {T:IP_ADDRESS} con tu usuario.",
        "El pedido {ORDER} se envió el {NEG} por {PRICE}.",
        "Actualizamos a la versión {NEG} el {NEG}.",
        "La factura número {ORDER} asciende a {PRICE}.",
        "Teléfono de contacto: {T:PHONE_NUMBER}",
        "Mi correo es {T:EMAIL_ADDRESS}, escríbeme.",
        "DNI: {T:ES_NIF}, correo: {T:EMAIL_ADDRESS}",
        "El número de seguimiento es {NEG}.",
        "Intenté pagar con {NEG} pero la tarjeta fue rechazada.",
        "El contrato se firmó el {NEG} con el cliente {NEG}.",
        "Su número de la seguridad social en EE. UU. (SSN) es {T:US_SSN}.",
        "Envíame los datos a {T:EMAIL_ADDRESS} y confirma por whatsapp al {T:PHONE_NUMBER}.",
        "El proveedor ruso con INN {T:RU_INN} emitió la factura {ORDER}.",
        "Referencia del expediente: {NEG}.",
        "Atención al cliente: {T:PHONE_NUMBER} (de 9 a 18 h).",
        "Titular con D.N.I. {T:ES_NIF}, domicilio en Sevilla.",
        "Sociedad con NIF {T:ES_CIF}, inscrita el {NEG}.",
        "Permiso de residencia {T:ES_NIE}; contacto {T:EMAIL_ADDRESS}.",
        "Total del pedido: {PRICE}. Código de producto {ORDER}.",
        "El router tiene la IP {T:IP_ADDRESS}.",
    ],
    "ru": [
        "Мой телефон {T:PHONE_NUMBER}, звоните после шести.",
        "Позвоните мне по номеру {T:PHONE_NUMBER}.",
        "Пишите на почту {T:EMAIL_ADDRESS} или звоните {T:PHONE_NUMBER}.",
        "ИНН организации: {T:RU_INN}, КПП 773601001.",
        "Укажите ИНН {T:RU_INN} в платёжке.",
        "ИНН {T:RU_INN}, ОГРН {T:RU_OGRN}.",
        "СНИЛС сотрудника: {T:RU_SNILS}.",
        "Номер СНИЛС {T:RU_SNILS} указан в анкете.",
        "ОГРН {T:RU_OGRN} присвоен при регистрации.",
        "Реквизиты ИП: ОГРНИП {T:RU_OGRN}.",
        "Номер карты {T:CREDIT_CARD}, срок действия 12/26.",
        "Оплатите картой {T:CREDIT_CARD}.",
        "Переведите деньги на счёт {T:IBAN_CODE}.",
        "Сервер {T:IP_ADDRESS} недоступен с утра.",
        "Подключитесь к адресу {T:IP_ADDRESS} по SSH.",
        "Заказ № {ORDER} от {NEG} на сумму {PRICE}.",
        "Обновите программу до версии {NEG}.",
        "Счёт-фактура {ORDER} оплачена {NEG}.",
        "Мой email: {T:EMAIL_ADDRESS}.",
        "Трек-номер посылки {NEG}.",
        "Коммит {NEG} исправил ошибку.",
        "Население города {NEG} человек.",
        "Договор № {NEG} от {NEG}.",
        "Контактный телефон: {T:PHONE_NUMBER}, e-mail: {T:EMAIL_ADDRESS}.",
        "Клиент из Испании, DNI {T:ES_NIF}, телефон {T:PHONE_NUMBER}.",
        "Карта {NEG} заблокирована.",
        "ИНН/КПП {T:RU_INN}/773601001",
        "ИП Иванов И.И., ИНН {T:RU_INN}, ОГРНИП {T:RU_OGRN}",
        "Горячая линия {T:PHONE_NUMBER}, звонок бесплатный.",
        "Страховой номер (СНИЛС) {T:RU_SNILS}.",
        "Адрес сервера — {T:IP_ADDRESS}",
        "Версия прошивки {NEG}, сборка {NEG}.",
        "Итого к оплате: {PRICE}, заказ {ORDER}.",
    ],
}

GENERATORS = {
    "EMAIL_ADDRESS": lambda lang: email(),
    "PHONE_NUMBER": phone,
    "CREDIT_CARD": lambda lang: format_card(card_digits()),
    "IBAN_CODE": lambda lang: format_iban(iban_compact()),
    "IP_ADDRESS": lambda lang: ipv4() if random.random() < 0.65 else ipv6(),
    "US_SSN": lambda lang: format_ssn(ssn_digits()),
    "ES_NIF": lambda lang: dni(),
    "ES_NIE": lambda lang: nie(),
    "ES_CIF": lambda lang: cif(),
    "RU_INN": lambda lang: inn(),
    "RU_SNILS": lambda lang: snils(),
    "RU_OGRN": lambda lang: ogrn_any(),
}


def order_number(lang):
    return random.choice([
        "%d" % random.randint(100000, 99999999),
        "#%d" % random.randint(1000, 9999999),
        "A-%d" % random.randint(10000, 999999),
        "%d-%d" % (random.randint(2019, 2026), random.randint(1000, 99999)),
        "%s%d" % (random.choice(["ORD", "PED", "INV"]), random.randint(10000, 9999999)),
    ])


def render(template, lang):
    """Fills a template; returns (text, spans)."""
    out = []
    spans = []
    pos = 0
    i = 0
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            tag = template[i + 1:j]
            if tag.startswith("T:"):
                kind = tag[2:]
                value = GENERATORS[kind](lang)
                spans.append({"type": kind, "start": pos, "end": pos + len(value)})
            elif tag == "NEG":
                value = neg_value(lang)
            elif tag == "PRICE":
                value = price(lang)
            elif tag == "ORDER":
                value = order_number(lang)
            else:
                raise ValueError(tag)
            out.append(value)
            pos += len(value)
            i = j + 1
        else:
            out.append(template[i])
            pos += 1
            i += 1
    return "".join(out), spans


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output JSONL path (outside the repository)")
    ap.add_argument("--records", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20261207)
    args = ap.parse_args()
    random.seed(args.seed)
    langs = list(TEMPLATES)
    with open(args.out, "w", encoding="utf-8") as f:
        for _ in range(args.records):
            lang = random.choice(langs)
            # One to three sentences per record, so context from a neighbour
            # sentence is part of the test.
            parts = []
            spans = []
            offset = 0
            for _ in range(random.choice([1, 1, 1, 2, 3])):
                text, sp = render(random.choice(TEMPLATES[lang]), lang)
                if parts:
                    parts.append(" ")
                    offset += 1
                for s in sp:
                    spans.append({"type": s["type"], "start": s["start"] + offset, "end": s["end"] + offset})
                parts.append(text)
                offset += len(text)
            f.write(json.dumps({"text": "".join(parts), "spans": spans}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
