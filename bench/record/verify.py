#!/usr/bin/python3
"""An independent verifier of Kizuna request records, written from the format's
description only (docs/API.md, codec/requests/record.h) with Python's standard library and the
cryptography package: what a third party given a record would write. bench/record/run
times it against `kizuna request verify` and checks both reach the same verdict.

    verify.py RECORD.json [PUBLIC_KEY_HEX]  ->  "intact N STATUS" or "tampered SEQ REASON", exit 0 / 1

Without PUBLIC_KEY_HEX it trusts the key the file names (internal consistency only).
"""
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64


def canonical(obj):
    # keys sorted, no whitespace, UTF-8 as is: the form the entries were signed in
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def main(path, public_key=None):
    doc = json.load(open(path, encoding="utf-8"))
    if public_key and doc["node"]["public_key"] != public_key:
        return "tampered 0 key"
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key or doc["node"]["public_key"]))
    request = doc["request"]["id"]
    prev, status, content = GENESIS, None, None
    for i, e in enumerate(doc["entries"], 1):
        body = {k: v for k, v in e.items() if k not in ("hash", "signature")}
        text = canonical(body)
        if e.get("seq") != i or e.get("request") != request or e.get("prev") != prev:
            return f"tampered {i} chain"
        if hashlib.sha256(text).hexdigest() != e["hash"]:
            return f"tampered {i} content"
        try:
            key.verify(bytes.fromhex(e["signature"]), text)
        except InvalidSignature:
            return f"tampered {i} signature"
        prev, status = e["hash"], e.get("to", status)
        content = e.get("content", content)
    seal = doc["seal"]
    try:
        key.verify(bytes.fromhex(seal["signature"]), canonical({k: v for k, v in seal.items() if k != "signature"}))
    except InvalidSignature:
        return "tampered 0 seal"
    # version 2: the seal names the digests of the summary and node objects
    if doc.get("version") >= 2 and any(hashlib.sha256(canonical(doc[part])).hexdigest() != seal.get(key)
                                       for part, key in (("request", "summary_sha256"), ("node", "node_sha256"))):
        return "tampered 0 summary"
    if seal["entries"] != len(doc["entries"]) or seal["head"] != prev:
        return f"tampered {min(seal['entries'], len(doc['entries'])) + 1} seal"
    if doc["request"]["status"] != status or any(doc["request"].get(k) != v for k, v in content.items()):
        return "tampered 0 summary"
    return f"intact {len(doc['entries'])} {status}"


if __name__ == "__main__":
    verdict = main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    print(verdict)
    sys.exit(0 if verdict.startswith("intact") else 1)
