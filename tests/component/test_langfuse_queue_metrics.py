"""LangFuse's queue metrics end to end: the DogStatsD lines LangFuse's worker sends reach the real
collector on the chart's rendered configuration and come out as the series the panel, the alerts
and the worker's scaler read, evaluated on a real Prometheus running the rendered rules.

The lines come from dd-trace at LangFuse v4.16.0's pin (.cache/dd-trace, `make dd-trace`), driven
as the worker drives it (dd-trace/langfuse_worker.js: dd.init with the worker's options, then
gauge/increment/distribution with LangFuse's metric names and tags), in two processes standing
for two worker pods, with the environment the chart renders for the worker: only the Service's
address is moved to the collector's loopback port. dd-trace sends every 10 s, each time after
its HTTP attempt at an agent (none listens) has failed and been retried, so a phase takes about
half a minute.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from harness import collector
from harness.paths import REPO_ROOT
from harness.pods import expand

from monitoring_stack import GENAI_JOB, NAMESPACE, RELEASE, TELEMETRY_JOB, Window, running_stack
from test_dashboard_queries import dashboards

DD_TRACE = REPO_ROOT / ".cache" / "dd-trace" / "node_modules"
DRIVER = Path(__file__).parent / "dd-trace" / "langfuse_worker.js"
WORKER = "obs-langfuse-worker"
VALUES = {
    "otel-collector": {"statsd": {"enabled": True}},
    "langfuse": {"worker": {"dogstatsd": {"enabled": True}, "autoscaling": {"external": True}}},
    "workerScaling": {"keda": {"enabled": True}},
    # Thresholds the test's numbers pass, so both alerts go pending.
    "monitoring": {"alerts": {"langfuseQueues": {"waitingJobs": 1000, "waitSeconds": 100}}},
}
# The series the collector exposes (otel-collector templates/_statsd.tpl), and their labels
# (shard only for a sharded queue).
SERIES_LABELS = {
    "langfuse_queue_depth": {"queue", "shard", "type"},
    "langfuse_queue_dlq_oldest_age_milliseconds": {"queue", "shard"},
    "langfuse_queue_jobs_total": {"queue", "shard", "type", "worker_pod"},
    **{f"langfuse_queue_{name}_milliseconds_{part}": {"queue", "shard", "worker_pod"} | ({"le"} if part == "bucket" else set())
       for name in ("wait_time", "processing_time") for part in ("bucket", "sum", "count")},
}


def metric_base(queue: str) -> str:
    """convertQueueNameToMetricName (packages/shared/src/server/instrumentation/index.ts):
    "otel-ingestion-queue" -> "langfuse.queue.otel_ingestion"."""
    return "langfuse.queue." + re.sub(r"_queue$", "", queue.replace("-", "_"))


OTEL = "otel-ingestion-queue"  # sharded (one shard, LANGFUSE_OTEL_INGESTION_QUEUE_SHARD_COUNT's default)
BATCH_EXPORT = "batch-export-queue"  # not sharded


def queue_runner(waiting: int) -> list:
    """What QueueMetricsRunner.execute records each interval (worker/src/features/queue-metrics-runner/
    index.ts): per shard and for shard "all" of a sharded queue, without a shard for the others."""
    calls = []
    depths = {"waiting": waiting, "failed": 2, "active": 4}
    for tags in ({"shard": OTEL}, {"shard": "all"}):
        calls += [["gauge", f"{metric_base(OTEL)}.depth", depths[kind], {**tags, "type": kind, "unit": "records"}]
                  for kind in ("waiting", "failed", "active")]
        calls.append(["gauge", f"{metric_base(OTEL)}.dlq_oldest_age", 5000, {**tags, "unit": "milliseconds"}])
    calls += [["gauge", f"{metric_base(BATCH_EXPORT)}.depth", n, {"type": kind, "unit": "records"}]
              for kind, n in (("waiting", 7), ("failed", 0), ("active", 1))]
    calls.append(["gauge", f"{metric_base(BATCH_EXPORT)}.dlq_oldest_age", 0, {"unit": "milliseconds"}])
    # LangFuse's other metrics, which the collector drops.
    calls.append(["gauge", "langfuse.ingestion.failure.active_projects", 1, {}])
    return calls


def jobs(waits_ms: list[int]) -> list:
    """What WorkerManager.metricWrapper and the worker's "completed" handler record per job of the
    sharded queue (worker/src/queues/workerManager.ts), and a metric of the job's own."""
    base, shard = metric_base(OTEL), {"shard": OTEL}
    calls = []
    for wait in waits_ms:
        calls += [["increment", f"{base}.rate", 1, {"type": "request", **shard}],
                  ["distribution", f"{base}.time_distribution", wait, {"type": "wait", "unit": "milliseconds", **shard}],
                  ["distribution", f"{base}.time_distribution", 40, {"type": "processing", "unit": "milliseconds", **shard}],
                  ["increment", f"{base}.rate", 1, {"type": "completed", **shard}],
                  ["histogram", "langfuse.ingestion.s3_file_size_bytes", 2048, {"kind": "otel"}],
                  ["increment", "langfuse.ingestion.event", 3, {"source": "otel"}]]
    return calls


class Worker:
    """One worker pod's dd-trace, on the environment the chart renders for the worker."""

    def __init__(self, env: dict[str, str], workdir: Path):
        self.log = (workdir / f"{env['POD_NAME']}.log").open("w")
        self.process = subprocess.Popen(["node", str(DRIVER)], env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True)

    def send(self, calls: dict) -> None:
        self.process.stdin.write(json.dumps(calls) + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "recorded"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        self.log.close()


def worker_env(manifest, stack, pod: str) -> dict[str, str]:
    """The worker container's dd-trace settings as rendered, with $(POD_NAME) from the pod and the
    collector's Service moved to its loopback port."""
    [container] = manifest.get("Deployment", WORKER)["spec"]["template"]["spec"]["containers"]
    env = {"POD_NAME": pod}
    for var in container["env"]:
        if var["name"].startswith("DD_"):
            env[var["name"]] = expand(var["value"], env)
    [statsd] = [p for p in manifest.get("Service", "obs-otel-collector")["spec"]["ports"] if p["name"] == "statsd"]
    assert (env["DD_DOGSTATSD_HOST"], int(env["DD_DOGSTATSD_PORT"]), statsd["protocol"]) == \
        ("obs-otel-collector", statsd["port"], "UDP")
    env.update(DD_DOGSTATSD_HOST="127.0.0.1", DD_DOGSTATSD_PORT=str(stack.ports.statsd))
    return {"PATH": os.environ["PATH"], "NODE_PATH": str(DD_TRACE), **env}


def langfuse_series(stack) -> dict[tuple, float]:
    return {key: value for key, value in stack.collector.metrics().items() if key[0].startswith("langfuse")}


def wait_until(found, wanted: dict, timeout: float = 120) -> dict:
    """Polls `found()` until each (name, labels...) key of `wanted` has its value."""
    deadline = time.monotonic() + timeout
    while True:
        samples = found()
        if all(samples.get(key) == value for key, value in wanted.items()):
            return samples
        if time.monotonic() > deadline:
            raise TimeoutError(f"wanted {wanted}, found {samples}")
        time.sleep(1)


def count_key(worker_pod: str) -> tuple:
    return ("langfuse_queue_wait_time_milliseconds_count", ("queue", "otel_ingestion"), ("shard", OTEL),
            ("worker_pod", worker_pod))


def scraped_after(stack, moment: float, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [sample] = stack.prometheus.query(f'timestamp(up{{job="{GENAI_JOB}"}})')
        if float(sample["value"][1]) > moment:
            return float(sample["value"][1])
        time.sleep(0.2)
    raise TimeoutError("no scrape")


def evaluated_after(stack, moment: float, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [group] = [g for g in stack.prometheus.rules() if g["name"] == "agent-observability.langfuse-queues"]
        stamp = datetime.fromisoformat(group["lastEvaluation"].replace("Z", "+00:00")).timestamp()
        if stamp > moment + 0.5:
            return stamp
        time.sleep(0.2)
    raise TimeoutError("the langfuse-queues group was not evaluated")


def p95(waits_ms: list[int], buckets: list[float]) -> float:
    """histogram_quantile(0.95) of these waits in the chart's buckets, as Prometheus interpolates."""
    bounds = sorted(buckets) + [math.inf]
    cumulative = [sum(1 for w in waits_ms if w <= bound) for bound in bounds]
    rank = 0.95 * len(waits_ms)
    index = next(i for i, count in enumerate(cumulative) if count >= rank)
    lower = bounds[index - 1] if index else 0
    below = cumulative[index - 1] if index else 0
    return lower + (bounds[index] - lower) * (rank - below) / (cumulative[index] - below)


@pytest.fixture
def node_dd_trace():
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    if not (DD_TRACE / "dd-trace").is_dir():
        pytest.skip("dd-trace is not installed: make dd-trace")


def test_langfuses_queue_metrics_become_the_series_the_panel_alerts_and_scaler_read(node_dd_trace, tmp_path):
    with running_stack(VALUES, tmp_path) as stack:
        manifest = stack.manifest
        workers = [Worker(worker_env(manifest, stack, pod), tmp_path) for pod in ("obs-langfuse-worker-a", "obs-langfuse-worker-b")]
        try:
            # Phase 1: the queue runner reports 1200 waiting jobs from both pods; one job each.
            for worker in workers:
                worker.send({"repeat": queue_runner(1200), "once": jobs([300])})
            wait_until(lambda: langfuse_series(stack), {count_key(w): 1 for w in ("obs-langfuse-worker-a", "obs-langfuse-worker-b")})
            t0 = scraped_after(stack, time.time())
            # Phase 2: slower jobs, the ingestion lag the panel and LangfuseIngestionLagging show.
            slow = {"obs-langfuse-worker-a": [2500, 70000], "obs-langfuse-worker-b": [90000, 800]}
            for worker, pod in zip(workers, slow):
                worker.send({"once": jobs(slow[pod])})
            exposed = wait_until(lambda: langfuse_series(stack), {count_key(pod): 3 for pod in slow})
            t1 = scraped_after(stack, time.time())
            rules_read_at = evaluated_after(stack, t1)
        finally:
            for worker in workers:
                worker.stop()

        # The collector exposes LangFuse's queue series only, with the documented labels.
        for name, *labels in exposed:
            assert name in SERIES_LABELS, f"{name} is not one of LangFuse's queue series"
            # shard only on a sharded queue's series
            assert SERIES_LABELS[name] - {"shard"} <= {label for label, _ in labels} <= SERIES_LABELS[name], (name, labels)
        # Gauges: every worker measures the same queue, and each collector keeps one series.
        assert exposed[("langfuse_queue_depth", ("queue", "otel_ingestion"), ("shard", "all"), ("type", "waiting"))] == 1200
        assert exposed[("langfuse_queue_depth", ("queue", "batch_export"), ("type", "waiting"))] == 7
        assert exposed[("langfuse_queue_dlq_oldest_age_milliseconds", ("queue", "otel_ingestion"), ("shard", "all"))] == 5000
        # Counters and histograms: each worker's own, summed by the queries.
        for pod in slow:
            for kind in ("request", "completed"):
                assert exposed[("langfuse_queue_jobs_total", ("queue", "otel_ingestion"), ("shard", OTEL),
                                ("type", kind), ("worker_pod", pod))] == 3

        window = Window(t0, t1)
        stack.windows = {GENAI_JOB: window, TELEMETRY_JOB: window}
        stack.rules_read_at = rules_read_at
        [pipeline] = [d for d in dashboards() if d["uid"] == "agent-observability-pipeline"]
        panels = {panel["title"]: panel for panel in pipeline["panels"]}
        # The panel: the waiting jobs once per queue, not once per collector or worker.
        assert stack.evaluate(pipeline["uid"], panels["LangFuse jobs waiting"]) == [
            {frozenset({("queue", "otel_ingestion"), ("type", "waiting"), ("namespace", NAMESPACE), ("release", RELEASE)}): 1200,
             frozenset({("queue", "batch_export"), ("type", "waiting"), ("namespace", NAMESPACE), ("release", RELEASE)}): 7}]
        # The ingestion lag: phase 2's four jobs of both workers, in the chart's buckets.
        [mapping] = collector.rendered_config(manifest)["receivers"]["statsd"]["timer_histogram_mapping"]
        [buckets] = [rule["buckets"] for rule in mapping["histogram"]["explicit_buckets"]]
        lag = p95([w for waits in slow.values() for w in waits], buckets) / 1000
        [lags] = stack.evaluate(pipeline["uid"], panels["LangFuse wait before processing (p95)"])
        assert lags == {frozenset({("queue", "otel_ingestion")}): pytest.approx(lag, rel=1e-9)}

        # The alerts, on the rendered rules: both pending (for: 10m) on that queue.
        pending = {alert["labels"]["alertname"]: alert for alert in stack.prometheus.alerts()
                   if alert["labels"]["alertname"].startswith("Langfuse")}
        assert set(pending) == {"LangfuseQueueBacklog", "LangfuseIngestionLagging"}
        assert {alert["labels"]["queue"] for alert in pending.values()} == {"otel_ingestion"}
        assert float(pending["LangfuseQueueBacklog"]["value"]) == 1200
        assert float(pending["LangfuseIngestionLagging"]["value"]) == pytest.approx(lag, rel=1e-6)

        # The scaler's query, as rendered: the waiting jobs of every queue, once; KEDA's
        # AverageValue gives ceil(waiting / threshold) replicas.
        [trigger] = manifest.get("ScaledObject", WORKER)["spec"]["triggers"]
        [sample] = stack.prometheus.query(trigger["metadata"]["query"], time=rules_read_at)
        assert float(sample["value"][1]) == 1200 + 7
        assert math.ceil(float(sample["value"][1]) / float(trigger["metadata"]["threshold"])) == 2
