#!/usr/bin/python3
"""An independent implementation of the BRAID signing rule, for interop tests.

Written against design.md only, with Debian's python3-cbor2, python3-nacl and
python3-cryptography; it shares no code with TimeMark. Signing input for a
signature stored under key K: 0xBF, the raw bytes of every key/value pair
before K, 0xFF.

Commands (hex on stdin/stdout; exit 0 ok, 1 check failed, 2 usage):
  device-sign ed25519 SEED_HEX [--definite]   build and sign a datagram
  device-sign p256 PKCS8_PEM_PATH [--definite]
  plugin-mark SEED_HEX INGESTION_MS < DATAGRAM_HEX
      mark as the Mosquitto time-mark plugin does: add INGESTION_TIME, then
      VERIFICATION_TOKEN = Ed25519 over the indefinite map so far (no LOG_INDEX)
  verify-token PUBLIC_HEX < RECORD_HEX
      check VERIFICATION_TOKEN with a raw 32-byte Ed25519 public key
"""
import io
import sys

import cbor2
import nacl.exceptions
import nacl.signing
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

BODY = {"temp": 21.5, "hum": 40, "ok": True}


def pair(key, value):
    return cbor2.dumps(key) + cbor2.dumps(value)


def device_pairs(ts=1700000000, ver=42, action=3):
    return (pair("TS", ts) + pair("VER", ver) + pair("PROT", 1) + pair("ACTION", action)
            + pair("STATUS", 0) + pair("BODY", BODY))


def frame(pairs, count, definite):
    if definite:
        assert count < 24
        return bytes([0xA0 + count]) + pairs
    return b"\xbf" + pairs + b"\xff"


def split_pairs(record):
    """Return the raw bytes of each (key, value) pair and the map style."""
    if record[0] == 0xBF:
        fp, definite, count = io.BytesIO(record[1:]), False, None
    elif 0xA0 <= record[0] <= 0xB7:
        fp, definite, count = io.BytesIO(record[1:]), True, record[0] - 0xA0
    else:
        raise ValueError("not a map with a short header")
    decoder = cbor2.CBORDecoder(fp)
    pairs = []
    while True:
        start = fp.tell()
        if definite and len(pairs) == count:
            break
        if not definite and fp.getbuffer()[start] == 0xFF:
            break
        key = decoder.decode()
        value = decoder.decode()
        pairs.append((key, value, bytes(fp.getbuffer()[start:fp.tell()])))
    return pairs, definite


def signing_input(pairs, key):
    raw = b""
    for k, _, encoded in pairs:
        if k == key:
            return b"\xbf" + raw + b"\xff"
        raw += encoded
    raise ValueError(f"no {key}")


def main(argv):
    command = argv[1]
    if command == "device-sign":
        algorithm, key_arg = argv[2], argv[3]
        definite = "--definite" in argv
        pairs = device_pairs()
        message = b"\xbf" + pairs + b"\xff"
        if algorithm == "ed25519":
            signature = nacl.signing.SigningKey(bytes.fromhex(key_arg)).sign(message).signature
        else:
            with open(key_arg, "rb") as f:
                key = serialization.load_pem_private_key(f.read(), password=None)
            r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        print(frame(pairs + pair("SIGN", signature), 7, definite).hex())
        return 0
    if command == "plugin-mark":
        seed, ingestion = bytes.fromhex(argv[2]), int(argv[3])
        record = bytes.fromhex(sys.stdin.read().strip())
        pairs, _ = split_pairs(record)
        raw = b"".join(encoded for _, _, encoded in pairs) + pair("INGESTION_TIME", ingestion)
        token = nacl.signing.SigningKey(seed).sign(b"\xbf" + raw + b"\xff").signature
        print((b"\xbf" + raw + pair("VERIFICATION_TOKEN", token) + b"\xff").hex())
        return 0
    if command == "verify-token":
        public = nacl.signing.VerifyKey(bytes.fromhex(argv[2]))
        pairs, _ = split_pairs(bytes.fromhex(sys.stdin.read().strip()))
        token = next(value for key, value, _ in pairs if key == "VERIFICATION_TOKEN")
        try:
            public.verify(signing_input(pairs, "VERIFICATION_TOKEN"), token)
        except nacl.exceptions.BadSignatureError:
            print("VERIFICATION_TOKEN does not verify")
            return 1
        print("ok")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
