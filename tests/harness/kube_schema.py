"""Offline validation of Kubernetes objects against the OpenAPI schema of one Kubernetes version.

The schemas come with the kubernetes-validate package (strict variants, which reject unknown
fields). Validators are built once per (version, apiVersion, kind) and reused, because
building one reads and links the large definitions file.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources

import jsonschema
import referencing
import referencing.jsonschema

SCHEMA_ROOT = resources.files("kubernetes_validate") / "kubernetes-json-schema"


class SchemaViolation(AssertionError):
    """A rendered object breaks the Kubernetes API schema; the message lists every problem."""


def available_versions() -> list[str]:
    """Kubernetes minor versions with schemas here, e.g. ['1.25', ..., '1.37']."""
    found = []
    for entry in SCHEMA_ROOT.iterdir():
        match = re.fullmatch(r"v(\d+)\.(\d+)\.\d+-local-strict", entry.name)
        if match:
            found.append((int(match.group(1)), int(match.group(2))))
    return [f"{major}.{minor}" for major, minor in sorted(found)]


def _schema_dir(kube_version: str):
    major, minor = kube_version.lstrip("v").split(".")[:2]
    directory = SCHEMA_ROOT / f"v{major}.{minor}.0-local-strict"
    if not directory.is_dir():
        raise ValueError(
            f"no Kubernetes {major}.{minor} schemas in kubernetes-validate; have {available_versions()}"
        )
    return directory


@functools.lru_cache(maxsize=None)
def _registry(kube_version: str) -> referencing.Registry:
    definitions = json.loads((_schema_dir(kube_version) / "_definitions.json").read_text())
    resource = referencing.Resource.from_contents(
        definitions, default_specification=referencing.jsonschema.DRAFT202012
    )
    return resource @ referencing.Registry()


@functools.lru_cache(maxsize=None)
def _validator(kube_version: str, api_version: str, kind: str):
    # kubernetes-validate names files <kind>-<group without domain>-<version>.json.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema_file = _schema_dir(kube_version) / f"{kind.lower()}-{group_version}.json"
    if not schema_file.is_file():
        return None
    schema = json.loads(schema_file.read_text())
    return jsonschema.Draft202012Validator(schema, registry=_registry(kube_version))


def problems(obj: dict, kube_version: str) -> list[str]:
    """Every schema violation of one object, as readable lines; empty when it is valid."""
    where = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    validator = _validator(kube_version, obj["apiVersion"], obj["kind"])
    if validator is None:
        return [f"{where}: Kubernetes {kube_version} has no {obj['apiVersion']} {obj['kind']}"]
    return [
        f"{where}: {'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    ]


def validate_all(objects, kube_version: str) -> None:
    """Raise SchemaViolation listing every problem of every object."""
    found = []
    for obj in objects:
        found.extend(problems(obj, kube_version))
    if found:
        raise SchemaViolation(
            f"{len(found)} problem(s) against the Kubernetes {kube_version} API schema:\n  "
            + "\n  ".join(found)
        )
