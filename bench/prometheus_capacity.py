#!/usr/bin/env python3
"""Prometheus' share of the capacity model: series and memory per tenant x agent x model, and
what 30 days of dashboards and budget alerts cost to query, with and without the recording rules.

Every figure comes from bin/prometheus (the chart's version) on the chart's rendered
configuration, fed the GenAI series of a synthetic fleet (bench/synthetic_series.py: the
families, labels and buckets of the rendered collector configuration) of each size: `--tenants`
tenants, each running 3 agents with each of 2 models (a main and a cheaper one: every
agent x model pair shows in agent_request_duration_seconds), 3 tools per agent, 2 error types.

1. Series and memory, live: Prometheus scrapes a target that answers as the collector does (the
   exposition regenerated on each scrape, counters growing), with the chart's GenAI job (its
   settings, a static target in place of pod discovery, the labels its relabelling gives).
   The sizes are added one after the other (each fleet contains the one before); after each, a
   garbage collection is forced (/debug/pprof/heap?gc=1) and Prometheus' own /metrics read:
   series in the head (prometheus_tsdb_head_series), Go heap in use, resident memory. Bytes per
   series are the differences over the empty target's figures divided by the series added.
   This is what a user's Prometheus holds: the head and the scrape cache of a live scrape.
2. 30 days, backfilled: the same series as OpenMetrics, one sample per --step (the families the
   month-scale budget rules read, and `up`, one per --budget-step, which is also the budget
   rules' evaluation interval here: those rules read each step's increase), written into blocks
   by `promtool tsdb create-blocks-from openmetrics`; the budgets (constants from values) as
   gauges beside them. Prometheus runs on those blocks with --query.lookback-delta at the
   coarsest step (an instant selector finds each series as it would at a 30 s scrape). Each
   panel target of the four tenant-scale dashboards (all variables at All, $__range 30d; range
   panels at a 1 h step or the data's, $__rate_interval by Grafana's formula) and each budget
   alert's expression is run with stats (`stats=all`: server-side time, samples read), median
   of --repeats runs. Then the recording rules those read are backfilled with
   `promtool tsdb create-blocks-from rules`, one dependency level at a time (a rule reads only
   what Prometheus already has), and the queries that read recorded series run twice: as
   written, and inlined (each recorded series replaced by its rule's expression: what the query
   would cost without the rules).
The samples a query reads scale with the data's density: at a 30 s scrape interval a raw
30-day panel reads step/30s times as many; the figures give time per sample to scale by.

Usage: bench/prometheus_capacity.py [--tenants 10,100,1000] [--backfill-tenants 10,100]
         [--step 10=1h,100=1h,1000=12h] [--budget-step 1h] [--repeats 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT / "tests"), str(Path(__file__).resolve().parent)]

import query_plans  # noqa: E402
import synthetic_series  # noqa: E402
from harness import collector, prometheus  # noqa: E402
from harness.dashboards import dashboards  # noqa: E402
from harness.network import free_port  # noqa: E402
from harness.promql import vector_selectors  # noqa: E402
from harness.render import DEFAULT_NAMESPACE as NAMESPACE, DEFAULT_RELEASE as RELEASE, render_chart  # noqa: E402

GENAI_JOB = f"{NAMESPACE}/{RELEASE}-otel-collector-genai"
RULES_CONFIG_MAP, RULES_KEY = f"{RELEASE}-prometheus-rules", "agent-observability.yaml"
# What the GenAI job's relabelling gives a collector pod's target (rendered prometheus.yml).
TARGET_LABELS = {"namespace": NAMESPACE, "pod": f"{RELEASE}-otel-collector-0"}
TARGET_INSTANCE = "10.0.0.10:8889"
# Every budget alert the chart renders for a tenant with a monthly budget, and the daily cost alert.
BUDGET_ALERTS = ("TenantBudgetUtilisationHigh", "TenantBudgetExceeded", "TenantBudgetForecastExceeded",
                 "TenantDailyCostHigh")
SCRAPE_SECONDS = 5
RANGE_STEP_SECONDS = 3600
# The labels a rule's output carries and its inlined expression does not.
RULE_LABELS = {"__name__", "namespace", "release"}


def fleet_models(count: int) -> list[tuple[str, str]]:
    """The first models of the chart's price table (a model it does not price is counted as
    `other`), each with its provider as instrumentations name it."""
    values = yaml.safe_load((REPO_ROOT / "charts/agent-observability/charts/otel-collector/values.yaml").read_text())
    names = [row["model"] for row in values["prices"]["models"]]
    providers = {"gpt": "openai", "o": "openai", "claude": "anthropic", "gemini": "google"}
    picked = [names[0], next(name for name in names if name.startswith("claude"))] + names[1:]
    return [(name, providers.get(name.split("-")[0], "other")) for name in picked[:count]]


def tenant_values(shape: synthetic_series.Shape) -> dict:
    """Every tenant of the fleet with a monthly budget (100 to 1000 USD)."""
    return {"global": {"tenants": [{"name": name, "monthlyBudgetUsd": 100 * (1 + index % 10)}
                                   for index, name in enumerate(shape.tenant_names())]}}


def prometheus_metrics(url: str) -> dict[str, float]:
    """Prometheus' own figures after a forced garbage collection."""
    requests.get(f"{url}/debug/pprof/heap", params={"gc": "1"}, timeout=60).raise_for_status()
    text = requests.get(f"{url}/metrics", timeout=60).text
    wanted = ("prometheus_tsdb_head_series", "go_memstats_heap_inuse_bytes", "process_resident_memory_bytes")
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in wanted:
            found[name] = float(value)
    return found


class Target:
    """Answers /metrics as the collector's Prometheus exporter does, for the fleet of the
    moment (`series`), counters at the seconds since it started."""

    def __init__(self):
        self.series: list[synthetic_series.Series] = []
        self.started = time.time()
        self.port = free_port()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = synthetic_series.exposition(target.series, time.time() - target.started).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def rendered_genai_job(manifest) -> dict:
    rendered = yaml.safe_load(manifest.get("ConfigMap", f"{RELEASE}-prometheus")["data"]["prometheus.yml"])
    [job] = [job for job in rendered["scrape_configs"] if job["job_name"] == GENAI_JOB]
    return {key: value for key, value in job.items() if key not in ("kubernetes_sd_configs", "relabel_configs")}


def live_memory(sizes: list[int], config: dict, workdir: Path) -> list[dict]:
    """Series and memory per series of a live scrape of each fleet size, in turn."""
    target = Target()
    job = rendered_genai_job(render_chart())
    job.update(scrape_interval=f"{SCRAPE_SECONDS}s", scrape_timeout=f"{SCRAPE_SECONDS}s",
               static_configs=[{"targets": [f"127.0.0.1:{target.port}"], "labels": TARGET_LABELS}])
    server = prometheus.Prometheus({"global": {"scrape_interval": f"{SCRAPE_SECONDS}s"}, "scrape_configs": [job]},
                                   workdir)
    results = []
    try:
        server.start()
        time.sleep(3 * SCRAPE_SECONDS)
        baseline = prometheus_metrics(server.url)
        for tenants in sizes:
            shape = synthetic_series.Shape(tenants)
            target.series = synthetic_series.fleet_series(config, shape, fleet_models(shape.models))
            expected = synthetic_series.sample_count(target.series)
            deadline = time.monotonic() + 300
            while prometheus_metrics(server.url)["prometheus_tsdb_head_series"] < baseline[
                    "prometheus_tsdb_head_series"] + expected:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{tenants} tenants: the head never had {expected} more series\n{server.log()}")
                time.sleep(SCRAPE_SECONDS)
            time.sleep(4 * SCRAPE_SECONDS)  # a few samples in every series' head chunk
            now = prometheus_metrics(server.url)
            added = now["prometheus_tsdb_head_series"] - baseline["prometheus_tsdb_head_series"]
            results.append({
                "tenants": tenants, "tenant_agent_models": shape.tenant_agent_models, "series": added,
                "series_generated": expected,
                "series_per_tenant_agent_model": added / shape.tenant_agent_models,
                "heap_bytes_per_series": (now["go_memstats_heap_inuse_bytes"]
                                          - baseline["go_memstats_heap_inuse_bytes"]) / added,
                "rss_bytes_per_series": (now["process_resident_memory_bytes"]
                                         - baseline["process_resident_memory_bytes"]) / added,
                "heap_bytes": now["go_memstats_heap_inuse_bytes"], "rss_bytes": now["process_resident_memory_bytes"]})
    finally:
        server.stop()
        target.stop()
    return results


def promtool(*args: str, timeout: float = 1800) -> None:
    done = subprocess.run([str(prometheus.PROMTOOL), *args], capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode:
        raise RuntimeError(f"promtool {' '.join(args[:4])}: {done.stderr[-3000:]}")


class QueryServer:
    """bin/prometheus serving the blocks in `data`, restartable to load new ones."""

    def __init__(self, workdir: Path, lookback: int):
        self.workdir, self.lookback = workdir, lookback
        self.server: prometheus.Prometheus | None = None

    def start(self) -> str:
        self.server = prometheus.Prometheus(
            {"global": {}, "storage": {"tsdb": {"retention": {"time": "90d"}}}}, self.workdir,
            flags=[f"--query.lookback-delta={self.lookback}s", "--query.timeout=2m",
                   "--no-storage.tsdb.allow-overlapping-compaction"])
        self.server.start(timeout=300)
        return self.server.url

    def stop(self):
        if self.server:
            self.server.stop()


def run_query(url: str, query: str, instant: bool, end: int, step: int, repeats: int) -> dict:
    """Median server-side time (seconds) of `repeats` runs and the samples read; None if it failed."""
    params = {"query": query, "stats": "all"}
    if instant:
        path, params["time"] = "query", end
    else:
        path = "query_range"
        params.update(start=end - query_plans.RANGE_SECONDS, end=end, step=step)
    times, samples, answer = [], 0, None
    for _ in range(repeats):
        answer = requests.get(f"{url}/api/v1/{path}", params=params, timeout=300).json()
        if answer["status"] != "success":
            return {"seconds": None, "samples": None, "error": answer.get("error"), "answer": None}
        times.append(answer["data"]["stats"]["timings"]["execTotalTime"])
        samples = answer["data"]["stats"]["samples"]["totalQueryableSamples"]
        result = answer["data"]["result"]
    return {"seconds": statistics.median(times), "samples": samples, "results": len(result),
            "answer": {frozenset((k, v) for k, v in one["metric"].items() if k not in RULE_LABELS):
                       float(one["value"][1]) if instant else [float(v) for _, v in one["values"]] for one in result}}


def groups_of(names: set[str], rules: dict[str, query_plans.Rule]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for name in sorted(names):
        groups.setdefault(rules[name].group, []).append(name)
    return groups


def last_evaluation(url: str, name: str, end: int) -> float:
    """When the backfilled rules last wrote `name` before `end` (the group's evaluation instant)."""
    answer = requests.get(f"{url}/api/v1/query", params={"query": f"max(timestamp({name}))", "time": end},
                          timeout=60).json()
    return float(answer["data"]["result"][0]["value"][1])


def same_answer(recorded: dict | None, inlined: dict | None) -> bool:
    """Whether a query gives the same numbers from the recorded series as inlined (1e-6 apart)."""
    if recorded is None or inlined is None or recorded.keys() != inlined.keys():
        return False
    flat = [(a, b) for key in recorded for a, b in zip(*(
        (x if isinstance(x, list) else [x]) for x in (recorded[key], inlined[key])))]
    return all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9) for a, b in flat)


def backfill(tenants: int, step: int, budget_step: int, config: dict, workdir: Path, repeats: int) -> dict:
    """30 days of the fleet backfilled; the queries' cost without, then with, the recording rules."""
    shape = synthetic_series.Shape(tenants)
    manifest = render_chart(values=tenant_values(shape),
                            set_values=(f"monitoring.budgets.evaluationInterval={budget_step}s",))
    rule_groups = yaml.safe_load(manifest.get("ConfigMap", RULES_CONFIG_MAP)["data"][RULES_KEY])
    rules = query_plans.recording_rules(rule_groups, f"{budget_step}s")
    working = query_plans.computed(rules)
    coarsest = max(step, budget_step)
    range_step = max(RANGE_STEP_SECONDS, step)
    variables = {"datasource": "", "namespace": NAMESPACE, "release": RELEASE, "tenant": query_plans.ALL,
                 "agent": query_plans.ALL, "model": query_plans.ALL, "tool": query_plans.ALL,
                 "__range": query_plans.RANGE, "__interval": f"{range_step}s",
                 "__rate_interval": f"{query_plans.grafana_rate_interval(range_step, step)}s"}
    queries = query_plans.with_inlined(
        query_plans.dashboard_queries(dashboards(), variables) + query_plans.alert_queries(rule_groups, BUDGET_ALERTS),
        working)
    needed = set().union(*(query.reads for query in queries))
    budget_families = {name for rule in needed for name, _ in vector_selectors(working[rule].expr)} - set(working)

    end = int(time.time()) // coarsest * coarsest
    start = end - query_plans.RANGE_SECONDS
    times = list(range(start + step, end + 1, step))
    budget_times = list(range(start + budget_step, end + 1, budget_step))
    series = synthetic_series.fleet_series(config, shape, fleet_models(shape.models))
    data = workdir / "data"
    raw, constants = workdir / "raw.om", workdir / "budgets.om"
    started = time.monotonic()
    written = 0
    with raw.open("w") as out:
        for family in dict.fromkeys(one.family.name for one in series):
            of_family = [one for one in series if one.family.name == family]
            written += synthetic_series.write_openmetrics(
                out, of_family, budget_times if family in budget_families else times, start - 3600)
        written += synthetic_series.write_gauges(out, "up", [({}, 1)], budget_times)
        out.write("# EOF\n")
    budgets = [({"namespace": NAMESPACE, "release": RELEASE, **dict(rule.labels)}, float(rule.expr.split("(")[1].rstrip(")")))
               for rule in rules.get("tenant_monthly_budget_usd", []) if rule.constant]
    with constants.open("w") as out:
        synthetic_series.write_gauges(out, "tenant_monthly_budget_usd",
                                      [({k: v for k, v in labels.items()}, value) for labels, value in budgets],
                                      budget_times)
        out.write("# EOF\n")
    generated = time.monotonic() - started
    labels = [f"--label={name}={value}" for name, value in {**TARGET_LABELS, "job": GENAI_JOB,
                                                            "instance": TARGET_INSTANCE}.items()]
    started = time.monotonic()
    promtool("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=744h", *labels,
             str(raw), str(data))
    promtool("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=744h", str(constants),
             str(data))
    loaded = time.monotonic() - started
    file_bytes = raw.stat().st_size
    raw.unlink()
    constants.unlink()

    server = QueryServer(workdir, coarsest)
    url = server.start()
    measured = []
    try:
        for query in queries:
            if not query.reads and not query.unrendered:
                result = run_query(url, query.expr, query.instant, end, range_step, repeats)
                result.pop("answer")
                measured.append({"source": query.source, "kind": "raw", **result})
        started = time.monotonic()
        for index, level in enumerate(query_plans.levels(needed, working)):
            # One file for every level: Prometheus offsets a group's evaluations by a hash of its
            # file and name, so the levels' rules are evaluated at the same instants, as rules of
            # one group are in a cluster (each reading the results of the ones before it).
            rule_file = workdir / "rules.yaml"
            groups = {}
            for name in level:
                rule = working[name]
                groups.setdefault(rule.group, {"name": rule.group, "interval": rule.interval, "rules": []})[
                    "rules"].append({"record": name, "expr": rule.expr, "labels": dict(rule.labels)})
            rule_file.write_text(yaml.safe_dump({"groups": list(groups.values())}, sort_keys=False))
            output = workdir / f"rule-blocks-{index}"
            promtool("tsdb", "create-blocks-from", "rules", f"--url={url}", f"--start={start}", f"--end={end}",
                     f"--output-dir={output}", f"--eval-interval={budget_step}s", "--max-block-duration=744h",
                     "--quiet", str(rule_file))
            server.stop()
            for block in output.iterdir():
                shutil.move(str(block), data / block.name)
            url = server.start()
        rules_backfilled = time.monotonic() - started
        evaluated = {group: last_evaluation(url, names[0], end) for group, names in groups_of(needed, working).items()}
        for query in queries:
            if query.reads and not query.unrendered:
                recorded = run_query(url, query.expr, query.instant, end, range_step, repeats)
                inlined = run_query(url, query.inlined, query.instant, end, range_step, repeats)
                inlined.pop("answer")
                # The recorded series hold the rules' last evaluation before `end`: the inlined
                # expression must give the same numbers at that instant.
                [at] = {evaluated[working[name].group] for name in query.reads} if query.instant else [end]
                agree = same_answer(recorded.pop("answer"),
                                    run_query(url, query.inlined, query.instant, at, range_step, 1)["answer"])
                measured.append({"source": query.source, "kind": "recorded", **recorded, "inlined": inlined,
                                 "same_answer": agree})
        for query in queries:
            if query.unrendered:
                measured.append({"source": query.source, "kind": "unrendered", "seconds": None,
                                 "reads": sorted(query.unrendered)})
    finally:
        server.stop()
    return {"tenants": tenants, "step": step, "budget_step": budget_step, "series": len(series),
            "samples_written": written, "openmetrics_bytes": file_bytes, "generate_seconds": generated,
            "promtool_seconds": loaded, "rules_backfill_seconds": rules_backfilled,
            "recording_rules": len(needed), "queries": measured}


def summarise_backfill(result: dict) -> list[str]:
    raw = [q for q in result["queries"] if q["kind"] == "raw" and q["seconds"] is not None]
    recorded = [q for q in result["queries"] if q["kind"] == "recorded" and q["seconds"] is not None]
    failed = [q["source"] for q in result["queries"] if q["kind"] != "unrendered" and (
        q["seconds"] is None or (q.get("inlined") and q["inlined"]["seconds"] is None))]
    unrendered = [q for q in result["queries"] if q["kind"] == "unrendered"]
    differing = [q["source"] for q in recorded if not q["same_answer"]]
    samples = sum(q["samples"] for q in raw)
    seconds = sum(q["seconds"] for q in raw)
    lines = [f"  {result['tenants']} tenants, 30 days: {result['samples_written'] / 1e6:.1f}M samples "
             f"({result['openmetrics_bytes'] / 2**20:.0f} MiB of OpenMetrics, one per {result['step'] // 60} min, "
             f"budget families per {result['budget_step'] // 60} min) written in {result['generate_seconds']:.0f} s, "
             f"blocks in {result['promtool_seconds']:.0f} s; {result['recording_rules']} recording rules backfilled "
             f"in {result['rules_backfill_seconds']:.0f} s",
             f"    {len(raw)} panel queries on scraped series: {seconds * 1000:.0f} ms in all "
             f"(median {statistics.median(q['seconds'] for q in raw) * 1000:.1f} ms, slowest "
             f"{max(q['seconds'] for q in raw) * 1000:.0f} ms), {samples / 1e6:.1f}M samples read, "
             f"{seconds / max(samples, 1) * 1e9:.0f} ns per sample"]
    if recorded:
        ratios = [q["inlined"]["seconds"] / q["seconds"] for q in recorded
                  if q["inlined"]["seconds"] is not None and q["seconds"] > 0]
        lines.append(
            f"    {len(recorded)} queries on recorded series: median {statistics.median(q['seconds'] for q in recorded) * 1000:.1f}"
            f" ms with the rules, {statistics.median(q['inlined']['seconds'] for q in recorded if q['inlined']['seconds'] is not None) * 1000:.0f}"
            f" ms inlined; inlined / recorded median {statistics.median(ratios):.0f}x "
            f"(from {min(ratios):.0f}x to {max(ratios):.0f}x); samples read "
            f"{sum(q['samples'] for q in recorded):,} with, "
            f"{sum(q['inlined']['samples'] or 0 for q in recorded):,} without")
        lines.append(f"    recorded and inlined give the same numbers for {len(recorded) - len(differing)} of "
                     f"{len(recorded)}" + (f"; not for {', '.join(differing)}" if differing else ""))
    if unrendered:
        lines.append(f"    {len(unrendered)} panel queries read rules this configuration does not render "
                     "(infrastructure, rate limits, model policies): not run")
    if failed:
        lines.append(f"    failed (timeout or limit): {', '.join(failed)}")
    return lines


def parse_steps(text: str) -> dict[int, int]:
    return {int(size): query_plans.seconds(step) for size, step in (pair.split("=") for pair in text.split(","))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", default="10,100,1000", help="fleet sizes of the live scrape")
    parser.add_argument("--backfill-tenants", default=os.environ.get("CAPACITY_BACKFILL_TENANTS", "10,100"),
                        help="fleet sizes backfilled with 30 days (1000 takes several minutes more)")
    parser.add_argument("--step", default="10=1h,100=1h,1000=12h", help="sample step of each backfilled size")
    parser.add_argument("--budget-step", default="1h", help="sample step of the budget rules' families and "
                                                             "their evaluation interval")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write every figure, query by query, to this file")
    args = parser.parse_args()
    reason = prometheus.missing_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    config = collector.rendered_config(render_chart())
    steps = parse_steps(args.step)
    budget_step = query_plans.seconds(args.budget_step)
    print(f"prometheus capacity: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    report = {"live": [], "backfill": []}
    with tempfile.TemporaryDirectory() as scratch:
        report["live"] = live_memory([int(t) for t in args.tenants.split(",")], config, Path(scratch))
    print("series and memory of a live scrape (3 agents x 2 models per tenant; after a forced GC):")
    for row in report["live"]:
        print(f"  {row['tenants']:>5} tenants: {row['series']:>8,.0f} series ({row['series_generated']:,} generated), "
              f"{row['series_per_tenant_agent_model']:.1f} per tenant x agent x model; "
              f"heap {row['heap_bytes_per_series']:,.0f} B and resident {row['rss_bytes_per_series']:,.0f} B per series "
              f"(heap {row['heap_bytes'] / 2**20:,.0f} MiB, resident {row['rss_bytes'] / 2**20:,.0f} MiB)", flush=True)
    print(f"30 days backfilled; load average {os.getloadavg()[0]:.1f}:", flush=True)
    for tenants in (int(t) for t in args.backfill_tenants.split(",") if t):
        with tempfile.TemporaryDirectory() as scratch:
            result = backfill(tenants, steps[tenants], budget_step, config, Path(scratch), args.repeats)
        report["backfill"].append(result)
        for line in summarise_backfill(result):
            print(line, flush=True)
        print(f"    load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
