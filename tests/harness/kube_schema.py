"""Offline validation of Kubernetes objects against the OpenAPI schema of one Kubernetes version.

The schemas come with the kubernetes-validate package (strict variants, which reject unknown
fields). Validators are built once per (version, apiVersion, kind) and reused, because
building one reads and links the large definitions file.

Custom resources of the groups in CRD_GROUPS (the Prometheus Operator's ServiceMonitor,
PodMonitor, PrometheusRule, AlertmanagerConfig; CloudNativePG's Cluster and ScheduledBackup and
its Barman Cloud plugin's ObjectStore; KEDA's ScaledObject) are validated against the openAPIV3Schema of their CRDs,
which `make tools` copies into bin/crds from the pinned operator modules, with their metadata
checked as ObjectMeta of that Kubernetes version. The CRDs' CEL rules (x-kubernetes-validations) are not
evaluated: that needs an API server.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import referencing
import referencing.jsonschema
import yaml

from .paths import BIN_DIR

SCHEMA_ROOT = resources.files("kubernetes_validate") / "kubernetes-json-schema"
CRD_DIR = BIN_DIR / "crds"
# Each group whose CRDs bin/crds holds, and the files of that group (what `make tools` fetches).
CRD_GROUPS = {
    "monitoring.coreos.com": "the Prometheus Operator's",
    "postgresql.cnpg.io": "CloudNativePG's",
    "barmancloud.cnpg.io": "the CloudNativePG Barman Cloud plugin's",
    "keda.sh": "KEDA's",
}
OBJECT_META = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


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


def crds_missing_reason(group: str = "monitoring.coreos.com") -> str | None:
    """Why custom resources of one of CRD_GROUPS cannot be validated here, or None."""
    if not any(CRD_DIR.glob(f"{group}_*.yaml")):
        return f"bin/crds has no {CRD_GROUPS[group]} CRDs ({group}; make tools fetches them)"
    return None


class _CrdLoader(yaml.SafeLoader):
    """YAML as the API server reads it (YAML 1.2): a bare `=` is the string "=", not YAML 1.1's
    value tag, which PyYAML cannot build (the AlertmanagerConfig CRD's matchType enum has one)."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


@functools.lru_cache(maxsize=None)
def crd_schemas(directory: Path = CRD_DIR) -> dict[tuple[str, str], dict]:
    """{(apiVersion, kind): openAPIV3Schema} of every served version of the CRDs in `directory`."""
    schemas = {}
    for path in sorted(directory.glob("*.yaml")):
        for crd in yaml.load_all(path.read_text(), Loader=_CrdLoader):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served", True):
                    schemas[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = \
                        version["schema"]["openAPIV3Schema"]
    return schemas


def _structural(schema: dict) -> dict:
    """A CRD's OpenAPI v3 schema as JSON Schema, as strict as the API server: an object with
    properties rejects unknown fields unless x-kubernetes-preserve-unknown-fields says to keep
    them; null is accepted anywhere, as in kubernetes-validate's schemas (the server prunes it)."""
    converted = {}
    for key, value in schema.items():
        if key == "properties":
            converted[key] = {name: _structural(field) for name, field in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            converted[key] = _structural(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            converted[key] = [_structural(option) for option in value]
        elif key == "type":
            converted[key] = [value, "null"]
        elif key != "nullable" and not key.startswith("x-kubernetes-"):
            converted[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        converted["type"] = ["integer", "string", "null"]
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        converted["additionalProperties"] = False
    return converted


def crd_schema(api_version: str, kind: str, directory: Path = CRD_DIR) -> dict | None:
    """The JSON Schema of a custom resource from its CRD in `directory`, or None."""
    openapi = crd_schemas(directory).get((api_version, kind))
    if openapi is None:
        return None
    schema = _structural(openapi)
    schema["properties"]["metadata"] = {"$ref": OBJECT_META}
    return schema


@functools.lru_cache(maxsize=None)
def _validator(kube_version: str, api_version: str, kind: str):
    if api_version.split("/")[0] in CRD_GROUPS:
        schema = crd_schema(api_version, kind)
    else:
        # kubernetes-validate names files <kind>-<group without domain>-<version>.json.
        group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        schema_file = _schema_dir(kube_version) / f"{kind.lower()}-{group_version}.json"
        schema = json.loads(schema_file.read_text()) if schema_file.is_file() else None
    if schema is None:
        return None
    return jsonschema.Draft202012Validator(schema, registry=_registry(kube_version))


def problems(obj: dict, kube_version: str) -> list[str]:
    """Every schema violation of one object, as readable lines; empty when it is valid."""
    where = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    validator = _validator(kube_version, obj["apiVersion"], obj["kind"])
    if validator is None:
        if (group := obj["apiVersion"].split("/")[0]) in CRD_GROUPS:
            missing = crds_missing_reason(group) or "the CRDs in bin/crds do not define it"
            return [f"{where}: no schema for {obj['apiVersion']} {obj['kind']}: {missing}"]
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


# Names Kubernetes limits below the 253 characters of most objects: a Service's is a DNS label;
# a Job's becomes its pods' job-name label; a StatefulSet's becomes their controller-revision-hash
# label with 11 characters added, as a CronJob's Jobs add 11 to its name.
NAME_LIMITS = {"Service": 63, "Job": 63, "StatefulSet": 52, "CronJob": 52}


def names_over_their_limits(objects) -> list[str]:
    """'<kind> <name> (<n> characters)' for each object whose name Kubernetes would refuse."""
    return [f"{obj['kind']} {obj['metadata']['name']} ({len(obj['metadata']['name'])} characters)"
            for obj in objects if len(obj["metadata"]["name"]) > NAME_LIMITS.get(obj["kind"], 253)]
