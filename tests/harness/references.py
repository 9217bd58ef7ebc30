"""Unresolved references in a render: what one object names and nothing provides.

Four kinds, one function each; each returns Dangling entries (who refers, to what, and why
it does not resolve), empty when every reference of that kind resolves:
- unresolved_hosts: in-cluster hosts written anywhere (ConfigMap and Secret data, whole config
  files included; container env, command and args; `*_HOST` and `*_PORT` pairs; Ingress
  backends; StatefulSet serviceName; KEDA ScaledObjects' trigger addresses) that are not a
  rendered Service with that port; and the collector's loadbalancing exporters' DNS resolvers
  (a hostname and a port apart), whose
  Service must be headless with pods that listen on that port.
- unresolved_objects: Secrets, ConfigMaps, ServiceAccounts, PersistentVolumeClaims and Roles
  that pods and RBAC name, and the workloads KEDA ScaledObjects scale, and that are neither rendered, nor made by the chart's secret
  generator, nor named in the user's values, nor objects every cluster has.
- unmatched_selectors: NetworkPolicies, same-namespace NetworkPolicy peers, Services,
  PodDisruptionBudgets and ServiceMonitors that select nothing; HPAs that scale nothing.
- unscraped_collector: the Prometheus scrape jobs and ServiceMonitors meant for the collector
  that do not end at the collector's Service: its pods, on the ports it names.

Objects an operator makes from a rendered custom resource count as rendered: for a
CloudNativePG Cluster (with_operator_objects), its Services, instance pods and ServiceAccount;
what the Cluster and its ObjectStore name (Secrets and their keys, the import source's host) is
checked like a pod's references, and PodMonitors must select a pod with the port they scrape.

"The user's values" are the strings of the values a render was given (not the chart's
defaults): a name the user wrote is documented by their own values file, so it is theirs to
create. A host or name counts as the user's when it appears in one of those strings.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from .network_policy import selects
from .pod_security import pod_templates
from .pods import GENERATOR_SPEC_KEY, expand
from .render import DEFAULT_NAMESPACE, DEFAULT_RELEASE

DNS_LABEL = 63  # the longest Service name: a Service's name is a label of its DNS name
# Objects every cluster has, which a chart may name without creating them.
WELL_KNOWN = {("ConfigMap", "kube-root-ca.crt"), ("ServiceAccount", "default")}
WELL_KNOWN_CLUSTER_ROLES = {"cluster-admin", "admin", "edit", "view"}
# URL schemes that name a network address, with the port a URL without one goes to (None: no
# default, only the Service is checked). Other schemes (s3://bucket, file://) name no host.
NETWORK_SCHEMES = {"http": 80, "https": 443, "ws": 80, "wss": 443, "grpc": None, "grpcs": None,
                   "tcp": None, "udp": None, "dns": 53, "postgres": 5432, "postgresql": 5432,
                   "redis": 6379, "rediss": 6379, "clickhouse": 9000, "amqp": 5672, "nats": 4222}
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOSTNAME = rf"{_LABEL}(?:\.{_LABEL})*"
_URL = re.compile(rf"\b([a-z][a-z0-9+.-]*)://(?:[^\s/@'\"]*@)?({_HOSTNAME})(?::(\d{{1,5}}))?(?![\w.$({{-])")
# host:port on its own; not a path (/a:1), an image (repo:1.2), a time (12:30:00) or ${x:1}.
_HOST_PORT = re.compile(rf"(?<![\w.\-/:${{%])({_HOSTNAME}):(\d{{1,5}})(?![\w.:\-])")
# A host and its port as XML config files write them (ClickHouse's remote_servers, zookeeper,
# Keeper's raft_configuration): <host>h</host><port>p</port>, or <hostname>.
_XML_HOST_PORT = re.compile(rf"<(host|hostname)>\s*({_HOSTNAME})\s*</\1>\s*<port>\s*(\d{{1,5}})\s*</port>")
_SERVICE_DNS = re.compile(rf"(?<![\w.\-])((?:{_LABEL}\.)+svc(?:\.cluster\.local)?)(?![\w\-]|\.[a-z0-9])")
_BARE_HOST = re.compile(rf"{_HOSTNAME}")
_OBJECT_NAME = re.compile(_HOSTNAME)


@dataclass(frozen=True)
class Dangling:
    """A reference that resolves to nothing: who refers, to what, and why it does not resolve."""

    referrer: str
    target: str
    reason: str

    def __str__(self) -> str:
        return f"{self.referrer} -> {self.target}: {self.reason}"


def report(found: Iterable[Dangling]) -> str:
    """Dangling references one per line, for an assertion message."""
    return "\n".join(str(entry) for entry in found)


# The user's values.

def user_strings(values_files: Iterable[Path | str] = (), values: dict | None = None,
                 release: str = DEFAULT_RELEASE) -> frozenset[str]:
    """Every value in the values a render was given, as a string, `{{ .Release.Name }}` rendered."""
    documents = [yaml.safe_load(Path(path).read_text()) for path in values_files] + [values]
    release_name = re.compile(r"\{\{-?\s*\.Release\.Name\s*-?\}\}")
    return frozenset(release_name.sub(release, text) for document in documents
                     for text in _strings(document))


def _strings(value) -> Iterator[str]:
    if isinstance(value, (str, int, float)):  # a number is a name too, once rendered
        yield str(value)
    elif isinstance(value, dict):
        for child in value.values():
            yield from _strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from _strings(child)


def _named_by_user(name: str, user: frozenset[str]) -> bool:
    """Whether the user wrote `name`: as a whole value, or as a whole name inside one (the host
    of a URL; not "web" inside "my-web")."""
    if name in user:
        return True
    whole = re.compile(rf"(?<![A-Za-z0-9.-]){re.escape(name)}(?![A-Za-z0-9.-])")
    return any(whole.search(text) for text in user)


# What a render holds.

# What CloudNativePG v1.30.0 makes for a Cluster <name>: the Services <name>-rw, -ro and -r on
# port 5432, named "postgres" (api/v1/cluster_types.go ServiceReadWriteSuffix..., pkg/specs/
# services.go buildInstanceServicePorts); instance pods labelled cnpg.io/cluster=<name> and
# cnpg.io/podRole=instance (pkg/utils/labels_annotations.go), serving postgres 5432, metrics
# 9187 and status 8000 (pkg/specs/pods.go; pkg/management/url/url.go), with the Cluster's
# inheritedMetadata; and their ServiceAccount, named like the Cluster (GetServiceAccountName).
CLOUDNATIVEPG_SERVICE_ROLES = {"rw": "primary", "ro": "replica", "r": None}
CLOUDNATIVEPG_POD_PORTS = {"postgres": 5432, "metrics": 9187, "status": 8000}


def with_operator_objects(manifest) -> list[dict]:
    """The render's objects, and what CloudNativePG makes from each of its Clusters."""
    objects = list(manifest)
    for cluster in [obj for obj in manifest if obj["kind"] == "Cluster"
                    and obj["apiVersion"].startswith("postgresql.cnpg.io/")]:
        name = cluster["metadata"]["name"]
        meta = {"namespace": cluster["metadata"]["namespace"]} if cluster["metadata"].get("namespace") else {}
        inherited = cluster["spec"].get("inheritedMetadata") or {}
        selector = {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"}
        made = f"made by CloudNativePG from Cluster/{name}"
        for role, instance_role in CLOUDNATIVEPG_SERVICE_ROLES.items():
            objects.append({"kind": "Service", "metadata": {"name": f"{name}-{role}", **meta,
                                                            "annotations": {"made-by": made}},
                            "spec": {"selector": {**selector, **({"cnpg.io/instanceRole": instance_role}
                                                                  if instance_role else {})},
                                     "ports": [{"name": "postgres", "port": 5432, "targetPort": 5432}]}})
        objects.append({"kind": "ServiceAccount", "metadata": {"name": name, **meta}})
        for instance, instance_role in enumerate(("primary", "replica"), start=1):
            objects.append({"kind": "Pod", "metadata": {
                "name": f"{name}-{instance}", **meta,
                "labels": {**(inherited.get("labels") or {}), **selector, "cnpg.io/instanceRole": instance_role},
                "annotations": inherited.get("annotations") or {}},
                "spec": {"serviceAccountName": name, "containers": [{
                    "name": "postgres", "image": cluster["spec"].get("imageName", ""),
                    "ports": [{"name": port_name, "containerPort": port}
                              for port_name, port in CLOUDNATIVEPG_POD_PORTS.items()]}]}})
    return objects


def custom_resource_references(manifest, namespace: str = DEFAULT_NAMESPACE):
    """(referrer, kind, namespace, name, key) of the Secrets CloudNativePG's objects name: the
    Cluster's initdb secret (username and password, internal/management/utils/secrets.go),
    import source password and pull secrets; an ObjectStore's S3 credentials."""
    for obj in manifest:
        ns, where = _namespace(obj, namespace), _where(obj)
        if obj["kind"] == "Cluster" and obj["apiVersion"].startswith("postgresql.cnpg.io/"):
            spec = obj["spec"]
            secret = ((spec.get("bootstrap") or {}).get("initdb") or {}).get("secret")
            for key in ("username", "password") if secret else ():
                yield f"{where} bootstrap.initdb.secret", "Secret", ns, secret["name"], key
            for external in spec.get("externalClusters") or []:
                if external.get("password"):
                    yield (f"{where} externalClusters {external['name']} password", "Secret", ns,
                           external["password"]["name"], external["password"]["key"])
            for pull in spec.get("imagePullSecrets") or []:
                yield f"{where} imagePullSecrets", "Secret", ns, pull["name"], None
        elif obj["kind"] == "ObjectStore" and obj["apiVersion"].startswith("barmancloud.cnpg.io/"):
            credentials = obj["spec"]["configuration"].get("s3Credentials") or {}
            for field_name, reference in credentials.items():
                if isinstance(reference, dict):
                    yield f"{where} s3Credentials.{field_name}", "Secret", ns, reference["name"], reference["key"]

def _namespace(obj: dict, namespace: str) -> str:
    return obj["metadata"].get("namespace") or namespace


def _where(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


@dataclass(frozen=True)
class PodTemplate:
    owner: dict  # the workload, CronJob or Pod
    namespace: str
    labels: dict
    annotations: dict
    spec: dict

    @property
    def where(self) -> str:
        return _where(self.owner)

    def containers(self) -> list[dict]:
        return (self.spec.get("initContainers", []) + self.spec.get("containers", [])
                + self.spec.get("ephemeralContainers", []))

    def container_ports(self) -> list[dict]:
        return [port for container in self.spec.get("containers", []) + self.spec.get("initContainers", [])
                for port in container.get("ports", [])]


def pods(manifest, namespace: str = DEFAULT_NAMESPACE) -> list[PodTemplate]:
    """The pod template of every workload, CronJob and Pod (helm test and hook Jobs included)."""
    found = []
    for obj, template in pod_templates(manifest):
        metadata = template.get("metadata") or {}
        found.append(PodTemplate(obj, _namespace(obj, namespace), metadata.get("labels") or {},
                                 metadata.get("annotations") or {}, template["spec"]))
    return found


def _selected(pod_list: list[PodTemplate], namespace: str, selector: dict) -> list[PodTemplate]:
    return [pod for pod in pod_list if pod.namespace == namespace and selects(selector, pod.labels)]


def _service_selected(pod_list, namespace: str, service: dict) -> list[PodTemplate]:
    selector = service["spec"].get("selector")
    return _selected(pod_list, namespace, {"matchLabels": selector}) if selector else []


# 1. Hosts.

@dataclass(frozen=True)
class HostReference:
    referrer: str
    written: str  # the host as written
    port: int | None
    per_pod: bool = False  # each address the name resolves to is sent to (a DNS resolver), not the Service's


def hosts_in(text: str) -> Iterator[tuple[str, int | None]]:
    """(host, port) of every address in `text`: URLs of network schemes (the scheme's port when
    none is written), host:port, XML <host> (or <hostname>) and <port> pairs, and
    <service>.<namespace>.svc[.cluster.local] names."""
    blanked = text
    for match in _XML_HOST_PORT.finditer(text):
        blanked = blanked[:match.start()] + " " * (match.end() - match.start()) + blanked[match.end():]
        yield match.group(2), int(match.group(3))
    for match in _URL.finditer(text):
        scheme, host, port = match.group(1), match.group(2), match.group(3)
        blanked = blanked[:match.start()] + " " * (match.end() - match.start()) + blanked[match.end():]
        if scheme not in NETWORK_SCHEMES:
            continue
        if port:
            yield host, int(port)
        else:  # a port written as a variable ("http://web:$(PORT)") is unknown, not the default
            yield host, None if text[match.end():match.end() + 1] == ":" else NETWORK_SCHEMES[scheme]
    for match in _HOST_PORT.finditer(blanked):
        blanked = blanked[:match.start()] + " " * (match.end() - match.start()) + blanked[match.end():]
        yield match.group(1), int(match.group(2))
    for match in _SERVICE_DNS.finditer(blanked):
        yield match.group(1), None


@dataclass(frozen=True)
class ClusterAddress:
    """An in-cluster host: a Service, or one pod behind a (headless) Service, in a namespace."""

    service: str
    namespace: str
    pod: str | None = None


def cluster_address(host: str, namespace: str, service_names: set[str]) -> ClusterAddress | None:
    """Where an in-cluster host points; None for loopback, IP addresses and external hosts.

    In-cluster: no dot (a Service of the namespace), <name>.<namespace>, anything ending in .svc
    or .svc.cluster.local, and <pod>.<service> when <service> is a rendered Service or is
    named as a headless one.
    """
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost") or host.replace(".", "").isdigit():
        return None
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    labels = host.split(".")
    if labels[-3:] == ["svc", "cluster", "local"]:
        labels = labels[:-2]
    if labels[-1] == "svc" and len(labels) >= 3:
        *names, ns, _ = labels
        return ClusterAddress(names[-1], ns, names[-2] if len(names) > 1 else None)
    if len(labels) == 1:
        return ClusterAddress(labels[0], namespace)
    if len(labels) == 2:
        first, second = labels
        if second == namespace:
            return ClusterAddress(first, namespace)
        if second in service_names or second.endswith("-headless"):
            return ClusterAddress(second, namespace, first)
    if len(labels) == 3 and labels[2] == namespace:
        return ClusterAddress(labels[1], namespace, labels[0])
    return None


def host_references(manifest, namespace: str = DEFAULT_NAMESPACE) -> list[HostReference]:
    """Every host the render writes down, with who writes it."""
    found: list[HostReference] = []

    def scan(referrer: str, text) -> None:
        if isinstance(text, str):
            found.extend(HostReference(referrer, host, port) for host, port in hosts_in(text))

    def pairs(referrer: str, env: dict[str, str], literal: Iterable[str]) -> None:
        """`X_HOST` (a bare host) with `X_PORT` beside it; `referrer` ends in "env" or "data"."""
        for name in literal:
            value = env.get(name)
            if not name.endswith("_HOST") or not isinstance(value, str) or not _BARE_HOST.fullmatch(value):
                continue
            port = str(env.get(name.removesuffix("_HOST") + "_PORT", ""))
            found.append(HostReference(f"{referrer} {name}", value, int(port) if port.isdigit() else None))

    config_maps = {(_namespace(cm, namespace), cm["metadata"]["name"]): cm.get("data") or {}
                   for cm in manifest.of_kind("ConfigMap")}
    for obj in manifest:
        if obj["kind"] == "ConfigMap":
            data = obj.get("data") or {}
            for key, value in data.items():
                if key != GENERATOR_SPEC_KEY:  # names and kinds of Secrets: unresolved_objects reads it
                    scan(f"{_where(obj)} data {key}", value)
                    found.extend(_dns_resolvers(f"{_where(obj)} data {key}", value))
            pairs(f"{_where(obj)} data", {k: str(v) for k, v in data.items()}, data)
        elif obj["kind"] == "Secret":
            for key, value in _secret_data(obj).items():
                scan(f"{_where(obj)} data {key}", value)
        elif obj["kind"] == "Ingress":
            found.extend(_ingress_backends(obj))
        elif obj["kind"] == "ScaledObject":  # KEDA's scalers' addresses (prometheus: serverAddress)
            for trigger in obj["spec"].get("triggers", []):
                for key, value in (trigger.get("metadata") or {}).items():
                    scan(f"{_where(obj)} trigger {trigger['type']} {key}", value)
        elif obj["kind"] == "StatefulSet" and obj["spec"].get("serviceName"):
            found.append(HostReference(f"{_where(obj)} serviceName", obj["spec"]["serviceName"], None))
        elif obj["kind"] == "Cluster" and obj["apiVersion"].startswith("postgresql.cnpg.io/"):
            for external in obj["spec"].get("externalClusters") or []:
                parameters = external.get("connectionParameters") or {}
                if parameters.get("host"):
                    port = str(parameters.get("port", "5432"))
                    found.append(HostReference(f"{_where(obj)} externalClusters {external['name']}",
                                               parameters["host"], int(port) if port.isdigit() else None))
    for pod in pods(manifest, namespace):
        for container in pod.containers():
            where = f"{pod.where} container {container['name']}"
            env: dict[str, str] = {}
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef")
                if ref:
                    prefix = source.get("prefix", "")
                    data = config_maps.get((pod.namespace, ref["name"]), {})
                    env.update({prefix + k: str(v) for k, v in data.items()})
            literal = []
            for var in container.get("env", []):
                if "valueFrom" not in var:
                    env[var["name"]] = expand(str(var.get("value", "")), env)
                    literal.append(var["name"])
                    scan(f"{where} env {var['name']}", env[var["name"]])
            pairs(f"{where} env", env, literal)
            for field in ("command", "args"):
                for part in container.get(field) or []:
                    scan(f"{where} {field}", expand(str(part), env))
    return found


# The port the loadbalancing exporter sends to when its resolver names none
# (exporter/loadbalancingexporter loadbalancer.go, defaultPort).
LOADBALANCING_DEFAULT_PORT = 4317


def _dns_resolvers(referrer: str, text) -> Iterator[HostReference]:
    """The DNS resolvers of the loadbalancing exporters in a collector configuration: the
    exporter looks the hostname up and sends to each address it gets, on the resolver's port
    (exporter/loadbalancingexporter resolver_dns.go, resolve)."""
    if not isinstance(text, str) or "resolver" not in text:
        return
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    exporters = config.get("exporters") if isinstance(config, dict) else None
    for name, exporter in (exporters or {}).items() if isinstance(exporters, dict) else ():
        dns = ((exporter or {}).get("resolver") or {}).get("dns") if isinstance(exporter, dict) else None
        if isinstance(dns, dict) and dns.get("hostname"):
            port = str(dns.get("port") or LOADBALANCING_DEFAULT_PORT)
            yield HostReference(f"{referrer} exporter {name} resolver dns", str(dns["hostname"]),
                                int(port) if port.isdigit() else None, per_pod=True)


def _secret_data(secret: dict) -> dict[str, str]:
    data = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            data[key] = base64.b64decode(value).decode()
        except (binascii.Error, UnicodeDecodeError):
            continue
    data.update(secret.get("stringData") or {})
    return data


def _ingress_backends(ingress: dict) -> Iterator[HostReference]:
    spec = ingress["spec"]
    backends = [spec["defaultBackend"]] if "defaultBackend" in spec else []
    backends += [path["backend"] for rule in spec.get("rules", [])
                 for path in (rule.get("http") or {}).get("paths", [])]
    for backend in backends:
        service = backend.get("service")
        if service:
            port = service.get("port", {})
            yield HostReference(f"{_where(ingress)} backend", service["name"], port.get("number", port.get("name")))


def unresolved_hosts(manifest, user: frozenset[str] = frozenset(),
                     namespace: str = DEFAULT_NAMESPACE) -> list[Dangling]:
    """In-cluster hosts that are not a rendered Service with that port (or, for <pod>.<service>,
    a pod of a StatefulSet behind that Service), unless the user's values name the host."""
    manifest = _Objects(with_operator_objects(manifest))
    services = {(_namespace(svc, namespace), svc["metadata"]["name"]): svc for svc in manifest.of_kind("Service")}
    service_names = {name for _, name in services}
    pod_list = pods(manifest, namespace)
    found = []
    for reference in host_references(manifest, namespace):
        address = cluster_address(reference.written, namespace, service_names)
        if address is None or _named_by_user(reference.written, user):
            continue
        target = reference.written + (f":{reference.port}" if reference.port is not None else "")
        reason = _unresolved_address(address, reference.port, services, manifest, pod_list, namespace)
        if not reason and reference.per_pod:
            reason = _unresolved_pods(services[(address.namespace, address.service)], reference.port, pod_list,
                                      address.namespace)
        if reason:
            found.append(Dangling(reference.referrer, target, reason))
    return _unique(found)


def _unresolved_address(address: ClusterAddress, port, services, manifest, pod_list, namespace) -> str | None:
    service = services.get((address.namespace, address.service))
    if service is None:
        rendered = [name for ns, name in services if ns == address.namespace]
        closest = difflib.get_close_matches(address.service, rendered, n=1)
        return (f"no Service {address.service!r} in namespace {address.namespace}"
                + (f" (closest rendered: {closest[0]!r})" if closest else ""))
    if len(address.service) > DNS_LABEL:
        return (f"Service {address.service!r} is rendered, but its name has {len(address.service)} characters: "
                f"the API server refuses a Service name longer than a DNS label ({DNS_LABEL})")
    if service["spec"].get("type") == "ExternalName":
        return None
    ports = service["spec"].get("ports", [])
    if address.pod is not None:
        owners = [sts for sts in manifest.of_kind("StatefulSet")
                  if _namespace(sts, namespace) == address.namespace
                  and sts["spec"].get("serviceName") == address.service]
        replicas = {f"{sts['metadata']['name']}-{i}": sts for sts in owners
                    for i in range(sts["spec"].get("replicas", 1) or 0)}
        if address.pod not in replicas:
            return (f"no pod {address.pod!r} behind Service {address.service!r} "
                    f"(its StatefulSets' pods: {', '.join(sorted(replicas)) or 'none'})")
        pod_ports = [p["containerPort"] for c in replicas[address.pod]["spec"]["template"]["spec"]["containers"]
                     for p in c.get("ports", [])]
        if port is not None and port not in pod_ports and port not in [p["port"] for p in ports]:
            return f"pod {address.pod!r} has no port {port} (its ports: {pod_ports})"
        return None
    if port is None:
        return None
    if not any(port in (p["port"], p.get("name")) for p in ports):
        return f"Service {address.service!r} has no port {port} (its ports: {[p['port'] for p in ports]})"
    return None


def _unresolved_pods(service: dict, port: int | None, pod_list, namespace: str) -> str | None:
    """Why a name resolved to each pod does not reach them: a Service with a cluster IP resolves
    to that one address (every connection to one place), and a pod that does not listen on the
    port refuses what is sent to it."""
    if service["spec"].get("clusterIP") != "None":
        return (f"Service {service['metadata']['name']!r} is not headless (clusterIP: None): its name resolves "
                "to one address")
    selected = _service_selected(pod_list, namespace, service)
    deaf = [pod.where for pod in selected if port is not None
            and port not in [p["containerPort"] for p in pod.container_ports()]]
    if not selected or deaf:
        return f"no container port {port} in {deaf or 'the pods it selects (none)'}"
    return None


class _Objects(list):
    """A list of objects with the one lookup the checks use (Manifest.of_kind)."""

    def of_kind(self, kind: str) -> list[dict]:
        return [obj for obj in self if obj["kind"] == kind]


# 2. Secrets, ConfigMaps, ServiceAccounts, PersistentVolumeClaims, Roles.

@dataclass(frozen=True)
class ObjectReference:
    referrer: str
    kind: str
    namespace: str
    name: str
    key: str | None = None


def object_references(manifest, namespace: str = DEFAULT_NAMESPACE) -> list[ObjectReference]:
    """Every Secret, ConfigMap, ServiceAccount, PersistentVolumeClaim and Role an object names."""
    found: list[ObjectReference] = []
    for pod in pods(manifest, namespace):
        ns, spec = pod.namespace, pod.spec
        ref = lambda where, kind, name, key=None: found.append(  # noqa: E731
            ObjectReference(f"{pod.where} {where}", kind, ns, str(name), key))
        ref("serviceAccountName", "ServiceAccount", spec.get("serviceAccountName") or spec.get("serviceAccount")
            or "default")
        for secret in spec.get("imagePullSecrets", []):
            ref("imagePullSecrets", "Secret", secret["name"])
        for volume in spec.get("volumes", []):
            where = f"volume {volume['name']}"
            sources = [volume] + (volume.get("projected") or {}).get("sources", [])
            for source in sources:
                if "secret" in source:
                    secret = source["secret"]
                    name = secret.get("secretName") or secret.get("name")
                    for key in [item["key"] for item in secret.get("items", [])] or [None]:
                        ref(where, "Secret", name, key)
                if "configMap" in source:
                    config_map = source["configMap"]
                    for key in [item["key"] for item in config_map.get("items", [])] or [None]:
                        ref(where, "ConfigMap", config_map["name"], key)
            if "persistentVolumeClaim" in volume:
                ref(where, "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
        for container in pod.containers():
            where = f"container {container['name']}"
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    ref(f"{where} envFrom", "Secret", source["secretRef"]["name"])
                if "configMapRef" in source:
                    ref(f"{where} envFrom", "ConfigMap", source["configMapRef"]["name"])
            for var in container.get("env", []):
                source = var.get("valueFrom") or {}
                if "secretKeyRef" in source:
                    ref(f"{where} env {var['name']}", "Secret", source["secretKeyRef"]["name"],
                        str(source["secretKeyRef"]["key"]))
                if "configMapKeyRef" in source:
                    ref(f"{where} env {var['name']}", "ConfigMap", source["configMapKeyRef"]["name"],
                        str(source["configMapKeyRef"]["key"]))
        for container in pod.containers():
            for var in container.get("env", []):
                if _names_a_secret(var["name"], var.get("value")):
                    ref(f"container {container['name']} env {var['name']}", "Secret", var["value"])
    for config_map in manifest.of_kind("ConfigMap"):
        for key, value in (config_map.get("data") or {}).items():
            if _names_a_secret(key, value):
                found.append(ObjectReference(f"{_where(config_map)} data {key}", "Secret",
                                             _namespace(config_map, namespace), value))
    # What a KEDA ScaledObject scales.
    for scaled in manifest.of_kind("ScaledObject"):
        target = scaled["spec"]["scaleTargetRef"]
        found.append(ObjectReference(f"{_where(scaled)} scaleTargetRef", target.get("kind", "Deployment"),
                                     _namespace(scaled, namespace), target["name"]))
    for binding in manifest.of_kind("RoleBinding") + manifest.of_kind("ClusterRoleBinding"):
        ns = _namespace(binding, namespace)
        role = binding["roleRef"]
        found.append(ObjectReference(f"{_where(binding)} roleRef", role["kind"], ns, role["name"]))
        for subject in binding.get("subjects", []):
            if subject["kind"] == "ServiceAccount":
                found.append(ObjectReference(f"{_where(binding)} subjects", "ServiceAccount",
                                             subject.get("namespace") or ns, subject["name"]))
    for role in manifest.of_kind("Role"):
        for rule in role.get("rules", []):
            kinds = {"secrets": "Secret", "configmaps": "ConfigMap", "serviceaccounts": "ServiceAccount"}
            for resource in rule.get("resources", []):
                for name in rule.get("resourceNames", []) if resource in kinds else []:
                    found.append(ObjectReference(f"{_where(role)} resourceNames", kinds[resource],
                                                 _namespace(role, namespace), name))
    return found


def _names_a_secret(key: str, value) -> bool:
    """A setting that names a Secret by the clear pattern: a key ending in SECRET or SECRET_NAME
    (LANGFUSE_KEYS_SECRET) whose value is an object name with a dash, unlike a secret value."""
    return (bool(re.search(r"(?:^|_)SECRET(?:_NAME)?$", key)) and isinstance(value, str)
            and "-" in value and bool(_OBJECT_NAME.fullmatch(value)))


def provided_objects(manifest, namespace: str = DEFAULT_NAMESPACE) -> dict[tuple[str, str, str], set[str] | None]:
    """{(kind, namespace, name): its keys (None: any)} of what the render provides: its objects,
    the Secrets (and keys) its secret generator creates, and its StatefulSets' claims."""
    provided: dict[tuple[str, str, str], set[str] | None] = {}
    for obj in manifest:
        key = (obj["kind"], _namespace(obj, namespace), obj["metadata"]["name"])
        if obj["kind"] == "Secret":  # merged: the generator adds its keys to a rendered Secret
            provided[key] = (provided.get(key) or set()) | set(_secret_data(obj)) | set(obj.get("data") or {})
        elif obj["kind"] == "ConfigMap":
            provided[key] = set(obj.get("data") or {}) | set(obj.get("binaryData") or {})
            spec = (obj.get("data") or {}).get(GENERATOR_SPEC_KEY)
            for secret in json.loads(spec)["secrets"] if spec else []:
                generated = ("Secret", key[1], secret["name"])
                provided[generated] = (provided.get(generated) or set()) | set(secret["keys"])
        else:
            provided[key] = None
        if obj["kind"] == "StatefulSet":
            for claim in obj["spec"].get("volumeClaimTemplates", []):
                for i in range(obj["spec"].get("replicas", 1) or 0):
                    provided[("PersistentVolumeClaim", key[1],
                              f"{claim['metadata']['name']}-{obj['metadata']['name']}-{i}")] = None
    return provided


def unresolved_objects(manifest, user: frozenset[str] = frozenset(),
                       namespace: str = DEFAULT_NAMESPACE) -> list[Dangling]:
    """Named Secrets, ConfigMaps, ServiceAccounts, claims and Roles nothing provides (and keys
    a rendered or generated Secret or ConfigMap lacks)."""
    manifest = _Objects(with_operator_objects(manifest))
    provided = provided_objects(manifest, namespace)
    found = []
    references = object_references(manifest, namespace) + [
        ObjectReference(*reference) for reference in custom_resource_references(manifest, namespace)]
    for ref in references:
        target = f"{ref.kind} {ref.name!r}" + (f" key {ref.key!r}" if ref.key else "")
        if (ref.kind, ref.name) in WELL_KNOWN or _named_by_user(ref.name, user):
            continue
        if ref.kind == "ClusterRole" and (ref.name in WELL_KNOWN_CLUSTER_ROLES or ref.name.startswith("system:")):
            continue
        if (ref.kind, ref.namespace, ref.name) not in provided:
            found.append(Dangling(ref.referrer, target,
                                  "rendered by nothing, not generated, not in the user's values"))
            continue
        keys = provided[(ref.kind, ref.namespace, ref.name)]
        if ref.key and keys is not None and ref.key not in keys:
            found.append(Dangling(ref.referrer, target,
                                  f"{ref.kind} {ref.name!r} has no such key (has {sorted(keys)})"))
    return _unique(found)


# 3. Selectors.

def unmatched_selectors(manifest, namespace: str = DEFAULT_NAMESPACE) -> list[Dangling]:
    """Selectors that select nothing rendered, and HPAs whose target is not rendered."""
    manifest = _Objects(with_operator_objects(manifest))
    pod_list = pods(manifest, namespace)
    found = []
    for policy in manifest.of_kind("NetworkPolicy"):
        ns = _namespace(policy, namespace)
        if not _selected(pod_list, ns, policy["spec"].get("podSelector") or {}):
            found.append(Dangling(_where(policy), f"podSelector {_show(policy['spec'].get('podSelector'))}",
                                  "selects no rendered pod"))
        rules = [("ingress", "from", rule) for rule in policy["spec"].get("ingress") or []]
        rules += [("egress", "to", rule) for rule in policy["spec"].get("egress") or []]
        for direction, field, rule in rules:
            for peer in rule.get(field) or []:
                if set(peer) == {"podSelector"} and not _selected(pod_list, ns, peer["podSelector"] or {}):
                    found.append(Dangling(f"{_where(policy)} {direction} peer",
                                          f"podSelector {_show(peer['podSelector'])}", "selects no rendered pod"))
    for service in manifest.of_kind("Service"):
        ns = _namespace(service, namespace)
        if not service["spec"].get("selector"):
            continue
        selected = _service_selected(pod_list, ns, service)
        if not selected:
            found.append(Dangling(_where(service), f"selector {_show(service['spec']['selector'])}",
                                  "selects no rendered pod"))
            continue
        for port in service["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            if isinstance(target, str) and not any(p.get("name") == target for pod in selected
                                                   for p in pod.container_ports()):
                found.append(Dangling(f"{_where(service)} port {port.get('name', port['port'])}",
                                      f"targetPort {target!r}",
                                      f"no container port of that name in {sorted({p.where for p in selected})}"))
    for budget in manifest.of_kind("PodDisruptionBudget"):
        if not _selected(pod_list, _namespace(budget, namespace), budget["spec"].get("selector") or {}):
            found.append(Dangling(_where(budget), f"selector {_show(budget['spec'].get('selector'))}",
                                  "selects no rendered pod"))
    for autoscaler in manifest.of_kind("HorizontalPodAutoscaler"):
        target = autoscaler["spec"]["scaleTargetRef"]
        if not any(obj["kind"] == target["kind"] and obj["metadata"]["name"] == target["name"] for obj in manifest):
            found.append(Dangling(f"{_where(autoscaler)} scaleTargetRef", f"{target['kind']} {target['name']!r}",
                                  "not rendered"))
    for monitor in manifest.of_kind("PodMonitor"):
        selected = _selected(pod_list, _namespace(monitor, namespace), monitor["spec"].get("selector") or {})
        if not selected:
            found.append(Dangling(_where(monitor), f"selector {_show(monitor['spec'].get('selector'))}",
                                  "selects no rendered pod (nor one an operator makes)"))
        for endpoint in monitor["spec"].get("podMetricsEndpoints", []) if selected else []:
            if "port" in endpoint and not any(p.get("name") == endpoint["port"] for pod in selected
                                              for p in pod.container_ports()):
                found.append(Dangling(f"{_where(monitor)} endpoint", f"port {endpoint['port']!r}",
                                      f"no such container port in {sorted({p.where for p in selected})}"))
    for monitor in manifest.of_kind("ServiceMonitor"):
        services = monitored_services(manifest, monitor, namespace)
        if not services:
            found.append(Dangling(_where(monitor), f"selector {_show(monitor['spec'].get('selector'))}",
                                  "selects no rendered Service"))
            continue
        names = {p.get("name") for svc in services for p in svc["spec"].get("ports", [])}
        for endpoint in monitor["spec"].get("endpoints", []):
            if "port" in endpoint and endpoint["port"] not in names:
                found.append(Dangling(f"{_where(monitor)} endpoint", f"port {endpoint['port']!r}",
                                      f"no such port on {sorted(_where(s) for s in services)}"))
    return _unique(found)


def monitored_services(manifest, monitor: dict, namespace: str = DEFAULT_NAMESPACE) -> list[dict]:
    """The rendered Services a ServiceMonitor selects, in the namespaces it watches."""
    watched = monitor["spec"].get("namespaceSelector") or {}
    names = watched.get("matchNames") or [_namespace(monitor, namespace)]
    return [svc for svc in manifest.of_kind("Service")
            if (watched.get("any") or _namespace(svc, namespace) in names)
            and selects(monitor["spec"].get("selector") or {}, svc["metadata"].get("labels") or {})]


def _show(selector) -> str:
    return json.dumps(selector, sort_keys=True)


# 4. The collector's scrape targets.

COLLECTOR_CHART = "otel-collector"


def collector_services(manifest) -> list[dict]:
    """The collector chart's Services, known by their helm.sh/chart label, whatever their names."""
    return [svc for svc in manifest.of_kind("Service")
            if str((svc["metadata"].get("labels") or {}).get("helm.sh/chart", "")).startswith(f"{COLLECTOR_CHART}-")]


def prometheus_configs(manifest) -> list[tuple[str, dict]]:
    """(where, config) of every Prometheus configuration a rendered ConfigMap holds."""
    found = []
    for config_map in manifest.of_kind("ConfigMap"):
        for key, text in (config_map.get("data") or {}).items():
            if "scrape_configs" not in text:
                continue
            try:
                config = yaml.safe_load(text)
            except yaml.YAMLError:
                continue
            if isinstance(config, dict) and "scrape_configs" in config:
                found.append((f"{_where(config_map)} data {key}", config))
    return found


def unscraped_collector(manifest, namespace: str = DEFAULT_NAMESPACE) -> list[Dangling]:
    """Scrape jobs named for the collector (job_name mentions "collector") and ServiceMonitors
    that do not reach the collector's Service: every target Prometheus keeps must be a pod the
    collector's Service selects, on a port it routes to, and each job must keep one."""
    services = collector_services(manifest)
    if not services:
        return []
    pod_list = pods(manifest, namespace)
    collector_pods = {id(pod.owner) for svc in services
                      for pod in _service_selected(pod_list, _namespace(svc, namespace), svc)}
    routed = {port.get("targetPort", port["port"]) for svc in services for port in svc["spec"].get("ports", [])}
    found = []
    for where, config in prometheus_configs(manifest):
        for job in config.get("scrape_configs") or []:
            if "collector" not in job.get("job_name", ""):
                continue
            referrer = f"{where} job {job['job_name']}"
            if not job.get("kubernetes_sd_configs"):
                continue  # static targets are hosts: unresolved_hosts checks them
            targets = [target for target in discovered_targets(job, pod_list, manifest, namespace)
                       if relabel(target.labels, job.get("relabel_configs") or []) is not None]
            if not targets:
                found.append(Dangling(referrer, "the collector's pods", "its relabel rules keep no rendered target"))
            for target in targets:
                if id(target.pod.owner) not in collector_pods:
                    found.append(Dangling(referrer, f"{target.pod.where} port {target.port_label}",
                                          "kept, but not a pod of the collector's Service"))
                elif not ({target.port.get("name"), target.port.get("containerPort")} & routed):
                    found.append(Dangling(referrer, f"{target.pod.where} port {target.port_label}",
                                          f"kept, but the collector's Service routes to {sorted(map(str, routed))}"))
    collector_names = {_where(svc) for svc in services}
    for monitor in manifest.of_kind("ServiceMonitor"):
        selected = {_where(svc) for svc in monitored_services(manifest, monitor, namespace)}
        if not selected & collector_names:
            found.append(Dangling(_where(monitor), f"selector {_show(monitor['spec'].get('selector'))}",
                                  f"does not select the collector's Service {sorted(collector_names)}"))
        elif selected - collector_names:
            found.append(Dangling(_where(monitor), f"{sorted(selected - collector_names)}",
                                  "selected, but not the collector's Service"))
    return _unique(found)


@dataclass
class Target:
    pod: PodTemplate
    port: dict
    labels: dict[str, str]

    @property
    def port_label(self) -> str:
        return str(self.port.get("name") or self.port.get("containerPort"))


def _meta_name(key: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", key)


def discovered_targets(job: dict, pod_list: list[PodTemplate], manifest, namespace: str) -> list[Target]:
    """What Kubernetes service discovery (role pod, endpoints or endpointslice) finds among the
    rendered pods: one target per container port, with the __meta_kubernetes_* labels."""
    targets = []
    for discovery in job["kubernetes_sd_configs"]:
        role = discovery.get("role")
        names = (discovery.get("namespaces") or {}).get("names")
        for pod in pod_list:
            if names and pod.namespace not in names:
                continue
            labels = {"__meta_kubernetes_namespace": pod.namespace,
                      "__meta_kubernetes_pod_name": f"{pod.owner['metadata']['name']}-0",
                      "__meta_kubernetes_pod_phase": "Running",
                      "__meta_kubernetes_pod_ip": "10.0.0.1"}
            for key, value in pod.labels.items():
                labels[f"__meta_kubernetes_pod_label_{_meta_name(key)}"] = str(value)
                labels[f"__meta_kubernetes_pod_labelpresent_{_meta_name(key)}"] = "true"
            for key, value in pod.annotations.items():
                labels[f"__meta_kubernetes_pod_annotation_{_meta_name(key)}"] = str(value)
                labels[f"__meta_kubernetes_pod_annotationpresent_{_meta_name(key)}"] = "true"
            for container in pod.spec.get("containers", []):
                for port in container.get("ports", []):
                    port_labels = {**labels,
                                   "__address__": f"10.0.0.1:{port['containerPort']}",
                                   "__meta_kubernetes_pod_container_name": container["name"],
                                   "__meta_kubernetes_pod_container_port_name": port.get("name", ""),
                                   "__meta_kubernetes_pod_container_port_number": str(port["containerPort"]),
                                   "__meta_kubernetes_pod_container_port_protocol": port.get("protocol", "TCP")}
                    if role == "pod":
                        targets.append(Target(pod, port, port_labels))
                    elif role in ("endpoints", "endpointslice"):
                        targets += _endpoint_targets(pod, port, port_labels, manifest, namespace)
    return targets


def _endpoint_targets(pod, port, labels, manifest, namespace) -> list[Target]:
    targets = []
    for service in manifest.of_kind("Service"):
        selector = service["spec"].get("selector")
        if (_namespace(service, namespace) != pod.namespace or not selector
                or not selects({"matchLabels": selector}, pod.labels)):
            continue
        for service_port in service["spec"].get("ports", []):
            if service_port.get("targetPort", service_port["port"]) not in (port.get("name"), port["containerPort"]):
                continue
            service_labels = {**labels, "__meta_kubernetes_service_name": service["metadata"]["name"],
                              "__meta_kubernetes_endpoint_port_name": service_port.get("name", ""),
                              "__meta_kubernetes_endpointslice_port_name": service_port.get("name", "")}
            for key, value in (service["metadata"].get("labels") or {}).items():
                service_labels[f"__meta_kubernetes_service_label_{_meta_name(key)}"] = str(value)
            targets.append(Target(pod, port, service_labels))
    return targets


def relabel(labels: dict[str, str], rules: list[dict]) -> dict[str, str] | None:
    """Prometheus relabelling of one target; None when a rule drops it. Regexes are anchored,
    as Prometheus anchors them; keep, drop, replace, labelmap, labeldrop and labelkeep."""
    labels = dict(labels)
    for rule in rules:
        action = rule.get("action", "replace")
        regex = re.compile(f"^(?:{rule.get('regex', '(.*)')})$")
        value = rule.get("separator", ";").join(labels.get(name, "") for name in rule.get("source_labels", []))
        if action == "keep" and not regex.match(value):
            return None
        if action == "drop" and regex.match(value):
            return None
        if action == "replace":
            match = regex.match(value)
            if match:
                replacement = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", rule.get("replacement", "$1"))
                labels[rule["target_label"]] = match.expand(replacement)
        elif action == "labelmap":
            replacement = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", rule.get("replacement", "$1"))
            labels.update({regex.match(name).expand(replacement): labels[name]
                           for name in list(labels) if regex.match(name)})
        elif action == "labeldrop":
            labels = {name: v for name, v in labels.items() if not regex.match(name)}
        elif action == "labelkeep":
            labels = {name: v for name, v in labels.items() if regex.match(name)}
        elif action not in ("keep", "drop"):
            raise ValueError(f"relabel action {action!r} is not simulated")
    return labels


def _unique(found: list[Dangling]) -> list[Dangling]:
    return list(dict.fromkeys(found))
