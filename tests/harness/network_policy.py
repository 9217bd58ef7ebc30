"""NetworkPolicy semantics, offline: which policies select a pod, which peers a rule admits."""

from __future__ import annotations


def selects(selector: dict, labels: dict) -> bool:
    """Whether a Kubernetes label selector matches `labels` (matchLabels and matchExpressions)."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        matched = {"In": key in labels and labels[key] in values,
                   "NotIn": labels.get(key) not in values,
                   "Exists": key in labels,
                   "DoesNotExist": key not in labels}[operator]
        if not matched:
            return False
    return True


def policies_selecting(manifest, pod_labels: dict) -> list[dict]:
    """The NetworkPolicies of a render whose podSelector selects a pod with these labels."""
    return [policy for policy in manifest.of_kind("NetworkPolicy")
            if selects(policy["spec"]["podSelector"], pod_labels)]


def hook_events(obj: dict) -> set[str]:
    """The Helm hook events an object is created on; empty for an ordinary release object."""
    hook = obj["metadata"].get("annotations", {}).get("helm.sh/hook", "")
    return {event.strip() for event in hook.split(",") if event.strip()}


def hook_weight(obj: dict) -> int:
    return int(obj["metadata"].get("annotations", {}).get("helm.sh/hook-weight", "0"))


def egress_ports_to_anywhere(manifest, pod_labels: dict) -> set[int]:
    """The TCP ports a pod may connect to at any address: the ports of every egress rule without
    `to` in the policies that select it (NetworkPolicies add up)."""
    ports = set()
    for policy in policies_selecting(manifest, pod_labels):
        for rule in policy["spec"].get("egress", []):
            if not rule.get("to"):
                ports |= {port["port"] for port in rule.get("ports", []) if port.get("protocol", "TCP") == "TCP"}
    return ports
