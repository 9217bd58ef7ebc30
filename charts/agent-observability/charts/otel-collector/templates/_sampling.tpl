{{/*
Sampling (sampling.enabled): the destinations whose `sampled` is true get the traces the tail
sampling processor keeps, the others every trace. The metrics pipeline is untouched: it reads
forward/traces, the spans as the agents sent them, before any decision.
  traces/sampling          forward/traces -> transform/sampling-signals (the cost of each LLM
                           call, for the cost rule) -> then, in process (one replica):
                           tail_sampling -> transform/sampling-signals-removed -> batch/sampled
                           -> forward/sampled
                           or, routed by trace ID (several replicas): loadbalancing/sampling,
                           which sends each trace's spans to the replica that decides it
  traces/sampling-decide   (routed only) otlp/sampling -> memory_limiter -> tail_sampling
                           -> transform/sampling-signals-removed -> batch/sampled -> forward/sampled
  traces/sampled...        forward/sampled -> the sampled destinations, by content policy
                           (templates/_redaction.tpl)
Every replica is both tiers: the agent-facing one and the one that decides the traces routed
to it. Delivery keeps its guarantees: the loadbalancing exporter's queue is on the queue volume
like the destinations', and a decided trace goes on to its destinations' queues.
tailsamplingprocessor (v0.142.0, processor.go) answers ConsumeTraces once the spans are held in
memory, decides every held trace when it shuts down (drop_pending_traces_on_shutdown false), and
hands each kept trace to the next consumer, logging a refusal; with block_on_overflow it holds
new spans while maxTraces are waiting, rather than evict one.
*/}}

{{/*
otel-collector.samplingMode is how traces are decided: "in-process" (one replica: every span of
a trace reaches it), "by-trace-id" (routed to the replica that decides the trace), or empty
when sampling is off.
*/}}
{{- define "otel-collector.samplingMode" -}}
{{- $v := .Values }}
{{- if $v.sampling.enabled }}
{{- $routed := $v.sampling.routeByTraceId }}
{{- if kindIs "invalid" $routed }}
{{- $routed = or $v.autoscaling.enabled (gt (int $v.replicas) 1) }}
{{- end }}
{{- ternary "by-trace-id" "in-process" $routed }}
{{- end }}
{{- end }}

{{/*
otel-collector.samplingService is the name of the headless Service the collectors find each
other's sampling receivers through (sampling.routeByTraceId).
*/}}
{{- define "otel-collector.samplingService" -}}
{{- printf "%s-sampling" (include "otel-collector.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
otel-collector.samplingSignalStatements are the OTTL statement groups (YAML list) of
transform/sampling-signals: each LLM call's cost in USD, priced from the metrics' table
(otel-collector.priceStatements), into agent_observability.sampling.cost_usd, which the cost
rule reads and transform/sampling-signals-removed takes off again. The model and token counts
are read where the metrics' normalisation (files/genai-normalise.yaml) finds them, in the same
order of precedence, into the span's cache: the spans themselves are not changed.
*/}}
{{- define "otel-collector.samplingSignalStatements" -}}
{{- if .Values.sampling.keep.costlierThanUsd }}
{{- $first := list
  (list "model" (list `span.attributes["gen_ai.request.model"]` `span.attributes["gen_ai.response.model"]` `span.attributes["llm.model_name"]` `span.attributes["embedding.model_name"]` `span.attributes["langfuse.observation.model.name"]`))
  (list "input" (list `span.attributes["gen_ai.usage.input_tokens"]` `span.attributes["gen_ai.usage.prompt_tokens"]` `span.attributes["llm.token_count.prompt"]` `span.cache["langfuse"]["prompt_tokens"]` `span.cache["langfuse"]["input_tokens"]` `span.cache["langfuse"]["input"]`))
  (list "output" (list `span.attributes["gen_ai.usage.output_tokens"]` `span.attributes["gen_ai.usage.completion_tokens"]` `span.attributes["llm.token_count.completion"]` `span.cache["langfuse"]["completion_tokens"]` `span.cache["langfuse"]["output_tokens"]` `span.cache["langfuse"]["output"]`))
  (list "cached" (list `span.attributes["gen_ai.usage.cache_read.input_tokens"]` `span.attributes["gen_ai.usage.cache_read_input_tokens"]` `span.attributes["llm.token_count.prompt_details.cache_read"]` `span.cache["langfuse"]["prompt_tokens_details"]["cached_tokens"]`)) }}
{{- $statements := list `set(span.cache["langfuse"], ParseJSON(span.attributes["langfuse.observation.usage_details"])) where span.attributes["langfuse.observation.usage_details"] != nil` }}
{{- $conditions := list }}
{{- range $first }}
{{- $key := index . 0 }}
{{- range $source := index . 1 }}
{{- $statements = append $statements (printf `set(span.cache["%s"], %s) where span.cache["%s"] == nil` $key $source $key) }}
{{- if and (ne $key "model") (hasPrefix "span.attributes" $source) }}
{{- $conditions = append $conditions (printf "%s != nil" $source) }}
{{- end }}
{{- end }}
{{- end }}
{{- $conditions = append $conditions `span.attributes["langfuse.observation.usage_details"] != nil` }}
{{- $statements = concat $statements (include "otel-collector.priceStatements" . | fromYamlArray) }}
{{- /* Counts the metrics would reject (negative, not numbers) price as nothing: Double() of
  what is not a number fails the statement, and error_mode ignore leaves the span unpriced. */}}
{{- $statements = concat $statements (list
  `set(span.cache["cached"], 0) where span.cache["cached"] == nil`
  `set(span.cache["input"], 0) where span.cache["input"] == nil`
  `set(span.cache["output"], 0) where span.cache["output"] == nil`
  `set(span.attributes["agent_observability.sampling.cost_usd"], ((Double(span.cache["input"]) - Double(span.cache["cached"])) * span.cache["price"]["input"] + Double(span.cache["cached"]) * span.cache["price"]["cached_input"] + Double(span.cache["output"]) * span.cache["price"]["output"]) / 1000000.0) where span.cache["price"] != nil`) }}
{{- toYaml (list (dict "conditions" $conditions "statements" $statements)) }}
{{- else }}
{{- toYaml list }}
{{- end }}
{{- end }}

{{/*
otel-collector.samplingPolicies are the tail sampling processor's policies (YAML list): a trace
is kept when any holds (tailsamplingprocessor processor.go makeDecision, v0.142.0). The OTTL
conditions hold when one span (or span event) of the trace meets one of them
(internal/sampling/ottl.go).
*/}}
{{- define "otel-collector.samplingPolicies" -}}
{{- $s := .Values.sampling }}
{{- $policies := list }}
{{- if $s.keep.errors }}
{{- $policies = append $policies (dict "name" "errors" "type" "ottl_condition" "ottl_condition" (dict
    "error_mode" "ignore"
    "span" (list `status.code == STATUS_CODE_ERROR` `attributes["error.type"] != nil`)
    "spanevent" (list `name == "exception"`))) }}
{{- end }}
{{- if $s.keep.rateLimited }}
{{- /* As transform/genai-labels marks a call for llm_rate_limit_errors_total, on the attributes
  files/genai-normalise.yaml reads them from: the exception's type, and the LangFuse SDK's
  status message, its only sign of a 429. */}}
{{- $rateLimit := `"(?i)(rate.?limit|too.?many.?requests|^429$)"` }}
{{- $policies = append $policies (dict "name" "rate-limited" "type" "ottl_condition" "ottl_condition" (dict
    "error_mode" "ignore"
    "span" (list (printf `IsMatch(attributes["error.type"], %s)` $rateLimit) `attributes["http.response.status_code"] == 429` `attributes["http.status_code"] == 429` `IsMatch(attributes["langfuse.observation.status_message"], "^Error code: 429\\b")`)
    "spanevent" (list (printf `name == "exception" and IsMatch(attributes["exception.type"], %s)` $rateLimit)))) }}
{{- end }}
{{- if $s.keep.slowerThanSeconds }}
{{- $policies = append $policies (dict "name" "slow" "type" "latency" "latency" (dict "threshold_ms" (mulf $s.keep.slowerThanSeconds 1000 | ceil | int64))) }}
{{- end }}
{{- if $s.keep.costlierThanUsd }}
{{- $policies = append $policies (dict "name" "expensive" "type" "ottl_condition" "ottl_condition" (dict
    "error_mode" "ignore"
    "span" (list (printf `attributes["agent_observability.sampling.cost_usd"] >= %s` (include "otel-collector.ottlFloat" $s.keep.costlierThanUsd))))) }}
{{- end }}
{{- with $s.keep.tenants }}
{{- $quoted := list }}
{{- range . }}
{{- $quoted = append $quoted (regexQuoteMeta (toString .)) }}
{{- end }}
{{- $tenants := include "otel-collector.ottlString" (printf "^(?:%s)$" (join "|" $quoted)) }}
{{- /* Where the metrics' tenant_id comes from (files/genai-normalise.yaml). */}}
{{- $conditions := list }}
{{- range list `attributes["tenant.id"]` `resource.attributes["tenant.id"]` `attributes["tenant_id"]` `attributes["langfuse.trace.metadata.tenant_id"]` }}
{{- $conditions = append $conditions (printf `IsMatch(%s, %s)` . $tenants) }}
{{- end }}
{{- $policies = append $policies (dict "name" "tenants" "type" "ottl_condition" "ottl_condition" (dict "error_mode" "ignore" "span" $conditions)) }}
{{- end }}
{{- $policies = append $policies (dict "name" "share" "type" "probabilistic" "probabilistic" (dict "sampling_percentage" $s.percentage)) }}
{{- toYaml $policies }}
{{- end }}

{{/*
otel-collector.samplingComponents are the receivers, processors, exporters, connectors and
pipelines (YAML map with those five keys) that decide the traces and hand the kept ones to
forward/sampled (see the top of this file); empty maps when sampling is off.
*/}}
{{- define "otel-collector.samplingComponents" -}}
{{- $v := .Values }}
{{- $mode := include "otel-collector.samplingMode" . }}
{{- $out := dict "receivers" dict "processors" dict "exporters" dict "connectors" dict "pipelines" dict }}
{{- if $mode }}
{{- $s := $v.sampling }}
{{- $_ := set $out.connectors "forward/sampled" dict }}
{{- $_ := set $out.processors "tail_sampling" (dict
    "decision_wait" $s.decisionWait
    "num_traces" (int64 $s.maxTraces)
    "block_on_overflow" true
    "decision_cache" (dict "sampled_cache_size" (int64 $s.decisionCacheSize) "non_sampled_cache_size" (int64 $s.decisionCacheSize))
    "policies" (include "otel-collector.samplingPolicies" . | fromYamlArray)) }}
{{- $signals := include "otel-collector.samplingSignalStatements" . | fromYamlArray }}
{{- $prepare := list }}
{{- $decide := list "tail_sampling" }}
{{- if $signals }}
{{- $_ := set $out.processors "transform/sampling-signals" (dict "error_mode" "ignore" "trace_statements" $signals) }}
{{- $_ := set $out.processors "transform/sampling-signals-removed" (dict "error_mode" "ignore" "trace_statements" (list
    (dict "conditions" (list `span.attributes["agent_observability.sampling.cost_usd"] != nil`)
          "statements" (list `delete_key(span.attributes, "agent_observability.sampling.cost_usd")`)))) }}
{{- $prepare = list "transform/sampling-signals" }}
{{- $decide = append $decide "transform/sampling-signals-removed" }}
{{- end }}
{{- $_ := set $out.processors "batch/sampled" (index (.Files.Get "files/fixed-components.yaml" | fromYaml).processors "batch/sampled") }}
{{- $decide = append $decide "batch/sampled" }}
{{- if eq $mode "in-process" }}
{{- $_ := set $out.pipelines "traces/sampling" (dict "receivers" (list "forward/traces") "processors" (concat $prepare $decide) "exporters" (list "forward/sampled")) }}
{{- else }}
{{- $_ := set $out.receivers "otlp/sampling" (dict "protocols" (dict "grpc" (dict "endpoint" (printf "0.0.0.0:%v" $v.ports.sampling)))) }}
{{- $pipeline := dict "receivers" (list "forward/traces") "exporters" (list "loadbalancing/sampling") }}
{{- with $prepare }}
{{- $_ := set $pipeline "processors" . }}
{{- end }}
{{- $_ := set $out.pipelines "traces/sampling" $pipeline }}
{{- $_ := set $out.pipelines "traces/sampling-decide" (dict "receivers" (list "otlp/sampling") "processors" (prepend $decide "memory_limiter") "exporters" (list "forward/sampled")) }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
otel-collector.samplingExporter is the loadbalancing exporter (YAML map) that routes each
trace's spans, by trace ID, to the sampling receiver of one replica, found through the
headless Service's DNS records (ready pods only). Its own queue (on the queue volume) and
retries hold what a replica refuses or a replica that leaves had not taken, and send it again
through the ring as it is then; the per-replica OTLP exporters have neither, so a failure
returns to that queue (exporter/loadbalancingexporter README.md, Resilience, v0.142.0).
Usage: {{ include "otel-collector.samplingExporter" (dict "context" . "queue" $queue) }}
*/}}
{{- define "otel-collector.samplingExporter" -}}
{{- $v := .context.Values }}
{{- toYaml (merge (dict
    "routing_key" "traceID"
    "timeout" "30s"
    "protocol" (dict "otlp" (dict
        "tls" (dict "insecure" true)
        "timeout" "30s"
        "sending_queue" (dict "enabled" false)
        "retry_on_failure" (dict "enabled" false)))
    "resolver" (dict "dns" (dict
        "hostname" (include "otel-collector.samplingService" .context)
        "port" (toString $v.ports.sampling)
        "interval" $v.sampling.resolveInterval))) (deepCopy .queue)) }}
{{- end }}
