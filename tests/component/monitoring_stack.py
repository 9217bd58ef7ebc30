"""The monitoring half on this machine: the real collector and a real Prometheus, each on the
chart's rendered configuration and rules, and the dashboards' queries evaluated against them.

Exact numbers out of rate() and increase() need a known window. A test runs the same session
twice: the first creates every series, Prometheus scrapes it (at t0); the second adds one more
session, Prometheus scrapes again (at t1); every query is evaluated at t1 over a window reaching
1 ms before t0 ($__range = $__rate_interval). Rates are then exactly one session's amount over
t1 - t0; increase() extrapolates to the window's start, so a total is one session's amount times
window / (t1 - t0) (total()); ratios and quantiles are exact.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest
import yaml

from harness import collector, prometheus
from harness.dashboards import panel_queries, substitute
from harness.render import DEFAULT_NAMESPACE as NAMESPACE, DEFAULT_RELEASE as RELEASE, render_chart

from collector_inputs import SECRETS
from monitoring_inputs import RULES_CONFIG_MAP, RULES_KEY

# The jobs of the rendered release's targets (monitoring.jobs).
GENAI_JOB = f"{NAMESPACE}/{RELEASE}-otel-collector-genai"
TELEMETRY_JOB = f"{NAMESPACE}/{RELEASE}-otel-collector-telemetry"
ALL = ".*"


def missing_reason() -> str | None:
    return collector.missing_reason() or prometheus.missing_reason()


@contextmanager
def running_stack(values: dict, workdir: Path, alertmanagers: list[str] | None = None):
    """A started MonitoringStack, stopped at the end; the test skips when a binary is missing."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    stack = MonitoringStack(values, workdir, alertmanagers)
    try:
        yield stack.start()
    finally:
        stack.stop()


@dataclass(frozen=True)
class Window:
    """The scrapes of one collector endpoint before (t0) and after (t1) the measured session."""

    t0: float
    t1: float

    @property
    def seconds(self) -> float:
        """t1 - t0, from the millisecond timestamps Prometheus keeps."""
        return (round(self.t1 * 1000) - round(self.t0 * 1000)) / 1000

    @property
    def milliseconds(self) -> int:
        """$__range: from 1 ms before t0 to t1."""
        return round(self.t1 * 1000) - round(self.t0 * 1000) + 1

    @property
    def grafana_range(self) -> str:
        return f"{self.milliseconds}ms"


def rate(amount: float, window: Window) -> float:
    """rate() of one session's amount."""
    return amount / window.seconds


def total(amount: float, window: Window) -> float:
    """increase() of one session's amount: extrapolated from t0 to the window's start."""
    return amount * (window.milliseconds / 1000) / window.seconds


def local_prometheus_config(rendered: dict, ports: collector.Ports, alertmanagers: list[str] | None = None) -> dict:
    """The chart's prometheus.yml with its collector jobs pointed at the local collector, and its
    alerts at the local `alertmanagers` (host:port) or at none.

    Pod discovery needs a cluster: the collector jobs keep their names and settings but get a
    static target; the agents' (annotated pods) and self-scrape jobs are left out. Scrapes and rule
    evaluation run every second."""
    config = {**rendered, "global": {**rendered["global"], "scrape_interval": "1s", "evaluation_interval": "1s"}}
    config.pop("alerting", None)
    if alertmanagers:
        [embedded, *_] = rendered["alerting"]["alertmanagers"]
        config["alerting"] = {"alertmanagers": [{**embedded, "static_configs": [{"targets": alertmanagers}]}]}
    targets = {GENAI_JOB: ports.metrics, TELEMETRY_JOB: ports.telemetry}
    jobs = []
    for job in rendered["scrape_configs"]:
        if job["job_name"] in targets:
            job = {key: value for key, value in job.items() if key not in ("kubernetes_sd_configs", "relabel_configs")}
            job["static_configs"] = [{"targets": [f"127.0.0.1:{targets[job['job_name']]}"]}]
            jobs.append(job)
    config["scrape_configs"] = jobs
    config.pop("rule_files", None)
    return config


class MonitoringStack:
    """The collector (exporting to a LangFuse stand-in) and Prometheus, rendered with `values`."""

    def __init__(self, values: dict, workdir: Path, alertmanagers: list[str] | None = None):
        self.workdir = workdir
        # Every rule group runs every second here (below); the month-scale rules' steps are
        # written for their group's interval, so the chart must be told it is a second.
        self.manifest = render_chart(values=values, set_values=("monitoring.budgets.evaluationInterval=1s",))
        self.langfuse = collector.OtlpSink()
        self.ports = collector.Ports()
        (workdir / "queue").mkdir()
        config = collector.localise(collector.rendered_config(self.manifest), self.ports, workdir / "queue",
                                    {"otlphttp/langfuse": self.langfuse.url("/api/public/otel")})
        env = collector.environment(collector.rendered_container(self.manifest), SECRETS)
        self.collector = collector.Collector(config, workdir, env, self.ports)
        rules = yaml.safe_load(self.manifest.get("ConfigMap", RULES_CONFIG_MAP)["data"][RULES_KEY])
        for group in rules["groups"]:
            group["interval"] = "1s"  # the chart paces budgets and objectives for production
        self.recorded = {rule["record"] for group in rules["groups"] for rule in group["rules"] if "record" in rule}
        rendered = yaml.safe_load(self.manifest.get("ConfigMap", "obs-prometheus")["data"]["prometheus.yml"])
        self.prometheus = prometheus.Prometheus(local_prometheus_config(rendered, self.ports, alertmanagers), workdir,
                                                rule_files={"rules.yaml": rules})
        self.windows: dict[str, Window] = {}
        self.rules_read_at = 0.0

    def start(self) -> "MonitoringStack":
        self.langfuse.start()
        self.collector.start()
        self.prometheus.start()
        self.prometheus.wait_for_targets_up()
        return self

    def stop(self) -> None:
        self.prometheus.kill()
        self.collector.kill()
        self.langfuse.stop()

    def run_sessions(self, session: Callable[[], None], landed: Callable[[int], dict], timeout: float = 60) -> None:
        """Run `session` twice and measure the second (self.windows). `landed(n)` gives, after
        n sessions, {(endpoint "genai" or "telemetry", metric name): total over its series}."""
        t0 = {}
        for sessions in (1, 2):
            session()
            self._wait_for_collector(landed(sessions), timeout)
            ready = time.time()
            for job in (GENAI_JOB, TELEMETRY_JOB):
                scraped = self._wait_for_scrape_after(job, ready)
                if sessions == 1:
                    t0[job] = scraped
                else:
                    self.windows[job] = Window(t0[job], scraped)
        # The recording rules (budgets, objectives) have seen the second scrape.
        self._wait_for_rule_evaluation_after(self.windows[GENAI_JOB].t1)
        # Panels of recording rules are read as of one run of the month-scale group: all its
        # rules' results, none of the next run's (which records a later month_elapsed).
        [budgets] = [group for group in self.prometheus.rules() if group["name"] == "agent-observability.budgets"]
        self.rules_read_at = datetime.fromisoformat(budgets["lastEvaluation"].replace("Z", "+00:00")).timestamp()

    def _wait_for_collector(self, wanted: dict, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            samples = {"genai": self.collector.metrics(), "telemetry": self.collector.telemetry()}
            found = {(endpoint, name): sum(v for k, v in samples[endpoint].items() if k[0] == name)
                     for endpoint, name in wanted}
            if found == wanted:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"collector shows {found}, expected {wanted}:\n{self.collector.log()}")
            time.sleep(0.2)

    def _scrape_time(self, job: str) -> float:
        [sample] = self.prometheus.query(f'timestamp(up{{job="{job}"}})')
        return float(sample["value"][1])

    def _wait_for_scrape_after(self, job: str, moment: float, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            scraped = self._scrape_time(job)
            if scraped > moment:
                return scraped
            time.sleep(0.2)
        raise TimeoutError(f"Prometheus did not scrape {job} after {moment}")

    def _wait_for_rule_evaluation_after(self, moment: float, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            evaluations = [datetime.fromisoformat(group["lastEvaluation"].replace("Z", "+00:00")).timestamp()
                           for group in self.prometheus.rules()]
            if evaluations and all(stamp > moment + 0.5 for stamp in evaluations):
                return
            time.sleep(0.2)
        raise TimeoutError("the rule groups were not evaluated after the last scrape")

    def window_of(self, dashboard_uid: str) -> Window:
        """The pipeline dashboard reads the collector's own telemetry; the others its GenAI metrics."""
        return self.windows[TELEMETRY_JOB if dashboard_uid == "agent-observability-pipeline" else GENAI_JOB]

    def evaluate(self, dashboard_uid: str, panel: dict, **variables) -> list[dict]:
        """Each of the panel's queries as Grafana sends it (variables substituted, the window as
        $__range), as {frozenset(labels): value}. A panel of recording rules shows them as of
        rules_read_at, a run that followed the last scrape."""
        window = self.window_of(dashboard_uid)
        at = self.rules_read_at if reads_only_recording_rules(panel, self.recorded) else window.t1
        values = {"datasource": "", "__range": window.grafana_range, "__rate_interval": window.grafana_range,
                  "namespace": NAMESPACE, "release": RELEASE,
                  "tenant": ALL, "agent": ALL, "model": ALL, "tool": ALL, **variables}
        results = []
        for query in panel_queries(panel):
            samples = self.prometheus.query(substitute(query, values), time=at)
            results.append({frozenset((k, v) for k, v in s["metric"].items() if k != "__name__"): float(s["value"][1])
                            for s in samples})
        return results


def reads_only_recording_rules(panel, recorded: set[str]) -> bool:
    """Whether every series the panel's queries select is one the rules record."""
    return all(set(re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", query)) <= recorded for query in panel_queries(panel))
