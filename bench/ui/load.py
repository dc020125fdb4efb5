#!/usr/bin/python3
"""Loads the UI benchmark's data through the real API (bench/ui helper): an organization
with a user of the web interface, an incident of that organization, and REQUESTS sent
to it from a second organization. Prints the ids as JSON on stdout.
usage: load.py BASE_URL ADMIN_KEY REQUESTS PASSWORD"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlparse

import requests

base, key, n, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
api = f"{base}/api/v1"
s = requests.Session()
s.headers["Authorization"] = f"Bearer {key}"


def post(path, body, session=s):
    r = session.post(f"{api}{path}", json=body, timeout=60)
    r.raise_for_status()
    return r.json()


home = post("/organizations", {"name": "Bench home CSIRT", "state": "JP", "kind": "national-csirt"})["id"]
peer = post("/organizations", {"name": "Bench peer CSIRT", "state": "SG", "kind": "national-csirt"})["id"]
user = post("/users", {"email": "bench@csirt.jp.example", "name": "Bench User", "organization": home,
                       "role": "analyst", "language": "en", "time_zone": "UTC"})
token = parse_qs(urlparse(user["set_password_link"]).query)["token"][0]
requests.post(f"{api}/password", json={"token": token, "password": password}, timeout=30).raise_for_status()
home_key = post("/keys", {"organization": home, "role": "analyst"})["key"]
peer_key = post("/keys", {"organization": peer, "role": "analyst"})["key"]
incident = post("/incidents", {"title": "Bench incident with many indicators", "rsit_type": "phishing",
                               "tlp": "green", "organization": home})["id"]


def one(i, local=__import__("threading").local()):
    if not hasattr(local, "s"):
        local.s = requests.Session()
        local.s.headers["Authorization"] = f"Bearer {peer_key}"
    r = post("/requests", {"kind": "information", "to_organization": home, "urgency": "normal", "tlp": "green",
                           "subject": f"Bench request {i}", "description": "Generated for bench/ui.",
                           "questions": "Which sectors were hit?"}, local.s)
    post(f"/requests/{r['id']}/send", {}, local.s)


with ThreadPoolExecutor(4) as pool:
    list(pool.map(one, range(n)))
print(json.dumps({"incident": incident, "home_key": home_key, "email": user["email"]}))
