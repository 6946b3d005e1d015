"""The official CycloneDX JSON schema, resolved offline, for validating SBOMs.

The schema files come from the ``cyclonedx-python-lib`` wheel (its
``cyclonedx/schema/_res`` folder); nothing is fetched from cyclonedx.org.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

SCHEMA_BASE = "http://cyclonedx.org/schema/"


def _schema_dir() -> Path:
    """cyclonedx-python-lib's bundled schemas, found without importing the library."""
    spec = importlib.util.find_spec("cyclonedx")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("cyclonedx-python-lib is missing: pip install -e '.[test]'")
    return Path(next(iter(spec.submodule_search_locations))) / "schema" / "_res"


def load_validators() -> dict[str, Any]:
    """A Draft 7 validator per CycloneDX version, with every ``$ref`` resolved locally."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    resources = []
    for path in sorted(_schema_dir().glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        # The bom schemas refer to their neighbours by file name, relative to their $id.
        resources += [(contents["$id"], resource), (urljoin(SCHEMA_BASE, path.name), resource)]
    registry = Registry().with_resources(resources)  # no retrieve: unknown refs fail
    assert "date-time" in Draft7Validator.FORMAT_CHECKER.checkers, "rfc3339-validator missing"
    found = {}
    for version in ("1.5", "1.6"):
        schema = registry.contents(f"{SCHEMA_BASE}bom-{version}.schema.json")
        found[version] = Draft7Validator(
            schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER
        )
    return found


def assert_valid(validators: Mapping[str, Any], document: Mapping[str, Any]) -> None:
    validator = validators[document["specVersion"]]
    problems = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]
    assert not problems, "\n".join(problems)
