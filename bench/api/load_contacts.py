#!/usr/bin/python3
"""Loads N fictitious contacts through the real API (bench/api helper).
usage: load_contacts.py BASE_URL ADMIN_KEY N"""
import sys

import requests

base, key, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = requests.Session()
s.headers["Authorization"] = f"Bearer {key}"
states = ["JP", "SG", "MY", "TH", "VN", "ID", "PH", "KH", "LA", "MM", "BN", "AU", "CZ", "FR", "IN",
          "KR", "US", "GB", "DE", "EE", "CA", "NZ", "NL", "SE", "FI", "NO", "DK", "PL", "IT", "ES",
          "BR", "MX", "CL", "ZA", "KE", "NG", "EG", "IL", "AE", "SA", "TR", "UA", "CH", "AT", "BE",
          "IE", "PT", "GR", "RO", "HU"]
orgs = []
for cc in states:
    r = s.post(f"{base}/api/v1/organizations", json={"name": f"Bench CSIRT {cc}", "state": cc, "kind": "national-csirt"})
    r.raise_for_status()
    orgs.append(r.json()["id"])
roles = ["csirt", "technical", "diplomatic", "law-enforcement-24x7"]
for i in range(n):
    k = i % len(orgs)
    body = {"organization": orgs[k], "full_name": f"Bench Person {i}", "position": "Duty officer",
            "role": roles[i % 4], "email": f"p{i}@csirt.{states[k].lower()}.example",
            "phone": f"+81 3 5555 {i % 10000:04d}", "languages": ["en"], "hours": "24/7",
            "timezone": "UTC"}
    r = s.post(f"{base}/api/v1/contacts", json=body)
    r.raise_for_status()
print(f"loaded {n} contacts in {len(orgs)} states")
