{{/*
otel-collector.config is the collector's configuration (YAML), built as one dict and merged
with .Values.config. Pipelines:
  traces               otlp -> memory_limiter -> LangFuse and the optional destinations, each
                       through a sending queue on disk; nothing changes the spans.
  traces/genai-metrics otlp -> memory_limiter -> normalise and label (a copy of the spans)
                       -> batch -> signaltometrics
  metrics/genai        signaltometrics -> deltatocumulative -> prometheus (ports.metrics)
  metrics/agents       otlp -> memory_limiter -> deltatocumulative -> prometheus: the metrics
                       agents send themselves (metrics.fromAgents)
Secrets are never in it: they are environment variables from Secrets (otel-collector.env),
referenced as ${env:NAME}.
*/}}
{{- define "otel-collector.config" -}}
{{- include "otel-collector.validate" . }}
{{- $v := .Values }}
{{- $traceExporters := include "otel-collector.traceExporters" . | fromYaml }}
{{- $extensions := dict "health_check" (dict "endpoint" (printf "0.0.0.0:%v" $v.ports.health)) }}
{{- if $v.queue.persistent }}
{{- $_ := set $extensions "file_storage/queue" (dict
    "directory" "/var/lib/otelcol/queue"
    "create_directory" true
    "fsync" $v.queue.fsync
    "compaction" (dict "on_start" true "on_rebound" true "directory" "/var/lib/otelcol/queue")) }}
{{- end }}
{{- if $v.langfuse.enabled }}
{{- $_ := set $extensions "basicauth/langfuse" (dict "client_auth" (dict
    "username" "${env:LANGFUSE_PUBLIC_KEY}"
    "password" "${env:LANGFUSE_SECRET_KEY}")) }}
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
{{- if $traceExporters }}
{{- $_ := set $config.service.pipelines "traces" (dict
    "receivers" (list "otlp")
    "processors" (list "memory_limiter")
    "exporters" (keys $traceExporters | sortAlpha)) }}
{{- end }}
{{- if $v.metrics.enabled }}
{{- $_ := set $config.processors "transform/genai-normalise" (dict
    "error_mode" "ignore"
    "trace_statements" (.Files.Get "files/genai-normalise.yaml" | fromYamlArray)) }}
{{- $_ := set $config.processors "transform/genai-labels" (dict
    "error_mode" "ignore"
    "trace_statements" (include "otel-collector.genaiLabelStatements" . | fromYamlArray)) }}
{{- /* One batch at a time into signaltometrics: its delta points then reach deltatocumulative in time order. */}}
{{- $_ := set $config.processors "batch/genai-metrics" (dict "send_batch_size" 1024 "timeout" "1s") }}
{{- $_ := set $config.processors "deltatocumulative" (dict "max_streams" $v.metrics.maxSeries "max_stale" $v.metrics.seriesExpiration) }}
{{- $_ := set $config.connectors "signaltometrics" (dict "spans" (include "otel-collector.genaiMetrics" . | fromYamlArray)) }}
{{- $_ := set $config.exporters "prometheus" (dict
    "endpoint" (printf "0.0.0.0:%v" $v.ports.metrics)
    "metric_expiration" $v.metrics.seriesExpiration
    "without_scope_info" true
    "translation_strategy" "UnderscoreEscapingWithoutSuffixes") }}
{{- $_ := set $config.service.pipelines "traces/genai-metrics" (dict
    "receivers" (list "otlp")
    "processors" (list "memory_limiter" "transform/genai-normalise" "transform/genai-labels" "batch/genai-metrics")
    "exporters" (list "signaltometrics")) }}
{{- $_ := set $config.service.pipelines "metrics/genai" (dict
    "receivers" (list "signaltometrics")
    "processors" (list "deltatocumulative")
    "exporters" (list "prometheus")) }}
{{- if $v.metrics.fromAgents }}
{{- /* What spans cannot say (agent_active_sessions, the GenAI client histograms) agents send as OTLP metrics, onto the same endpoint. */}}
{{- $_ := set $config.service.pipelines "metrics/agents" (dict
    "receivers" (list "otlp")
    "processors" (list "memory_limiter" "deltatocumulative")
    "exporters" (list "prometheus")) }}
{{- end }}
{{- end }}
{{- if not $config.connectors }}
{{- $_ := unset $config "connectors" }}
{{- end }}
{{- if not $config.service.pipelines }}
{{- fail "otel-collector: nothing to do: turn on langfuse.enabled, a destination under destinations, or metrics.enabled" }}
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
{{- $queue := dict "enabled" true "queue_size" $v.queue.size "num_consumers" $v.queue.consumers }}
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
otel-collector.traceExporters are the exporters of the traces pipeline (YAML map): LangFuse's
OTLP/HTTP endpoint with Basic auth and the v4 ingestion header (through the delivery guard
when it is on: templates/_delivery_guard.tpl), and each destination that is switched on.
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
{{- toYaml $exporters }}
{{- end }}

{{/*
otel-collector.genaiLabelStatements are the OTTL statement groups (YAML list) of the
transform/genai-labels processor: after normalisation, they set the span attributes that
become the metric contract's labels (model, provider, agent.name, tool.name, tenant.id,
error.type), bound their values, match the model against the price table and compute the
token counts and the cost that the metrics sum. `agent_observability.*` attributes are
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
{{- range list "tenant.id" "agent.name" "tool.name" "error.type" "provider" "gen_ai.request.model" }}
{{- $labels = append $labels (printf `set(span.attributes["%s"], String(span.attributes["%s"])) where span.attributes["%s"] != nil and not IsString(span.attributes["%s"])` . . . .) }}
{{- end }}
{{- /* Every string the copy still has is a label value, the model name or the kind of span
  (which the metrics' conditions compare whole): one pass cuts them all, and the kind is put back. */}}
{{- $labels = concat $labels (list
  `set(span.cache["operation"], span.attributes["gen_ai.operation.name"])`
  (printf `truncate_all(span.attributes, %d)` $max)
  `set(span.attributes["gen_ai.operation.name"], span.cache["operation"])`) }}
{{- with $v.metrics.tenants }}
{{- $known := list }}
{{- range . }}
{{- $known = append $known (regexQuoteMeta (toString .)) }}
{{- end }}
{{- $labels = append $labels (printf `set(span.attributes["tenant.id"], "other") where span.attributes["tenant.id"] != nil and not IsMatch(span.attributes["tenant.id"], %s)` (include "otel-collector.ottlString" (printf "^(?:%s)$" (join "|" $known)))) }}
{{- end }}
{{- /* The spans of the metrics with a model label: agent invocations and LLM calls. */}}
{{- $labels = append $labels (printf `set(span.attributes["model"], "unknown") where %s or span.attributes["gen_ai.operation.name"] == "invoke_agent"` $isInference) }}
{{- /* A routing prefix (`openai/`, `bedrock/`) is taken off the model name once, into the
  span's cache, rather than searched for by every row: a row's alternatives that start with the
  prefix group match, anchored, the name or what follows its first `/` (several times faster, bench/). */}}
{{- $route := "^(?:[^/]+/)?" }}
{{- /* The rows read the name from the cache: a map of two or three entries is searched faster
  than the span's attributes. */}}
{{- $prices := list
  `set(span.cache["model"], span.attributes["gen_ai.request.model"])`
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
{{- $prices = append $prices `set(span.attributes["model"], span.cache["price"]["model"])` }}
{{- if eq $v.metrics.unpricedModels "keep" }}
{{- $prices = append $prices `set(span.attributes["model"], span.attributes["gen_ai.request.model"]) where span.cache["price"] == nil` }}
{{- else }}
{{- $prices = append $prices `set(span.attributes["model"], "other") where span.cache["price"] == nil and span.attributes["gen_ai.request.model"] != nil` }}
{{- end }}
{{- $usage := list
  (printf `set(span.attributes["agent_observability.cached_input_tokens"], Int(span.attributes["gen_ai.usage.cache_read.input_tokens"])) where %s` $isInference)
  (printf `set(span.attributes["agent_observability.cached_input_tokens"], 0) where %s and span.attributes["agent_observability.cached_input_tokens"] == nil` $isInference)
  (printf `set(span.attributes["agent_observability.input_tokens"], Int(span.attributes["gen_ai.usage.input_tokens"]) - span.attributes["agent_observability.cached_input_tokens"]) where %s` $isInference)
  (printf `set(span.attributes["agent_observability.input_tokens"], 0) where %s and (span.attributes["agent_observability.input_tokens"] == nil or span.attributes["agent_observability.input_tokens"] < 0)` $isInference)
  (printf `set(span.attributes["agent_observability.output_tokens"], Int(span.attributes["gen_ai.usage.output_tokens"])) where %s` $isInference)
  (printf `set(span.attributes["agent_observability.output_tokens"], 0) where %s and span.attributes["agent_observability.output_tokens"] == nil` $isInference)
  (printf `set(span.attributes["agent_observability.cost"], (Double(span.attributes["agent_observability.input_tokens"]) * span.cache["price"]["input"] + Double(span.attributes["agent_observability.cached_input_tokens"]) * span.cache["price"]["cached_input"] + Double(span.attributes["agent_observability.output_tokens"]) * span.cache["price"]["output"]) / 1000000.0) where %s and span.cache["price"] != nil` $isInference)
}}
{{- /* Groups without a context: OTTL infers it (span) from the paths. */}}
{{- toYaml (list
    (dict "conditions" (list `span.attributes["gen_ai.operation.name"] != nil`) "statements" $labels)
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
{{- $metrics := list
  (dict "name" "agent_request_duration_seconds" "description" "Duration of agent invocations (invoke_agent spans)." "unit" "s"
        "conditions" (list `attributes["gen_ai.operation.name"] == "invoke_agent"`)
        "attributes" (list $agent $model $tenant)
        "histogram" (dict "buckets" $v.metrics.buckets.agentRequest "value" $duration))
  (dict "name" "llm_inference_duration_seconds" "description" "Duration of LLM calls (chat, completion, embeddings spans)." "unit" "s"
        "conditions" (list $inference)
        "attributes" (list $model (dict "key" "provider"))
        "histogram" (dict "buckets" $v.metrics.buckets.llmInference "value" $duration))
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
        "conditions" (list `attributes["gen_ai.operation.name"] == "execute_tool"`)
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
        "conditions" (list `attributes["gen_ai.operation.name"] == "retrieval"`)
        "histogram" (dict "buckets" $v.metrics.buckets.vectorSearch "value" $duration))
) }}
{{- toYaml $metrics }}
{{- end }}

{{/*
otel-collector.validate fails the render with what to set when the values contradict each other.
*/}}
{{- define "otel-collector.validate" -}}
{{- $v := .Values }}
{{- if $v.langfuse.enabled }}
{{- if not $v.langfuse.endpoint }}
{{- fail "otel-collector: langfuse.enabled is true: set langfuse.endpoint to LangFuse's OTLP base URL, e.g. http://langfuse-web:3000/api/public/otel (or turn langfuse.enabled off)" }}
{{- end }}
{{- if not $v.langfuse.projectKeys.existingSecret }}
{{- fail "otel-collector: langfuse.enabled is true: set langfuse.projectKeys.existingSecret to the Secret with the project's public-key and secret-key" }}
{{- end }}
{{- end }}
{{- with $v.destinations.langsmith }}
{{- if and .enabled (not .existingSecret) }}
{{- fail "otel-collector: destinations.langsmith.enabled is true: set destinations.langsmith.existingSecret to the Secret with the LangSmith API key" }}
{{- end }}
{{- end }}
{{- with $v.destinations.otlp }}
{{- if and .enabled (not .endpoint) }}
{{- fail "otel-collector: destinations.otlp.enabled is true: set destinations.otlp.endpoint (host:port for grpc, a URL for http)" }}
{{- end }}
{{- end }}
{{- with $v.destinations.xray }}
{{- if and .enabled (not .region) }}
{{- fail "otel-collector: destinations.xray.enabled is true: set destinations.xray.region" }}
{{- end }}
{{- end }}
{{- if and $v.persistence.enabled (or $v.autoscaling.enabled (gt (int $v.replicas) 1)) }}
{{- fail "otel-collector: persistence.enabled keeps the queue on one ReadWriteOnce claim: keep replicas at 1 and autoscaling off, or use the emptyDir queue (persistence.enabled false)" }}
{{- end }}
{{- range $index, $row := concat $v.prices.extraModels $v.prices.models }}
{{- $unknown := without (keys $row | sortAlpha) "model" "match" "input" "output" "cachedInput" }}
{{- if $unknown }}
{{- fail (printf "otel-collector: prices row %q has unknown keys %v; a row has model, match, input, output and cachedInput" (toString $row.model) $unknown) }}
{{- end }}
{{- range $key := list "input" "output" "cachedInput" }}
{{- if and (hasKey $row $key) (not (or (kindIs "float64" (index $row $key)) (kindIs "int64" (index $row $key)) (kindIs "int" (index $row $key)))) }}
{{- fail (printf "otel-collector: prices row %q: %s must be a number of USD per 1M tokens" (toString $row.model) $key) }}
{{- end }}
{{- end }}
{{- if not (or (kindIs "string" $row.match) (kindIs "slice" $row.match)) }}
{{- fail (printf "otel-collector: prices row %q: match must be a regex or a list of regexes" (toString $row.model)) }}
{{- end }}
{{- end }}
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
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
