"""The rendered chart's pods, translated into what a Docker engine runs (the container tier).

Nothing is re-typed: images, commands, environment, files and security settings come from the
rendered workloads, ConfigMaps and Secrets, with Kubernetes' meaning kept:
- `command` replaces the image's ENTRYPOINT and `args` its CMD; a `command` without `args`
  runs no CMD (Docker drops the image's CMD too when the entrypoint is replaced);
- `envFrom` first, then `env`, which wins; secretKeyRef and configMapKeyRef are resolved from
  the rendered ConfigMaps and Secrets and, for the Secrets the chart's generator hook creates,
  from values generated as the hook generates them; `$(VAR)` is expanded as the kubelet does;
- ConfigMap and Secret volumes become their files, emptyDirs and claims empty directories;
- runAsUser/runAsGroup, fsGroup (a supplementary group), readOnlyRootFilesystem, dropped
  capabilities, allowPrivilegeEscalation and the memory limit are kept;
- a pod is reachable on the network under the name of every Service that selects it.
What Docker cannot do is refused with a message rather than approximated: a Service port
that differs from its container port (a Docker network has no port mapping), a pod with more
than one long-running container (no shared network namespace), unknown volume and env sources.
"""

from __future__ import annotations

import base64
import json
import re
import secrets as random
import uuid
from dataclasses import dataclass, field

from .render import DEFAULT_NAMESPACE, Manifest

# Values that leave every pod with one container: a sidecar (the collector's delivery guard)
# would need the pod's shared network namespace, which this translation does not build. The
# component tests run the guard on its rendered configuration instead.
ONE_CONTAINER_PER_POD = {"otel-collector": {"deliveryGuard": {"enabled": False}}}
GENERATOR_SPEC_KEY = "secrets.json"  # the secret generator hook's ConfigMap (files/generate-secrets.mjs)
ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


class Untranslatable(ValueError):
    """The rendered pod uses something a Docker engine cannot reproduce, or refers to nothing."""


@dataclass(frozen=True)
class Mount:
    volume: str
    path: str
    sub_path: str | None = None
    read_only: bool = False


@dataclass(frozen=True)
class Volume:
    """files: a ConfigMap's or Secret's files by name; None for an empty, writable directory."""

    name: str
    files: dict[str, str] | None = None


@dataclass
class Container:
    name: str
    image: str
    entrypoint: list[str] | None  # None: the image's ENTRYPOINT
    command: list[str] | None  # None: the image's CMD (only when entrypoint is None)
    env: dict[str, str]
    ports: dict[str, int]  # port name (or number, unnamed) -> container port
    mounts: list[Mount]
    user: str | None  # "uid:gid"; None: the image's USER
    group_add: list[str]
    read_only_root: bool
    cap_drop: list[str]
    no_new_privileges: bool
    memory_limit: int | None  # bytes
    working_dir: str | None = None
    startup_probe: dict | None = None
    readiness_probe: dict | None = None
    post_start: list[str] | None = None  # lifecycle.postStart.exec.command


@dataclass
class Pod:
    kind: str
    name: str  # the workload's name
    hostname: str  # the name its pod would have (StatefulSet: <name>-0)
    aliases: list[str]  # the Services that select it, short and qualified
    init_containers: list[Container]
    containers: list[Container]
    volumes: dict[str, Volume] = field(default_factory=dict)

    @property
    def images(self) -> set[str]:
        return {c.image for c in self.init_containers + self.containers}


def generate(kind: str) -> str:
    """One value of the secret generator's `kind`, as files/generate-secrets.mjs generate() makes it."""
    form, _, argument = kind.partition(":")
    if form == "hex":
        return random.token_hex(int(argument))
    if form == "base64":
        return base64.b64encode(random.token_bytes(int(argument))).decode()
    if form == "alnum":
        return "".join(random.choice(ALPHANUMERIC) for _ in range(int(argument)))
    if form == "prefixed-uuid":
        return f"{argument}{uuid.uuid4()}"
    raise Untranslatable(f"unknown kind of generated value: {kind}")


def secret_values(manifest: Manifest) -> dict[str, dict[str, str]]:
    """{Secret name: {key: value}}: the rendered Secrets, then the keys the chart's secret
    generator hook would add to them (it only adds keys that are missing)."""
    values: dict[str, dict[str, str]] = {}
    for secret in manifest.of_kind("Secret"):
        data = {key: base64.b64decode(value).decode() for key, value in (secret.get("data") or {}).items()}
        data.update(secret.get("stringData") or {})
        values[secret["metadata"]["name"]] = data
    for config_map in manifest.of_kind("ConfigMap"):
        spec = (config_map.get("data") or {}).get(GENERATOR_SPEC_KEY)
        if spec is None:
            continue
        for secret in json.loads(spec)["secrets"]:
            keys = values.setdefault(secret["name"], {})
            for key, kind in secret["keys"].items():
                keys.setdefault(key, generate(kind))
    return values


def config_map_values(manifest: Manifest) -> dict[str, dict[str, str]]:
    return {cm["metadata"]["name"]: dict(cm.get("data") or {}) for cm in manifest.of_kind("ConfigMap")}


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: a defined VAR is replaced, an undefined one is kept as
    written, and `$$` is an escaped `$` (k8s.io/kubernetes third_party/forked/golang/expansion)."""

    def substitute(match: re.Match) -> str:
        if match.group(1) == "$":
            return "$"
        name = match.group(2)
        return env.get(name, match.group(0))

    return re.sub(r"\$(\$|\(([^)]*)\))", substitute, text)


def memory_bytes(quantity: str | int) -> int:
    """A Kubernetes memory quantity (512Mi, 1Gi, 1G, 1e9, 1048576) in bytes."""
    match = re.fullmatch(r"([0-9.]+(?:e[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(quantity))
    if not match:
        raise Untranslatable(f"memory quantity {quantity!r} is not understood")
    return int(float(match.group(1)) * MEMORY_UNITS[match.group(2) or ""])


def _reference(kind: str, ref: dict, sources: dict[str, dict[str, str]], key: str | None = None):
    data = sources.get(ref["name"])
    if data is not None and (key is None or key in data):
        return data if key is None else data[key]
    if ref.get("optional"):
        return None
    missing = f"{kind} {ref['name']!r}" + (f" has no key {key!r}" if data is not None else " is not rendered")
    raise Untranslatable(f"{missing}, and the reference is not optional")


def environment(container: dict, pod_name: str, namespace: str, config_maps: dict, secrets: dict) -> dict[str, str]:
    """The container's environment as the kubelet builds it."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            data = _reference("ConfigMap", source["configMapRef"], config_maps)
        elif "secretRef" in source:
            data = _reference("Secret", source["secretRef"], secrets)
        else:
            raise Untranslatable(f"envFrom source {source} is not supported")
        for key, value in (data or {}).items():
            env[source.get("prefix", "") + key] = value
    for var in container.get("env", []):
        source = var.get("valueFrom")
        if source is None:
            env[var["name"]] = expand(var.get("value", ""), env)
            continue
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            value = _reference("Secret", ref, secrets, ref["key"])
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            value = _reference("ConfigMap", ref, config_maps, ref["key"])
        elif source.get("fieldRef", {}).get("fieldPath") in ("metadata.name", "metadata.namespace"):
            value = pod_name if source["fieldRef"]["fieldPath"] == "metadata.name" else namespace
        else:
            raise Untranslatable(f"{var['name']}: valueFrom {source} is not supported")
        if value is not None:
            env[var["name"]] = value
    return env


def _volume(spec: dict, config_maps: dict, secrets: dict) -> Volume:
    name = spec["name"]
    if "emptyDir" in spec or "persistentVolumeClaim" in spec:
        return Volume(name)
    if "configMap" in spec or "secret" in spec:
        kind, ref = ("ConfigMap", spec["configMap"]) if "configMap" in spec else ("Secret", spec["secret"])
        ref = {"name": ref.get("name") or ref.get("secretName"), **ref}
        data = _reference(kind, ref, config_maps if kind == "ConfigMap" else secrets) or {}
        items = ref.get("items")
        files = {item["path"]: data[item["key"]] for item in items} if items else dict(data)
        return Volume(name, files)
    raise Untranslatable(f"volume {name!r}: only emptyDir, persistentVolumeClaim, configMap and secret are supported")


def _container(spec: dict, pod_spec: dict, pod_name: str, namespace: str, config_maps: dict,
               secrets: dict) -> Container:
    env = environment(spec, pod_name, namespace, config_maps, secrets)
    pod_security = pod_spec.get("securityContext") or {}
    security = {**pod_security, **(spec.get("securityContext") or {})}
    uid, gid = security.get("runAsUser"), security.get("runAsGroup")
    groups = [str(g) for g in ([pod_security["fsGroup"]] if "fsGroup" in pod_security else [])
              + pod_security.get("supplementalGroups", [])]
    memory = (spec.get("resources") or {}).get("limits", {}).get("memory")
    command = [expand(part, env) for part in spec["command"]] if "command" in spec else None
    args = [expand(part, env) for part in spec["args"]] if "args" in spec else None
    post_start = (spec.get("lifecycle") or {}).get("postStart")
    if post_start is not None and "exec" not in post_start:
        raise Untranslatable(f"container {spec['name']!r}: only exec postStart hooks are supported")
    return Container(
        name=spec["name"],
        image=spec["image"],
        entrypoint=command,
        command=args if args is not None else ([] if command is not None else None),
        env=env,
        ports={str(p.get("name") or p["containerPort"]): p["containerPort"] for p in spec.get("ports", [])
               if p.get("protocol", "TCP") == "TCP"},
        mounts=[Mount(m["name"], m["mountPath"], m.get("subPath"), bool(m.get("readOnly")))
                for m in spec.get("volumeMounts", [])],
        user=None if uid is None else f"{uid}:{gid if gid is not None else uid}",
        group_add=groups,
        read_only_root=bool(security.get("readOnlyRootFilesystem")),
        cap_drop=list((security.get("capabilities") or {}).get("drop", [])),
        no_new_privileges=security.get("allowPrivilegeEscalation") is False,
        memory_limit=memory_bytes(memory) if memory is not None else None,
        working_dir=spec.get("workingDir"),
        startup_probe=spec.get("startupProbe"),
        readiness_probe=spec.get("readinessProbe"),
        post_start=post_start["exec"]["command"] if post_start else None,
    )


def service_aliases(manifest: Manifest, labels: dict, ports: dict[str, int], namespace: str) -> list[str]:
    """The names a pod with `labels` is reached by: each selecting Service, short and qualified."""
    aliases = []
    for service in manifest.of_kind("Service"):
        selector = service["spec"].get("selector")
        if not selector or any(labels.get(key) != value for key, value in selector.items()):
            continue
        name = service["metadata"]["name"]
        for port in service["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            target = ports.get(target) if isinstance(target, str) else target
            if target != port["port"]:
                raise Untranslatable(f"Service {name!r} maps port {port['port']} to {port.get('targetPort')!r}: "
                                     "a Docker network reaches containers on their own ports only")
        aliases += [name, f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"]
    return aliases


def pod(manifest: Manifest, kind: str, name: str, secrets: dict[str, dict[str, str]],
        namespace: str = DEFAULT_NAMESPACE) -> Pod:
    """The pod of the rendered workload `kind`/`name` (Deployment, StatefulSet or Job)."""
    workload = manifest.get(kind, name)
    template = workload["spec"]["template"]
    spec = template["spec"]
    hostname = f"{name}-0" if kind == "StatefulSet" else name
    config_maps = config_map_values(manifest)
    volumes = {v["name"]: _volume(v, config_maps, secrets) for v in spec.get("volumes", [])}
    for claim in workload["spec"].get("volumeClaimTemplates", []):
        volumes[claim["metadata"]["name"]] = Volume(claim["metadata"]["name"])
    build = lambda c: _container(c, spec, hostname, namespace, config_maps, secrets)  # noqa: E731
    init_containers = [build(c) for c in spec.get("initContainers", [])]
    containers = [build(c) for c in spec["containers"]]
    if len(containers) != 1:
        raise Untranslatable(f"{kind} {name!r} runs {len(containers)} containers: sidecars would need the "
                             "pod's shared network namespace")
    for container in init_containers + containers:
        for mount in container.mounts:
            if mount.volume not in volumes:
                raise Untranslatable(f"{kind} {name!r}: container {container.name!r} mounts the undeclared "
                                     f"volume {mount.volume!r}")
    ports = {key: port for c in containers for key, port in c.ports.items()}
    aliases = service_aliases(manifest, template["metadata"].get("labels", {}), ports, namespace)
    return Pod(kind, name, hostname, aliases, init_containers, containers, volumes)
