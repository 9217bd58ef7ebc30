{{/*
otel-collector.statsdComponents are the components of LangFuse's queue metrics (YAML map with
receivers, processors and pipelines), when statsd.enabled:
  metrics/langfuse-queues  statsd -> memory_limiter -> filter/langfuse-queues
                           -> transform/langfuse-queues -> deltatocumulative -> prometheus
LangFuse v4.16.0 emits them through dd-trace's DogStatsD client (packages/shared/src/server/
instrumentation/index.ts: recordGauge, recordIncrement, recordDistribution), named by
convertQueueNameToMetricName ("otel-ingestion-queue" -> langfuse.queue.otel_ingestion):
  <base>.depth{type: waiting|failed|active, unit: records, shard?}   gauge, every
      LANGFUSE_QUEUE_METRICS_INTERVAL_MS (worker/src/features/queue-metrics-runner/index.ts);
      sharded queues per shard and as shard:all (their sum)
  <base>.dlq_oldest_age{unit: milliseconds, shard?}                 gauge, same runner
  <base>.time_distribution{type: wait|processing, unit: milliseconds, shard?}
      distribution, one line per job (worker/src/queues/workerManager.ts metricWrapper)
  <base>.rate{type: request|completed|failed|error|..., shard?}      counter, one per event
They become (names the Prometheus exporter keeps as they are: no suffixes are added):
  langfuse_queue_depth{queue, shard, type}                 jobs in the queue, by state
  langfuse_queue_dlq_oldest_age_milliseconds{queue, shard} age of the oldest failed job (0: none)
  langfuse_queue_wait_time_milliseconds{queue, shard, worker_pod}        histogram
  langfuse_queue_processing_time_milliseconds{queue, shard, worker_pod}  histogram
  langfuse_queue_jobs_total{queue, shard, type, worker_pod}              counter
Every worker measures the same Redis queues, so the gauges leave the sending pod out: on one
collector each series holds the last report of any worker, and the queries take the max over
collectors (a Service spreads the workers' UDP flows over them). Histograms and counters are
deltas that only add up per sender, so they keep worker_pod (dd-trace's DD_TAGS, which the
langfuse chart sets to the pod's name): each worker's stream is made cumulative on its own
(deltatocumulative drops a second delta over the same interval of one stream), and the queries
sum their rates. Every other tag (dd-trace's service, version, env, the container id of
DogStatsD's c: field, LangFuse's unit) is dropped.
*/}}
{{- define "otel-collector.statsdComponents" -}}
{{- $s := .Values.statsd }}
{{- $metrics := `^langfuse\.queue\.[a-z0-9_]+\.(depth|dlq_oldest_age|time_distribution|rate)$` }}
{{- $histogram := `^langfuse\.queue\.[a-z0-9_]+\.time_distribution$` }}
{{- $is := dict }}
{{- range $suffix := list "depth" "dlq_oldest_age" "time_distribution" "rate" }}
{{- $_ := set $is $suffix (printf `IsMatch(metric.name, %s)` (include "otel-collector.ottlString" (printf `^langfuse\.queue\.[a-z0-9_]+\.%s$` $suffix))) }}
{{- end }}
{{- $statements := list
  (printf `merge_maps(datapoint.attributes, ExtractPatterns(metric.name, %s), "upsert")` (include "otel-collector.ottlString" `^langfuse\.queue\.(?P<queue>[a-z0-9_]+)\.`))
  `keep_keys(datapoint.attributes, ["queue", "shard", "type", "worker_pod"])`
  `delete_key(datapoint.attributes, "worker_pod") where metric.type == METRIC_DATA_TYPE_GAUGE`
  (printf `set(metric.name, "langfuse_queue_depth") where %s` $is.depth)
  (printf `set(metric.name, "langfuse_queue_dlq_oldest_age_milliseconds") where %s` $is.dlq_oldest_age)
  (printf `set(metric.name, "langfuse_queue_wait_time_milliseconds") where %s and datapoint.attributes["type"] == "wait"` $is.time_distribution)
  (printf `set(metric.name, "langfuse_queue_processing_time_milliseconds") where %s and datapoint.attributes["type"] == "processing"` $is.time_distribution)
  `delete_key(datapoint.attributes, "type") where metric.name == "langfuse_queue_wait_time_milliseconds" or metric.name == "langfuse_queue_processing_time_milliseconds"`
  (printf `set(metric.name, "langfuse_queue_jobs_total") where %s` $is.rate)
}}
{{- toYaml (dict
  "receivers" (dict "statsd" (dict
      "endpoint" (printf "0.0.0.0:%v" $s.port)
      "transport" "udp"
      "aggregation_interval" $s.aggregationInterval
      "is_monotonic_counter" true
      "timer_histogram_mapping" (list (dict
          "statsd_type" "distribution"
          "observer_type" "histogram"
          "histogram" (dict "explicit_buckets" (list (dict "matcher_pattern" $histogram "buckets" $s.buckets)))))))
  "processors" (dict
      "filter/langfuse-queues" (dict "error_mode" "ignore" "metrics" (dict "metric" (list (printf `not IsMatch(metric.name, %s)` (include "otel-collector.ottlString" $metrics)))))
      "transform/langfuse-queues" (dict "error_mode" "ignore" "metric_statements" (list (dict "context" "datapoint" "statements" $statements))))
  "pipelines" (dict "metrics/langfuse-queues" (dict
      "receivers" (list "statsd")
      "processors" (list "memory_limiter" "filter/langfuse-queues" "transform/langfuse-queues" "deltatocumulative")
      "exporters" (list "prometheus")))) }}
{{- end }}
