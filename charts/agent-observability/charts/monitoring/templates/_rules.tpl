{{/*
monitoring.ruleGroups are the Prometheus rule groups (YAML list), the one source of the
rules: the embedded Prometheus loads them from a ConfigMap and the PrometheusRule carries them
as its spec. Recording rules are named level:metric:operations; alerts carry a severity, a
summary, a description with the values that matter and a runbook_url (README, Runbooks).
Every rule reads only this release's series and carries its namespace and release labels
(monitoring.ruleScope), so releases sharing a Prometheus neither mix nor collide.
Every alert has a promtool test, firing and silent, in tests/component/rules/.
*/}}
{{- define "monitoring.ruleGroups" -}}
{{- $groups := list (include "monitoring.agentRules" . | fromYaml) }}
{{- with .Values.budgets.tenants }}
{{- $groups = append $groups (include "monitoring.budgetRules" $ | fromYaml) }}
{{- end }}
{{- with .Values.objectives }}
{{- $groups = append $groups (include "monitoring.objectiveRules" $ | fromYaml) }}
{{- end }}
{{- if .Values.alerts.enabled }}
{{- $groups = append $groups (include "monitoring.pipelineRules" . | fromYaml) }}
{{- end }}
{{- $scope := (include "monitoring.ruleScope" . | fromYaml).labels }}
{{- range $group := $groups }}
{{- range $rule := $group.rules }}
{{- $_ := set $rule "labels" (merge (deepCopy $scope) ($rule.labels | default dict)) }}
{{- end }}
{{- end }}
{{- toYaml $groups }}
{{- end }}

{{/*
monitoring.alert is one alerting rule (YAML map) with the chart's common parts: the
severity and alerts.labels, and a runbook_url pointing at the alert's section of the README.
Usage: {{ include "monitoring.alert" (dict "context" . "name" "AgentHighLatency" "expr" "..." "for" "5m" "severity" "warning" "labels" dict "summary" "..." "description" "...") }}
*/}}
{{- define "monitoring.alert" -}}
{{- $labels := merge (dict "severity" .severity) (.labels | default dict) (deepCopy .context.Values.alerts.labels) }}
{{- $rule := dict "alert" .name "expr" .expr "labels" $labels "annotations" (dict
    "summary" .summary
    "description" .description
    "runbook_url" (printf "%s#%s" .context.Values.alerts.runbookUrl (lower .name))) }}
{{- if and .for (ne (toString .for) "0m") (ne (toString .for) "0s") }}
{{- $_ := set $rule "for" .for }}
{{- end }}
{{- toYaml $rule }}
{{- end }}

{{/*
monitoring.agentRules is the rule group of the agents and their LLM calls: the
recording rules the alerts and dashboards share, and the guide's four alerts (latency, error
rate, rate limits, daily cost per tenant) with thresholds from alerts.*.
*/}}
{{- define "monitoring.agentRules" -}}
{{- $a := .Values.alerts }}
{{- /* Shares read through float64: `--set` hands a decimal over as a string. */}}
{{- $errorRatio := float64 $a.agentErrors.thresholdRatio }}
{{- $scope := include "monitoring.ruleScope" . | fromYaml }}
{{- $rules := list
  (dict "record" "agent:agent_request_duration_seconds:p99_rate5m"
        "expr" (printf "histogram_quantile(0.99, sum by (agent_name, le) (rate(agent_request_duration_seconds_bucket{%s}[5m])))" $scope.genai))
  (dict "record" "agent:agent_errors:ratio_rate5m"
        "expr" (printf "sum by (agent_name) (rate(agent_errors_total{%s}[5m])) / sum by (agent_name) (rate(agent_request_duration_seconds_count{%s}[5m]))" $scope.genai $scope.genai))
  (dict "record" "tenant:llm_cost_dollars:increase1d"
        "expr" (printf "sum by (tenant_id) (increase(llm_cost_dollars_total{%s}[1d]))" $scope.genai))
}}
{{- if $a.enabled }}
{{- $rules = concat $rules (list
  (include "monitoring.alert" (dict "context" . "name" "AgentHighLatency" "severity" "warning" "for" $a.agentLatency.for
      "expr" (printf "agent:agent_request_duration_seconds:p99_rate5m{%s} > %v" $scope.recorded $a.agentLatency.thresholdSeconds)
      "summary" (printf "Agent {{ $labels.agent_name }} is slow: p99 latency above %vs" $a.agentLatency.thresholdSeconds)
      "description" (printf "The 99th percentile of agent {{ $labels.agent_name }}'s invocation time over the last 5 minutes is {{ $value | humanizeDuration }}, above the %vs threshold." $a.agentLatency.thresholdSeconds)) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "AgentHighErrorRate" "severity" "critical" "for" $a.agentErrors.for
      "expr" (printf "agent:agent_errors:ratio_rate5m{%s} > %v" $scope.recorded $errorRatio)
      "summary" (printf "Agent {{ $labels.agent_name }} fails more than %v%% of its invocations" (mulf $errorRatio 100 | printf "%.4g"))
      "description" (printf "{{ $value | humanizePercentage }} of agent {{ $labels.agent_name }}'s invocations failed over the last 5 minutes (threshold %v%%)." (mulf $errorRatio 100 | printf "%.4g"))) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "LLMRateLimitErrors" "severity" "warning" "for" $a.rateLimits.for
      "expr" (printf "sum by (model) (increase(llm_rate_limit_errors_total{%s}[5m])) > %v" $scope.genai $a.rateLimits.threshold)
      "summary" "The provider is rate-limiting calls to {{ $labels.model }}"
      "description" (printf "{{ $value | printf \"%%.0f\" }} calls to model {{ $labels.model }} were refused for rate limiting in the last 5 minutes (threshold %v)." $a.rateLimits.threshold)) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "TenantDailyCostHigh" "severity" "warning" "for" $a.tenantDailyCost.for
      "expr" (printf "tenant:llm_cost_dollars:increase1d{%s} > %v" $scope.recorded $a.tenantDailyCost.thresholdUsd)
      "summary" (printf "Tenant {{ $labels.tenant_id }} spent more than $%v on LLM calls in a day" $a.tenantDailyCost.thresholdUsd)
      "description" (printf "Tenant {{ $labels.tenant_id }} spent ${{ $value | printf \"%%.2f\" }} on LLM calls over the last 24 hours (threshold $%v)." $a.tenantDailyCost.thresholdUsd)) | fromYaml)
) }}
{{- end }}
{{- toYaml (dict "name" "agent-observability.agents" "rules" $rules) }}
{{- end }}

{{/*
monitoring.budgetRules is the rule group of the tenants' monthly budgets: each budget
as a tenant_monthly_budget_usd series, the spend of the last 30 days against it, a forecast of
the spend over 30 days at the rate of budgets.forecastWindow, and the alerts on both. Budget
rules look back 30 days, so the group is evaluated every 5 minutes, not every scrape.
*/}}
{{- define "monitoring.budgetRules" -}}
{{- $b := .Values.budgets }}
{{- $scope := include "monitoring.ruleScope" . | fromYaml }}
{{- $rules := list }}
{{- range $b.tenants }}
{{- $rules = append $rules (dict "record" "tenant_monthly_budget_usd" "expr" (printf "vector(%v)" (float64 .monthlyUsd)) "labels" (dict "tenant_id" .tenant)) }}
{{- end }}
{{- $rate := printf "tenant:llm_cost_dollars:rate%s" $b.forecastWindow }}
{{- $rules = concat $rules (list
  (dict "record" "tenant:llm_cost_dollars:increase30d" "expr" (printf "sum by (tenant_id) (increase(llm_cost_dollars_total{%s}[30d]))" $scope.genai))
  (dict "record" $rate "expr" (printf "sum by (tenant_id) (rate(llm_cost_dollars_total{%s}[%s]))" $scope.genai $b.forecastWindow))
  (dict "record" "tenant:llm_budget_utilisation:ratio30d" "expr" (printf "tenant:llm_cost_dollars:increase30d{%s} / on (tenant_id) tenant_monthly_budget_usd{%s}" $scope.recorded $scope.recorded))
  (dict "record" "tenant:llm_cost_dollars:forecast30d" "expr" (printf "%s{%s} * 30 * 86400" $rate $scope.recorded))
) }}
{{- if .Values.alerts.enabled }}
{{- $spend := printf `{{ with printf "tenant:llm_cost_dollars:increase30d{%s,tenant_id='%%s'}" $labels.tenant_id | query }}{{ . | first | value | printf "%%.2f" }}{{ end }}` $scope.recordedQuoted }}
{{- $budget := printf `{{ with printf "tenant_monthly_budget_usd{%s,tenant_id='%%s'}" $labels.tenant_id | query }}{{ . | first | value | printf "%%.2f" }}{{ end }}` $scope.recordedQuoted }}
{{- range $b.alertAt }}
{{- $ratio := float64 .ratio }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" "TenantBudgetUtilisationHigh" "severity" .severity
    "labels" (dict "threshold" (printf "%v" $ratio))
    "expr" (printf "tenant:llm_budget_utilisation:ratio30d{%s} >= %v" $scope.recorded $ratio)
    "summary" (printf "Tenant {{ $labels.tenant_id }} has used %s%% of its monthly LLM budget" (mulf $ratio 100 | printf "%.4g"))
    "description" (printf "Tenant {{ $labels.tenant_id }} spent $%s over the last 30 days, {{ $value | humanizePercentage }} of its monthly budget of $%s (alert level %s%%)." $spend $budget (mulf $ratio 100 | printf "%.4g"))) | fromYaml) }}
{{- end }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" "TenantBudgetForecastExceeded" "severity" "warning" "for" "1h"
    "expr" (printf "tenant:llm_cost_dollars:forecast30d{%s} > on (tenant_id) tenant_monthly_budget_usd{%s}" $scope.recorded $scope.recorded)
    "summary" "Tenant {{ $labels.tenant_id }} is on course to exceed its monthly LLM budget"
    "description" (printf "At its spend rate of the last %s, tenant {{ $labels.tenant_id }} would spend ${{ $value | printf \"%%.2f\" }} in 30 days, more than its monthly budget of $%s (spent so far over the last 30 days: $%s)." $b.forecastWindow $budget $spend)) | fromYaml) }}
{{- end }}
{{- toYaml (dict "name" "agent-observability.budgets" "interval" "5m" "rules" $rules) }}
{{- end }}

{{/*
monitoring.objectiveRules is the rule group of the agents' objectives (SLOs over 30
days), in the multi-window, multi-burn-rate form of the SRE workbook (as Sloth and Pyrra
generate it): the share of bad invocations over each window, the error budget left, and
AgentErrorBudgetBurn alerts that page when 2% of the budget burns in an hour (or 5% in six)
and open a ticket when 10% burns in three days (or in a day at 3x).
*/}}
{{- define "monitoring.objectiveRules" -}}
{{- $rules := list }}
{{- $windows := list "5m" "30m" "1h" "2h" "6h" "1d" "3d" "30d" }}
{{- $scope := include "monitoring.ruleScope" . | fromYaml }}
{{- range $objective := .Values.objectives }}
{{- $agent := printf "agent_name=%q,%s" $objective.agent $scope.genai }}
{{- $requests := printf "sum(rate(agent_request_duration_seconds_count{%s}[%%s]))" $agent }}
{{- $slos := list }}
{{- with $objective.successRatio }}
{{- $slos = append $slos (dict "slo" "success" "target" (float64 .) "bad" (printf "(sum(rate(agent_errors_total{%s}[%%s])) or vector(0)) / %s" $agent $requests) "what" "failed invocations") }}
{{- end }}
{{- with $objective.latency }}
{{- $threshold := float64 .thresholdSeconds }}
{{- $bucket := printf "sum(rate(agent_request_duration_seconds_bucket{%s,le=~\"%v(\\\\.0)?\"}[%%s]))" $agent $threshold }}
{{- $slos = append $slos (dict "slo" "latency" "target" (float64 .ratio) "bad" (printf "1 - %s / %s" $bucket $requests) "what" (printf "invocations slower than %vs" $threshold)) }}
{{- end }}
{{- range $slo := $slos }}
{{- $labels := dict "agent_name" $objective.agent "slo" .slo }}
{{- $budget := subf 1 .target | printf "%.6g" | float64 }}
{{- $selector := printf "{agent_name=%q,slo=%q,%s}" $objective.agent .slo $scope.recorded }}
{{- $rules = append $rules (dict "record" "agent:slo_objective:ratio" "expr" (printf "vector(%v)" .target) "labels" $labels) }}
{{- range $window := $windows }}
{{- $rules = append $rules (dict "record" (printf "agent:slo_errors:ratio_rate%s" $window) "expr" (replace "%s" $window $slo.bad) "labels" $labels) }}
{{- end }}
{{- $rules = append $rules (dict "record" "agent:slo_error_budget_remaining:ratio" "expr" (printf "1 - agent:slo_errors:ratio_rate30d%s / %v" $selector $budget) "labels" $labels) }}
{{- if $.Values.alerts.enabled }}
{{- $burn := `(agent:slo_errors:ratio_rate%s%s > %v and agent:slo_errors:ratio_rate%s%s > %v)` }}
{{- $description := printf "Agent {{ $labels.agent_name }}'s %s burn its 30-day error budget (objective: %s%%%% good) %%s: {{ $value | humanizePercentage }} bad over the last %%s." .what (mulf .target 100 | printf "%.6g") }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" "AgentErrorBudgetBurn" "severity" "critical" "labels" (dict "agent_name" $objective.agent "slo" .slo "window" "fast")
    "expr" (printf "%s or %s" (printf $burn "1h" $selector (mulf 14.4 $budget | printf "%.6g") "5m" $selector (mulf 14.4 $budget | printf "%.6g")) (printf $burn "6h" $selector (mulf 6 $budget | printf "%.6g") "30m" $selector (mulf 6 $budget | printf "%.6g")))
    "summary" (printf "Agent {{ $labels.agent_name }} is burning its %s error budget fast" .slo)
    "description" (printf $description "at 6x or more (2% of the budget in an hour, or 5% in six hours)" "hour or six hours")) | fromYaml) }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" "AgentErrorBudgetBurn" "severity" "warning" "labels" (dict "agent_name" $objective.agent "slo" .slo "window" "slow")
    "expr" (printf "%s or %s" (printf $burn "1d" $selector (mulf 3 $budget | printf "%.6g") "2h" $selector (mulf 3 $budget | printf "%.6g")) (printf $burn "3d" $selector $budget "6h" $selector $budget))
    "summary" (printf "Agent {{ $labels.agent_name }} is burning its %s error budget" .slo)
    "description" (printf $description "steadily (10% of the budget in a day, or in three days at 1x)" "day or three days")) | fromYaml) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml (dict "name" "agent-observability.objectives" "interval" "1m" "rules" $rules) }}
{{- end }}

{{/*
monitoring.pipelineRules is the rule group of the telemetry pipeline, on the
collector's own metrics, each alert while the trouble lasts, not after data is gone:
  CollectorExportFailing     a destination takes nothing while spans wait for it (down, refusing,
                             wrong credentials): the collector retries without end, so no span
                             counts as failed until then; the queue's data is as old as the outage
  CollectorQueueGrowing      a destination takes less than comes in: its queue grows
  CollectorQueueFilling      a queue fuller than alerts.pipeline.queueFillRatio, in bytes (what
                             its volume runs out of)
  CollectorSpansDropped      an exporter gave spans up: an answer no retry can change
  CollectorRefusingSpans     the collector refuses agents' exports (memory limit, full queue)
  CollectorDown, CollectorAbsent  a collector pod is not scraped, or none is up
The collector's telemetry has no retry count and no age of the oldest queued data at v0.142.0
(exporterhelper's documentation.md lists its metrics): a queue that holds data while nothing is
sent stands for both.
*/}}
{{- define "monitoring.pipelineRules" -}}
{{- $p := .Values.alerts.pipeline }}
{{- $growing := float64 $p.queueGrowingRatio }}
{{- $filling := float64 $p.queueFillRatio }}
{{- $t := (include "monitoring.ruleScope" . | fromYaml).telemetry }}
{{- $rules := list
  (include "monitoring.alert" (dict "context" . "name" "CollectorExportFailing" "severity" "critical" "for" $p.for
      "expr" (printf "max by (exporter) (otelcol_exporter_queue_size{%s}) > 0 unless on (exporter) sum by (exporter) (rate(otelcol_exporter_sent_spans_total{%s}[5m])) > 0" $t $t)
      "summary" "The collector cannot deliver spans to {{ $labels.exporter }}"
      "description" (printf "Exporter {{ $labels.exporter }} has {{ $value | humanize1024 }}B of spans queued and delivered none in the last 5 minutes (for %s): the destination is down, unreachable or refusing them (credentials, its own errors). The collector keeps retrying; the spans wait in the queue, which refuses new ones when full." $p.for)) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorQueueGrowing" "severity" "warning" "for" $p.queueGrowingFor
      "expr" (printf "max by (exporter) (deriv(otelcol_exporter_queue_size{%s}[15m])) > 0 and on (exporter) max by (exporter) (otelcol_exporter_queue_size{%s} / otelcol_exporter_queue_capacity{%s}) > %v" $t $t $t $growing)
      "summary" "The collector's queue to {{ $labels.exporter }} keeps growing"
      "description" (printf "The sending queue of exporter {{ $labels.exporter }} has grown by {{ $value | humanize1024 }}B per second over the last 15 minutes (for %s) and is more than %s%% full: the destination accepts less than the agents send." $p.queueGrowingFor (mulf $growing 100 | printf "%.4g"))) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorQueueFilling" "severity" "warning" "for" $p.for
      "expr" (printf "max by (exporter) (otelcol_exporter_queue_size{%s} / otelcol_exporter_queue_capacity{%s}) > %v" $t $t $filling)
      "summary" "The collector's queue to {{ $labels.exporter }} is filling up"
      "description" (printf "The sending queue of exporter {{ $labels.exporter }} is {{ $value | humanizePercentage }} full, in bytes (threshold %s%%). When it is full the collector refuses new spans." (mulf $filling 100 | printf "%.4g"))) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorSpansDropped" "severity" "critical" "for" "0m"
      "expr" (printf "sum by (exporter) (increase(otelcol_exporter_send_failed_spans_total{%s}[5m])) > 0" $t)
      "summary" "The collector dropped spans bound for {{ $labels.exporter }}"
      "description" "Exporter {{ $labels.exporter }} gave up {{ $value | humanize }} spans in the last 5 minutes: the destination answered with an error no retry can change (the collector's log says which). Those spans are lost.") | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorRefusingSpans" "severity" "warning" "for" $p.for
      "expr" (printf "sum by (receiver) (rate(otelcol_receiver_refused_spans_total{%s}[5m])) > 0" $t)
      "summary" "The collector is refusing spans from agents"
      "description" "Receiver {{ $labels.receiver }} refused {{ $value | humanize }} spans per second over the last 5 minutes (memory limit reached or queues full); agents' SDKs retry, then drop them.") | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorDown" "severity" "critical" "for" $p.for
      "expr" (printf "up{%s} == 0" $t)
      "summary" "Collector {{ $labels.pod }} is down"
      "description" (printf "Prometheus has not scraped collector pod {{ $labels.pod }} (namespace {{ $labels.namespace }}) for %s: it is not running or not ready, and agents' spans sent to it are refused." $p.for)) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorAbsent" "severity" "critical" "for" $p.for
      "expr" (printf "absent(up{%s} == 1)" $t)
      "summary" "No collector is up"
      "description" (printf "Prometheus has scraped no collector pod for %s (none running, or none found to scrape): no span reaches LangFuse and the GenAI metrics stop." $p.for)) | fromYaml)
}}
{{- toYaml (dict "name" "agent-observability.pipeline" "rules" $rules) }}
{{- end }}
