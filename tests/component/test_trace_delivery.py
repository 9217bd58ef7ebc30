"""Traces reach LangFuse (and each destination switched on) complete, unmodified and
authenticated, through outages and restarts.

Local HTTP and gRPC servers stand in for LangFuse's OTLP endpoint, LangSmith, an OTLP
backend and X-Ray; the collector is the chart's rendered one on loopback ports.
"""

from __future__ import annotations

import json
import threading
import time
from http import HTTPStatus

import pytest
import requests

import requests

from harness.collector import OtlpGrpcSink, OtlpSink, basic_auth, queue_claims
from harness.render import render_chart

from collector_inputs import FAST_RETRIES, LANGFUSE, LANGFUSE_PATH, PUBLIC_KEY, SECRET_KEY
from genai_spans import Agent, agent_attributes, inference_attributes, raw_export


def send(agent: Agent, count: int, prefix: str = "span") -> set[bytes]:
    """Send `count` spans; flush() asserts the collector accepted them. Returns their span ids
    as OTLP carries them."""
    spans = [agent.span(f"{prefix} {index}", {"index": index}, 0.01) for index in range(count)]
    agent.flush()
    return {span.get_span_context().span_id.to_bytes(8, "big") for span in spans}


def read_when(read, done, timeout: float = 20.0):
    """What read() gives once done() holds of it, or after `timeout` seconds (the caller's
    assertion then says what it was): for what arrives after the call that caused it."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


def xray_segments(sink) -> list[str]:
    """Names of the segments X-Ray's PutTraceSegments calls carried."""
    return [json.loads(document)["name"] for request in list(sink.received)
            for document in json.loads(request.body)["TraceSegmentDocuments"]]


def attributes(span) -> dict:
    return {kv.key: kv.value for kv in span.attributes}


def test_langfuse_receives_every_trace_at_its_otlp_path_with_basic_auth_and_the_v4_header(run_collector, langfuse):
    collector_ = run_collector(endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot", "tenant.id": "globex"})
    root = agent.span("invoke_agent planner", agent_attributes("legacy", "planner"), 2.0)
    agent.span("chat", inference_attributes("openinference", "gpt-4o", "openai", 100, 20, 40), 1.0, parent=root)
    send(agent, 98)
    agent.close()

    assert len(langfuse.wait_for_spans(100)) == 100
    for request in langfuse.received:
        assert request.path == f"{LANGFUSE_PATH}/v1/traces"
        assert request.headers["authorization"] == basic_auth(PUBLIC_KEY, SECRET_KEY)
        assert request.headers["x-langfuse-ingestion-version"] == "4"
        assert request.headers["content-type"] == "application/x-protobuf"


def test_langfuse_receives_the_spans_as_the_agent_sent_them(run_collector, langfuse):
    collector_ = run_collector(endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot", "tenant.id": "globex"})
    sent = inference_attributes("legacy", "gpt-4o-2024-08-06", "openai", 100, 20, 40)
    agent.span("chat gpt-4o", sent, 1.0)
    agent.flush()
    agent.close()

    langfuse.wait_for_spans(1)
    [span] = [span for request in langfuse.received for span in request.spans()]
    received = {key: value.string_value or value.int_value for key, value in attributes(span).items()}
    # No normalised name, no metric label, no private attribute: normalising is for metrics only.
    assert received == sent
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    request = ExportTraceServiceRequest()
    request.ParseFromString(langfuse.received[0].body)
    resource = {kv.key: kv.value.string_value for kv in request.resource_spans[0].resource.attributes}
    assert resource["tenant.id"] == "globex" and resource["service.name"] == "support-bot"


def test_optional_destinations_each_receive_every_trace_with_their_credentials(run_collector, langfuse, secrets):
    langsmith, backend, xray = OtlpSink().start(), OtlpGrpcSink().start(), OtlpSink().start()
    try:
        collector_ = run_collector(
            {"destinations": {
                "langsmith": {"enabled": True, "existingSecret": "langsmith", "project": "agents"},
                "otlp": {"enabled": True, "protocol": "grpc", "insecure": True, "endpoint": "tempo:4317",
                         "headers": {"X-Scope-OrgID": "agents"}, "auth": {"existingSecret": "tempo-auth"}},
                "xray": {"enabled": True, "region": "eu-west-1", "existingSecret": "xray-keys"},
                "debug": {"enabled": True, "verbosity": "detailed"}}},
            endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH), "otlphttp/langsmith": langsmith.url("/otel"),
                       "otlp/backend": backend.endpoint, "awsxray": xray.url()})
        agent = Agent(collector_.otlp_http, {"service.name": "support-bot"})
        send(agent, 20, prefix="destination")
        agent.close()

        assert len(langfuse.wait_for_spans(20)) == 20
        assert len(langsmith.wait_for_spans(20)) == 20
        for request in langsmith.received:
            assert request.path == "/otel/v1/traces"
            assert request.headers["x-api-key"] == secrets[("langsmith", "api-key")]
            assert request.headers["langsmith-project"] == "agents"

        assert len(read_when(backend.span_ids, lambda ids: len(ids) >= 20)) == 20
        for metadata, _ in backend.received:
            assert metadata["authorization"] == secrets[("tempo-auth", "authorization")]
            assert metadata["x-scope-orgid"] == "agents"

        segments = read_when(lambda: xray_segments(xray), lambda found: len(found) >= 20)
        assert sorted(segments) == sorted(f"destination {index}" for index in range(20))
        for request in xray.received:
            assert request.path == "/TraceSegments"
            assert request.headers["authorization"].startswith(
                f"AWS4-HMAC-SHA256 Credential={secrets[('xray-keys', 'aws-access-key-id')]}/")
            assert "/eu-west-1/xray/" in request.headers["authorization"]

        assert "Name           : destination 19" in collector_.log()  # the debug exporter prints each span
    finally:
        langsmith.stop()
        backend.stop()
        xray.stop()


def test_spans_accepted_during_a_langfuse_outage_are_all_delivered_when_it_returns(run_collector):
    langfuse = OtlpSink()  # not started: connection refused, as when LangFuse is down
    collector_ = run_collector(FAST_RETRIES, endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot"})
    try:
        send(agent, 1500, prefix="during outage")
        time.sleep(3)  # the exports fail and are retried meanwhile
        langfuse.status = 503  # up again, but overloaded: still retried
        langfuse.start()
        time.sleep(2)
        assert langfuse.received == []
        langfuse.status = 200
        delivered = langfuse.wait_for_spans(1500, timeout=30)
        assert len(delivered) == 1500
    finally:
        agent.close()
        langfuse.stop()


def send_and_keep_ids(agent: Agent, count: int, prefix: str) -> set[bytes]:
    """Send `count` spans; their span ids as OtlpSink reports them."""
    spans = [agent.span(f"{prefix} {index}", {"index": index}, 0.01) for index in range(count)]
    agent.flush()
    return {span.get_span_context().span_id.to_bytes(8, "big") for span in spans}


def accepted_spans(collector_) -> float:
    return collector_.telemetry()[("otelcol_receiver_accepted_spans_total", ("receiver", "otlp"), ("transport", "http"))]


def test_every_span_accepted_while_langfuse_answers_500_401_403_422_is_delivered_once_when_it_recovers(
        run_collector, langfuse):
    # What LangFuse answers when a store fails (500), after a key rotation (401), for a key of
    # the wrong scope (403) and when ClickHouse is short of resources (422): none of it is the
    # spans' fault, so none of them may be lost.
    collector_ = run_collector(FAST_RETRIES, endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot"})
    sent: set[bytes] = set()
    try:
        for status in (500, 401, 403, 422):
            langfuse.status = status
            sent |= send_and_keep_ids(agent, 300, prefix=f"while LangFuse answers {status}")
            time.sleep(1.5)  # several retries of each status
        assert accepted_spans(collector_) == len(sent) == 1200
        assert langfuse.received == []
        langfuse.status = 200
        delivered = langfuse.wait_for_spans(len(sent), timeout=30)
        assert delivered == sent
        assert len(langfuse.span_ids()) == len(sent)  # each exactly once
    finally:
        agent.close()


def exporter_metric(collector_, name: str, exporter: str = LANGFUSE) -> float:
    """The sum of one of the collector's own metrics over the series of `exporter`."""
    return sum(value for (sample, *labels), value in collector_.telemetry().items()
               if sample == name and ("exporter", exporter) in labels)


# What the exporter retries by itself (exporter/otlphttpexporter/otlp.go, isRetryableStatusCode),
# and what LangFuse answers about the data itself (web/src/pages/api/public/otel/v1/traces/index.ts).
RETRIED_BY_THE_EXPORTER = {429, 502, 503, 504}
ABOUT_THE_DATA = {400}


def guard_answer(status: int) -> int:
    if 200 <= status <= 299 or status in RETRIED_BY_THE_EXPORTER | ABOUT_THE_DATA:
        return status
    return 503


@pytest.mark.parametrize("status", [status for status in HTTPStatus if status >= 200], ids=lambda status: str(int(status)))
def test_the_guard_passes_2xx_what_the_exporter_retries_and_400_and_answers_503_for_every_other_status(
        run_delivery_guard, langfuse, status):
    langfuse.status = int(status)
    langfuse.reply_headers = {"Retry-After": "7"}
    guard = run_delivery_guard(f"127.0.0.1:{langfuse.port}")
    answer = requests.post(guard.url(f"{LANGFUSE_PATH}/v1/traces"), data=b"", timeout=10,
                           headers={"Content-Type": "application/x-protobuf"})
    assert answer.status_code == guard_answer(status)
    if answer.status_code in RETRIED_BY_THE_EXPORTER:
        assert answer.headers["Retry-After"] == "7"  # the exporter waits as long as LangFuse asks


def test_the_guards_probe_path_answers_while_haproxy_runs_even_when_langfuse_is_down(run_delivery_guard):
    guard = run_delivery_guard("127.0.0.1:9")  # nothing listens there
    assert requests.get(guard.url("/delivery-guard/health"), timeout=5).status_code == 200


@pytest.mark.parametrize("status, cause", [
    (500, "a store (S3, Redis, PostgreSQL) failed"),
    (401, "the project keys were rotated or are wrong"),
    (404, "langfuse.endpoint has the wrong path"),
    (413, "a proxy in front of LangFuse limits the body size (LangFuse itself never answers 413)"),
    (422, "ClickHouse is short of resources"),
], ids=["500", "401", "404", "413", "422"])
def test_a_transient_or_configuration_status_keeps_the_spans_queued_and_says_so_until_it_is_fixed(
        run_collector, langfuse, status, cause):
    langfuse.status = status
    collector_ = run_collector(FAST_RETRIES, endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot"})
    try:
        sent = send_and_keep_ids(agent, 200, prefix=cause)
        time.sleep(2)  # several retries
        assert exporter_metric(collector_, "otelcol_exporter_queue_size") > 0  # what the queue alert reads
        assert exporter_metric(collector_, "otelcol_exporter_send_failed_spans_total") == 0
        assert f" 503 upstream={status} " in collector_.delivery_guard.log()  # what LangFuse really said
        langfuse.status = 200
        assert langfuse.wait_for_spans(len(sent), timeout=30) == sent
        assert len(langfuse.span_ids()) == len(sent)
        for request in langfuse.received:
            assert request.headers["authorization"] == basic_auth(PUBLIC_KEY, SECRET_KEY)
            assert request.headers["host"] == "obs-langfuse-web:3000"  # the host the exporter would call
    finally:
        agent.close()


def test_a_batch_langfuse_refuses_as_malformed_is_dropped_and_counted_for_the_export_failing_alert(
        run_collector, langfuse):
    langfuse.status = 400  # what LangFuse answers for a body it cannot parse or spans without valid ids
    collector_ = run_collector(FAST_RETRIES, endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot"})
    try:
        refused = send_and_keep_ids(agent, 200, prefix="refused")
        assert read_when(lambda: exporter_metric(collector_, "otelcol_exporter_send_failed_spans_total"),
                         lambda failed: failed >= 200) == 200
        langfuse.status = 200
        accepted = send_and_keep_ids(agent, 20, prefix="accepted")
        assert langfuse.wait_for_spans(20) == accepted  # the line moves on: no retry holds it
        time.sleep(1)
        assert not refused & set(langfuse.span_ids())
    finally:
        agent.close()


def test_without_the_guard_langfuse_answering_500_loses_the_batch(run_collector, langfuse):
    # The control for the tests above: what the exporter does on its own.
    langfuse.status = 500
    collector_ = run_collector({**FAST_RETRIES, "deliveryGuard": {"enabled": False}},
                               endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    assert collector_.delivery_guard is None
    agent = Agent(collector_.otlp_http, {"service.name": "support-bot"})
    try:
        send_and_keep_ids(agent, 100, prefix="lost")
        assert read_when(lambda: exporter_metric(collector_, "otelcol_exporter_send_failed_spans_total"),
                         lambda failed: failed >= 100) == 100
        langfuse.status = 200
        time.sleep(2)
        assert langfuse.received == []
    finally:
        agent.close()


def kill_pod(collector_) -> None:
    """SIGKILL to every container of the collector's pod, as a node failure does. The delivery
    guard goes too: HAProxy retries a refused connection (3 times, a second apart) and, left
    running, would deliver the request it holds once LangFuse is back."""
    collector_.kill()
    if collector_.delivery_guard:
        collector_.delivery_guard.kill()


def test_a_collector_killed_and_restarted_with_its_queue_on_disk_loses_no_accepted_span(run_collector, tmp_path):
    langfuse = OtlpSink()  # down while the collector is killed, so everything is still queued
    queue = tmp_path / "queue"
    queue.mkdir()
    endpoints = {LANGFUSE: langfuse.url(LANGFUSE_PATH)}
    first = run_collector(FAST_RETRIES, endpoints=endpoints, queue_dir=queue)
    agent = Agent(first.otlp_http, {"service.name": "support-bot"})
    send(agent, 2000, prefix="before the crash")  # flush() asserts the collector accepted them all
    agent.close()
    accepted = first.telemetry()[("otelcol_receiver_accepted_spans_total", ("receiver", "otlp"), ("transport", "http"))]
    assert accepted == 2000
    kill_pod(first)

    langfuse.start()
    try:
        run_collector(FAST_RETRIES, endpoints=endpoints, queue_dir=queue, ports=first.ports)
        assert len(langfuse.wait_for_spans(2000, timeout=40)) == 2000
    finally:
        langfuse.stop()


def test_without_the_disk_queue_a_killed_collector_loses_what_it_had_queued(run_collector, tmp_path):
    # The control for the test above: the same crash with the queue in memory loses spans.
    langfuse = OtlpSink()
    endpoints = {LANGFUSE: langfuse.url(LANGFUSE_PATH)}
    values = {**FAST_RETRIES, "queue": {"persistent": False}}
    first = run_collector(values, endpoints=endpoints)
    agent = Agent(first.otlp_http, {"service.name": "support-bot"})
    send(agent, 500, prefix="in memory")
    agent.close()
    kill_pod(first)
    langfuse.start()
    try:
        run_collector(values, endpoints=endpoints, ports=first.ports)
        time.sleep(3)
        assert len(set(langfuse.span_ids())) == 0
    finally:
        langfuse.stop()


def disk_usage(directory) -> int:
    """Bytes the files under `directory` take on disk (what fills a volume)."""
    return sum(path.stat().st_blocks * 512 for path in directory.rglob("*") if path.is_file())


def test_the_queue_refuses_retryably_before_its_volume_is_full_and_delivers_every_accepted_span(
        run_collector, tmp_path):
    # LLM spans are large: 20 spans of 12 KiB prompts per export. With LangFuse down, the agent
    # sends until the collector refuses; the queue directory must stay below the volume's size
    # (persistence.size is also the emptyDir's limit: above it the kubelet evicts the pod).

    volume = 64 * 1024 * 1024
    langfuse = OtlpSink()
    queue = tmp_path / "queue"
    queue.mkdir()
    collector_ = run_collector({**FAST_RETRIES, "persistence": {"size": "64Mi"}},
                               endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)}, queue_dir=queue)
    accepted, refused, sent = set(), None, 0
    for batch in range(2 * volume // (20 * 12 * 1024)):  # twice the volume at most
        ids = range(batch * 20 + 1, batch * 20 + 21)
        body = raw_export(ids, {"gen_ai.input.messages": "x" * 12 * 1024})
        answer = requests.post(f"{collector_.otlp_http}/v1/traces", data=body, timeout=30,
                               headers={"Content-Type": "application/x-protobuf"})
        sent += len(body)
        if answer.status_code == 200:
            accepted.update(span_id.to_bytes(8, "big") for span_id in ids)
            assert disk_usage(queue) < volume, f"the queue took {disk_usage(queue)} bytes of a {volume}-byte volume"
            continue
        refused = answer.status_code
        break
    # Refused as SDKs retry it (OTLP/HTTP: 429, 502, 503, 504), long before the volume is full.
    assert refused in (429, 502, 503, 504), f"nothing refused after {sent} bytes; the volume holds {volume}"
    assert disk_usage(queue) < volume
    assert len(accepted) > 1000  # the bound is in bytes, not a few requests

    # A restart compacts the full store: the copy is written beside the file (on the same volume).
    collector_.kill()
    peak, watching = [disk_usage(queue)], threading.Event()

    def watch():
        while not watching.is_set():
            peak.append(disk_usage(queue))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        run_collector({**FAST_RETRIES, "persistence": {"size": "64Mi"}},
                      endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)}, queue_dir=queue, ports=collector_.ports)
        time.sleep(2)
    finally:
        watching.set()
        watcher.join()
    assert max(peak) < volume, f"compacting the queue took {max(peak)} bytes of a {volume}-byte volume"

    langfuse.start()
    try:
        assert langfuse.wait_for_spans(len(accepted), timeout=120) == accepted
    finally:
        langfuse.stop()


def test_a_collector_stopped_as_the_kubelet_stops_it_hands_its_whole_queue_to_its_successor(run_collector, tmp_path):
    # A rollout, an upgrade, a drain or an eviction during a LangFuse outage: the pod is stopped
    # gracefully (preStop sleep, SIGTERM) and its successor starts on the same claim.
    langfuse = OtlpSink()  # down: nothing can be delivered before the pod goes
    queue = tmp_path / "queue"
    queue.mkdir()
    endpoints = {LANGFUSE: langfuse.url(LANGFUSE_PATH)}
    first = run_collector(FAST_RETRIES, endpoints=endpoints, queue_dir=queue)
    agent = Agent(first.otlp_http, {"service.name": "support-bot"})
    sent = send(agent, 2000, prefix="before the rollout")
    agent.close()
    assert first.terminate(render_chart(values={"otel-collector": FAST_RETRIES})) == 0  # exited in its grace period

    run_collector(FAST_RETRIES, endpoints=endpoints, queue_dir=queue, ports=first.ports)
    langfuse.start()
    try:
        assert langfuse.wait_for_spans(2000, timeout=40) == sent
    finally:
        langfuse.stop()


def test_what_langfuse_takes_during_the_drain_window_is_delivered_before_sigterm(run_collector):
    langfuse = OtlpSink()
    first = run_collector(FAST_RETRIES, endpoints={LANGFUSE: langfuse.url(LANGFUSE_PATH)})
    agent = Agent(first.otlp_http, {"service.name": "support-bot"})
    sent = send(agent, 1000, prefix="queued")
    agent.close()
    langfuse.start()  # back as the pod is told to stop
    try:
        assert first.terminate(render_chart(values={"otel-collector": FAST_RETRIES})) == 0
        assert set(langfuse.span_ids()) == sent  # no successor needed
    finally:
        langfuse.stop()


def test_a_scaled_in_replicas_queue_waits_on_its_claim_and_is_delivered_when_its_ordinal_returns(
        run_collector, tmp_path):
    values = {**FAST_RETRIES, "replicas": 2}
    manifest = render_chart(values={"otel-collector": values})
    # Each replica on a directory of its own, named as the StatefulSet names its claims.
    queues = [tmp_path / claim for claim in queue_claims(manifest, 2)]
    langfuse = OtlpSink()
    endpoints = {LANGFUSE: langfuse.url(LANGFUSE_PATH)}
    replicas, sent = [], []
    for ordinal, queue in enumerate(queues):
        queue.mkdir()
        replicas.append(run_collector(values, endpoints=endpoints, queue_dir=queue))
        agent = Agent(replicas[ordinal].otlp_http, {"service.name": "support-bot"})
        sent.append(send(agent, 1000, prefix=f"replica {ordinal}"))
        agent.close()
    assert sent[0].isdisjoint(sent[1])

    assert replicas[1].terminate(manifest) == 0  # scaled in to one replica during the outage
    langfuse.start()
    try:
        assert langfuse.wait_for_spans(1000, timeout=40) == sent[0]
        time.sleep(2)
        assert set(langfuse.span_ids()) == sent[0]  # ordinal 1's spans wait on its claim

        run_collector(values, endpoints=endpoints, queue_dir=queues[1], ports=replicas[1].ports)  # scaled out again
        assert langfuse.wait_for_spans(2000, timeout=40) == sent[0] | sent[1]
    finally:
        langfuse.stop()
