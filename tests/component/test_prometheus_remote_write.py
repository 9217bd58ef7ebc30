"""The embedded Prometheus, on the chart's rendered configuration, remote-writes every sample to a
store: a real receiving Prometheus (--web.enable-remote-write-receiver) behind a stand-in for the
store's login, which checks basic auth as Mimir's or Grafana Cloud's gateway does. The password
is read from the mounted Secret's file (the rendered password_file); the dashboards' queries then
answer on the store with the same numbers as on the embedded Prometheus, and the series carry the
replica and cluster labels the chart sets for deduplication. A wrong password fails visibly:
the store refuses it, and Prometheus counts the samples it could not send."""

from __future__ import annotations

import base64
import copy
import http.server
import re
import time
from pathlib import Path

import pytest
import requests
import yaml

from harness import prometheus
from harness.dashboards import dashboards
from harness.network import ServedInBackground, free_port
from harness.render import render_chart

from genai_spans import Agent
from monitoring_stack import MonitoringStack, missing_reason
from test_dashboard_queries import STACK_VALUES, landed, send_session

USER = "agents"
PASSWORD = "remote-write-password-3c9f"
SECRET = {"name": "remote-write", "key": "password"}
CLUSTER = "ci-cluster"
POD = "obs-prometheus-0"
SCALE = {"replicas": 2, "externalLabels": {"cluster": CLUSTER}, "remoteWrite": [{
    "name": "store", "url": "https://store.example.com/api/v1/push", "headers": {"X-Scope-OrgID": "agents"},
    "basicAuth": {"username": USER, "passwordSecret": SECRET},
    # Sent within a second, so the test need not wait the default five.
    "queueConfig": {"batchSendDeadline": "1s"}}]}
# Panels of every kind: counters over a window, per-label sums, a recording rule, the collector's telemetry.
PANELS = [("agent-observability-agents", "Total requests"), ("agent-observability-llm", "Cost by tenant"),
          ("agent-observability-tools", "Tool calls by tool"), ("agent-observability-chargeback", "LLM spend this month"),
          ("agent-observability-pipeline", "Spans accepted")]


class StoreLogin(ServedInBackground):
    """The store's gateway: a request without `USER`:`PASSWORD` as basic auth gets 401, as Mimir's
    and Grafana Cloud's do; one with them goes on to the receiver's /api/v1/write."""

    def __init__(self, receiver: str):
        self.refused = 0
        self.headers: list[dict] = []
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        login = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                login.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.headers.get("Authorization") != expected:
                    login.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                forwarded = {k: v for k, v in self.headers.items()
                             if k.lower() in ("content-type", "content-encoding") or k.lower().startswith("x-prometheus")}
                answer = requests.post(f"{receiver}/api/v1/write", data=body, headers=forwarded, timeout=10)
                self.send_response(answer.status_code)
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/push"


def mount_secret(rendered: dict, workdir: Path, password: str) -> dict:
    """The rendered remote_write with the Secret's file where the pod mounts it (under
    `workdir` here) and the store's URL at the login stand-in: the chart's settings otherwise."""
    secrets = workdir / "secrets"
    [target] = rendered["remote_write"]
    path = Path(target["basic_auth"]["password_file"])
    assert path.parts[:4] == ("/", "etc", "prometheus", "secrets")
    local = secrets.joinpath(*path.parts[4:])
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text(password + "\n")  # as a Secret made from a file often is: Prometheus trims it
    return {**target, "basic_auth": {**target["basic_auth"], "password_file": str(local)}}


def remote_storage(server: prometheus.Prometheus, metric: str) -> float:
    """A prometheus_remote_storage_* counter of `server`, from its own /metrics."""
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    return sum(float(value) for value in re.findall(rf"^prometheus_remote_storage_{metric}\{{[^}}]*\}} (\S+)$",
                                                       text, re.MULTILINE))


def panel(uid: str, title: str) -> dict:
    [dashboard] = [d for d in dashboards() if d["uid"] == uid]
    [found] = [p for p in dashboard["panels"] if p.get("title") == title]
    return found


def without_external_labels(results: list[dict]) -> list[dict]:
    return [{frozenset((k, v) for k, v in labels if k not in ("cluster", "replica")): value
             for labels, value in result.items()} for result in results]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The embedded Prometheus (replica 0 of two) writing to the store, after two sessions."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("remote-write")
    (workdir / "receiver").mkdir()
    receiver = prometheus.Prometheus({"global": {"scrape_interval": "1h"}}, workdir / "receiver",
                                     flags=["--web.enable-remote-write-receiver"])
    values = copy.deepcopy(STACK_VALUES)
    values["monitoring"].setdefault("prometheus", {}).update(SCALE)
    stack = MonitoringStack(values, workdir)
    receiver.start()
    try:
        with StoreLogin(receiver.url) as login:
            rendered = yaml.safe_load(stack.manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
            stack.prometheus.config["remote_write"] = [{**mount_secret(rendered, workdir, PASSWORD), "url": login.url}]
            stack.prometheus.env = {"POD_NAME": POD}  # the pod's name, from the downward API
            stack.start()
            try:
                acme = Agent(stack.collector.otlp_http, {"service.name": "planner-service", "tenant.id": "acme"})
                globex = Agent(stack.collector.otlp_grpc, {"service.name": "support-service", "tenant.id": "globex"},
                               protocol="grpc")
                stack.run_sessions(lambda: send_session(acme, globex), landed)
                acme.close()
                globex.close()
                yield stack, receiver, login
            finally:
                stack.stop()
    finally:
        receiver.kill()


def on_the_receiver(stack: MonitoringStack, receiver: prometheus.Prometheus) -> MonitoringStack:
    """The stack's queries, asked of the receiver instead."""
    view = copy.copy(stack)
    view.prometheus = receiver
    return view


def test_dashboard_queries_answer_on_the_store_as_on_the_embedded_prometheus(store):
    stack, receiver, login = store
    for uid, title in PANELS:
        sent = stack.evaluate(uid, panel(uid, title))
        assert any(value for result in sent for value in result.values()), f"{title}: nothing to compare"
        deadline = time.monotonic() + 60
        while True:  # the last samples are in the store once the queue's batch went out
            stored = without_external_labels(on_the_receiver(stack, receiver).evaluate(uid, panel(uid, title)))
            if stored == sent or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert stored == sent, f"{uid} / {title}"
    assert login.refused == 0
    assert remote_storage(stack.prometheus, "samples_failed_total") == 0
    assert all(headers.get("x-scope-orgid") == "agents" for headers in login.headers)


def test_stored_series_carry_the_replica_and_cluster_labels_to_deduplicate_by(store):
    stack, receiver, _ = store
    series = receiver.query('llm_requests_total')
    assert series
    assert {(s["metric"]["replica"], s["metric"]["cluster"]) for s in series} == {(POD, CLUSTER)}
    # The embedded Prometheus itself keeps them without: external labels are for what leaves it.
    assert all("replica" not in s["metric"] for s in stack.prometheus.query('llm_requests_total'))


def test_a_wrong_password_is_refused_and_counted_as_failed_samples(tmp_path):
    """Prometheus treats the store's 401 as not worth retrying (v3.16.0 storage/remote/client.go:
    only 5xx and, when asked, 429 are recoverable) and counts the batch in
    prometheus_remote_storage_samples_failed_total."""
    reason = prometheus.missing_reason()
    if reason:
        pytest.skip(reason)
    manifest = render_chart(values={"monitoring": {"prometheus": SCALE}})
    rendered = yaml.safe_load(manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
    (tmp_path / "receiver").mkdir()
    receiver = prometheus.Prometheus({"global": {"scrape_interval": "1h"}}, tmp_path / "receiver",
                                     flags=["--web.enable-remote-write-receiver"]).start()
    try:
        with StoreLogin(receiver.url) as login:
            port = free_port()
            # The chart's configuration, scraping only itself (the other jobs need a cluster).
            [own] = [job for job in rendered["scrape_configs"] if job["job_name"] == "prometheus"]
            config = {"global": {**rendered["global"], "scrape_interval": "1s"},
                      "scrape_configs": [{**own, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}],
                      "remote_write": [{**mount_secret(rendered, tmp_path, "not-the-password"), "url": login.url}]}
            sender = prometheus.Prometheus(config, tmp_path, port=port, env={"POD_NAME": "obs-prometheus-1"}).start()
            try:
                deadline = time.monotonic() + 60
                while remote_storage(sender, "samples_failed_total") == 0 and time.monotonic() < deadline:
                    time.sleep(0.5)
                assert remote_storage(sender, "samples_failed_total") > 0, sender.log()
                assert login.refused > 0
                assert receiver.query('up{replica="obs-prometheus-1"}') == []
            finally:
                sender.kill()
    finally:
        receiver.kill()


def test_promtool_accepts_sigv4_with_its_region_and_no_credential(tmp_path):
    """Amazon Managed Prometheus: SigV4 signs with the credentials of AWS' default chain (IRSA's
    web identity on EKS), so the configuration carries the region and role and nothing secret."""
    reason = prometheus.missing_reason()
    if reason:
        pytest.skip(reason)
    amp = {"name": "amp", "url": "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
           "sigv4": {"region": "eu-west-1", "roleArn": "arn:aws:iam::123456789012:role/amp-write"}}
    manifest = render_chart(values={"monitoring": {"prometheus": {"remoteWrite": [amp]},
                                                   "serviceAccount": {"annotations": {
                                                       "eks.amazonaws.com/role-arn": amp["sigv4"]["roleArn"]}}}})
    text = manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"]
    [target] = yaml.safe_load(text)["remote_write"]
    assert target["sigv4"] == {"region": "eu-west-1", "role_arn": amp["sigv4"]["roleArn"]}
    assert not {"access_key", "secret_key", "profile"} & set(target["sigv4"])
    path = tmp_path / "prometheus.yml"
    path.write_text(text)
    result = prometheus.check_config(path)
    assert result.returncode == 0, result.stdout + result.stderr
    annotations = manifest.get("ServiceAccount", "obs-prometheus")["metadata"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"] == amp["sigv4"]["roleArn"]
