"""Pod Security Standards, "restricted" profile, checked on rendered pod templates offline.

The same rules the API server's PodSecurity admission applies (the e2e tier proves it there);
here they run on every render, for every values file, in milliseconds.
"""

from __future__ import annotations

ALLOWED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                        "persistentVolumeClaim", "projected", "secret"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


def pod_templates(manifest):
    """(object, pod template: metadata and spec) of every workload, CronJob and Pod in a render."""
    for obj in manifest:
        if obj["kind"] in WORKLOAD_KINDS:
            yield obj, obj["spec"]["template"]
        elif obj["kind"] == "CronJob":
            yield obj, obj["spec"]["jobTemplate"]["spec"]["template"]
        elif obj["kind"] == "Pod":
            yield obj, obj


def pod_specs(manifest):
    """(kind/name, pod spec) of every workload and CronJob in a render."""
    for obj, template in pod_templates(manifest):
        yield f"{obj['kind']}/{obj['metadata']['name']}", template["spec"]


def violations(pod_spec: dict) -> list[str]:
    """Every way a pod spec breaks Pod Security "restricted"; empty when it complies."""
    found = []
    pod_context = pod_spec.get("securityContext", {})
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(flag):
            found.append(f"{flag} is true")
    for volume in pod_spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUME_TYPES:
            found.append(f"volume {volume['name']} has type {sorted(kinds)}")
    containers = pod_spec.get("initContainers", []) + pod_spec.get("containers", [])
    for container in containers:
        name = container["name"]
        context = container.get("securityContext", {})
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation is not false")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            found.append(f"{name}: capabilities do not drop ALL")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: adds capabilities {capabilities['add']}")
        run_as_non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        if run_as_non_root is not True:
            found.append(f"{name}: runAsNonRoot is not true")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            found.append(f"{name}: runs as user 0")
        seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {}))
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccompProfile is not RuntimeDefault or Localhost")
        for port in container.get("ports", []):
            if port.get("hostPort"):
                found.append(f"{name}: hostPort {port['hostPort']}")
    return found
