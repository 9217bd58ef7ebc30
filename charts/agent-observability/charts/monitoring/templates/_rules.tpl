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
{{- $groups := list (include "monitoring.agentRules" . | fromYaml) (include "monitoring.budgetRules" . | fromYaml) }}
{{- $perMinute := include "monitoring.requestRateRules" . | fromYaml }}
{{- if $perMinute.rules }}
{{- $groups = append $groups $perMinute }}
{{- end }}
{{- with .Values.objectives }}
{{- $groups = append $groups (include "monitoring.objectiveRules" $ | fromYaml) }}
{{- end }}
{{- if .Values.alerts.enabled }}
{{- $groups = append $groups (include "monitoring.pipelineRules" . | fromYaml) }}
{{- end }}
{{- $groups = append $groups (include "monitoring.langfuseQueueRules" . | fromYaml) }}
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
severity, the family (agent, cost, budget, model-policy, rate-limit, objective, pipeline: what
Alertmanager routes and inhibits by) and alerts.labels, a runbook_url pointing at the alert's
section of the README, and a dashboard_url to the panel that shows it when a Grafana URL is
known (monitoring.dashboardUrl; `panel` is (list "<dashboard file>" "<panel title>"), `vars`
the dashboard variables the link sets).
Usage: {{ include "monitoring.alert" (dict "context" . "name" "AgentHighLatency" "family" "agent" "expr" "..." "for" "5m" "severity" "warning" "labels" dict "summary" "..." "description" "..." "panel" (list "agents-overview" "Request latency") "vars" dict) }}
*/}}
{{- define "monitoring.alert" -}}
{{- if not (has .family (list "agent" "cost" "budget" "model-policy" "rate-limit" "objective" "pipeline")) }}
{{- fail (printf "monitoring.alert: %s has no family" .name) }}
{{- end }}
{{- $labels := merge (dict "severity" .severity "family" .family) (.labels | default dict) (deepCopy .context.Values.alerts.labels) }}
{{- $annotations := dict
    "summary" .summary
    "description" .description
    "runbook_url" (printf "%s#%s" .context.Values.alerts.runbookUrl (lower .name)) }}
{{- with .panel }}
{{- with include "monitoring.dashboardUrl" (dict "context" $.context "dashboard" (index . 0) "panel" (index . 1) "vars" ($.vars | default dict)) }}
{{- $_ := set $annotations "dashboard_url" . }}
{{- end }}
{{- end }}
{{- $rule := dict "alert" .name "expr" .expr "labels" $labels "annotations" $annotations }}
{{- if and .for (ne (toString .for) "0m") (ne (toString .for) "0s") }}
{{- $_ := set $rule "for" .for }}
{{- end }}
{{- toYaml $rule }}
{{- end }}

{{/*
monitoring.dashboardUrl is the link to one panel of a shipped dashboard, with this release
and the given variables selected (values may be alert templates such as
{{ $labels.tenant_id | urlquery }}): <Grafana>/d/<uid>/?viewPanel=panel-<id>&var-... Grafana
opens a panel alone by its scene key, panel-<id> (public/app/features/dashboard-scene/utils/utils.ts
getVizPanelKeyForPanelId). Empty when neither alerts.grafanaUrl nor grafana.rootUrl is set. The
uid and panel id are read from the dashboard file, so a panel renamed in
hack/generate_dashboards.py fails the render here rather than linking nowhere.
Usage: {{ include "monitoring.dashboardUrl" (dict "context" . "dashboard" "chargeback" "panel" "Chargeback by tenant" "vars" (dict "tenant" "{{ $labels.tenant_id | urlquery }}")) }}
*/}}
{{- define "monitoring.dashboardUrl" -}}
{{- $v := .context.Values }}
{{- with $v.alerts.grafanaUrl | default $v.grafana.rootUrl }}
{{- $base := trimSuffix "/" . }}
{{- $dashboard := $.context.Files.Get (printf "files/dashboards/%s.json" $.dashboard) | fromJson }}
{{- $id := 0 }}
{{- range $dashboard.panels }}
{{- if eq .title $.panel }}
{{- $id = int .id }}
{{- end }}
{{- end }}
{{- if not $id }}
{{- fail (printf "monitoring.dashboardUrl: dashboard %s has no panel %q" $.dashboard $.panel) }}
{{- end }}
{{- $query := list (printf "viewPanel=panel-%d" $id) (printf "var-namespace=%s" (urlquery $.context.Release.Namespace)) (printf "var-release=%s" (urlquery $.context.Release.Name)) }}
{{- range $name := keys $.vars | sortAlpha }}
{{- $query = append $query (printf "var-%s=%s" $name (index $.vars $name)) }}
{{- end }}
{{- printf "%s/d/%s/?%s" $base $dashboard.uid (join "&" $query) }}
{{- end }}
{{- end }}

{{/*
monitoring.number is a number as the rules and their texts print it: no exponent below 1e15
(5000000, not 5e+06), no trailing zeros.
Usage: {{ include "monitoring.number" 0.8 }}
*/}}
{{- define "monitoring.number" -}}
{{- printf "%.15g" (float64 .) }}
{{- end }}

{{/*
monitoring.percent is a share (0.8) as a percentage for the alerts' texts (80).
Usage: {{ include "monitoring.percent" 0.8 }}
*/}}
{{- define "monitoring.percent" -}}
{{- mulf (float64 .) 100 | printf "%.4g" }}
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
{{- $agent := dict "agent" "{{ $labels.agent_name | urlquery }}" }}
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
  (include "monitoring.alert" (dict "context" . "name" "AgentHighLatency" "family" "agent" "severity" "warning" "for" $a.agentLatency.for
      "expr" (printf "agent:agent_request_duration_seconds:p99_rate5m{%s} > %v" $scope.recorded $a.agentLatency.thresholdSeconds)
      "summary" (printf "Agent {{ $labels.agent_name }} is slow: p99 latency above %vs" $a.agentLatency.thresholdSeconds)
      "description" (printf "The 99th percentile of agent {{ $labels.agent_name }}'s invocation time over the last 5 minutes is {{ $value | humanizeDuration }}, above the %vs threshold." $a.agentLatency.thresholdSeconds)
      "panel" (list "agents-overview" "Request latency") "vars" $agent) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "AgentHighErrorRate" "family" "agent" "severity" "critical" "for" $a.agentErrors.for
      "expr" (printf "agent:agent_errors:ratio_rate5m{%s} > %v" $scope.recorded $errorRatio)
      "summary" (printf "Agent {{ $labels.agent_name }} fails more than %v%% of its invocations" (mulf $errorRatio 100 | printf "%.4g"))
      "description" (printf "{{ $value | humanizePercentage }} of agent {{ $labels.agent_name }}'s invocations failed over the last 5 minutes (threshold %v%%)." (mulf $errorRatio 100 | printf "%.4g"))
      "panel" (list "agents-overview" "Errors by type") "vars" $agent) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "LLMRateLimitErrors" "family" "rate-limit" "severity" "warning" "for" $a.rateLimits.for
      "expr" (printf "sum by (model) (increase(llm_rate_limit_errors_total{%s}[5m])) > %v" $scope.genai $a.rateLimits.threshold)
      "summary" "The provider is rate-limiting calls to {{ $labels.model }}"
      "description" (printf "{{ $value | printf \"%%.0f\" }} calls to model {{ $labels.model }} were refused for rate limiting in the last 5 minutes (threshold %v)." $a.rateLimits.threshold)
      "panel" (list "llm-usage-and-cost" "Rate-limit errors") "vars" (dict "model" "{{ $labels.model | urlquery }}")) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "TenantDailyCostHigh" "family" "cost" "severity" "warning" "for" $a.tenantDailyCost.for
      "expr" (printf "tenant:llm_cost_dollars:increase1d{%s} > %v" $scope.recorded $a.tenantDailyCost.thresholdUsd)
      "summary" (printf "Tenant {{ $labels.tenant_id }} spent more than $%v on LLM calls in a day" $a.tenantDailyCost.thresholdUsd)
      "description" (printf "Tenant {{ $labels.tenant_id }} spent ${{ $value | printf \"%%.2f\" }} on LLM calls over the last 24 hours (threshold $%v)." $a.tenantDailyCost.thresholdUsd)
      "panel" (list "llm-usage-and-cost" "Cost by tenant") "vars" (dict "tenant" "{{ $labels.tenant_id | urlquery }}")) | fromYaml)
) }}
{{- end }}
{{- toYaml (dict "name" "agent-observability.agents" "rules" $rules) }}
{{- end }}

{{/*
monitoring.stepIncrease is the PromQL of what a counter grew by since the group's previous
run (budgets.evaluationInterval before), summed `by` the given labels: the month-scale rules
add these steps up instead of reading a month of raw samples. Per series, the step is
  - the difference to its last sample before the previous run (up to an hour back, so that
    failed scrapes or a Prometheus restart lose nothing: the next step takes the whole gap),
  - or, after a counter reset (a restarted collector), the count since the reset,
  - or, for a series first seen since the previous run while its target was already scraped
    (a tenant's first call, a series the collector re-created after expiring it), its whole
    count; a series that appears with its target (a new collector pod) counts from its first
    sample, as increase() does.
Steps follow one another without gap or overlap: a rule group runs on a fixed grid of its
interval (rules/group.go EvalTimestamp, Prometheus v3.16.0).
Usage: {{ include "monitoring.stepIncrease" (dict "context" . "selector" "llm_cost_dollars_total{...}" "by" "tenant_id") }}
*/}}
{{- define "monitoring.stepIncrease" -}}
{{- $step := .context.Values.budgets.evaluationInterval }}
{{- $scope := include "monitoring.ruleScope" .context | fromYaml }}
{{- $before := printf "last_over_time(%s[1h] offset %s)" .selector $step }}
{{- printf "sum by (%s) ((%s - %s) >= 0 or %s * (%s < bool %s) or ((%s unless %s) and on (job, instance) (up{%s} offset %s == 1)))" .by .selector $before .selector .selector $before .selector $before $scope.genai $step }}
{{- end }}

{{/*
monitoring.budgetRules is the month-scale rule group, run every budgets.evaluationInterval:
  - each run's increase of every tenant's LLM spend and tokens, labelled with the month (UTC)
    it ends in (tenant_month:*:increase_step), and their sums: month to date
    (tenant:*:month_to_date) and the last 24 hours (tenant:llm_tokens:increase1d);
  - the infrastructure cost (budgets.infrastructure) accrued this month and its allocation to
    the tenants, and each tenant's chargeback: LLM spend + allocated infrastructure, with a
    forecast to the end of the month at the LLM spend rate of budgets.forecastWindow;
  - the tenants' budgets (global.tenants[].monthlyBudgetUsd) against the chargeback, each at its
    tenant's levels (alertAt, else budgets.alertAt), and the forecast against them;
  - tokens of the last 24 hours against the tenants' tokensPerDay;
  - calls to, and spend on, models a tenant's allowedModels does not match.
*/}}
{{- define "monitoring.budgetRules" -}}
{{- $v := .Values }}
{{- $b := $v.budgets }}
{{- $a := $v.alerts }}
{{- $scope := include "monitoring.ruleScope" . | fromYaml }}
{{- $r := $scope.recorded }}
{{- $tenants := include "monitoring.policyTenants" . | fromYamlArray }}
{{- $month := `count_values("month", month())` }}
{{- $elapsed := `((day_of_month() - 1) * 86400 + time() % 86400)` }}
{{- $tenantVar := dict "tenant" "{{ $labels.tenant_id | urlquery }}" }}
{{- $rules := list }}
{{- range $metric := list "llm_cost_dollars" "llm_tokens" }}
{{- $step := include "monitoring.stepIncrease" (dict "context" $ "selector" (printf "%s_total{%s}" $metric $scope.genai) "by" "tenant_id") }}
{{- $rules = concat $rules (list
  (dict "record" (printf "tenant_month:%s:increase_step" $metric) "expr" (printf "%s * on () group_left (month) %s" $step $month))
  (dict "record" (printf "tenant:%s:month_to_date" $metric) "expr" (printf "sum by (tenant_id) (sum_over_time(tenant_month:%s:increase_step{%s}[31d]) * on (month) group_left () %s)" $metric $r $month))) }}
{{- end }}
{{- $rules = append $rules (dict "record" "tenant:llm_tokens:increase1d" "expr" (printf "sum by (tenant_id) (sum_over_time(tenant_month:llm_tokens:increase_step{%s}[1d]))" $r)) }}
{{- $rate := printf "tenant:llm_cost_dollars:rate%s" $b.forecastWindow }}
{{- $llm := printf "tenant:llm_cost_dollars:month_to_date{%s}" $r }}
{{- $rules = concat $rules (list
  (dict "record" $rate "expr" (printf "sum by (tenant_id) (rate(llm_cost_dollars_total{%s}[%s]))" $scope.genai $b.forecastWindow))
  (dict "record" "release:month_elapsed:ratio" "expr" (printf "%s / (days_in_month() * 86400)" $elapsed))
  (dict "record" "tenant:llm_cost_dollars:forecast_month_end" "expr" (printf "%s + on (tenant_id) ((%s{%s} or %s * 0) * on () group_left () (days_in_month() * 86400 - %s))" $llm $rate $r $llm $elapsed))) }}
{{- $infra := $b.infrastructure }}
{{- $total := printf "tenant:chargeback_cost_dollars:month_to_date{%s}" $r }}
{{- if gt (float64 $infra.monthlyCostUsd) 0.0 }}
{{- $allocated := printf "tenant:infrastructure_cost_dollars:month_to_date{%s}" $r }}
{{- $rules = append $rules (dict "record" "release:infrastructure_cost_dollars:month_to_date" "expr" (printf "%s * release:month_elapsed:ratio{%s}" (include "monitoring.number" $infra.monthlyCostUsd) $r)) }}
{{- if eq $infra.allocation "proportional" }}
{{- $basis := printf "tenant:%s:month_to_date{%s}" (ternary "llm_cost_dollars" "llm_tokens" (eq $infra.proportionalTo "spend")) $r }}
{{- $rules = append $rules (dict "record" "tenant:infrastructure_cost_dollars:month_to_date" "expr" (printf "%s / on () group_left () (sum(%s) > 0) * on () group_left () release:infrastructure_cost_dollars:month_to_date{%s}" $basis $basis $r)) }}
{{- else }}
{{- range $tenants }}
{{- $share := ternary (divf 1 (len $tenants)) (float64 (.infrastructureShare | default 0)) (eq $infra.allocation "equal") }}
{{- $rules = append $rules (dict "record" "tenant:infrastructure_cost_dollars:month_to_date" "expr" (printf "release:infrastructure_cost_dollars:month_to_date{%s} * %s" $r (include "monitoring.number" $share)) "labels" (dict "tenant_id" (toString .name))) }}
{{- end }}
{{- end }}
{{- /* The forecast adds the infrastructure's whole month at today's share: allocated / elapsed,
     none at a month's first instant (nothing elapsed; NaN would restart the alert's `for`). */}}
{{- $rules = concat $rules (list
  (dict "record" "tenant:chargeback_cost_dollars:month_to_date" "expr" (printf "sum by (tenant_id) (%s or %s * 0) + sum by (tenant_id) (%s or %s * 0)" $llm $allocated $allocated $llm))
  (dict "record" "tenant:chargeback_cost_dollars:forecast_month_end" "expr" (printf "sum by (tenant_id) (tenant:llm_cost_dollars:forecast_month_end{%s} or %s * 0) + sum by (tenant_id) (%s / on () group_left () (release:month_elapsed:ratio{%s} > 0) or tenant:llm_cost_dollars:forecast_month_end{%s} * 0)" $r $allocated $allocated $r $r))) }}
{{- else }}
{{- $rules = concat $rules (list
  (dict "record" "tenant:chargeback_cost_dollars:month_to_date" "expr" (printf "sum by (tenant_id) (%s)" $llm))
  (dict "record" "tenant:chargeback_cost_dollars:forecast_month_end" "expr" (printf "sum by (tenant_id) (tenant:llm_cost_dollars:forecast_month_end{%s})" $r))) }}
{{- end }}
{{- /* Budgets. */}}
{{- $budgeted := list }}
{{- range $tenants }}
{{- if .monthlyBudgetUsd }}
{{- $budgeted = append $budgeted . }}
{{- $rules = append $rules (dict "record" "tenant_monthly_budget_usd" "expr" (printf "vector(%s)" (include "monitoring.number" .monthlyBudgetUsd)) "labels" (dict "tenant_id" (toString .name))) }}
{{- end }}
{{- end }}
{{- if $budgeted }}
{{- $rules = append $rules (dict "record" "tenant:budget_utilisation:ratio_month_to_date" "expr" (printf "%s / on (tenant_id) tenant_monthly_budget_usd{%s}" $total $r)) }}
{{- end }}
{{- if and $a.enabled $budgeted }}
{{- $spend := printf `{{ with printf "tenant:chargeback_cost_dollars:month_to_date{%s,tenant_id='%%s'}" $labels.tenant_id | query }}{{ . | first | value | printf "%%.2f" }}{{ end }}` $scope.recordedQuoted }}
{{- $budget := printf `{{ with printf "tenant_monthly_budget_usd{%s,tenant_id='%%s'}" $labels.tenant_id | query }}{{ . | first | value | printf "%%.2f" }}{{ end }}` $scope.recordedQuoted }}
{{- range $tenant := $budgeted }}
{{- range $level := $tenant.alertAt | default $b.alertAt }}
{{- $ratio := float64 .ratio }}
{{- $exceeded := ge $ratio 1.0 }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" (ternary "TenantBudgetExceeded" "TenantBudgetUtilisationHigh" $exceeded) "family" "budget" "severity" .severity
    "labels" (dict "threshold" (include "monitoring.number" $ratio) "tenant_id" (toString $tenant.name))
    "expr" (printf "tenant:budget_utilisation:ratio_month_to_date{%s,tenant_id=%q} >= %s" $r (toString $tenant.name) (include "monitoring.number" $ratio))
    "summary" (printf "Tenant {{ $labels.tenant_id }} has used %s%% of its monthly budget" (include "monitoring.percent" $ratio))
    "description" (printf "Tenant {{ $labels.tenant_id }}'s cost this month (LLM calls and its share of the infrastructure) is $%s, {{ $value | humanizePercentage }} of its monthly budget of $%s (alert level %s%%)." $spend $budget (include "monitoring.percent" $ratio))
    "panel" (list "chargeback" "Chargeback by tenant") "vars" $tenantVar) | fromYaml) }}
{{- end }}
{{- end }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" "TenantBudgetForecastExceeded" "family" "budget" "severity" "warning" "for" "1h"
    "expr" (printf "tenant:chargeback_cost_dollars:forecast_month_end{%s} > on (tenant_id) tenant_monthly_budget_usd{%s}" $r $r)
    "summary" "Tenant {{ $labels.tenant_id }} is on course to exceed its monthly budget"
    "description" (printf "At its LLM spend rate of the last %s, tenant {{ $labels.tenant_id }} would reach a cost of ${{ $value | printf \"%%.2f\" }} by the end of the month, more than its monthly budget of $%s (cost so far this month: $%s)." $b.forecastWindow $budget $spend)
    "panel" (list "chargeback" "Chargeback by tenant") "vars" $tenantVar) | fromYaml) }}
{{- end }}
{{- /* Tokens per day. */}}
{{- $tokenLimited := list }}
{{- range $tenant := $tenants }}
{{- with ($tenant.rateLimits | default dict).tokensPerDay }}
{{- $tokenLimited = append $tokenLimited $tenant.name }}
{{- $rules = append $rules (dict "record" "tenant_rate_limit_tokens_per_day" "expr" (printf "vector(%s)" (include "monitoring.number" .)) "labels" (dict "tenant_id" (toString $tenant.name))) }}
{{- end }}
{{- end }}
{{- if $tokenLimited }}
{{- $rules = append $rules (dict "record" "tenant:llm_tokens_per_day_limit:ratio" "expr" (printf "tenant:llm_tokens:increase1d{%s} / on (tenant_id) tenant_rate_limit_tokens_per_day{%s}" $r $r)) }}
{{- if $a.enabled }}
{{- $warning := float64 $a.tenantRateLimits.warningRatio }}
{{- $limit := printf `{{ with printf "tenant_rate_limit_tokens_per_day{%s,tenant_id='%%s'}" $labels.tenant_id | query }}{{ . | first | value | printf "%%.0f" }}{{ end }}` $scope.recordedQuoted }}
{{- $used := printf `{{ with printf "tenant:llm_tokens:increase1d{%s,tenant_id='%%s'}" $labels.tenant_id | query }}{{ . | first | value | printf "%%.0f" }}{{ end }}` $scope.recordedQuoted }}
{{- range $level := list (list "TenantTokensPerDayHigh" $warning "warning") (list "TenantTokensPerDayExceeded" 1.0 "critical") }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" (index $level 0) "family" "rate-limit" "severity" (index $level 2) "for" $a.tenantRateLimits.for
    "expr" (printf "tenant:llm_tokens_per_day_limit:ratio{%s} >= %s" $r (include "monitoring.number" (index $level 1)))
    "summary" (printf "Tenant {{ $labels.tenant_id }} has used %s%% of its tokens per day" (include "monitoring.percent" (index $level 1)))
    "description" (printf "Tenant {{ $labels.tenant_id }} used %s tokens over the last 24 hours, {{ $value | humanizePercentage }} of its limit of %s tokens per day (alert level %s%%)." $used $limit (include "monitoring.percent" (index $level 1)))
    "panel" (list "chargeback" "Tokens per day, share of the limit") "vars" $tenantVar) | fromYaml) }}
{{- end }}
{{- end }}
{{- end }}
{{- /* Allowed models: each tenant's calls to (and spend on) models its list does not match. */}}
{{- $requests := list }}
{{- $costs := list }}
{{- range $tenant := $tenants }}
{{- with $tenant.allowedModels }}
{{- $allowed := printf "tenant_id=%q,model!~%q" (toString $tenant.name) (join "|" .) }}
{{- $requests = append $requests (include "monitoring.stepIncrease" (dict "context" $ "selector" (printf "llm_requests_total{%s,%s}" $scope.genai $allowed) "by" "tenant_id, model")) }}
{{- $costs = append $costs (include "monitoring.stepIncrease" (dict "context" $ "selector" (printf "llm_cost_dollars_total{%s,%s}" $scope.genai $allowed) "by" "tenant_id, model")) }}
{{- end }}
{{- end }}
{{- if $requests }}
{{- range $metric, $steps := dict "llm_requests_disallowed" $requests "llm_cost_dollars_disallowed" $costs }}
{{- $rules = concat $rules (list
  (dict "record" (printf "tenant_model_month:%s:increase_step" $metric) "expr" (printf "(%s) * on () group_left (month) %s" (join " or " $steps) $month))
  (dict "record" (printf "tenant_model:%s:increase1h" $metric) "expr" (printf "sum by (tenant_id, model) (sum_over_time(tenant_model_month:%s:increase_step{%s}[1h]))" $metric $r))
  (dict "record" (printf "tenant_model:%s:month_to_date" $metric) "expr" (printf "sum by (tenant_id, model) (sum_over_time(tenant_model_month:%s:increase_step{%s}[31d]) * on (month) group_left () %s)" $metric $r $month))) }}
{{- end }}
{{- if $a.enabled }}
{{- $spent := printf `{{ with printf "tenant_model:llm_cost_dollars_disallowed:increase1h{%s,tenant_id='%%s',model='%%s'}" $labels.tenant_id $labels.model | query }}{{ . | first | value | printf "%%.2f" }}{{ else }}0.00{{ end }}` $scope.recordedQuoted }}
{{- $monthly := printf `{{ with printf "tenant_model:llm_cost_dollars_disallowed:month_to_date{%s,tenant_id='%%s',model='%%s'}" $labels.tenant_id $labels.model | query }}{{ . | first | value | printf "%%.2f" }}{{ else }}0.00{{ end }}` $scope.recordedQuoted }}
{{- /* A single call reads "once", not "1 times" (reReplaceAll: Prometheus v3.16.0
template/template.go). */}}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" "TenantModelNotAllowed" "family" "model-policy" "severity" "warning"
    "expr" (printf "tenant_model:llm_requests_disallowed:increase1h{%s} > 0" $r)
    "summary" "Tenant {{ $labels.tenant_id }} calls model {{ $labels.model }}, which its policy does not allow"
    "description" (printf "Tenant {{ $labels.tenant_id }} called model {{ $labels.model }}, outside its allowed models, {{ $value | printf \"%%.0f times\" | reReplaceAll \"^1 times$\" \"once\" }} in the last hour, spending $%s on it (this month: $%s)." $spent $monthly)
    "panel" (list "chargeback" "Calls to models outside the tenant's policy") "vars" $tenantVar) | fromYaml) }}
{{- end }}
{{- end }}
{{- toYaml (dict "name" "agent-observability.budgets" "interval" $b.evaluationInterval "rules" $rules) }}
{{- end }}

{{/*
monitoring.requestRateRules is the rule group of the tenants' request rate limits
(global.tenants[].rateLimits.requestsPerMinute), at the Prometheus' own evaluation interval:
each limit as a series, each tenant's LLM calls per second over the last minute, their share
of the limit, and TenantRequestRateHigh (at alerts.tenantRateLimits.warningRatio) and
TenantRequestRateExceeded (the whole limit). No rules without a limit.
*/}}
{{- define "monitoring.requestRateRules" -}}
{{- $a := .Values.alerts }}
{{- $scope := include "monitoring.ruleScope" . | fromYaml }}
{{- $r := $scope.recorded }}
{{- $rules := list }}
{{- range $tenant := include "monitoring.policyTenants" . | fromYamlArray }}
{{- with ($tenant.rateLimits | default dict).requestsPerMinute }}
{{- $rules = append $rules (dict "record" "tenant_rate_limit_requests_per_minute" "expr" (printf "vector(%s)" (include "monitoring.number" .)) "labels" (dict "tenant_id" (toString $tenant.name))) }}
{{- end }}
{{- end }}
{{- if $rules }}
{{- $rules = concat $rules (list
  (dict "record" "tenant:llm_requests:rate1m" "expr" (printf "sum by (tenant_id) (rate(llm_requests_total{%s}[1m]))" $scope.genai))
  (dict "record" "tenant:llm_requests_per_minute_limit:ratio" "expr" (printf "tenant:llm_requests:rate1m{%s} * 60 / on (tenant_id) tenant_rate_limit_requests_per_minute{%s}" $r $r))) }}
{{- if $a.enabled }}
{{- $warning := float64 $a.tenantRateLimits.warningRatio }}
{{- $limit := printf `{{ with printf "tenant_rate_limit_requests_per_minute{%s,tenant_id='%%s'}" $labels.tenant_id | query }}{{ . | first | value | printf "%%.0f" }}{{ end }}` $scope.recordedQuoted }}
{{- range $level := list (list "TenantRequestRateHigh" $warning "warning") (list "TenantRequestRateExceeded" 1.0 "critical") }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" (index $level 0) "family" "rate-limit" "severity" (index $level 2) "for" $a.tenantRateLimits.for
    "expr" (printf "tenant:llm_requests_per_minute_limit:ratio{%s} >= %s" $r (include "monitoring.number" (index $level 1)))
    "summary" (printf "Tenant {{ $labels.tenant_id }} has used %s%% of its LLM requests per minute" (include "monitoring.percent" (index $level 1)))
    "description" (printf "Tenant {{ $labels.tenant_id }} made LLM calls at {{ $value | humanizePercentage }} of its limit of %s requests per minute over the last minute (alert level %s%%)." $limit (include "monitoring.percent" (index $level 1)))
    "panel" (list "chargeback" "Requests per minute, share of the limit") "vars" (dict "tenant" "{{ $labels.tenant_id | urlquery }}")) | fromYaml) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml (dict "name" "agent-observability.tenant-rate-limits" "rules" $rules) }}
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
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" "AgentErrorBudgetBurn" "family" "objective" "panel" (list "agents-overview" "Error budget remaining") "vars" (dict "agent" "{{ $labels.agent_name | urlquery }}") "severity" "critical" "labels" (dict "agent_name" $objective.agent "slo" .slo "window" "fast")
    "expr" (printf "%s or %s" (printf $burn "1h" $selector (mulf 14.4 $budget | printf "%.6g") "5m" $selector (mulf 14.4 $budget | printf "%.6g")) (printf $burn "6h" $selector (mulf 6 $budget | printf "%.6g") "30m" $selector (mulf 6 $budget | printf "%.6g")))
    "summary" (printf "Agent {{ $labels.agent_name }} is burning its %s error budget fast" .slo)
    "description" (printf $description "at 6x or more (2% of the budget in an hour, or 5% in six hours)" "hour or six hours")) | fromYaml) }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" $ "name" "AgentErrorBudgetBurn" "family" "objective" "panel" (list "agents-overview" "Error budget remaining") "vars" (dict "agent" "{{ $labels.agent_name | urlquery }}") "severity" "warning" "labels" (dict "agent_name" $objective.agent "slo" .slo "window" "slow")
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
  (include "monitoring.alert" (dict "context" . "name" "CollectorExportFailing" "family" "pipeline" "panel" (list "pipeline-health" "Exports by destination") "severity" "critical" "for" $p.for
      "expr" (printf "max by (exporter) (otelcol_exporter_queue_size{%s}) > 0 unless on (exporter) sum by (exporter) (rate(otelcol_exporter_sent_spans_total{%s}[5m])) > 0" $t $t)
      "summary" "The collector cannot deliver spans to {{ $labels.exporter }}"
      "description" (printf "Exporter {{ $labels.exporter }} has {{ $value | humanize1024 }}B of spans queued and delivered none in the last 5 minutes (for %s): the destination is down, unreachable or refusing them (credentials, its own errors). The collector keeps retrying; the spans wait in the queue, which refuses new ones when full." $p.for)) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorQueueGrowing" "family" "pipeline" "panel" (list "pipeline-health" "Queue fill by destination") "severity" "warning" "for" $p.queueGrowingFor
      "expr" (printf "max by (exporter) (deriv(otelcol_exporter_queue_size{%s}[15m])) > 0 and on (exporter) max by (exporter) (otelcol_exporter_queue_size{%s} / otelcol_exporter_queue_capacity{%s}) > %v" $t $t $t $growing)
      "summary" "The collector's queue to {{ $labels.exporter }} keeps growing"
      "description" (printf "The sending queue of exporter {{ $labels.exporter }} has grown by {{ $value | humanize1024 }}B per second over the last 15 minutes (for %s) and is more than %s%% full: the destination accepts less than the agents send." $p.queueGrowingFor (mulf $growing 100 | printf "%.4g"))) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorQueueFilling" "family" "pipeline" "panel" (list "pipeline-health" "Queue fill by destination") "severity" "warning" "for" $p.for
      "expr" (printf "max by (exporter) (otelcol_exporter_queue_size{%s} / otelcol_exporter_queue_capacity{%s}) > %v" $t $t $filling)
      "summary" "The collector's queue to {{ $labels.exporter }} is filling up"
      "description" (printf "The sending queue of exporter {{ $labels.exporter }} is {{ $value | humanizePercentage }} full, in bytes (threshold %s%%). When it is full the collector refuses new spans." (mulf $filling 100 | printf "%.4g"))) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorSpansDropped" "family" "pipeline" "panel" (list "pipeline-health" "Exports by destination") "severity" "critical" "for" "0m"
      "expr" (printf "sum by (exporter) (increase(otelcol_exporter_send_failed_spans_total{%s}[5m])) > 0" $t)
      "summary" "The collector dropped spans bound for {{ $labels.exporter }}"
      "description" "Exporter {{ $labels.exporter }} gave up {{ $value | humanize }} spans in the last 5 minutes: the destination answered with an error no retry can change (the collector's log says which). Those spans are lost.") | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorRefusingSpans" "family" "pipeline" "panel" (list "pipeline-health" "Spans accepted and refused") "severity" "warning" "for" $p.for
      "expr" (printf "sum by (receiver) (rate(otelcol_receiver_refused_spans_total{%s}[5m])) > 0" $t)
      "summary" "The collector is refusing spans from agents"
      "description" "Receiver {{ $labels.receiver }} refused {{ $value | humanize }} spans per second over the last 5 minutes (memory limit reached or queues full); agents' SDKs retry, then drop them.") | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorDown" "family" "pipeline" "panel" (list "pipeline-health" "Collectors up") "severity" "critical" "for" $p.for
      "expr" (printf "up{%s} == 0" $t)
      "summary" "Collector {{ $labels.pod }} is down"
      "description" (printf "Prometheus has not scraped collector pod {{ $labels.pod }} (namespace {{ $labels.namespace }}) for %s: it is not running or not ready, and agents' spans sent to it are refused." $p.for)) | fromYaml)
  (include "monitoring.alert" (dict "context" . "name" "CollectorAbsent" "family" "pipeline" "panel" (list "pipeline-health" "Collectors up") "severity" "critical" "for" $p.for
      "expr" (printf "absent(up{%s} == 1)" $t)
      "summary" "No collector is up"
      "description" (printf "Prometheus has scraped no collector pod for %s (none running, or none found to scrape): no span reaches LangFuse and the GenAI metrics stop." $p.for)) | fromYaml)
}}
{{- toYaml (dict "name" "agent-observability.pipeline" "rules" $rules) }}
{{- end }}

{{/*
monitoring.langfuseQueueRules is the rule group of LangFuse's queues, from the worker's queue
metrics the collector exposes (otel-collector.statsd.enabled; its templates/_statsd.tpl says
which series, and why):
  queue:langfuse_queue_depth:max  jobs of each queue by state (type), the max over the
                             collectors: every worker reports the same Redis queue, each
                             collector holds the last report it got, so a sum would count it
                             once per collector; shard "all" or none (a sharded queue reports
                             each shard and their sum). The panel, the alert and agent-
                             observability's worker scaler (KEDA) read it.
  LangfuseQueueBacklog       jobs waiting in a queue above alerts.langfuseQueues.waitingJobs
  LangfuseIngestionLagging   the p95 wait of a queue's jobs above alerts.langfuseQueues.waitSeconds
                             (wait time per worker, summed before the quantile)
A backlog with no job picked up (workers stuck) shows in the first; the second needs jobs to
be picked up.
*/}}
{{- define "monitoring.langfuseQueueRules" -}}
{{- $scope := include "monitoring.ruleScope" . | fromYaml }}
{{- $q := .Values.alerts.langfuseQueues }}
{{- $rules := list (dict "record" "queue:langfuse_queue_depth:max"
    "expr" (printf `max by (queue, type) (langfuse_queue_depth{shard=~"|all",%s})` $scope.genai)) }}
{{- if .Values.alerts.enabled }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" . "name" "LangfuseQueueBacklog" "family" "pipeline" "panel" (list "pipeline-health" "LangFuse jobs waiting") "severity" "warning" "for" $q.for
    "expr" (printf `queue:langfuse_queue_depth:max{type="waiting",%s} > %s` $scope.recorded (include "monitoring.number" $q.waitingJobs))
    "summary" "LangFuse's queue {{ $labels.queue }} has a backlog"
    "description" (printf "{{ $value | humanize }} jobs wait in LangFuse's queue {{ $labels.queue }} (threshold %s, for %s): its workers take less than comes in, or none takes anything. Traces sent to LangFuse reach its UI that much later; add workers, or look at the workers' logs and ClickHouse." (include "monitoring.number" $q.waitingJobs) $q.for)) | fromYaml) }}
{{- $rules = append $rules (include "monitoring.alert" (dict "context" . "name" "LangfuseIngestionLagging" "family" "pipeline" "panel" (list "pipeline-health" "LangFuse wait before processing (p95)") "severity" "warning" "for" $q.for
    "expr" (printf `histogram_quantile(0.95, sum by (queue, le) (rate(langfuse_queue_wait_time_milliseconds_bucket{%s}[5m]))) / 1000 > %s` $scope.genai (include "monitoring.number" $q.waitSeconds))
    "summary" "LangFuse's queue {{ $labels.queue }} is lagging"
    "description" (printf "Jobs of LangFuse's queue {{ $labels.queue }} waited {{ $value | humanizeDuration }} or more before a worker picked them up (95th percentile over 5 minutes; threshold %ss, for %s): what is ingested shows up in LangFuse that much later." (include "monitoring.number" $q.waitSeconds) $q.for)) | fromYaml) }}
{{- end }}
{{- toYaml (dict "name" "agent-observability.langfuse-queues" "rules" $rules) }}
{{- end }}

