#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A second, independent implementation of the activation formats (Python and
the `cryptography` package instead of C and OpenSSL) that computes the test
vectors of docs/activation.md.

    activation-vectors.py            print the vectors
    activation-vectors.py --check F  fail unless every vector line in F matches
"""

import base64
import hashlib
import hmac
import struct
import sys

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:
    print("python3-cryptography is not installed (build-aux/install-deps.sh installs it)")
    sys.exit(77)  # meson: skipped

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def b32(data):
    return base64.b32encode(data).decode("ascii").rstrip("=")


def am1_bytes(v):
    body = struct.pack(">BBBBH", 1, v["type"], v["algorithm"], v["digits"], v["period"])
    body += v["activation_id"] + v["activation_key"] + struct.pack(">Q", v["expires"])
    for name in ("serial", "issuer", "label"):
        raw = v[name].encode("utf-8")
        body += bytes([len(raw)]) + raw
    return body + hashlib.sha256(body).digest()[:4]


def device_code_bytes(v):
    device_id = hmac.new(v["binding_secret"],
                         b"latchkey device id v1\x00" + v["serial"].encode("ascii"),
                         hashlib.sha256).digest()[:7]
    head = b"\x01" + device_id
    check = hmac.new(v["activation_key"],
                     b"latchkey device code v1\x00" + v["activation_id"] + head,
                     hashlib.sha256).digest()[:4]
    return head + check


def device_code_text(code):
    number = int.from_bytes(code, "big")
    digits = []
    for _ in range(19):
        number, digit = divmod(number, 31)
        digits.append(digit)
    assert number == 0
    digits.reverse()
    weighted = sum((i + 1) * d for i, d in enumerate(digits)) % 31
    digits.append((31 - weighted) * 14 % 31)
    assert sum((i + 1) * d for i, d in enumerate(digits)) % 31 == 0
    text = "".join(ALPHABET[d] for d in digits)
    return "-".join(text[i:i + 5] for i in range(0, 20, 5))


def am2_key(v, code):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes(32),
                info=b"latchkey activation v1" + v["activation_id"]).derive(v["activation_key"] + code)


def am2_bytes(v, code):
    header = b"\x01" + v["activation_id"] + struct.pack(">I", v["instance"])
    plain = struct.pack(">BBBHQB", v["type"], v["algorithm"], v["digits"], v["period"],
                        v["counter"], len(v["seed"])) + v["seed"]
    sealed = AESGCM(am2_key(v, code)).encrypt(v["nonce"], plain, header)
    return header + v["nonce"] + sealed


def hotp(seed, counter, digits, digest):
    mac = hmac.new(seed, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


VECTORS = [
    {
        "name": "1",
        "activation_id": bytes.fromhex("0123456789abcdef"),
        "activation_key": bytes(range(16)),
        "expires": 1767225600,
        "serial": "LK-000042",
        "issuer": "ACME",
        "label": "alice@example.com",
        "type": 0, "algorithm": 0, "digits": 6, "period": 30,
        "binding_secret": bytes(range(0xA0, 0xC0)),
        "instance": 1,
        "nonce": bytes(range(0xC0, 0xCC)),
        "counter": 0,
        "seed": b"12345678901234567890",
        "otp_time": 1767225000,
    },
    {
        "name": "2",
        "activation_id": bytes.fromhex("fedcba9876543210"),
        "activation_key": bytes(range(0x40, 0x50)),
        "expires": 4102444800,
        "serial": "MDL-7",
        "issuer": "Caf\u00e9 R\u00fcsli",
        "label": "j\u00fcrgen",
        "type": 1, "algorithm": 1, "digits": 8, "period": 0,
        "binding_secret": bytes(32),
        "instance": 65537,
        "nonce": bytes(12),
        "counter": 0,
        "seed": b"12345678901234567890123456789012",
        "otp_time": 0,
    },
]

DIGESTS = [hashlib.sha1, hashlib.sha256, hashlib.sha512]


def compute(v):
    out = {}
    am1 = am1_bytes(v)
    code = device_code_bytes(v)
    out["am1-hex"] = am1.hex()
    out["am1"] = "LKAM1:" + b32(am1)
    out["device-id"] = code[1:8].hex()
    out["device-code-hex"] = code.hex()
    out["device-code"] = device_code_text(code)
    out["am2-key"] = am2_key(v, code).hex()
    am2 = am2_bytes(v, code)
    out["am2-hex"] = am2.hex()
    out["am2"] = "LKAM2:" + b32(am2)
    if v["type"] == 0:
        counter = v["otp_time"] // v["period"]
    else:
        counter = v["counter"]
    out["first-otp"] = hotp(v["seed"], counter, v["digits"], DIGESTS[v["algorithm"]])
    return out


def main():
    results = {v["name"]: compute(v) for v in VECTORS}
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        # Lines "vector N key: value" inside the doc's code blocks.
        seen = 0
        with open(sys.argv[2], encoding="utf-8") as doc:
            for line in doc:
                line = line.strip()
                if not line.startswith("vector ") or ": " not in line:
                    continue
                head, value = line.split(": ", 1)
                _, name, key = head.split(" ", 2)
                expected = results[name][key]
                if value != expected:
                    print(f"vector {name} {key}: doc has {value}, computed {expected}")
                    return 1
                seen += 1
        total = sum(len(r) for r in results.values())
        if seen != total:
            print(f"the doc lists {seen} vector values, expected {total}")
            return 1
        print(f"all {seen} vector values match")
        return 0
    for name, values in results.items():
        for key, value in values.items():
            print(f"vector {name} {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
