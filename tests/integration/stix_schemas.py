"""STIX 2.1 validation against the OASIS JSON schemas in shared/reference/stix2.1/schemas,
with every $ref resolved locally (no network), using Debian's python3-jsonschema."""
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import NO_SHARED, SHARED

SCHEMAS = SHARED / "reference" / "stix2.1" / "schemas"


def _store():
    store = {}
    for p in SCHEMAS.rglob("*.json"):
        s = json.loads(p.read_text())
        store[s["$id"]] = s
        # the same schema under its https spelling, which some $refs use
        store[s["$id"].replace("http://", "https://", 1)] = s
    return store


_VALIDATOR = None


def _validator():
    """The bundle validator, made on first use; a test that needs it is skipped, saying
    why, on a clone without the reference data (someone who found the repository)."""
    global _VALIDATOR
    if _VALIDATOR is None:
        if not SCHEMAS.is_dir():
            pytest.skip(NO_SHARED)
        bundle = json.loads((SCHEMAS / "common" / "bundle.json").read_text())
        resolver = jsonschema.RefResolver(base_uri=bundle["$id"], referrer=bundle, store=_store())
        _VALIDATOR = jsonschema.Draft202012Validator(bundle, resolver=resolver)
    return _VALIDATOR


def bundle_errors(bundle):
    """Every schema violation of a bundle, as readable strings (empty when valid)."""
    out = []
    for e in _validator().iter_errors(bundle):
        where = "/".join(str(p) for p in e.absolute_path)
        # oneOf/anyOf failures hide the real cause in their context
        causes = sorted((c for c in e.context or []), key=lambda c: len(list(c.absolute_path)), reverse=True)
        detail = f" ({causes[0].message[:200]})" if causes else ""
        out.append(f"{where}: {e.message[:300]}{detail}")
    return out


def object_errors(obj):
    """The violations of one object, checked inside a minimal bundle."""
    return bundle_errors({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
                          "objects": [obj]})


def own_schema_errors(obj):
    """The violations of one object against the schema of its own type (sdos/<type>.json).
    For the types the OASIS bundle schema does not list (opinion, note, grouping,
    location): there they fall to its custom-object branch, whose oneOf of core and
    cyber-observable-core matches both and so refuses every such object."""
    path = SCHEMAS / "sdos" / f"{obj['type']}.json"
    if not path.is_file():
        pytest.skip(NO_SHARED)
    schema = json.loads(path.read_text())
    resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=_store())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
            for e in jsonschema.Draft202012Validator(schema, resolver=resolver).iter_errors(obj)]
