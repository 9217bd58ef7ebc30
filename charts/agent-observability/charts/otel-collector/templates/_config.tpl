{{/*
otel-collector.config is the collector's configuration (YAML), built as one dict and merged
with .Values.config. Pipelines:
  traces/in            otlp -> memory_limiter -> forward/traces, to the two below
  traces               forward/traces -> the destinations that get the spans as sent (LangFuse
                       by default), each through a sending queue on disk; nothing changes the spans.
  traces/redacted, traces/no-content
                       forward/traces -> the destinations whose content policy says so, the
                       spans redacted or without content (templates/_redaction.tpl).
  traces/genai-metrics forward/traces -> normalise and label (a copy of the spans)
                       -> batch -> signaltometrics
  metrics/genai        signaltometrics -> transform/genai-counters (sums monotonic)
                       -> deltatocumulative -> prometheus (ports.metrics)
  metrics/agents       otlp -> memory_limiter -> deltatocumulative -> prometheus: the metrics
                       agents send themselves (metrics.fromAgents)
  metrics/langfuse-queues
                       statsd -> ... -> prometheus: LangFuse's queue metrics, from its
                       worker's DogStatsD lines (statsd.enabled; templates/_statsd.tpl)
Secrets are never in it: they are environment variables from Secrets (otel-collector.env),
referenced as ${env:NAME}. The settings no value changes are in files/fixed-components.yaml.
*/}}
{{- define "otel-collector.config" -}}
{{- $v := .Values }}
{{- $fixed := .Files.Get "files/fixed-components.yaml" | fromYaml }}
{{- $traceExporters := include "otel-collector.traceExporters" . | fromYaml }}
{{- $extensions := dict "health_check" (dict "endpoint" (printf "0.0.0.0:%v" $v.ports.health)) }}
{{- if $v.queue.persistent }}
{{- $_ := set $extensions "file_storage/queue" (merge (dict "fsync" $v.queue.fsync) (index $fixed.extensions "file_storage/queue")) }}
{{- end }}
{{- if $v.langfuse.enabled }}
{{- $_ := set $extensions "basicauth/langfuse" (index $fixed.extensions "basicauth/langfuse") }}
{{- end }}
{{- $config := dict
  "receivers" (dict "otlp" (dict "protocols" (dict
      "grpc" (dict "endpoint" (printf "0.0.0.0:%v" $v.ports.otlpGrpc))
      "http" (dict "endpoint" (printf "0.0.0.0:%v" $v.ports.otlpHttp)))))
  "processors" (dict "memory_limiter" (dict
      "check_interval" $v.memoryLimiter.checkInterval
      "limit_percentage" $v.memoryLimiter.limitPercentage
      "spike_limit_percentage" $v.memoryLimiter.spikeLimitPercentage))
  "exporters" $traceExporters
  "connectors" dict
  "extensions" $extensions
  "service" (dict
      "extensions" (keys $extensions | sortAlpha)
      "telemetry" (dict
          "logs" (dict "level" $v.telemetry.logLevel)
          "metrics" (dict "level" $v.telemetry.metricsLevel "readers" (list (dict "pull" (dict "exporter" (dict "prometheus" (dict "host" "0.0.0.0" "port" $v.ports.telemetry "without_scope_info" true)))))))
      "pipelines" dict)
}}
{{- /* One memory limiter before the spans fan out: a refused export reaches neither delivery
  nor the metrics, so the agent's retry is counted once. (Fanned out from the receiver, each
  pipeline would decide on its own, and the metrics counted what delivery refused:
  internal/fanoutconsumer calls every consumer and joins their errors, at v0.142.0.) */}}
{{- if or $traceExporters $v.metrics.enabled }}
{{- $_ := set $config.connectors "forward/traces" dict }}
{{- $_ := set $config.service.pipelines "traces/in" (dict
    "receivers" (list "otlp")
    "processors" (list "memory_limiter")
    "exporters" (list "forward/traces")) }}
{{- end }}
{{- if $traceExporters }}
{{- /* A pipeline per content policy in use (templates/_redaction.tpl). */}}
{{- $content := include "otel-collector.contentPipelines" . | fromYaml }}
{{- range $section := list "processors" "connectors" }}
{{- $_ := set $config $section (merge (index $config $section) (index $content $section)) }}
{{- end }}
{{- $_ := set $config.service "pipelines" (merge $config.service.pipelines $content.pipelines) }}
{{- /* Sampling's decisions (templates/_sampling.tpl); its exporter is among $traceExporters. */}}
{{- $sampling := include "otel-collector.samplingComponents" . | fromYaml }}
{{- range $section := list "receivers" "processors" "connectors" }}
{{- $_ := set $config $section (merge (index $config $section) (index $sampling $section)) }}
{{- end }}
{{- $_ := set $config.service "pipelines" (merge $config.service.pipelines $sampling.pipelines) }}
{{- end }}
{{- if $v.metrics.enabled }}
{{- $_ := set $config.processors "transform/genai-normalise" (dict
    "error_mode" "ignore"
    "trace_statements" (.Files.Get "files/genai-normalise.yaml" | fromYamlArray)) }}
{{- $_ := set $config.processors "transform/genai-labels" (dict
    "error_mode" "ignore"
    "trace_statements" (include "otel-collector.genaiLabelStatements" . | fromYamlArray)) }}
{{- $_ := set $config.processors "batch/genai-metrics" (index $fixed.processors "batch/genai-metrics") }}
{{- $_ := set $config.processors "deltatocumulative" (dict "max_streams" $v.metrics.maxSeries "max_stale" $v.metrics.seriesExpiration) }}
{{- $_ := set $config.connectors "signaltometrics" (dict "spans" (include "otel-collector.genaiMetrics" . | fromYamlArray)) }}
{{- $_ := set $config.exporters "prometheus" (merge (dict
    "endpoint" (printf "0.0.0.0:%v" $v.ports.metrics)
    "metric_expiration" $v.metrics.seriesExpiration) $fixed.exporters.prometheus) }}
{{- $_ := set $config.service.pipelines "traces/genai-metrics" (dict
    "receivers" (list "forward/traces")
    "processors" (list "transform/genai-normalise" "transform/genai-labels" "batch/genai-metrics")
    "exporters" (list "signaltometrics")) }}
{{- $_ := set $config.processors "transform/genai-counters" (dict
    "error_mode" "ignore"
    "metric_statements" (include "otel-collector.genaiCounterStatements" . | fromYamlArray)) }}
{{- $_ := set $config.service.pipelines "metrics/genai" (dict
    "receivers" (list "signaltometrics")
    "processors" (list "transform/genai-counters" "deltatocumulative")
    "exporters" (list "prometheus")) }}
{{- if $v.metrics.fromAgents }}
{{- /* What spans cannot say (agent_active_sessions, the GenAI client histograms) agents send as OTLP metrics, onto the same endpoint. */}}
{{- $_ := set $config.service.pipelines "metrics/agents" (dict
    "receivers" (list "otlp")
    "processors" (list "memory_limiter" "deltatocumulative")
    "exporters" (list "prometheus")) }}
{{- end }}
{{- if $v.statsd.enabled }}
{{- /* LangFuse's queue metrics (templates/_statsd.tpl), onto the same endpoint. */}}
{{- $statsd := include "otel-collector.statsdComponents" . | fromYaml }}
{{- range $section := list "receivers" "processors" }}
{{- $_ := set $config $section (merge (index $config $section) (index $statsd $section)) }}
{{- end }}
{{- $_ := set $config.service "pipelines" (merge $config.service.pipelines $statsd.pipelines) }}
{{- end }}
{{- end }}
{{- if not $config.connectors }}
{{- $_ := unset $config "connectors" }}
{{- end }}
{{- $config = mustMergeOverwrite $config (deepCopy $v.config) }}
{{- /* A component or pipeline set to null in .Values.config is removed. */}}
{{- range $section, $entries := $v.config }}
{{- if kindIs "map" $entries }}
{{- range $name, $entry := $entries }}
{{- if kindIs "invalid" $entry }}
{{- $_ := unset (index $config $section) $name }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- range $name, $pipeline := (dig "pipelines" dict ($v.config.service | default dict)) }}
{{- if kindIs "invalid" $pipeline }}
{{- $_ := unset $config.service.pipelines $name }}
{{- end }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/*
otel-collector.exportQueue is the sending queue and retry settings of an exporter that
forwards traces: the queue is kept on disk (file_storage/queue) when queue.persistent is on,
and a failed export is retried with exponential backoff.
*/}}
{{- define "otel-collector.exportQueue" -}}
{{- $v := .Values }}
{{- /* Bounded in bytes, what runs out (the volume, memory), not in requests: an export of
  LLM spans weighs from a few KiB to megabytes. The persistent queue sizes each request with
  the bytes sizer at v0.142.0 (exporterhelper/internal/queue/persistent_queue.go, Offer:
  ErrQueueIsFull once the queued bytes would pass queue_size), and a full queue refuses the
  export retryably (503 over OTLP/HTTP, UNAVAILABLE over gRPC), so agents' SDKs retry. */}}
{{- /* queue_size: otel-collector.traceExporters sets it, once it knows how many queues share the room. */}}
{{- $queue := dict "enabled" true "sizer" "bytes" "num_consumers" $v.queue.consumers }}
{{- if $v.queue.persistent }}
{{- $_ := set $queue "storage" "file_storage/queue" }}
{{- end }}
{{- toYaml (dict
    "sending_queue" $queue
    "retry_on_failure" (dict
        "enabled" true
        "initial_interval" $v.retry.initialInterval
        "max_interval" $v.retry.maxInterval
        "max_elapsed_time" $v.retry.maxElapsedTime)) }}
{{- end }}

{{/*
otel-collector.queueBytes is the bound, in bytes, of each of `queued` sending queues:
queue.maxBytes, else a share of what holds the queues, divided among them: on disk
otel-collector.queueRoomBytes, in memory (queue.persistent off) 20% of the memory limit, below
the memory limiter's.
Usage: {{ include "otel-collector.queueBytes" (dict "context" . "queued" 2) }}
*/}}
{{- define "otel-collector.queueBytes" -}}
{{- $v := .context.Values }}
{{- $queued := max .queued 1 }}
{{- if $v.queue.maxBytes }}
{{- include "otel-collector.quantityBytes" $v.queue.maxBytes }}
{{- else if $v.queue.persistent }}
{{- div (include "otel-collector.queueRoomBytes" .context | int64) $queued }}
{{- else }}
{{- $memory := include "otel-collector.quantityBytes" (dig "limits" "memory" "512Mi" $v.resources) | int64 }}
{{- div (div $memory 5) $queued }}
{{- end }}
{{- end }}

{{/*
otel-collector.queueRoomBytes is what the sending queues on disk may hold together, in bytes:
40% of persistence.size. The file store (bbolt) keeps freed pages until it compacts, and
compaction writes a copy of the live data beside the file before it replaces it, so the queues'
data can take about twice its size on the volume (validate.yaml refuses a queue.maxBytes that
does not fit).
*/}}
{{- define "otel-collector.queueRoomBytes" -}}
{{- div (mul (include "otel-collector.quantityBytes" .Values.persistence.size | int64) 2) 5 }}
{{- end }}

{{/*
otel-collector.traceExporters are the exporters of the traces pipelines (YAML map): LangFuse's
OTLP/HTTP endpoint with Basic auth and the v4 ingestion header (through the delivery guard
when it is on: templates/_delivery_guard.tpl), each destination that is switched on, and the
loadbalancing exporter of sampling routed by trace ID (templates/_sampling.tpl).
Credentials are ${env:...} references to Secret-backed variables.
*/}}
{{- define "otel-collector.traceExporters" -}}
{{- $v := .Values }}
{{- $queue := include "otel-collector.exportQueue" . | fromYaml }}
{{- $exporters := dict }}
{{- if $v.langfuse.enabled }}
{{- $endpoint := include "otel-collector.tpl" (dict "value" $v.langfuse.endpoint "context" .) }}
{{- if include "otel-collector.deliveryGuardEnabled" . }}
{{- $endpoint = include "otel-collector.deliveryGuardEndpoint" . }}
{{- end }}
{{- $_ := set $exporters "otlphttp/langfuse" (merge (dict
    "endpoint" $endpoint
    "auth" (dict "authenticator" "basicauth/langfuse")
    "headers" (dict "x-langfuse-ingestion-version" (toString $v.langfuse.ingestionVersion))
    "timeout" $v.langfuse.timeout) (deepCopy $queue)) }}
{{- end }}
{{- with $v.destinations.langsmith }}
{{- if .enabled }}
{{- $headers := dict "x-api-key" "${env:LANGSMITH_API_KEY}" }}
{{- with .project }}
{{- $_ := set $headers "Langsmith-Project" . }}
{{- end }}
{{- $_ := set $exporters "otlphttp/langsmith" (merge (dict "endpoint" .endpoint "headers" $headers) (deepCopy $queue)) }}
{{- end }}
{{- end }}
{{- with $v.destinations.otlp }}
{{- if .enabled }}
{{- $headers := deepCopy .headers }}
{{- if .auth.existingSecret }}
{{- $_ := set $headers .auth.header "${env:OTLP_BACKEND_AUTH}" }}
{{- end }}
{{- $exporter := dict "endpoint" .endpoint }}
{{- with $headers }}
{{- $_ := set $exporter "headers" . }}
{{- end }}
{{- if .insecure }}
{{- $_ := set $exporter "tls" (dict "insecure" true) }}
{{- end }}
{{- $_ := set $exporters (printf "%s/backend" (ternary "otlp" "otlphttp" (eq .protocol "grpc"))) (merge $exporter (deepCopy $queue)) }}
{{- end }}
{{- end }}
{{- with $v.destinations.xray }}
{{- if .enabled }}
{{- $exporter := dict "region" .region "index_all_attributes" .indexAllAttributes }}
{{- with .endpoint }}
{{- $_ := set $exporter "endpoint" . }}
{{- end }}
{{- $_ := set $exporters "awsxray" $exporter }}
{{- end }}
{{- end }}
{{- if $v.destinations.debug.enabled }}
{{- $_ := set $exporters "debug" (dict "verbosity" $v.destinations.debug.verbosity) }}
{{- end }}
{{- if eq (include "otel-collector.samplingMode" .) "by-trace-id" }}
{{- $_ := set $exporters "loadbalancing/sampling" (include "otel-collector.samplingExporter" (dict "context" . "queue" $queue) | fromYaml) }}
{{- end }}
{{- $queues := list }}
{{- range $exporters }}
{{- with .sending_queue }}
{{- $queues = append $queues . }}
{{- end }}
{{- end }}
{{- $bytes := include "otel-collector.queueBytes" (dict "context" . "queued" (len $queues)) | int64 }}
{{- range $queues }}
{{- $_ := set . "queue_size" $bytes }}
{{- end }}
{{- toYaml $exporters }}
{{- end }}

{{/*
otel-collector.genaiLabelStatements are the OTTL statement groups (YAML list) of the
transform/genai-labels processor: after normalisation, they set the span attributes that
become the metric contract's labels (model, provider, agent.name, tool.name, tenant.id,
error.type), bound their values (cut to metrics.maxLabelLength characters), match the model
against the price table, take the token counts and durations that are plausible
(metrics.limits; the others are marked agent_observability.rejected.<field> for
genai_rejected_span_values_total) and compute the cost that the metrics sum. `agent_observability.*` attributes are
private to this pipeline.
Each group runs only on the spans it can change (its `conditions`), and each label is set
only on the spans of the metrics that carry it, so that signaltometrics passes over every
other metric's definition without copying the span's attributes (bench/ measures it).
*/}}
{{- define "otel-collector.genaiLabelStatements" -}}
{{- $v := .Values }}
{{- $max := int $v.metrics.maxLabelLength }}
{{- $inference := `span.attributes["gen_ai.operation.name"] == "chat" or span.attributes["gen_ai.operation.name"] == "text_completion" or span.attributes["gen_ai.operation.name"] == "generate_content" or span.attributes["gen_ai.operation.name"] == "embeddings"` }}
{{- $isInference := `span.attributes["agent_observability.inference"] == true` }}
{{- $isTool := `span.attributes["gen_ai.operation.name"] == "execute_tool"` }}
{{- /* What the statements below and the metrics read; everything else (message content, the
  span's own attributes named like a label) leaves the metrics' copy first. */}}
{{- $read := list "gen_ai.operation.name" "gen_ai.provider.name" "gen_ai.request.model" "gen_ai.agent.name" "gen_ai.tool.name"
  "gen_ai.usage.input_tokens" "gen_ai.usage.output_tokens" "gen_ai.usage.cache_read.input_tokens"
  "tenant.id" "error.type" "http.response.status_code" "http.status_code" }}
{{- $quoted := list }}
{{- range $read }}
{{- $quoted = append $quoted (include "otel-collector.ottlString" .) }}
{{- end }}
{{- $labels := list
  (printf `keep_keys(span.attributes, [%s])` (join ", " $quoted))
  (printf `set(span.attributes["agent_observability.inference"], true) where %s` $inference)
  (printf `set(span.attributes["provider"], span.attributes["gen_ai.provider.name"]) where %s` $isInference)
  (printf `set(span.attributes["provider"], "unknown") where %s and span.attributes["provider"] == nil` $isInference)
  `set(span.attributes["agent.name"], span.attributes["gen_ai.agent.name"])`
  `set(span.attributes["agent.name"], resource.attributes["service.name"]) where span.attributes["agent.name"] == nil`
  (printf `set(span.attributes["tool.name"], span.attributes["gen_ai.tool.name"]) where %s` $isTool)
  (printf `set(span.attributes["tool.name"], "unknown") where %s and span.attributes["tool.name"] == nil` $isTool)
  (printf `set(span.attributes["agent_observability.rate_limited"], true) where %s and (IsMatch(span.attributes["error.type"], "(?i)(rate.?limit|too.?many.?requests|^429$)") or span.attributes["http.response.status_code"] == 429 or span.attributes["http.status_code"] == 429)` $isInference)
}}
{{- /* Each label value is made a string and cut to $max characters, not bytes (truncate_all slices bytes,
  ottlfuncs/func_truncate_all.go TruncateAll, and a split character is invalid UTF-8, which
  the Prometheus exporter drops with the series). RE2's `.` is one character; only a value of
  more than $max bytes (Len counts bytes, ottlfuncs/func_len.go computeLen) can have more than
  $max characters, so the pattern runs on no other. `$$1` is `$1` once the collector's
  configuration is read (confmap/resolver.go escapeDollarSigns), group 1 for
  replace_pattern's regexp.ReplaceAllString (ottlfuncs/func_replace_pattern.go replacePattern). */}}
{{- range list "tenant.id" "agent.name" "tool.name" "error.type" "provider" "gen_ai.request.model" }}
{{- $labels = append $labels (printf `set(span.attributes["%s"], String(span.attributes["%s"])) where span.attributes["%s"] != nil and not IsString(span.attributes["%s"])` . . . .) }}
{{- $labels = append $labels (printf `replace_pattern(span.attributes["%s"], "^(?s)(.{%d}).+", "$$1") where span.attributes["%s"] != nil and Len(span.attributes["%s"]) > %d` . $max . . $max) }}
{{- end }}
{{- /* A tenant with a policy (global.tenants) always keeps its own value, also when
  metrics.tenants lists only some tenants: its budget and limits are for its own series. */}}
{{- with $v.metrics.tenants }}
{{- $known := list }}
{{- $policies := list }}
{{- range include "otel-collector.policyTenants" $ | fromYamlArray }}
{{- $policies = append $policies (toString .name) }}
{{- end }}
{{- range concat . $policies | uniq }}
{{- $known = append $known (regexQuoteMeta (toString .)) }}
{{- end }}
{{- $labels = append $labels (printf `set(span.attributes["tenant.id"], "other") where span.attributes["tenant.id"] != nil and not IsMatch(span.attributes["tenant.id"], %s)` (include "otel-collector.ottlString" (printf "^(?:%s)$" (join "|" $known)))) }}
{{- end }}
{{- /* The spans of the metrics with a model label: agent invocations and LLM calls. */}}
{{- $labels = append $labels (printf `set(span.attributes["model"], "unknown") where %s or span.attributes["gen_ai.operation.name"] == "invoke_agent"` $isInference) }}
{{- $prices := concat (list `set(span.cache["model"], span.attributes["gen_ai.request.model"])`) (include "otel-collector.priceStatements" . | fromYamlArray) }}
{{- $prices = append $prices `set(span.attributes["model"], span.cache["price"]["model"])` }}
{{- if eq $v.metrics.unpricedModels "keep" }}
{{- $prices = append $prices `set(span.attributes["model"], span.attributes["gen_ai.request.model"]) where span.cache["price"] == nil` }}
{{- else }}
{{- $prices = append $prices `set(span.attributes["model"], "other") where span.cache["price"] == nil and span.attributes["gen_ai.request.model"] != nil` }}
{{- end }}
{{- /* Token counts: a count in [0, limits.tokensPerCall] is taken, an int or a double (the
  LangFuse SDK's JSON usage), into agent_observability.<field> (the input count still with the
  cached tokens); what else a span sends is judged by the next group. The comparisons are
  false for NaN, a string or a bool (pkg/ottl/compare.go compareFloat64, invalidComparison),
  and Int() of a double in range only drops its fraction: Int() converts a double with Go's
  int64(), whose result for NaN, infinities and doubles beyond int64 is platform-dependent,
  and a string with strconv.ParseInt (expression.go StandardIntLikeGetter.Get). */}}
{{- $tokensPerCall := printf "%d" (int64 $v.metrics.limits.tokensPerCall) }}
{{- $tokenFields := list
  (dict "field" "input_tokens" "attribute" "gen_ai.usage.input_tokens")
  (dict "field" "cached_input_tokens" "attribute" "gen_ai.usage.cache_read.input_tokens")
  (dict "field" "output_tokens" "attribute" "gen_ai.usage.output_tokens") }}
{{- $badTokenCounts := list }}
{{- $rejectTokens := list }}
{{- range $tokenFields }}
{{- $sent := printf `span.attributes["%s"]` .attribute }}
{{- $taken := printf `span.attributes["agent_observability.%s"]` .field }}
{{- $rejected := printf `span.attributes["agent_observability.rejected.%s"]` .field }}
{{- $labels = append $labels (printf `set(%s, Int(%s)) where %s and %s >= 0 and %s <= %s` $taken $sent $isInference $sent $sent $tokensPerCall) }}
{{- $badTokenCounts = append $badTokenCounts (printf `(%s != nil and %s == nil)` $sent $taken) }}
{{- /* A number sent as a string is parsed (Double() takes what strconv.ParseFloat does) only if it
  looks like one, so that no other string makes the statement fail and log. The reasons are
  tried in order: not_finite (NaN, ±Inf), negative, too_large, and not_a_number for the rest
  (a string, a bool, a map). */}}
{{- $rejectTokens = concat $rejectTokens (list
  (printf `set(%s, Double(%s)) where IsString(%s) and IsMatch(%s, "^[+-]?(?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:[eE][+-]?[0-9]+)?$")` $sent $sent $sent $sent)
  (printf `set(%s, Int(%s)) where %s == nil and %s >= 0 and %s <= %s` $taken $sent $taken $sent $sent $tokensPerCall)
  (printf `set(%s, "not_finite") where %s == nil and IsDouble(%s) and not (%s >= -1.7976931348623157e308 and %s <= 1.7976931348623157e308)` $rejected $taken $sent $sent $sent)
  (printf `set(%s, "negative") where %s == nil and %s == nil and %s < 0` $rejected $taken $rejected $sent)
  (printf `set(%s, "too_large") where %s == nil and %s == nil and %s > %s` $rejected $taken $rejected $sent $tokensPerCall)
  (printf `set(%s, "not_a_number") where %s == nil and %s == nil and %s != nil` $rejected $taken $rejected $sent)) }}
{{- end }}
{{- /* A rejected count is left out, as if the span had not sent it: it adds no tokens and no
  cost (a rejected cached count bills the call's input tokens all as input, as for a library
  that does not report cache reads). */}}
{{- $usage := list
  (printf `set(span.attributes["agent_observability.cached_input_tokens"], 0) where %s and span.attributes["agent_observability.cached_input_tokens"] == nil` $isInference)
  (printf `set(span.attributes["agent_observability.input_tokens"], span.attributes["agent_observability.input_tokens"] - span.attributes["agent_observability.cached_input_tokens"]) where %s and span.attributes["agent_observability.input_tokens"] != nil` $isInference)
  (printf `set(span.attributes["agent_observability.input_tokens"], 0) where %s and (span.attributes["agent_observability.input_tokens"] == nil or span.attributes["agent_observability.input_tokens"] < 0)` $isInference)
  (printf `set(span.attributes["agent_observability.output_tokens"], 0) where %s and span.attributes["agent_observability.output_tokens"] == nil` $isInference)
  (printf `set(span.attributes["agent_observability.cost"], (Double(span.attributes["agent_observability.input_tokens"]) * span.cache["price"]["input"] + Double(span.attributes["agent_observability.cached_input_tokens"]) * span.cache["price"]["cached_input"] + Double(span.attributes["agent_observability.output_tokens"]) * span.cache["price"]["output"]) / 1000000.0) where %s and span.cache["price"] != nil` $isInference)
}}
{{- /* Durations: a span that ends before it starts, or lasts longer than its histogram's limit
  (metrics.limits.durationSeconds), is marked, and its histogram leaves it out. The group's
  conditions, on the span's own times, pass over every other span. */}}
{{- $duration := "span.end_time_unix_nano - span.start_time_unix_nano" }}
{{- $limits := $v.metrics.limits.durationSeconds }}
{{- $durationLimits := list
  (list `span.attributes["gen_ai.operation.name"] == "invoke_agent"` $limits.agentRequest)
  (list $isInference $limits.llmInference)
  (list $isTool $limits.toolExecution)
  (list `span.attributes["gen_ai.operation.name"] == "retrieval"` $limits.vectorSearch) }}
{{- $shortest := $limits.agentRequest }}
{{- $rejectDurations := list `set(span.attributes["agent_observability.rejected.duration"], "negative") where span.end_time_unix_nano < span.start_time_unix_nano` }}
{{- range $durationLimits }}
{{- $shortest = min $shortest (index . 1) }}
{{- $rejectDurations = append $rejectDurations (printf `set(span.attributes["agent_observability.rejected.duration"], "too_large") where %s and %s > %d` (index . 0) $duration (mul (int64 (index . 1)) 1000000000)) }}
{{- end }}
{{- /* Groups without a context: OTTL infers it (span) from the paths. A group's cache lasts
  for its own statements only (transformprocessor internal/common/traces.go ConsumeTraces
  makes a context per group and span), so what the next groups read is in the attributes. */}}
{{- toYaml (list
    (dict "conditions" (list `span.attributes["gen_ai.operation.name"] != nil`) "statements" $labels)
    (dict "conditions" (list (printf "%s and (%s)" $isInference (join " or " $badTokenCounts))) "statements" $rejectTokens)
    (dict "conditions" (list `span.end_time_unix_nano < span.start_time_unix_nano` (printf `%s > %d` $duration (mul (int64 $shortest) 1000000000))) "statements" $rejectDurations)
    (dict "conditions" (list `span.attributes["model"] != nil`) "statements" (concat $prices $usage))
    (dict "context" "resource" "statements" (list `delete_matching_keys(resource.attributes, ".*")`))) }}
{{- end }}

{{/*
otel-collector.ottlString is a string quoted for an OTTL string literal: backslashes and
double quotes escaped, in double quotes.
Usage: {{ include "otel-collector.ottlString" "^gpt-4o$" }}
*/}}
{{- define "otel-collector.ottlString" -}}
{{- printf "\"%s\"" (toString . | replace "\\" "\\\\" | replace "\"" "\\\"") }}
{{- end }}

{{/*
otel-collector.ottlFloat is a number as an OTTL float literal (always with a decimal point,
so OTTL's arithmetic stays in floats).
Usage: {{ include "otel-collector.ottlFloat" 2.5 }}
*/}}
{{- define "otel-collector.ottlFloat" -}}
{{- $text := regexReplaceAll "0+$" (printf "%.10f" (float64 .)) "" }}
{{- ternary (printf "%s0" $text) $text (hasSuffix "." $text) }}
{{- end }}

{{/*
otel-collector.genaiMetrics are the signaltometrics connector's metric definitions (YAML list):
the metric contract the dashboards query. Every series carries only the contract's labels;
the README says which span feeds which metric.
*/}}
{{- define "otel-collector.genaiMetrics" -}}
{{- $v := .Values }}
{{- $duration := "Seconds(end_time - start_time)" }}
{{- $unknown := "unknown" }}
{{- /* Labels without a default_value are set by transform/genai-labels on exactly the spans of
  the metrics that carry them: signaltometrics skips a definition whose label a span lacks
  before it copies any attribute. */}}
{{- $model := dict "key" "model" }}
{{- $tenant := dict "key" "tenant.id" "default_value" $unknown }}
{{- $agent := dict "key" "agent.name" "default_value" $unknown }}
{{- $inference := `attributes["agent_observability.inference"] == true` }}
{{- $isAgent := `attributes["gen_ai.operation.name"] == "invoke_agent"` }}
{{- $isTool := `attributes["gen_ai.operation.name"] == "execute_tool"` }}
{{- $isRetrieval := `attributes["gen_ai.operation.name"] == "retrieval"` }}
{{- /* transform/genai-labels marks a span whose duration is negative or beyond its limit. */}}
{{- $plausible := `attributes["agent_observability.rejected.duration"] == nil` }}
{{- $metrics := list
  (dict "name" "agent_request_duration_seconds" "description" "Duration of agent invocations (invoke_agent spans)." "unit" "s"
        "conditions" (list (printf "%s and %s" $isAgent $plausible))
        "attributes" (list $agent $model $tenant)
        "histogram" (dict "buckets" $v.metrics.buckets.agentRequest "value" $duration))
  (dict "name" "llm_inference_duration_seconds" "description" "Duration of LLM calls (chat, completion, embeddings spans)." "unit" "s"
        "conditions" (list (printf "%s and %s" $inference $plausible))
        "attributes" (list $model (dict "key" "provider"))
        "histogram" (dict "buckets" $v.metrics.buckets.llmInference "value" $duration))
  (dict "name" "llm_requests_total" "description" "LLM calls (chat, completion, embeddings spans), one per call." "unit" "{request}"
        "conditions" (list $inference)
        "attributes" (list $model $tenant)
        "sum" (dict "value" "1"))
}}
{{- range $type := list "input" "cached_input" "output" }}
{{- $metrics = append $metrics (dict "name" "llm_tokens_total" "description" "Tokens of LLM calls: input (not from the cache), cached_input (cache reads) and output." "unit" "{token}"
        "conditions" (list (printf `attributes["agent_observability.%s_tokens"] > 0` $type))
        "attributes" (list $model (dict "key" "token_type" "default_value" $type) $tenant)
        "sum" (dict "value" (printf `attributes["agent_observability.%s_tokens"]` $type))) }}
{{- end }}
{{- $metrics = concat $metrics (list
  (dict "name" "llm_cost_dollars_total" "description" "Cost of LLM calls in USD, from the chart's price table." "unit" "USD"
        "conditions" (list `attributes["agent_observability.cost"] > 0.0`)
        "attributes" (list $model $tenant)
        "sum" (dict "value" `attributes["agent_observability.cost"]`))
  (dict "name" "agent_errors_total" "description" "Agent invocations that failed, by error type." "unit" "{error}"
        "conditions" (list `attributes["gen_ai.operation.name"] == "invoke_agent" and attributes["error.type"] != nil`)
        "attributes" (list $agent (dict "key" "error.type") $tenant)
        "sum" (dict "value" "1"))
  (dict "name" "tool_execution_duration_seconds" "description" "Duration of tool executions (execute_tool spans)." "unit" "s"
        "conditions" (list (printf "%s and %s" $isTool $plausible))
        "attributes" (list (dict "key" "tool.name") $agent)
        "histogram" (dict "buckets" $v.metrics.buckets.toolExecution "value" $duration))
  (dict "name" "tool_execution_errors_total" "description" "Tool executions that failed, by error type." "unit" "{error}"
        "conditions" (list `attributes["gen_ai.operation.name"] == "execute_tool" and attributes["error.type"] != nil`)
        "attributes" (list (dict "key" "tool.name") $agent (dict "key" "error.type"))
        "sum" (dict "value" "1"))
  (dict "name" "llm_rate_limit_errors_total" "description" "LLM calls refused for rate limiting (HTTP 429, RateLimitError)." "unit" "{error}"
        "conditions" (list `attributes["agent_observability.rate_limited"] == true`)
        "attributes" (list $model)
        "sum" (dict "value" "1"))
  (dict "name" "vector_search_duration_seconds" "description" "Duration of vector searches (retrieval spans, vector database queries)." "unit" "s"
        "conditions" (list (printf "%s and %s" $isRetrieval $plausible))
        "histogram" (dict "buckets" $v.metrics.buckets.vectorSearch "value" $duration))
) }}
{{- /* The values left out above, one definition per field. The reason is the value of the
  span's agent_observability.rejected.<field>, a label without a default, so that every span
  without it passes over the definition at once (signaltometrics internal/model/model.go
  FilterAttributes); transform/genai-counters renames it `reason`. */}}
{{- $rejected := dict "name" "genai_rejected_span_values_total" "unit" "{value}"
  "description" "Values of spans left out of the metrics as implausible: by field and reason (negative, not_finite, not_a_number, too_large)." }}
{{- range $field := list "input_tokens" "cached_input_tokens" "output_tokens" }}
{{- $metrics = append $metrics (merge (dict
        "attributes" (list (dict "key" "field" "default_value" $field) (dict "key" (printf "agent_observability.rejected.%s" $field)) $tenant)
        "sum" (dict "value" "1")) $rejected) }}
{{- end }}
{{- range list (list "agent_request_duration" $isAgent) (list "llm_inference_duration" $inference) (list "tool_execution_duration" $isTool) (list "vector_search_duration" $isRetrieval) }}
{{- $metrics = append $metrics (merge (dict
        "conditions" (list (index . 1))
        "attributes" (list (dict "key" "field" "default_value" (index . 0)) (dict "key" "agent_observability.rejected.duration") $tenant)
        "sum" (dict "value" "1")) $rejected) }}
{{- end }}
{{- toYaml $metrics }}
{{- end }}

{{/*
otel-collector.genaiCounterStatements are the OTTL statement groups (YAML list) of the
transform/genai-counters processor, between signaltometrics and deltatocumulative in the
metrics/genai pipeline:
- every sum becomes monotonic, so that the Prometheus exporter exposes it as a counter
  (prometheusexporter collector.go convertSum; deltatocumulative keeps the flag, processor.go
  only sets the temporality): signaltometrics leaves its sums non-monotonic
  (internal/aggregator/aggregator.go Finalize), which the exporter exposes as gauges, and
  `promtool check metrics` fails on a gauge named `_total`. It is true of them: each adds 1 per
  span, or a token count or cost that its definition's condition requires to be above 0 (and
  transform/genai-labels bounds to the limits), so a sum only grows.
- genai_rejected_span_values_total's agent_observability.rejected.<field> label is renamed
  `reason` (its definitions need a label of their own per field, see otel-collector.genaiMetrics).
*/}}
{{- define "otel-collector.genaiCounterStatements" -}}
{{- $reasons := list }}
{{- range list "input_tokens" "cached_input_tokens" "output_tokens" "duration" }}
{{- $reasons = append $reasons (printf `set(datapoint.attributes["reason"], datapoint.attributes["agent_observability.rejected.%s"]) where datapoint.attributes["agent_observability.rejected.%s"] != nil` . .) }}
{{- end }}
{{- toYaml (list
    (dict "context" "metric" "statements" (list `set(metric.is_monotonic, true) where metric.type == METRIC_DATA_TYPE_SUM`))
    (dict "context" "datapoint"
        "conditions" (list `metric.name == "genai_rejected_span_values_total"`)
        "statements" (append $reasons `delete_matching_keys(datapoint.attributes, "^agent_observability\\.")`))) }}
{{- end }}

{{/*
otel-collector.env are the collector's environment variables: GOMEMLIMIT, and each credential
the configuration references as ${env:NAME}, from its Secret (never a value).
*/}}
{{- define "otel-collector.env" -}}
{{- $v := .Values }}
{{- with include "otel-collector.goMemLimit" . }}
- name: GOMEMLIMIT
  value: {{ . | quote }}
{{- end }}
{{- if $v.langfuse.enabled }}
{{- $secret := include "otel-collector.tpl" (dict "value" $v.langfuse.projectKeys.existingSecret "context" .) }}
- name: LANGFUSE_PUBLIC_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ $v.langfuse.projectKeys.publicKeyKey | quote }}
- name: LANGFUSE_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ $v.langfuse.projectKeys.secretKeyKey | quote }}
{{- end }}
{{- with $v.destinations.langsmith }}
{{- if .enabled }}
- name: LANGSMITH_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "otel-collector.tpl" (dict "value" .existingSecret "context" $) | quote }}
      key: {{ .apiKeyKey | quote }}
{{- end }}
{{- end }}
{{- with $v.destinations.otlp }}
{{- if and .enabled .auth.existingSecret }}
- name: OTLP_BACKEND_AUTH
  valueFrom:
    secretKeyRef:
      name: {{ include "otel-collector.tpl" (dict "value" .auth.existingSecret "context" $) | quote }}
      key: {{ .auth.key | quote }}
{{- end }}
{{- end }}
{{- with $v.destinations.xray }}
{{- if and .enabled .existingSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "otel-collector.tpl" (dict "value" .existingSecret "context" $) | quote }}
      key: aws-access-key-id
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "otel-collector.tpl" (dict "value" .existingSecret "context" $) | quote }}
      key: aws-secret-access-key
{{- end }}
{{- end }}
{{- if include "otel-collector.hashesContent" . }}
- name: REDACTION_HASH_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "otel-collector.tpl" (dict "value" $v.redaction.hashKey.existingSecret "context" .) | quote }}
      key: {{ $v.redaction.hashKey.key | quote }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
otel-collector.priceStatements are the OTTL statements (YAML list) that find the row of the
price table (prices.extraModels, then prices.models) of the model name in span.cache["model"]
and keep it in span.cache["price"] ({model, input, output, cached_input}, USD per 1M tokens);
nil when no row matches. Both the metrics' labels and sampling's cost rule price with them.
*/}}
{{- define "otel-collector.priceStatements" -}}
{{- $v := .Values }}
{{- /* A routing prefix (`openai/`, `bedrock/`) is taken off the model name once, into the
  span's cache, rather than searched for by every row: a row's alternatives that start with the
  prefix group match, anchored, the name or what follows its first `/` (several times faster, bench/). */}}
{{- $route := "^(?:[^/]+/)?" }}
{{- /* The rows read the name from the cache: a map of two or three entries is searched faster
  than the span's attributes. */}}
{{- $prices := list
  `set(span.cache["route"], ExtractPatterns(span.cache["model"], "^[^/]+/(?P<rest>(?s:.*))")) where span.cache["model"] != nil` }}
{{- range $index, $row := concat $v.prices.extraModels $v.prices.models }}
{{- $patterns := ternary $row.match (list $row.match) (kindIs "slice" $row.match) }}
{{- $routed := list }}
{{- $alternatives := list }}
{{- range $patterns }}
{{- if hasPrefix $route . }}
{{- $routed = append $routed (trimPrefix $route .) }}
{{- else }}
{{- $alternatives = append $alternatives (printf "(?:%s)" .) }}
{{- end }}
{{- end }}
{{- $matches := list }}
{{- if $routed }}
{{- $anchored := include "otel-collector.ottlString" (printf "(?i)^(?:%s)" (join "|" $routed)) }}
{{- $matches = append $matches (printf `IsMatch(span.cache["model"], %s)` $anchored) }}
{{- $matches = append $matches (printf `IsMatch(span.cache["route"]["rest"], %s)` $anchored) }}
{{- end }}
{{- if $alternatives }}
{{- $matches = append $matches (printf `IsMatch(span.cache["model"], %s)` (include "otel-collector.ottlString" (printf "(?i)%s" (join "|" $alternatives)))) }}
{{- end }}
{{- $price := printf `{"model": %s, "input": %s, "output": %s, "cached_input": %s}` (include "otel-collector.ottlString" $row.model) (include "otel-collector.ottlFloat" $row.input) (include "otel-collector.ottlFloat" $row.output) (include "otel-collector.ottlFloat" (ternary $row.cachedInput $row.input (hasKey $row "cachedInput"))) }}
{{- /* The matched row is kept in the span's cache (a map of its own, not the attributes every row would search). */}}
{{- $prices = append $prices (printf `set(span.cache["price"], %s) where span.cache["price"] == nil and (%s)` $price (join " or " $matches)) }}
{{- end }}
{{- toYaml $prices }}
{{- end }}
