"""Resource requests of a render, as the scheduler counts them."""

from __future__ import annotations

from .pod_security import pod_specs
from .pods import memory_bytes  # one parser of memory quantities for the whole harness


def cpu_millicores(quantity: str) -> int:
    quantity = str(quantity)
    return int(quantity[:-1]) if quantity.endswith("m") else int(float(quantity) * 1000)


def pod_requests(spec: dict) -> tuple[int, int]:
    """(millicores, bytes) one pod reserves: its containers' sum, or its largest init container."""
    def requests(container):
        wanted = container.get("resources", {}).get("requests", {})
        return cpu_millicores(wanted.get("cpu", "0")), memory_bytes(wanted.get("memory", "0"))

    main = [requests(c) for c in spec["containers"]]
    init = [requests(c) for c in spec.get("initContainers", [])]
    cpu = max([sum(c for c, _ in main)] + [c for c, _ in init])
    memory = max([sum(m for _, m in main)] + [m for _, m in init])
    return cpu, memory


def steady_state_requests(manifest) -> tuple[int, int]:
    """(millicores, bytes) the long-running pods of a render reserve, replicas counted."""
    cpu = memory = 0
    for obj in manifest:
        if obj["kind"] not in ("Deployment", "StatefulSet"):
            continue
        replicas = obj["spec"].get("replicas", 1)
        pod_cpu, pod_memory = pod_requests(obj["spec"]["template"]["spec"])
        cpu += replicas * pod_cpu
        memory += replicas * pod_memory
    return cpu, memory
