{{/*
Content policies: what of the spans' content each destination gets (langfuse.content,
destinations.<name>.content; redaction.everywhere makes as-sent redacted). Each policy in use
is a pipeline of its own after forward/traces, beside traces/genai-metrics, which keeps seeing
the spans as the agents sent them, so the metrics are the same under every policy:
  traces                  as-sent destinations, nothing changes the spans
  traces/redacted         transform/redacted (the detectors) -> its destinations
  traces/no-content       transform/no-content (content left out, the rest redacted) -> its destinations
the same, named traces/sampled, traces/sampled-redacted and traces/sampled-no-content, after
forward/sampled for the destinations that get the sampled traces (templates/_sampling.tpl), and, with metrics.enabled, each redacting pipeline also forwards its spans to one that counts
the markers (traces/redactions-<policy>: transform/redactions-<policy> -> signaltometrics/redactions)
for genai_redactions_total, on the metrics' endpoint (metrics/redactions).
Delivery stays as it was: forward/traces hands the spans to every pipeline and returns their
joined errors (internal/fanoutconsumer, v0.142.0), so a queue refusing an export after the
fan-out refuses it to the agent, retryably, as the one traces pipeline did.
*/}}

{{/*
otel-collector.contentDestinations maps each destination's exporter to its destination's name,
content policy and whether it gets the sampled traces (YAML map: exporter -> {destination,
policy, sampled}).
*/}}
{{- define "otel-collector.contentDestinations" -}}
{{- $v := .Values }}
{{- $exporters := include "otel-collector.traceExporters" . | fromYaml }}
{{- $sources := dict
  "otlphttp/langfuse" (list "langfuse" $v.langfuse.content)
  "otlphttp/langsmith" (list "langsmith" $v.destinations.langsmith.content)
  "otlp/backend" (list "otlp" $v.destinations.otlp.content)
  "otlphttp/backend" (list "otlp" $v.destinations.otlp.content)
  "awsxray" (list "xray" $v.destinations.xray.content)
  "debug" (list "debug" $v.destinations.debug.content) }}
{{- $sampled := dict
  "langfuse" $v.langfuse.sampled "langsmith" $v.destinations.langsmith.sampled "otlp" $v.destinations.otlp.sampled
  "xray" $v.destinations.xray.sampled "debug" $v.destinations.debug.sampled }}
{{- $out := dict }}
{{- range $exporter := keys $exporters | sortAlpha }}
{{- /* Not a destination: sampling's loadbalancing exporter. */}}
{{- with index $sources $exporter }}
{{- $source := . }}
{{- $policy := index $source 1 }}
{{- if and $v.redaction.everywhere (eq $policy "as-sent") }}
{{- $policy = "redacted" }}
{{- end }}
{{- $_ := set $out $exporter (dict "destination" (index $source 0) "policy" $policy "sampled" (and $v.sampling.enabled (index $sampled (index $source 0)))) }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
otel-collector.hashesContent is "true" when a destination gets redacted spans with replacement
`hash`, which reads the key from redaction.hashKey's Secret (REDACTION_HASH_KEY); else empty.
*/}}
{{- define "otel-collector.hashesContent" -}}
{{- if eq .Values.redaction.replacement "hash" }}
{{- range (include "otel-collector.contentDestinations" . | fromYaml) }}
{{- if ne .policy "as-sent" }}true{{ break }}{{ end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
otel-collector.redactionDetectors are the detectors switched on (YAML list of {kind, pattern,
prefilter}): files/redaction-detectors.yaml's whose redaction.detectors key is true, then
redaction.patterns (no prefilter: they always run).
*/}}
{{- define "otel-collector.redactionDetectors" -}}
{{- $v := .Values }}
{{- $on := list }}
{{- range (.Files.Get "files/redaction-detectors.yaml" | fromYamlArray) }}
{{- if index $v.redaction.detectors .detector }}
{{- $on = append $on (dict "kind" .kind "pattern" .pattern "prefilter" .prefilter "luhn" .luhn) }}
{{- end }}
{{- end }}
{{- range $v.redaction.patterns }}
{{- $on = append $on (dict "kind" .name "pattern" .pattern "prefilter" list) }}
{{- end }}
{{- toYaml $on }}
{{- end }}

{{/*
otel-collector.redactionMarker is the text that starts the marker of a kind: `[REDACTED:<kind>]`,
or with replacement `hash` `[REDACTED:<kind>:` and the hash. Counting it never counts another
kind's: the kind ends at `]` or `:`.
Usage: {{ include "otel-collector.redactionMarker" (dict "context" . "kind" "email") }}
*/}}
{{- define "otel-collector.redactionMarker" -}}
{{- printf "[REDACTED:%s%s" .kind (ternary ":" "]" (eq .context.Values.redaction.replacement "hash")) }}
{{- end }}

{{/*
otel-collector.redactStatements are the OTTL statement groups (YAML list) that replace every
detected value in every string the spans carry: the span's attributes (every dialect's content
is a string attribute: GenAI messages and system instructions, gen_ai.prompt.* and gen_ai.completion.*,
OpenInference's llm.*_messages.* and input/output.value, LangFuse's observation input/output,
tool call arguments and results), its status message, its events' attributes (exceptions,
content events) and its resource's attributes (e.g. user.email).
replace_all_patterns changes each string value of a map that matches and leaves other types
(ottlfuncs/func_replace_all_patterns.go, v0.142.0). With replacement `hash`, each match is
replaced by the kind and SHA256(key ":" kind ":" SHA256(key match)), in hex (applyOptReplaceFunction
hashes the expanded replacement, `${env:...}$${0}`, and formats it; a second statement hashes the
inner digest again); the key is read from its Secret's variable when the collector loads its
configuration.
A detector's pattern runs only where one of its prefilters matches
(otel-collector.prefilteredRedaction); the status message, most often empty, has a group of its
own that runs only when it is not.
*/}}
{{- define "otel-collector.redactStatements" -}}
{{- $v := .Values }}
{{- $detectors := list }}
{{- range (include "otel-collector.redactionDetectors" . | fromYamlArray) }}
{{- /* Each detector's replacement: `first`, what follows the pattern in its first statement,
  and `rest`, whole arguments of the statements after it. */}}
{{- $first := include "otel-collector.ottlString" (printf "[REDACTED:%s]" .kind) }}
{{- $rest := list }}
{{- if eq $v.redaction.replacement "hash" }}
{{- /* HMAC's nested form: the inner hash, of the key and the value, is hashed again with
  the key and the kind, so the marker is no hash anyone without the key can extend. (OTTL has
  neither HMAC nor a hex decoder to feed the inner digest's bytes to the outer one.) */}}
{{- $format := include "otel-collector.ottlString" (printf "[REDACTED:%s:%%s]" .kind) }}
{{- $first = printf `"${env:REDACTION_HASH_KEY}$${0}", SHA256, %s` $format }}
{{- $rest = list (printf `%s, %s, SHA256, %s` (include "otel-collector.ottlString" (printf `\[REDACTED:%s:([0-9a-f]{64})\]` .kind)) (include "otel-collector.ottlString" (printf "${env:REDACTION_HASH_KEY}:%s:$${1}" .kind)) $format) }}
{{- end }}
{{- $detectors = append $detectors (dict "kind" .kind "pattern" .pattern "first" $first "rest" $rest "prefilter" .prefilter "luhn" .luhn) }}
{{- end }}
{{- $groups := list }}
{{- if $detectors }}
{{- $groups = list
    (dict "context" "resource" "statements" (include "otel-collector.prefilteredRedaction" (dict "detectors" $detectors "target" "resource.attributes") | fromYamlArray))
    (dict "context" "span" "statements" (include "otel-collector.prefilteredRedaction" (dict "detectors" $detectors "target" "span.attributes") | fromYamlArray))
    (dict "context" "span" "conditions" (list `span.status.message != ""`)
      "statements" (include "otel-collector.prefilteredRedaction" (dict "detectors" $detectors "target" "span.status.message") | fromYamlArray))
    (dict "context" "spanevent" "statements" (include "otel-collector.prefilteredRedaction" (dict "detectors" $detectors "target" "spanevent.attributes") | fromYamlArray)) }}
{{- end }}
{{- toYaml $groups }}
{{- end }}

{{/*
otel-collector.prefilteredRedaction are the redaction statements (YAML list) of one target, a
context's attributes or the span's status message: each detector's replace_all_patterns
(replace_pattern on the status), run only where one of the detector's prefilters matches the
target's text. Most values hold no detector's match: a prefilter, which starts with a literal
that Go's regexp looks for with strings.Index (the prefix of regexp.go, backtrack.go), costs a
small part of what a pattern costs, which is tried at every position of every value (bench/).
An attributes' text is what ToKeyValueString writes of them, in the context's cache (one
group's statements share it on one span: transformprocessor's internal/common/traces.go makes
one TransformContext a span for each group, v0.142.0; a group's conditions, "any of", gate all
its statements, so each detector's gate is a statement's where), written again
after a detector whose prefilters matched, so that the next detector's read the values as the
ones before it left them. ToKeyValueString keeps every string value but for `"`, which it
escapes (escapeAndQuoteKV, ottlfuncs/func_to_key_value_string.go, v0.142.0), and never fails
(String would, on a NaN double). The prefilters are sound: every match of a detector's pattern
contains no `"` and a match of one of its prefilters (tests/unit/test_redaction_prefilters.py
proves it for each detector), so a value its pattern would change is in a text they match.
Usage: {{ include "otel-collector.prefilteredRedaction" (dict "detectors" $detectors "target" "span.attributes") }}
*/}}
{{- define "otel-collector.prefilteredRedaction" -}}
{{- $target := .target }}
{{- $statements := list }}
{{- if eq $target "span.status.message" }}
{{- range .detectors }}
{{- $isMatch := list }}
{{- range .prefilter }}
{{- $isMatch = append $isMatch (printf `IsMatch(span.status.message, %s)` (include "otel-collector.ottlString" .)) }}
{{- end }}
{{- $where := ternary (printf " where %s" (join " or " $isMatch)) "" (gt (len $isMatch) 0) }}
{{- $statements = concat $statements (include "otel-collector.detectorRedaction" (dict "detector" . "target" $target "cache" "span.cache" "text" "span.status.message" "where" $where) | fromYamlArray) }}
{{- end }}
{{- else }}
{{- $cache := printf "%s.cache" (regexReplaceAll `\.attributes$` $target "") }}
{{- $text := printf `set(%s["text"], ToKeyValueString(%s))` $cache $target }}
{{- $guarded := list }}
{{- range .detectors }}
{{- $guarded = append $guarded (gt (len .prefilter) 0) }}
{{- end }}
{{- if has true $guarded }}
{{- $statements = append $statements $text }}
{{- end }}
{{- range $index, $detector := .detectors }}
{{- $where := "" }}
{{- if .prefilter }}
{{- $isMatch := list }}
{{- range .prefilter }}
{{- $isMatch = append $isMatch (printf `IsMatch(%s["text"], %s)` $cache (include "otel-collector.ottlString" .)) }}
{{- end }}
{{- $matched := printf `%s[%s]` $cache (include "otel-collector.ottlString" .kind) }}
{{- $statements = append $statements (printf `set(%s, true) where %s` $matched (join " or " $isMatch)) }}
{{- $where = printf ` where %s == true` $matched }}
{{- end }}
{{- $statements = concat $statements (include "otel-collector.detectorRedaction" (dict "detector" . "target" $target "cache" $cache "text" (printf `%s["text"]` $cache) "where" $where) | fromYamlArray) }}
{{- if has true (slice $guarded (add1 $index)) }}
{{- $statements = append $statements (printf `%s%s` $text $where) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $statements }}
{{- end }}

{{/*
otel-collector.noContentStatements are the OTTL statement groups (YAML list) that leave out
the content of every dialect the collector reads: messages, prompts and completions, system
instructions, tool call arguments and results, embedded texts, and the events that carry
them, exceptions' messages and the status's description. Roles, names, ids, usage, timings,
error types and the spans themselves stay.
*/}}
{{- define "otel-collector.noContentStatements" -}}
{{- $content := join "|" (list
  `gen_ai\.(?:input|output)\.messages`
  `gen_ai\.system_instructions`
  `gen_ai\.tool\.call\.(?:arguments|result)`
  `gen_ai\.(?:prompt|completion)`
  `gen_ai\.(?:prompt|completion)\.[0-9]+\.(?:content|tool_calls\.[0-9]+\.arguments)`
  `llm\.(?:input|output)_messages\..*\.(?:content|text|arguments|url)`
  `llm\.prompts(?:\..*)?`
  `embedding\.embeddings\.[0-9]+\.embedding\.text`
  `retrieval\.documents\..*\.document\.content`
  `(?:input|output)\.value`
  `langfuse\.(?:observation|trace)\.(?:input|output)`
  `traceloop\.entity\.(?:input|output)`) }}
{{- $pattern := include "otel-collector.ottlString" (printf "^(?:%s)$" $content) }}
{{- /* Content events (the GenAI conventions' gen_ai.*.message/choice events sent as span
  events) carry their text in `content`, `message` or `body`. */}}
{{- /* An exception's message and the status's description often quote what failed (a
  prompt, a tool's input): they go too, the exception's type and stack trace stay. */}}
{{- $eventPattern := include "otel-collector.ottlString" (printf "^(?:%s|content|message|body|exception\\.message)$" $content) }}
{{- toYaml (list
    (dict "context" "span" "statements" (list
        (printf `delete_matching_keys(span.attributes, %s)` $pattern)
        `set(span.status.message, "") where span.status.message != ""`))
    (dict "context" "spanevent" "statements" (list (printf `delete_matching_keys(spanevent.attributes, %s)` $eventPattern)))) }}
{{- end }}

{{/*
otel-collector.redactionCountStatements are the OTTL statement groups (YAML list) of
transform/redactions-<policy>, on the copy of a redacting pipeline's spans that is only
counted: each span gets the number of each kind's markers in its attributes, status message and
events, the first span of a resource also its resource's (agent_observability.redactions.<kind>),
and its policy, and keeps nothing else, for signaltometrics/redactions. (A span context reads its events only as a whole, which
OTTL cannot search: each event's attributes, as JSON, are first appended to one attribute of its
span. Concat skips a nil value, ottlfuncs/func_concat.go.)
Usage: {{ include "otel-collector.redactionCountStatements" (dict "context" . "policy" "redacted") }}
*/}}
{{- define "otel-collector.redactionCountStatements" -}}
{{- /* The resource's markers count once, with its first span: the spans of a resource share it. */}}
{{- $counts := list
  `set(span.cache["text"], Concat([String(span.attributes), span.status.message], " "))`
  `set(span.cache["text"], Concat([span.cache["text"], String(resource.attributes)], " ")) where resource.attributes["agent_observability.counted"] == nil`
  `set(resource.attributes["agent_observability.counted"], true)` }}
{{- range (include "otel-collector.redactionDetectors" .context | fromYamlArray) }}
{{- $marker := include "otel-collector.ottlString" (include "otel-collector.redactionMarker" (dict "context" $.context "kind" .kind)) }}
{{- $counts = append $counts (printf `set(span.attributes["agent_observability.redactions.%s"], Len(Split(span.cache["text"], %s)) - 1)` .kind $marker) }}
{{- end }}
{{- $counts = concat $counts (list
  `keep_matching_keys(span.attributes, "^agent_observability\\.redactions\\.")`
  (printf `set(span.attributes["agent_observability.policy"], %s)` (include "otel-collector.ottlString" .policy))) }}
{{- toYaml (list
    (dict "context" "spanevent" "statements" (list `set(span.attributes["agent_observability.events"], Concat([span.attributes["agent_observability.events"], String(spanevent.attributes)], " "))`))
    (dict "context" "span" "statements" $counts)
    (dict "context" "resource" "statements" (list `delete_matching_keys(resource.attributes, ".*")`))) }}
{{- end }}

{{/*
otel-collector.redactionMetrics are signaltometrics/redactions' definitions (YAML list):
genai_redactions_total{detector, destination}, the values of each kind replaced in the spans
each destination was handed (counts, never values), one definition per destination and kind.
Usage: {{ include "otel-collector.redactionMetrics" (dict "context" . "destinations" $contentDestinations) }}
*/}}
{{- define "otel-collector.redactionMetrics" -}}
{{- $metrics := list }}
{{- $detectors := include "otel-collector.redactionDetectors" .context | fromYamlArray }}
{{- range $exporter := keys .destinations | sortAlpha }}
{{- $destination := index $.destinations $exporter }}
{{- if ne $destination.policy "as-sent" }}
{{- range $detectors }}
{{- $count := printf `attributes["agent_observability.redactions.%s"]` .kind }}
{{- $metrics = append $metrics (dict "name" "genai_redactions_total" "unit" "{value}"
    "description" "Values the collector redacted from the spans handed to a destination, by detector (counts, never the values)."
    "conditions" (list (printf `attributes["agent_observability.policy"] == %s and %s > 0` (include "otel-collector.ottlString" $destination.policy) $count))
    "attributes" (list (dict "key" "detector" "default_value" .kind) (dict "key" "destination" "default_value" $destination.destination))
    "sum" (dict "value" $count)) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $metrics }}
{{- end }}

{{/*
otel-collector.contentPipelines are the processors, connectors and pipelines (YAML map with
those three keys) that hand each destination its policy's copy of the spans, and count the
redactions (see the top of this file).
*/}}
{{- define "otel-collector.contentPipelines" -}}
{{- $v := .Values }}
{{- $destinations := include "otel-collector.contentDestinations" . | fromYaml }}
{{- /* A pipeline per content policy, and per source: every trace (forward/traces) or the
  sampled ones (forward/sampled, templates/_sampling.tpl). */}}
{{- $groups := dict }}
{{- range $exporter := keys $destinations | sortAlpha }}
{{- $destination := index $destinations $exporter }}
{{- $name := $destination.policy | replace "as-sent" "" }}
{{- if $destination.sampled }}
{{- $name = trimSuffix "-" (printf "sampled-%s" $name) }}
{{- end }}
{{- $name = trimSuffix "/" (printf "traces/%s" $name) }}
{{- $group := get $groups $name | default (dict "policy" $destination.policy "sampled" $destination.sampled "exporters" list) }}
{{- $_ := set $group "exporters" (append $group.exporters $exporter) }}
{{- $_ := set $groups $name $group }}
{{- end }}
{{- $out := dict "processors" dict "connectors" dict "pipelines" dict }}
{{- $redact := include "otel-collector.redactStatements" . | fromYamlArray }}
{{- $counted := false }}
{{- range $name, $group := $groups }}
{{- $policy := $group.policy }}
{{- $exporters := $group.exporters }}
{{- $pipeline := dict "receivers" (list (ternary "forward/sampled" "forward/traces" $group.sampled)) "exporters" $exporters }}
{{- if ne $policy "as-sent" }}
{{- $statements := $redact }}
{{- if eq $policy "no-content" }}
{{- $statements = concat (include "otel-collector.noContentStatements" $ | fromYamlArray) $redact }}
{{- end }}
{{- if $statements }}
{{- /* propagate: a statement that fails refuses the export (retryably) rather than pass a span unredacted. */}}
{{- $_ := set $out.processors (printf "transform/%s" $policy) (dict "error_mode" "propagate" "trace_statements" $statements) }}
{{- $_ := set $pipeline "processors" (list (printf "transform/%s" $policy)) }}
{{- end }}
{{- if and $v.metrics.enabled $redact }}
{{- $counted = true }}
{{- $forward := printf "forward/redactions-%s" $policy }}
{{- $_ := set $pipeline "exporters" (append $exporters $forward) }}
{{- $_ := set $out.connectors $forward dict }}
{{- $_ := set $out.processors (printf "transform/redactions-%s" $policy) (dict
    "error_mode" "ignore"
    "trace_statements" (include "otel-collector.redactionCountStatements" (dict "context" $ "policy" $policy) | fromYamlArray)) }}
{{- $_ := set $out.pipelines (printf "traces/redactions-%s" $policy) (dict
    "receivers" (list $forward)
    "processors" (list (printf "transform/redactions-%s" $policy))
    "exporters" (list "signaltometrics/redactions")) }}
{{- end }}
{{- end }}
{{- $_ := set $out.pipelines $name $pipeline }}
{{- end }}
{{- if $counted }}
{{- $_ := set $out.connectors "signaltometrics/redactions" (dict "spans" (include "otel-collector.redactionMetrics" (dict "context" . "destinations" $destinations) | fromYamlArray)) }}
{{- /* The same counters' transform and cumulative temporality as metrics/genai's. */}}
{{- $_ := set $out.pipelines "metrics/redactions" (dict
    "receivers" (list "signaltometrics/redactions")
    "processors" (list "transform/genai-counters" "deltatocumulative")
    "exporters" (list "prometheus")) }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
otel-collector.detectorRedaction are the statements (YAML list) that replace one detector's
matches in one target (a context's attributes, or the span's status message), each under
`where` (its prefilters' gate, or empty). A Luhn-checked detector (payment_card) replaces
only the numbers whose check digit is right: OTTL's IsValidLuhn (ottlfuncs/func_luhn_valid.go,
v0.142.0) checks a whole string, so the candidates are taken one at a time from a copy of the
target's text (`text`; ExtractPatterns finds the first), each checked, replaced where it is a
card number (a pattern may be an expression: regex_helpers.go newDynamicRegex), and cut from the
copy, up to eight a target; a ninth and more are replaced by their shape alone, unchecked.
Usage: {{ include "otel-collector.detectorRedaction" (dict "detector" $detector "target" "span.attributes" "cache" "span.cache" "text" `span.cache["text"]` "where" $where) }}
*/}}
{{- define "otel-collector.detectorRedaction" -}}
{{- $d := .detector }}
{{- $statements := list }}
{{- $replace := `replace_all_patterns(%s, "value", %s, %s)` }}
{{- $again := `replace_all_patterns(%s, "value", %s)` }}
{{- if eq .target "span.status.message" }}
{{- $replace = `replace_pattern(%s, %s, %s)` }}
{{- $again = `replace_pattern(%s, %s)` }}
{{- end }}
{{- $pattern := include "otel-collector.ottlString" $d.pattern }}
{{- if $d.luhn }}
{{- $c := .cache }}
{{- $candidate := printf `%s["luhn_candidate"]` $c }}
{{- $digits := printf `%s["luhn_digits"]` $c }}
{{- $literal := printf `%s["luhn_literal"]` $c }}
{{- $scan := printf `%s["luhn_scan"]` $c }}
{{- $found := printf `where %s != nil` $candidate }}
{{- $statements = append $statements (printf `set(%s, %s)%s` $scan .text .where) }}
{{- range until 8 }}
{{- $statements = concat $statements (list
    (printf `delete_key(%s, "luhn_candidate")` $c)
    (printf `set(%s["luhn_found"], ExtractPatterns(%s, %s)) where %s != nil` $c $scan (include "otel-collector.ottlString" (printf "(?P<card>%s)" $d.pattern)) $scan)
    (printf `set(%s, %s["luhn_found"]["card"]) where %s != nil` $candidate $c $scan)
    (printf `set(%s, %s) %s` $digits $candidate $found)
    (printf `replace_pattern(%s, "[^0-9]", "") %s` $digits $found)
    (printf `set(%s, Concat(["\\b", %s, "\\b"], "")) %s` $literal $candidate $found)
    (printf `%s %s and IsValidLuhn(%s)` (printf $replace $.target $literal $d.first) $found $digits)
    (printf `replace_pattern(%s, %s, "") %s` $scan $literal $found)) }}
{{- end }}
{{- $statements = append $statements (printf `%s where %s != nil and IsMatch(%s, %s)` (printf $replace .target $pattern $d.first) $scan $scan $pattern) }}
{{- else }}
{{- $statements = append $statements (printf `%s%s` (printf $replace .target $pattern $d.first) .where) }}
{{- end }}
{{- range $d.rest }}
{{- $statements = append $statements (printf `%s%s` (printf $again $.target .) $.where) }}
{{- end }}
{{- toYaml $statements }}
{{- end }}
