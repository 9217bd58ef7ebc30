"""What a person looks at first when an e2e test fails: warning events, unready pods, releases."""

from __future__ import annotations

from kubernetes import client


def report(api_client: client.ApiClient, namespace: str, release=None) -> str:
    core = client.CoreV1Api(api_client)
    lines = [f"--- namespace {namespace}"]
    events = sorted(core.list_namespaced_event(namespace).items,
                    key=lambda e: e.last_timestamp or e.event_time or e.metadata.creation_timestamp)
    warnings = [e for e in events if e.type != "Normal"][-20:]
    lines.append(f"warning events ({len(warnings)} most recent):")
    lines += [f"  {e.involved_object.kind}/{e.involved_object.name}: {e.reason}: {e.message}" for e in warnings]
    for pod in core.list_namespaced_pod(namespace).items:
        conditions = {c.type: c.status for c in pod.status.conditions or []}
        if pod.status.phase == "Succeeded" or conditions.get("Ready") == "True":
            continue
        lines.append(f"pod {pod.metadata.name}: phase {pod.status.phase}, conditions {conditions}")
        for status in (pod.status.init_container_statuses or []) + (pod.status.container_statuses or []):
            lines.append(f"  container {status.name}: ready={status.ready} state={status.state.to_dict()}")
    if release is not None:
        try:
            status = release.status()
            lines.append(f"helm release {release.name}: {status['info']['status']} "
                         f"(revision {status['version']}): {status['info'].get('description', '')}")
        except Exception as error:  # the release may be gone or never created
            lines.append(f"helm release {release.name}: {error}")
    return "\n".join(lines)
