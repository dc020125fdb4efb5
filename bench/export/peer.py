#!/usr/bin/python3
"""The straightforward peer of `kizuna export stix`: Python's json module building the
same bundle (indicators with their STIX patterns, TLP markings, created_by_ref) from the
same SQLite rows, then writing it out.

    peer.py DB OUT
"""
import json
import sqlite3
import sys
import uuid
from datetime import datetime, timezone

MARKINGS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def ts(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def stix_uuid(u):
    """Kizuna's version-7 ids are written with version digit 4, as STIX requires."""
    return u[:14] + "4" + u[15:] if u[14] == "7" else u


def quote(v):
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


db = sqlite3.connect(sys.argv[1])
objects = []
for (id_, created, modified, value, source, tlp, confidence, first_seen, last_seen, valid_until,
     description) in db.execute("SELECT id, created, modified, value, source, tlp, confidence, first_seen,"
                                " last_seen, valid_until, description FROM indicators WHERE type = 'url' ORDER BY n"):
    o = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{stix_uuid(id_)}", "created": ts(created),
         "modified": ts(modified), "created_by_ref": f"identity--{source}", "object_marking_refs": [MARKINGS[tlp]],
         "name": value, "pattern": f"[url:value = {quote(value)}]", "pattern_type": "stix",
         "pattern_version": "2.1", "valid_from": ts(first_seen), "confidence": confidence,
         "x_kizuna_last_seen": ts(last_seen)}
    if description:
        o["description"] = description
    if valid_until:
        o["valid_until"] = ts(valid_until)
    objects.append(o)
bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
with open(sys.argv[2], "w") as f:
    json.dump(bundle, f, separators=(",", ":"))
